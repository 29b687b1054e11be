// `sombractl repair DB --output NEW`: salvages every node and edge that can still be read into a new
// database (walking the live trees, then the leaf pages no tree reaches any more for the key ranges the
// trees lost), keeps ids, rebuilds every index, verifies the result, and reports what was recovered and
// lost. Never modifies DB. Exit 0 when nothing is known lost, 1 when records were lost, 2 could not run.
import ArgumentParser
import Foundation
import Sombra

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Salvage every readable node and edge into a new database (never modifies DB).")

    @Argument(help: "The damaged database file (opened read-only).")
    var database: String

    @Option(name: .shortAndLong, help: "The new database to write (must not exist).")
    var output: String

    @Option(name: .long, help: "Label of placeholder nodes created for edge endpoints that were lost.")
    var placeholderLabel: String = "LostNode"

    @Flag(name: .long, help: "Drop edges whose endpoint was lost instead of creating placeholder nodes.")
    var dropDanglingEdges = false

    @OptionGroup var format: FormatOption

    func run() throws {
        guard !FileManager.default.fileExists(atPath: output) else { throw couldNotRun("\(output) already exists") }
        guard FileManager.default.fileExists(atPath: database) else { throw couldNotRun("no such file: \(database)") }
        let progress = ProgressLine()
        var options = SalvageOptions()
        options.placeholderLabel = dropDanglingEdges ? nil : placeholderLabel
        options.progress = { phase, done, total in progress.update("repair \(phase)", done, total) }
        let report = try GraphSalvage.run(source: database, destination: output, options: options)
        progress.finish()
        let check = try Database.reading(output) { try $0.verify() }
        let summary = "repair: nodes: \(report.expectedNodes.map(String.init) ?? "unknown") edges: \(report.expectedEdges.map(String.init) ?? "unknown") corrupted-pages: \(report.damagedPageCount) recovered-nodes: \(report.recoveredNodes) lost-nodes: \(report.lostNodes.map(String.init) ?? "unknown") recovered-edges: \(report.recoveredEdges) lost-edges: \(report.lostEdges.map(String.init) ?? "unknown")"
        if format.isJSON {
            var o = JSONObject()
            o.set("database", database)
            o.set("output", output)
            o.set("raw_scan", report.usedRawScan)
            o.set("nodes", report.expectedNodes.map { JSON.uint($0) } ?? .null)
            o.set("edges", report.expectedEdges.map { JSON.uint($0) } ?? .null)
            o.set("corrupted_pages", .array(report.corruptedPages.prefix(10_000).map { .uint($0) }))
            o.set("missing_pages", report.missingPages)
            o.set("recovered_nodes", report.recoveredNodes)
            o.set("lost_nodes", report.lostNodes)
            o.set("recovered_edges", report.recoveredEdges)
            o.set("lost_edges", report.lostEdges)
            o.set("nodes_from_orphan_leaves", report.nodesFromOrphanLeaves)
            o.set("edges_from_orphan_leaves", report.edgesFromOrphanLeaves)
            o.set("orphan_leaves_used", report.orphanLeavesUsed)
            o.set("stale_records_ignored", report.staleRecordsIgnored)
            o.set("undecodable_records", report.undecodableRecords)
            o.set("duplicate_records", report.duplicateRecords)
            o.set("unwritable_records", report.unwritableRecords)
            o.set("placeholder_nodes", report.placeholderNodes)
            o.set("dropped_edges", report.droppedEdges)
            o.set("synthesized_names", report.synthesizedNames)
            o.set("indexes_rebuilt", .array(report.indexesRebuilt.map { .string($0) }))
            o.set("indexes_failed", .array(report.indexesFailed.map { .string($0) }))
            o.set("damaged_ranges", .array(report.damagedRanges.prefix(100).map { .string($0) }))
            o.set("output_clean", check.isClean)
            emit(o.json)
        } else {
            if report.usedRawScan { console.out("the header could not be read: every leaf page was scanned directly (page size \(report.pageSize))") }
            for r in report.damagedRanges.prefix(20) { console.out("lost key range in \(r)") }
            if report.damagedRanges.count > 20 { console.out("… \(report.damagedRanges.count - 20) more lost key ranges") }
            console.out("from leaves no tree reaches: \(report.nodesFromOrphanLeaves) nodes, \(report.edgesFromOrphanLeaves) edges (\(report.orphanLeavesUsed) pages; \(report.staleRecordsIgnored) stale copies ignored)")
            if report.undecodableRecords > 0 { console.out("records that could not be decoded: \(report.undecodableRecords)") }
            if report.duplicateRecords > 0 { console.out("records stored twice under one id (first copy kept): \(report.duplicateRecords)") }
            if report.unwritableRecords > 0 { console.out("records the new database refused: \(report.unwritableRecords)") }
            for m in report.unwritableMessages { console.out("  \(m)") }
            if report.placeholderNodes > 0 { console.out("placeholder nodes for lost edge endpoints: \(report.placeholderNodes) (label \(placeholderLabel))") }
            if report.droppedEdges > 0 { console.out("edges dropped for lost endpoints: \(report.droppedEdges)") }
            if report.synthesizedNames > 0 { console.out("names lost from the dictionary (replaced by sombra-lost-name-<id>): \(report.synthesizedNames)") }
            console.out("indexes rebuilt: \(report.indexesRebuilt.isEmpty ? "none" : report.indexesRebuilt.joined(separator: ", "))")
            for f in report.indexesFailed { console.out("index not rebuilt: \(f)") }
            console.out("output \(output): \(check.isClean ? "verified clean" : "NOT CLEAN (\(check.errorCount) errors)")")
            console.out(summary)
        }
        guard check.isClean else { throw CommandExit(2, "the repaired database does not verify clean") }
        if report.lostAnything { throw CommandExit(1) }
    }
}
