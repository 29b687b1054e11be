// SalvageScan: reads what can still be read from a (possibly damaged) database: which pages verify,
// which key ranges of each tree are lost, the live records, and the records on leaf pages no tree reaches
// any more that fill those lost ranges. Layer: graph facade (Sombra). Used by GraphSalvage.
//
// Stale copies: a leaf no tree reaches may be a leaked old copy of records the live trees hold (or held
// before deleting them). Such leaves are used only to fill key ranges a tree lost (DamagedKeyRange), never
// to add or replace records a live tree still reaches; between two orphan copies of one record, the
// page written by the later transaction wins.
//
// Invariants:
//  1. Only reads, through a PageReader (a read transaction, or RawPageReader when the header is lost).
//  2. Every walk is bounded (TreeWalk; the census reads each page once); nothing here throws on content.
//  3. A tree without a root (header lost) counts as lost over its whole key space.
import SombraFormat
import SombraIndex
import SombraStorage

/// A record found on a leaf no tree reaches, with the transaction that last wrote its page.
struct OrphanRecord<R> {
    let record: R
    let txID: UInt64
    let page: PageID
}

struct SalvageScan {
    let reader: any PageReader
    /// Registered tree roots (none when the header is lost).
    let roots: [TreeSlot: BTree]
    let progress: ((String, Int, Int) -> Void)?
    /// The pages the file and log can supply (the census reads only these).
    let present: PresentPages

    private(set) var corruptedPages: [UInt64] = []
    /// Pages inside the page count that neither the file nor the log holds.
    private(set) var missingPages: UInt64 = 0
    private(set) var goodLeaves: [PageID] = []
    private(set) var reached: Set<PageID> = []
    private(set) var damaged: [TreeSlot: [DamagedKeyRange]] = [:]

    private(set) var namesByID: [UInt32: String] = [:]
    private(set) var counters: [String: UInt64] = [:]
    private(set) var indexDeclarations: [(label: UInt32, key: UInt32)] = []
    private(set) var orphanNodes: [UInt64: OrphanRecord<NodeRecord>] = [:]
    private(set) var orphanEdges: [UInt64: OrphanRecord<EdgeRecord>] = [:]
    private(set) var orphanLeavesUsed = 0
    private(set) var staleRecordsIgnored = 0
    private(set) var undecodableRecords = 0

    init(reader: any PageReader, present: PresentPages, roots: [TreeSlot: BTree], progress: ((String, Int, Int) -> Void)?) {
        self.reader = reader
        self.present = present
        self.roots = roots
        self.progress = progress
    }

    var hasDamage: Bool { !corruptedPages.isEmpty || missingPages > 0 || damaged.values.contains { !$0.isEmpty } }

    func isLost(_ slot: TreeSlot, _ key: [UInt8]) -> Bool {
        damaged[slot]?.contains { $0.contains(key) } ?? false
    }

    /// Runs every reading step: census, reach, orphans, names, catalog.
    mutating func run() {
        census()
        reach()
        scanOrphans()
        readNames()
        readCatalog()
    }

    // MARK: Pages and trees

    /// Reads every page on disk once: which verify, and which are leaves; counts the pages inside the page
    /// count that neither the file nor the log holds.
    mutating func census() {
        let total = Int(clamping: present.presentCount)
        var done = 0
        present.forEach { page in
            done += 1
            if let progress, done % 1024 == 0 { progress("scan", done, total) }
            do throws(SombraError) {
                let bytes = try reader.page(PageID(page))
                if PageHeader.kind(of: bytes) == .btreeLeaf { goodLeaves.append(PageID(page)) }
            } catch {
                corruptedPages.append(page)
            }
        }
        missingPages = present.missingCount
    }

    /// Walks every tree to learn which pages the trees reach and which key ranges they lost.
    mutating func reach() {
        for slot in TreeSlot.allCases {
            guard let tree = roots[slot] else {
                damaged[slot] = [DamagedKeyRange(page: .none, lower: nil, upper: nil, reason: "the \(slot.name) tree has no root")]
                continue
            }
            var walk = TreeWalk(tree: tree, reader: reader)
            walk.run { _ in }
            reached.formUnion(walk.reached)
            damaged[slot] = walk.damaged
        }
    }

    /// Walks one tree's readable leaves in key order with each cell's value (nil when it cannot be read).
    func liveEntries<E: Error>(_ slot: TreeSlot, _ body: (PageID, [UInt8], [UInt8]?) throws(E) -> Void) throws(E) {
        guard let tree = roots[slot] else { return }
        var walk = TreeWalk(tree: tree, reader: reader)
        try walk.run { (leaf: WalkedLeaf) throws(E) in
            for cell in leaf.cells {
                try body(leaf.page, cell.key, try? BTree.leafValue(leaf.bytes, page: leaf.page, index: cell.index, in: reader))
            }
        }
    }

