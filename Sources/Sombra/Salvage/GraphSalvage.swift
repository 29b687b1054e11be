// GraphSalvage: copies every node and edge that can still be read from one database into a new one,
// keeping ids, then rebuilds the label index, adjacency, counts and the declared property indexes.
// `repair` uses it on damaged files; `vacuum` uses it in strict mode (any damage aborts) to rewrite a
// healthy file compactly. Layer: graph facade (Sombra).
//
// Order: read (SalvageScan: census, reach, orphans, names, catalog) -> write live nodes -> orphan nodes ->
// live edges -> orphan edges (an endpoint that was lost becomes a placeholder node, or the edge is
// dropped) -> id counters -> commit -> one transaction per declared index -> close (checkpoint).
//
// Invariants:
//  1. The source is opened read-only and never modified (not even by log recovery).
//  2. The destination must not exist; on failure it is removed again, so a partial output never remains.
//  3. A record keeps its id; the destination's id counters are at least the source's, so ids of deleted
//     records are not reused.
//  4. Names the dictionary lost are replaced by `sombra-lost-name-<id>` and counted.
import SombraFormat
import SombraIO
import SombraIndex
import SombraStorage

package struct SalvageOptions: Sendable {
    /// Label of the placeholder node created for an edge endpoint that was lost; nil drops such edges.
    package var placeholderLabel: String? = "LostNode"
    /// Vacuum mode: any damage or unreadable record aborts instead of being skipped.
    package var strict = false
    /// Page size of the new file (nil: the source's).
    package var pageSize: Int? = nil
    package var progress: (@Sendable (String, Int, Int) -> Void)? = nil

    package init() {}
}

package struct SalvageReport: Sendable {
    package var usedRawScan = false
    package var pageSize = 0
    package var pageCount: UInt64 = 0
    /// Counts the source's catalog held (nil when it could not be read).
    package var expectedNodes: UInt64? = nil
    package var expectedEdges: UInt64? = nil
    /// Pages that fail verification.
    package var corruptedPages: [UInt64] = []
    /// Pages inside the page count that neither the file nor the log holds (a truncated file).
    package var missingPages: UInt64 = 0
    /// Every page whose content is lost: corrupted plus missing.
    package var damagedPageCount: UInt64 { UInt64(corruptedPages.count) + missingPages }
    package var damagedRanges: [String] = []
    package var recoveredNodes = 0
    package var recoveredEdges = 0
    package var nodesFromOrphanLeaves = 0
    package var edgesFromOrphanLeaves = 0
    package var orphanLeavesUsed = 0
    package var staleRecordsIgnored = 0
    package var undecodableRecords = 0
    package var placeholderNodes = 0
    package var droppedEdges = 0
    package var synthesizedNames = 0
    /// Records found twice under one id (the first copy read is kept).
    package var duplicateRecords = 0
    /// Records the new database refused (see `unwritableMessages`).
    package var unwritableRecords = 0
    package var unwritableMessages: [String] = []
    package var indexesRebuilt: [String] = []
    package var indexesFailed: [String] = []
    package var nextNodeID: UInt64 = 1
    package var nextEdgeID: UInt64 = 1

    package var lostNodes: Int? { expectedNodes.map { max(0, Int(clamping: $0) - recoveredNodes) } }
    package var lostEdges: Int? { expectedEdges.map { max(0, Int(clamping: $0) - recoveredEdges) } }
    package var lostAnything: Bool {
        (lostNodes ?? 0) > 0 || (lostEdges ?? 0) > 0 || undecodableRecords > 0 || damagedPageCount > 0
            || expectedNodes == nil || expectedEdges == nil || droppedEdges > 0 || !indexesFailed.isEmpty
            || unwritableRecords > 0
    }
}

