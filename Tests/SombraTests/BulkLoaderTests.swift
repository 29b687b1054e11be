// The bulk loader builds exactly the graph that createNode/createEdge build, indexes and counts included.
import Testing
import SombraIO
import SombraTestSupport
@testable import Sombra

@Suite("Bulk loader")
struct BulkLoaderTests {
    func buildGraph(_ db: GraphDB, bulk: Bool, nodes: Int, seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let edges = (0..<(nodes * 3)).map { _ in (rng.below(nodes), rng.below(nodes), rng.chance(30)) }
        let props = { (i: Int) -> [String: Value] in ["name": .string("n-\(i % 97)"), "age": .int(Int64(i % 40))] }
        if bulk {
            try db.bulkLoad(bufferBytes: 1 << 20) { loader in
                var ids: [NodeID] = []
                for i in 0..<nodes { ids.append(try loader.addNode(labels: [i % 4 == 0 ? "Post" : "Person"], properties: props(i))) }
                for (a, b, likes) in edges { try loader.addEdge(from: ids[a], to: ids[b], type: likes ? "LIKES" : "KNOWS", properties: ["w": .int(Int64(a))]) }
            }
        } else {
            try db.write { tx in
                var ids: [NodeID] = []
                for i in 0..<nodes { ids.append(try tx.createNode(labels: [i % 4 == 0 ? "Post" : "Person"], properties: props(i))) }
                for (a, b, likes) in edges { try tx.createEdge(from: ids[a], to: ids[b], type: likes ? "LIKES" : "KNOWS", properties: ["w": .int(Int64(a))]) }
            }
        }
    }

    func fingerprint(_ db: GraphDB) throws -> [String] {
        try db.read { tx in
            var out: [String] = ["nodes \(try tx.nodeCount()) edges \(try tx.edgeCount())", "\(try tx.labelCounts().sorted { $0.key < $1.key })"]
            var all = try tx.allNodes()
            while let n = try all.next() {
                let node = try #require(try tx.node(n))
                let edges = try tx.edges(of: n, direction: .both).collect().map { "\($0.id)\($0.type)\($0.source)\($0.target)" }
                out.append("\(node) \(edges)")
            }
            let eq = try tx.nodes(withLabel: "Person", where: "name", equals: "n-5")
            let range = try tx.nodes(withLabel: "Person", where: "age", in: .halfOpen(10, 12))
            out.append("\(try eq.collect()) \(try range.collect().sorted())")
            return out
        }
    }

    @Test("a bulk load equals the same graph built one call at a time, and verifies clean")
    func equalsIncremental() throws {
        let fs = InMemoryFileSystem()
        let a = try memoryGraph(fs, path: "a.sombra")
        let b = try memoryGraph(fs, path: "b.sombra")
        for db in [a, b] {
            try db.write { tx in
                try tx.createIndex(label: "Person", key: "name")
                try tx.createIndex(label: "Person", key: "age")
            }
        }
        try buildGraph(a, bulk: false, nodes: 1500, seed: 3)
        try buildGraph(b, bulk: true, nodes: 1500, seed: 3)
        let fa = try fingerprint(a), fb = try fingerprint(b)
        #expect(fa == fb)
        let report = try b.verify()
        #expect(report.isClean, "\(report.findings.prefix(3))")
        // A second load goes into non-empty trees.
        try buildGraph(a, bulk: false, nodes: 300, seed: 4)
        try buildGraph(b, bulk: true, nodes: 300, seed: 4)
        #expect(try fingerprint(a) == fingerprint(b))
        #expect(try b.verify().isClean)
        print("bulk-load: nodes: 1800 edges: 5400 equal: \(fa == fb)")
        try a.close(); try b.close()
    }

    @Test("a bulk load keeps names apart by their bytes: canonically equivalent spellings stay distinct")
    func namesByBytes() throws {
        let db = try GraphTest.open(InMemoryFileSystem())
        // The Kelvin sign and "K", and a decomposed and a precomposed é, are equal as Strings.
        let labels = ["Kelvin", "\u{212A}elvin", "caf\u{E9}", "cafe\u{301}"]
        let types = ["K", "\u{212A}"]
        var ids: [NodeID] = []
        try db.bulkLoad(bufferBytes: 1 << 20) { loader in
            for i in 0..<40 {
                let key = i % 3 == 0 ? "caf\u{E9}" : "cafe\u{301}"
                ids.append(try loader.addNode(labels: [labels[i % 4]], properties: [key: .int(Int64(i))]))
            }
            for i in 0..<39 { try loader.addEdge(from: ids[i], to: ids[i + 1], type: types[i % 2]) }
        }
        try db.read { tx in
            #expect(try labels.map { try tx.countNodes(withLabel: $0) } == [10, 10, 10, 10])
            for i in [0, 1, 5, 6] {
                let key = i % 3 == 0 ? "caf\u{E9}" : "cafe\u{301}"
                let other = i % 3 == 0 ? "cafe\u{301}" : "caf\u{E9}"
                #expect(try tx.property(key, of: ids[i]) == .int(Int64(i)))
                #expect(try tx.property(other, of: ids[i]) == nil)
            }
            for (t, type) in types.enumerated() {
                let found = try tx.edges(of: ids[0], direction: .outgoing, types: [type]).collect().count
                #expect(found == (t == 0 ? 1 : 0), "type \(t)")
            }
        }
    }

    @Test("an error inside a bulk load rolls the whole load back")
    func errorRollsBack() throws {
        let db = try memoryGraph()
        #expect(throws: SombraError.self) {
            try db.bulkLoad { loader in
                let a = try loader.addNode(labels: ["P"])
                try loader.addEdge(from: a, to: NodeID(999_999), type: "T")
            }
        }
        let count = try db.read { try $0.nodeCount() }
        #expect(count == 0)
        try db.close()
    }
}
