// Graph statistics: degree distribution, hubs and isolated nodes on a hand-built graph with self-loops and
// parallel edges, and a seeded comparison against the reference model on random graphs.
import Testing
import SombraTestSupport
@testable import Sombra

@Suite("Graph statistics")
struct StatisticsTests {
    /// n0 -X-> n1, n0 -X-> n2, n0 -Y-> n1 (parallel), n1 -Y-> n2, n2 -X-> n2 (loop), n3 alone, n4 -Y-> n4 (loop).
    func sample() throws -> (GraphDB, [NodeID]) {
        let db = try memoryGraph()
        let n = try db.write { tx throws in
            let n = [try tx.createNode(labels: ["A"]), try tx.createNode(labels: ["A"]), try tx.createNode(labels: ["B"]),
                     try tx.createNode(), try tx.createNode()]
            try tx.createEdge(from: n[0], to: n[1], type: "X")
            try tx.createEdge(from: n[0], to: n[2], type: "X")
            try tx.createEdge(from: n[0], to: n[1], type: "Y")
            try tx.createEdge(from: n[1], to: n[2], type: "Y")
            try tx.createEdge(from: n[2], to: n[2], type: "X")
            try tx.createEdge(from: n[4], to: n[4], type: "Y")
            return n
        }
        return (db, n)
    }

    @Test("degree distributions count self-loops once and parallel edges each, per direction and type")
    func distribution() throws {
        let (db, _) = try sample()
        try db.read { tx throws in
            #expect(try tx.degreeDistribution() == [3: 3, 1: 1, 0: 1])
            #expect(try tx.degreeDistribution(direction: .outgoing) == [3: 1, 1: 3, 0: 1])
            #expect(try tx.degreeDistribution(direction: .incoming) == [0: 2, 2: 1, 3: 1, 1: 1])
            #expect(try tx.degreeDistribution(types: ["X"]) == [2: 2, 1: 1, 0: 2])
            #expect(try tx.degreeDistribution(types: ["NONE"]) == [0: 5])
            #expect(try tx.labelCounts() == ["A": 2, "B": 1])
            #expect(try tx.edgeTypeCounts() == ["X": 3, "Y": 3])
        }
        try db.close()
    }

    @Test("hubs are sorted by degree then id, filtered by minDegree and cut by limit")
    func hubs() throws {
        let (db, n) = try sample()
        try db.read { tx throws in
            let all = try tx.hubs(minDegree: 2)
            #expect(all.map(\.node) == [n[0], n[1], n[2]] && all.map(\.degree) == [3, 3, 3])
            let incoming = try tx.hubs(minDegree: 1, direction: .incoming, limit: 2)
            #expect(incoming.map(\.node) == [n[2], n[1]] && incoming.map(\.degree) == [3, 2])
            #expect(try tx.hubs(minDegree: 0).count == 5)
            #expect(try tx.hubs(minDegree: 4).isEmpty)
            #expect(try tx.hubs(minDegree: 1, limit: 0).isEmpty)
            #expect(isInvalidArgument { () throws(SombraError) in _ = try tx.hubs(minDegree: -1) })
            #expect(isInvalidArgument { () throws(SombraError) in _ = try tx.hubs(minDegree: 1, limit: -1) })
        }
        try db.close()
    }

    @Test("isolated nodes are those without any edge; a self-loop is an edge")
    func isolated() throws {
        let (db, n) = try sample()
        try db.read { tx throws in
            let c = try tx.isolatedNodes()
            #expect(try c.collect() == [n[3]])
        }
        try db.write { tx throws in
            let edges = try tx.edges(of: n[4])
            for e in try edges.collect() { try tx.deleteEdge(e.id) }
            let c = try tx.isolatedNodes()
            #expect(try c.collect() == [n[3], n[4]])
            tx.rollback()
        }
        try db.close()
    }

    @Test("statistics agree with the reference model on random graphs")
    func randomComparison() throws {
        let seed: UInt64 = 7
        var rng = SeededRandom(seed: seed)
        let graphs = 25
        var queries = 0, mismatches = 0
        var examples: [String] = []
        for g in 0..<graphs {
            let db = try memoryGraph()
            let nodeCount = 5 + rng.below(30)
            let model = try buildRandomGraph(db, &rng, nodes: nodeCount, edges: rng.below(nodeCount * 2), deletions: 2)
            let ids = model.nodeIDs
            try db.read { tx throws in
                func check(_ ok: Bool, _ what: String) {
                    queries += 1
                    if ok { return }
                    mismatches += 1
                    if examples.count < 10 { examples.append("graph \(g): \(what)") }
                }
                for _ in 0..<8 {
                    let d = Direction.allCases[rng.below(3)]
                    let types: [String]? = rng.chance(50) ? nil : [["X", "Y", "Z"][rng.below(3)]]
                    var want: [Int: Int] = [:]
                    for n in ids { want[model.degree(n, d, types), default: 0] += 1 }
                    check(try tx.degreeDistribution(direction: d, types: types) == want, "distribution \(d)")

                    let minDegree = rng.below(5), limit = rng.chance(50) ? Int.max : rng.below(6)
                    let wantHubs = ids.map { ($0, model.degree($0, d, types)) }.filter { $0.1 >= minDegree }
                        .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(limit)
                    let hubs = try tx.hubs(minDegree: minDegree, direction: d, types: types, limit: limit)
                    check(hubs.map(\.node) == wantHubs.map(\.0) && hubs.map(\.degree) == wantHubs.map(\.1), "hubs \(d) \(minDegree)")
                }
                let c = try tx.isolatedNodes()
                check(try c.collect() == ids.filter { model.degree($0, .both) == 0 }, "isolated")
            }
            try db.close()
        }
        print("statistics-random: graphs: \(graphs) queries: \(queries) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed): \(examples)")
    }
}
