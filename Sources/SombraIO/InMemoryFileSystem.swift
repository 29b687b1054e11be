// InMemoryFileSystem: files as byte arrays in memory, for tests and scratch databases.
//
// Invariants:
//  1. Every operation is atomic and immediately "durable" (there is no crash to survive); the simulated
//     file system in SombraTestSupport is the one that models crashes.
//  2. Locks behave like OFD locks: per handle, released on close.
import Synchronization
import SombraFormat

public final class InMemoryFileSystem: FileSystem, Sendable {
    struct State {
        var files: [String: [UInt8]] = [:]
        var locks: [String: (shared: Set<ObjectIdentifier>, exclusive: ObjectIdentifier?)] = [:]
    }
    let state = Mutex(State())

    /// Largest file this file system holds (writes past it fail as a full disk would).
    public static let fileBytesMax: UInt64 = 1 << 36

    public init() {}

    public func open(_ path: String, mode: OpenMode) throws(SombraError) -> any StorageFile {
        try state.withLock { s throws(SombraError) in
            if s.files[path] == nil {
                guard mode == .create else { throw SombraError.fileNotFound(path: path) }
                s.files[path] = []
            }
        }
        return InMemoryFile(fs: self, path: path, readOnly: mode == .readOnly)
    }

    public func exists(_ path: String) -> Bool { state.withLock { $0.files[path] != nil } }
    public func isDirectory(_ path: String) -> Bool { false }
    public func remove(_ path: String) throws(SombraError) { state.withLock { _ = $0.files.removeValue(forKey: path) } }
    public func syncDirectory(containing path: String) throws(SombraError) {}
    public func rename(_ from: String, to: String) throws(SombraError) {
        try state.withLock { s throws(SombraError) in
            guard let bytes = s.files.removeValue(forKey: from) else { throw SombraError.fileNotFound(path: from) }
            s.files[to] = bytes
        }
    }

    /// A copy of a file's bytes (tests use it to damage files).
    public func contents(of path: String) -> [UInt8]? { state.withLock { $0.files[path] } }
    public func setContents(of path: String, _ bytes: [UInt8]) { state.withLock { $0.files[path] = bytes } }
}

final class InMemoryFile: StorageFile, Sendable {
    let fs: InMemoryFileSystem
    let path: String
    let readOnly: Bool

    init(fs: InMemoryFileSystem, path: String, readOnly: Bool) {
        self.fs = fs
        self.path = path
        self.readOnly = readOnly
    }

    func read(at offset: UInt64, count: Int) throws(SombraError) -> [UInt8] {
        fs.state.withLock { s in
            let data = s.files[path] ?? []
            guard offset < UInt64(data.count), count > 0 else { return [] }
            let start = Int(offset)
            return Array(data[start..<min(data.count, start + count)])
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws(SombraError) {
        if readOnly { throw .readOnly }
        guard offset <= InMemoryFileSystem.fileBytesMax, UInt64(bytes.count) <= InMemoryFileSystem.fileBytesMax - offset else {
            throw .diskFull(operation: "write past the in-memory file limit", path: path)
        }
        fs.state.withLock { s in
            // Move the bytes out of the dictionary so the edit happens in place, not on a copy.
            var data = s.files.removeValue(forKey: path) ?? []
            let start = Int(offset), end = start + bytes.count
            if data.count < end { data.append(contentsOf: [UInt8](repeating: 0, count: end - data.count)) }
            data.replaceSubrange(start..<end, with: bytes)
            s.files[path] = data
        }
    }

    func size() throws(SombraError) -> UInt64 { fs.state.withLock { UInt64(($0.files[path] ?? []).count) } }

    func truncate(to size: UInt64) throws(SombraError) {
        if readOnly { throw .readOnly }
        guard size <= InMemoryFileSystem.fileBytesMax else {
            throw .diskFull(operation: "truncate past the in-memory file limit", path: path)
        }
        fs.state.withLock { s in
            var data = s.files.removeValue(forKey: path) ?? []
            let n = Int(size)
            if data.count > n { data.removeSubrange(n...) } else { data.append(contentsOf: [UInt8](repeating: 0, count: n - data.count)) }
            s.files[path] = data
        }
    }

    func sync() throws(SombraError) {}

    func lock(_ kind: FileLockKind) throws(SombraError) {
        let me = ObjectIdentifier(self)
        try fs.state.withLock { s throws(SombraError) in
            var entry = s.locks[path] ?? (shared: [], exclusive: nil)
            switch kind {
            case .exclusive:
                guard !readOnly else { throw SombraError.io(operation: "lock", errno: 9, path: path) }
                guard entry.exclusive == nil || entry.exclusive == me,
                      entry.shared.subtracting([me]).isEmpty else { throw SombraError.locked(path: path) }
                entry.exclusive = me
            case .shared:
                guard entry.exclusive == nil || entry.exclusive == me else { throw SombraError.locked(path: path) }
                entry.shared.insert(me)
            }
            s.locks[path] = entry
        }
    }

    func close() {
        let me = ObjectIdentifier(self)
        fs.state.withLock { s in
            guard var entry = s.locks[path] else { return }
            entry.shared.remove(me)
            if entry.exclusive == me { entry.exclusive = nil }
            s.locks[path] = entry
        }
    }
}
