// BaseImages: small valid databases (and logs) made by the engine itself, which the image and log fuzzers
// mutate. Layer: SombraFuzzHarness.
//
// Two builds of the same graph did not give the same bytes (a random database id and log salt, and orders
// that follow Swift's per-process hashing where dictionaries are iterated), so the bases are built once and
// committed as files under Fuzz/Bases/ (`fuzz-image --make-bases Fuzz/Bases`); corpus inputs that patch a
// base then mean the same thing on every run. The graph they hold is reproducible, and is rebuilt in
// memory to check them.
//
// Invariants:
//  1. `all` holds the committed files when present, else bases built in memory (fuzzing still works, but
//     inputs are then not reproducible across processes).
//  2. Each base opens, verifies clean and reads back as `expected` (the replay test checks this).
//  3. Pages are 4096 bytes, the smallest legal size, to keep images small; a database file is cut to its
//     header's page count (the file grows in chunks; the spare pages are not content).
import Synchronization
import SombraFormat
import SombraIO
import Sombra

public struct FuzzBaseImage: Sendable {
    public let name: String
    public let database: [UInt8]
    /// The log beside the database (empty: none, the database was closed cleanly).
    public let log: [UInt8]
    /// What the graph reads back as (invariant 2).
    let expected: GraphDump
}

