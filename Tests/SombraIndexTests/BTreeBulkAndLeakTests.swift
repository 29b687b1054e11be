// Bulk build, dense right-edge appends, and page accounting (no leaks after delete-all and drop).
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree bulk build and page accounting")
struct BTreeBulkAndLeakTests {
    /// Sorted entries with varied key and value sizes (some overflow, some compressible).
    func entries(_ count: Int, seed: UInt64) -> [(key: [UInt8], value: [UInt8])] {
        var random = SeededRandom(seed: seed)
        var result: [(key: [UInt8], value: [UInt8])] = []
        for i in 0..<count {
            let key = numberKey(i * 3) + random.randomBytes(random.below(4) == 0 ? 200 : random.below(12))
            let size = random.chance(2) ? 5000 + random.below(20_000) : random.below(120)
            let value = random.chance(50) ? random.compressibleBytes(size) : random.randomBytes(size)
            result.append((key, value))
        }
        return result
    }

    @Test("bulk build equals inserting one by one, verifies clean, and packs leaves denser than random inserts")
    func bulkMatchesInserts() throws {
        let input = entries(20_000, seed: 21)
        let bulkStore = MemoryPageStore()
        let bulk = try BTree.bulkBuild(sorted: input, in: bulkStore)
        let sequentialStore = MemoryPageStore()
        let sequential = try BTree.create(in: sequentialStore)
        for entry in input { try sequential.put(entry.key, entry.value, in: sequentialStore) }
        let randomStore = MemoryPageStore()
        let randomTree = try BTree.create(in: randomStore)
        var random = SeededRandom(seed: 22)
        for entry in input.shuffled(using: &random) { try randomTree.put(entry.key, entry.value, in: randomStore) }

        let expected = input.map { ($0.key, $0.value) }
        for (tree, store) in [(bulk, bulkStore), (sequential, sequentialStore), (randomTree, randomStore)] {
            let got = try allEntries(tree, in: store)
            #expect(got.count == expected.count)
            #expect(zip(got, expected).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 })
            #expect(try allEntries(tree, in: store, reverse: true).map(\.0) == expected.reversed().map(\.0))
        }
        let reports = [bulk.verify(in: bulkStore, checkValues: true), sequential.verify(in: sequentialStore),
                       randomTree.verify(in: randomStore)]
        for report in reports { #expect(report.isClean, "\(report.findings.prefix(3))") }
        #expect(reports[0].pagesUsed.count == bulkStore.livePageCount)
        #expect(reports[0].leafFill > 0.9)
        #expect(reports[1].leafFill > 0.9)
        #expect(reports[0].leafFill > reports[2].leafFill)
        #expect(reports[0].leafPageCount < reports[2].leafPageCount)
        func fill(_ r: BTreeVerifyReport) -> String { "\(Int((r.leafFill * 1000).rounded()) / 10)%" }
        print("btree-bulk: entries: \(input.count) leaves-bulk: \(reports[0].leafPageCount) fill-bulk: \(fill(reports[0])) leaves-sequential: \(reports[1].leafPageCount) fill-sequential: \(fill(reports[1])) leaves-random: \(reports[2].leafPageCount) fill-random: \(fill(reports[2])) depth-bulk: \(reports[0].depth)")
        // The bulk tree is an ordinary tree: it takes writes and deletes afterwards.
        for entry in input.prefix(500) { try bulk.remove(entry.key, in: bulkStore) }
        try bulk.put([0xFF], [1], in: bulkStore)
        #expect(bulk.verify(in: bulkStore).isClean)
        #expect(try bulk.count(.all, in: bulkStore) == input.count - 499)
    }

    @Test("bulk build of up to a page's worth of entries gives a root leaf, more an interior root, all clean")
    func bulkSmall() throws {
        for count in [0, 1, 40, 41, 200, 5000] {
            let store = MemoryPageStore()
            let input = (0..<count).map { (key: numberKey($0), value: [UInt8](repeating: 9, count: 80)) }
            let tree = try BTree.bulkBuild(sorted: input, in: store)
            let report = tree.verify(in: store)
            #expect(report.isClean, "count \(count): \(report.findings.prefix(3))")
            #expect(report.entryCount == count)
            #expect(report.pagesUsed.count == store.livePageCount)
            #expect(try keys(tree, .all, in: store) == input.map(\.key))
            #expect(try store.btreeNode(tree.root).isLeaf == (count <= 41))
        }
    }

    @Test("bulk build rejects unsorted or duplicate input and oversized keys, freeing what it allocated")
    func bulkRejects() throws {
        let store = MemoryPageStore()
        let good = (0..<3000).map { (key: numberKey($0), value: [UInt8](repeating: 1, count: 50)) }
        for bad in [good + [(key: numberKey(5), value: [])],
                    good + [(key: numberKey(2999), value: [])],
                    good + [(key: [UInt8](repeating: 0xFF, count: 1000), value: [])]] {
            let live = store.livePageCount
            #expect(throws: SombraError.self) { _ = try BTree.bulkBuild(sorted: bad, in: store) }
            #expect(store.livePageCount == live)
        }
        #expect(throws: SombraError.invalidArgument("bulkBuild input is not strictly ascending at entry 1")) {
            _ = try BTree.bulkBuild(sorted: [(key: [2], value: []), (key: [1], value: [])], in: store)
        }
    }

