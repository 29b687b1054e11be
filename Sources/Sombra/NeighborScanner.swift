// NeighborScanner: the neighbours of many nodes, one node after another, read through two walks (one per
// adjacency tree) that are made once and restarted per node, for traversals that expand node after node.
// Layer: graph facade (traversals).
//
// Invariants:
//  1. `forEachNeighbor` reports the other end of each adjacency entry the filter admits, repeats kept:
//     outgoing entries (by type, other end, edge), then incoming ones; with a type filter, one key range
//     per type, ascending. Every traversal (BFS, k-hop walks, shortest path) expands nodes through it.
//  2. A restarted walk reads the tree afresh (nothing from the previous node is reused but storage), so a
//     write transaction's own changes are seen as by a new walk.
//  3. A key that is not an adjacency key throws `.corruptPage` naming its page.
import SombraFormat
import SombraIndex
import SombraStorage

struct NeighborScanner {
    let filter: HopFilter
    private var outgoing: BTreeEntryWalk
    private var incoming: BTreeEntryWalk

    init(trees: GraphTrees, pages: any PageReader, filter: HopFilter) {
        self.filter = filter
        outgoing = trees.outEdges.walk(.all, in: pages)
        incoming = trees.inEdges.walk(.all, in: pages)
    }

    /// Calls `body` with the other end of each of `node`'s adjacency entries the filter admits (a node may
    /// come more than once). Stops when `body` returns false; returns false if it stopped.
    mutating func forEachNeighbor(_ node: UInt64, _ body: (UInt64) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        if filter.matchesNothing { return true }
        if filter.outgoing, try !Self.scan(&outgoing, node, filter.types, body) { return false }
        if filter.incoming, try !Self.scan(&incoming, node, filter.types, body) { return false }
        return true
    }

    private static func scan(_ walk: inout BTreeEntryWalk, _ node: UInt64, _ types: [UInt32]?,
                             _ body: (UInt64) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        var typeIndex = 0
        repeat {
            let prefix = types.map { GraphKeys.adjacencyPrefix(node, type: $0[typeIndex]) } ?? GraphKeys.adjacencyPrefix(node)
            walk.restart(range: .prefix(prefix))
            while let entry = try walk.next() {
                guard try body(try AdjacencyWalk.key(of: entry).other) else { return false }
            }
            typeIndex += 1
        } while typeIndex < (types?.count ?? 0)
        return true
    }
}
