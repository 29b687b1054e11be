// Cursors, scans, prefix ranges and counts.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree cursors and scans")
struct BTreeCursorTests {
    /// A tree of keys 0, 2, 4, …, 2(n-1) (as big-endian numbers), values "v<n>", several levels deep.
    func evenTree(_ n: Int, store: MemoryPageStore) throws -> BTree {
        let tree = try BTree.create(in: store)
        for i in 0..<n { try tree.put(numberKey(2 * i), Array("v\(2 * i)".utf8) + [UInt8](repeating: 1, count: 60), in: store) }
        return tree
    }

    @Test("seek finds the first key at or after the target, seekLastBeforeOrAt the last at or before")
    func seeks() throws {
        let store = MemoryPageStore()
        let tree = try evenTree(2000, store: store)
        #expect(tree.verify(in: store).depth >= 2)
        let cursor = BTreeCursor(tree: tree, reader: store)
        for target in [0, 1, 2, 501, 1000, 3997, 3998] {
            try cursor.seek(numberKey(target))
            #expect(cursor.isValid && cursor.key == numberKey((target + 1) / 2 * 2))
            try cursor.seekLastBeforeOrAt(numberKey(target))
            #expect(cursor.isValid && cursor.key == numberKey(target / 2 * 2))
        }
        try cursor.seek(numberKey(3999))
        #expect(!cursor.isValid)
        try cursor.seekLastBeforeOrAt([0])   // shorter than every key: sorts first
        #expect(!cursor.isValid)
        try cursor.seekFirst()
        #expect(cursor.key == numberKey(0))
        try cursor.previous()
        #expect(!cursor.isValid)
        try cursor.seekLast()
        #expect(cursor.key == numberKey(3998))
        #expect(try cursor.value().starts(with: Array("v3998".utf8)))
        try cursor.next()
        #expect(!cursor.isValid)
        #expect(throws: SombraError.self) { try cursor.value() }
    }

    @Test("walking forward and backward across every leaf visits each key once in order")
    func fullWalks() throws {
        let store = MemoryPageStore()
        let tree = try evenTree(3000, store: store)
        let cursor = BTreeCursor(tree: tree, reader: store)
        var expected = 0
        try cursor.seekFirst()
        while cursor.isValid {
            #expect(cursor.key == numberKey(expected))
            expected += 2
            try cursor.next()
        }
        #expect(expected == 6000)
        try cursor.seekLast()
        while cursor.isValid {
            expected -= 2
            #expect(cursor.key == numberKey(expected))
            try cursor.previous()
        }
        #expect(expected == 0)
    }

