// BTreeFormat: the byte layout of B+tree pages and cells, and the limits derived from the page size.
// Layer: SombraIndex (above the pager). Spec: Docs/FORMAT.md, "B+tree pages" (Docs/FORMAT-btree.md).
//
// Invariants:
//  1. A B-tree page is the 16-byte common header, a 16-byte B-tree header at 16..<32, a slot array of u16
//     cell offsets at 32..<32+2n sorted by key, free space, then cells packed toward the end of the page.
//  2. Every cell, including its slot, is at most `maxCellBytes + 2 = (pageSize - 32) / 4` bytes, so at least
//     four cells always fit a page and a page that overflows by one cell always splits into two that fit.
//  3. Keys are at most `maxKeyBytes(pageSize:)`: a leaf cell with an overflow pointer and an interior cell
//     holding that key both stay within `maxCellBytes`.
//  4. All integers are little-endian. A slot offset is always < pageSize (a cell has at least 3 bytes),
//     so u16 suffices even for 64 KiB pages; the content start may equal pageSize and is a u32.
import SombraFormat
import SombraStorage

enum BTreeLayout {
    // B-tree header (after the 16-byte common header).
    static let cellCountOffset = 16       // u16
    static let fragmentedOffset = 18      // u16: bytes inside the content area not used by any cell
    static let contentStartOffset = 20    // u32: offset of the lowest cell; pageSize when there are none
    static let rightChildOffset = 24      // u64: interior pages only; 0 in leaves
    static let slotArrayOffset = 32
    static let slotSize = 2

    // Leaf cell, long form: flags u8, key length u16, value length u32, key, then inline value or overflow
    // page u64. Short form (flag `flagShort`; inline values only, key and value each at most 255 bytes):
    // flags u8, key length u8, value length u8, key, value. Writers use the short form whenever it applies.
    static let leafCellHeaderSize = 7
    static let shortLeafCellHeaderSize = 3
    static let leafKeyLengthOffset = 1
    static let leafValueLengthOffset = 3
    static let shortLeafValueLengthOffset = 2
    static let shortLengthMax = 255
    static let overflowPointerSize = 8
    static let flagOverflow: UInt8 = 0x01
    static let flagCompressed: UInt8 = 0x02
    static let flagShort: UInt8 = 0x04
    static let knownFlags: UInt8 = flagOverflow | flagCompressed | flagShort

    /// Whether a leaf cell with these lengths is written in the short form.
    @inline(__always)
    static func isShortLeafCell(keyBytes: Int, storedBytes: Int, overflow: Bool) -> Bool {
        !overflow && keyBytes <= shortLengthMax && storedBytes <= shortLengthMax
    }

    /// Header bytes of a leaf cell with these lengths (3 in the short form, else 7).
    @inline(__always)
    static func leafHeaderSize(keyBytes: Int, storedBytes: Int, overflow: Bool) -> Int {
        isShortLeafCell(keyBytes: keyBytes, storedBytes: storedBytes, overflow: overflow)
            ? shortLeafCellHeaderSize : leafCellHeaderSize
    }

    /// Writes a leaf cell's header at `at` (flags given without `flagShort`, which this adds when the short
    /// form applies); returns where the key starts.
    @inline(__always)
    static func storeLeafHeader(into buffer: inout [UInt8], at: Int, flags: UInt8, keyBytes: Int, storedBytes: Int) -> Int {
        if isShortLeafCell(keyBytes: keyBytes, storedBytes: storedBytes, overflow: flags & flagOverflow != 0) {
            buffer[at] = flags | flagShort
            buffer[at + 1] = UInt8(truncatingIfNeeded: keyBytes)
            buffer[at + 2] = UInt8(truncatingIfNeeded: storedBytes)
            return at + shortLeafCellHeaderSize
        }
        buffer[at] = flags
        buffer.storeLE(UInt16(truncatingIfNeeded: keyBytes), at: at + leafKeyLengthOffset)
        buffer.storeLE(UInt32(truncatingIfNeeded: storedBytes), at: at + leafValueLengthOffset)
        return at + leafCellHeaderSize
    }

    /// The header of the leaf cell at `offset` (flags, key length, stored length, header size), or nil if
    /// the header itself would run past the end of `bytes`. The caller checks the flags and the lengths.
    @inline(__always)
    static func leafHeader(_ bytes: [UInt8], at offset: Int) -> (flags: UInt8, keyCount: Int, valueLength: Int, headerSize: Int)? {
        guard offset >= 0, offset <= bytes.count - shortLeafCellHeaderSize else { return nil }
        let flags = bytes[offset]
        if flags & flagShort != 0 {
            return (flags, Int(bytes[offset + 1]), Int(bytes[offset + 2]), shortLeafCellHeaderSize)
        }
        guard offset <= bytes.count - leafCellHeaderSize else { return nil }
        return (flags, Int(bytes.loadLE(UInt16.self, at: offset + leafKeyLengthOffset)),
                Int(bytes.loadLE(UInt32.self, at: offset + leafValueLengthOffset)), leafCellHeaderSize)
    }

