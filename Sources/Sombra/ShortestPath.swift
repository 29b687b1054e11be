// ShortestPath: the shortest unweighted path between two nodes, by bidirectional breadth-first search.
// Layer: Sombra (graph facade). Reads only.
//
// The search grows one ball around the source (following `direction`) and one around the target
// (following the reverse direction), always expanding the smaller frontier by one whole level.
//
// Invariants:
//  1. Before each level expansion the two visited sets are disjoint, with depths a and b fully explored;
//     hence every path is longer than a + b. The first node that one side discovers inside the other's
//     visited set therefore closes a path of length a + b + 1, which is the shortest.
//  2. A returned path starts with `from`, ends with `to`, has no repeated node, and each consecutive pair
//     is joined by an edge admitted by `direction` and `types`; its hop count is at most `maxDepth`.
//  3. Work is bounded: each side visits each node at most once, and the search stops when a + b reaches
//     `maxDepth` or a frontier empties.
extension Transaction {
    /// The shortest path from `from` to `to` (fewest edges), as the list of nodes on it, or nil if `to` is
    /// not reachable within `maxDepth` hops. `.outgoing` follows edges forwards, `.incoming` backwards,
    /// `.both` ignores their direction. Returns `[from]` when `from == to`. Both nodes must exist.
    ///
    ///     let path = try tx.shortestPath(from: alice, to: dave, types: ["KNOWS"])  // [alice, bob, dave]
    public func shortestPath(from source: NodeID, to target: NodeID, direction: Direction = .outgoing,
                             types: [String]? = nil, maxDepth: Int = 64) throws(SombraError) -> [NodeID]? {
        try checkUsable()
        try Self.validateDepth(maxDepth, "maxDepth")
        try requireNode(source)
        try requireNode(target)
        if source == target { return [source] }
        let forward = try hopFilter(direction, types)
        if forward.matchesNothing || maxDepth == 0 { return nil }
        var search = BidirectionalSearch(source: source.rawValue, target: target.rawValue)
        while search.depthForward + search.depthBackward < maxDepth,
              !search.frontierForward.isEmpty, !search.frontierBackward.isEmpty {
            let expandForward = search.frontierForward.count <= search.frontierBackward.count
            let filter = expandForward ? forward : forward.reversed
            if let meeting = try search.expandLevel(forward: expandForward, in: self, filter: filter) {
                return search.path(through: meeting).map { NodeID($0) }
            }
        }
        return nil
    }
}

/// The state of a bidirectional breadth-first search (invariant 1).
struct BidirectionalSearch {
    /// Forward side: node -> the node it was reached from (the source maps to itself).
    var parentForward: [UInt64: UInt64]
    /// Backward side: node -> the next node towards the target (the target maps to itself).
    var parentBackward: [UInt64: UInt64]
    var frontierForward: [UInt64]
    var frontierBackward: [UInt64]
    var depthForward = 0
    var depthBackward = 0
    let source: UInt64
    let target: UInt64

    init(source: UInt64, target: UInt64) {
        self.source = source
        self.target = target
        parentForward = [source: source]
        parentBackward = [target: target]
        frontierForward = [source]
        frontierBackward = [target]
    }

    /// Expands one side by a whole level; returns a node both sides have reached, if one was found.
    mutating func expandLevel(forward: Bool, in tx: Transaction, filter: HopFilter) throws(SombraError) -> UInt64? {
        let meeting: UInt64?
        if forward {
            meeting = try Self.expand(&frontierForward, &parentForward, meeting: parentBackward, tx, filter)
            depthForward += 1
        } else {
            meeting = try Self.expand(&frontierBackward, &parentBackward, meeting: parentForward, tx, filter)
            depthBackward += 1
        }
        return meeting
    }

    /// Replaces `frontier` by the nodes first reached from it, recording their parents in `parents`; stops
    /// at the first node that `other` (the opposite side) has already reached and returns it.
    private static func expand(_ frontier: inout [UInt64], _ parents: inout [UInt64: UInt64],
                               meeting other: [UInt64: UInt64], _ tx: Transaction,
                               _ filter: HopFilter) throws(SombraError) -> UInt64? {
        var next: [UInt64] = []
        var meeting: UInt64? = nil
        guard let scanner = tx.neighborScanner(filter) else { return nil }
        defer { scanner.release() }
        for node in frontier {
            _ = try scanner.forEachNeighbor(node) { (reached: UInt64) throws(SombraError) -> Bool in
                guard parents[reached] == nil else { return true }
                parents[reached] = node
                if other[reached] != nil {
                    meeting = reached
                    return false
                }
                next.append(reached)
                return true
            }
            if meeting != nil { break }
        }
        frontier = next
        return meeting
    }

    /// source ... meeting ... target, following the two parent maps (each chain ends at its root).
    func path(through meeting: UInt64) -> [UInt64] {
        var head: [UInt64] = [meeting]
        var node = meeting
        // Each step moves one level closer to the source, so at most parentForward.count steps.
        for _ in 0..<parentForward.count {
            guard let p = parentForward[node], p != node else { break }
            head.append(p)
            node = p
        }
        head.reverse()
        node = meeting
        for _ in 0..<parentBackward.count {
            guard let p = parentBackward[node], p != node else { break }
            head.append(p)
            node = p
        }
        return head
    }
}
