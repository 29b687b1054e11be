// SQLiteEngine: the reference engine, SQLite through its C API, set up as the benchmark guide prescribes.
// Layer: benchmark tool only (SQLite is linked into this tool and nowhere else).
//
// Choices (stated so the comparison can be judged):
//  1. Schema nodes(id INTEGER PRIMARY KEY, label, name, age, score), edges(id INTEGER PRIMARY KEY, src, dst,
//     type); indexes edges(src, dst), edges(dst, src), nodes(label), nodes(name), nodes(age). Node id = the
//     workload index, so ids need no mapping.
//  2. journal_mode=WAL, synchronous=FULL (every commit fsyncs the WAL: as durable as Sombra's commit, which
//     keeps txn_small fair); default page size (4096) and default auto-checkpoint (1000 pages), which runs
//     inside the committing call and so counts in load and txn_small, as it would in an application.
//  3. cache_size = the same byte budget as Sombra's page cache (`--cache-mb`), set on every open.
//  4. Statements are prepared once per connection, on first use, and reused (reset + rebind).
//  5. load: BEGIN IMMEDIATE; create tables; insert nodes then edges; create the indexes (faster after the
//     rows than before); COMMIT. One transaction, durable when it returns.
//  6. prop_eq / prop_range write `+label` so SQLite uses the name / age index (the label index matches 80%
//     of the rows and would be a worse plan); bfs runs the out-neighbour statement per frontier node.
//  7. Connections use SQLITE_OPEN_NOMUTEX (the harness is single-threaded), SQLite's fastest mode.
import CSQLite
import Glibc

struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "sqlite error \(code): \(message)" }
}

final class SQLiteEngine: BenchEngine {
    let name = "sqlite"
    let path: String
    let cacheBytes: Int
    private var db: OpaquePointer?
    private var statements: [OpaquePointer?] = Array(repeating: nil, count: Statement.allCases.count)

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// The reused statements; prepared lazily so `openAndGetNode` prepares only the one it needs.
    private enum Statement: Int, CaseIterable {
        case getNode, outNeighbors, inNeighbors, hop2, label, nameEq, ageRange
        case begin, commit, insertNode, insertEdge, countNodes, countEdges

        var sql: String {
            switch self {
            case .getNode: "SELECT label, name, age, score FROM nodes WHERE id = ?1"
            case .outNeighbors: "SELECT dst FROM edges WHERE src = ?1"
            case .inNeighbors: "SELECT src FROM edges WHERE dst = ?1"
            case .hop2:
                "SELECT COUNT(DISTINCT e2.dst) FROM edges AS e1 JOIN edges AS e2 ON e2.src = e1.dst WHERE e1.src = ?1"
            case .label: "SELECT id FROM nodes WHERE label = ?1"
            case .nameEq: "SELECT id FROM nodes WHERE name = ?1 AND +label = 'Person'"
            case .ageRange: "SELECT id FROM nodes WHERE age >= ?1 AND age < ?2 AND +label = 'Person'"
            case .begin: "BEGIN IMMEDIATE"
            case .commit: "COMMIT"
            case .insertNode: "INSERT INTO nodes(label, name, age, score) VALUES('Person', ?1, 33, 1.5)"
            case .insertEdge: "INSERT INTO edges(src, dst, type) VALUES(?1, ?2, 'KNOWS')"
            case .countNodes: "SELECT COUNT(*) FROM nodes"
            case .countEdges: "SELECT COUNT(*) FROM edges"
            }
        }
    }

    init(path: String, cacheBytes: Int) {
        self.path = path
        self.cacheBytes = cacheBytes
    }

    deinit { try? close() }

    // MARK: - Lifecycle

