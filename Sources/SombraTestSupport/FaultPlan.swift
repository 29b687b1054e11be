// FaultPlan: which operation of a SimulatedFileSystem fails, and how (crash, EIO, ENOSPC), for the crash and
// I/O-error tests (Docs: shared reliability guide, rows C1, C3, C8-C10). Test support only.
//
// Invariants:
//  1. Counting is 1-based and starts when the plan is set on the file system: `failAt == 1` fails the first
//     matching operation after `faultPlan = ...`; `failAt < 1` never fires.
//  2. An operation matches when its kind is in `operations` and its path ends with `pathSuffix` (if given).
//     Only the counted operations below can match: read, write, size, truncate, sync, open, remove,
//     syncDirectory. `lock`, `close`, `exists` and `isDirectory` are never counted and never fail by plan
//     (after a crash, `lock` throws the crash error like everything else that throws).
//  3. A transient fault fails exactly the `failAt`-th matching operation. A persistent fault fails it and
//     every later matching operation until the plan is replaced or cleared. A crash fails it and makes every
//     later throwing operation on the file system fail, whatever the filter.
//  4. A failed operation has no effect, except a crashing write with `tornWriteBytes == k`, which applies its
//     first min(k, count) bytes as a pending (unsynced) write before throwing.
import SombraFormat

/// The operations a SimulatedFileSystem counts (and can fail).
public enum SimulatedOperation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case read, write, size, truncate, sync, open, remove, rename, syncDirectory

    public static let all: Set<SimulatedOperation> = Set(allCases)
    public var description: String { rawValue }
}

public struct FaultPlan: Sendable, Equatable {
    public enum Fault: Sendable, Equatable {
        /// Power loss at this operation: it does not happen (a write may be torn, see invariant 4), it throws
        /// `SimulatedFileSystem.crashError(path:)`, and every later operation throws the same error.
        case crash(tornWriteBytes: Int?)
        /// `.io(operation: "<op> (simulated EIO)", errno: 5, path:)`.
        case ioError(persistent: Bool)
        /// `.diskFull(operation: "<op> (simulated ENOSPC)", path:)`.
        case diskFull(persistent: Bool)
    }

    public var fault: Fault
    /// 1-based index, among matching operations counted since the plan was set, of the one that fails.
    public var failAt: Int
    public var operations: Set<SimulatedOperation>
    /// When set, only operations whose path ends with this string match (e.g. "-wal").
    public var pathSuffix: String?

    public init(fault: Fault, failAt: Int, operations: Set<SimulatedOperation> = SimulatedOperation.all,
                pathSuffix: String? = nil) {
        self.fault = fault
        self.failAt = failAt
        self.operations = operations
        self.pathSuffix = pathSuffix
    }

    /// Crash at the `n`-th matching operation; a write there is torn after `tornWriteBytes` bytes if given.
    public static func crash(at n: Int, tornWriteBytes: Int? = nil,
                             operations: Set<SimulatedOperation> = SimulatedOperation.all,
                             pathSuffix: String? = nil) -> FaultPlan {
        FaultPlan(fault: .crash(tornWriteBytes: tornWriteBytes), failAt: n, operations: operations,
                  pathSuffix: pathSuffix)
    }

    /// EIO (errno 5) at the `n`-th matching operation; `persistent` keeps failing every later matching one.
    public static func ioError(at n: Int, persistent: Bool,
                               operations: Set<SimulatedOperation> = SimulatedOperation.all,
                               pathSuffix: String? = nil) -> FaultPlan {
        FaultPlan(fault: .ioError(persistent: persistent), failAt: n, operations: operations, pathSuffix: pathSuffix)
    }

    /// ENOSPC (`.diskFull`) at the `n`-th matching operation (by default only writes and truncates match).
    public static func diskFull(at n: Int, persistent: Bool,
                                operations: Set<SimulatedOperation> = [.write, .truncate],
                                pathSuffix: String? = nil) -> FaultPlan {
        FaultPlan(fault: .diskFull(persistent: persistent), failAt: n, operations: operations,
                  pathSuffix: pathSuffix)
    }

    /// The `n`-th file `sync()` fails (transient EIO unless another fault is given); the data stays pending.
    public static func failingSync(at n: Int, fault: Fault = .ioError(persistent: false),
                                   pathSuffix: String? = nil) -> FaultPlan {
        FaultPlan(fault: fault, failAt: n, operations: [.sync], pathSuffix: pathSuffix)
    }

    func matches(_ operation: SimulatedOperation, path: String) -> Bool {
        guard operations.contains(operation) else { return false }
        if let pathSuffix { return path.hasSuffix(pathSuffix) }
        return true
    }

    var isPersistent: Bool {
        switch fault {
        case .crash: return true
        case .ioError(let p), .diskFull(let p): return p
        }
    }

    func error(for operation: SimulatedOperation, path: String) -> SombraError {
        switch fault {
        case .crash: return SimulatedFileSystem.crashError(path: path)
        case .ioError: return .io(operation: "\(operation) (simulated EIO)", errno: 5, path: path)
        case .diskFull: return .diskFull(operation: "\(operation) (simulated ENOSPC)", path: path)
        }
    }
}

extension SombraError {
    /// True for the error every operation throws once a SimulatedFileSystem has crashed.
    public var isSimulatedCrash: Bool {
        if case .io(let operation, let errno, _) = self { return operation == "simulated crash" && errno == -1 }
        return false
    }
}
