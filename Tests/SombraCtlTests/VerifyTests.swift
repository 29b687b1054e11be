// `sombractl verify` and the graph verifier: clean on healthy files; each kind of damage reported with the
// right class and page; exit codes 0, 1 and 2.
import Foundation
import Testing
import SombraFormat
import SombraIndex
import SombraStorage
import SombraTestSupport
@testable import Sombra
@testable import SombraCtlKit

extension SombraCtlSuite {
@Suite("verify")
struct VerifyTests {
    func findings(_ path: String) throws -> VerifyReport {
        let db = try openGraph(path, readOnly: true)
        defer { try? db.close() }
        return try db.verify()
    }

    @Test("a healthy database verifies clean and the command exits 0 with a clean JSON report")
    func healthy() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 600, deletions: 20)
        let r = try findings(db)
        #expect(r.isClean, "\(r.findings)")
        #expect(r.nodesChecked > 500 && r.edgesChecked > 1000)
        let g = try openGraph(db, readOnly: true)
        let byLookups = try g.read { tx in tx.verify(inMemoryRecordsMax: 0) }
        try g.close()
        #expect(byLookups.isClean && byLookups.lookupsSkipped == 0, "\(byLookups.findings)")
        let text = ctl("verify", db)
        #expect(text.code == 0)
        #expect(text.out.contains("verify: clean"))
        let json = ctl("verify", db, "--format", "json")
        #expect(json.code == 0)
        let j = try report(json.out)
        #expect(j["clean"] == .bool(true))
        #expect(j["errors"] == .int(0))
    }

    @Test("a flipped bit in a leaf is a checksum finding naming exactly that page")
    func bitFlip() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 600)
        let leaf = try #require(try treePages(db, slot: Slot.edges).leaves.dropFirst(2).first)
        try RawFile.flipBit(db, leaf, byte: 1000)
        let r = try findings(db)
        #expect(!r.isClean)
        #expect(r.pages(of: [.checksum]) == [leaf])
        let run = ctl("verify", db, "--format", "json")
        #expect(run.code == 1)
        let j = try report(run.out)
        guard case .array(let list)? = j["findings"] else { Issue.record("no findings array"); return }
        #expect(list.contains { $0["class"] == .string("checksum") && $0["page"] == .int(Int64(leaf)) })
    }

    @Test("a torn page (its second half left as zeros) is a checksum finding on that page")
    func tornPage() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 600)
        let leaf = try #require(try treePages(db, slot: Slot.nodes).leaves.last)
        var p = try RawFile.page(db, leaf)
        for i in 2048..<4096 { p[i] = 0 }
        try RawFile.setPage(db, leaf, p)
        let r = try findings(db)
        #expect(r.pages(of: [.checksum]) == [leaf])
        // The records on the torn leaf are gone; the counts check is skipped, not misreported.
        #expect(r.countsByClass[.countMismatch] == nil)
    }

    @Test("an interior page pointing at its ancestor is a btree-cycle finding naming that page, and nothing loops")
    func cycle() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        // Long values sharing a long prefix make long separators, so the property index is three levels deep.
        let g = try openGraph(db)
        try g.write { tx in
            try tx.createIndex(label: "Doc", key: "path")
            let prefix = String(repeating: "/very/long/shared/directory/prefix", count: 6)
            for i in 0..<1500 { try tx.createNode(labels: ["Doc"], properties: ["path": .string("\(prefix)/\(i)")]) }
        }
        try g.close()
        let props = try treePages(db, slot: Slot.properties)
        let level2 = try interiorChildren(db, props.root)
        let victim = try #require(level2.first { props.interior.contains($0) }, "the property index should be 3 levels deep")
        try RawFile.reseal(db, victim) { bytes in
            let offset = Int(bytes.loadLE(UInt16.self, at: 32))      // cell 0: child pointer first
            bytes.storeLE(props.root, at: offset)
        }
        let r = try findings(db)
        let cycles = r.findings(of: .btreeCycle)
        #expect(cycles.map(\.page) == [victim], "\(r.findings.prefix(5))")
        #expect(r.pages(of: [.checksum]).isEmpty)
        let run = ctl("verify", db)
        #expect(run.code == 1)
        #expect(run.out.contains("btree-cycle page \(victim)"))
    }

    @Test("a child pointer duplicated in an interior page is a page-used-twice finding on the shared page")
    func pageUsedTwice() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 900)
        let nodes = try treePages(db, slot: Slot.nodes)
        let children = try interiorChildren(db, nodes.root)
        #expect(children.count >= 3)
        try RawFile.reseal(db, nodes.root) { bytes in
            let cell1 = Int(bytes.loadLE(UInt16.self, at: 34))
            bytes.storeLE(children[0], at: cell1)     // cell 1 now points where cell 0 does
        }
        let r = try findings(db)
        #expect(r.pages(of: [.pageUsedTwice]) == [children[0]])
        #expect(r.pages(of: [.unreachablePage]).contains(children[1]))
    }

    @Test("a page allocated and never linked is unreachable-page; an invalid kind byte is page-kind")
    func leakedPageAndBadKind() throws {
        let dir = try TempDir()
        let path = dir.file("g.sombra")
        try buildGraph(path, nodes: 300)
        let db = try openGraph(path)
        let tx = try db.beginWrite()
        let leaked = try tx.pageTx.allocate(.btreeLeaf)
        try tx.commit()
        try db.close()
        let r = try findings(path)
        #expect(r.findings(of: .unreachablePage).map(\.page) == [leaked.rawValue])
        let leaf = try #require(try treePages(path, slot: Slot.labels).leaves.first)
        try RawFile.reseal(path, leaf) { $0[PageHeader.kindOffset] = 9 }
        let k = try findings(path)
        #expect(k.pages(of: [.pageKind]) == [leaf])
    }

    @Test("a free list that names a live leaf is reported as free-list and page-used-twice")
    func freeListIntoTree() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 600)
        let leaf = try #require(try treePages(db, slot: Slot.labels).leaves.first)
        var h = try RawFile.header(db)
        h.freeListHead = PageID(leaf)
        h.freePageCount = 1
        try RawFile.setHeader(db, h)
        let r = try findings(db)
        #expect(r.pages(of: [.pageUsedTwice]).contains(leaf))
        #expect(r.pages(of: [.freeList]).contains(leaf))
    }

    @Test("records and derived structures that disagree are index-mismatch, adjacency-mismatch and count-mismatch")
    func crossChecks() throws {
        let dir = try TempDir()
        let path = dir.file("g.sombra")
        let graph = try buildGraph(path, nodes: 300)
        let db = try openGraph(path)
        let edge = try #require(graph.edges.first)
        let node = try #require(graph.nodes.first { $0.labels == ["Person"] })
        let tx = try db.beginWrite()
        let person = try #require(try tx.existingID("Person"))
        let type = try #require(try tx.existingID(edge.type))
        #expect(try AdjacencyChunks.remove(AdjacencyKey(this: edge.source.rawValue, type: type, other: edge.target.rawValue, edge: edge.id.rawValue),
                                           from: tx.t.outEdges, tx.pageTx))
        #expect(try tx.t.labels.remove(GraphKeys.label(person, node.id.rawValue), in: tx.pageTx))
        try tx.catalogAdd(GraphKeys.counter(Counter.nodeCount), 5)
        // Stale entries: an in-edge of an edge that does not exist, a label entry of a node that does not.
        try AdjacencyChunks.insert(AdjacencyKey(this: edge.target.rawValue, type: type, other: edge.source.rawValue, edge: 999_999),
                                   into: tx.t.inEdges, tx.pageTx)
        try tx.t.labels.put(GraphKeys.label(person, 888_888), [], in: tx.pageTx)
        // A property index entry removed.
        let nameKey = try #require(try tx.existingID("name"))
        let index = try #require(try tx.indexID(label: person, key: nameKey))
        let other = try #require(graph.nodes.last { $0.labels.contains("Person") })
        let (propertyKey, _) = try GraphKeys.property(index, try #require(other["name"]), other.id.rawValue)
        #expect(try tx.t.properties.remove(propertyKey, in: tx.pageTx))
        try tx.commit()
        let r = try db.verify()
        // The same checks by point lookups (the path for graphs too large to cross-check in memory).
        let byLookups = try db.read { tx in tx.verify(inMemoryRecordsMax: 0) }
        try db.close()
        #expect(byLookups.countsByClass == r.countsByClass, "\(byLookups.findings) vs \(r.findings)")
        #expect(r.countsByClass[.adjacencyMismatch] == 2)
        #expect(r.findings(of: .adjacencyMismatch).contains { $0.message.contains("e\(edge.id.rawValue)") && $0.message.contains("missing from the out-edges") })
        #expect(r.findings(of: .adjacencyMismatch).contains { $0.message.contains("e999999") && $0.message.contains("does not exist") })
        #expect(r.findings(of: .indexMismatch).contains { $0.message.contains("n\(node.id.rawValue)") })
        #expect(r.findings(of: .indexMismatch).contains { $0.message.contains("n888888 does not exist") })
        #expect(r.findings(of: .indexMismatch).contains { $0.message.contains("n\(other.id.rawValue): index \"Person\".\"name\" lacks") })
        #expect(r.countsByClass[.indexMismatch] == 3)
        #expect(r.findings(of: .countMismatch).map(\.message) == ["the catalog counts 305 nodes, the nodes tree holds 300"])
        #expect(r.pages(of: [.checksum, .btreeOrder, .btreeStructure]).isEmpty)
    }

    @Test("a log cut inside its last transaction is a warning; the graph is the committed prefix")
    func truncatedLog() throws {
        let dir = try TempDir()
        let live = dir.file("live.sombra")
        let db = try openGraph(live)
        for i in 0..<3 { try db.write { tx in for j in 0..<50 { try tx.createNode(labels: ["T\(i)"], properties: ["j": .int(Int64(j))]) } } }
        let logBytes = try RawFile.read(live + "-wal")
        // A copy of the files as a crash would leave them, the last commit frame (whole or a delta) cut in half.
        let last = try #require(WALFrameHeader.layout(of: logBytes, pageSize: 4096).last)
        let lastFrameBytes = WALFrameHeader.size + last.payloadBytes
        #expect(last.offset + lastFrameBytes == logBytes.count)
        let fixture = dir.file("cut.sombra")
        try RawFile.write(fixture, try RawFile.read(live))
        try RawFile.write(fixture + "-wal", Array(logBytes.prefix(logBytes.count - lastFrameBytes / 2)))
        try db.close()
        let r = try findings(fixture)
        #expect(r.isClean, "\(r.findings)")
        #expect(r.findings(of: .log).map(\.severity) == [.warning])
        let g = try snapshot(path: fixture)
        #expect(g.nodes.count == 100)
        let run = ctl("verify", fixture)
        #expect(run.code == 0)
        #expect(run.out.contains("warning log"))
    }

    @Test("a damaged frame before later commits in the log is a log error (commits would be lost)")
    func damagedLogFrame() throws {
        let dir = try TempDir()
        let live = dir.file("live.sombra")
        let db = try openGraph(live)
        for i in 0..<3 { try db.write { tx in for j in 0..<50 { try tx.createNode(labels: ["T\(i)"], properties: ["j": .int(Int64(j))]) } } }
        var logBytes = try RawFile.read(live + "-wal")
        let fixture = dir.file("flip.sombra")
        try RawFile.write(fixture, try RawFile.read(live))
        try db.close()
        logBytes[48 + 40 + 100] ^= 0x10      // inside frame 1's page
        try RawFile.write(fixture + "-wal", logBytes)
        let r = try findings(fixture)
        let log = r.findings(of: .log)
        #expect(log.count == 1 && log[0].severity == .error, "\(log)")
        #expect(ctl("verify", fixture).code == 1)
    }

    @Test("pages inside the page count but past the file's end are one missing-page finding, even for 2^40 pages")
    func missingPages() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 600)
        let pristine = try RawFile.read(db)
        let header = try RawFile.header(db)
        // A file cut short: the second half of its pages is gone.
        let half = Int(header.pageCount) / 2
        let cut = dir.file("cut.sombra")
        try RawFile.write(cut, Array(pristine.prefix(half * 4096)))
        let r = try findings(cut)
        let missing = r.findings(of: .missingPage)
        #expect(missing.map(\.page) == [UInt64(half)], "\(missing)")
        #expect(r.pages(of: [.btreeStructure]).allSatisfy { $0 < UInt64(half) })
        let repaired = ctl("repair", cut, "-o", dir.file("cut-repaired.sombra"), "--format", "json")
        #expect(repaired.code == 1)
        #expect(try report(repaired.out)["missing_pages"] == .int(Int64(header.pageCount) - Int64(half)))
        // A header that claims the maximum page count: verification still ends, with one finding for the gap.
        var huge = header
        huge.pageCount = FileHeader.maxPageCount - 1
        let hostile = dir.file("huge.sombra")
        try RawFile.write(hostile, pristine)
        try RawFile.setHeader(hostile, huge)
        let h = try findings(hostile)
        #expect(h.findings(of: .missingPage).count == 1)
        #expect(h.pagesChecked < 10_000)
        #expect(ctl("pages", hostile).code == 0)
    }

    @Test("verify exits 2 when it cannot run: no file, not a database")
    func cannotRun() throws {
        let dir = try TempDir()
        #expect(ctl("verify", dir.file("missing.sombra")).code == 2)
        let junk = dir.file("junk.sombra")
        try RawFile.write(junk, Array("this is not a database at all, just text".utf8))
        let run = ctl("verify", junk)
        #expect(run.code == 2)
        #expect(run.err.contains("not a Sombra database"))
        #expect(ctl("verify").code == 2)   // usage error
    }

    @Test("garbage written into pages and re-sealed (checksums valid) never makes verify or repair trap or hang")
    func resealedGarbage() throws {
        let dir = try TempDir()
        let base = dir.file("base.sombra")
        try buildGraph(base, nodes: 200, deletions: 10)
        let pristine = try RawFile.read(base)
        let pageCount = Int(try RawFile.header(base).pageCount)
        var rng = SeededRandom(seed: 4242)
        var found = 0, repaired = 0
        let rounds = 30
        for round in 0..<rounds {
            let path = dir.file("garbage-\(round).sombra")
            try RawFile.write(path, pristine)
            let page = UInt64(1 + rng.below(pageCount - 1))
            let writes = 1 + rng.below(8)
            try RawFile.reseal(path, page) { bytes in
                for _ in 0..<writes {
                    // Mostly the header fields and slot array, where the structure lives.
                    let at = rng.chance(60) ? 4 + rng.below(60) : 4 + rng.below(4092)
                    bytes[at] = UInt8(rng.below(256))
                }
            }
            let r = try findings(path)
            if !r.isClean { found += 1 }
            let out = dir.file("garbage-\(round)-out.sombra")
            let run = ctl("repair", path, "-o", out)
            if run.code != 2 { repaired += 1; #expect(try findings(out).isClean, "round \(round) seed 4242") }
        }
        print("verify-resealed-garbage: rounds: \(rounds) findings: \(found) repaired: \(repaired) seed: 4242")
        #expect(repaired == rounds)
    }

    @Test("random bit flips never make the verifier trap or hang, and each flipped page is reported")
    func randomFlips() throws {
        let dir = try TempDir()
        let base = dir.file("base.sombra")
        try buildGraph(base, nodes: 400)
        let pristine = try RawFile.read(base)
        let pageCount = Int(try RawFile.header(base).pageCount)
        var rng = SeededRandom(seed: 2024)
        var reported = 0
        let rounds = 30
        for round in 0..<rounds {
            var bytes = pristine
            let page = 1 + rng.below(pageCount - 1)
            let offset = page * 4096 + rng.below(4096)
            bytes[offset] ^= UInt8(1 << rng.below(8))
            let path = dir.file("flip-\(round).sombra")
            try RawFile.write(path, bytes)
            let r = try findings(path)
            if r.pages(of: [.checksum]) == [UInt64(page)] { reported += 1 } else {
                Issue.record("round \(round) seed 2024: page \(page) offset \(offset): \(r.findings.prefix(3))")
            }
        }
        print("verify-random-flips: rounds: \(rounds) reported: \(reported) seed: 2024")
        #expect(reported == rounds)
    }
}
}
