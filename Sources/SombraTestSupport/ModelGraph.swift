// ModelGraph: an in-memory reference property graph for tests and fuzzers (nodes with labels and
// properties, edges, declared (label, key) property indexes) that follows the graph facade's rules and
// errors, in plain Swift types (UInt64 ids, String names, `Value`). ModelHistory keeps committed states by
// commit id. Layer: SombraTestSupport, below Sombra, so nothing here imports the facade; tests convert.
//
// Invariants:
//  1. Every edge's endpoints are nodes of the model: deleting a node deletes its edges.
//  2. Ids start at 1, increase and are never reused by later operations on the same value. ModelGraph is a
//     value: a transaction works on a copy, and a rollback simply discards the copy (counters included).
//  3. Mutations check in the facade's order and throw the same SombraError case (messages differ): names
//     (1...nameBytesMax UTF-8 bytes, no NUL), value nesting (<= ValueCodec.maxValueNestingDepth), existence, then
//     index rules (NaN and -0.0 are refused in an indexed property). A refused mutation changes nothing.
//     Size limits (BTree.maxValueBytes) are not modelled; tests of oversized values check by hand.
//  4. Query results are sorted by id (the facade returns indexed matches in value order and adjacency in
//     key order, so compare as sorted arrays). `both` lists a self-loop once.
//  5. ModelHistory is thread-safe; `recordCommit` runs the commit under its lock, so a reader that looks
//     up its snapshot id after beginning at that commit always finds it.
import Synchronization
import SombraFormat

public struct ModelNode: Sendable, Equatable, CustomStringConvertible {
    public var labels: Set<String>
    public var properties: [String: Value]

    public init(labels: Set<String> = [], properties: [String: Value] = [:]) {
        self.labels = labels
        self.properties = properties
    }

    public var description: String { "(:\(labels.sorted().joined(separator: ":")) \(Value.map(properties)))" }
}

public struct ModelEdge: Sendable, Equatable, CustomStringConvertible {
    public var source: UInt64
    public var target: UInt64
    public var type: String
    public var properties: [String: Value]

    public init(source: UInt64, target: UInt64, type: String, properties: [String: Value] = [:]) {
        self.source = source
        self.target = target
        self.type = type
        self.properties = properties
    }

    public var description: String { "(n\(source))-[:\(type) \(Value.map(properties))]->(n\(target))" }
}

/// An edge as seen from a node (the facade's EdgeRef): the real source and target.
public struct ModelEdgeRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var id: UInt64
    public var source: UInt64
    public var target: UInt64
    public var type: String

    public init(id: UInt64, source: UInt64, target: UInt64, type: String) {
        self.id = id
        self.source = source
        self.target = target
        self.type = type
    }

    public static func < (a: ModelEdgeRef, b: ModelEdgeRef) -> Bool { a.id < b.id }
    public var description: String { "e\(id)(n\(source)-[:\(type)]->n\(target))" }
}

public struct ModelIndex: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var label: String
    public var key: String

    public init(label: String, key: String) {
        self.label = label
        self.key = key
    }

    public static func < (a: ModelIndex, b: ModelIndex) -> Bool { (a.label, a.key) < (b.label, b.key) }
    public var description: String { "\(label).\(key)" }
}

public enum ModelDirection: Sendable, CaseIterable {
    case outgoing, incoming, both
}

/// A value range in `Value.totalOrder` (the facade's ValueRange).
public struct ModelRange: Sendable, Equatable, CustomStringConvertible {
    public var lower: Value?
    public var lowerInclusive: Bool
    public var upper: Value?
    public var upperInclusive: Bool

    public init(lower: Value?, lowerInclusive: Bool, upper: Value?, upperInclusive: Bool) {
        self.lower = lower
        self.lowerInclusive = lowerInclusive
        self.upper = upper
        self.upperInclusive = upperInclusive
    }

    public func contains(_ v: Value) -> Bool {
        if let lower {
            let c = Value.totalOrder(v, lower)
            if c < 0 || (c == 0 && !lowerInclusive) { return false }
        }
        if let upper {
            let c = Value.totalOrder(v, upper)
            if c > 0 || (c == 0 && !upperInclusive) { return false }
        }
        return true
    }

