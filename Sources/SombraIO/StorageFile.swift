// The file seam: the only way any layer above touches a file. Three implementations serve it: the real
// POSIX file, an in-memory file, and (in SombraTestSupport) a simulated file system with faults and crash
// images. Spec of the operations' guarantees: Docs/DESIGN.md, "The file seam".
//
// Invariants:
//  1. `read` returns fewer bytes than asked only at end of file; it never returns more.
//  2. `sync` makes every completed `write`/`truncate` of this file durable, or throws.
//  3. `lock` never blocks: it takes the lock or throws `.locked`.
//  4. Errors are typed: ENOSPC is `.diskFull`, everything else `.io` with its errno.
import SombraFormat

public enum OpenMode: Sendable, Equatable {
    /// Open an existing file for reading only.
    case readOnly
    /// Open an existing file for reading and writing.
    case readWrite
    /// Open for reading and writing, creating the file if it does not exist.
    case create
}

public enum FileLockKind: Sendable, Equatable {
    case shared
    case exclusive
}

public protocol StorageFile: AnyObject, Sendable {
    var path: String { get }
    func read(at offset: UInt64, count: Int) throws(SombraError) -> [UInt8]
    func write(_ bytes: [UInt8], at offset: UInt64) throws(SombraError)
    func size() throws(SombraError) -> UInt64
    func truncate(to size: UInt64) throws(SombraError)
    func sync() throws(SombraError)
    func lock(_ kind: FileLockKind) throws(SombraError)
    func close()
}

public protocol FileSystem: Sendable {
    func open(_ path: String, mode: OpenMode) throws(SombraError) -> any StorageFile
    func exists(_ path: String) -> Bool
    func isDirectory(_ path: String) -> Bool
    func remove(_ path: String) throws(SombraError)
    /// Atomically gives `from`'s file the name `to`, replacing any file there (same directory).
    func rename(_ from: String, to: String) throws(SombraError)
    /// Makes the creation or removal of `path`'s directory entry durable.
    func syncDirectory(containing path: String) throws(SombraError)
}

extension StorageFile {
    /// Reads exactly `count` bytes or throws (used where a short read means a damaged file).
    public func readExactly(at offset: UInt64, count: Int) throws(SombraError) -> [UInt8] {
        let bytes = try read(at: offset, count: count)
        guard bytes.count == count else {
            throw .io(operation: "read past end of file at offset \(offset)", errno: 0, path: path)
        }
        return bytes
    }
}