    func load(nodes: [NodeSpec], edges: [EdgeSpec]) throws {
        try close()
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
        try openConnection()
        try exec("PRAGMA journal_mode=WAL")
        guard try pragmaText("PRAGMA journal_mode") == "wal" else {
            throw SQLiteError(code: -1, message: "could not switch to WAL mode")
        }
        try exec("BEGIN IMMEDIATE")
        try exec("""
            CREATE TABLE nodes(id INTEGER PRIMARY KEY, label TEXT, name TEXT, age INTEGER, score REAL);
            CREATE TABLE edges(id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, type TEXT);
            """)
        try insertNodes(nodes)
        try insertEdges(edges)
        try exec("""
            CREATE INDEX edges_src_dst ON edges(src, dst);
            CREATE INDEX edges_dst_src ON edges(dst, src);
            CREATE INDEX nodes_label ON nodes(label);
            CREATE INDEX nodes_name ON nodes(name);
            CREATE INDEX nodes_age ON nodes(age);
            """)
        try exec("COMMIT")
    }

    func close() throws {
        guard let db else { return }
        for i in statements.indices {
            sqlite3_finalize(statements[i])
            statements[i] = nil
        }
        let rc = sqlite3_close(db)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, message: "close failed") }
        self.db = nil
    }

    func openAndGetNode(_ id: Int64) throws -> NodeRecord? {
        try close()
        try openConnection()
        return try getNode(id)
    }

    func fileSizeBytes() throws -> Int64 {
        fileSize(path) + fileSize(path + "-wal")
    }

    func counts() throws -> (nodes: Int, edges: Int) {
        (Int(try scalar(.countNodes)), Int(try scalar(.countEdges)))
    }

    // MARK: - Queries

    func getNode(_ id: Int64) throws -> NodeRecord? {
        let stmt = try statement(.getNode)
        defer { sqlite3_reset(stmt) }
        sqlite3_bind_int64(stmt, 1, id)
        guard try step(stmt) else { return nil }
        return NodeRecord(label: text(stmt, 0), name: text(stmt, 1),
                          age: sqlite3_column_int64(stmt, 2), score: sqlite3_column_double(stmt, 3))
    }

    func outNeighbors(_ id: Int64) throws -> [Int64] {
        try ids(.outNeighbors) { sqlite3_bind_int64($0, 1, id) }
    }

    func inNeighbors(_ id: Int64) throws -> [Int64] {
        try ids(.inNeighbors) { sqlite3_bind_int64($0, 1, id) }
    }

    func hop2Count(_ id: Int64) throws -> Int {
        let stmt = try statement(.hop2)
        defer { sqlite3_reset(stmt) }
        sqlite3_bind_int64(stmt, 1, id)
        guard try step(stmt) else { return 0 }
        return Int(sqlite3_column_int64(stmt, 0))
    }

    func nodesWithLabel(_ label: String) throws -> [Int64] {
        try ids(.label) { sqlite3_bind_text($0, 1, label, -1, SQLiteEngine.transient) }
    }

    func personsNamed(_ name: String) throws -> [Int64] {
        try ids(.nameEq) { sqlite3_bind_text($0, 1, name, -1, SQLiteEngine.transient) }
    }

    func personsAged(from ageLow: Int64, below ageHigh: Int64) throws -> [Int64] {
        try ids(.ageRange) {
            sqlite3_bind_int64($0, 1, ageLow)
            sqlite3_bind_int64($0, 2, ageHigh)
        }
    }

    func bfsCount(from id: Int64, depth: Int) throws -> Int {
        var seen: Set<Int64> = [id]
        var frontier: [Int64] = [id]
        for _ in 0..<depth where !frontier.isEmpty {
            var next: [Int64] = []
            for node in frontier {
                for neighbour in try outNeighbors(node) where seen.insert(neighbour).inserted {
                    next.append(neighbour)
                }
            }
            frontier = next
        }
        return seen.count
    }

    func txnSmall(name: String, target: Int64) throws {
        try run(.begin)
        do {
            let insertNode = try statement(.insertNode)
            sqlite3_bind_text(insertNode, 1, name, -1, SQLiteEngine.transient)
            try run(.insertNode, prepared: insertNode)
            let source = sqlite3_last_insert_rowid(db)
            let insertEdge = try statement(.insertEdge)
            sqlite3_bind_int64(insertEdge, 1, source)
            sqlite3_bind_int64(insertEdge, 2, target)
            try run(.insertEdge, prepared: insertEdge)
            try run(.commit)
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    // MARK: - Helpers

    private func openConnection() throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            sqlite3_close(handle)
            throw SQLiteError(code: rc, message: "cannot open \(path)")
        }
        db = handle
        try exec("PRAGMA synchronous=FULL; PRAGMA cache_size=-\(max(1, cacheBytes / 1024))")
    }

    private func insertNodes(_ nodes: [NodeSpec]) throws {
        let stmt = try prepare("INSERT INTO nodes(id, label, name, age, score) VALUES(?1, ?2, ?3, ?4, ?5)")
        defer { sqlite3_finalize(stmt) }
        for (i, node) in nodes.enumerated() {
            sqlite3_bind_int64(stmt, 1, Int64(i))
            sqlite3_bind_text(stmt, 2, node.label.name, -1, SQLiteEngine.transient)
            sqlite3_bind_text(stmt, 3, node.name, -1, SQLiteEngine.transient)
            sqlite3_bind_int64(stmt, 4, node.age)
            sqlite3_bind_double(stmt, 5, node.score)
            _ = try step(stmt)
            sqlite3_reset(stmt)
        }
    }

    private func insertEdges(_ edges: [EdgeSpec]) throws {
        let stmt = try prepare("INSERT INTO edges(src, dst, type) VALUES(?1, ?2, ?3)")
        defer { sqlite3_finalize(stmt) }
        for edge in edges {
            sqlite3_bind_int64(stmt, 1, Int64(edge.src))
            sqlite3_bind_int64(stmt, 2, Int64(edge.dst))
            sqlite3_bind_text(stmt, 3, edge.type.name, -1, SQLiteEngine.transient)
            _ = try step(stmt)
            sqlite3_reset(stmt)
        }
    }

    /// Runs a statement that yields one integer column per row and collects it.
    private func ids(_ which: Statement, bind: (OpaquePointer) -> Void) throws -> [Int64] {
        let stmt = try statement(which)
        defer { sqlite3_reset(stmt) }
        bind(stmt)
        var result: [Int64] = []
        while try step(stmt) { result.append(sqlite3_column_int64(stmt, 0)) }
        return result
    }

    private func scalar(_ which: Statement) throws -> Int64 {
        let stmt = try statement(which)
        defer { sqlite3_reset(stmt) }
        guard try step(stmt) else { return 0 }
        return sqlite3_column_int64(stmt, 0)
    }

    private func run(_ which: Statement, prepared: OpaquePointer? = nil) throws {
        let stmt = try prepared ?? statement(which)
        defer { sqlite3_reset(stmt) }
        while try step(stmt) {}
    }

    private func statement(_ which: Statement) throws -> OpaquePointer {
        if let stmt = statements[which.rawValue] { return stmt }
        let stmt = try prepare(which.sql)
        statements[which.rawValue] = stmt
        return stmt
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        guard let db else { throw SQLiteError(code: SQLITE_MISUSE, message: "database is closed") }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "prepare \(sql)") }
        return stmt
    }

    /// Steps once: true when a row is available, false when done.
    private func step(_ stmt: OpaquePointer) throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw error(rc, "step")
    }

    private func exec(_ sql: String) throws {
        guard let db else { throw SQLiteError(code: SQLITE_MISUSE, message: "database is closed") }
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql) }
    }

    private func pragmaText(_ sql: String) throws -> String {
        let stmt = try prepare(sql)
        defer { sqlite3_finalize(stmt) }
        guard try step(stmt) else { return "" }
        return text(stmt, 0)
    }

    private func text(_ stmt: OpaquePointer, _ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(stmt, column) else { return "" }
        let count = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    private func error(_ rc: Int32, _ context: String) -> SQLiteError {
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "no message"
        return SQLiteError(code: rc, message: "\(context): \(message)")
    }

    private func fileSize(_ filePath: String) -> Int64 {
        var info = stat()
        return stat(filePath, &info) == 0 ? Int64(info.st_size) : 0
    }
}
