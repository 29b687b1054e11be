// AdjacencyChunkTests: adjacency chunks are what Docs/FORMAT.md ("Adjacency chunks") says, decode back
// whatever order of entries they were made from, never trap on garbage, and the trees built of them (chunk
// splits, re-keyed chunks, joins) hold exactly a model's edges through inserts, deletes, typed scans and
// reopens.
import Foundation
import Testing
import SombraFormat
import SombraIndex
import SombraTestSupport
@testable import Sombra

@Suite("Adjacency chunks")
struct AdjacencyChunkTests {
    @Test("the chunk example in FORMAT.md is what the codec writes and reads")
    func documentedExample() throws {
        let doc = try FormatDoc.text()
        let entries = [AdjacencyKey(this: 300, type: 2, other: 5, edge: 7), AdjacencyKey(this: 300, type: 2, other: 5, edge: 9),
                       AdjacencyKey(this: 300, type: 2, other: 40, edge: 8), AdjacencyKey(this: 300, type: 3, other: 6, edge: 10)]
        let key = GraphKeys.adjacency(entries[0]), value = AdjacencyChunk.encode(entries[...])
        #expect(FormatDoc.hex(value) == "00 00 01 00 23 08 01 06 0A")
        #expect(doc.contains("key `\(FormatDoc.hex(key))` and value `\(FormatDoc.hex(value))`"))
        #expect(doc.contains("A value is at most \(AdjacencyChunk.valueBytesMax) bytes"))
        var decoded = [entries[0]]
        try AdjacencyChunk.decode(value[...], after: entries[0], page: .none, into: &decoded)
        #expect(decoded == entries)
    }

    @Test("random ascending entry runs round-trip and their sizes are predicted exactly (seed 23)")
    func roundTrip() throws {
        let seed: UInt64 = 23
        var r = SeededRandom(seed: seed)
        var mismatches = 0
        for _ in 0..<2_000 {
            let node = r.chance(50) ? UInt64(r.below(1000)) : UInt64.max - UInt64(r.below(3))
            var set = Set<AdjacencyKey>()
            let wide = r.chance(30)
            for _ in 0..<(1 + r.below(40)) {
                let type = wide ? UInt32.max - UInt32(r.below(3)) : UInt32(r.below(4))
                let other = wide ? UInt64.max - UInt64(r.below(5)) : UInt64(r.below(50))
                let edge = wide ? UInt64.max - UInt64(r.below(8)) : UInt64(r.below(1 << 20))
                set.insert(AdjacencyKey(this: node, type: type, other: other, edge: edge))
            }
            let entries = set.sorted()
            let value = AdjacencyChunk.encode(entries[...])
            if value.count != AdjacencyChunk.valueSize(entries[...]) { mismatches += 1 }
            var decoded = [entries[0]]
            try AdjacencyChunk.decode(value[...], after: entries[0], page: .none, into: &decoded)
            if decoded != entries { mismatches += 1 }
        }
        if mismatches > 0 { print("adjacency-chunk round trip: seed \(seed)") }
        #expect(mismatches == 0)
    }

    @Test("the bulk loader's packed run cells (across nodes) round-trip and their sizes are predicted exactly (seed 37)")
    func packedRunRoundTrip() throws {
        let seed: UInt64 = 37
        var r = SeededRandom(seed: seed)
        var mismatches = 0
        for _ in 0..<1_000 {
            var set = Set<AdjacencyKey>()
            for _ in 0..<(1 + r.below(60)) {
                let wide = r.chance(10)
                set.insert(AdjacencyKey(this: wide ? UInt64.max - UInt64(r.below(3)) : UInt64(r.below(20)),
                                        type: wide ? UInt32.max : UInt32(r.below(3)), other: UInt64(r.below(100)),
                                        edge: wide ? UInt64.max - UInt64(r.below(9)) : UInt64(r.below(1 << 16))))
            }
            let entries = set.sorted()
            var bytes: [UInt8] = []
            var size = 0
            for i in 1..<max(1, entries.count) {
                BulkLoader.appendPacked(entries[i], after: entries[i - 1], to: &bytes)
                size += BulkLoader.packedEntrySize(entries[i], after: entries[i - 1])
            }
            if size != bytes.count { mismatches += 1 }
            var decoded = [entries[0]]
            try BulkLoader.decodePacked(bytes[...], after: entries[0], into: &decoded)
            if decoded != entries { mismatches += 1 }
        }
        if mismatches > 0 { print("packed-run round trip: seed \(seed)") }
        #expect(mismatches == 0)
    }

