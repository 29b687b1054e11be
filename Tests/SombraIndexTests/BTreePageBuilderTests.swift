// The page-buffer bulk build writes exactly the pages the former cell-list bulk build wrote (kept here as
// the model), whether keys come as arrays or from a closure.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree page builder")
struct BTreePageBuilderTests {
    /// Sorted entries of a random shape: key lengths up to the limit, empty, tiny, overflow and compressible values.
    func entries(_ count: Int, pageSize: Int, random: inout SeededRandom) -> [(key: [UInt8], value: [UInt8])] {
        let maxKey = BTree.maxKeyBytes(pageSize: pageSize)
        let longKeys = random.chance(30)
        let bigValues = random.chance(30)
        var result: [(key: [UInt8], value: [UInt8])] = []
        for i in 0..<count {
            let tail = longKeys && random.chance(10) ? maxKey - 8 - random.below(20) : random.below(24)
            let key = numberKey(i * 7) + random.randomBytes(tail)
            let size: Int
            switch random.below(10) {
            case 0: size = 0
            case 1 where bigValues: size = 2000 + random.below(20_000)
            case 2 where bigValues: size = maxKey / 2 + random.below(pageSize / 2)
            default: size = random.below(90)
            }
            result.append((key, random.chance(20) ? random.compressibleBytes(size) : random.randomBytes(size)))
        }
        return result
    }

    @Test("the page builder writes the same pages, bytes and allocation order as the cell-list model, however keys arrive")
    func sameAsModel() throws {
        let seed: UInt64 = 0x5EED_B11D
        var random = SeededRandom(seed: seed)
        var cases = 0
        var pagesCompared = 0
        for round in 0..<60 {
            let pageSize = [4096, 8192, 65536][round % 3]
            let count = [0, 1, 2, 5, 40, 41, 200][round % 7] + (round >= 14 ? random.below(3000) : 0)
            let input = entries(count, pageSize: pageSize, random: &random)
            let modelStore = MemoryPageStore(pageSize: pageSize)
            let model = try ReferenceBulkBuild.build(input, in: modelStore)
            let arrayStore = MemoryPageStore(pageSize: pageSize)
            let fromArrays = try BTree.bulkBuild(sorted: input, in: arrayStore)
            let closureStore = MemoryPageStore(pageSize: pageSize)
            let fromClosure = try BTree.bulkBuild(in: closureStore) { (builder: inout BTreeBulkBuilder) throws(SombraError) in
                for entry in input { try builder.add(value: entry.value) { $0.append(contentsOf: entry.key) } }
            }
            let fixedStore = MemoryPageStore(pageSize: pageSize)
            let fromFixed = try BTree.bulkBuild(in: fixedStore) { (builder: inout BTreeBulkBuilder) throws(SombraError) in
                for entry in input {
                    try builder.add(value: entry.value, keyBytes: entry.key.count) { k in
                        for (j, byte) in entry.key.enumerated() { k[j] = byte }
                    }
                }
            }
            for (tree, store) in [(fromArrays, arrayStore), (fromClosure, closureStore), (fromFixed, fixedStore)] {
                #expect(tree.root == model.root, "seed \(seed) round \(round)")
                #expect(store.pageCount == modelStore.pageCount, "seed \(seed) round \(round)")
                #expect(store.pages == modelStore.pages, "seed \(seed) round \(round): pages differ from the model")
                let report = tree.verify(in: store, checkValues: true)
                #expect(report.isClean, "seed \(seed) round \(round): \(report.findings.prefix(3))")
                #expect(report.entryCount == count)
            }
            cases += 1
            pagesCompared += modelStore.pages.count
        }
        print("btree-page-builder: cases: \(cases) pages-compared: \(pagesCompared) seed: \(seed)")
    }

    @Test("merging runs moves every entry (overflow chains included) into one clean tree and frees every run page")
    func mergeRuns() throws {
        let seed: UInt64 = 0x3E26_E5
        var random = SeededRandom(seed: seed)
        var merged = 0
        for round in 0..<24 {
            let pageSize = [4096, 8192][round % 2]
            let all = entries([0, 1, 30, 700, 4000][round % 5] + random.below(500), pageSize: pageSize, random: &random)
            let runCount = 1 + random.below(7)
            var runInputs = [[(key: [UInt8], value: [UInt8])]](repeating: [], count: runCount)
            for entry in all { runInputs[random.below(runCount)].append(entry) }
            let store = MemoryPageStore(pageSize: pageSize)
            let runs = try runInputs.map { (input) throws(SombraError) in try BTree.bulkBuild(sorted: input, in: store) }
            var builder = try BTreeBulkBuilder(in: store)
            try builder.addMerging(consuming: runs)
            let tree = try builder.finish()
            let report = tree.verify(in: store, checkValues: true)
            #expect(report.isClean, "seed \(seed) round \(round): \(report.findings.prefix(3))")
            #expect(report.pagesUsed.count == store.livePageCount, "seed \(seed) round \(round): run pages leaked")
            let got = try allEntries(tree, in: store)
            #expect(got.count == all.count && zip(got, all).allSatisfy { $0.0 == $1.key && sameBytes($0.1, $1.value) },
                    "seed \(seed) round \(round)")
            merged += all.count
        }
        // Keys present in two runs are refused.
        let store = MemoryPageStore()
        let a = try BTree.bulkBuild(sorted: (0..<500).map { (key: numberKey($0 * 2), value: [UInt8]()) }, in: store)
        let b = try BTree.bulkBuild(sorted: (0..<500).map { (key: numberKey($0 * 3), value: [UInt8]()) }, in: store)
        var builder = try BTreeBulkBuilder(in: store)
        #expect(throws: SombraError.self) { try builder.addMerging(consuming: [a, b]) }
        print("btree-merge-runs: rounds: 24 entries: \(merged) seed: \(seed)")
    }

    @Test("a closure-fed build rejects a key that is not ascending and frees what it allocated")
    func closureRejects() throws {
        let store = MemoryPageStore()
        #expect(throws: SombraError.invalidArgument("bulkBuild input is not strictly ascending at entry 2000")) {
            _ = try BTree.bulkBuild(in: store) { (builder: inout BTreeBulkBuilder) throws(SombraError) in
                for i in [Int](0..<2000) + [5] {
                    try builder.add(value: [1, 2, 3]) { $0.appendBE(UInt64(i)) }
                }
            }
        }
        #expect(store.livePageCount == 0)
    }
}

