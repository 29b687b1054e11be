// `sombractl vacuum DB [--output NEW]`: rewrites the database compactly by copying the graph into a new
// file — node and edge ids, names, declared indexes and the id counters preserved — with full pages and
// no free pages. Refuses a damaged database (use repair). Without --output it replaces DB in place, only
// through a safe copy and rename:
//   1. hold a shared lock on DB (a read-only handle) so no writer commits while we copy;
//   2. copy into DB.vacuum-<pid> beside it (strict salvage: any damage aborts), close it (checkpointed, synced);
//   3. verify the copy read-only; on any problem remove it and stop, DB untouched;
//   4. rename the copy over DB, sync the directory, remove DB's old log (its content is in the copy) and
//      sync the directory again; then release the lock.
// A crash before step 4 leaves DB as it was (plus a stray copy); after the rename, DB is the complete copy
// and an old log left beside it belongs to another database id, so recovery ignores it.
import ArgumentParser
import Foundation
import Sombra

struct Vacuum: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite a database compactly, preserving ids (in place via copy and rename, or to --output).")

    @Argument(help: "The database file.")
    var database: String

    @Option(name: .shortAndLong, help: "Write the compacted copy here instead of replacing DB.")
    var output: String?

    @Option(name: .long, help: "Page size of the new file (default: DB's).")
    var pageSize: Int?

    @OptionGroup var format: FormatOption

    func run() throws {
        guard FileManager.default.fileExists(atPath: database) else { throw couldNotRun("no such file: \(database)") }
        if let output, FileManager.default.fileExists(atPath: output) { throw couldNotRun("\(output) already exists") }
        let inPlace = output == nil
        let target = output ?? database + ".vacuum-\(ProcessInfo.processInfo.processIdentifier)"
        if inPlace, FileManager.default.fileExists(atPath: target) { throw couldNotRun("\(target) already exists") }
        let before = try Database.reading(database) { db in (db.storageStats.pageCount, db.storageStats.freePageCount) }
        let bytesBefore = (Database.fileSize(database) ?? 0) + (Database.fileSize(database + "-wal") ?? 0)

        let lock = try Database.openReadOnly(database)       // step 1
        defer { try? lock.close() }
        let progress = ProgressLine()
        var options = SalvageOptions()
        options.strict = true
        options.pageSize = pageSize
        options.progress = { phase, done, total in progress.update("vacuum \(phase)", done, total) }
        let report = try GraphSalvage.run(source: database, destination: target, options: options)   // step 2
        progress.finish()
        let check = try Database.reading(target) { try $0.verify() }                                   // step 3
        guard check.isClean else {
            try? FileManager.default.removeItem(atPath: target)
            throw couldNotRun("the copy does not verify clean (\(check.errorCount) errors); \(database) is unchanged")
        }
        let after = try Database.reading(target) { db in db.storageStats.pageCount }
        if inPlace { try replace(database, with: target) }                                             // step 4
        let bytesAfter = Database.fileSize(inPlace ? database : target) ?? 0
        if format.isJSON {
            var o = JSONObject()
            o.set("database", database)
            o.set("output", inPlace ? database : target)
            o.set("in_place", inPlace)
            o.set("nodes", report.recoveredNodes)
            o.set("edges", report.recoveredEdges)
            o.set("indexes", report.indexesRebuilt.count)
            o.set("pages_before", before.0)
            o.set("free_pages_before", before.1)
            o.set("pages_after", after)
            o.set("bytes_before", bytesBefore)
            o.set("bytes_after", bytesAfter)
            emit(o.json)
            return
        }
        console.out("copied \(report.recoveredNodes) nodes, \(report.recoveredEdges) edges, \(report.indexesRebuilt.count) indexes (ids preserved; next ids n\(report.nextNodeID) e\(report.nextEdgeID))")
        console.out("pages: \(before.0) (\(before.1) free) -> \(after); bytes (file and log): \(bytesBefore) -> \(bytesAfter)")
        console.out(inPlace ? "replaced \(database) (copy verified clean)" : "wrote \(target) (verified clean)")
    }

    /// Step 4: rename the verified copy over the database, then drop the old log, syncing the directory.
    func replace(_ database: String, with copy: String) throws {
        guard rename(copy, database) == 0 else {
            let e = errno
            try? FileManager.default.removeItem(atPath: copy)
            throw couldNotRun("cannot rename \(copy) to \(database): \(String(cString: strerror(e)))")
        }
        syncDirectory(of: database)
        let log = database + "-wal"
        if FileManager.default.fileExists(atPath: log) {
            try? FileManager.default.removeItem(atPath: log)
            syncDirectory(of: database)
        }
    }

    func syncDirectory(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
