// A bulk load that flushes many times (sorted runs merged at the end, id-keyed trees built across
// flushes) builds exactly the graph that createNode/createEdge build, and leaks no page.
import Testing
import SombraIO
import SombraTestSupport
@testable import Sombra

@Suite("Bulk loader merge path")
struct BulkLoaderMergeTests {
    struct Plan {
        var nodes: [(labels: [String], properties: [String: Value])] = []
        /// (source index, target index, type, properties); indexes < 0 name nodes of an earlier load.
        var edges: [(Int, Int, String, [String: Value])] = []
    }

    func plan(nodes: Int, edges: Int, earlierNodes: Int, random: inout SeededRandom) -> Plan {
        var p = Plan()
        let labelSets: [[String]] = [["Person"], ["Post"], [], ["Person", "Admin"], ["Tag"]]
        for i in 0..<nodes {
            var props: [String: Value] = ["name": .string("n-\(random.below(300))"), "age": .int(Int64(random.below(90)))]
            if random.chance(5) { props["bio"] = .string(String(repeating: "x", count: 3000 + random.below(9000))) }
            if random.chance(30) { props["score"] = .double(Double(i) / 7) }
            p.nodes.append((labelSets[random.below(labelSets.count)], props))
        }
        let types = ["KNOWS", "LIKES", "FOLLOWS", "KNOWS", "KNOWS"]
        for _ in 0..<edges {
            let a = earlierNodes > 0 && random.chance(10) ? -1 - random.below(earlierNodes) : random.below(nodes)
            let b = random.below(nodes)
            var props: [String: Value] = [:]
            if random.chance(20) { props["w"] = .int(Int64(random.below(1000))) }
            if random.chance(1) { props["note"] = .string(String(repeating: "e", count: 5000)) }
            p.edges.append((a, b, types[random.below(types.count)], props))
        }
        return p
    }

    /// Runs the plan through the bulk loader or one call at a time; returns the new node ids.
    /// Runs the plan; returns the new node ids and how many times the bulk loader flushed (0 without it).
    @discardableResult
    func load(_ db: GraphDB, _ p: Plan, earlier: [NodeID], bulk: Bool,
              bufferBytes: Int = 1 << 20) throws -> (ids: [NodeID], flushes: Int) {
        func node(_ i: Int, _ ids: [NodeID]) -> NodeID { i < 0 ? earlier[-1 - i] : ids[i] }
        if bulk {
            var used: BulkLoader? = nil
            let ids = try db.bulkLoad(bufferBytes: bufferBytes) { loader in
                used = loader
                var ids: [NodeID] = []
                for n in p.nodes { ids.append(try loader.addNode(labels: n.labels, properties: n.properties)) }
                for e in p.edges { try loader.addEdge(from: node(e.0, ids), to: node(e.1, ids), type: e.2, properties: e.3) }
                return ids
            }
            return (ids, used?.flushCount ?? 0)
        }
        let ids = try db.write { tx in
            var ids: [NodeID] = []
            for n in p.nodes { ids.append(try tx.createNode(labels: n.labels, properties: n.properties)) }
            for e in p.edges { try tx.createEdge(from: node(e.0, ids), to: node(e.1, ids), type: e.2, properties: e.3) }
            return ids
        }
        return (ids, 0)
    }

