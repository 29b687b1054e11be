// SimulatedFileSystem: the file seam for crash and fault tests. Keeps, per file, the durable bytes and the
// pending (unsynced) operations, and per directory the durable and pending entries; fails chosen operations
// (FaultPlan.swift); builds post-crash images (CrashImage.swift). Test support only, never in the engine.
//
// Invariants:
//  1. Reads, `size` and `exists` see the live state: durable bytes with pending operations applied in order.
//  2. `sync()` on any handle of a file makes all of that file's pending operations durable (fdatasync: the
//     size too). A failed or crashed sync leaves them pending.
//  3. Creating a file (open .create of a missing path) and `remove` change the directory entry only in the
//     live state; `syncDirectory(containing:)` makes every pending entry change of that directory durable.
//     A file whose creation was never made durable does not exist in a durable-only image.
//  4. Handles behave like POSIX descriptors: a removed file stays readable and writable through an open
//     handle; any operation on a closed handle throws `.io(errno: 9)`; locks are per handle, like Linux OFD
//     locks, released on close, and an exclusive lock on a read-only handle throws `.io("lock", errno 9)`.
//  5. Operations refused for misuse (closed handle, read-only handle, bad argument) are not counted; every
//     other read, write, size, truncate, sync, open, remove and syncDirectory is counted, and is where a
//     FaultPlan can strike.
//  6. Thread-safe: all state lives in one `Mutex`.
import Synchronization
import SombraFormat
import SombraIO

public final class SimulatedFileSystem: FileSystem, Sendable {
    let state: Mutex<SimulatedState>
    /// What this file system is: "live", or which crash image it is (print it when a test fails).
    public let label: String

    /// The largest file the simulation accepts (writes or truncates beyond it throw `.invalidArgument`).
    public static let fileBytesMax = 1 << 32

    public init() {
        state = Mutex(SimulatedState())
        label = "live"
    }

    init(state: SimulatedState, label: String) {
        self.state = Mutex(state)
        self.label = label
    }

    /// The error every operation throws once the file system has crashed.
    public static func crashError(path: String) -> SombraError {
        .io(operation: "simulated crash", errno: -1, path: path)
    }

    // MARK: FileSystem

    public func open(_ path: String, mode: OpenMode) throws(SombraError) -> any StorageFile {
        let (inode, handle) = try state.withLock { s throws(SombraError) -> (Int, Int) in
            try s.checkUsable(path: path, handle: nil)
            try s.admit(.open, path: path)
            if s.directories.contains(path) { throw SombraError.notADatabase(reason: "\(path) is a directory") }
            let inode: Int
            if let existing = s.liveEntries[path] {
                inode = existing
            } else {
                guard mode == .create else { throw SombraError.fileNotFound(path: path) }
                inode = s.newInode([])
                s.recordEntry(.create(path: path, inode: inode))
            }
            let handle = s.nextHandle
            s.nextHandle += 1
            s.openHandles.insert(handle)
            return (inode, handle)
        }
        return SimulatedFile(fs: self, path: path, inode: inode, handle: handle, readOnly: mode == .readOnly)
    }

    public func exists(_ path: String) -> Bool {
        state.withLock { $0.liveEntries[path] != nil || $0.directories.contains(path) }
    }

    public func isDirectory(_ path: String) -> Bool { state.withLock { $0.directories.contains(path) } }

    public func remove(_ path: String) throws(SombraError) {
        try state.withLock { s throws(SombraError) in
            try s.admit(.remove, path: path)
            guard s.liveEntries[path] != nil else { return }
            s.recordEntry(.remove(path: path))
        }
    }

    public func rename(_ from: String, to: String) throws(SombraError) {
        try state.withLock { s throws(SombraError) in
            try s.admit(.rename, path: from)
            guard let inode = s.liveEntries[from] else { throw SombraError.fileNotFound(path: from) }
            guard directoryName(of: from) == directoryName(of: to) else {
                throw SombraError.invalidArgument("rename across directories is not modelled")
            }
            s.recordEntry(.rename(from: from, to: to, inode: inode))
        }
    }

    public func syncDirectory(containing path: String) throws(SombraError) {
        try state.withLock { s throws(SombraError) in
            try s.admit(.syncDirectory, path: path)
            s.syncEntries(ofDirectory: directoryName(of: path))
            s.counters.directorySyncs += 1
        }
    }

    // MARK: Faults and counters

    /// The active fault plan. Setting it (or nil) restarts its count and clears a persistent fault; it does
    /// not undo a crash.
    public var faultPlan: FaultPlan? {
        get { state.withLock { $0.faultPlan } }
        set {
            state.withLock { s in
                s.faultPlan = newValue
                s.planMatches = 0
                s.faultFired = false
            }
        }
    }

    /// True once the plan's `failAt`-th matching operation has been reached (tests loop N = 1, 2, ... until
    /// a run completes without the fault firing).
    public var faultHasFired: Bool { state.withLock { $0.faultFired } }

    /// The next write (whose path ends with `pathSuffix`, if given) is torn: its first `byteCount` bytes are
    /// applied as pending and the file system crashes. Replaces the fault plan.
    public func tearNextWrite(atByte byteCount: Int, pathSuffix: String? = nil) {
        faultPlan = .crash(at: 1, tornWriteBytes: byteCount, operations: [.write], pathSuffix: pathSuffix)
    }

