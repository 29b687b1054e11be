// info, pages, page, stats, checkpoint, vacuum and demo: their reports, their JSON, and that the commands
// which only read change nothing on disk.
import Foundation
import Testing
import SombraFormat
@testable import Sombra
@testable import SombraCtlKit

extension SombraCtlSuite {
@Suite("commands")
struct CommandTests {
    func int(_ j: JSON?) -> Int? {
        switch j {
        case .int(let v)?: return Int(v)
        case .uint(let v)?: return Int(v)
        default: return nil
        }
    }

    /// A database with committed transactions still in its log (copied while open, as a crash leaves it).
    func databaseWithLog(_ dir: TempDir) throws -> String {
        let base = dir.file("base.sombra")
        try buildGraph(base, nodes: 300)
        let db = try openGraph(base)
        try db.write { tx in for i in 0..<20 { try tx.createNode(labels: ["Late"], properties: ["i": .int(Int64(i))]) } }
        let fixture = dir.file("withlog.sombra")
        try RawFile.write(fixture, try RawFile.read(base))
        try RawFile.write(fixture + "-wal", try RawFile.read(base + "-wal"))
        try db.close()
        return fixture
    }

    @Test("read-only commands change no byte of the database or its log and create no file")
    func readOnlyCommandsChangeNothing() throws {
        let dir = try TempDir()
        let db = try databaseWithLog(dir)
        let before = fileBytes([db, db + "-wal"])
        let listing = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let exportFile = dir.file("x.jsonl")
        for args in [["info", db], ["pages", db, "--list"], ["page", db, "1", "--raw"], ["page", db, "0"], ["verify", db],
                     ["stats", db], ["export", db, exportFile], ["info", db, "--format", "json"]] {
            let run = ctl(args)
            #expect(run.code == 0, "\(args): \(run.err)")
        }
        #expect(fileBytes([db, db + "-wal"]) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == (listing + ["x.jsonl"]).sorted())
        // The read-only handle saw the log's commits (recovered in memory only).
        let info = try report(ctl("info", db, "--format", "json").out)
        #expect(int(info["graph"]?["nodes"]) == 320)
    }

    @Test("info reports the header, sizes and counts")
    func info() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        let g = try buildGraph(db, nodes: 250, deletions: 5)
        let j = try report(ctl("info", db, "--format", "json").out)
        #expect(int(j["page_size"]) == 4096)
        #expect(int(j["graph"]?["nodes"]) == g.nodes.count)
        #expect(int(j["graph"]?["edges"]) == g.edges.count)
        #expect(int(j["graph"]?["labels"]) == 2)
        #expect(int(j["graph"]?["edge_types"]) == 2)
        #expect(int(j["graph"]?["indexes"]) == 1)
        #expect(j["header"]?["copies"]?["A"] == .string("yes"))
        // The version shown is the one stored at byte 8 of the file, not a constant of the tool.
        let stored = try Data(contentsOf: URL(fileURLWithPath: db)).subdata(in: FileHeader.Offset.version..<(FileHeader.Offset.version + 4))
        let storedVersion = stored.reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(storedVersion == Int(FileHeader.formatVersion))
        #expect(int(j["header"]?["format_version"]) == storedVersion)
        #expect(int(j["file_bytes"]) ?? 0 >= int(j["page_count"]).map { $0 * 4096 } ?? .max)
        let text = ctl("info", db)
        #expect(text.out.contains("nodes:           \(g.nodes.count)"))
        #expect(text.out.contains("sync mode:"))
        #expect(text.out.contains("format version:  \(storedVersion)\n"))
    }

