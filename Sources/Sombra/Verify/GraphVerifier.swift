// GraphVerifier: checks a whole database at one snapshot and reports every problem it finds.
// Layer: graph facade (Sombra). Entry points: `GraphDB.verify()` and `ReadTransaction.verify()`.
//
// Phases, in order (each finding names its page, class and a message; see VerifyReport):
//   1. header   both copies of page 0 decode and agree;
//   2. pages    every page 1..<pageCount: present in full, checksum, kind byte;
//   3. trees    every registered B+tree: layout, key order and bounds, depth, cycles, overflow chains
//               (BTree.verify), and no page used by two trees;
//   4. free     the free list: links in range, no cycle, only free pages, length = the header's count;
//   5. pages    every page reachable exactly once from a tree or the free list;
//   6. records  records decode; labels, property indexes and adjacency agree with the records; edge
//               endpoints exist; stored counts and id counters agree (RecordChecks.swift).
//
// Invariants:
//  1. Verification never throws, traps or loops on any file content: every walk is bounded by the pages
//     on disk (PresentPages) or by the pages it reaches (BTree.verify, TreeWalk, the free-list walk), never
//     by a count read from the header alone, and every decode validates before use.
//  2. A damaged page is reported once, under checksum, page-kind or missing-page; the tree findings it
//     causes on itself are not repeated, but what it hides (unreachable pages) is still reported.
//  3. The verifier only reads: it never writes, caches a damaged page, or changes the pager's state.
import SombraFormat
import SombraIndex
import SombraStorage

extension GraphDB {
    /// Verifies the database at the newest committed snapshot, and the log beside it.
    public func verify(progress: ((VerifyProgress) -> Void)? = nil) throws(SombraError) -> VerifyReport {
        let tx = try beginRead()
        defer { tx.end() }
        var report = tx.verify(progress: progress)
        LogCheck(pager: pager).run(into: &report)
        return report
    }
}

extension ReadTransaction {
    /// Verifies the database as this transaction sees it (the log file itself is not examined).
    public func verify(progress: ((VerifyProgress) -> Void)? = nil) -> VerifyReport {
        verify(inMemoryRecordsMax: RecordChecks.inMemoryRecordsDefault, progress: progress)
    }

    /// Verifies with a chosen limit for in-memory cross-checks (0 forces point lookups; tests use both).
    package func verify(inMemoryRecordsMax: Int, progress: ((VerifyProgress) -> Void)? = nil) -> VerifyReport {
        let verifier = GraphVerifier(pager: db.pager, reader: pageTx, progress: progress)
        verifier.inMemoryRecordsMax = inMemoryRecordsMax
        return verifier.run()
    }
}

final class GraphVerifier {
    let pager: Pager
    let reader: PageReadTransaction
    let snapshot: Snapshot
    let progress: ((VerifyProgress) -> Void)?
    var report = VerifyReport()
    /// Kind byte of each page whose bytes verified (absent for page 0 and for damaged pages).
    var pageKinds: [UInt64: UInt8] = [:]
    /// Set when some pages inside the page count exist neither in the file nor in the log.
    var missingPages: PresentPages? = nil
    /// Pages reported as damaged in phase 2.
    var damagedPages: Set<UInt64> = []
    /// Which tree slot uses each tree or overflow page.
    var treeOwner: [UInt64: TreeSlot] = [:]
    var freePages: Set<UInt64> = []
    var inMemoryRecordsMax = RecordChecks.inMemoryRecordsDefault

    init(pager: Pager, reader: PageReadTransaction, progress: ((VerifyProgress) -> Void)?) {
        self.pager = pager
        self.reader = reader
        self.snapshot = reader.snapshot
        self.progress = progress
    }

    var pageCount: UInt64 { snapshot.header.pageCount }

    func run() -> VerifyReport {
        report.pageSize = pager.pageSize
        report.pageCount = pageCount
        checkHeader()
        checkPages()
        let trees = checkTrees()
        checkFreeList()
        checkReachability()
        if let trees {
            var checks = RecordChecks(trees: trees, reader: reader, progress: progress)
            checks.inMemoryRecordsMax = inMemoryRecordsMax
            checks.run(into: &report)
        }
        return report
    }

