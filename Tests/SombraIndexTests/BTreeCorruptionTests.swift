// Corrupt pages: every damaged byte is a typed `.corruptPage` naming a page, or a verify finding; no traps.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree on corrupt pages")
struct BTreeCorruptionTests {
    /// A committed tree at least three levels deep, with overflow and compressed values; returns its keys.
    func sampleTree(_ store: MemoryPageStore, count: Int = 2000) throws -> (BTree, [[UInt8]]) {
        let tree = try BTree.create(in: store)
        var random = SeededRandom(seed: 77)
        var keys: [[UInt8]] = []
        for i in 0..<count {
            let key = [UInt8](repeating: 0x5A, count: 60) + numberKey(i)
            let size = i % 50 == 0 ? 6000 : i % 23 == 0 ? 1500 : 30
            try tree.put(key, i % 2 == 0 ? random.randomBytes(size) : random.compressibleBytes(size), in: store)
            keys.append(key)
        }
        return (tree, keys)
    }

    func expectCorrupt(_ page: PageID, _ reasonPart: String = "", _ body: () throws -> Void,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected corruption of page \(page.rawValue)", sourceLocation: sourceLocation)
        } catch {
            guard case .corruptPage(let named, let reason)? = error as? SombraError else {
                Issue.record("expected .corruptPage, got \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(named == page.rawValue, "\(reason)", sourceLocation: sourceLocation)
            #expect(reasonPart.isEmpty || reason.contains(reasonPart), "\(reason)", sourceLocation: sourceLocation)
        }
    }

    /// Writes `body`'s change into a page without any check.
    func patch(_ store: MemoryPageStore, _ page: PageID, _ body: (inout [UInt8]) -> Void) throws {
        var bytes = try store.page(page)
        body(&bytes)
        store.overwrite(page, bytes)
    }

    @Test("a leaf of random bytes, a bad slot offset and an impossible header each name the damaged page")
    func damagedLeaf() throws {
        let store = MemoryPageStore()
        let (tree, keys) = try sampleTree(store)
        let leaf = try tree.findLeaf(keys[0], in: store)
        var random = SeededRandom(seed: 1)
        try patch(store, leaf.page) { bytes in
            bytes = random.randomBytes(store.pageSize)
            bytes[PageHeader.kindOffset] = PageKind.btreeLeaf.rawValue
        }
        expectCorrupt(leaf.page) { _ = try tree.get(keys[0], in: store) }
        store.overwrite(leaf.page, leaf.bytes)
        try patch(store, leaf.page) { $0.storeLE(UInt16(0xFFF0), at: BTreeLayout.slotArrayOffset + 2) }
        expectCorrupt(leaf.page, "slot 1") { _ = try tree.get(keys[1], in: store) }
        expectCorrupt(leaf.page, "slot 1") { _ = try SombraIndexTests.keys(tree, .all, in: store) }
        expectCorrupt(leaf.page, "slot 1") { _ = try tree.put(keys[1], [1], in: store) }
        store.overwrite(leaf.page, leaf.bytes)
        try patch(store, leaf.page) { $0.storeLE(UInt16(3000), at: BTreeLayout.cellCountOffset) }
        expectCorrupt(leaf.page, "cell count") { _ = try tree.get(keys[0], in: store) }
        store.overwrite(leaf.page, leaf.bytes)
        try patch(store, leaf.page) { $0[PageHeader.kindOffset] = PageKind.overflow.rawValue }
        expectCorrupt(leaf.page, "expected a B-tree page") { _ = try tree.get(keys[0], in: store) }
        let report = tree.verify(in: store)
        #expect(report.findings.contains { $0.page == leaf.page && $0.findingClass == .pageFormat })
    }

    @Test("a child pointer to an ancestor is reported as a cycle naming the page that holds it")
    func cycle() throws {
        let store = MemoryPageStore()
        let (tree, keys) = try sampleTree(store)
        let root = try store.btreeNode(tree.root)
        let middle = try store.btreeNode(root.child(at: 0))
        #expect(!middle.isLeaf)
        let offset = try middle.cellOffset(0)
        try patch(store, middle.page) { $0.storeLE(tree.root.rawValue, at: offset) }
        expectCorrupt(middle.page, "cycle") { _ = try tree.get(keys[0], in: store) }
        expectCorrupt(middle.page, "cycle") { _ = try tree.remove(keys[0], in: store) }
        expectCorrupt(middle.page, "cycle") { _ = try tree.count(.all, in: store) }
        expectCorrupt(middle.page, "cycle") { try BTreeCursor(tree: tree, reader: store).seekFirst() }
        expectCorrupt(middle.page, "cycle") { try tree.drop(in: store) }
        let report = tree.verify(in: store)
        #expect(report.findings.contains { $0.page == middle.page && $0.findingClass == .cycle })
        #expect(report.findings.contains { $0.findingClass == .keyBounds || $0.findingClass == .depth || $0.findingClass == .cycle })
    }

    @Test("a chain of 70 interior pages stops at the depth cap instead of descending forever")
    func depthOverflow() throws {
        let store = MemoryPageStore()
        let leaf = try store.allocate(.btreeLeaf)
        try NodeCells(isLeaf: true, cells: [BTreeLayout.leafCell(key: [1], stored: StoredValue(bytes: [2], compressed: false), overflowPage: nil)])
            .store(to: leaf, in: store)
        var child = leaf
        for _ in 0..<70 {
            let page = try store.allocate(.btreeInterior)
            try NodeCells(isLeaf: false, cells: [], rightChild: child).store(to: page, in: store)
            child = page
        }
        let tree = BTree(root: child)
        #expect(throws: SombraError.self) { _ = try tree.get([1], in: store) }
        do throws(SombraError) {
            _ = try tree.get([1], in: store)
        } catch {
            guard case .corruptPage(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("deeper than 64"))
        }
        #expect(throws: SombraError.self) { try BTreeCursor(tree: tree, reader: store).seekLast() }
        #expect(throws: SombraError.self) { try tree.put([3], [3], in: store) }
        let report = tree.verify(in: store)
        #expect(report.findings.contains { $0.findingClass == .depth })
    }

    @Test("broken overflow chains (short, looping, mis-sized, pointing out of the file) are corruption")
    func overflowChains() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        var random = SeededRandom(seed: 2)
        try tree.put([1], random.randomBytes(3 * 4068 + 10), in: store)
        store.commit()
        let leaf = try store.btreeNode(tree.root)
        let cell = try leaf.leafCell(at: 0)
        let first = cell.overflowPage
        let second = PageID(try store.page(first).loadLE(UInt64.self, at: OverflowChain.nextOffset))
        let pristine = store.pages
        func reset() { for (id, bytes) in pristine { store.overwrite(PageID(id), bytes) } }

        try patch(store, second) { $0.storeLE(second.rawValue, at: OverflowChain.nextOffset) }   // loops on itself
        expectCorrupt(second) { _ = try tree.get([1], in: store) }
        reset()
        try patch(store, second) { $0.storeLE(UInt64(0), at: OverflowChain.nextOffset) }         // ends early
        expectCorrupt(second, "early") { _ = try tree.get([1], in: store) }
        reset()
        try patch(store, first) { $0.storeLE(UInt32(100), at: OverflowChain.usedOffset) }       // wrong size
        expectCorrupt(first, "holds 100 bytes") { _ = try tree.get([1], in: store) }
        reset()
        try patch(store, first) { $0.storeLE(UInt64(9999), at: OverflowChain.nextOffset) }      // out of the file
        expectCorrupt(first, "out of range") { _ = try tree.get([1], in: store) }
        reset()
        try patch(store, tree.root) { $0.storeLE(UInt32(BTree.maxValueBytes), at: cell.offset + 3) } // huge length
        expectCorrupt(tree.root, "cannot fit the file") { _ = try tree.get([1], in: store) }
        expectCorrupt(tree.root, "cannot fit the file") { _ = try tree.remove([1], in: store) }
        #expect(tree.verify(in: store).findings.contains { $0.page == tree.root && $0.findingClass == .overflowChain })
        reset()
        try patch(store, first) { $0[PageHeader.kindOffset] = PageKind.btreeLeaf.rawValue }     // not an overflow page
        expectCorrupt(first, "expected an overflow page") { _ = try tree.get([1], in: store) }
        reset()
        #expect(tree.verify(in: store, checkValues: true).isClean)
    }

