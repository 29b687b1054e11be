// SimulatedFileState: the value model behind SimulatedFileSystem (files as inodes with durable bytes plus
// pending operations, directory entries durable or pending, handles, locks, counters, the fault gate).
// Test support only; every mutation happens under the file system's mutex.
//
// Invariants:
//  1. For every inode, `live` == `durable` with `pending` applied in order (reads see `live`).
//  2. `liveEntries` == `durableEntries` with every directory's `pendingEntries` applied in order.
//  3. Inode ids and handle ids only grow, so the same sequence of operations yields the same ids (images and
//     seeded subsets depend on it; nothing iterates a dictionary without sorting it first).
//  4. After `crashed` is set, the fault gate throws the crash error for every operation.
import SombraFormat

/// One unsynced change to a file's bytes, in the order it was made.
public enum PendingOperation: Sendable, Equatable {
    case write(offset: Int, bytes: [UInt8])
    case truncate(size: Int)

    /// Applies the change to `data` (a write past the end fills the gap with zeros, as a real file does).
    func apply(to data: inout [UInt8]) {
        switch self {
        case .write(let offset, let bytes):
            guard !bytes.isEmpty else { return }
            let end = offset + bytes.count
            if data.count < end { data.append(contentsOf: [UInt8](repeating: 0, count: end - data.count)) }
            data.replaceSubrange(offset..<end, with: bytes)
        case .truncate(let size):
            if data.count > size { data.removeSubrange(size...) }
            else { data.append(contentsOf: [UInt8](repeating: 0, count: size - data.count)) }
        }
    }
}

/// Counters a test can read (`SimulatedFileSystem.counters`).
public struct SimulatedCounters: Sendable, Equatable {
    /// Counted operations attempted (including the ones a fault failed), not counting refused misuse or
    /// operations after a crash.
    public var operations = 0
    public var operationsByKind: [SimulatedOperation: Int] = [:]
    /// Completed `sync()` calls per path (the path the handle was opened with).
    public var syncsByPath: [String: Int] = [:]
    /// Completed writes per path and their bytes.
    public var writesByPath: [String: Int] = [:]
    public var bytesWrittenByPath: [String: Int] = [:]
    public var bytesWritten = 0
    /// Completed `syncDirectory(containing:)` calls.
    public var directorySyncs = 0

    public init() {}

    public func syncs(_ path: String) -> Int { syncsByPath[path] ?? 0 }
    public func writes(_ path: String) -> Int { writesByPath[path] ?? 0 }
}

struct SimulatedInode: Sendable {
    var durable: [UInt8]
    var live: [UInt8]
    var pending: [PendingOperation] = []

    init(durable: [UInt8]) {
        self.durable = durable
        self.live = durable
    }

    mutating func replayPending() {
        live = durable
        for op in pending { op.apply(to: &live) }
    }

    /// Mutates in place (`inodes[id]?.append(op)`), so a write never copies the whole file.
    mutating func append(_ op: PendingOperation) {
        op.apply(to: &live)
        pending.append(op)
    }

    /// Applies the pending operations to `durable` in place rather than sharing `live`'s buffer, so the
    /// next write does not copy the whole file.
    mutating func makeDurable() {
        for op in pending { op.apply(to: &durable) }
        pending = []
    }
}

enum EntryOperation: Sendable, Equatable {
    case create(path: String, inode: Int)
    case remove(path: String)
    /// Atomic: the new name points at the inode and the old name is gone, in one directory change.
    case rename(from: String, to: String, inode: Int)

    var path: String {
        switch self {
        case .create(let p, _), .remove(let p), .rename(_, let p, _): return p
        }
    }

    func apply(to entries: inout [String: Int]) {
        switch self {
        case .create(let p, let inode): entries[p] = inode
        case .remove(let p): entries[p] = nil
        case .rename(let from, let to, let inode):
            entries[from] = nil
            entries[to] = inode
        }
    }
}