    @Test("ascending inserts split unevenly at the right edge, leaving full pages")
    func denseAppends() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        for i in 0..<20_000 { try tree.put(numberKey(i), [UInt8](repeating: 3, count: 20), in: store) }
        let report = tree.verify(in: store)
        #expect(report.isClean)
        #expect(report.leafFill > 0.95)
        print("btree-append: entries: 20000 leaves: \(report.leafPageCount) fill: \(Int((report.leafFill * 1000).rounded()) / 10)%")
    }

    @Test("deleting every key leaves exactly the root page, and drop frees every page")
    func noLeaks() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        var random = SeededRandom(seed: 31)
        var keys: [[UInt8]] = []
        for i in 0..<6000 {
            let key = numberKey(random.below(1 << 30)) + random.randomBytes(random.below(40)) + numberKey(i)
            let size = random.chance(5) ? 2000 + random.below(30_000) : random.below(200)
            try tree.put(key, random.chance(50) ? random.compressibleBytes(size) : random.randomBytes(size), in: store)
            keys.append(key)
        }
        let pagesBefore = store.livePageCount
        #expect(tree.verify(in: store).pagesUsed.count == pagesBefore)
        for key in keys.shuffled(using: &random) { #expect(try tree.remove(key, in: store)) }
        let afterDeleteAll = store.livePageCount
        let root = try store.btreeNode(tree.root)
        #expect(root.isLeaf && root.cellCount == 0)
        #expect(afterDeleteAll == 1)
        #expect(tree.verify(in: store).isClean)
        // Refill, then drop: nothing may stay allocated.
        for key in keys.prefix(3000) { try tree.put(key, random.randomBytes(random.chance(5) ? 9000 : 30), in: store) }
        try tree.drop(in: store)
        let afterDrop = store.livePageCount
        #expect(afterDrop == 0)
        print("btree-leaks: pages-before: \(pagesBefore) after-delete-all: \(afterDeleteAll) leaked: \(afterDeleteAll - 1) after-drop: \(afterDrop)")
    }

    @Test("many trees share one store, each identified by its root page")
    func manyTrees() throws {
        let store = MemoryPageStore()
        let trees = try (0..<8).map { _ throws(SombraError) in try BTree.create(in: store) }
        for i in 0..<4000 {
            let tree = trees[i % trees.count]
            try tree.put(numberKey(i), numberKey(i % trees.count), in: store)
        }
        var used = Set<PageID>()
        for (index, tree) in trees.enumerated() {
            let reopened = BTree(root: tree.root)
            let report = reopened.verify(in: store)
            #expect(report.isClean && report.entryCount == 500)
            #expect(used.isDisjoint(with: report.pagesUsed))
            used.formUnion(report.pagesUsed)
            #expect(try reopened.get(numberKey(index), in: store) == numberKey(index))
            #expect(try reopened.get(numberKey(index + 1), in: store) == nil)
        }
        #expect(used.count == store.livePageCount)
    }
}