    public var description: String {
        (lowerInclusive ? "[" : "(") + (lower?.description ?? "-") + ", " + (upper?.description ?? "-")
            + (upperInclusive ? "]" : ")")
    }
}

public struct ModelGraph: Sendable, Equatable {
    public private(set) var nodes: [UInt64: ModelNode] = [:]
    public private(set) var edges: [UInt64: ModelEdge] = [:]
    public private(set) var indexes: Set<ModelIndex> = []
    public private(set) var nextNodeID: UInt64 = 1
    public private(set) var nextEdgeID: UInt64 = 1
    /// The keys of `nodes` and `edges`, ascending (ids are allocated increasing, so creation appends).
    public private(set) var nodeIDs: [UInt64] = []
    public private(set) var edgeIDs: [UInt64] = []

    /// The longest name in UTF-8 bytes: 1024, or less when the page size limits keys (the facade stores a
    /// name as a names-tree key of 1 + its bytes; set this to `BTree.maxKeyBytes(pageSize:) - 1` if smaller).
    public var nameBytesMax = 1024

    public init(nameBytesMax: Int = 1024) { self.nameBytesMax = nameBytesMax }

    // MARK: Rules (invariant 3)

    public func validateName(_ name: String, _ what: String) throws(SombraError) {
        let n = name.utf8.count
        guard n > 0 else { throw .invalidArgument("\(what) name is empty") }
        guard n <= nameBytesMax else { throw .invalidArgument("\(what) name is \(n) bytes") }
        guard !name.utf8.contains(0) else { throw .invalidArgument("\(what) name contains NUL") }
    }

    func validateProperties(_ properties: [String: Value]) throws(SombraError) {
        for (k, v) in properties {
            try validateName(k, "property key")
            guard v.nestingDepth <= ValueCodec.maxValueNestingDepth else {
                throw .invalidArgument("value of \(k) is nested too deeply")
            }
        }
    }

    /// True for the values an index refuses (NaN, -0.0).
    public static func isRefusedByIndex(_ v: Value) -> Bool {
        guard case .double(let d) = v else { return false }
        return d.isNaN || (d == 0 && d.sign == .minus)
    }

    func checkIndexable(labels: Set<String>, properties: [String: Value]) throws(SombraError) {
        for label in labels {
            for (key, value) in properties where indexes.contains(ModelIndex(label: label, key: key)) {
                if Self.isRefusedByIndex(value) { throw .invalidArgument("\(value) cannot be stored in indexed \(label).\(key)") }
            }
        }
    }

    /// Removes `id` from the ascending array `ids` (binary search).
    static func remove(_ id: UInt64, from ids: inout [UInt64]) {
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        if lo < ids.count, ids[lo] == id { ids.remove(at: lo) }
    }

    // MARK: Node mutations

    @discardableResult
    public mutating func createNode(labels: [String] = [], properties: [String: Value] = [:]) throws(SombraError) -> UInt64 {
        for l in labels { try validateName(l, "label") }
        try validateProperties(properties)
        let labelSet = Set(labels)
        try checkIndexable(labels: labelSet, properties: properties)
        let id = nextNodeID
        nextNodeID += 1
        nodes[id] = ModelNode(labels: labelSet, properties: properties)
        nodeIDs.append(id)
        return id
    }

    public mutating func setProperty(_ key: String, to value: Value, onNode id: UInt64) throws(SombraError) {
        try validateProperties([key: value])
        guard let node = nodes[id] else { throw .nodeNotFound(id) }
        try checkIndexable(labels: node.labels, properties: [key: value])
        nodes[id]?.properties[key] = value
    }

    @discardableResult
    public mutating func removeProperty(_ key: String, fromNode id: UInt64) throws(SombraError) -> Value? {
        guard nodes[id] != nil else { throw .nodeNotFound(id) }
        return nodes[id]?.properties.removeValue(forKey: key)
    }

    public mutating func addLabel(_ label: String, toNode id: UInt64) throws(SombraError) {
        try validateName(label, "label")
        guard let node = nodes[id] else { throw .nodeNotFound(id) }
        try checkIndexable(labels: [label], properties: node.properties)
        nodes[id]?.labels.insert(label)
    }