package enum GraphSalvage {
    /// Salvages `source` into the new database `destination` (invariants 1-4).
    package static func run(source: String, destination: String, options: SalvageOptions,
                            fileSystem: any FileSystem = POSIXFileSystem()) throws(SombraError) -> SalvageReport {
        guard !fileSystem.exists(destination) else { throw .invalidArgument("\(destination) already exists") }
        var report = SalvageReport()
        var readOptions = GraphOptions()
        readOptions.readOnly = true
        readOptions.create = false
        var sourceDB: GraphDB? = nil
        var raw: RawPageReader? = nil
        var readTx: ReadTransaction? = nil
        defer {
            readTx?.end()
            try? sourceDB?.close()
            raw?.close()
        }
        let reader: any PageReader
        let present: PresentPages
        var roots: [TreeSlot: BTree] = [:]
        do throws(SombraError) {
            let db = try GraphDB.open(path: source, options: readOptions, fileSystem: fileSystem)
            sourceDB = db
            let tx = try db.beginRead()
            readTx = tx
            reader = tx.pageTx
            present = PresentPages(pager: db.pager, snapshot: tx.pageTx.snapshot)
            for slot in TreeSlot.allCases where tx.pageTx.header.roots[slot.rawValue] != .none {
                roots[slot] = BTree(root: tx.pageTx.header.roots[slot.rawValue])
            }
        } catch {
            guard !options.strict, error.isCorruption else { throw error }
            let r = try RawPageReader.open(path: source, fileSystem: fileSystem)
            raw = r
            reader = r
            present = PresentPages(pageCount: r.pageCount)
            report.usedRawScan = true
        }
        report.pageSize = reader.pageSize
        report.pageCount = reader.pageCount

        var scan = SalvageScan(reader: reader, present: present, roots: roots, progress: options.progress)
        scan.run()
        report.corruptedPages = scan.corruptedPages
        report.missingPages = scan.missingPages
        report.damagedRanges = TreeSlot.allCases.flatMap { slot in (scan.damaged[slot] ?? []).map { "\(slot.name): \($0)" } }
        if options.strict, scan.hasDamage {
            throw .corruptPage(page: scan.corruptedPages.first ?? scan.damaged.values.flatMap { $0 }.first?.page.rawValue ?? 0,
                               reason: "the database is damaged (\(scan.corruptedPages.count) unreadable pages); run `sombractl repair`")
        }
        // A counter the whole catalog lacks is zero (it is written only once something was counted).
        let catalogWhole = scan.damaged[.catalog]?.isEmpty ?? false
        report.expectedNodes = scan.counters[Counter.nodeCount] ?? (catalogWhole ? 0 : nil)
        report.expectedEdges = scan.counters[Counter.edgeCount] ?? (catalogWhole ? 0 : nil)

        var writeOptions = GraphOptions()
        writeOptions.pageSize = options.pageSize ?? reader.pageSize
        writeOptions.syncMode = .normal
        writeOptions.cacheBytes = 32 << 20
        let out = try GraphDB.open(path: destination, options: writeOptions, fileSystem: fileSystem)
        do throws(SombraError) {
            var writer = SalvageWriter(scan: scan, options: options, report: report)
            try writer.write(into: out)
            report = writer.report
            try out.close()
        } catch {
            try? out.close()
            try? fileSystem.remove(destination)
            try? fileSystem.remove(destination + "-wal")
            throw error
        }
        return report
    }
}

/// The writing half of a salvage (see GraphSalvage's order).
struct SalvageWriter {
    let scan: SalvageScan
    let options: SalvageOptions
    var report: SalvageReport
    var synthesized = Set<UInt32>()
    /// Ids written so far (cheaper than asking the new database, which starts empty).
    var writtenNodes = Set<UInt64>()
    var writtenEdges = Set<UInt64>()

    init(scan: SalvageScan, options: SalvageOptions, report: SalvageReport) {
        self.scan = scan
        self.options = options
        self.report = report
    }

    mutating func name(_ id: UInt32) -> String {
        if let n = scan.namesByID[id] { return n }
        if synthesized.insert(id).inserted { report.synthesizedNames += 1 }
        return "sombra-lost-name-\(id)"
    }

    mutating func properties(_ list: [Property]) -> [String: Value] {
        var out: [String: Value] = [:]
        for p in list { out[name(p.key)] = p.value }
        return out
    }

    mutating func write(into out: GraphDB) throws(SombraError) {
        let tx = try out.beginWrite()
        do throws(SombraError) {
            try writeNodes(tx)
            try writeEdges(tx)
            try tx.reserveIDs(nextNode: scan.counters[Counter.nextNode] ?? 1, nextEdge: scan.counters[Counter.nextEdge] ?? 1)
            let next = try tx.nextIDs()
            report.nextNodeID = next.node
            report.nextEdgeID = next.edge
            try tx.commit()
        } catch {
            tx.rollback()
            throw error
        }
        try rebuildIndexes(out)
        if options.strict {
            guard report.expectedNodes.map({ Int(clamping: $0) == report.recoveredNodes }) ?? false,
                  report.expectedEdges.map({ Int(clamping: $0) == report.recoveredEdges }) ?? false,
                  report.indexesFailed.isEmpty else {
                throw .corruptPage(page: 0, reason: "copied \(report.recoveredNodes) nodes and \(report.recoveredEdges) edges, but the catalog counts \(report.expectedNodes ?? 0) and \(report.expectedEdges ?? 0)")
            }
        }
    }

    mutating func writeNode(_ tx: WriteTransaction, _ id: UInt64, _ r: NodeRecord) throws(SombraError) {
        guard !writtenNodes.contains(id) else {
            // A second copy under one id (a stale leaf linked into a live tree): the first one read stays.
            try checkStrict("node n\(id) is stored twice")
            report.duplicateRecords += 1
            return
        }
        var labels: [String] = []
        for l in r.labels { labels.append(name(l)) }
        do throws(SombraError) {
            try tx.createNode(id: NodeID(id), labels: labels, properties: properties(r.properties))
        } catch {
            try unwritable(tx, error, "node n\(id)")
            return
        }
        writtenNodes.insert(id)
        report.recoveredNodes += 1
    }

