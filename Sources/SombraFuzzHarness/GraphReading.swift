// GraphReading: how the harness reads a database it cannot trust: a canonical dump of its content (for
// "these two opens see the same graph" checks) and a probe that calls every kind of read the facade offers.
// Layer: SombraFuzzHarness.
//
// Invariants:
//  1. Every read is bounded: cursors are collected with a limit, traversals get small depths and limits,
//     and no loop runs longer than a fixed count, whatever the file claims.
//  2. A read may fail only with a typed error; the probe records which reads failed with a corruption
//     error, so a caller can hold them against a clean `verify` (H4: verify clean means readable).
import SombraFormat
import Sombra

/// The content of a graph as the public API returns it, in id order (bounded by `itemsMax`).
struct GraphDump: Equatable, CustomStringConvertible {
    static let itemsMax = 2_000

    var nodes: [Node] = []
    var edges: [Edge] = []
    var indexes: [String] = []
    var nodeCount = 0
    var edgeCount = 0

    static func read(_ tx: Transaction) throws(SombraError) -> GraphDump {
        var d = GraphDump()
        let nodeCursor = try tx.allNodes()
        for id in try nodeCursor.collect(limit: itemsMax) {
            guard let n = try tx.node(id) else { throw .invalidArgument("allNodes listed \(id) but node(\(id)) is nil") }
            d.nodes.append(Node(id: n.id, labels: n.labels.sorted(), properties: n.properties))
        }
        let edgeCursor = try tx.allEdges()
        for id in try edgeCursor.collect(limit: itemsMax) {
            guard let e = try tx.edge(id) else { throw .invalidArgument("allEdges listed \(id) but edge(\(id)) is nil") }
            d.edges.append(e)
        }
        d.indexes = try tx.indexes().map { "\($0.label).\($0.key)" }.sorted()
        d.nodeCount = try tx.nodeCount()
        d.edgeCount = try tx.edgeCount()
        return d
    }

    /// Dumps the newest committed snapshot of `db`.
    static func read(_ db: GraphDB) throws(SombraError) -> GraphDump {
        let tx = try db.beginRead()
        defer { tx.end() }
        return try read(tx)
    }

    var description: String {
        "\(nodes.count) nodes (count \(nodeCount)), \(edges.count) edges (count \(edgeCount)), indexes \(indexes)"
    }

    /// The first difference from `other`, for messages.
    func difference(from other: GraphDump) -> String {
        if nodes.map(\.id) != other.nodes.map(\.id) { return "node ids \(nodes.map(\.id).prefix(8)) vs \(other.nodes.map(\.id).prefix(8))" }
        if let i = nodes.indices.first(where: { nodes[$0] != other.nodes[$0] }) { return "\(nodes[i]) vs \(other.nodes[i])" }
        if edges.map(\.id) != other.edges.map(\.id) { return "edge ids \(edges.map(\.id).prefix(8)) vs \(other.edges.map(\.id).prefix(8))" }
        if let i = edges.indices.first(where: { edges[$0] != other.edges[$0] }) { return "\(edges[i]) vs \(other.edges[i])" }
        if indexes != other.indexes { return "indexes \(indexes) vs \(other.indexes)" }
        return "counts \(nodeCount)/\(edgeCount) vs \(other.nodeCount)/\(other.edgeCount)"
    }
}

/// Calls each read of the facade on a transaction and records what failed (invariant 2).
struct ReadProbe {
    static let itemsMax = 300
    static let detailMax = 24

    /// Reads that failed with a corruption error ("what: error").
    var corruption: [String] = []
    var reads = 0
    var failures = 0

    mutating func attempt<R>(_ what: @autoclosure () -> String, _ body: () throws(SombraError) -> R) -> R? {
        reads += 1
        do throws(SombraError) {
            return try body()
        } catch {
            failures += 1
            if error.isCorruption, corruption.count < 8 { corruption.append("\(what()): \(error)") }
            return nil
        }
    }

    /// Every kind of read, each bounded (invariant 1).
    mutating func run(_ tx: Transaction) {
        _ = attempt("nodeCount") { () throws(SombraError) in try tx.nodeCount() }
        _ = attempt("edgeCount") { () throws(SombraError) in try tx.edgeCount() }
        let labels: [String: Int] = attempt("labelCounts") { () throws(SombraError) in try tx.labelCounts() } ?? [:]
        let types: [String: Int] = attempt("edgeTypeCounts") { () throws(SombraError) in try tx.edgeTypeCounts() } ?? [:]
        let indexes: [(label: String, key: String)] = attempt("indexes") { () throws(SombraError) in try tx.indexes() } ?? []
        let ids: [NodeID] = attempt("allNodes") { () throws(SombraError) in let c = try tx.allNodes(); return try c.collect(limit: Self.itemsMax) } ?? []
        for id in ids.prefix(Self.detailMax) { probeNode(tx, id) }
        let edgeIDs: [EdgeID] = attempt("allEdges") { () throws(SombraError) in let c = try tx.allEdges(); return try c.collect(limit: Self.itemsMax) } ?? []
        for id in edgeIDs.prefix(Self.detailMax) {
            _ = attempt("edge(\(id))") { () throws(SombraError) in try tx.edge(id) }
            _ = attempt("edgeExists(\(id))") { () throws(SombraError) in try tx.edgeExists(id) }
        }
        for label in labels.keys.sorted().prefix(4) {
            _ = attempt("nodes(withLabel: \(label))") { () throws(SombraError) in let c = try tx.nodes(withLabel: label); return try c.collect(limit: Self.itemsMax) }
            _ = attempt("countNodes(\(label))") { () throws(SombraError) in try tx.countNodes(withLabel: label) }
        }
        for type in types.keys.sorted().prefix(4) {
            _ = attempt("countEdges(\(type))") { () throws(SombraError) in try tx.countEdges(ofType: type) }
        }
        for (label, key) in indexes.prefix(4) { probeIndex(tx, label, key) }
        probeTraversals(tx, ids, types: types.keys.sorted())
        _ = attempt("node(0)") { () throws(SombraError) in try tx.node(NodeID(0)) }
        _ = attempt("node(max)") { () throws(SombraError) in try tx.node(NodeID(UInt64.max)) }
        _ = attempt("edge(max)") { () throws(SombraError) in try tx.edge(EdgeID(UInt64.max)) }
    }