    @Test("garbage values decode to ascending entries or throw a corrupt page naming it, never trap (seed 29)")
    func garbage() {
        let seed: UInt64 = 29
        var r = SeededRandom(seed: seed)
        var unordered = 0, wrongError = 0, rejected = 0
        for _ in 0..<5_000 {
            let bytes = (0..<r.below(24)).map { _ in UInt8(r.below(256)) }
            let first = AdjacencyKey(this: 9, type: r.chance(50) ? UInt32.max : 1, other: r.chance(50) ? .max : 3, edge: r.chance(50) ? .max : 4)
            var out = [first]
            do {
                try AdjacencyChunk.decode(bytes[...], after: first, page: PageID(77), into: &out)
                if out != out.sorted() || Set(out).count != out.count || out.contains(where: { $0.this != 9 }) { unordered += 1 }
            } catch {
                rejected += 1
                if case .corruptPage(let page, _) = error, page == 77 {} else { wrongError += 1 }
            }
        }
        if unordered + wrongError > 0 { print("adjacency-chunk garbage: seed \(seed)") }
        #expect(unordered == 0 && wrongError == 0)
        #expect(rejected > 0)
    }

    @Test("an edge cursor open while its transaction changes the node's chunks resumes after its last edge and sees the changes (seed 41)")
    func cursorAcrossWrites() throws {
        let seed: UInt64 = 41
        var r = SeededRandom(seed: seed)
        let db = try GraphTest.open(SimulatedFileSystem())
        var problems = Problems()
        var changes = 0
        try db.write { tx in
            let hub = try tx.createNode(labels: ["Hub"])
            var others: [NodeID] = []
            for _ in 0..<40 { others.append(try tx.createNode(labels: ["N"])) }
            // One type, so the cursor's order is (target, edge id). `after`: the last key the cursor had
            // returned when the edge was made (nil: made before the cursor started).
            var live: [UInt64: (target: UInt64, after: [UInt64]?)] = [:]
            func add(after: [UInt64]?) throws {
                let target = others[r.below(others.count)]
                live[try tx.createEdge(from: hub, to: target, type: "T").rawValue] = (target.rawValue, after)
            }
            for _ in 0..<300 { try add(after: nil) }
            var cursor = try tx.edges(of: hub, direction: .outgoing)
            var seen: [[UInt64]] = []
            while let e = try cursor.next() {
                let key = [e.target.rawValue, e.id.rawValue]
                if live[e.id.rawValue] == nil { problems.add("e\(e.id.rawValue) returned after it was deleted") }
                if let last = seen.last, !last.lexicographicallyPrecedes(key) { problems.add("\(key) after \(last)") }
                seen.append(key)
                if seen.count % 20 == 0 {
                    // Under the open cursor: delete some edges (seen or not) and make some (before or after it).
                    for _ in 0..<8 {
                        let victim = live.keys.sorted()[r.below(live.count)]
                        try tx.deleteEdge(EdgeID(victim))
                        live[victim] = nil
                    }
                    for _ in 0..<8 { try add(after: key) }
                    changes += 1
                }
            }
            // Every edge alive now that lies past the cursor's position when it was made was returned.
            let returned = Set(seen.map { $0[1] })
            for (id, e) in live where !returned.contains(id) {
                let key = [e.target, id]
                if e.after.map({ $0.lexicographicallyPrecedes(key) }) ?? true {
                    problems.add("e\(id) \(key) (made after \(e.after ?? [])) was never returned")
                }
            }
        }
        if !problems.isEmpty { print("adjacency-cursor-writes: seed \(seed): \(problems)") }
        #expect(problems.isEmpty)
        #expect(changes >= 10)
    }

