// Traversals: breadth-first search and what is built on it (k-hop neighbourhoods, ancestors,
// descendants), plus the adjacency primitives the other graph algorithms share.
// Layer: Sombra (graph facade). Reads only; available on read and write transactions alike.
//
// Invariants:
//  1. A traversal visits each node at most once, at its shortest hop distance from the start(s), in
//     breadth-first order (every node at depth d before any node at depth d + 1).
//  2. Neighbours of one node are taken in adjacency order: outgoing edges (by edge type id, then
//     neighbour id, then edge id), then incoming edges in the same order.
//  3. No node beyond `maxDepth` is read or reported; nodes at `maxDepth` are reported but not expanded.
//  4. Work and memory are bounded by the nodes and edges reachable within `maxDepth`: the visited set
//     only grows, so every loop ends.
//  5. Argument errors (negative depth, missing start node) are thrown before anything is visited.
import DequeModule
import SombraFormat
import SombraIndex
import SombraStorage

/// Which adjacency entries one hop may follow: resolved once per traversal, not once per node.
struct HopFilter {
    let outgoing: Bool
    let incoming: Bool
    /// Distinct type ids, ascending; nil means every type. Empty means no edge can match.
    let types: [UInt32]?

    var matchesNothing: Bool { types?.isEmpty == true }

    /// The same filter walked against the edges' direction (for searching back from a target).
    var reversed: HopFilter { HopFilter(outgoing: incoming, incoming: outgoing, types: types) }
}

extension Transaction {
    // MARK: Shared adjacency primitives

    func hopFilter(_ direction: Direction, _ types: [String]?) throws(SombraError) -> HopFilter {
        HopFilter(outgoing: direction != .incoming, incoming: direction != .outgoing, types: try typeIDs(types))
    }

    /// Calls `body(type, other end, edge)` for each adjacency entry of `node` in one tree, optionally only
    /// of `types` and only towards `other`. Stops when `body` returns false; returns false if it stopped.
    @discardableResult
    func forEachAdjacent(_ node: UInt64, outgoing: Bool, types: [UInt32]?, other: UInt64? = nil,
                         _ body: (UInt32, UInt64, UInt64) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        guard let trees else { return true }
        let tree = outgoing ? trees.outEdges : trees.inEdges
        // Towards one other end with types given: one walk per type, starting at (type, other).
        if let other, let types {
            for t in types {
                var walk = AdjacencyWalk(tree: tree, node: node, types: [t], reader: pages, from: (t, other))
                while let e = try walk.next(), e.other == other {
                    guard try body(e.type, e.other, e.edge) else { return false }
                }
            }
            return true
        }
        var walk = AdjacencyWalk(tree: tree, node: node, types: types, reader: pages)
        while let e = try walk.next() {
            if let other, e.other != other { continue }
            guard try body(e.type, e.other, e.edge) else { return false }
        }
        return true
    }

    func requireNode(_ id: NodeID) throws(SombraError) {
        guard try nodeExists(id) else { throw .nodeNotFound(id.rawValue) }
    }

    static func validateDepth(_ depth: Int, _ name: String) throws(SombraError) {
        guard depth >= 0 else { throw .invalidArgument("\(name) must not be negative (got \(depth))") }
    }

    /// Breadth-first search from several starts at once (each at depth 0, reported in the given order,
    /// repeats dropped). `visit` returns false to stop; the result says whether the search ran to the end.
    func breadthFirst(from starts: [NodeID], maxDepth: Int, filter: HopFilter,
                      _ visit: (NodeID, Int) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        var seen = VisitedNodes(expectingFew: true)   // most searches reach far fewer nodes than the graph has
        var queue = Deque<(node: UInt64, depth: Int)>()
        for s in starts where seen.insert(s.rawValue) {
            guard try visit(s, 0) else { return false }
            if maxDepth > 0 && !filter.matchesNothing { queue.append((s.rawValue, 0)) }
        }
        guard let scanner = neighborScanner(filter) else { return true }
        defer { scanner.release() }
        while let (node, depth) = queue.popFirst() {
            let next = depth + 1  // depth < maxDepth, so no overflow
            let finished = try scanner.forEachNeighbor(node) { (other: UInt64) throws(SombraError) -> Bool in
                guard seen.insert(other) else { return true }
                guard try visit(NodeID(other), next) else { return false }
                if next < maxDepth { queue.append((other, next)) }
                return true
            }
            if !finished { return false }
        }
        return true
    }

    // MARK: Breadth-first search

    /// Visits the nodes reachable from `start` within `maxDepth` hops, breadth-first, without collecting
    /// them: `visit(node, depth)` is called once per node (the start first, at depth 0) and returns false
    /// to stop the traversal. Returns true if the traversal ran to the end.
    ///
    ///     try tx.forEachReached(from: alice, maxDepth: 3, types: ["KNOWS"]) { node, depth in
    ///         print(node, depth); return depth < 2
    ///     }
    @discardableResult
    public func forEachReached(from start: NodeID, maxDepth: Int, direction: Direction = .outgoing,
                               types: [String]? = nil,
                               _ visit: (NodeID, Int) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        try checkUsable()
        try Self.validateDepth(maxDepth, "maxDepth")
        try requireNode(start)
        return try breadthFirst(from: [start], maxDepth: maxDepth, filter: try hopFilter(direction, types), visit)
    }

