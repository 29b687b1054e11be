// GraphStatistics: whole-graph figures computed from the adjacency trees: degree distribution, hubs and
// isolated nodes. Label and edge-type counts are kept exact in the catalog (`labelCounts()`,
// `edgeTypeCounts()` in Transaction.swift) and cost nothing.
// Layer: Sombra (graph facade). Reads only.
//
// Invariants:
//  1. Degrees are those of `degree(of:direction:types:)`: a self-loop counts once in each direction and
//     once (not twice) for `.both`; parallel edges count each.
//  2. Each function reads every node once (one pass over the node tree), so its work is bounded by the
//     graph's size; memory is bounded by the result.
extension Transaction {
    /// For each degree, the number of nodes with that degree (nodes without edges are counted at 0).
    ///
    ///     let histogram = try tx.degreeDistribution(direction: .outgoing)  // [0: 12, 1: 40, 7: 1]
    public func degreeDistribution(direction: Direction = .both, types: [String]? = nil) throws(SombraError) -> [Int: Int] {
        var out: [Int: Int] = [:]
        try forEachDegree(direction, types) { (_: NodeID, degree: Int) throws(SombraError) in
            out[degree, default: 0] += 1
        }
        return out
    }

    /// Nodes with at least `minDegree` edges, highest degree first (ties by ascending id), at most `limit`.
    ///
    ///     for (node, degree) in try tx.hubs(minDegree: 100, limit: 10) { print(node, degree) }
    public func hubs(minDegree: Int, direction: Direction = .both, types: [String]? = nil,
                     limit: Int = .max) throws(SombraError) -> [(node: NodeID, degree: Int)] {
        guard minDegree >= 0 else { throw .invalidArgument("minDegree must not be negative (got \(minDegree))") }
        guard limit >= 0 else { throw .invalidArgument("limit must not be negative (got \(limit))") }
        var out: [(node: NodeID, degree: Int)] = []
        try forEachDegree(direction, types) { (node: NodeID, degree: Int) throws(SombraError) in
            if degree >= minDegree { out.append((node, degree)) }
        }
        out.sort { $0.degree != $1.degree ? $0.degree > $1.degree : $0.node < $1.node }
        return Array(out.prefix(limit))
    }

    /// Nodes with no edge at all (a node whose only edge is a self-loop is not isolated), in id order. Lazy.
    public func isolatedNodes() throws(SombraError) -> NodeIDCursor {
        var all = try allNodes()
        return NodeIDCursor { [self] () throws(SombraError) -> NodeID? in
            while let n = try all.next() {
                if try !hasAnyEdge(n.rawValue) { return n }
            }
            return nil
        }
    }

    func hasAnyEdge(_ node: UInt64) throws(SombraError) -> Bool {
        for outgoing in [true, false] {
            let none = try forEachAdjacent(node, outgoing: outgoing, types: nil) {
                (_: UInt32, _: UInt64, _: UInt64) throws(SombraError) -> Bool in false
            }
            if !none { return true }
        }
        return false
    }

    /// Calls `body(node, degree)` for every node in id order.
    func forEachDegree(_ direction: Direction, _ types: [String]?,
                       _ body: (NodeID, Int) throws(SombraError) -> Void) throws(SombraError) {
        try checkUsable()
        var all = try allNodes()
        while let n = try all.next() {
            try body(n, try degree(of: n, direction: direction, types: types))
        }
    }
}
