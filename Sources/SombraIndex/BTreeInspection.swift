// BTreeInspection: a read-only look at single B-tree pages for tools above this layer (the graph
// verifier, salvage, and `sombractl page` / `pages`), which must decode pages outside any tree walk.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages". Adds no format knowledge of its own: every
// decode goes through NodeView, so the validity rules B1–B12 hold for what is returned.
//
// Invariants:
//  1. Every function validates the page (NodeView) before reading a field and throws `.corruptPage`
//     naming the page; none traps on any input.
//  2. Values are read only on request (`leafValue`), through a reader, so overflow chains stay bounded by
//     OverflowChain's checks (length and the reader's page count).
import SombraFormat
import SombraStorage

/// The B-tree header and occupancy of one page.
package struct BTreePageSummary: Sendable {
    package let page: PageID
    package let isLeaf: Bool
    package let cellCount: Int
    package let contentStart: Int
    package let fragmentedBytes: Int
    /// Interior pages: the child for keys >= the last key; 0 in leaves.
    package let rightChild: UInt64
    /// Slot array and live cell bytes (what the page would hold compacted), without the 32 header bytes.
    package let usedBytes: Int
    /// Bytes available for slots and cells.
    package let usableBytes: Int
}

/// One leaf cell as stored (the value itself is read with `BTree.leafValue`).
package struct BTreeLeafCellInfo: Sendable {
    package let index: Int
    package let key: [UInt8]
    /// Stored length: inline bytes, or the total length of the overflow chain.
    package let storedLength: Int
    package let isOverflow: Bool
    package let isCompressed: Bool
    package let overflowPage: PageID
    package let cellOffset: Int
    package let cellSize: Int
}

/// One interior cell: the child for keys below `key` (and at or above the previous cell's key).
package struct BTreeInteriorCellInfo: Sendable {
    package let index: Int
    package let child: PageID
    package let key: [UInt8]
    package let cellOffset: Int
}

extension BTree {
    /// The header fields and fill of a B-tree page given as bytes (checksum already checked by the caller).
    package static func inspectPage(_ bytes: [UInt8], page: PageID, pageCount: UInt64) throws(SombraError) -> BTreePageSummary {
        let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        return BTreePageSummary(page: page, isLeaf: view.isLeaf, cellCount: view.cellCount,
                                contentStart: view.contentStart, fragmentedBytes: view.fragmentedBytes,
                                rightChild: view.rightChild,
                                usedBytes: view.usedBytes - BTreeLayout.slotArrayOffset,
                                usableBytes: BTreeLayout.usableBytes(pageSize: view.pageSize))
    }

    /// Every cell of a leaf page, validated one by one.
    package static func leafCells(_ bytes: [UInt8], page: PageID, pageCount: UInt64) throws(SombraError) -> [BTreeLeafCellInfo] {
        let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        guard view.isLeaf else { throw view.corrupt("expected a leaf page, found an interior page") }
        var cells: [BTreeLeafCellInfo] = []
        cells.reserveCapacity(view.cellCount)
        for i in 0..<view.cellCount {
            let cell = try view.leafCell(at: i)
            cells.append(BTreeLeafCellInfo(index: i, key: Array(try view.key(at: i)), storedLength: cell.valueLength,
                                           isOverflow: cell.isOverflow, isCompressed: cell.isCompressed,
                                           overflowPage: cell.overflowPage, cellOffset: cell.offset, cellSize: cell.size))
        }
        return cells
    }

    /// Every cell of an interior page and its right child, validated one by one.
    package static func interiorCells(_ bytes: [UInt8], page: PageID, pageCount: UInt64)
        throws(SombraError) -> (cells: [BTreeInteriorCellInfo], rightChild: PageID) {
        let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        guard !view.isLeaf else { throw view.corrupt("expected an interior page, found a leaf page") }
        var cells: [BTreeInteriorCellInfo] = []
        cells.reserveCapacity(view.cellCount)
        for i in 0..<view.cellCount {
            cells.append(BTreeInteriorCellInfo(index: i, child: try view.child(at: i), key: Array(try view.key(at: i)),
                                               cellOffset: try view.cellOffset(i)))
        }
        return (cells, PageID(view.rightChild))
    }

    /// The value of leaf cell `index` of the page `bytes`: overflow pages are read through `r` and
    /// compressed values inflated, with the same checks as a tree lookup.
    package static func leafValue(_ bytes: [UInt8], page: PageID, index: Int, in r: any PageReader) throws(SombraError) -> [UInt8] {
        let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: r.pageCount)
        guard view.isLeaf, index >= 0, index < view.cellCount else {
            throw view.corrupt("no leaf cell \(index) on this page")
        }
        return try readValue(view, index, in: r)
    }
}