    func add(_ c: VerifyClass, _ page: UInt64?, _ message: String, _ severity: VerifyFinding.Severity = .error) {
        report.add(c, page: page, message, severity: severity)
    }

    func tick(_ phase: String, _ done: Int, _ total: Int) {
        guard let progress, done % 256 == 0 || done == total else { return }
        progress(VerifyProgress(phase: phase, done: done, total: total))
    }

    // MARK: 1. Header

    func checkHeader() {
        let bytes: [UInt8]
        do throws(SombraError) {
            bytes = try pager.rawPage(.header, snapshot: snapshot).bytes
        } catch {
            return add(.header, 0, "page 0 cannot be read: \(error)")
        }
        let size = pager.pageSize
        var copies: [FileHeader] = []
        for (name, offset) in zip(["A", "B"], FileHeader.copyOffsets(pageSize: size)) {
            do throws(SombraError) {
                copies.append(try FileHeader.decodeCopy(bytes, at: offset))
            } catch {
                add(.header, 0, "header copy \(name) at offset \(offset) is damaged (\(error)); the other copy is in use",
                    .warning)
            }
        }
        if copies.count == 2, copies[0] != copies[1] {
            add(.header, 0, "the two header copies differ (transactions \(copies[0].lastTxID.rawValue) and \(copies[1].lastTxID.rawValue)); the newer is in use", .warning)
        }
        if let h = copies.first, h.pageCount != snapshot.header.pageCount, snapshot.frameLimit == 0 {
            add(.header, 0, "header copy in page 0 says \(h.pageCount) pages, the snapshot \(snapshot.header.pageCount)")
        }
    }

    // MARK: 2. Pages

    func checkPages() {
        let present = PresentPages(pager: pager, snapshot: snapshot)
        let total = Int(clamping: present.presentCount)
        var done = 0
        present.forEach { page in
            done += 1
            report.pagesChecked += 1
            tick("pages", done, total)
            checkPage(page)
        }
        if let range = present.missingRange {
            missingPages = present
            add(.missingPage, range.lowerBound, "\(present.missingCount) page(s) from \(range.lowerBound) to \(range.upperBound) are inside the page count (\(pageCount)) but neither in the file nor in the log")
        }
    }

    func checkPage(_ page: UInt64) {
        let bytes: [UInt8]
        let source: PageSource
        do throws(SombraError) {
            (bytes, source) = try pager.rawPage(PageID(page), snapshot: snapshot)
        } catch {
            damagedPages.insert(page)
            return add(.missingPage, page, "cannot be read: \(error)")
        }
        guard bytes.count == pager.pageSize else {
            damagedPages.insert(page)
            return add(.missingPage, page, "the \(source) ends \(bytes.count) bytes into this page")
        }
        let stored = bytes.loadLE(UInt32.self, at: PageHeader.checksumOffset)
        let computed = PageHeader.computeChecksum(bytes, page: PageID(page))
        guard stored == computed else {
            damagedPages.insert(page)
            return add(.checksum, page, "stored checksum \(hex32(stored)) but the bytes give \(hex32(computed)) (read from the \(source))")
        }
        let kind = bytes[PageHeader.kindOffset]
        guard let k = PageKind(rawValue: kind), k != .fileHeader else {
            damagedPages.insert(page)
            return add(.pageKind, page, "invalid page kind \(kind)")
        }
        pageKinds[page] = k.rawValue
    }

    /// True for a page already reported as damaged or missing (phase 2).
    func isDamaged(_ page: UInt64) -> Bool {
        if damagedPages.contains(page) { return true }
        guard let m = missingPages, page < m.pageCount, page >= m.filePages else { return false }
        return !m.logOnlyPages.contains(page)
    }

    func kindName(_ page: UInt64) -> String {
        guard let raw = pageKinds[page], let k = PageKind(rawValue: raw) else { return "damaged" }
        return k.description
    }

    // MARK: 3. Trees

