// BTreePageBuilder: one B-tree page under construction in a reusable buffer, cells appended in key order.
// Layer: SombraIndex. Used by the bulk build so that filling a page allocates nothing per cell.
// Spec: Docs/FORMAT.md, "B+tree pages".
//
// Invariants:
//  1. The buffer always holds a well-formed compacted page for the cells appended so far: cell i's slot at
//     32 + 2i, cell 0 at the end of the page and each later cell just below the previous one, exactly as
//     `NodeCells.write(into:)` lays them out; the bytes between the slots and the cells are zeroed when the
//     page is stored.
//  2. Appends never exceed the page: callers ask `fits(cellBytes:)` first, and an append that would not fit
//     is refused with `.invalidArgument` (an engine bug, never a file's fault) before any byte is written.
//  3. `store` hands the buffer to the page and takes the page's old bytes as the next buffer, so building
//     a page costs no allocation once the first buffer exists; bytes 0..<16 of the page (checksum, txID,
//     flags) are kept as the pager left them, only the kind byte is set.
import SombraFormat
import SombraStorage

struct BTreePageBuilder {
    let pageSize: Int
    private(set) var isLeaf: Bool
    private(set) var cellCount = 0
    /// Offset of the lowest cell; `pageSize` when there is none.
    private(set) var contentStart: Int
    /// Interior pages only: the child for keys >= the last key.
    var rightChild: PageID = .none
    private var buffer: [UInt8]

    init(pageSize: Int, isLeaf: Bool) {
        self.pageSize = pageSize
        self.isLeaf = isLeaf
        contentStart = pageSize
        buffer = [UInt8](repeating: 0, count: pageSize)
    }

    var isEmpty: Bool { cellCount == 0 }

    /// Bytes the page uses: B-tree header, slots and cells (`NodeCells.byteCount` of the same cells).
    var byteCount: Int { BTreeLayout.slotArrayOffset + cellCount * BTreeLayout.slotSize + (pageSize - contentStart) }

    /// Whether one more cell of `cellBytes` (plus its slot) fits.
    func fits(cellBytes: Int) -> Bool { byteCount + cellBytes + BTreeLayout.slotSize <= pageSize }

    /// Empties the page for reuse as a leaf or interior page.
    mutating func reset(isLeaf: Bool) {
        self.isLeaf = isLeaf
        cellCount = 0
        contentStart = pageSize
        rightChild = .none
    }

    /// Reserves room for a cell of `cellBytes`, writes its slot and returns the cell's offset.
    private mutating func place(cellBytes: Int) throws(SombraError) -> Int {
        guard fits(cellBytes: cellBytes) else {
            throw .invalidArgument("a cell of \(cellBytes) bytes does not fit the page under construction")
        }
        contentStart -= cellBytes
        buffer.storeLE(UInt16(truncatingIfNeeded: contentStart), at: BTreeLayout.slotArrayOffset + cellCount * BTreeLayout.slotSize)
        cellCount += 1
        return contentStart
    }

    /// Bytes of a leaf cell for a key and a stored value (inline, or an overflow pointer).
    static func leafCellBytes(keyBytes: Int, storedBytes: Int, overflow: Bool) -> Int {
        BTreeLayout.leafHeaderSize(keyBytes: keyBytes, storedBytes: storedBytes, overflow: overflow) + keyBytes
            + (overflow ? BTreeLayout.overflowPointerSize : storedBytes)
    }

    /// Appends a leaf cell holding `stored` inline, or a pointer to its overflow chain at `overflowPage`;
    /// the same bytes `BTreeLayout.leafCell` builds.
    mutating func appendLeafCell(key: [UInt8], stored: StoredValue, overflowPage: PageID?) throws(SombraError) {
        let cellBytes = Self.leafCellBytes(keyBytes: key.count, storedBytes: stored.bytes.count, overflow: overflowPage != nil)
        var at = try place(cellBytes: cellBytes)
        var flags: UInt8 = stored.compressed ? BTreeLayout.flagCompressed : 0
        if overflowPage != nil { flags |= BTreeLayout.flagOverflow }
        at = BTreeLayout.storeLeafHeader(into: &buffer, at: at, flags: flags, keyBytes: key.count, storedBytes: stored.bytes.count)
        copy(key, to: at)
        at += key.count
        if let overflowPage {
            buffer.storeLE(overflowPage.rawValue, at: at)
        } else {
            copy(stored.bytes, to: at)
        }
    }

