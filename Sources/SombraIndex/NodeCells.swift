// NodeCells: a B-tree node held in memory as a list of cell extents over byte buffers, used by the slow
// write paths (split, merge, rebalance, bulk build) where a node may briefly hold more than a page.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages".
//
// Cells are never copied into arrays of their own: a node decoded from a page shares that page's bytes
// (copy-on-write) and names each cell by its range in them; a cell added in memory is appended to the
// node's `arena` (the bytes it shares, plus every cell added since). Splitting a node shares the arena
// between the halves; writing a node copies each cell's bytes once, straight into the page buffer.
//
// Invariants:
//  1. Cells are in key order; each cell is well formed (its extent validated against a page, or built by
//     BTreeLayout), so its key can be sliced without further checks; every span lies inside `arena`.
//  2. `write(into:)` produces a compacted page: slots in order, cell 0 against the page end and each later
//     cell just below the previous one, no fragmented bytes, the gap zeroed; it rewrites the kind byte (a
//     root changes between leaf and interior).
//  3. `split` yields two nodes that both fit and are both non-empty (an interior half keeps at least one
//     cell), or throws; with `packLeft` the left node is filled as far as it goes (right-edge appends).
//  4. `cellBytesTotal` is the sum of the spans' lengths, so `byteCount` costs no walk over the cells.
import SombraFormat
import SombraStorage

/// Zeros to copy over the gap of a page written whole (a slice copy is a memory copy; a loop is not).
private let zeroPage = [UInt8](repeating: 0, count: PageSize.maximum)

/// Where one cell's bytes lie in a node's arena.
struct CellSpan {
    var start: Int
    var count: Int
    var range: Range<Int> { start..<(start + count) }
}

struct NodeCells {
    var isLeaf: Bool
    /// Interior nodes only: the child for keys >= the last key.
    var rightChild: PageID
    /// Bytes the cells live in (a page the node was read from, then cells added in memory).
    private(set) var arena: [UInt8]
    /// Each cell's extent in `arena`, in key order.
    private(set) var spans: [CellSpan]
    /// Sum of the cells' sizes, without slots (invariant 4).
    private(set) var cellBytesTotal: Int

    init(isLeaf: Bool, cells: [[UInt8]] = [], rightChild: PageID = .none) {
        self.isLeaf = isLeaf
        self.rightChild = rightChild
        arena = []
        spans = []
        cellBytesTotal = 0
        for cell in cells { append(cell) }
    }

    /// A node over cells already laid out in `arena` (validated by the caller: invariant 1).
    init(isLeaf: Bool, arena: [UInt8], spans: [CellSpan], rightChild: PageID) {
        self.isLeaf = isLeaf
        self.rightChild = rightChild
        self.arena = arena
        self.spans = spans
        cellBytesTotal = spans.reduce(0) { $0 + $1.count }
    }

    /// The cells of a page, validating each one's extent; shares the page's bytes.
    init(_ view: NodeView) throws(SombraError) {
        isLeaf = view.isLeaf
        rightChild = PageID(view.rightChild)
        arena = view.bytes
        spans = []
        spans.reserveCapacity(view.cellCount + 1)
        var total = 0
        for i in 0..<view.cellCount {
            if !view.isLeaf { _ = try view.child(at: i) }
            let range = try view.cellRange(i)
            spans.append(CellSpan(start: range.lowerBound, count: range.count))
            total += range.count
        }
        cellBytesTotal = total
    }

    var kind: PageKind { isLeaf ? .btreeLeaf : .btreeInterior }
    var count: Int { spans.count }
    var isEmpty: Bool { spans.isEmpty }

    /// Bytes the node needs in a page: B-tree header, slots and cells.
    var byteCount: Int { BTreeLayout.slotArrayOffset + cellBytesTotal + spans.count * BTreeLayout.slotSize }

    func fits(pageSize: Int) -> Bool { byteCount <= pageSize }

    /// The bytes of cell `i`.
    func cell(_ i: Int) -> ArraySlice<UInt8> { arena[spans[i].range] }

    func key(_ i: Int) -> ArraySlice<UInt8> {
        let span = spans[i]
        if isLeaf {
            // Spans hold validated (or freshly built) cells, so the header is whole.
            guard let header = BTreeLayout.leafHeader(arena, at: span.start) else { return arena[span.start..<span.start] }
            let start = span.start + header.headerSize
            return arena[start..<(start + header.keyCount)]
        }
        let length = Int(arena.loadLE(UInt16.self, at: span.start + BTreeLayout.interiorKeyLengthOffset))
        let start = span.start + BTreeLayout.interiorCellHeaderSize
        return arena[start..<(start + length)]
    }

    /// The child page of interior cell `i`.
    func child(_ i: Int) -> PageID { PageID(arena.loadLE(UInt64.self, at: spans[i].start)) }

    // MARK: Editing

    /// Copies `cell` into the arena and returns its span.
    private mutating func store(_ cell: [UInt8]) -> CellSpan {
        let span = CellSpan(start: arena.count, count: cell.count)
        arena.append(contentsOf: cell)
        return span
    }

    mutating func append(_ cell: [UInt8]) { insert(cell, at: spans.count) }

    mutating func insert(_ cell: [UInt8], at i: Int) {
        spans.insert(store(cell), at: i)
        cellBytesTotal += cell.count
    }

