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
//  4. A NodeView shares the page's bytes, so each edit takes the scalars it needs from its view before the
//     first write: a view still alive at a write would make that write copy the whole page.
import SombraFormat
import SombraStorage

enum PageEdit {
    /// Inserts `cell` as cell `index`; false (page untouched) if it does not fit even after compaction.
    static func insert(_ cell: [UInt8], at index: Int, page: PageID, pageCount: UInt64,
                       into bytes: inout [UInt8]) throws(SombraError) -> Bool {
        var (cellCount, contentStart, slotEnd, usedBytes) = try layout(of: bytes, page: page, pageCount: pageCount)
        guard index <= cellCount else {
            throw .corruptPage(page: page.rawValue, reason: "insert position \(index) past \(cellCount) cells")
        }
        let needed = cell.count + BTreeLayout.slotSize
        guard usedBytes + needed <= bytes.count else { return false }
        if contentStart - slotEnd < needed {
            try compact(NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount), into: &bytes)
            (cellCount, contentStart, slotEnd, usedBytes) = try layout(of: bytes, page: page, pageCount: pageCount)
        }
        let start = contentStart - cell.count
        guard start >= slotEnd + BTreeLayout.slotSize else {
            throw .corruptPage(page: page.rawValue, reason: "page accounting is inconsistent")
        }
        bytes.storeBytes(cell[...], at: start)
        let slot = BTreeLayout.slotArrayOffset + index * BTreeLayout.slotSize
        var position = slotEnd
        while position > slot {   // shift slots index..<n up by one slot, from the end
            bytes[position] = bytes[position - 2]
            bytes[position + 1] = bytes[position - 1]
            position -= 2
        }
        bytes.storeLE(UInt16(start), at: slot)
        bytes.storeLE(UInt16(cellCount + 1), at: BTreeLayout.cellCountOffset)
        bytes.storeLE(UInt32(start), at: BTreeLayout.contentStartOffset)
        return true
    }

    /// Removes cell `index`, zeroing its bytes.
    static func remove(at index: Int, page: PageID, pageCount: UInt64, from bytes: inout [UInt8]) throws(SombraError) {
        let (cellCount, offset, size, fragmentedBefore, contentStartBefore, slotEnd) = try {
            () throws(SombraError) in
            let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
            guard index < view.cellCount else { throw view.corrupt("remove position \(index) past \(view.cellCount) cells") }
            let range = try view.cellRange(index)
            return (view.cellCount, range.lowerBound, range.count, view.fragmentedBytes, view.contentStart, view.slotEnd)
        }()
        var fragmented = fragmentedBefore
        var contentStart = contentStartBefore
        if offset == contentStart {
            contentStart += size
        } else {
            fragmented += size
            guard fragmented <= bytes.count - contentStart else {
                throw .corruptPage(page: page.rawValue, reason: "fragmented bytes overflow")
            }
        }
        for i in offset..<(offset + size) { bytes[i] = 0 }
        let slot = BTreeLayout.slotArrayOffset + index * BTreeLayout.slotSize
        let lastSlot = slotEnd - BTreeLayout.slotSize
        var position = slot
        while position < lastSlot {
            bytes[position] = bytes[position + 2]
            bytes[position + 1] = bytes[position + 3]
            position += 2
        }
        bytes[lastSlot] = 0
        bytes[lastSlot + 1] = 0
        bytes.storeLE(UInt16(cellCount - 1), at: BTreeLayout.cellCountOffset)
        bytes.storeLE(UInt16(fragmented), at: BTreeLayout.fragmentedOffset)
        bytes.storeLE(UInt32(contentStart), at: BTreeLayout.contentStartOffset)
    }

    /// Replaces cell `index` by `cell`; false (page untouched) if the result would not fit.
    static func replace(at index: Int, with cell: [UInt8], page: PageID, pageCount: UInt64,
                        in bytes: inout [UInt8]) throws(SombraError) -> Bool {
        let (oldRange, usedBytes) = try { () throws(SombraError) in
            let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
            guard index < view.cellCount else { throw view.corrupt("replace position \(index) past \(view.cellCount) cells") }
            return (try view.cellRange(index), view.usedBytes)
        }()
        if oldRange.count == cell.count {
            // Same size (a counter, a fixed-width record): overwrite the cell where it is. No slot moves and
            // no bytes are freed, so the page never fragments and never needs compacting for it.
            bytes.storeBytes(cell[...], at: oldRange.lowerBound)
            return true
        }
        let oldSize = oldRange.count
        guard usedBytes - oldSize + cell.count <= bytes.count else { return false }
        try remove(at: index, page: page, pageCount: pageCount, from: &bytes)
        guard try insert(cell, at: index, page: page, pageCount: pageCount, into: &bytes) else {
            throw .corruptPage(page: page.rawValue, reason: "page accounting is inconsistent")
        }
        return true
    }

    /// The validated header figures an insert needs: cell count, content start, slot end, used bytes.
    private static func layout(of bytes: [UInt8], page: PageID, pageCount: UInt64) throws(SombraError)
        -> (cellCount: Int, contentStart: Int, slotEnd: Int, usedBytes: Int) {
        let view = try NodeView(bytes, page: page, pageSize: bytes.count, pageCount: pageCount)
        return (view.cellCount, view.contentStart, view.slotEnd, view.usedBytes)
    }

    /// Rewrites the page with its cells packed against the end and no fragmented bytes.
    static func compact(_ view: NodeView, into bytes: inout [UInt8]) throws(SombraError) {
        var node = try NodeCells(view)
        node.rightChild = PageID(view.rightChild)
        guard node.fits(pageSize: bytes.count) else { throw view.corrupt("cells overlap or exceed the page") }
        node.write(into: &bytes)
    }
}