    func checkTrees() -> GraphTrees? {
        let roots = snapshot.header.roots
        let registered = TreeSlot.allCases.filter { roots[$0.rawValue] != .none }
        if registered.isEmpty {
            if pageCount > 1 { add(.header, 0, "no graph trees are registered, yet the file has \(pageCount) pages") }
            return nil
        }
        if registered.count < TreeSlot.allCases.count {
            let missing = TreeSlot.allCases.filter { roots[$0.rawValue] == .none }.map(\.name)
            add(.header, 0, "tree roots missing from the header: \(missing.joined(separator: ", "))")
        }
        for (i, slot) in registered.enumerated() {
            tick("trees", i, registered.count)
            let tree = BTree(root: roots[slot.rawValue])
            let r = tree.verify(in: reader)
            for f in r.findings { addTreeFinding(f, slot) }
            if r.findingsTruncated { add(.btreeStructure, tree.root.rawValue, "the \(slot.name) tree has more problems than were listed") }
            for page in r.pagesUsed.sorted() {
                if let other = treeOwner[page.rawValue], other != slot {
                    add(.pageUsedTwice, page.rawValue, "page is used by both the \(other.name) and the \(slot.name) trees")
                } else {
                    treeOwner[page.rawValue] = slot
                }
            }
        }
        report.treePages = treeOwner.count
        return GraphTrees(header: snapshot.header)
    }

    func addTreeFinding(_ f: BTreeVerifyReport.Finding, _ slot: TreeSlot) {
        let page = f.page.rawValue
        let message = "\(slot.name) tree: \(f.message)"
        switch f.findingClass {
        case .cycle: add(.btreeCycle, page, message)
        case .sharedPage: add(.pageUsedTwice, page, message)
        case .keyOrder, .keyBounds:
            if !isDamaged(page) { add(.btreeOrder, page, message) }
        case .unreadable, .pageFormat, .fill, .depth, .overflowChain:
            if isDamaged(page) { return }   // reported in phase 2 (invariant 2)
            if let kind = pageKinds[page] {
                let expected: Set<UInt8> = f.findingClass == .overflowChain
                    ? [PageKind.overflow.rawValue, PageKind.btreeLeaf.rawValue]
                    : [PageKind.btreeLeaf.rawValue, PageKind.btreeInterior.rawValue]
                if !expected.contains(kind) {
                    return add(.pageKind, page, "\(slot.name) tree reaches a page of kind \(kindName(page)): \(f.message)")
                }
            }
            add(f.findingClass == .overflowChain ? .overflowChain : .btreeStructure, page, message)
        }
    }

    // MARK: 4. Free list

    func checkFreeList() {
        let header = snapshot.header
        var page = header.freeListHead.rawValue
        var count: UInt64 = 0
        var previous: UInt64 = 0
        while page != 0 {
            guard page < pageCount else {
                add(.freeList, previous, "free list link \(page) is past the end of the database (\(pageCount) pages)")
                break
            }
            guard freePages.insert(page).inserted else {
                add(.freeList, previous, "free list links back to page \(page) (a cycle)")
                break
            }
            count += 1
            if let owner = treeOwner[page] {
                add(.pageUsedTwice, page, "page is on the free list and used by the \(owner.name) tree")
            }
            if isDamaged(page) {
                add(.freeList, page, "free list runs into a damaged page; the rest of the list is unknown")
                break
            }
            guard pageKinds[page] == PageKind.free.rawValue else {
                add(.freeList, page, "free list holds a page of kind \(kindName(page))")
                break
            }
            let bytes: [UInt8]
            do throws(SombraError) {
                bytes = try reader.page(PageID(page))
            } catch {
                add(.freeList, page, "free page cannot be read: \(error)")
                break
            }
            previous = page
            page = bytes.loadLE(UInt64.self, at: FreePage.nextOffset)
        }
        report.freePages = freePages.count
        if count != header.freePageCount, !report.countsByClass.keys.contains(.freeList) {
            add(.freeList, 0, "the header counts \(header.freePageCount) free pages, the list holds \(count)")
        }
    }

    // MARK: 5. Reachability

    func checkReachability() {
        PresentPages(pager: pager, snapshot: snapshot).forEach { page in
            if treeOwner[page] != nil || freePages.contains(page) || isDamaged(page) { return }
            if pageKinds[page] == PageKind.free.rawValue {
                add(.unreachablePage, page, "free page is not on the free list (leaked)")
            } else {
                add(.unreachablePage, page, "\(kindName(page)) page is reachable from no tree and not on the free list")
            }
        }
    }
}

func hex32(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