    mutating func probeNode(_ tx: Transaction, _ id: NodeID) {
        let node = attempt("node(\(id))") { () throws(SombraError) in try tx.node(id) }
        _ = attempt("nodeExists(\(id))") { () throws(SombraError) in try tx.nodeExists(id) }
        if let key = node??.properties.keys.sorted().first {
            _ = attempt("property(\(key), \(id))") { () throws(SombraError) in try tx.property(key, of: id) }
        }
        let direction = Direction.allCases[Int(id.rawValue % 3)]
        _ = attempt("edges(of: \(id))") { () throws(SombraError) in let c = try tx.edges(of: id, direction: direction); return try c.collect(limit: Self.itemsMax) }
        _ = attempt("neighbors(of: \(id))") { () throws(SombraError) in try tx.neighbors(of: id, direction: direction) }
        _ = attempt("degree(of: \(id))") { () throws(SombraError) in try tx.degree(of: id, direction: direction) }
    }

    mutating func probeIndex(_ tx: Transaction, _ label: String, _ key: String) {
        let all: [NodeID] = attempt("range \(label).\(key)") { () throws(SombraError) in
            let c = try tx.nodes(withLabel: label, where: key, in: ValueRange())
            return try c.collect(limit: Self.itemsMax)
        } ?? []
        guard let first = all.first else { return }
        let found: Value?? = attempt("property of \(first)") { () throws(SombraError) in try tx.property(key, of: first) }
        if let value = found ?? nil, value.isIndexable {
            _ = attempt("equals \(label).\(key)") { () throws(SombraError) in
                let c = try tx.nodes(withLabel: label, where: key, equals: value)
                return try c.collect(limit: Self.itemsMax)
            }
            _ = attempt("range from \(label).\(key)") { () throws(SombraError) in
                let c = try tx.nodes(withLabel: label, where: key, in: ValueRange(lower: value, lowerInclusive: false))
                return try c.collect(limit: Self.itemsMax)
            }
        }
    }

    mutating func probeTraversals(_ tx: Transaction, _ ids: [NodeID], types: [String]) {
        _ = attempt("firstNodes") { () throws(SombraError) in try tx.firstNodes(5) }
        _ = attempt("lastNodes") { () throws(SombraError) in try tx.lastNodes(5) }
        _ = attempt("isolatedNodes") { () throws(SombraError) in let c = try tx.isolatedNodes(); return try c.collect(limit: 20) }
        guard let first = ids.first, let last = ids.last, let low = ids.min(), let high = ids.max() else { return }
        // A damaged tree may list ids out of order: the range comes from the smallest and largest.
        _ = attempt("nodes(inIDRange:)") { () throws(SombraError) in
            let c = try tx.nodes(inIDRange: low...high, reverse: true)
            return try c.collect(limit: Self.itemsMax)
        }
        _ = attempt("bfs") { () throws(SombraError) in try tx.bfs(from: first, maxDepth: 3, direction: .both) }
        _ = attempt("kHop") { () throws(SombraError) in try tx.kHopNeighbors(of: last, k: 2, direction: .incoming) }
        _ = attempt("shortestPath") { () throws(SombraError) in
            try tx.shortestPath(from: first, to: last, direction: .both, maxDepth: 6)
        }
        if let type = types.first {
            _ = attempt("descendants") { () throws(SombraError) in try tx.descendants(of: first, edgeType: type, maxDepth: 4) }
        }
        _ = attempt("subgraph") { () throws(SombraError) in try tx.subgraph(roots: [first], depth: 1, direction: .both) }
        let pattern = Pattern(nodes: [NodePattern(variable: "a"), NodePattern(variable: "b")],
                              edges: [EdgePattern(variable: "e", from: "a", to: "b")])
        _ = attempt("match") { () throws(SombraError) in try tx.match(pattern, limit: 20) }
        if ids.count <= 100 {
            _ = attempt("degreeDistribution") { () throws(SombraError) in try tx.degreeDistribution() }
            _ = attempt("hubs") { () throws(SombraError) in try tx.hubs(minDegree: 1, limit: 5) }
        }
    }
}