    // Interior cell: child page u64, key length u16, key.
    static let interiorCellHeaderSize = 10
    static let interiorKeyLengthOffset = 8

    /// Bytes available for slots and cells.
    static func usableBytes(pageSize: Int) -> Int { pageSize - slotArrayOffset }

    /// The largest cell (without its slot) a page accepts.
    static func maxCellBytes(pageSize: Int) -> Int { usableBytes(pageSize: pageSize) / 4 - slotSize }

    /// A non-root page whose slots and cells take fewer bytes than this is rebalanced after a delete.
    static func minFillBytes(pageSize: Int) -> Int { usableBytes(pageSize: pageSize) / 4 }

    /// Deepest tree a descent accepts; deeper means a corrupt file (a real tree of 64 levels cannot exist).
    static let maxDepth = 64

    static func leafCell(key: [UInt8], stored: StoredValue, overflowPage: PageID?) -> [UInt8] {
        let inline = overflowPage == nil
        var flags: UInt8 = stored.compressed ? flagCompressed : 0
        if !inline { flags |= flagOverflow }
        let header = leafHeaderSize(keyBytes: key.count, storedBytes: stored.bytes.count, overflow: !inline)
        var cell = [UInt8](repeating: 0, count: header)
        cell.reserveCapacity(header + key.count + (inline ? stored.bytes.count : overflowPointerSize))
        _ = storeLeafHeader(into: &cell, at: 0, flags: flags, keyBytes: key.count, storedBytes: stored.bytes.count)
        cell.append(contentsOf: key)
        if let overflowPage {
            cell.appendLE(overflowPage.rawValue)
        } else {
            cell.append(contentsOf: stored.bytes)
        }
        return cell
    }

    static func interiorCell(child: PageID, key: ArraySlice<UInt8>) -> [UInt8] {
        var cell: [UInt8] = []
        cell.reserveCapacity(interiorCellHeaderSize + key.count)
        cell.appendLE(child.rawValue)
        cell.appendLE(UInt16(truncatingIfNeeded: key.count))
        cell.append(contentsOf: key)
        return cell
    }

    /// The key of a cell built by this file or cut out of a validated page (its lengths are consistent).
    static func key(ofCell cell: [UInt8], isLeaf: Bool) -> ArraySlice<UInt8> {
        if isLeaf {
            guard let header = leafHeader(cell, at: 0) else { return [] }
            return cell[header.headerSize..<(header.headerSize + header.keyCount)]
        }
        let length = Int(cell.loadLE(UInt16.self, at: interiorKeyLengthOffset))
        return cell[interiorCellHeaderSize..<(interiorCellHeaderSize + length)]
    }

    static func child(ofInteriorCell cell: [UInt8]) -> PageID { PageID(cell.loadLE(UInt64.self, at: 0)) }

    /// The shortest key `s` with `left < s <= right` (suffix truncation); `right` itself if none is shorter.
    static func shortestSeparator(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var common = 0
        var l = left.startIndex
        var r = right.startIndex
        while l < left.endIndex, r < right.endIndex, left[l] == right[r] {
            common += 1
            l += 1
            r += 1
        }
        guard common < right.count else { return right }
        return right[right.startIndex..<(right.startIndex + common + 1)]
    }
}

/// Byte-wise lexicographic comparison; a proper prefix sorts first.
@inline(__always)
func compareBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
    var i = a.startIndex
    var j = b.startIndex
    while i < a.endIndex, j < b.endIndex {
        let x = a[i]
        let y = b[j]
        if x != y { return x < y ? -1 : 1 }
        i += 1
        j += 1
    }
    if a.count == b.count { return 0 }
    return a.count < b.count ? -1 : 1
}

extension BTree {
    /// Largest value `put` accepts (16 MiB).
    package static let maxValueBytes = 16 * 1024 * 1024

    /// Values longer than this are compressed with zlib when that makes them smaller.
    package static let compressionThresholdBytes = 1024

    /// Largest key for a page size: a cell holding the key and an overflow pointer must fit `maxCellBytes`,
    /// i.e. `(pageSize - 32) / 4 - 2 - 15` (999 bytes for 4 KiB pages, 2023 for 8 KiB, 16359 for 64 KiB).
    package static func maxKeyBytes(pageSize: Int) -> Int {
        BTreeLayout.maxCellBytes(pageSize: pageSize) - BTreeLayout.leafCellHeaderSize - BTreeLayout.overflowPointerSize
    }

    /// Largest stored value kept inside the leaf for a key of `keyBytes`; longer values go to overflow pages.
    package static func maxInlineValueBytes(keyBytes: Int, pageSize: Int) -> Int {
        BTreeLayout.maxCellBytes(pageSize: pageSize) - BTreeLayout.leafCellHeaderSize - keyBytes
    }
}