/// The bulk build as it was before the page builder: cells collected one by one in `NodeCells`.
enum ReferenceBulkBuild {
    typealias LevelNode = (node: NodeCells, separator: [UInt8])

    static func build(_ entries: [(key: [UInt8], value: [UInt8])], in w: any PageWriter) throws(SombraError) -> BTree {
        let root = try w.allocate(.btreeLeaf)
        var current = NodeCells(isLeaf: true)
        var currentSeparator: [UInt8] = []
        var held: LevelNode? = nil
        var leaves: [(page: PageID, separator: [UInt8])] = []
        var previousKey: [UInt8]? = nil
        func storeLeaf(_ leaf: LevelNode) throws(SombraError) {
            let page = try w.allocate(.btreeLeaf)
            try leaf.node.store(to: page, in: w)
            leaves.append((page, leaf.separator))
        }
        for (key, value) in entries {
            try BTree.checkLimits(key: key, value: value, pageSize: w.pageSize)
            if let previousKey, compareBytes(previousKey[...], key[...]) >= 0 { throw .invalidArgument("not ascending") }
            let cell = try BTree.makeLeafCell(key: key, value: value, in: w)
            if !current.isEmpty, current.byteCount + cell.count + BTreeLayout.slotSize > w.pageSize {
                if let held { try storeLeaf(held) }
                held = (current, currentSeparator)
                currentSeparator = Array(BTreeLayout.shortestSeparator(current.key(current.count - 1), key[...]))
                current = NodeCells(isLeaf: true)
            }
            current.append(cell)
            previousKey = key
        }
        guard let held else {
            try current.store(to: root, in: w)
            return BTree(root: root)
        }
        let tail = try balanceTail(held, (current, currentSeparator), root: root, pageSize: w.pageSize)
        if leaves.isEmpty, tail.count == 1 {
            try tail[0].node.store(to: root, in: w)
            return BTree(root: root)
        }
        for leaf in tail { try storeLeaf(leaf) }
        var children = leaves
        while true {
            let level = try interiorLevel(children, root: root, pageSize: w.pageSize)
            if level.count == 1 {
                try level[0].node.store(to: root, in: w)
                return BTree(root: root)
            }
            children = []
            for entry in level {
                let page = try w.allocate(.btreeInterior)
                try entry.node.store(to: page, in: w)
                children.append((page, entry.separator))
            }
        }
    }

    static func interiorLevel(_ children: [(page: PageID, separator: [UInt8])], root: PageID,
                              pageSize: Int) throws(SombraError) -> [LevelNode] {
        var nodes: [LevelNode] = []
        var node = NodeCells(isLeaf: false, rightChild: children[0].page)
        var separator = children[0].separator
        for child in children.dropFirst() {
            let cell = BTreeLayout.interiorCell(child: node.rightChild, key: child.separator[...])
            if node.byteCount + cell.count + BTreeLayout.slotSize > pageSize {
                nodes.append((node, separator))
                node = NodeCells(isLeaf: false, rightChild: child.page)
                separator = child.separator
            } else {
                node.append(cell)
                node.rightChild = child.page
            }
        }
        if let previous = nodes.popLast() {
            nodes.append(contentsOf: try balanceTail(previous, (node, separator), root: root, pageSize: pageSize))
        } else {
            nodes.append((node, separator))
        }
        return nodes
    }

    static func balanceTail(_ previous: LevelNode, _ last: LevelNode, root: PageID, pageSize: Int) throws(SombraError) -> [LevelNode] {
        let minFill = BTreeLayout.minFillBytes(pageSize: pageSize)
        guard last.node.byteCount - BTreeLayout.slotArrayOffset < minFill || (!last.node.isLeaf && last.node.isEmpty) else {
            return [previous, last]
        }
        let merged = NodeCells.merged(previous.node, separator: last.separator[...], last.node)
        if merged.fits(pageSize: pageSize) { return [(merged, previous.separator)] }
        let (left, separator, right) = try merged.split(packLeft: false, pageSize: pageSize, page: root)
        return [(left, previous.separator), (right, separator)]
    }
}
