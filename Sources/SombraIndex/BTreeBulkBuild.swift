// BTreeBulkBuild: builds a new tree bottom-up from strictly ascending entries, with full pages.
// Layer: SombraIndex. Used for index builds and by the graph's bulk loader.
//
// Invariants:
//  1. Leaves are filled to the page size in input order, each cell written straight into a reusable page
//     buffer (BTreePageBuilder): no allocation per entry. Each level above is built from the level below
//     with suffix-truncated separators; the top level is written into the root page allocated first.
//  2. The last two pages of each level are rebalanced when the last is under `minFillBytes`, so every
//     non-root page is at least a quarter full and every non-root interior page has a cell.
//  3. Input that is not strictly ascending throws `.invalidArgument`; a key or value over the limits throws
//     the matching error. `bulkBuild` frees every page it allocated on any error; a `BTreeBulkBuilder`
//     used directly leaves that to its caller (the graph loader rolls its whole transaction back).
//  4. The pages, their order of allocation and their bytes do not depend on whether keys arrive as arrays
//     or are written by a closure.
import SombraFormat
import SombraStorage

extension BTree {
    package static func bulkBuild<S: Sequence>(sorted entries: S, in w: any PageWriter) throws(SombraError) -> BTree
    where S.Element == (key: [UInt8], value: [UInt8]) {
        try bulkBuild(in: w) { (builder: inout BTreeBulkBuilder) throws(SombraError) in
            for entry in entries { try builder.add(key: entry.key, value: entry.value) }
        }
    }

    /// Builds a tree from the entries `feed` adds, in strictly ascending key order, to the builder it gets.
    package static func bulkBuild(in w: any PageWriter,
                                  _ feed: (inout BTreeBulkBuilder) throws(SombraError) -> Void) throws(SombraError) -> BTree {
        let recorder = AllocationRecorder(w)
        do throws(SombraError) {
            var builder = try BTreeBulkBuilder(in: recorder)
            try feed(&builder)
            return try builder.finish()
        } catch {
            for page in recorder.allocated.reversed() { try? w.free(page) }
            throw error
        }
    }
}

/// A node of a level under construction and the separator that precedes it (empty for the first).
private typealias LevelNode = (node: NodeCells, separator: [UInt8])

