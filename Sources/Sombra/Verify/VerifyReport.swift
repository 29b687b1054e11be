// VerifyReport: what `GraphDB.verify()` found: a list of findings, each naming its page (when it has
// one), its class and a message, plus the figures of what was checked.
// Layer: graph facade (Sombra). Produced by GraphVerifier; read by sombractl, tests and fuzzers.
//
// Invariants:
//  1. Each class's rawValue is a stable, lower-case name (tools match on it; Docs/CLI.md lists them).
//  2. `countsByClass` counts every finding, also those not kept once `findingsMax` (or the per-class cap)
//     is reached; `findingsTruncated` says when some were not kept.
//  3. `isClean` is true exactly when there is no finding of severity `error` (warnings describe states the
//     engine handles by design, such as an incomplete transaction at the end of the log).

/// The kind of problem a finding reports.
public enum VerifyClass: String, Sendable, CaseIterable, Comparable, Codable {
    /// A page whose checksum does not match its bytes (bit flip, torn write, misdirected write).
    case checksum
    /// A page with a valid checksum but an invalid kind byte, or the wrong kind where it is used.
    case pageKind = "page-kind"
    /// A page inside the database's page count that the file (and log) cannot supply in full.
    case missingPage = "missing-page"
    /// A damaged copy of the file header, or header fields that disagree with the file.
    case header
    /// Keys out of order within a B+tree page, or outside the range the parent's separators allow.
    case btreeOrder = "btree-order"
    /// Inconsistent page layout, fill or depth in a B+tree.
    case btreeStructure = "btree-structure"
    /// A child pointer to a page on the path from the root.
    case btreeCycle = "btree-cycle"
    /// A broken overflow chain or stored value.
    case overflowChain = "overflow-chain"
    /// A page reached twice: twice in a tree, from two trees, or from a tree and the free list.
    case pageUsedTwice = "page-used-twice"
    /// A page neither reachable from a tree nor on the free list (a leak).
    case unreachablePage = "unreachable-page"
    /// A broken free list: a cycle, a link out of range, a non-free page on it, or a wrong length.
    case freeList = "free-list"
    /// A stored entry that does not decode (node or edge record, catalog or dictionary entry, index key).
    case record
    /// The name dictionary disagrees with itself or lacks a name a record uses.
    case name
    /// The label index or a property index disagrees with the node records.
    case indexMismatch = "index-mismatch"
    /// The adjacency trees disagree with the edge records.
    case adjacencyMismatch = "adjacency-mismatch"
    /// An edge whose source or target node does not exist.
    case edgeEndpoint = "edge-endpoint"
    /// A stored count or id counter that disagrees with the records.
    case countMismatch = "count-mismatch"
    /// The write-ahead log holds damage that made recovery stop early, or a discarded tail.
    case log

    public static func < (a: VerifyClass, b: VerifyClass) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

public struct VerifyFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        /// The database is damaged or inconsistent.
        case error
        /// A state the engine handles by design, reported for information.
        case warning
    }

    /// The page the problem is on (or, for a bad pointer, the page holding the pointer); nil when none.
    public let page: UInt64?
    public let findingClass: VerifyClass
    public let severity: Severity
    public let message: String

    public init(page: UInt64?, findingClass: VerifyClass, severity: Severity = .error, message: String) {
        self.page = page
        self.findingClass = findingClass
        self.severity = severity
        self.message = message
    }

    public var description: String {
        let where_ = page.map { "page \($0)" } ?? "-"
        return "\(severity == .error ? "error" : "warning") \(findingClass.rawValue) \(where_): \(message)"
    }
}

public struct VerifyReport: Sendable {
    /// Findings kept in the report at most (all are counted).
    public static let findingsMax = 10_000
    /// Findings of one class kept at most.
    public static let findingsPerClassMax = 1_000

    public internal(set) var findings: [VerifyFinding] = []
    public internal(set) var findingsTruncated = false
    public internal(set) var countsByClass: [VerifyClass: Int] = [:]
    public internal(set) var errorCount = 0
    public internal(set) var warningCount = 0

    // Figures of what was checked.
    public internal(set) var pageSize = 0
    public internal(set) var pageCount: UInt64 = 0
    public internal(set) var pagesChecked = 0
    public internal(set) var treePages = 0
    public internal(set) var freePages = 0
    public internal(set) var nodesChecked = 0
    public internal(set) var edgesChecked = 0
    /// Cross-check lookups that could not be made because a page on their path is damaged.
    public internal(set) var lookupsSkipped = 0

    public init() {}

    public var isClean: Bool { errorCount == 0 }

    /// Pages named by findings of `classes` (all classes when nil).
    public func pages(of classes: Set<VerifyClass>? = nil) -> Set<UInt64> {
        var out = Set<UInt64>()
        for f in findings where classes?.contains(f.findingClass) ?? true {
            if let p = f.page { out.insert(p) }
        }
        return out
    }

    public func findings(of c: VerifyClass) -> [VerifyFinding] { findings.filter { $0.findingClass == c } }

    mutating func add(_ f: VerifyFinding) {
        countsByClass[f.findingClass, default: 0] += 1
        if f.severity == .error { errorCount += 1 } else { warningCount += 1 }
        guard findings.count < VerifyReport.findingsMax,
              countsByClass[f.findingClass, default: 0] <= VerifyReport.findingsPerClassMax else {
            findingsTruncated = true
            return
        }
        findings.append(f)
    }

    mutating func add(_ c: VerifyClass, page: UInt64?, _ message: String, severity: VerifyFinding.Severity = .error) {
        add(VerifyFinding(page: page, findingClass: c, severity: severity, message: message))
    }
}

/// Where a long verification is, for progress displays.
public struct VerifyProgress: Sendable {
    public let phase: String
    public let done: Int
    public let total: Int
}