    /// The nodes reachable from `start` within `maxDepth` hops with their hop distance, in breadth-first
    /// order, the start first at depth 0; each node once.
    public func bfs(from start: NodeID, maxDepth: Int, direction: Direction = .outgoing,
                    types: [String]? = nil) throws(SombraError) -> [(node: NodeID, depth: Int)] {
        var out: [(node: NodeID, depth: Int)] = []
        try forEachReached(from: start, maxDepth: maxDepth, direction: direction, types: types) {
            (node: NodeID, depth: Int) throws(SombraError) -> Bool in
            out.append((node, depth))
            return true
        }
        return out
    }

    /// The distinct nodes at distance 1...k from `node` (the node itself excluded, even on a cycle).
    public func kHopNeighbors(of node: NodeID, k: Int, direction: Direction = .outgoing,
                              types: [String]? = nil) throws(SombraError) -> Set<NodeID> {
        var out = Set<NodeID>()
        try forEachReached(from: node, maxDepth: k, direction: direction, types: types) {
            (reached: NodeID, depth: Int) throws(SombraError) -> Bool in
            if depth > 0 { out.insert(reached) }
            return true
        }
        return out
    }

    // MARK: Walks of exactly k hops

    /// Visits each distinct node at the end of a walk of exactly `hops` edges from `start` (friends of
    /// friends for 2), without collecting them; `visit` returns false to stop, and the result says whether
    /// the walk ran to the end. Unlike breadth-first search a node nearer than `hops` is visited too if some
    /// walk of `hops` edges also ends there, `start` included (the count SQL's
    /// `COUNT(DISTINCT e2.dst) ... JOIN edges e2 ON e2.src = e1.dst` gives for 2).
    @discardableResult
    public func forEachNode(atHops hops: Int, from start: NodeID, direction: Direction = .outgoing,
                            types: [String]? = nil,
                            _ visit: (NodeID) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        try checkUsable()
        try Self.validateDepth(hops, "hops")
        try requireNode(start)
        let filter = try hopFilter(direction, types)
        if hops == 0 { return try visit(start) }
        guard !filter.matchesNothing, let scanner = neighborScanner(filter) else { return true }
        defer { scanner.release() }
        var level: [UInt64] = [start.rawValue]
        for depth in 1...hops {
            let last = depth == hops
            var seen = VisitedNodes(expectingFew: true)
            var next: [UInt64] = []
            if !last { next.reserveCapacity(min(level.count * 8, 4096)) }   // few growths for a small frontier
            for node in level {
                let finished = try scanner.forEachNeighbor(node) { (other: UInt64) throws(SombraError) -> Bool in
                    guard seen.insert(other) else { return true }
                    if last { return try visit(NodeID(other)) }
                    next.append(other)
                    return true
                }
                if !finished { return false }
            }
            if next.isEmpty { break }
            level = next
        }
        return true
    }

    /// The distinct nodes at the end of a walk of exactly `hops` edges from `start` (see
    /// `forEachNode(atHops:from:)`), in the order they are first reached.
    public func nodes(atHops hops: Int, from start: NodeID, direction: Direction = .outgoing,
                      types: [String]? = nil) throws(SombraError) -> [NodeID] {
        var out: [NodeID] = []
        try forEachNode(atHops: hops, from: start, direction: direction, types: types) {
            (node: NodeID) throws(SombraError) -> Bool in
            out.append(node)
            return true
        }
        return out
    }

    // MARK: Hierarchies

    /// Nodes from which `node` can be reached along edges of `edgeType` (following incoming edges), within
    /// `maxDepth` hops, in breadth-first order, `node` itself excluded.
    public func ancestors(of node: NodeID, edgeType: String, maxDepth: Int = .max) throws(SombraError) -> [NodeID] {
        try reachedExcludingStart(node, edgeType, maxDepth, .incoming)
    }

    /// Nodes reachable from `node` along edges of `edgeType` (following outgoing edges), within `maxDepth`
    /// hops, in breadth-first order, `node` itself excluded.
    public func descendants(of node: NodeID, edgeType: String, maxDepth: Int = .max) throws(SombraError) -> [NodeID] {
        try reachedExcludingStart(node, edgeType, maxDepth, .outgoing)
    }

    private func reachedExcludingStart(_ node: NodeID, _ edgeType: String, _ maxDepth: Int,
                                       _ direction: Direction) throws(SombraError) -> [NodeID] {
        var out: [NodeID] = []
        try forEachReached(from: node, maxDepth: maxDepth, direction: direction, types: [edgeType]) {
            (reached: NodeID, depth: Int) throws(SombraError) -> Bool in
            if depth > 0 { out.append(reached) }
            return true
        }
        return out
    }
}