    /// Properties in key order (a dictionary's own description order is not stable).
    func describe(_ properties: [String: Value]) -> String {
        properties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    func fingerprint(_ db: GraphDB) throws -> [String] {
        try db.read { tx in
            var out = ["nodes \(try tx.nodeCount()) edges \(try tx.edgeCount())",
                       "\(try tx.labelCounts().sorted { $0.key < $1.key })",
                       "\(try tx.edgeTypeCounts().sorted { $0.key < $1.key })"]
            var all = try tx.allNodes()
            while let n = try all.next() {
                let node = try #require(try tx.node(n))
                let edges = try tx.edges(of: n, direction: .both).collect().map { "\($0.id)\($0.type)\($0.source)\($0.target)" }
                out.append("\(node.id) \(node.labels) \(describe(node.properties)) \(edges)")
            }
            var allEdges = try tx.allEdges()
            while let e = try allEdges.next() {
                let edge = try #require(try tx.edge(e))
                out.append("\(edge.id) \(edge.source) \(edge.target) \(edge.type) \(describe(edge.properties))")
            }
            let names = ["Person", "Post", "Admin", "Tag", "name", "age", "bio", "score", "w", "note", "KNOWS", "LIKES", "FOLLOWS"]
            out.append("name ids \(try names.map { (name) throws(SombraError) in try tx.existingID(name) })")
            for label in ["Person", "Post", "Admin", "Tag"] { out.append("\(label) \(try tx.nodes(withLabel: label).collect())") }
            let eq = try tx.nodes(withLabel: "Person", where: "name", equals: "n-5")
            let range = try tx.nodes(withLabel: "Person", where: "age", in: .halfOpen(10, 30))
            out.append("\(try eq.collect()) \(try range.collect().sorted())")
            return out
        }
    }

    /// The stored bytes of every node and edge record, in id order.
    func rawRecords(_ db: GraphDB) throws -> [[UInt8]] {
        try db.read { tx in
            let trees = try #require(tx.trees)
            var out: [[UInt8]] = []
            for tree in [trees.nodes, trees.edges] {
                var scan = tree.scan(.all, in: tx.pages)
                while let (_, value) = try scan.next() { out.append(value) }
            }
            return out
        }
    }

    @Test("a load over many flushes equals the same graph built one call at a time, then again into non-empty trees")
    func manyFlushesEqualIncremental() throws {
        let seed: UInt64 = 0xB01D_10AD
        var random = SeededRandom(seed: seed)
        let fs = InMemoryFileSystem()
        let model = try memoryGraph(fs, path: "model.sombra")
        let bulk = try memoryGraph(fs, path: "bulk.sombra")
        for db in [model, bulk] {
            try db.write { tx in
                try tx.createIndex(label: "Person", key: "name")
                try tx.createIndex(label: "Person", key: "age")
            }
        }
        // First load: nodes only (the edge trees stay empty). Second: edges into empty edge trees (runs),
        // nodes into a non-empty tree (inserts). Third: everything into non-empty trees.
        let first = plan(nodes: 3000, edges: 0, earlierNodes: 0, random: &random)
        let modelFirst = try load(model, first, earlier: [], bulk: false).ids
        let bulkFirst = try load(bulk, first, earlier: [], bulk: true).ids
        #expect(modelFirst == bulkFirst, "seed \(seed)")
        #expect(try fingerprint(model) == fingerprint(bulk), "seed \(seed)")
        let second = plan(nodes: 5000, edges: 30_000, earlierNodes: 3000, random: &random)
        try load(model, second, earlier: modelFirst, bulk: false)
        let secondFlushes = try load(bulk, second, earlier: bulkFirst, bulk: true).flushes
        #expect(secondFlushes >= 3, "the second load should flush several times")
        let fm = try fingerprint(model), fb = try fingerprint(bulk)
        let equalSecond = fm == fb
        if let i = fm.indices.first(where: { $0 < fb.count && fm[$0] != fb[$0] }) { print("first difference at \(i):\n\(fm[i].prefix(600))\n\(fb[i].prefix(600))") }
        #expect(equalSecond, "seed \(seed)")
        #expect(try rawRecords(model) == rawRecords(bulk), "seed \(seed): stored record bytes differ")
        let report = try bulk.verify()
        #expect(report.isClean, "seed \(seed): \(report.findings.prefix(3))")
        let third = plan(nodes: 400, edges: 2000, earlierNodes: 3000, random: &random)
        try load(model, third, earlier: modelFirst, bulk: false)
        try load(bulk, third, earlier: bulkFirst, bulk: true)
        #expect(try fingerprint(model) == fingerprint(bulk), "seed \(seed)")
        #expect(try bulk.verify().isClean, "seed \(seed)")
        print("bulk-load-merge: nodes: 8400 edges: 32000 flushes-second-load: \(secondFlushes) equal: \(equalSecond) clean: \(report.isClean) seed: \(seed)")
        try model.close(); try bulk.close()
    }

    @Test("a load into a fresh graph over many flushes equals a load that fits one flush, and verifies clean")
    func manyFlushesEqualOneFlush() throws {
        let seed: UInt64 = 0x0F1A_5E5
        var random = SeededRandom(seed: seed)
        let fs = InMemoryFileSystem()
        let small = try memoryGraph(fs, path: "small.sombra")
        let large = try memoryGraph(fs, path: "large.sombra")
        let p = plan(nodes: 4000, edges: 40_000, earlierNodes: 0, random: &random)
        let flushes = try load(small, p, earlier: [], bulk: true, bufferBytes: 1 << 20).flushes
        let oneFlush = try load(large, p, earlier: [], bulk: true, bufferBytes: 1 << 30).flushes
        #expect(flushes >= 3 && oneFlush == 1)
        let equal = try fingerprint(small) == fingerprint(large)
        #expect(equal, "seed \(seed)")
        let report = try small.verify()
        #expect(report.isClean, "seed \(seed): \(report.findings.prefix(3))")
        // Merging the runs frees about as many pages as the final trees take: the many-flush file is about
        // as large as the one-flush file, and few of its pages are left free.
        let (smallStats, largeStats) = (small.storageStats, large.storageStats)
        #expect(smallStats.freePageCount * 10 <= smallStats.pageCount, "seed \(seed): \(smallStats.freePageCount) of \(smallStats.pageCount) pages free")
        #expect(smallStats.pageCount * 10 <= largeStats.pageCount * 11, "seed \(seed): \(smallStats.pageCount) pages vs \(largeStats.pageCount) in one flush")
        print("bulk-load-flushes: nodes: 4000 edges: 40000 flushes: \(flushes) equal: \(equal) clean: \(report.isClean) pages: \(smallStats.pageCount) (free \(smallStats.freePageCount)) one-flush pages: \(largeStats.pageCount) seed: \(seed)")
        try small.close(); try large.close()
    }

    @Test("names that are equal as Strings but differ in bytes stay two names, as in createNode/createEdge")
    func canonicallyEquivalentNames() throws {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        #expect(composed == decomposed)   // equal Strings, different UTF-8 bytes
        var p = Plan()
        for i in 0..<300 {
            let name = i % 3 == 0 ? composed : decomposed
            p.nodes.append(([name], [name: .int(Int64(i))]))
        }
        // Twelve other types too, so the loader's name lookups go past its short list.
        for i in 0..<900 {
            let type = i % 3 == 0 ? "T\(i % 12)" : (i % 2 == 0 ? composed : decomposed)
            p.edges.append((i % 300, (i * 7) % 300, type, i % 10 == 0 ? [composed: .int(1)] : [:]))
        }
        let fs = InMemoryFileSystem()
        let model = try memoryGraph(fs, path: "model.sombra")
        let bulk = try memoryGraph(fs, path: "bulk.sombra")
        try load(model, p, earlier: [], bulk: false)
        try load(bulk, p, earlier: [], bulk: true)
        func names(_ db: GraphDB) throws -> [String] {
            try db.read { tx in
                var out: [String] = []
                for id in [NodeID(1), NodeID(2), NodeID(3)] {
                    let node = try #require(try tx.node(id))
                    out.append("\(Array(node.labels[0].utf8)) \(node.properties.keys.map { Array($0.utf8) })")
                }
                for e in (1...12).map({ EdgeID(UInt64($0)) }) { out.append("\(Array(try #require(try tx.edge(e)).type.utf8))") }
                out.append("\(try tx.existingID(composed) ?? 0) \(try tx.existingID(decomposed) ?? 0)")
                out.append("\(try tx.edgeTypeCounts().map { (Array($0.key.utf8), $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) })")
                return out
            }
        }
        let expected = try names(model)
        #expect(try names(bulk) == expected)
        #expect(try fingerprint(model) == fingerprint(bulk))
        #expect(try bulk.verify().isClean)
        try model.close(); try bulk.close()
    }
}