    // MARK: Orphan leaves

    /// Classifies every verified leaf no tree reaches and keeps the records that fill lost ranges.
    mutating func scanOrphans() {
        let slotsLost = Set(damaged.filter { !$0.value.isEmpty }.keys)
        guard !slotsLost.isEmpty else { return }
        for (i, page) in goodLeaves.enumerated() where !reached.contains(page) {
            if let progress, i % 256 == 0 { progress("orphans", i, goodLeaves.count) }
            guard let bytes = try? reader.page(page),
                  let cells = try? BTree.leafCells(bytes, page: page, pageCount: reader.pageCount) else { continue }
            var entries: [(key: [UInt8], value: [UInt8])] = []
            for cell in cells {
                guard let v = try? BTree.leafValue(bytes, page: page, index: cell.index, in: reader) else { continue }
                entries.append((cell.key, v))
            }
            let txID = bytes.loadLE(UInt64.self, at: PageHeader.txIDOffset)
            let before = orphanNodes.count + orphanEdges.count + orphanNames.count + orphanCatalog.count
            switch LeafClassifier.classify(entries) {
            case .nodes(let records):
                for (id, r) in records {
                    Self.keep(&orphanNodes, id, OrphanRecord(record: r, txID: txID, page: page),
                              lost: isLost(.nodes, GraphKeys.id(id)), stale: &staleRecordsIgnored)
                }
            case .edges(let records):
                for (id, r) in records {
                    Self.keep(&orphanEdges, id, OrphanRecord(record: r, txID: txID, page: page),
                              lost: isLost(.edges, GraphKeys.id(id)), stale: &staleRecordsIgnored)
                }
            case .names(let kv):
                for (k, v) in kv where isLost(.names, k) { orphanNames.append((k, v, txID)) }
            case .catalog(let kv):
                for (k, v) in kv where isLost(.catalog, k) { orphanCatalog.append((k, v, txID)) }
            case .other:
                continue
            }
            if orphanNodes.count + orphanEdges.count + orphanNames.count + orphanCatalog.count > before { orphanLeavesUsed += 1 }
        }
    }

    private var orphanNames: [(key: [UInt8], value: [UInt8], txID: UInt64)] = []
    private var orphanCatalog: [(key: [UInt8], value: [UInt8], txID: UInt64)] = []

    /// Keeps `found` if its key lies in a lost range and no newer copy is kept (see the file comment).
    private static func keep<R>(_ into: inout [UInt64: OrphanRecord<R>], _ id: UInt64, _ found: OrphanRecord<R>,
                                lost: Bool, stale: inout Int) {
        guard lost else { stale += 1; return }
        if let existing = into[id] {
            stale += 1
            if existing.txID >= found.txID { return }
        }
        into[id] = found
    }

    // MARK: Names and catalog

    /// The name dictionary: live entries, then orphan entries (newest first) for ids still unnamed.
    mutating func readNames() {
        var names: [UInt32: String] = [:]
        var forward: [(String, UInt32)] = []
        func take(_ key: [UInt8], _ value: [UInt8]) {
            if key.first == 0x02, key.count == 5, let n = String(validating: value, as: UTF8.self) {
                let id = key.loadBE(UInt32.self, at: 1)
                if names[id] == nil { names[id] = n }
            } else if key.first == 0x01, let id = GraphKeys.readU32Value(value),
                      let n = String(validating: key.dropFirst(), as: UTF8.self) {
                forward.append((n, id))
            }
        }
        liveEntries(.names) { _, key, value in if let value { take(key, value) } }
        for e in orphanNames.sorted(by: { $0.txID > $1.txID }) { take(e.key, e.value) }
        for (n, id) in forward where names[id] == nil { names[id] = n }
        namesByID = names
    }

    /// Counters and index declarations: live entries, then orphan entries for keys still missing.
    mutating func readCatalog() {
        var declared = Set<[UInt8]>()
        var counters: [String: UInt64] = [:]
        var declarations: [(label: UInt32, key: UInt32)] = []
        func take(_ key: [UInt8], _ value: [UInt8]) {
            if key.first == 0x01, let n = String(validating: key.dropFirst(), as: UTF8.self),
               let c = GraphKeys.readU64Value(value) {
                if counters[n] == nil { counters[n] = c }
            } else if key.first == 0x04, key.count == 9, value.count == 4, declared.insert(key).inserted {
                declarations.append((key.loadBE(UInt32.self, at: 1), key.loadBE(UInt32.self, at: 5)))
            }
        }
        liveEntries(.catalog) { _, key, value in if let value { take(key, value) } }
        for e in orphanCatalog.sorted(by: { $0.txID > $1.txID }) { take(e.key, e.value) }
        self.counters = counters
        indexDeclarations = declarations
    }

    mutating func noteUndecodable() { undecodableRecords += 1 }
}
