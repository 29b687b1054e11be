// Subgraph: copying part of the graph out as plain values: the neighbourhood of some roots, or the
// subgraph induced by a set of nodes.
// Layer: Sombra (graph facade). Reads only.
//
// Invariants:
//  1. `nodes` and `edges` are sorted by id, with no repeats.
//  2. Every edge in a Subgraph has both endpoints among its nodes (a self-loop counts).
//  3. An edge is included exactly when both endpoints are in the node set and its type passes the filter;
//     the direction of the edge does not matter once both ends are in.
extension Transaction {
    /// The nodes within `depth` hops of any root (following `direction` and `types`, as `bfs` does) and
    /// every edge between them whose type passes `types` (in either direction). Every root must exist.
    ///
    ///     let ego = try tx.subgraph(roots: [alice], depth: 2, direction: .both, types: ["KNOWS"])
    public func subgraph(roots: [NodeID], depth: Int, direction: Direction = .outgoing,
                         types: [String]? = nil) throws(SombraError) -> Subgraph {
        try checkUsable()
        try Self.validateDepth(depth, "depth")
        for r in roots { try requireNode(r) }
        let filter = try hopFilter(direction, types)
        var reached = Set<UInt64>()
        _ = try breadthFirst(from: roots, maxDepth: depth, filter: filter) {
            (node: NodeID, _: Int) throws(SombraError) -> Bool in
            reached.insert(node.rawValue)
            return true
        }
        return try buildSubgraph(reached, types: filter.types)
    }

    /// The given nodes and every edge among them (any type, either direction). Every node must exist.
    ///
    ///     let triangle = try tx.inducedSubgraph(nodes: [a, b, c])
    public func inducedSubgraph(nodes: Set<NodeID>) throws(SombraError) -> Subgraph {
        try checkUsable()
        for n in nodes { try requireNode(n) }
        return try buildSubgraph(Set(nodes.map(\.rawValue)), types: nil)
    }

    /// Loads `nodeIDs` and the edges among them whose type is in `types` (nil: every type).
    func buildSubgraph(_ nodeIDs: Set<UInt64>, types: [UInt32]?) throws(SombraError) -> Subgraph {
        var nodes: [Node] = []
        nodes.reserveCapacity(nodeIDs.count)
        var edgeIDs: [UInt64] = []
        for id in nodeIDs.sorted() {
            let nodeID = NodeID(id)
            guard let record = try nodeRecord(nodeID) else { throw .nodeNotFound(id) }
            nodes.append(try makeNode(nodeID, record))
            // Each edge is found once: from its source, in the outgoing tree (invariant 2).
            if types?.isEmpty == true { continue }
            try forEachAdjacent(id, outgoing: true, types: types) {
                (_: UInt32, other: UInt64, edge: UInt64) throws(SombraError) -> Bool in
                if nodeIDs.contains(other) { edgeIDs.append(edge) }
                return true
            }
        }
        var edges: [Edge] = []
        edges.reserveCapacity(edgeIDs.count)
        for id in edgeIDs.sorted() {
            let edgeID = EdgeID(id)
            guard let record = try edgeRecord(edgeID) else {
                throw .corruptPage(page: trees?.outEdges.root.rawValue ?? 0,
                                   reason: "adjacency names edge \(id), which has no record")
            }
            edges.append(try makeEdge(edgeID, record))
        }
        return Subgraph(nodes: nodes, edges: edges)
    }
}

/// Part of the graph as plain values: nodes and edges sorted by id, every edge between listed nodes.
public struct Subgraph: Sendable, Equatable {
    public var nodes: [Node]
    public var edges: [Edge]

    public init(nodes: [Node], edges: [Edge]) {
        self.nodes = nodes
        self.edges = edges
    }

    /// The ids of the nodes, ascending.
    public var nodeIDs: [NodeID] { nodes.map(\.id) }
    /// The ids of the edges, ascending.
    public var edgeIDs: [EdgeID] { edges.map(\.id) }
}