struct SimulatedLock: Sendable {
    var shared: Set<Int> = []
    var exclusive: Int?
}

/// Where a torn write lands if the fault gate crashes on it.
struct TearTarget {
    let inode: Int
    let offset: Int
    let bytes: [UInt8]
}

struct SimulatedState: Sendable {
    var inodes: [Int: SimulatedInode] = [:]
    var nextInode = 1
    var liveEntries: [String: Int] = [:]
    var durableEntries: [String: Int] = [:]
    /// Pending directory-entry changes, per directory (see `directoryName(of:)`), in order.
    var pendingEntries: [String: [EntryOperation]] = [:]
    var directories: Set<String> = []
    var openHandles: Set<Int> = []
    var nextHandle = 1
    var locks: [Int: SimulatedLock] = [:]
    var counters = SimulatedCounters()
    var capacityBytes: Int?

    var faultPlan: FaultPlan?
    var planMatches = 0
    var faultFired = false
    var crashed = false

    mutating func newInode(_ bytes: [UInt8]) -> Int {
        let id = nextInode
        nextInode += 1
        inodes[id] = SimulatedInode(durable: bytes)
        return id
    }

    /// Throws if the file system has crashed or the handle is closed. Misuse is refused before counting.
    func checkUsable(path: String, handle: Int?) throws(SombraError) {
        if crashed { throw SimulatedFileSystem.crashError(path: path) }
        if let handle, !openHandles.contains(handle) {
            throw .io(operation: "operation on a closed handle", errno: 9, path: path)
        }
    }

    /// Counts the operation and applies the fault plan (invariants in FaultPlan.swift).
    mutating func admit(_ operation: SimulatedOperation, path: String, tear: TearTarget? = nil) throws(SombraError) {
        if crashed { throw SimulatedFileSystem.crashError(path: path) }
        counters.operations += 1
        counters.operationsByKind[operation, default: 0] += 1
        guard let plan = faultPlan, plan.matches(operation, path: path) else { return }
        if faultFired {
            if plan.isPersistent { throw plan.error(for: operation, path: path) }
            return
        }
        planMatches += 1
        guard planMatches == plan.failAt else { return }
        faultFired = true
        if case .crash(let tornBytes) = plan.fault {
            crashed = true
            if let tornBytes, let tear, tornBytes > 0 {
                let kept = Array(tear.bytes.prefix(tornBytes))
                appendPending(.write(offset: tear.offset, bytes: kept), inode: tear.inode)
            }
        }
        throw plan.error(for: operation, path: path)
    }

    mutating func appendPending(_ op: PendingOperation, inode: Int) {
        inodes[inode]?.append(op)
    }

    /// Throws `.diskFull` if growing `inode` to `newSize` bytes would pass `capacityBytes`.
    func checkCapacity(inode: Int, newSize: Int, operation: SimulatedOperation, path: String) throws(SombraError) {
        guard let capacityBytes, let current = inodes[inode]?.live.count, newSize > current else { return }
        var used = 0
        var counted = false
        for id in Set(liveEntries.values) {
            used += inodes[id]?.live.count ?? 0
            if id == inode { counted = true }
        }
        if !counted { used += current }
        if used - current + newSize > capacityBytes {
            throw .diskFull(operation: "\(operation) (simulated capacity \(capacityBytes) bytes)", path: path)
        }
    }

    mutating func recordEntry(_ op: EntryOperation) {
        op.apply(to: &liveEntries)
        pendingEntries[directoryName(of: op.path), default: []].append(op)
    }

    mutating func syncEntries(ofDirectory directory: String) {
        for op in pendingEntries[directory] ?? [] { op.apply(to: &durableEntries) }
        pendingEntries[directory] = nil
    }
}

/// The directory whose entry list holds `path`, spelled as POSIXFileSystem.syncDirectory spells it.
func directoryName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