    @Test("an empty tree has no first, last or seek position, and scans and counts yield nothing")
    func emptyTree() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        let cursor = BTreeCursor(tree: tree, reader: store)
        try cursor.seekFirst()
        #expect(!cursor.isValid)
        try cursor.seekLast()
        #expect(!cursor.isValid)
        try cursor.seek([1])
        #expect(!cursor.isValid)
        #expect(try keys(tree, .all, in: store).isEmpty)
        #expect(try keys(tree, .all, reverse: true, in: store).isEmpty)
        #expect(try tree.count(.all, in: store) == 0)
    }

    @Test("bounded scans honour included, excluded and open bounds in both directions")
    func boundedScans() throws {
        let store = MemoryPageStore()
        let tree = try evenTree(500, store: store)
        func numbers(_ range: KeyRange, reverse: Bool = false) throws -> [Int] {
            try keys(tree, range, reverse: reverse, in: store).map { Int($0.loadBE(UInt64.self, at: 0)) }
        }
        let r1 = KeyRange(lower: .included(numberKey(10)), upper: .excluded(numberKey(20)))
        #expect(try numbers(r1) == [10, 12, 14, 16, 18])
        #expect(try numbers(r1, reverse: true) == [18, 16, 14, 12, 10])
        let r2 = KeyRange(lower: .excluded(numberKey(10)), upper: .included(numberKey(20)))
        #expect(try numbers(r2) == [12, 14, 16, 18, 20])
        #expect(try numbers(r2, reverse: true) == [20, 18, 16, 14, 12])
        let r3 = KeyRange(lower: .excluded(numberKey(11)), upper: .included(numberKey(19)))
        #expect(try numbers(r3) == [12, 14, 16, 18])
        #expect(try numbers(r3, reverse: true) == [18, 16, 14, 12])
        let r4 = KeyRange(lower: .included(numberKey(994)), upper: .unbounded)
        #expect(try numbers(r4) == [994, 996, 998])
        #expect(try numbers(KeyRange(lower: .unbounded, upper: .excluded(numberKey(4))), reverse: true) == [2, 0])
        let empty = KeyRange(lower: .included(numberKey(20)), upper: .excluded(numberKey(20)))
        #expect(try numbers(empty).isEmpty && numbers(empty, reverse: true).isEmpty)
        let inverted = KeyRange(lower: .included(numberKey(30)), upper: .included(numberKey(10)))
        #expect(try numbers(inverted).isEmpty && numbers(inverted, reverse: true).isEmpty)
        #expect(try tree.count(r1, in: store) == 5)
        #expect(try tree.count(.all, in: store) == 500)
        #expect(try tree.count(r4, in: store) == 3)
        #expect(try tree.count(inverted, in: store) == 0)
        var scan = tree.scan(r2, in: store)
        let first = try scan.next()
        #expect(first?.key == numberKey(12) && first?.value.starts(with: Array("v12".utf8)) == true)
    }

    @Test("prefix ranges hold exactly the keys with the prefix, including 0xFF edges and the empty prefix")
    func prefixes() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        let all: [[UInt8]] = [[0x01], [0x01, 0x00], [0x01, 0xFF], [0x01, 0xFF, 0xFF], [0x02], [0xFF], [0xFF, 0x00],
                              [0xFF, 0xFF], [0xFF, 0xFF, 0x01], [0x01, 0xFE, 0xFF]]
        for key in all { try tree.put(key, key, in: store) }
        let sorted = all.sorted { compareBytes($0[...], $1[...]) < 0 }
        for prefix: [UInt8] in [[], [0x01], [0x01, 0xFF], [0x01, 0xFE], [0xFF], [0xFF, 0xFF], [0x03]] {
            let expected = sorted.filter { $0.starts(with: prefix) }
            #expect(try keys(tree, .prefix(prefix), in: store) == expected, "prefix \(prefix)")
            #expect(try keys(tree, .prefix(prefix), reverse: true, in: store) == expected.reversed(), "prefix \(prefix)")
            #expect(try tree.count(.prefix(prefix), in: store) == expected.count)
        }
        #expect(KeyRange.prefix([0x01, 0xFF]).upper == .excluded([0x02]))
        #expect(KeyRange.prefix([0xFF, 0xFF]).upper == .unbounded)
    }

    @Test("a cursor on a write transaction sees its writes and re-seeks after the tree changes under it")
    func changesUnderCursor() throws {
        let store = MemoryPageStore()
        let tree = try evenTree(1000, store: store)
        let cursor = BTreeCursor(tree: tree, reader: store)
        try cursor.seek(numberKey(100))
        #expect(cursor.key == numberKey(100))
        // Insert right after the current key: next must find it.
        try tree.put(numberKey(101), [7], in: store)
        try cursor.next()
        #expect(cursor.key == numberKey(101))
        #expect(try cursor.value() == [7])
        // Remove the current key and its successor, then step on.
        try tree.remove(numberKey(101), in: store)
        try tree.remove(numberKey(102), in: store)
        try cursor.next()
        #expect(cursor.key == numberKey(104))
        // Change the current value: value() returns the new one.
        try tree.put(numberKey(104), [9, 9], in: store)
        #expect(try cursor.value() == [9, 9])
        // Removing the current entry makes value() fail but keeps previous() working.
        try tree.remove(numberKey(104), in: store)
        #expect(throws: SombraError.self) { try cursor.value() }
        try cursor.previous()
        #expect(cursor.key == numberKey(100))
        // Deleting every key while scanning forward (the graph layer's delete-while-iterating pattern).
        var scan = tree.scanKeys(.all, in: store)
        var removed = 0
        while let key = try scan.next() {
            try tree.remove(key, in: store)
            removed += 1
        }
        #expect(removed == 998)
        #expect(try tree.count(.all, in: store) == 0)
        #expect(store.livePageCount == 1)
    }

    @Test("a keys-only scan never reads overflow pages, a value scan does")
    func keysOnlyScan() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        var random = SeededRandom(seed: 4)
        try tree.put([1], random.randomBytes(20_000), in: store)
        try tree.put([2], [2], in: store)
        // Destroy every overflow page: only a value read can notice.
        let report = tree.verify(in: store)
        for page in report.pagesUsed where page != tree.root {
            store.overwrite(page, PageHeader.makePage(kind: .overflow, pageSize: store.pageSize))
        }
        #expect(try keys(tree, .all, in: store) == [[1], [2]])
        #expect(try tree.count(.all, in: store) == 2)
        var scan = tree.scan(.all, in: store)
        #expect(throws: SombraError.self) { _ = try scan.next() }
    }
}