    /// Crashes now: every later operation throws the crash error (take images to "reboot").
    public func crash() { state.withLock { $0.crashed = true } }

    public var isCrashed: Bool { state.withLock { $0.crashed } }

    /// When set, writes and truncates that would make the live files' total size exceed this throw
    /// `.diskFull`; clear it (nil) and writes resume.
    public var capacityBytes: Int? {
        get { state.withLock { $0.capacityBytes } }
        set { state.withLock { $0.capacityBytes = newValue } }
    }

    public var counters: SimulatedCounters { state.withLock { $0.counters } }

    public func resetCounters() { state.withLock { $0.counters = SimulatedCounters() } }

    /// Handles opened and not yet closed (a leak check for tests).
    public var openHandleCount: Int { state.withLock { $0.openHandles.count } }
}

/// One open handle on a SimulatedFileSystem file (identified by inode, like a descriptor).
final class SimulatedFile: StorageFile, Sendable {
    let fs: SimulatedFileSystem
    let path: String
    let inode: Int
    let handle: Int
    let readOnly: Bool

    init(fs: SimulatedFileSystem, path: String, inode: Int, handle: Int, readOnly: Bool) {
        self.fs = fs
        self.path = path
        self.inode = inode
        self.handle = handle
        self.readOnly = readOnly
    }

    func read(at offset: UInt64, count: Int) throws(SombraError) -> [UInt8] {
        try fs.state.withLock { s throws(SombraError) -> [UInt8] in
            try s.checkUsable(path: path, handle: handle)
            guard count >= 0 else { throw SombraError.invalidArgument("negative read length") }
            try s.admit(.read, path: path)
            let data = s.inodes[inode]?.live ?? []
            guard offset < UInt64(data.count), count > 0 else { return [] }
            let start = Int(offset)
            return Array(data[start..<(start + min(count, data.count - start))])
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws(SombraError) {
        let limit = SimulatedFileSystem.fileBytesMax
        guard bytes.count <= limit, offset <= UInt64(limit - bytes.count) else {
            throw .invalidArgument("simulated write past \(limit) bytes")
        }
        let start = Int(offset)
        try fs.state.withLock { s throws(SombraError) in
            try s.checkUsable(path: path, handle: handle)
            if readOnly { throw SombraError.readOnly }
            try s.admit(.write, path: path, tear: TearTarget(inode: inode, offset: start, bytes: bytes))
            let end = start + bytes.count
            try s.checkCapacity(inode: inode, newSize: max(end, s.inodes[inode]?.live.count ?? 0),
                                operation: .write, path: path)
            if !bytes.isEmpty { s.appendPending(.write(offset: start, bytes: bytes), inode: inode) }
            s.counters.writesByPath[path, default: 0] += 1
            s.counters.bytesWrittenByPath[path, default: 0] += bytes.count
            s.counters.bytesWritten += bytes.count
        }
    }

    func size() throws(SombraError) -> UInt64 {
        try fs.state.withLock { s throws(SombraError) -> UInt64 in
            try s.checkUsable(path: path, handle: handle)
            try s.admit(.size, path: path)
            return UInt64(s.inodes[inode]?.live.count ?? 0)
        }
    }

    func truncate(to size: UInt64) throws(SombraError) {
        let limit = SimulatedFileSystem.fileBytesMax
        guard size <= UInt64(limit) else { throw .invalidArgument("simulated truncate past \(limit) bytes") }
        let newSize = Int(size)
        try fs.state.withLock { s throws(SombraError) in
            try s.checkUsable(path: path, handle: handle)
            if readOnly { throw SombraError.readOnly }
            try s.admit(.truncate, path: path)
            try s.checkCapacity(inode: inode, newSize: newSize, operation: .truncate, path: path)
            s.appendPending(.truncate(size: newSize), inode: inode)
        }
    }

    func sync() throws(SombraError) {
        try fs.state.withLock { s throws(SombraError) in
            try s.checkUsable(path: path, handle: handle)
            try s.admit(.sync, path: path)
            s.inodes[inode]?.makeDurable()
            s.counters.syncsByPath[path, default: 0] += 1
        }
    }

    func lock(_ kind: FileLockKind) throws(SombraError) {
        try fs.state.withLock { s throws(SombraError) in
            try s.checkUsable(path: path, handle: handle)
            // Like fcntl: a write lock needs a descriptor opened for writing.
            if kind == .exclusive, readOnly { throw SombraError.io(operation: "lock", errno: 9, path: path) }
            var entry = s.locks[inode] ?? SimulatedLock()
            let othersShared = !entry.shared.subtracting([handle]).isEmpty
            guard entry.exclusive == nil || entry.exclusive == handle else { throw SombraError.locked(path: path) }
            switch kind {
            case .exclusive:
                guard !othersShared else { throw SombraError.locked(path: path) }
                entry.exclusive = handle
                entry.shared.remove(handle)
            case .shared:
                entry.exclusive = nil
                entry.shared.insert(handle)
            }
            s.locks[inode] = entry
        }
    }

    func close() {
        fs.state.withLock { s in
            guard s.openHandles.remove(handle) != nil else { return }
            guard var entry = s.locks[inode] else { return }
            entry.shared.remove(handle)
            if entry.exclusive == handle { entry.exclusive = nil }
            s.locks[inode] = entry.shared.isEmpty && entry.exclusive == nil ? nil : entry
        }
    }
}