    @Test("hub adjacency through inserts, deletes and reopens matches the model: chunks split, re-key and stay within the limit (seed 31)")
    func hubsAgainstModel() throws {
        let seed: UInt64 = 31
        var r = SeededRandom(seed: seed)
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        var model = ModelGraph()
        var problems = Problems()
        let types = ["A", "B", "C"]
        var nodes: [UInt64] = []
        try db.write { tx in
            for _ in 0..<6 {
                let id = try tx.createNode(labels: ["Hub"]).rawValue
                #expect(try model.createNode(labels: ["Hub"]) == id)
                nodes.append(id)
            }
        }
        for round in 0..<8 {
            try db.write { tx in
                for _ in 0..<300 {
                    if r.chance(35), !model.edges.isEmpty {
                        let victim = model.edges.keys.sorted()[r.below(model.edges.count)]
                        try tx.deleteEdge(EdgeID(victim))
                        try model.deleteEdge(victim)
                    } else {
                        // Mostly node 1 and 2 (hubs), self-loops and parallel edges included.
                        let a = nodes[r.chance(60) ? r.below(2) : r.below(nodes.count)]
                        let b = nodes[r.below(nodes.count)]
                        let t = types[r.below(types.count)]
                        let id = try tx.createEdge(from: NodeID(a), to: NodeID(b), type: t).rawValue
                        #expect(try model.createEdge(from: a, to: b, type: t) == id)
                    }
                }
                problems.add(try GraphCheck.full(tx, model))
                for n in nodes {
                    for direction in [Direction.outgoing, .incoming, .both] {
                        let md: ModelDirection = direction == .outgoing ? .outgoing : direction == .incoming ? .incoming : .both
                        let filter: [String]? = r.chance(50) ? nil : [types[r.below(3)], types[r.below(3)]]
                        let got = try tx.edges(of: NodeID(n), direction: direction, types: filter).collect()
                            .map { ModelEdgeRef(id: $0.id.rawValue, source: $0.source.rawValue, target: $0.target.rawValue, type: $0.type) }
                        let want = model.edges(of: n, direction: md, types: filter)
                        if got.sorted() != want.sorted() { problems.add("round \(round): edges(of: n\(n), \(direction), \(filter ?? [])) differ") }
                        if try tx.degree(of: NodeID(n), direction: direction, types: filter) != model.degree(of: n, direction: md, types: filter) {
                            problems.add("round \(round): degree(of: n\(n), \(direction), \(filter ?? [])) differs")
                        }
                    }
                }
            }
            if round % 3 == 2 {
                try db.close()
                db = try GraphTest.open(fs)
                try db.read { tx in problems.add(try GraphCheck.full(tx, model)) }
            }
        }
        // The hubs' entries really are spread over several chunks (splits happened).
        var hubChunks = 0
        try db.read { tx in
            let trees = try #require(tx.trees)
            var walk = trees.outEdges.walk(.prefix(GraphKeys.adjacencyPrefix(nodes[0])), in: tx.pages)
            while try walk.next() != nil { hubChunks += 1 }
            for report in [tx.verify(), tx.verify(inMemoryRecordsMax: 0)] where !report.isClean {
                problems.add("verify: \(report.findings.prefix(3))")
            }
        }
        if !problems.isEmpty { print("adjacency-chunk hubs: seed \(seed): \(problems)") }
        #expect(problems.isEmpty)
        #expect(hubChunks >= 3)
    }
}
