// Point operations, limits, value sizes and compression of the B+tree.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree point operations and limits")
struct BTreeBasicTests {
    @Test("an empty tree finds nothing, and put, overwrite, insert, update and remove behave like a map")
    func pointOperations() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        #expect(try tree.get([1], in: store) == nil)
        #expect(try tree.remove([1], in: store) == false)
        try tree.put([1], [10], in: store)
        try tree.put([2], [20], in: store)
        #expect(try tree.get([1], in: store) == [10])
        try tree.put([1], [11, 11], in: store)
        #expect(try tree.get([1], in: store) == [11, 11])
        #expect(try tree.insert([1], [99], in: store) == false)
        #expect(try tree.get([1], in: store) == [11, 11])
        #expect(try tree.insert([3], [30], in: store) == true)
        #expect(try tree.update([4], [40], in: store) == false)
        #expect(try tree.contains([4], in: store) == false)
        #expect(try tree.update([3], [33], in: store) == true)
        #expect(try tree.get([3], in: store) == [33])
        #expect(try tree.remove([2], in: store) == true)
        #expect(try tree.get([2], in: store) == nil)
        #expect(try tree.contains([1], in: store))
        #expect(try tree.get([], in: store) == nil)
        try tree.put([], [7], in: store)
        #expect(try tree.get([], in: store) == [7])
        #expect(tree.verify(in: store).isClean)
    }

    @Test("key limits leave at least four maximal cells per page, and are 999, 2023 and 16359 bytes")
    func keyLimits() {
        #expect(BTree.maxKeyBytes(pageSize: 4096) == 999)
        #expect(BTree.maxKeyBytes(pageSize: 8192) == 2023)
        #expect(BTree.maxKeyBytes(pageSize: 65536) == 16359)
        for pageSize in [4096, 8192, 16384, 32768, 65536] {
            let cell = BTreeLayout.maxCellBytes(pageSize: pageSize) + BTreeLayout.slotSize
            #expect(BTreeLayout.slotArrayOffset + 4 * cell <= pageSize)
            // A key of the maximum size fits both a leaf cell with an overflow pointer and an interior cell.
            let key = BTree.maxKeyBytes(pageSize: pageSize)
            #expect(BTreeLayout.leafCellHeaderSize + key + 8 <= BTreeLayout.maxCellBytes(pageSize: pageSize))
            #expect(BTreeLayout.interiorCellHeaderSize + key <= BTreeLayout.maxCellBytes(pageSize: pageSize))
        }
    }

    @Test("a key one byte over the limit is keyTooLarge and changes nothing; the maximum key works")
    func keyTooLarge() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        let maxKey = BTree.maxKeyBytes(pageSize: store.pageSize)
        let pagesBefore = store.pages
        let counterBefore = store.changeCounter
        #expect(throws: SombraError.keyTooLarge(size: maxKey + 1, max: maxKey)) {
            try tree.put([UInt8](repeating: 7, count: maxKey + 1), [1], in: store)
        }
        #expect(store.pages == pagesBefore)
        #expect(store.changeCounter == counterBefore)
        var random = SeededRandom(seed: 3)
        for i in 0..<40 {
            var key = random.randomBytes(maxKey)
            key[0] = UInt8(i)
            let value = random.randomBytes(i * 150)
            try tree.put(key, value, in: store)
            #expect(try tree.get(key, in: store) == value)
        }
        let report = tree.verify(in: store, checkValues: true)
        #expect(report.isClean, "\(report.findings)")
        #expect(report.entryCount == 40)
    }

    @Test("values of 0 bytes, the inline limit, one more, several pages and exactly maxValueBytes round-trip")
    func valueSizes() throws {
        for pageSize in [4096, 8192] {
            let store = MemoryPageStore(pageSize: pageSize)
            let tree = try BTree.create(in: store)
            var random = SeededRandom(seed: 11)
            let key: [UInt8] = Array("value-size".utf8)
            let inline = BTree.maxInlineValueBytes(keyBytes: key.count, pageSize: pageSize)
            let sizes = [0, 1, inline - 1, inline, inline + 1, 3 * pageSize + 17, 40 * pageSize, BTree.maxValueBytes]
            for size in sizes {
                let value = random.randomBytes(size)
                let livePages = store.livePageCount
                try tree.put(key, value, in: store)
                #expect(try tree.get(key, in: store) == value, "size \(size) page size \(pageSize)")
                let overflowPages = store.livePageCount - livePages
                if size <= inline {
                    #expect(overflowPages <= 0, "size \(size) should be inline")
                }
                let report = tree.verify(in: store, checkValues: true)
                #expect(report.isClean, "\(report.findings)")
                #expect(report.pagesUsed.count == store.livePageCount)
            }
            // The inline limit is exact: one byte more needs exactly one overflow page.
            try tree.put(key, random.randomBytes(inline), in: store)
            let inlinePages = store.livePageCount
            try tree.put(key, random.randomBytes(inline + 1), in: store)
            #expect(store.livePageCount == inlinePages + 1)
        }
    }

    @Test("maxValueBytes + 1 is valueTooLarge, thrown before any page changes")
    func valueTooLarge() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        try tree.put([1], [1, 2, 3], in: store)
        let pagesBefore = store.pages
        let counterBefore = store.changeCounter
        let pageCountBefore = store.pageCount
        let tooLarge = [UInt8](repeating: 0, count: BTree.maxValueBytes + 1)
        #expect(throws: SombraError.valueTooLarge(size: BTree.maxValueBytes + 1, max: BTree.maxValueBytes)) {
            try tree.put([1], tooLarge, in: store)
        }
        #expect(throws: SombraError.valueTooLarge(size: BTree.maxValueBytes + 1, max: BTree.maxValueBytes)) {
            try tree.put([2], tooLarge, in: store)
        }
        #expect(store.pages == pagesBefore)
        #expect(store.changeCounter == counterBefore)
        #expect(store.pageCount == pageCountBefore)
        #expect(try tree.get([1], in: store) == [1, 2, 3])
    }

    @Test("compressible values above the threshold are stored compressed and come back intact")
    func compression() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        var random = SeededRandom(seed: 5)
        // 3000 compressible bytes shrink below the inline limit: no overflow page is used.
        let small = random.compressibleBytes(3000)
        try tree.put([1], small, in: store)
        #expect(store.livePageCount == 1)
        #expect(try tree.get([1], in: store) == small)
        // 1 MiB compressible needs far fewer pages than 1 MiB / 4 KiB.
        let big = random.compressibleBytes(1 << 20)
        try tree.put([2], big, in: store)
        #expect(store.livePageCount < 10)
        #expect(try tree.get([2], in: store) == big)
        // At the threshold nothing is compressed: 1024 compressible bytes need an overflow page.
        try tree.put([3], random.compressibleBytes(BTree.compressionThresholdBytes), in: store)
        #expect(store.livePageCount >= 3)
        let leaf = try store.btreeNode(tree.root)
        let flags = try (0..<3).map { i throws(SombraError) in try leaf.leafCell(at: i).flags }
        // The first value is compressed to under 256 bytes and inline, so its cell is in the short form.
        #expect(flags == [BTreeLayout.flagCompressed | BTreeLayout.flagShort, BTreeLayout.flagCompressed | BTreeLayout.flagOverflow,
                          BTreeLayout.flagOverflow])
        #expect(tree.verify(in: store, checkValues: true).isClean)
    }

    @Test("the root page never moves through splits and merges, and deleting everything leaves one empty root leaf")
    func rootStays() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        let root = tree.root
        // Long common prefixes make long separators, so the tree grows three levels deep.
        func key(_ i: Int) -> [UInt8] { [UInt8](repeating: 0xAB, count: 100) + numberKey(i) }
        for i in 0..<3000 { try tree.put(key(i), [UInt8](repeating: UInt8(i & 255), count: 40), in: store) }
        let full = tree.verify(in: store)
        #expect(full.isClean)
        #expect(full.depth >= 3)
        #expect(try store.btreeNode(root).isLeaf == false)
        for i in stride(from: 0, to: 3000, by: 2) { #expect(try tree.remove(key(i), in: store)) }
        #expect(tree.verify(in: store).isClean)
        for i in stride(from: 1, to: 3000, by: 2) { #expect(try tree.remove(key(i), in: store)) }
        let view = try store.btreeNode(root)
        #expect(view.isLeaf && view.cellCount == 0)
        #expect(store.livePageCount == 1)
    }

    @Test("64 KiB pages work with cells filling the page (content offsets up to the page size)")
    func largePages() throws {
        let store = MemoryPageStore(pageSize: 65536)
        let tree = try BTree.create(in: store)
        let maxKey = BTree.maxKeyBytes(pageSize: 65536)
        var random = SeededRandom(seed: 9)
        var model: [[UInt8]: [UInt8]] = [:]
        for i in 0..<60 {
            var key = random.randomBytes(i % 3 == 0 ? maxKey : 100)
            key[0] = UInt8(i)
            let value = random.randomBytes(i % 2 == 0 ? 30_000 : 5)
            try tree.put(key, value, in: store)
            model[key] = value
        }
        for (key, value) in model { #expect(try tree.get(key, in: store) == value) }
        let report = tree.verify(in: store, checkValues: true)
        #expect(report.isClean, "\(report.findings)")
        for key in model.keys { try tree.remove(key, in: store) }
        #expect(store.livePageCount == 1)
    }

    @Test("page bytes match Docs/FORMAT.md: header offsets, slot, leaf cell, interior cell and overflow page")
    func goldenBytes() throws {
        #expect([BTreeLayout.cellCountOffset, BTreeLayout.fragmentedOffset, BTreeLayout.contentStartOffset,
                 BTreeLayout.rightChildOffset, BTreeLayout.slotArrayOffset] == [16, 18, 20, 24, 32])
        #expect([OverflowChain.nextOffset, OverflowChain.usedOffset, OverflowChain.dataOffset] == [16, 24, 28])
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        try tree.put([0x61], [0x62, 0x63], in: store)
        let leaf = try store.page(tree.root)
        #expect(leaf[4] == PageKind.btreeLeaf.rawValue)
        // A short leaf cell (FORMAT.md's example): 04 01 02 61 62 63, six bytes at the end of the page.
        #expect(Array(leaf[16..<34]) == [1, 0, 0, 0, 0xFA, 0x0F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFA, 0x0F])
        #expect(Array(leaf[4090..<4096]) == [0x04, 1, 2, 0x61, 0x62, 0x63])
        // An overflow value: flags 1, value length = stored length, then the first overflow page.
        var random = SeededRandom(seed: 1)
        let big = random.randomBytes(5000)
        try tree.put([0x62], big, in: store)
        let leaf2 = try store.btreeNode(tree.root)
        let cell = try leaf2.cellBytes(1)
        #expect(Array(cell[0..<8]) == [1, 1, 0, 0x88, 0x13, 0, 0, 0x62])
        let first = cell[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let overflow = try store.page(PageID(first))
        #expect(overflow[4] == PageKind.overflow.rawValue)
        #expect(overflow.loadLE(UInt32.self, at: 24) == 4068)
        #expect(Array(overflow[28..<(28 + 4068)]) == Array(big[0..<4068]))
        // Interior cell: child u64, key length u16, key.
        #expect(BTreeLayout.interiorCell(child: PageID(0x0102), key: [0xAA][...]) == [2, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0xAA])
    }

    @Test("a read view does not see later writes, a writer-backed lookup does")
    func readViews() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        try tree.put([1], [1], in: store)
        let view = store.readView()
        try tree.put([1], [2], in: store)
        try tree.put([2], [2], in: store)
        #expect(try tree.get([1], in: view) == [1])
        #expect(try tree.get([2], in: view) == nil)
        #expect(try tree.get([1], in: store) == [2])
    }
}