    /// Appends a cell copied verbatim from `bytes[range]` (a validated cell of a page of the same kind).
    mutating func appendRawCell(_ bytes: [UInt8], _ range: Range<Int>) throws(SombraError) {
        let at = try place(cellBytes: range.count)
        buffer.storeBytes(bytes[range], at: at)
    }

    /// Appends a leaf cell holding `value` raw and inline (flags 0): the cell `appendLeafCell` writes for a
    /// value ValueCodec stores uncompressed.
    mutating func appendInlineLeafCell(key: [UInt8], value: ArraySlice<UInt8>) throws(SombraError) {
        let at = try place(cellBytes: Self.leafCellBytes(keyBytes: key.count, storedBytes: value.count, overflow: false))
        let keyStart = BTreeLayout.storeLeafHeader(into: &buffer, at: at, flags: 0, keyBytes: key.count, storedBytes: value.count)
        copy(key, to: keyStart)
        buffer.storeBytes(value, at: keyStart + key.count)
    }

    /// Appends an interior cell (child page, key); the same bytes `BTreeLayout.interiorCell` builds.
    mutating func appendInteriorCell(child: PageID, key: [UInt8]) throws(SombraError) {
        let at = try place(cellBytes: BTreeLayout.interiorCellHeaderSize + key.count)
        buffer.storeLE(child.rawValue, at: at)
        buffer.storeLE(UInt16(truncatingIfNeeded: key.count), at: at + BTreeLayout.interiorKeyLengthOffset)
        copy(key, to: at + BTreeLayout.interiorCellHeaderSize)
    }

    private mutating func copy(_ bytes: [UInt8], to offset: Int) {
        buffer.storeBytes(bytes[...], at: offset)
    }

    /// The page's cells as a `NodeCells` (for the rare rebalance of a level's last two pages); the node
    /// shares the buffer's bytes.
    func nodeCells() -> NodeCells {
        var spans: [CellSpan] = []
        spans.reserveCapacity(cellCount)
        for i in 0..<cellCount {
            let start = Int(buffer.loadLE(UInt16.self, at: BTreeLayout.slotArrayOffset + i * BTreeLayout.slotSize))
            let length: Int
            if isLeaf {
                // The builder wrote these cells itself, so their headers are whole.
                let header = BTreeLayout.leafHeader(buffer, at: start) ?? (0, 0, 0, BTreeLayout.shortLeafCellHeaderSize)
                let overflow = header.flags & BTreeLayout.flagOverflow != 0
                length = header.headerSize + header.keyCount + (overflow ? BTreeLayout.overflowPointerSize : header.valueLength)
            } else {
                length = BTreeLayout.interiorCellHeaderSize
                    + Int(buffer.loadLE(UInt16.self, at: start + BTreeLayout.interiorKeyLengthOffset))
            }
            spans.append(CellSpan(start: start, count: length))
        }
        return NodeCells(isLeaf: isLeaf, arena: buffer, spans: spans, rightChild: rightChild)
    }

    /// Writes the page to `page` (invariant 3) and leaves the builder empty, of the same kind.
    mutating func store(to page: PageID, in w: any PageWriter) throws(SombraError) {
        guard w.pageSize == pageSize else {
            throw .invalidArgument("page builder for \(pageSize)-byte pages used with \(w.pageSize)-byte pages")
        }
        buffer[PageHeader.kindOffset] = isLeaf ? PageKind.btreeLeaf.rawValue : PageKind.btreeInterior.rawValue
        buffer.storeLE(UInt16(truncatingIfNeeded: cellCount), at: BTreeLayout.cellCountOffset)
        buffer.storeLE(UInt16(0), at: BTreeLayout.fragmentedOffset)
        buffer.storeLE(UInt32(truncatingIfNeeded: contentStart), at: BTreeLayout.contentStartOffset)
        buffer.storeLE(isLeaf ? 0 : rightChild.rawValue, at: BTreeLayout.rightChildOffset)
        let gapStart = BTreeLayout.slotArrayOffset + cellCount * BTreeLayout.slotSize
        for i in gapStart..<contentStart { buffer[i] = 0 }
        try w.update(page) { (bytes: inout [UInt8]) throws(SombraError) in
            guard bytes.count == pageSize else {
                throw .corruptPage(page: page.rawValue, reason: "page is \(bytes.count) bytes, expected \(pageSize)")
            }
            for i in 0..<PageHeader.size where i != PageHeader.kindOffset { buffer[i] = bytes[i] }
            swap(&bytes, &buffer)
        }
        reset(isLeaf: isLeaf)
    }
}
