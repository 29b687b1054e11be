// SombraError: the one error type every layer throws (typed throws), from bytes up to the C ABI.
//
// Invariants:
//  1. Corruption always names what is corrupt: a page number for pages, "header" or "wal" otherwise.
//  2. Every case maps to a stable numeric `code` (the C ABI's status codes are these numbers).
//  3. Messages say why, in words a user can act on; they never contain raw pointers.

public enum SombraError: Error, Equatable, Sendable, CustomStringConvertible {
    // The file is not (or no longer) a readable Sombra database.
    case notADatabase(reason: String)
    case unsupportedVersion(found: UInt32, supported: UInt32)
    case invalidPageSize(UInt32)
    case corruptHeader(reason: String)
    case corruptPage(page: UInt64, reason: String)
    case corruptWAL(reason: String)
    // I/O and the environment.
    case io(operation: String, errno: Int32, path: String)
    case diskFull(operation: String, path: String)
    case locked(path: String)
    case fileNotFound(path: String)
    // Handle and transaction state.
    case poisoned(reason: String)
    case readOnly
    case closed
    case transactionEnded
    case writeInReadTransaction
    case cacheExhausted(bytesMax: Int)
    case busy(reason: String)
    // Limits and caller input.
    case keyTooLarge(size: Int, max: Int)
    case valueTooLarge(size: Int, max: Int)
    case invalidArgument(String)
    case nodeNotFound(UInt64)
    case edgeNotFound(UInt64)
    case indexExists(String)
    case indexNotFound(String)

    /// Stable numeric code; the C ABI returns these (0 is success there).
    public var code: Int32 {
        switch self {
        case .notADatabase: return 10
        case .unsupportedVersion: return 11
        case .invalidPageSize: return 12
        case .corruptHeader: return 13
        case .corruptPage: return 14
        case .corruptWAL: return 15
        case .io: return 20
        case .diskFull: return 21
        case .locked: return 22
        case .fileNotFound: return 23
        case .poisoned: return 30
        case .readOnly: return 31
        case .closed: return 32
        case .transactionEnded: return 33
        case .writeInReadTransaction: return 34
        case .cacheExhausted: return 35
        case .busy: return 36
        case .keyTooLarge: return 40
        case .valueTooLarge: return 41
        case .invalidArgument: return 42
        case .nodeNotFound: return 43
        case .edgeNotFound: return 44
        case .indexExists: return 45
        case .indexNotFound: return 46
        }
    }

    /// True for the cases that mean the bytes on disk are damaged.
    public var isCorruption: Bool {
        switch self {
        case .notADatabase, .corruptHeader, .corruptPage, .corruptWAL: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .notADatabase(let r): return "not a Sombra database: \(r)"
        case .unsupportedVersion(let f, let s): return "unsupported format version \(f) (this build reads \(s))"
        case .invalidPageSize(let s): return "invalid page size \(s) (must be a power of two from 4096 to 65536)"
        case .corruptHeader(let r): return "corrupt file header: \(r)"
        case .corruptPage(let p, let r): return "corrupt page \(p): \(r)"
        case .corruptWAL(let r): return "corrupt write-ahead log: \(r)"
        case .io(let op, let e, let p): return "I/O error during \(op) on \(p) (errno \(e))"
        case .diskFull(let op, let p): return "disk full during \(op) on \(p)"
        case .locked(let p): return "database \(p) is locked by another handle or process"
        case .fileNotFound(let p): return "no such file: \(p)"
        case .poisoned(let r): return "handle refuses writes after an earlier failure (outcome unknown; reopen to recover): \(r)"
        case .readOnly: return "database is open read-only"
        case .closed: return "database handle is closed"
        case .transactionEnded: return "transaction has already ended"
        case .writeInReadTransaction: return "write attempted in a read transaction"
        case .cacheExhausted(let b): return "page cache of \(b) bytes is full of pinned pages"
        case .busy(let r): return "busy: \(r)"
        case .keyTooLarge(let s, let m): return "key of \(s) bytes exceeds the maximum of \(m)"
        case .valueTooLarge(let s, let m): return "value of \(s) bytes exceeds the maximum of \(m)"
        case .invalidArgument(let r): return "invalid argument: \(r)"
        case .nodeNotFound(let id): return "node \(id) does not exist"
        case .edgeNotFound(let id): return "edge \(id) does not exist"
        case .indexExists(let n): return "index \(n) already exists"
        case .indexNotFound(let n): return "index \(n) does not exist"
        }
    }
}