/// Builds one tree bottom-up from entries added in strictly ascending key order; `finish` completes it.
package struct BTreeBulkBuilder {
    /// The root page, allocated first; the finished tree's top level is written into it.
    package let root: PageID
    let w: any PageWriter
    /// Entries added so far.
    package private(set) var count = 0
    private var current: BTreePageBuilder
    private var currentSeparator: [UInt8] = []
    /// The full leaf before `current`, kept in memory until it is known not to be the second-last.
    private var held: BTreePageBuilder
    private var heldSeparator: [UInt8] = []
    private var hasHeld = false
    private var leaves: [(page: PageID, separator: [UInt8])] = []
    /// The last key added (valid when count > 0) and the key being added.
    private var lastKey: [UInt8] = []
    private var key: [UInt8] = []
    private let maxKeyBytes: Int

    package init(in w: any PageWriter) throws(SombraError) {
        self.w = w
        root = try w.allocate(.btreeLeaf)
        current = BTreePageBuilder(pageSize: w.pageSize, isLeaf: true)
        held = BTreePageBuilder(pageSize: w.pageSize, isLeaf: true)
        maxKeyBytes = BTree.maxKeyBytes(pageSize: w.pageSize)
        lastKey.reserveCapacity(64)
        key.reserveCapacity(64)
    }

    /// Adds an entry whose key is greater than every key added before.
    package mutating func add(key newKey: [UInt8], value: [UInt8]) throws(SombraError) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: newKey)
        try addScratchKey(value: value)
    }

    /// Adds an entry whose key `writeKey` appends to the (empty) buffer it is given; the key must be greater
    /// than every key added before. Nothing is allocated per entry once the buffer has grown.
    package mutating func add(value: [UInt8], key writeKey: (inout [UInt8]) -> Void) throws(SombraError) {
        try add(value: value[...], key: writeKey)
    }

    package mutating func add(value: ArraySlice<UInt8>, key writeKey: (inout [UInt8]) -> Void) throws(SombraError) {
        key.removeAll(keepingCapacity: true)
        writeKey(&key)
        try addScratchKey(value: value)
    }

    /// Adds an entry whose key is exactly `keyBytes` long: `writeKey` gets a buffer of that length and must
    /// store every byte of it (fixed-width keys written with `storeBE`, without appending). The key must be
    /// greater than every key added before. The value may be a slice of a larger buffer.
    package mutating func add(value: ArraySlice<UInt8>, keyBytes: Int, key writeKey: (inout [UInt8]) -> Void) throws(SombraError) {
        if key.count != keyBytes { key = [UInt8](repeating: 0, count: max(0, keyBytes)) }
        writeKey(&key)
        try addScratchKey(value: value)
    }

    package mutating func add(value: [UInt8], keyBytes: Int, key writeKey: (inout [UInt8]) -> Void) throws(SombraError) {
        try add(value: value[...], keyBytes: keyBytes, key: writeKey)
    }

    /// Checks the key in `key`, writes its cell (and overflow chain) and makes it the last key.
    private mutating func addScratchKey(value: [UInt8]) throws(SombraError) {
        try addScratchKey(value: value[...])
    }

    private mutating func addScratchKey(value: ArraySlice<UInt8>) throws(SombraError) {
        guard key.count <= maxKeyBytes else { throw .keyTooLarge(size: key.count, max: maxKeyBytes) }
        guard value.count <= BTree.maxValueBytes else { throw .valueTooLarge(size: value.count, max: BTree.maxValueBytes) }
        if count > 0, compareBytes(lastKey[...], key[...]) >= 0 {
            throw .invalidArgument("bulkBuild input is not strictly ascending at entry \(count)")
        }
        let inlineMax = BTree.maxInlineValueBytes(keyBytes: key.count, pageSize: w.pageSize)
        if value.count <= BTree.compressionThresholdBytes, value.count <= inlineMax {
            // What ValueCodec.encode stores for a value this short: the raw bytes, inline.
            let cellBytes = BTreePageBuilder.leafCellBytes(keyBytes: key.count, storedBytes: value.count, overflow: false)
            if !current.isEmpty, !current.fits(cellBytes: cellBytes) { try startLeaf() }
            try current.appendInlineLeafCell(key: key, value: value)
        } else {
            let stored = ValueCodec.encode(Array(value))
            let overflowPage: PageID? = stored.bytes.count <= inlineMax ? nil : try OverflowChain.write(stored.bytes, in: w)
            let cellBytes = BTreePageBuilder.leafCellBytes(keyBytes: key.count, storedBytes: stored.bytes.count,
                                                           overflow: overflowPage != nil)
            if !current.isEmpty, !current.fits(cellBytes: cellBytes) { try startLeaf() }
            try current.appendLeafCell(key: key, stored: stored, overflowPage: overflowPage)
        }
        swap(&lastKey, &key)
        count += 1
    }

    /// Adds leaf cell `cell` of `view` (a leaf of a tree with this page size) as it is: its key must be
    /// greater than every key added before; an overflow chain it points to now belongs to the new tree.
    mutating func addCell(_ cell: LeafCell, of view: NodeView) throws(SombraError) {
        guard view.pageSize == w.pageSize, view.isLeaf else {
            throw .invalidArgument("bulkBuild can only take leaf cells of \(w.pageSize)-byte pages")
        }
        guard cell.keyCount <= maxKeyBytes else { throw .keyTooLarge(size: cell.keyCount, max: maxKeyBytes) }
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: view.bytes[cell.keyStart..<(cell.keyStart + cell.keyCount)])
        if count > 0, compareBytes(lastKey[...], key[...]) >= 0 {
            throw .invalidArgument("bulkBuild input is not strictly ascending at entry \(count)")
        }
        if !current.isEmpty, !current.fits(cellBytes: cell.size) { try startLeaf() }
        try current.appendRawCell(view.bytes, cell.offset..<(cell.offset + cell.size))
        swap(&lastKey, &key)
        count += 1
    }

    /// `current` is full: it becomes the held leaf (the previously held one is stored) and a new leaf starts,
    /// separated from it by the shortest key between its last key and the key being added.
    private mutating func startLeaf() throws(SombraError) {
        if hasHeld {
            let page = try w.allocate(.btreeLeaf)
            try held.store(to: page, in: w)
            leaves.append((page, heldSeparator))
        }
        swap(&held, &current)
        current.reset(isLeaf: true)
        hasHeld = true
        heldSeparator = currentSeparator
        currentSeparator = Array(BTreeLayout.shortestSeparator(lastKey[...], key[...]))
    }

    /// Completes the tree: stores the last leaves and builds the interior levels into the root.
    package consuming func finish() throws(SombraError) -> BTree {
        guard hasHeld else {
            try current.store(to: root, in: w)   // everything fits the root leaf
            return BTree(root: root)
        }
        let minFill = BTreeLayout.minFillBytes(pageSize: w.pageSize)
        if current.byteCount - BTreeLayout.slotArrayOffset >= minFill {
            let heldPage = try w.allocate(.btreeLeaf)
            try held.store(to: heldPage, in: w)
            leaves.append((heldPage, heldSeparator))
            let lastPage = try w.allocate(.btreeLeaf)
            try current.store(to: lastPage, in: w)
            leaves.append((lastPage, currentSeparator))
        } else {
            let tail = try balanceTail((held.nodeCells(), heldSeparator), (current.nodeCells(), currentSeparator))
            if leaves.isEmpty, tail.count == 1 {
                try tail[0].node.store(to: root, in: w)
                return BTree(root: root)
            }
            for leaf in tail { leaves.append((try storeLevelNode(leaf, kind: .btreeLeaf), leaf.separator)) }
        }
        var children = leaves
        for _ in 0..<BTreeLayout.maxDepth {
            let level = try buildInteriorLevel(children)
            if level.count == 1 {
                try level[0].node.store(to: root, in: w)
                return BTree(root: root)
            }
            children = []
            children.reserveCapacity(level.count)
            for entry in level { children.append((try storeLevelNode(entry, kind: .btreeInterior), entry.separator)) }
        }
        throw .invalidArgument("bulkBuild produced more than \(BTreeLayout.maxDepth) levels")
    }

    /// Stores a node of a level in a new page; returns the page.
    private func storeLevelNode(_ entry: LevelNode, kind: PageKind) throws(SombraError) -> PageID {
        let page = try w.allocate(kind)
        try entry.node.store(to: page, in: w)
        return page
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
                node.append(cell)
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
        guard last.node.byteCount - BTreeLayout.slotArrayOffset < minFill || (!last.node.isLeaf && last.node.isEmpty) else {
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