public enum FuzzBaseImages {
    static let pageSize = 4096
    /// (name, nodes, transactions left in the log).
    /// The two older logged bases were made before delta frames (version 1 logs, whole frames only);
    /// "delta-logged" has a version 2 log whose later transactions write delta frames.
    static let specs: [(name: String, nodes: Int, logged: Int)] = [("small", 10, 0), ("small-logged", 10, 3),
                                                                   ("deep-logged", 160, 2), ("delta-logged", 12, 4)]
    /// Fuzz/Bases of this checkout (this file is Sources/SombraFuzzHarness/BaseImages.swift).
    static let directory: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/Fuzz/Bases"
    }()

    /// Why a base could not be built or loaded (reported by `selfCheck`).
    static let buildErrors = Mutex<[String]>([])

    /// Loaded (or built) once per process (invariant 1).
    public static let all: [FuzzBaseImage] = specs.compactMap { spec in
        do {
            let built = try build(spec.name, nodes: spec.nodes, logTransactions: spec.logged)
            guard let database = readFile(directory + "/" + spec.name + ".sombra") else { return built }
            let log = spec.logged > 0 ? readFile(directory + "/" + spec.name + ".sombra-wal") ?? [] : []
            return FuzzBaseImage(name: spec.name, database: database, log: log, expected: built.expected)
        } catch {
            buildErrors.withLock { $0.append("\(spec.name): \(error)") }
            return nil
        }
    }

    /// The bases that come with a log (for the log fuzzer).
    static var logged: [FuzzBaseImage] { all.filter { !$0.log.isEmpty } }

    /// Builds every base afresh and writes it to `directory` (`--make-bases`). Returns the files written.
    public static func write(to directory: String) throws -> [String] {
        var written: [String] = []
        for spec in specs {
            let base = try build(spec.name, nodes: spec.nodes, logTransactions: spec.logged)
            let path = directory + "/" + spec.name + ".sombra"
            try writeFile(path, base.database)
            written.append(path)
            if !base.log.isEmpty {
                try writeFile(path + "-wal", base.log)
                written.append(path + "-wal")
            }
        }
        return written
    }

    static func options() -> GraphOptions {
        var o = GraphOptions()
        o.pageSize = pageSize
        o.syncMode = .off
        o.cacheBytes = 256 << 10
        o.checkpointThresholdBytes = 64 << 20  // checkpoints only when asked
        return o
    }

    static func build(_ name: String, nodes: Int, logTransactions: Int) throws -> FuzzBaseImage {
        let fs = InMemoryFileSystem()
        let path = "base.sombra"
        let db = try GraphDB.open(path: path, options: options(), fileSystem: fs)
        try populate(db, nodes: nodes)
        try db.checkpoint()
        for round in 0..<logTransactions { try amend(db, round: round) }
        let expected = try GraphDump.read(db)
        var database = fs.contents(of: path) ?? []
        var log = logTransactions == 0 ? [] : fs.contents(of: path + "-wal") ?? []
        try db.close()
        if logTransactions == 0 { database = fs.contents(of: path) ?? [] }
        if let header = try? FileHeader.decodePage(database) {
            database = Array(database.prefix(Int(header.pageCount) * pageSize))
        }
        // A fixed id and salt (all checksums recomputed) make regenerated files differ less.
        normalize(database: &database, log: &log)
        return FuzzBaseImage(name: name, database: database, log: log, expected: expected)
    }

    /// A graph with every value kind, an index, an overflow value, parallel edges, a self-loop and gaps.
    /// Properties are set one at a time in a fixed order, so name ids are the same on every run.
    static func populate(_ db: GraphDB, nodes: Int) throws {
        try db.write { tx in
            try tx.createIndex(label: "Person", key: "name")
            var people: [NodeID] = []
            let pad = String(repeating: "-", count: nodes > 50 ? 40 : 0)
            for i in 0..<nodes {
                let n = try tx.createNode(labels: i % 4 == 0 ? ["Person", "Admin"] : ["Person"])
                try tx.setProperty("name", to: .string("p\(i)\(pad)"), on: n)
                try tx.setProperty("age", to: .int(Int64(i * 7 % 90)), on: n)
                try tx.setProperty("score", to: .double(i == 3 ? .infinity : Double(i) / 4), on: n)
                try tx.setProperty("tags", to: .list([.string("t\(i % 3)"), .bool(i % 2 == 0)]), on: n)
                people.append(n)
            }
            let post = try tx.createNode(labels: ["Post"])
            try tx.setProperty("body", to: .bytes((0..<6000).map { UInt8(truncatingIfNeeded: $0 &* 31) }), on: post)
            try tx.setProperty("meta", to: .map(["lang": "en", "n": .null]), on: post)
            for (i, p) in people.enumerated() {
                let e = try tx.createEdge(from: p, to: people[(i + 1) % people.count], type: "KNOWS")
                try tx.setProperty("since", to: .int(Int64(2000 + i)), on: e)
                if i % 3 == 0 { try tx.createEdge(from: p, to: post, type: "LIKES") }
            }
            try tx.createEdge(from: post, to: post, type: "SELF")
            try tx.createEdge(from: people[0], to: people[1], type: "KNOWS")
        }
        try db.write { tx in
            try tx.deleteNode(NodeID(2))
            _ = try tx.removeProperty("tags", from: NodeID(5))
        }
    }

    /// One transaction left in the log: new nodes and edges, a deletion, a changed property, an index.
    static func amend(_ db: GraphDB, round: Int) throws {
        try db.write { tx in
            let n = try tx.createNode(labels: ["Tag"])
            try tx.setProperty("title", to: .string("tag-\(round)"), on: n)
            try tx.createEdge(from: NodeID(1), to: n, type: "TAGGED")
            try tx.setProperty("age", to: .int(Int64(100 + round)), on: NodeID(4))
            if round == 0 { try tx.createIndex(label: "Tag", key: "title") }
            if round == 1 { try tx.deleteNode(NodeID(3)) }
            if round == 2 {
                var edges = try tx.allEdges()
                if let first = try edges.next() { try tx.deleteEdge(first) }
            }
        }
    }

    static let databaseID: [UInt8] = Array("sombra-fuzz-base".utf8)
    static let salt: UInt64 = 0x5EED_0F_F022_2222

    /// Fixed id and salt, checksums recomputed (the header images inside commit frames too).
    static func normalize(database: inout [UInt8], log: inout [UInt8]) {
        setDatabaseID(&database, base: 0)
        ImageSealing.sealHeaderPage(&database, base: 0, pageSize: pageSize)
        guard !log.isEmpty else { return }
        for (offset, payloadBytes) in WALFrameHeader.layout(of: log, pageSize: pageSize)
        where log.loadLE(UInt64.self, at: offset) == 0 {
            let base = offset + WALFrameHeader.size
            if payloadBytes == pageSize {
                setDatabaseID(&log, base: base)
            } else {
                // A delta of page 0: the id bytes its runs carry (a run may span a few unchanged bytes).
                let ids = FileHeader.copyOffsets(pageSize: pageSize).map { $0 + FileHeader.Offset.databaseID }
                WALDelta.forEachRun(log, payload: base..<(base + payloadBytes), pageSize: pageSize) { source, target in
                    for (s, t) in zip(source, target) {
                        for id in ids where (id..<id + 16).contains(t) { log[s] = databaseID[t - id] }
                    }
                }
            }
        }
        ImageSealing.sealLog(&log, pageSize: pageSize, databaseID: databaseID, salt: salt, sealPages: true)
    }

    /// Writes the fixed id into both header copies of the page-0 image at `base`.
    static func setDatabaseID(_ image: inout [UInt8], base: Int) {
        for copy in FileHeader.copyOffsets(pageSize: pageSize) {
            let start = base + copy + FileHeader.Offset.databaseID
            guard image.count >= start + 16 else { continue }
            for i in 0..<16 { image[start + i] = databaseID[i] }
        }
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fs = POSIXFileSystem()
        guard fs.exists(path), let file = try? fs.open(path, mode: .readOnly) else { return nil }
        defer { file.close() }
        guard let size = try? file.size(), size <= 64 << 20 else { return nil }
        return try? file.read(at: 0, count: Int(size))
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(SombraError) {
        let fs = POSIXFileSystem()
        if fs.exists(path) { try fs.remove(path) }
        let file = try fs.open(path, mode: .create)
        defer { file.close() }
        try file.write(bytes, at: 0)
    }
}
