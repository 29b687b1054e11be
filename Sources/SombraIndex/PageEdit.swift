// PageEdit: in-place edits of one B-tree page (the fast write path: no split, no rebalance).
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages".
//
// Invariants:
//  1. Every edit re-validates the page header and the cells it touches on the bytes it is given, and
//     decides whether the result fits before changing a byte (a `false` result leaves the page untouched);
//     a throw means the page is corrupt and the transaction must be rolled back.
//  2. After an edit, pageSize - contentStart == sum(cell sizes) + fragmented bytes (rule B10).
//  3. When the gap between the slot array and the content start is too small but the fragmented bytes
//     would make room, the page is compacted first; freed cell bytes are zeroed.
import SombraFormat
import SombraStorage

enum PageEdit {
    /// Inserts `cell` as cell `index`; false (page untouched) if it does not fit even after compaction.
    static func insert(_ cell: [UInt8], at index: Int, page: PageID, pageCount: UInt64,
                       into bytes: inout [UInt8]) throws(SombraError) -> Bool {
        var view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        guard index <= view.cellCount else { throw view.corrupt("insert position \(index) past \(view.cellCount) cells") }
        let needed = cell.count + BTreeLayout.slotSize
        guard view.usedBytes + needed <= bytes.count else { return false }
        if view.contentStart - view.slotEnd < needed {
            try compact(view, into: &bytes)
            view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        }
        let start = view.contentStart - cell.count
        let slotEnd = view.slotEnd
        guard start >= slotEnd + BTreeLayout.slotSize else { throw view.corrupt("page accounting is inconsistent") }
        bytes.replaceSubrange(start..<(start + cell.count), with: cell)
        let slot = BTreeLayout.slotArrayOffset + index * BTreeLayout.slotSize
        var position = slotEnd
        while position > slot {   // shift slots index..<n up by one slot, from the end
            bytes[position] = bytes[position - 2]
            bytes[position + 1] = bytes[position - 1]
            position -= 2
        }
        bytes.storeLE(UInt16(start), at: slot)
        bytes.storeLE(UInt16(view.cellCount + 1), at: BTreeLayout.cellCountOffset)
        bytes.storeLE(UInt32(start), at: BTreeLayout.contentStartOffset)
        return true
    }

    /// Removes cell `index`, zeroing its bytes.
    static func remove(at index: Int, page: PageID, pageCount: UInt64, from bytes: inout [UInt8]) throws(SombraError) {
        let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        guard index < view.cellCount else { throw view.corrupt("remove position \(index) past \(view.cellCount) cells") }
        let offset = try view.cellOffset(index)
        let size = try view.cellSize(index)
        var fragmented = view.fragmentedBytes
        var contentStart = view.contentStart
        if offset == contentStart {
            contentStart += size
        } else {
            fragmented += size
            guard fragmented <= bytes.count - contentStart else { throw view.corrupt("fragmented bytes overflow") }
        }
        for i in offset..<(offset + size) { bytes[i] = 0 }
        let slot = BTreeLayout.slotArrayOffset + index * BTreeLayout.slotSize
        let lastSlot = view.slotEnd - BTreeLayout.slotSize
        var position = slot
        while position < lastSlot {
            bytes[position] = bytes[position + 2]
            bytes[position + 1] = bytes[position + 3]
            position += 2
        }
        bytes[lastSlot] = 0
        bytes[lastSlot + 1] = 0
        bytes.storeLE(UInt16(view.cellCount - 1), at: BTreeLayout.cellCountOffset)
        bytes.storeLE(UInt16(fragmented), at: BTreeLayout.fragmentedOffset)
        bytes.storeLE(UInt32(contentStart), at: BTreeLayout.contentStartOffset)
    }

    /// Replaces cell `index` by `cell`; false (page untouched) if the result would not fit.
    static func replace(at index: Int, with cell: [UInt8], page: PageID, pageCount: UInt64,
                        in bytes: inout [UInt8]) throws(SombraError) -> Bool {
        let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        guard index < view.cellCount else { throw view.corrupt("replace position \(index) past \(view.cellCount) cells") }
        let oldSize = try view.cellSize(index)
        guard view.usedBytes - oldSize + cell.count <= bytes.count else { return false }
        try remove(at: index, page: page, pageCount: pageCount, from: &bytes)
        guard try insert(cell, at: index, page: page, pageCount: pageCount, into: &bytes) else {
            throw view.corrupt("page accounting is inconsistent")
        }
        return true
    }

    /// Rewrites the page with its cells packed against the end and no fragmented bytes.
    static func compact(_ view: NodeView, into bytes: inout [UInt8]) throws(SombraError) {
        var node = try NodeCells(view)
        node.rightChild = PageID(view.rightChild)
        guard node.fits(pageSize: bytes.count) else { throw view.corrupt("cells overlap or exceed the page") }
        node.write(into: &bytes)
    }
}
