// `sombractl repair`: salvages every node and edge stored on undamaged pages, keeps ids, rebuilds indexes,
// and never modifies its input.
import Foundation
import Testing
import SombraFormat
import SombraTestSupport
@testable import Sombra
@testable import SombraCtlKit

extension SombraCtlSuite {
@Suite("repair")
struct RepairTests {
    /// Pages named by findings of `cls` in a verify JSON report.
    func pages(_ j: JSON, _ cls: String) -> Set<UInt64> {
        guard case .array(let list)? = j["findings"] else { return [] }
        var out = Set<UInt64>()
        for f in list where f["class"] == .string(cls) {
            switch f["page"] {
            case .uint(let p)?: out.insert(p)
            case .int(let p)?: out.insert(UInt64(p))
            default: break
            }
        }
        return out
    }

    func int(_ j: JSON?) -> Int? {
        switch j {
        case .int(let v)?: return Int(v)
        case .uint(let v)?: return Int(v)
        default: return nil
        }
    }

    @Test("with K random pages of a 10,000-node graph corrupted, verify names every one and repair recovers every record on undamaged pages")
    func randomDamage() throws {
        let seed: UInt64 = 20_251_121
        let damageCount = 10
        let dir = try TempDir()
        let db = dir.file("big.sombra")
        let graph = try buildGraph(db, nodes: 10_000, edgesPerNode: 2, seed: seed, deletions: 40)
        let nodeLeaves = try leafContents(db, slot: Slot.nodes)
        let edgeLeaves = try leafContents(db, slot: Slot.edges)
        let nodesTree = try treePages(db, slot: Slot.nodes)
        let header = try RawFile.header(db)
        var rng = SeededRandom(seed: seed)
        // The nodes root is always hit (its leaves become unreachable and must be found by scanning), one
        // edge leaf is always hit (its edges are lost), and the rest are random pages of any kind.
        var damaged: Set<UInt64> = [nodesTree.root, edgeLeaves.keys.sorted()[rng.below(edgeLeaves.count)]]
        while damaged.count < damageCount { damaged.insert(UInt64(1 + rng.below(Int(header.pageCount) - 1))) }
        for p in damaged { try RawFile.flipBit(db, p, byte: 16 + rng.below(4096 - 16), bit: rng.below(8)) }
        let damagedBytes = try RawFile.read(db)

        let v = ctl("verify", db, "--format", "json", "--max-findings", "1000000")
        #expect(v.code == 1)
        let checksumPages = pages(try report(v.out), "checksum")
        #expect(checksumPages == damaged, "seed \(seed)")

        let out = dir.file("repaired.sombra")
        let rep = ctl("repair", db, "--output", out, "--format", "json")
        #expect(rep.code == 1, "records on damaged leaves are lost: \(rep.err)")
        let r = try report(rep.out)
        #expect(r["output_clean"] == .bool(true))

        let expectedNodes = Set(nodeLeaves.filter { !damaged.contains($0.key) }.values.joined())
        let expectedEdges = Set(edgeLeaves.filter { !damaged.contains($0.key) }.values.joined())
        let salvaged = try snapshot(path: out)
        let recoveredNodes = Set(salvaged.nodes.filter { !$0.labels.contains("LostNode") }.map(\.id.rawValue))
        let recoveredEdges = Set(salvaged.edges.map(\.id.rawValue))
        #expect(recoveredNodes == expectedNodes, "seed \(seed): missing \(expectedNodes.subtracting(recoveredNodes).sorted().prefix(10)), extra \(recoveredNodes.subtracting(expectedNodes).sorted().prefix(10))")
        #expect(recoveredEdges == expectedEdges, "seed \(seed)")
        #expect(int(r["recovered_nodes"]) == expectedNodes.count)
        #expect(int(r["recovered_edges"]) == expectedEdges.count)

        // Where the name dictionary survived, every recovered record is exactly the original.
        if !damaged.contains(header.roots[Slot.names].rawValue) {
            let original = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0) })
            let originalEdges = Dictionary(uniqueKeysWithValues: graph.edges.map { ($0.id, $0) })
            #expect(salvaged.nodes.filter { !$0.labels.contains("LostNode") }.allSatisfy { original[$0.id] == $0 })
            #expect(salvaged.edges.allSatisfy { originalEdges[$0.id] == $0 })
        }
        // The input is untouched, and no log was created beside it.
        #expect(try RawFile.read(db) == damagedBytes)
        #expect(!FileManager.default.fileExists(atPath: db + "-wal"))

        let lostNodes = graph.nodes.count - expectedNodes.count
        let lostEdges = graph.edges.count - expectedEdges.count
        print("repair: nodes: \(graph.nodes.count) edges: \(graph.edges.count) corrupted-pages: \(damaged.count) recovered-nodes: \(recoveredNodes.count) lost-nodes: \(lostNodes) recovered-edges: \(recoveredEdges.count) lost-edges: \(lostEdges) seed: \(seed)")
    }

    @Test("a stale copy of a leaf on a leaked page is ignored while the live tree holds its records")
    func staleCopyIgnored() throws {
        let dir = try TempDir()
        let path = dir.file("g.sombra")
        let graph = try buildGraph(path, nodes: 300)
        let leaf = try #require(try leafContents(path, slot: Slot.nodes).first { $0.value.contains(graph.nodes[5].id.rawValue) })
        let oldImage = try RawFile.page(path, leaf.key)
        // Change the node (its leaf is rewritten) and leak a page to hold the old image.
        let db = try openGraph(path)
        let leaked = try db.write { tx in
            try tx.setProperty("name", to: "renamed", on: graph.nodes[5].id)
            return try tx.pageTx.allocate(.btreeLeaf)
        }
        try db.close()
        var stale = oldImage
        PageHeader.seal(&stale, page: leaked, txID: TxID(1))
        try RawFile.setPage(path, leaked.rawValue, stale)
        let out = dir.file("out.sombra")
        let run = ctl("repair", path, "-o", out, "--format", "json")
        let r = try report(run.out)
        // No tree lost a key range, so leaves no tree reaches are not even used.
        #expect(r["nodes_from_orphan_leaves"] == .int(0))
        let copy = try snapshot(path: out)
        #expect(copy.nodes.first { $0.id == graph.nodes[5].id }?["name"] == "renamed")
        #expect(copy.nodes.count == graph.nodes.count)
        // Once the live leaf is damaged, its key range is lost and the old copy is the best there is.
        try RawFile.flipBit(path, leaf.key, byte: 3000)
        let out2 = dir.file("out2.sombra")
        let r2 = try report(ctl("repair", path, "-o", out2, "--format", "json").out)
        #expect(r2["nodes_from_orphan_leaves"] == .int(Int64(leaf.value.count)))
        let copy2 = try snapshot(path: out2)
        #expect(copy2.nodes.count == graph.nodes.count)
        #expect(copy2.nodes.first { $0.id == graph.nodes[5].id }?["name"] == graph.nodes[5]["name"])
    }

    @Test("repair of a healthy database copies everything with its ids and indexes and exits 0")
    func healthyCopy() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        let graph = try buildGraph(db, nodes: 500, deletions: 25)
        let out = dir.file("copy.sombra")
        let run = ctl("repair", db, "-o", out)
        #expect(run.code == 0, "\(run.out) \(run.err)")
        #expect(run.out.contains("repair: nodes: \(graph.nodes.count) edges: \(graph.edges.count) corrupted-pages: 0 recovered-nodes: \(graph.nodes.count) lost-nodes: 0"))
        let copy = try snapshot(path: out)
        #expect(copy.nodes == graph.nodes)
        #expect(copy.edges == graph.edges)
        let c = try openGraph(out, readOnly: true)
        defer { try? c.close() }
        try c.read { tx in
            #expect(try tx.hasIndex(label: "Person", key: "name"))
            let hit = try tx.nodes(withLabel: "Person", where: "name", equals: "p-42")
            #expect(try hit.collect().count == (graph.nodes.contains { $0["name"] == "p-42" } ? 1 : 0))
        }
        #expect(ctl("repair", db, "-o", out).code == 2)   // the output must not exist
    }

    @Test("repair of a file whose both header copies are destroyed scans the pages directly")
    func headerDestroyed() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        let graph = try buildGraph(db, nodes: 400)
        var bytes = try RawFile.read(db)
        for i in 0..<4096 { bytes[i] = 0xAB }
        try RawFile.write(db, bytes)
        #expect(ctl("verify", db).code == 2)
        let out = dir.file("raw.sombra")
        let run = ctl("repair", db, "-o", out, "--format", "json")
        let r = try report(run.out)
        #expect(r["raw_scan"] == .bool(true))
        let copy = try snapshot(path: out)
        #expect(Set(copy.nodes.map(\.id)) == Set(graph.nodes.map(\.id)))
        #expect(Set(copy.edges.map(\.id)) == Set(graph.edges.map(\.id)))
        #expect(copy.nodes == graph.nodes, "names are recovered from the orphan dictionary leaf")
    }

    @Test("repair reads a database with an uncheckpointed log without changing either file")
    func withLog() throws {
        let dir = try TempDir()
        let live = dir.file("live.sombra")
        let db = try openGraph(live)
        try db.write { tx in for i in 0..<200 { try tx.createNode(labels: ["L"], properties: ["i": .int(Int64(i))]) } }
        let fixture = dir.file("fixture.sombra")
        try RawFile.write(fixture, try RawFile.read(live))
        try RawFile.write(fixture + "-wal", try RawFile.read(live + "-wal"))
        try db.close()
        let before = fileBytes([fixture, fixture + "-wal"])
        let run = ctl("repair", fixture, "-o", dir.file("out.sombra"))
        #expect(run.code == 0, "\(run.out) \(run.err)")
        #expect(fileBytes([fixture, fixture + "-wal"]) == before)
        #expect(try snapshot(path: dir.file("out.sombra")).nodes.count == 200)
    }
}
}