    @Test("a compressed value claiming more than maxValueBytes or deflate's ratio allows, or inflating to another length, is corruption")
    func compressedValues() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        var random = SeededRandom(seed: 3)
        let value = random.compressibleBytes(5000)
        try tree.put([1], value, in: store)
        let leaf = try store.btreeNode(tree.root)
        let cell = try leaf.leafCell(at: 0)
        #expect(cell.isCompressed && !cell.isOverflow)
        try patch(store, tree.root) { $0.storeLE(UInt32(BTree.maxValueBytes + 1), at: cell.payloadStart) }
        expectCorrupt(tree.root, "claims") { _ = try tree.get([1], in: store) }
        #expect(tree.verify(in: store).findings.contains { $0.findingClass == .overflowChain })
        // A claim within maxValueBytes but beyond deflate's 1032:1 ratio is refused before allocating.
        try patch(store, tree.root) { $0.storeLE(UInt32(BTree.maxValueBytes), at: cell.payloadStart) }
        expectCorrupt(tree.root, "claims") { _ = try tree.get([1], in: store) }
        try patch(store, tree.root) { $0.storeLE(UInt32(4999), at: cell.payloadStart) }
        expectCorrupt(tree.root, "inflate") { _ = try tree.get([1], in: store) }
        try patch(store, tree.root) { $0.storeLE(UInt32(5000), at: cell.payloadStart) }
        #expect(try tree.get([1], in: store) == value)
        try patch(store, tree.root) { $0[cell.payloadStart + 6] ^= 0x55 }
        expectCorrupt(tree.root) { _ = try tree.get([1], in: store) }
    }

    @Test("seeded random mutations of valid pages never trap: every operation succeeds or throws a typed error")
    func fuzzPageDecoders() throws {
        let seed: UInt64 = 7
        let store = MemoryPageStore()
        let (tree, keys) = try sampleTree(store, count: 400)
        store.commit()
        let pages = tree.verify(in: store).pagesUsed.sorted()
        var random = SeededRandom(seed: seed)
        var errors = 0
        var findings = 0
        var misnamed: [String] = []
        let iterations = 1500
        for _ in 0..<iterations {
            store.begin()
            let page = pages[random.below(pages.count)]
            try patch(store, page) { bytes in mutate(&bytes, &random) }
            var failed = false
            func attempt(_ body: () throws -> Void) {
                do {
                    try body()
                } catch let error as SombraError {
                    failed = true
                    if let named = error.corruptPageNumber, named == 0 || named >= store.pageCount {
                        misnamed.append("\(error)")
                    }
                } catch {
                    misnamed.append("untyped \(error)")
                }
            }
            for _ in 0..<4 { attempt { _ = try tree.get(keys[random.below(keys.count)], in: store) } }
            attempt { _ = try allEntries(tree, in: store) }
            attempt { _ = try SombraIndexTests.keys(tree, .all, reverse: true, in: store) }
            attempt { _ = try tree.count(.prefix([0x5A]), in: store) }
            let report = tree.verify(in: store, checkValues: random.chance(20))
            findings += report.findings.count
            attempt { try tree.put(keys[random.below(keys.count)], random.randomBytes(random.below(3000)), in: store) }
            attempt { _ = try tree.remove(keys[random.below(keys.count)], in: store) }
            attempt { try tree.put([0x5A, 0x01], [1], in: store) }
            if random.chance(10) { attempt { try tree.drop(in: store) } }
            if failed { errors += 1 }
            store.rollback()
        }
        print("btree-fuzz: iterations: \(iterations) iterations-with-errors: \(errors) verify-findings: \(findings) misnamed: \(misnamed.count) seed: \(seed)")
        #expect(misnamed.isEmpty, "seed \(seed): \(misnamed.prefix(3))")
        #expect(errors > iterations / 4)
        #expect(tree.verify(in: store, checkValues: true).isClean)
    }

    /// One seeded mutation: flipped bytes, a random header/slot field, a random pointer, or a random page.
    func mutate(_ bytes: inout [UInt8], _ random: inout SeededRandom) {
        let size = bytes.count
        switch random.below(5) {
        case 0:
            for _ in 0..<(1 + random.below(4)) { bytes[4 + random.below(size - 4)] ^= UInt8(1 + random.below(255)) }
        case 1:
            let offset = 16 + random.below(48) * 2
            bytes.storeLE(UInt16(truncatingIfNeeded: random.next()), at: offset)
        case 2:
            let offset = 16 + random.below(size - 24)
            bytes.storeLE(UInt64(random.below(80)), at: offset)
        case 3:
            let start = 32 + random.below(size - 64)
            for i in start..<min(size, start + 1 + random.below(64)) { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
        default:
            let kind = bytes[PageHeader.kindOffset]
            bytes = random.randomBytes(size)
            bytes[PageHeader.kindOffset] = kind
        }
    }
}