    mutating func replace(at i: Int, with cell: [UInt8]) {
        cellBytesTotal += cell.count - spans[i].count
        spans[i] = store(cell)
    }

    mutating func remove(at i: Int) {
        cellBytesTotal -= spans.remove(at: i).count
    }

    // MARK: Writing

    /// Writes the node into a page buffer (bytes 4..<pageSize; the checksum and txID belong to the pager).
    func write(into page: inout [UInt8]) {
        let pageSize = page.count
        page[PageHeader.kindOffset] = kind.rawValue
        page.storeLE(UInt16(spans.count), at: BTreeLayout.cellCountOffset)
        page.storeLE(UInt16(0), at: BTreeLayout.fragmentedOffset)
        page.storeLE(isLeaf ? 0 : rightChild.rawValue, at: BTreeLayout.rightChildOffset)
        var contentStart = pageSize
        var slot = BTreeLayout.slotArrayOffset
        var i = 0
        while i < spans.count {
            // Cells i..<j lie in the arena as they will lie in the page (each just below the previous one),
            // as cells read from a compacted page do: one copy moves them all.
            var j = i + 1
            while j < spans.count, spans[j].start + spans[j].count == spans[j - 1].start { j += 1 }
            let runStart = spans[j - 1].start
            let runEnd = spans[i].start + spans[i].count
            contentStart -= runEnd - runStart
            page.storeBytes(arena[runStart..<runEnd], at: contentStart)
            let shift = contentStart - runStart
            for k in i..<j {
                page.storeLE(UInt16(spans[k].start + shift), at: slot)
                slot += BTreeLayout.slotSize
            }
            i = j
        }
        page.storeLE(UInt32(contentStart), at: BTreeLayout.contentStartOffset)
        if slot < contentStart { page.storeBytes(zeroPage[0..<(contentStart - slot)], at: slot) }
    }

    /// Writes the node to `page` through the writer; throws if it does not fit (an engine or file fault).
    func store(to page: PageID, in w: any PageWriter) throws(SombraError) {
        guard fits(pageSize: w.pageSize) else {
            throw .corruptPage(page: page.rawValue, reason: "node of \(byteCount) bytes does not fit a page")
        }
        try w.update(page) { (bytes: inout [UInt8]) throws(SombraError) in write(into: &bytes) }
    }

    // MARK: Merging and splitting

    /// Concatenates `left`, the parent's separator (interior nodes pull it down) and `right`.
    static func merged(_ left: NodeCells, separator: ArraySlice<UInt8>, _ right: NodeCells) -> NodeCells {
        var result = left
        result.rightChild = right.rightChild
        result.spans.reserveCapacity(left.count + right.count + 1)
        if !left.isLeaf { result.append(BTreeLayout.interiorCell(child: left.rightChild, key: separator)) }
        let shift = result.arena.count
        result.arena.append(contentsOf: right.arena)
        for span in right.spans { result.spans.append(CellSpan(start: span.start + shift, count: span.count)) }
        result.cellBytesTotal += right.cellBytesTotal
        return result
    }

    /// The first `m` cells (left) and the cells from `from` on (right), sharing this node's arena.
    private func halves(_ m: Int, rightFrom: Int, leftRightChild: PageID)
        -> (left: NodeCells, right: NodeCells) {
        let left = NodeCells(isLeaf: isLeaf, arena: arena, spans: Array(spans[0..<m]), rightChild: leftRightChild)
        let right = NodeCells(isLeaf: isLeaf, arena: arena, spans: Array(spans[rightFrom...]), rightChild: rightChild)
        return (left, right)
    }

    /// Splits an over-full (or merged) node in two; `page` names the node in errors.
    func split(packLeft: Bool, pageSize: Int, page: PageID) throws(SombraError)
        -> (left: NodeCells, separator: [UInt8], right: NodeCells) {
        let n = spans.count
        let room = BTreeLayout.usableBytes(pageSize: pageSize)
        let total = cellBytesTotal + n * BTreeLayout.slotSize
        // Leaf: left = 0..<m, right = m..<n. Interior: left = 0..<m, cell m moves up, right = m+1..<n.
        let lastCandidate = isLeaf ? n - 1 : n - 2
        var best: Int? = nil
        var bestScore = Int.max
        var leftBytes = 0   // bytes of cells 0..<m with their slots
        var m = 1
        while m <= lastCandidate {
            leftBytes += spans[m - 1].count + BTreeLayout.slotSize
            let rightBytes = isLeaf ? total - leftBytes : total - leftBytes - spans[m].count - BTreeLayout.slotSize
            if leftBytes > room { break }
            if rightBytes <= room {
                let score = packLeft ? -m : abs(leftBytes - rightBytes)
                if score < bestScore { bestScore = score; best = m }
            }
            m += 1
        }
        guard let m = best else {
            throw .corruptPage(page: page.rawValue, reason: "node of \(n) cells cannot be split into two pages")
        }
        if isLeaf {
            let (left, right) = halves(m, rightFrom: m, leftRightChild: .none)
            let separator = BTreeLayout.shortestSeparator(key(m - 1), key(m))
            return (left, Array(separator), right)
        }
        let (left, right) = halves(m, rightFrom: m + 1, leftRightChild: child(m))
        return (left, Array(key(m)), right)
    }
}
