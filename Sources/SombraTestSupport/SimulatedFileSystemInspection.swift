// SimulatedFileSystemInspection: what tests read from and do to a SimulatedFileSystem outside the file seam:
// file contents (live and durable), pending operations, and damage (set bytes, flip a bit, cut a file).
// Test support only. None of these is counted or can fail by fault plan; they work after a crash too.
//
// Invariants:
//  1. Damage helpers change the DURABLE bytes of the file the path names now (the live entry), as a damaged
//     medium would, then re-apply that file's pending operations so invariant 1 of SimulatedFileState holds.
//     On a crash image (everything durable) that is simply "change the file".
//  2. `setContents` also makes the path's directory entry durable.
import SombraFormat

extension SimulatedFileSystem {
    /// The bytes a read would see now, or nil if no such file.
    public func contents(of path: String) -> [UInt8]? {
        state.withLock { s in s.liveEntries[path].flatMap { s.inodes[$0]?.live } }
    }

    /// The bytes a durable-only image would hold at `path` (nil if its entry is not durable).
    public func durableContents(of path: String) -> [UInt8]? {
        state.withLock { s in s.durableEntries[path].flatMap { s.inodes[$0]?.durable } }
    }

    /// Replaces the file's bytes durably (creating the file, with a durable entry, if missing); drops its
    /// pending operations.
    public func setContents(of path: String, _ bytes: [UInt8]) {
        state.withLock { s in
            let inode: Int
            if let existing = s.liveEntries[path] {
                inode = existing
                s.inodes[inode] = SimulatedInode(durable: bytes)
            } else {
                inode = s.newInode(bytes)
            }
            s.liveEntries[path] = inode
            s.durableEntries[path] = inode
            let directory = directoryName(of: path)
            s.pendingEntries[directory]?.removeAll { $0.path == path }
            if s.pendingEntries[directory]?.isEmpty == true { s.pendingEntries[directory] = nil }
        }
    }

    /// Flips bit `bit` (0 = least significant) of durable byte `byteOffset`.
    public func flipBit(path: String, byteOffset: Int, bit: Int) throws(SombraError) {
        guard (0..<8).contains(bit) else { throw .invalidArgument("bit \(bit) is not in 0..<8") }
        try damage(path) { bytes throws(SombraError) in
            guard byteOffset >= 0, byteOffset < bytes.count else {
                throw .invalidArgument("byte \(byteOffset) is outside \(path) (\(bytes.count) bytes)")
            }
            bytes[byteOffset] ^= UInt8(1) << UInt8(bit)
        }
    }

    /// Overwrites durable bytes starting at `byteOffset` (extending the file with zeros if needed).
    public func overwrite(path: String, byteOffset: Int, with newBytes: [UInt8]) throws(SombraError) {
        guard byteOffset >= 0, byteOffset <= SimulatedFileSystem.fileBytesMax - newBytes.count else {
            throw .invalidArgument("overwrite at \(byteOffset) is out of range")
        }
        try damage(path) { bytes throws(SombraError) in
            PendingOperation.write(offset: byteOffset, bytes: newBytes).apply(to: &bytes)
        }
    }

    /// Cuts (or extends with zeros) the durable file to `size` bytes.
    public func truncateFile(path: String, to size: Int) throws(SombraError) {
        guard size >= 0, size <= SimulatedFileSystem.fileBytesMax else {
            throw .invalidArgument("size \(size) is out of range")
        }
        try damage(path) { bytes throws(SombraError) in PendingOperation.truncate(size: size).apply(to: &bytes) }
    }

    /// Makes `path` a directory: `isDirectory` is true and opening it throws `.notADatabase`.
    public func createDirectory(_ path: String) { state.withLock { _ = $0.directories.insert(path) } }

    /// Paths that exist now, sorted.
    public func paths() -> [String] { state.withLock { $0.liveEntries.keys.sorted() } }

    /// Paths whose directory entry is durable, sorted.
    public func durablePaths() -> [String] { state.withLock { $0.durableEntries.keys.sorted() } }

    /// The file's unsynced operations, oldest first (empty if none or no such file).
    public func pendingOperations(of path: String) -> [PendingOperation] {
        state.withLock { s in s.liveEntries[path].flatMap { s.inodes[$0]?.pending } ?? [] }
    }

    /// Directory-entry changes (creations and removals) not yet made durable by `syncDirectory`.
    public var pendingDirectoryEntryCount: Int {
        state.withLock { $0.pendingEntries.values.reduce(0) { $0 + $1.count } }
    }

    func damage(_ path: String,
                _ change: (inout [UInt8]) throws(SombraError) -> Void) throws(SombraError) {
        try state.withLock { s throws(SombraError) in
            guard let inode = s.liveEntries[path], s.inodes[inode] != nil else {
                throw SombraError.fileNotFound(path: path)
            }
            try change(&s.inodes[inode, default: SimulatedInode(durable: [])].durable)
            s.inodes[inode]?.replayPending()
        }
    }
}
