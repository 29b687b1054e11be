// BTreeBulkBuild: builds a new tree bottom-up from strictly ascending entries, with full pages.
// Layer: SombraIndex. Used for index builds.
//
// Invariants:
//  1. Leaves are filled to the page size in input order; each level above is built from the level below
//     with suffix-truncated separators; the top level is written into the root page allocated first.
//  2. The last two pages of each level are rebalanced when the last is under `minFillBytes`, so every
//     non-root page is at least a quarter full and every non-root interior page has a cell.
//  3. Input that is not strictly ascending throws `.invalidArgument`; a key or value over the limits throws
//     the matching error. On any error every page allocated by the build is freed again.
import SombraFormat
import SombraStorage

extension BTree {
    package static func bulkBuild<S: Sequence>(sorted entries: S, in w: any PageWriter) throws(SombraError) -> BTree
    where S.Element == (key: [UInt8], value: [UInt8]) {
        let recorder = AllocationRecorder(w)
        do throws(SombraError) {
            let root = try recorder.allocate(.btreeLeaf)
            var builder = BulkBuilder(root: root, w: recorder)
            var index = 0
            for entry in entries {
                try builder.add(entry.key, entry.value, index: index)
                index += 1
            }
            try builder.finish()
            return BTree(root: root)
        } catch {
            for page in recorder.allocated.reversed() { try? w.free(page) }
            throw error
        }
    }
}

/// A node of a level under construction and the separator that precedes it (empty for the first).
private typealias LevelNode = (node: NodeCells, separator: [UInt8])

private struct BulkBuilder {
    let root: PageID
    let w: any PageWriter
    var current = NodeCells(isLeaf: true)
    var currentSeparator: [UInt8] = []
    var held: LevelNode? = nil
    var leaves: [(page: PageID, separator: [UInt8])] = []
    var previousKey: [UInt8]? = nil

    init(root: PageID, w: any PageWriter) {
        self.root = root
        self.w = w
    }

    mutating func add(_ key: [UInt8], _ value: [UInt8], index: Int) throws(SombraError) {
        try BTree.checkLimits(key: key, value: value, pageSize: w.pageSize)
        if let previousKey, compareBytes(previousKey[...], key[...]) >= 0 {
            throw .invalidArgument("bulkBuild input is not strictly ascending at entry \(index)")
        }
        let cell = try BTree.makeLeafCell(key: key, value: value, in: w)
        if !current.cells.isEmpty, current.byteCount + cell.count + BTreeLayout.slotSize > w.pageSize {
            if let held { try storeLeaf(held) }
            held = (current, currentSeparator)
            currentSeparator = Array(BTreeLayout.shortestSeparator(current.key(current.cells.count - 1), key[...]))
            current = NodeCells(isLeaf: true)
        }
        current.cells.append(cell)
        previousKey = key
    }

    private mutating func storeLeaf(_ leaf: LevelNode) throws(SombraError) {
        let page = try w.allocate(.btreeLeaf)
        try leaf.node.store(to: page, in: w)
        leaves.append((page, leaf.separator))
    }

    mutating func finish() throws(SombraError) {
        guard let held else {
            try current.store(to: root, in: w)   // everything fits the root leaf
            return
        }
        let tail = try balanceTail(held, (current, currentSeparator))
        if leaves.isEmpty, tail.count == 1 {
            try tail[0].node.store(to: root, in: w)
            return
        }
        for leaf in tail { try storeLeaf(leaf) }
        var children = leaves
        for _ in 0..<BTreeLayout.maxDepth {
            let level = try buildInteriorLevel(children)
            if level.count == 1 {
                try level[0].node.store(to: root, in: w)
                return
            }
            children = []
            children.reserveCapacity(level.count)
            for entry in level {
                let page = try w.allocate(.btreeInterior)
                try entry.node.store(to: page, in: w)
                children.append((page, entry.separator))
            }
        }
        throw .invalidArgument("bulkBuild produced more than \(BTreeLayout.maxDepth) levels")
    }

    /// Interior nodes over `children`, each as full as it goes.
    private func buildInteriorLevel(_ children: [(page: PageID, separator: [UInt8])]) throws(SombraError) -> [LevelNode] {
        var nodes: [LevelNode] = []
        guard let first = children.first else { return nodes }
        var node = NodeCells(isLeaf: false, rightChild: first.page)
        var separator = first.separator
        for child in children.dropFirst() {
            let cell = BTreeLayout.interiorCell(child: node.rightChild, key: child.separator[...])
            if node.byteCount + cell.count + BTreeLayout.slotSize > w.pageSize {
                nodes.append((node, separator))
                node = NodeCells(isLeaf: false, rightChild: child.page)
                separator = child.separator
            } else {
                node.cells.append(cell)
                node.rightChild = child.page
            }
        }
        if let previous = nodes.popLast() {
            nodes.append(contentsOf: try balanceTail(previous, (node, separator)))
        } else {
            nodes.append((node, separator))
        }
        return nodes
    }

    /// The last two nodes of a level, rebalanced when the last one is under the minimum fill.
    private func balanceTail(_ previous: LevelNode, _ last: LevelNode) throws(SombraError) -> [LevelNode] {
        let minFill = BTreeLayout.minFillBytes(pageSize: w.pageSize)
        guard last.node.byteCount - BTreeLayout.slotArrayOffset < minFill || (!last.node.isLeaf && last.node.cells.isEmpty) else {
            return [previous, last]
        }
        let merged = NodeCells.merged(previous.node, separator: last.separator[...], last.node)
        if merged.fits(pageSize: w.pageSize) { return [(merged, previous.separator)] }
        let (left, separator, right) = try merged.split(packLeft: false, pageSize: w.pageSize, page: root)
        return [(left, previous.separator), (right, separator)]
    }
}

/// Forwards to a writer and remembers every page it allocated (so a failed build can free them).
private final class AllocationRecorder: PageWriter {
    let base: any PageWriter
    private(set) var allocated: [PageID] = []

    init(_ base: any PageWriter) { self.base = base }

    var pageSize: Int { base.pageSize }
    var pageCount: UInt64 { base.pageCount }
    var changeCounter: UInt64 { base.changeCounter }
    func page(_ id: PageID) throws(SombraError) -> [UInt8] { try base.page(id) }
    func update<R>(_ id: PageID, _ body: (inout [UInt8]) throws(SombraError) -> R) throws(SombraError) -> R {
        try base.update(id, body)
    }
    func allocate(_ kind: PageKind) throws(SombraError) -> PageID {
        let page = try base.allocate(kind)
        allocated.append(page)
        return page
    }
    func free(_ id: PageID) throws(SombraError) { try base.free(id) }
}
