// `sombractl checkpoint DB`: opens the database for writing (recovering its log), copies every committed
// log frame into the database file, and closes it cleanly (which removes the log).
import ArgumentParser
import Foundation
import Sombra
import SombraStorage

struct Checkpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the log into the database file and remove the log.")

    @Argument(help: "The database file.")
    var database: String

    @OptionGroup var output: FormatOption

    func run() throws {
        let logPath = database + "-wal"
        let logBefore = Database.fileSize(logPath)
        let db = try Database.openForWriting(database, create: false)
        let framesBefore = db.storageStats.walFrames
        let result: CheckpointResult
        do {
            result = try db.checkpoint()
            try db.close()
        } catch {
            try? db.close()
            throw error
        }
        let logAfter = Database.fileSize(logPath)
        let fileAfter = Database.fileSize(database)
        if output.isJSON {
            var o = JSONObject()
            o.set("database", database)
            o.set("log_bytes_before", logBefore.map { JSON.uint($0) } ?? .null)
            o.set("log_frames_before", Int(framesBefore))
            o.set("frames_backfilled", result.framesBackfilled)
            o.set("pages_written", result.pagesWritten)
            o.set("log_restarted", result.logRestarted)
            o.set("log_bytes_after", logAfter.map { JSON.uint($0) } ?? .null)
            o.set("file_bytes_after", fileAfter.map { JSON.uint($0) } ?? .null)
            emit(o.json)
            return
        }
        console.out("log before:  \(logBefore.map(bytesText) ?? "absent") (\(framesBefore) committed frames)")
        console.out("checkpoint:  \(result.framesBackfilled) frames, \(result.pagesWritten) pages written, log \(result.logRestarted ? "restarted" : "kept")")
        console.out("log after:   \(logAfter.map(bytesText) ?? "removed (clean close)")")
        console.out("file after:  \(fileAfter.map(bytesText) ?? "?")")
    }
}
