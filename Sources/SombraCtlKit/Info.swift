// `sombractl info DB`: the header fields, page size, page and free-page counts, file and log sizes, the
// sync mode, and the graph's counts of nodes, edges, labels, edge types and indexes. Read-only.
import ArgumentParser
import Foundation
import Sombra
import SombraFormat
import SombraStorage

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a database's header, sizes and graph counts (read-only).")

    @Argument(help: "The database file.")
    var database: String

    @OptionGroup var output: FormatOption

    func run() throws {
        try Database.reading(database) { db in
            let header = db.pager.committedSnapshot.header
            let stats = db.storageStats
            let page0 = try db.inspectPage(0)
            let copies = page0.cells.map { cell in
                (cell.first { $0.0 == "copy" }?.1.description ?? "?", cell.first { $0.0 == "valid" }?.1.description ?? "?")
            }
            let (nodes, edges, labels, types, indexes) = try db.read { tx in
                (try tx.nodeCount(), try tx.edgeCount(), try tx.labelCounts().count, try tx.edgeTypeCounts().count,
                 try tx.indexes())
            }
            let fileBytes = Database.fileSize(database)
            let logPath = database + "-wal"
            let logBytes = Database.fileSize(logPath)
            let roots = zip(["catalog", "names", "nodes", "edges", "out-edges", "in-edges", "labels", "properties"],
                            header.roots.prefix(8)).map { ($0, $1.rawValue) }
            let syncMode = "full (default; chosen by each writer when it opens, not stored in the file)"
            if output.isJSON {
                var h = JSONObject()
                h.set("format_version", Int(FileHeader.formatVersion))
                h.set("page_size", Int(header.pageSize))
                h.set("database_id", hexString(header.databaseID))
                h.set("page_count", header.pageCount)
                h.set("free_list_head", header.freeListHead.rawValue)
                h.set("free_page_count", header.freePageCount)
                h.set("last_tx_id", header.lastTxID.rawValue)
                h.set("flags", Int(header.flags))
                h.set("copies", .object(copies.map { ($0.0, .string($0.1)) }))
                h.set("roots", .object(roots.map { ($0.0, .uint($0.1)) }))
                var o = JSONObject()
                o.set("database", database)
                o.set("page_size", stats.pageSize)
                o.set("page_count", header.pageCount)
                o.set("free_page_count", header.freePageCount)
                o.set("file_bytes", fileBytes.map { JSON.uint($0) } ?? .null)
                o.set("log_path", logPath)
                o.set("log_bytes", logBytes.map { JSON.uint($0) } ?? .null)
                o.set("log_committed_frames", Int(stats.walFrames))
                o.set("log_generation", Int(stats.walGeneration))
                o.set("sync_mode", "full")
                o.set("header", h.json)
                var g = JSONObject()
                g.set("nodes", nodes)
                g.set("edges", edges)
                g.set("labels", labels)
                g.set("edge_types", types)
                g.set("indexes", indexes.count)
                g.set("index_list", .array(indexes.map { .string("\($0.label).\($0.key)") }))
                o.set("graph", g.json)
                emit(o.json)
                return
            }
            console.out("database:        \(database)")
            console.out("file:            \(fileBytes.map(bytesText) ?? "?")")
            console.out("log:             \(logPath): \(logBytes.map(bytesText) ?? "absent"), \(stats.walFrames) committed frames (generation \(stats.walGeneration))")
            console.out("format version:  \(FileHeader.formatVersion)")
            console.out("page size:       \(stats.pageSize) bytes")
            console.out("pages:           \(header.pageCount) (\(header.freePageCount) free, free list head \(header.freeListHead.rawValue))")
            console.out("database id:     \(hexString(header.databaseID))")
            console.out("last tx id:      \(header.lastTxID.rawValue)")
            console.out("flags:           \(header.flags)")
            console.out("header copies:   \(copies.map { "\($0.0) \($0.1)" }.joined(separator: ", "))")
            console.out("tree roots:      \(roots.map { "\($0.0) \($0.1)" }.joined(separator: ", "))")
            console.out("sync mode:       \(syncMode)")
            console.out("nodes:           \(nodes)")
            console.out("edges:           \(edges)")
            console.out("labels:          \(labels)")
            console.out("edge types:      \(types)")
            console.out("indexes:         \(indexes.count)\(indexes.isEmpty ? "" : " (" + indexes.map { "\($0.label).\($0.key)" }.joined(separator: ", ") + ")")")
        }
    }
}
