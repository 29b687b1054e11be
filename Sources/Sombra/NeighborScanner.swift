// NeighborScanner: the neighbours of many nodes, one node after another, read through two adjacency walks
// (one per tree) that are made once and restarted per node, for traversals that expand node after node.
// Layer: graph facade (traversals).
//
// Invariants:
//  1. `forEachNeighbor` reports the other end of each adjacency entry the filter admits, repeats kept:
//     outgoing entries (by type, other end, edge), then incoming ones; with a type filter, only those
//     types. Every traversal (BFS, k-hop walks, shortest path) expands nodes through it.
//  2. A restarted walk reads the tree afresh (nothing from the previous node is reused but storage and, in a
//     read transaction, upper path pages of the same snapshot), so a write transaction's own changes are
//     seen as by a new walk. The walkers are lent by the transaction (`neighborScanner`) and given back with
//     `release()`, so a read session keeps them from one query to the next.
//  3. A key or chunk that is not in the adjacency layout throws `.corruptPage` naming its page.
import SombraFormat
import SombraIndex
import SombraStorage

struct NeighborScanner {
    let filter: HopFilter
    private let outgoing: AdjacencyWalker
    private let incoming: AdjacencyWalker

    init(filter: HopFilter, outgoing: AdjacencyWalker, incoming: AdjacencyWalker) {
        self.filter = filter
        self.outgoing = outgoing
        self.incoming = incoming
    }

    /// Gives the walkers back to their transaction (`Transaction.neighborScanner`).
    func release() {
        outgoing.busy = false
        incoming.busy = false
    }

    /// Calls `body` with the other end of each of `node`'s adjacency entries the filter admits (a node may
    /// come more than once). Stops when `body` returns false; returns false if it stopped.
    func forEachNeighbor(_ node: UInt64, _ body: (UInt64) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        if filter.matchesNothing { return true }
        if filter.outgoing, try !Self.scan(outgoing, node, body) { return false }
        if filter.incoming, try !Self.scan(incoming, node, body) { return false }
        return true
    }

    private static func scan(_ walker: AdjacencyWalker, _ node: UInt64,
                             _ body: (UInt64) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        walker.restart(node: node)
        return try walker.forEach { (e: AdjacencyKey) throws(SombraError) -> Bool in try body(e.other) }
    }
}

extension Transaction {
    /// A scanner reporting, node after node, the other end of every adjacency entry `filter` admits (nil
    /// before the graph has trees). Call `release()` on it when done.
    func neighborScanner(_ filter: HopFilter) -> NeighborScanner? {
        guard let outgoing = lendWalker(outgoing: true, node: NodeID(0), types: filter.types) else { return nil }
        guard let incoming = lendWalker(outgoing: false, node: NodeID(0), types: filter.types) else {
            outgoing.busy = false
            return nil
        }
        return NeighborScanner(filter: filter, outgoing: outgoing, incoming: incoming)
    }
}
