// NeighborScanner: the neighbours of many nodes, one node after another, read through two adjacency walks
// (one per tree) that are made once and restarted per node, for traversals that expand node after node.
// Layer: graph facade (traversals).
//
// Invariants:
//  1. `forEachNeighbor` reports the other end of each adjacency entry the filter admits, repeats kept:
//     outgoing entries (by type, other end, edge), then incoming ones; with a type filter, only those
//     types. Every traversal (BFS, k-hop walks, shortest path) expands nodes through it.
//  2. A restarted walk reads the tree afresh (nothing from the previous node is reused but storage), so a
//     write transaction's own changes are seen as by a new walk.
//  3. A key or chunk that is not in the adjacency layout throws `.corruptPage` naming its page.
import SombraFormat
import SombraIndex
import SombraStorage

struct NeighborScanner {
    let filter: HopFilter
    private var outgoing: AdjacencyWalk
    private var incoming: AdjacencyWalk

    init(trees: GraphTrees, pages: any PageReader, filter: HopFilter) {
        self.filter = filter
        outgoing = AdjacencyWalk(tree: trees.outEdges, node: 0, types: filter.types, reader: pages)
        incoming = AdjacencyWalk(tree: trees.inEdges, node: 0, types: filter.types, reader: pages)
    }

    /// Calls `body` with the other end of each of `node`'s adjacency entries the filter admits (a node may
    /// come more than once). Stops when `body` returns false; returns false if it stopped.
    mutating func forEachNeighbor(_ node: UInt64, _ body: (UInt64) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        if filter.matchesNothing { return true }
        if filter.outgoing, try !Self.scan(&outgoing, node, body) { return false }
        if filter.incoming, try !Self.scan(&incoming, node, body) { return false }
        return true
    }

    private static func scan(_ walk: inout AdjacencyWalk, _ node: UInt64,
                             _ body: (UInt64) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        walk.restart(node: node)
        while let e = try walk.next() {
            guard try body(e.other) else { return false }
        }
        return true
    }
}