    @Test("pages counts every page once by kind, and its tree figures match the graph")
    func pages() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        let g = try buildGraph(db, nodes: 800, deletions: 30)
        let j = try report(ctl("pages", db, "--format", "json", "--list").out)
        let pageCount = try #require(int(j["page_count"]))
        var sum = 1
        for k in ["leaf", "interior", "overflow", "free"] { sum += int(j["kinds"]?[k]?["pages"]) ?? 0 }
        #expect(sum == pageCount)
        #expect(int(j["free_list_length"]) == int(j["header_free_page_count"]))
        guard case .array(let trees)? = j["trees"], case .array(let list)? = j["pages"] else { Issue.record("arrays"); return }
        #expect(trees.first { $0["name"] == .string("nodes") }.flatMap { int($0["entries"]) } == g.nodes.count)
        #expect(trees.first { $0["name"] == .string("edges") }.flatMap { int($0["entries"]) } == g.edges.count)
        #expect(list.count == pageCount - 1)
        #expect(list.allSatisfy { $0["owner"] != .null }, "every page has an owner in a healthy file")
    }

    @Test("page decodes a leaf of the nodes tree, shows a damaged page, and dumps hex with --raw")
    func page() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 300)
        let leaf = try #require(try treePages(db, slot: Slot.nodes).leaves.first)
        let j = try report(ctl("page", db, String(leaf), "--format", "json").out)
        #expect(j["owner"] == .string("nodes"))
        #expect(j["checksum_valid"] == .bool(true))
        guard case .array(let cells)? = j["cells"] else { Issue.record("cells"); return }
        #expect(cells.first?["key means"] == .string("node n1"))
        #expect(cells.first?["value"]?.stringValue?.contains("\"name\": \"p-0\"") == true)
        try RawFile.flipBit(db, leaf, byte: 2000)
        let damaged = ctl("page", db, String(leaf), "--raw")
        #expect(damaged.code == 0)
        #expect(damaged.out.contains("checksum mismatch"))
        #expect(damaged.out.contains("00000000  "))
        #expect(ctl("page", db, "999999").code == 2)
        // An out-edges leaf: each cell is an adjacency chunk, its key the first edge, its value the rest.
        let adjacencyLeaf = try #require(try treePages(db, slot: Slot.outEdges).leaves.first)
        let a = try report(ctl("page", db, String(adjacencyLeaf), "--format", "json").out)
        #expect(a["owner"] == .string("out-edges"))
        guard case .array(let chunks)? = a["cells"] else { Issue.record("cells"); return }
        #expect(chunks.allSatisfy { $0["key means"]?.stringValue?.contains("-> n") == true })
        #expect(chunks.contains { $0["value"]?.stringValue?.contains("more entries: -\"") == true })
    }

    @Test("stats reports degrees that add up to twice the edges, and the largest labels")
    func stats() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        let g = try buildGraph(db, nodes: 300, edgesPerNode: 3)
        let j = try report(ctl("stats", db, "--format", "json").out)
        guard case .double(let meanOut)? = j["degree"]?["out"]?["mean"] else { Issue.record("mean"); return }
        #expect(abs(meanOut * Double(g.nodes.count) - Double(g.edges.count)) < 0.001)
        guard case .array(let labels)? = j["labels"] else { Issue.record("labels"); return }
        #expect(labels.first?["label"] == .string("Person"))
        #expect(int(labels.first?["nodes"]) == g.nodes.count)
        #expect(int(j["cache"]?["misses"]) ?? 0 > 0)
    }

    @Test("checkpoint copies the log into the file and removes it; the graph is unchanged")
    func checkpoint() throws {
        let dir = try TempDir()
        let db = try databaseWithLog(dir)
        let before = try snapshot(path: db)
        let j = try report(ctl("checkpoint", db, "--format", "json").out)
        #expect(int(j["log_frames_before"]) ?? 0 > 0)
        #expect(j["log_bytes_after"] == .null)
        #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
        let after = try snapshot(path: db)
        #expect(after.nodes == before.nodes && after.edges == before.edges)
    }

    @Test("vacuum in place keeps ids, indexes and id counters, frees no page, and verifies clean")
    func vacuumInPlace() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 1500, deletions: 600)
        let g = try snapshot(path: db)
        let (freeBefore, nextBefore) = try {
            let h = try RawFile.header(db)
            let d = try openGraph(db)
            defer { try? d.close() }
            let tx = try d.beginWrite()
            defer { tx.rollback() }
            return (h.freePageCount, try tx.nextIDs())
        }()
        #expect(freeBefore > 0)
        let run = ctl("vacuum", db, "--format", "json")
        #expect(run.code == 0, "\(run.err)")
        let j = try report(run.out)
        #expect(int(j["pages_after"]) ?? .max < int(j["pages_before"]) ?? 0)
        let after = try snapshot(path: db)
        #expect(after.nodes == g.nodes && after.edges == g.edges)
        #expect(try RawFile.header(db).freePageCount == 0)
        let d = try openGraph(db)
        defer { try? d.close() }
        #expect(try d.verify().isClean)
        let tx = try d.beginWrite()
        #expect(try tx.nextIDs() == nextBefore, "ids of deleted records stay retired")
        #expect(try tx.hasIndex(label: "Person", key: "name"))
        tx.rollback()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("vacuum") }.isEmpty)
    }

    @Test("vacuum refuses a damaged database and leaves it as it was")
    func vacuumRefusesDamage() throws {
        let dir = try TempDir()
        let db = dir.file("g.sombra")
        try buildGraph(db, nodes: 300)
        let leaf = try #require(try treePages(db, slot: Slot.edges).leaves.first)
        try RawFile.flipBit(db, leaf, byte: 100)
        let before = try RawFile.read(db)
        let run = ctl("vacuum", db)
        #expect(run.code == 2)
        #expect(run.err.contains("repair"))
        #expect(try RawFile.read(db) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["g.sombra"])
    }

    @Test("demo still builds, queries and reopens its sample graph")
    func demo() throws {
        let dir = try TempDir()
        let db = dir.file("demo.sombra")
        // Demo prints with print(); only its exit code and file are checked here.
        #expect(ctl("demo", db, "--people", "50").code == 0)
        #expect(try snapshot(path: db).nodes.count == 51)
    }

    @Test("usage errors and unknown commands exit 2; --help exits 0")
    func usage() {
        #expect(ctl("nonsense").code == 2)
        #expect(ctl("page", "x.sombra", "not-a-number").code == 2)
        let help = ctl("--help")
        #expect(help.code == 0)
        #expect(help.out.contains("verify"))
    }
}
}
