// AdjacencyScanTests: the direct scan of a node's adjacency (AdjacencyWalk.forEach, invariant 4) against the
// entry-by-entry walk (`edges(of:)`, which calls `next()`): the same entries in the same order for hubs that
// span several leaves and chunks, stops honoured, and writes made by the body seen as the walk sees them
// (the scan continues after the last entry it gave, in the tree as it is now).
import Testing
import SombraFormat
import SombraIO
import SombraTestSupport
@testable import Sombra

@Suite("adjacency scans")
struct AdjacencyScanTests {
    /// A hub with `spokes` edges out and in (several leaves of 4 KiB pages), two edge types, and a self-loop.
    static func hubGraph(_ spokes: Int) throws -> (GraphDB, NodeID, [NodeID]) {
        let db = try GraphTest.open(InMemoryFileSystem())
        let (hub, others) = try db.write { tx in
            let hub = try tx.createNode()
            var others: [NodeID] = []
            for i in 0..<spokes {
                let s = try tx.createNode()
                try tx.createEdge(from: hub, to: s, type: i % 3 == 0 ? "B" : "A")
                try tx.createEdge(from: s, to: hub, type: "A")
                if i % 7 == 0 { try tx.createEdge(from: hub, to: s, type: "A") }   // a repeated pair
                others.append(s)
            }
            try tx.createEdge(from: hub, to: hub, type: "A")
            return (hub, others)
        }
        return (db, hub, others)
    }

    @Test("the direct scan gives what the entry-by-entry walk gives, in order, and stops where asked")
    func scanMatchesWalk() throws {
        let (db, hub, _) = try Self.hubGraph(900)
        try db.read { tx in
            for direction in Direction.allCases {
                let walked = try tx.edges(of: hub, direction: direction).collect().map { $0.other(than: hub) }
                var scanned: [NodeID] = []
                try tx.forEachAdjacentNode(of: hub, direction: direction) { (n: NodeID) throws(SombraError) -> Bool in
                    scanned.append(n)
                    return true
                }
                #expect(walked.count > 1000 || direction == .incoming)
                #expect(scanned == walked, "\(direction)")
                for stop in [1, 2, 57, walked.count - 1] {
                    var prefix: [NodeID] = []
                    try tx.forEachAdjacentNode(of: hub, direction: direction) { (n: NodeID) throws(SombraError) -> Bool in
                        prefix.append(n)
                        return prefix.count < stop
                    }
                    #expect(prefix == Array(walked.prefix(stop)), "\(direction) stop \(stop)")
                }
            }
            // A walk stopped by its body continues, entry by entry, after the entry it stopped at.
            let all = try Self.entries(tx, hub) { _ in true }
            for stop in [1, 300, all.count - 1] {
                var given = 0
                let rest = try Self.entries(tx, hub) { _ in given += 1; return given < stop }
                #expect(rest == Array(all.dropFirst(stop)), "continued after stop \(stop)")
            }
            // A traversal's scans (NeighborScanner) see the same neighbours.
            let oneHop = try tx.nodes(atHops: 1, from: hub, direction: .outgoing)
            let distinct = try tx.edges(of: hub, direction: .outgoing).collect().map { $0.target }
            #expect(oneHop == distinct.reduce(into: [NodeID]()) { if !$0.contains($1) { $0.append($1) } })
        }
    }

    /// The entries `forEach` leaves after `body` stops it, read with `next()` from the same walk.
    static func entries(_ tx: Transaction, _ node: NodeID,
                        _ body: (AdjacencyKey) -> Bool) throws(SombraError) -> [AdjacencyKey] {
        guard var walk = tx.adjacencyWalk(node, outgoing: true, types: nil) else { return [] }
        var all: [AdjacencyKey] = []
        if try walk.forEach({ (e: AdjacencyKey) throws(SombraError) -> Bool in
            if body(e) { all.append(e); return true }
            return false
        }) { return all }
        var rest: [AdjacencyKey] = []
        while let e = try walk.next() { rest.append(e) }
        return rest
    }

    @Test("writes made by the scan's body are seen: a deleted later entry is skipped, a new one is reached")
    func scanSeesItsOwnWrites() throws {
        let (db, hub, spokes) = try Self.hubGraph(600)
        try db.write { tx in
            let before = try tx.edges(of: hub, direction: .outgoing).collect()
            // The edge to delete lies well after the entry where the body writes, in another leaf.
            let doomed = before[before.count - 40]
            var added: NodeID? = nil
            var seen: [EdgeID] = []
            var visits: [NodeID] = []
            try tx.forEachAdjacentNode(of: hub, direction: .outgoing) { (n: NodeID) throws(SombraError) -> Bool in
                visits.append(n)
                if visits.count == 5 {
                    try tx.deleteEdge(doomed.id)
                    let fresh = try tx.createNode()
                    _ = try tx.createEdge(from: hub, to: fresh, type: "B")   // sorts after every B entry so far
                    added = fresh
                }
                return true
            }
            for e in try tx.edges(of: hub, direction: .outgoing).collect() { seen.append(e.id) }
            let after = try tx.edges(of: hub, direction: .outgoing).collect().map { $0.other(than: hub) }
            let differsAt = (0..<min(visits.count, after.count)).first { visits[$0] != after[$0] } ?? min(visits.count, after.count)
            #expect(visits.count == after.count && differsAt == after.count,
                    "the scan ends with the tree as written; first difference at \(differsAt) of \(after.count)")
            #expect(!visits.isEmpty && visits.count == before.count, "one deleted, one added")
            let reachedNew = added.map { visits.contains($0) } ?? false
            #expect(reachedNew, "the edge added during the scan was reached")
            #expect(seen.count == before.count)
            #expect(!spokes.isEmpty)
        }
    }
}
