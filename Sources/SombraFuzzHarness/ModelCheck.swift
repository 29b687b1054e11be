// ModelCheck: compares what the public API of a transaction shows with a ModelGraph: records, id order,
// counts, declared indexes and their range scans (in value order), and every node's adjacency.
// Layer: SombraFuzzHarness (the root tests have a deeper, tree-level check in GraphTestSupport).
//
// Invariants:
//  1. Reads are bounded by the model's size (plus one, to see an extra record), never by the file's.
//  2. Problems are returned, capped at 8, never asserted.
import SombraFormat
import SombraTestSupport
import Sombra

enum ModelCheck {
    static let problemsMax = 8

    static func compare(_ tx: Transaction, _ m: ModelGraph) throws(SombraError) -> [String] {
        var p: [String] = []
        func add(_ s: @autoclosure () -> String) { if p.count < problemsMax { p.append(s()) } }

        let nodeCursor = try tx.allNodes()
        let ids = try nodeCursor.collect(limit: m.nodeCount + 1).map(\.rawValue)
        if ids != m.nodeIDs { add("node ids \(ids.prefix(10)) vs model \(m.nodeIDs.prefix(10))") }
        for id in m.nodeIDs {
            let node = try tx.node(NodeID(id))
            let got = node.map { ModelNode(labels: Set($0.labels), properties: $0.properties) }
            if got != m.nodes[id] { add("n\(id) is \(got.map(\.description) ?? "missing"), model \(m.nodes[id]?.description ?? "-")") }
            if let node, Set(node.labels).count != node.labels.count { add("n\(id) repeats a label: \(node.labels)") }
        }
        let edgeCursor = try tx.allEdges()
        let edgeIDs = try edgeCursor.collect(limit: m.edgeCount + 1).map(\.rawValue)
        if edgeIDs != m.edgeIDs { add("edge ids \(edgeIDs.prefix(10)) vs model \(m.edgeIDs.prefix(10))") }
        for id in m.edgeIDs {
            let got = try tx.edge(EdgeID(id)).map {
                ModelEdge(source: $0.source.rawValue, target: $0.target.rawValue, type: $0.type, properties: $0.properties)
            }
            if got != m.edges[id] { add("e\(id) is \(got.map(\.description) ?? "missing"), model \(m.edges[id]?.description ?? "-")") }
        }

        let (nodeCount, edgeCount) = (try tx.nodeCount(), try tx.edgeCount())
        if nodeCount != m.nodeCount || edgeCount != m.edgeCount {
            add("counts \(nodeCount)/\(edgeCount) vs model \(m.nodeCount)/\(m.edgeCount)")
        }
        let labelCounts = try tx.labelCounts()
        if labelCounts != m.labelCounts { add("labelCounts \(labelCounts) vs model \(m.labelCounts)") }
        let typeCounts = try tx.edgeTypeCounts()
        if typeCounts != m.edgeTypeCounts { add("edgeTypeCounts \(typeCounts) vs model \(m.edgeTypeCounts)") }

        let declared = try tx.indexes().map { ModelIndex(label: $0.label, key: $0.key) }
        if Set(declared) != m.indexes || declared.count != m.indexes.count {
            add("indexes \(declared.sorted()) vs model \(m.indexes.sorted())")
        }
        for index in m.indexes.sorted() { p += try compareIndex(tx, m, index).prefix(problemsMax - p.count) }

        for id in m.nodeIDs {
            let cursor = try tx.edges(of: NodeID(id), direction: .both)
            let got = try cursor.collect(limit: m.edgeCount + 1).map {
                ModelEdgeRef(id: $0.id.rawValue, source: $0.source.rawValue, target: $0.target.rawValue, type: $0.type)
            }
            let want = m.edges(of: id, direction: .both)
            if got.sorted() != want { add("edges(of: n\(id)) \(got.prefix(6)) vs model \(want.prefix(6))") }
            let out = try tx.degree(of: NodeID(id), direction: .outgoing)
            if out != m.degree(of: id, direction: .outgoing) { add("out-degree of n\(id) \(out)") }
        }
        return p
    }

    /// An index's full range scan returns the model's nodes, in value order (indexes stay ordered).
    static func compareIndex(_ tx: Transaction, _ m: ModelGraph, _ index: ModelIndex) throws(SombraError) -> [String] {
        let cursor = try tx.nodes(withLabel: index.label, where: index.key, in: ValueRange())
        let got = try cursor.collect(limit: m.nodeCount + 1)
        let all = ModelRange(lower: nil, lowerInclusive: true, upper: nil, upperInclusive: true)
        let want = try m.nodes(withLabel: index.label, where: index.key, in: all)
        var p: [String] = []
        if got.map(\.rawValue).sorted() != want { p.append("index \(index) scan \(got.prefix(8)) vs model \(want.prefix(8))") }
        var previous: Value? = nil
        for id in got {
            guard let v = m.nodes[id.rawValue]?.properties[index.key] else { continue }
            if let previous, Value.totalOrder(previous, v) > 0 {
                p.append("index \(index) returns \(previous) before \(v)")
                break
            }
            previous = v
        }
        return p
    }
}
