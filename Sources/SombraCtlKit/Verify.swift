// `sombractl verify DB`: checks every checksum, every B+tree invariant, that every page is reachable exactly
// once or free, that indexes and adjacency agree with the records and the counts with both, and the log.
// Each finding names its page and class. Exit 0 when clean (warnings allowed), 1 when it found problems,
// 2 when it could not run. Read-only.
import ArgumentParser
import Foundation
import Sombra

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a database completely; exit 0 clean, 1 problems found, 2 could not run (read-only).")

    @Argument(help: "The database file.")
    var database: String

    @Option(name: .long, help: "Print at most this many findings (all are counted).")
    var maxFindings: Int = 200

    @OptionGroup var output: FormatOption

    func run() throws {
        let progress = ProgressLine()
        let report = try Database.reading(database) { db in
            try db.verify { p in progress.update("verify \(p.phase)", p.done, p.total) }
        }
        progress.finish()
        let shown = report.findings.prefix(max(0, maxFindings))
        if output.isJSON {
            var o = JSONObject()
            o.set("database", database)
            o.set("clean", report.isClean)
            o.set("errors", report.errorCount)
            o.set("warnings", report.warningCount)
            o.set("page_size", report.pageSize)
            o.set("page_count", report.pageCount)
            o.set("pages_checked", report.pagesChecked)
            o.set("tree_pages", report.treePages)
            o.set("free_pages", report.freePages)
            o.set("nodes_checked", report.nodesChecked)
            o.set("edges_checked", report.edgesChecked)
            o.set("lookups_skipped", report.lookupsSkipped)
            o.set("counts", .object(report.countsByClass.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int(Int64($0.value))) }))
            o.set("findings", .array(shown.map { f in
                var e = JSONObject()
                e.set("page", f.page.map { JSON.uint($0) } ?? .null)
                e.set("class", f.findingClass.rawValue)
                e.set("severity", f.severity.rawValue)
                e.set("message", f.message)
                return e.json
            }))
            o.set("findings_truncated", report.findingsTruncated || shown.count < report.findings.count)
            emit(o.json)
        } else {
            for f in shown { console.out(f.description) }
            let hidden = report.errorCount + report.warningCount - shown.count
            if hidden > 0 { console.out("… \(hidden) more findings not shown (--max-findings)") }
            let classes = report.countsByClass.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }
            console.out("verify: \(report.isClean ? "clean" : "PROBLEMS FOUND") pages: \(report.pageCount) nodes: \(report.nodesChecked) edges: \(report.edgesChecked) errors: \(report.errorCount) warnings: \(report.warningCount)\(classes.isEmpty ? "" : " (" + classes.joined(separator: ", ") + ")")")
        }
        if !report.isClean { throw CommandExit(1) }
    }
}