    @discardableResult
    public mutating func removeLabel(_ label: String, fromNode id: UInt64) throws(SombraError) -> Bool {
        guard nodes[id] != nil else { throw .nodeNotFound(id) }
        return nodes[id]?.labels.remove(label) != nil
    }

    /// Deletes the node and every edge attached to it.
    public mutating func deleteNode(_ id: UInt64) throws(SombraError) {
        guard nodes[id] != nil else { throw .nodeNotFound(id) }
        for (e, edge) in edges where edge.source == id || edge.target == id {
            edges[e] = nil
            Self.remove(e, from: &edgeIDs)
        }
        nodes[id] = nil
        Self.remove(id, from: &nodeIDs)
    }

    // MARK: Edge mutations

    @discardableResult
    public mutating func createEdge(from source: UInt64, to target: UInt64, type: String,
                                    properties: [String: Value] = [:]) throws(SombraError) -> UInt64 {
        try validateName(type, "edge type")
        try validateProperties(properties)
        guard nodes[source] != nil else { throw .nodeNotFound(source) }
        guard nodes[target] != nil else { throw .nodeNotFound(target) }
        let id = nextEdgeID
        nextEdgeID += 1
        edges[id] = ModelEdge(source: source, target: target, type: type, properties: properties)
        edgeIDs.append(id)
        return id
    }

    public mutating func setProperty(_ key: String, to value: Value, onEdge id: UInt64) throws(SombraError) {
        try validateProperties([key: value])
        guard edges[id] != nil else { throw .edgeNotFound(id) }
        edges[id]?.properties[key] = value
    }

    @discardableResult
    public mutating func removeProperty(_ key: String, fromEdge id: UInt64) throws(SombraError) -> Value? {
        guard edges[id] != nil else { throw .edgeNotFound(id) }
        return edges[id]?.properties.removeValue(forKey: key)
    }

    public mutating func deleteEdge(_ id: UInt64) throws(SombraError) {
        guard edges[id] != nil else { throw .edgeNotFound(id) }
        edges[id] = nil
        Self.remove(id, from: &edgeIDs)
    }

    // MARK: Indexes

    public mutating func createIndex(label: String, key: String) throws(SombraError) {
        try validateName(label, "label")
        try validateName(key, "property key")
        let index = ModelIndex(label: label, key: key)
        guard !indexes.contains(index) else { throw .indexExists(index.description) }
        for (id, node) in nodes where node.labels.contains(label) {
            if let v = node.properties[key], Self.isRefusedByIndex(v) {
                throw .invalidArgument("cannot index \(index): node \(id) holds \(v)")
            }
        }
        indexes.insert(index)
    }

    public mutating func dropIndex(label: String, key: String) throws(SombraError) {
        guard indexes.remove(ModelIndex(label: label, key: key)) != nil else {
            throw .indexNotFound("\(label).\(key)")
        }
    }

    public func hasIndex(label: String, key: String) -> Bool { indexes.contains(ModelIndex(label: label, key: key)) }

    // MARK: Queries (invariant 4)

    public var nodeCount: Int { nodes.count }
    public var edgeCount: Int { edges.count }

    /// Labels in use with their node counts (labels with no node are absent).
    public var labelCounts: [String: Int] {
        var out: [String: Int] = [:]
        for n in nodes.values { for l in n.labels { out[l, default: 0] += 1 } }
        return out
    }

    public var edgeTypeCounts: [String: Int] {
        var out: [String: Int] = [:]
        for e in edges.values { out[e.type, default: 0] += 1 }
        return out
    }

    public func countNodes(withLabel label: String) -> Int { nodes.values.reduce(0) { $0 + ($1.labels.contains(label) ? 1 : 0) } }
    public func countEdges(ofType type: String) -> Int { edges.values.reduce(0) { $0 + ($1.type == type ? 1 : 0) } }

    /// Node ids in `lower...upper`, ascending (or descending when `reverse`).
    public func nodeIDs(in range: ClosedRange<UInt64>, reverse: Bool = false) -> [UInt64] {
        let ids = nodeIDs.filter { range.contains($0) }
        return reverse ? ids.reversed() : ids
    }

    public func nodes(withLabel label: String) -> [UInt64] {
        nodeIDs.filter { nodes[$0]?.labels.contains(label) == true }
    }