    /// A record the new database refused: counted and skipped while the transaction lives (the checks of
    /// createNode/createEdge run before any write), rethrown once it does not.
    mutating func unwritable(_ tx: WriteTransaction, _ error: SombraError, _ what: String) throws(SombraError) {
        guard tx.isActive, !options.strict else { throw error }
        report.unwritableRecords += 1
        if report.unwritableMessages.count < 20 { report.unwritableMessages.append("\(what): \(error)") }
    }

    mutating func writeNodes(_ tx: WriteTransaction) throws(SombraError) {
        var written = 0
        try scan.liveEntries(.nodes) { (page: PageID, key: [UInt8], value: [UInt8]?) throws(SombraError) in
            guard key.count == 8, let value, let r = try? NodeRecord.decode(value, page: page) else {
                try checkStrict("node record on page \(page.rawValue) cannot be read")
                report.undecodableRecords += 1
                return
            }
            if let progress = options.progress, written % 1024 == 0 { progress("nodes", written, Int(report.expectedNodes ?? 0)) }
            written += 1
            try writeNode(tx, key.loadBE(UInt64.self, at: 0), r)
        }
        for (id, o) in scan.orphanNodes.sorted(by: { $0.key < $1.key }) {
            if writtenNodes.contains(id) { continue }
            try writeNode(tx, id, o.record)
            report.nodesFromOrphanLeaves += 1
        }
        report.orphanLeavesUsed = scan.orphanLeavesUsed
        report.staleRecordsIgnored = scan.staleRecordsIgnored
    }

    mutating func writeEdge(_ tx: WriteTransaction, _ id: UInt64, _ r: EdgeRecord) throws(SombraError) {
        guard !writtenEdges.contains(id) else {
            try checkStrict("edge e\(id) is stored twice")
            report.duplicateRecords += 1
            return
        }
        for end in [r.source, r.target] {
            if writtenNodes.contains(end) { continue }
            guard let label = options.placeholderLabel, !options.strict else {
                report.droppedEdges += 1
                return
            }
            try tx.createNode(id: NodeID(end), labels: [label], properties: [:])
            writtenNodes.insert(end)
            report.placeholderNodes += 1
        }
        do throws(SombraError) {
            try tx.createEdge(id: EdgeID(id), from: NodeID(r.source), to: NodeID(r.target), type: name(r.type),
                              properties: properties(r.properties))
        } catch {
            try unwritable(tx, error, "edge e\(id)")
            return
        }
        writtenEdges.insert(id)
        report.recoveredEdges += 1
    }

    mutating func writeEdges(_ tx: WriteTransaction) throws(SombraError) {
        var written = 0
        try scan.liveEntries(.edges) { (page: PageID, key: [UInt8], value: [UInt8]?) throws(SombraError) in
            guard key.count == 8, let value, let r = try? EdgeRecord.decode(value, page: page) else {
                try checkStrict("edge record on page \(page.rawValue) cannot be read")
                report.undecodableRecords += 1
                return
            }
            if let progress = options.progress, written % 1024 == 0 { progress("edges", written, Int(report.expectedEdges ?? 0)) }
            written += 1
            try writeEdge(tx, key.loadBE(UInt64.self, at: 0), r)
        }
        for (id, o) in scan.orphanEdges.sorted(by: { $0.key < $1.key }) {
            if writtenEdges.contains(id) { continue }
            let before = report.recoveredEdges
            try writeEdge(tx, id, o.record)
            if report.recoveredEdges > before { report.edgesFromOrphanLeaves += 1 }
        }
    }

    func checkStrict(_ problem: String) throws(SombraError) {
        if options.strict { throw .corruptPage(page: 0, reason: "\(problem); run `sombractl repair`") }
    }

    /// Declares each index of the source again, each in its own transaction (a failure loses only it).
    mutating func rebuildIndexes(_ out: GraphDB) throws(SombraError) {
        for d in scan.indexDeclarations {
            let label = name(d.label), key = name(d.key)
            do throws(SombraError) {
                let tx = try out.beginWrite()
                do throws(SombraError) {
                    try tx.createIndex(label: label, key: key)
                    try tx.commit()
                } catch {
                    tx.rollback()
                    throw error
                }
                report.indexesRebuilt.append("\(label).\(key)")
            } catch {
                if case .invalidArgument = error {
                    report.indexesFailed.append("\(label).\(key): \(error)")
                } else if case .indexExists = error {
                    continue
                } else {
                    throw error
                }
            }
        }
    }
}
