// NodeCells: a B-tree node held as a list of cells in memory, used by the slow write paths (split, merge,
// rebalance, bulk build) where a node may briefly hold more than a page.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages".
//
// Invariants:
//  1. Cells are in key order; each cell is well formed (decoded from a validated page or built by
//     BTreeLayout), so its key can be sliced without further checks.
//  2. `write(into:)` produces a compacted page: slots in order, cells packed from the end, no fragmented
//     bytes, the gap zeroed; it rewrites the kind byte (a root changes between leaf and interior).
//  3. `split` yields two nodes that both fit and are both non-empty (an interior half keeps at least one
//     cell), or throws; with `packLeft` the left node is filled as far as it goes (right-edge appends).
import SombraFormat
import SombraStorage

struct NodeCells {
    var isLeaf: Bool
    var cells: [[UInt8]]
    /// Interior nodes only: the child for keys >= the last key.
    var rightChild: PageID

    init(isLeaf: Bool, cells: [[UInt8]] = [], rightChild: PageID = .none) {
        self.isLeaf = isLeaf
        self.cells = cells
        self.rightChild = rightChild
    }

    /// Decodes every cell of a page, validating each one's extent.
    init(_ view: NodeView) throws(SombraError) {
        isLeaf = view.isLeaf
        rightChild = PageID(view.rightChild)
        cells = []
        cells.reserveCapacity(view.cellCount)
        for i in 0..<view.cellCount {
            if !view.isLeaf { _ = try view.child(at: i) }
            cells.append(try view.cellBytes(i))
        }
    }

    var kind: PageKind { isLeaf ? .btreeLeaf : .btreeInterior }

    /// Bytes the node needs in a page: B-tree header, slots and cells.
    var byteCount: Int {
        var total = BTreeLayout.slotArrayOffset
        for cell in cells { total += cell.count + BTreeLayout.slotSize }
        return total
    }

    func fits(pageSize: Int) -> Bool { byteCount <= pageSize }

    func key(_ i: Int) -> ArraySlice<UInt8> { BTreeLayout.key(ofCell: cells[i], isLeaf: isLeaf) }

    /// Writes the node into a page buffer (bytes 4..<pageSize; the checksum and txID belong to the pager).
    func write(into page: inout [UInt8]) {
        let pageSize = page.count
        page[PageHeader.kindOffset] = kind.rawValue
        page.storeLE(UInt16(cells.count), at: BTreeLayout.cellCountOffset)
        page.storeLE(UInt16(0), at: BTreeLayout.fragmentedOffset)
        page.storeLE(isLeaf ? 0 : rightChild.rawValue, at: BTreeLayout.rightChildOffset)
        var contentStart = pageSize
        for (i, cell) in cells.enumerated() {
            contentStart -= cell.count
            page.replaceSubrange(contentStart..<(contentStart + cell.count), with: cell)
            page.storeLE(UInt16(contentStart), at: BTreeLayout.slotArrayOffset + i * BTreeLayout.slotSize)
        }
        page.storeLE(UInt32(contentStart), at: BTreeLayout.contentStartOffset)
        let gapStart = BTreeLayout.slotArrayOffset + cells.count * BTreeLayout.slotSize
        for i in gapStart..<contentStart { page[i] = 0 }
    }

    /// Writes the node to `page` through the writer; throws if it does not fit (an engine or file fault).
    func store(to page: PageID, in w: any PageWriter) throws(SombraError) {
        guard fits(pageSize: w.pageSize) else {
            throw .corruptPage(page: page.rawValue, reason: "node of \(byteCount) bytes does not fit a page")
        }
        try w.update(page) { (bytes: inout [UInt8]) throws(SombraError) in write(into: &bytes) }
    }

    /// Concatenates `left`, the parent's separator (interior nodes pull it down) and `right`.
    static func merged(_ left: NodeCells, separator: ArraySlice<UInt8>, _ right: NodeCells) -> NodeCells {
        var result = NodeCells(isLeaf: left.isLeaf, rightChild: right.rightChild)
        result.cells.reserveCapacity(left.cells.count + right.cells.count + 1)
        result.cells.append(contentsOf: left.cells)
        if !left.isLeaf { result.cells.append(BTreeLayout.interiorCell(child: left.rightChild, key: separator)) }
        result.cells.append(contentsOf: right.cells)
        return result
    }

    /// Splits an over-full (or merged) node in two; `page` names the node in errors.
    func split(packLeft: Bool, pageSize: Int, page: PageID) throws(SombraError)
        -> (left: NodeCells, separator: [UInt8], right: NodeCells) {
        let n = cells.count
        var prefix = [Int](repeating: 0, count: n + 1)   // prefix[i]: bytes of cells 0..<i with slots
        for i in 0..<n { prefix[i + 1] = prefix[i] + cells[i].count + BTreeLayout.slotSize }
        let room = BTreeLayout.usableBytes(pageSize: pageSize)
        // Leaf: left = 0..<m, right = m..<n. Interior: left = 0..<m, cell m moves up, right = m+1..<n.
        let candidates = isLeaf ? Array(1..<max(1, n)) : Array(1..<max(1, n - 1))
        var best: Int? = nil
        var bestScore = Int.max
        for m in candidates {
            let leftBytes = prefix[m]
            let rightBytes = isLeaf ? prefix[n] - prefix[m] : prefix[n] - prefix[m + 1]
            guard leftBytes <= room, rightBytes <= room else { continue }
            let score = packLeft ? -m : abs(leftBytes - rightBytes)
            if score < bestScore { bestScore = score; best = m }
        }
        guard let m = best else {
            throw .corruptPage(page: page.rawValue, reason: "node of \(n) cells cannot be split into two pages")
        }
        if isLeaf {
            let left = NodeCells(isLeaf: true, cells: Array(cells[0..<m]))
            let right = NodeCells(isLeaf: true, cells: Array(cells[m..<n]))
            let separator = BTreeLayout.shortestSeparator(key(m - 1), key(m))
            return (left, Array(separator), right)
        }
        let left = NodeCells(isLeaf: false, cells: Array(cells[0..<m]), rightChild: BTreeLayout.child(ofInteriorCell: cells[m]))
        let right = NodeCells(isLeaf: false, cells: Array(cells[(m + 1)..<n]), rightChild: rightChild)
        return (left, Array(key(m)), right)
    }
}