    /// Nodes with `label` whose indexable value under `key` has `totalOrder == 0` with `value`.
    public func nodes(withLabel label: String, where key: String, equals value: Value) throws(SombraError) -> [UInt64] {
        guard value.isIndexable else { throw .invalidArgument("lists and maps cannot be compared") }
        return nodeIDs.filter { id in
            guard let n = nodes[id], n.labels.contains(label), let v = n.properties[key], v.isIndexable else { return false }
            return Value.totalOrder(v, value) == 0
        }
    }

    public func nodes(withLabel label: String, where key: String, in range: ModelRange) throws(SombraError) -> [UInt64] {
        for bound in [range.lower, range.upper] {
            if let b = bound, !b.isIndexable { throw .invalidArgument("lists and maps cannot bound a range") }
        }
        return nodeIDs.filter { id in
            guard let n = nodes[id], n.labels.contains(label), let v = n.properties[key], v.isIndexable else { return false }
            return range.contains(v)
        }
    }

    /// Edges of `node` in `direction`, of `types` when given (an empty list matches nothing), by id.
    public func edges(of node: UInt64, direction: ModelDirection = .both, types: [String]? = nil) -> [ModelEdgeRef] {
        let typeSet = types.map(Set.init)
        var out: [ModelEdgeRef] = []
        for (id, e) in edges {
            if let typeSet, !typeSet.contains(e.type) { continue }
            let out1 = direction != .incoming && e.source == node
            let in1 = direction != .outgoing && e.target == node
            if out1 || in1 { out.append(ModelEdgeRef(id: id, source: e.source, target: e.target, type: e.type)) }
        }
        return out.sorted()
    }

    /// Distinct neighbours (the node itself when it has a matching self-loop), ascending.
    public func neighbors(of node: UInt64, direction: ModelDirection = .both, types: [String]? = nil) -> [UInt64] {
        var seen = Set<UInt64>()
        for e in edges(of: node, direction: direction, types: types) {
            if direction != .incoming && e.source == node { seen.insert(e.target) }
            if direction != .outgoing && e.target == node { seen.insert(e.source) }
        }
        return seen.sorted()
    }

    public func degree(of node: UInt64, direction: ModelDirection = .both, types: [String]? = nil) -> Int {
        edges(of: node, direction: direction, types: types).count
    }

    /// Every (node, index) entry the declared indexes imply: nodes with the label and an indexable value.
    public func indexEntries() -> [(index: ModelIndex, node: UInt64, value: Value)] {
        var out: [(index: ModelIndex, node: UInt64, value: Value)] = []
        for index in indexes.sorted() {
            for (id, n) in nodes where n.labels.contains(index.label) {
                if let v = n.properties[index.key], v.isIndexable { out.append((index, id, v)) }
            }
        }
        return out
    }

    /// Self-check of invariant 1 (for fuzzers that build models by hand): nil when it holds.
    public func danglingEdge() -> UInt64? {
        edges.first { nodes[$0.value.source] == nil || nodes[$0.value.target] == nil }?.key
    }
}

/// Committed model states by commit id, shared between a writer and readers (invariant 5).
public final class ModelHistory: Sendable {
    private let states = Mutex<[UInt64: ModelGraph]>([:])

    public init() {}

    public func record(_ commitID: UInt64, _ state: ModelGraph) {
        states.withLock { $0[commitID] = state }
    }

    /// Runs `commit` (which commits and returns the commit id and the committed model) under the history's
    /// lock and records its result, so no reader can look the id up before it is recorded.
    @discardableResult
    public func recordCommit<E: Error>(_ commit: () throws(E) -> (UInt64, ModelGraph)) throws(E) -> UInt64 {
        try states.withLock { s throws(E) -> UInt64 in
            let (id, state) = try commit()
            s[id] = state
            return id
        }
    }

    public func state(at commitID: UInt64) -> ModelGraph? { states.withLock { $0[commitID] } }

    public var count: Int { states.withLock { $0.count } }

    /// The highest commit id recorded so far (0 when none): a transaction begun after this call must read
    /// at least that commit.
    public var latestID: UInt64 { states.withLock { $0.keys.max() ?? 0 } }
}
