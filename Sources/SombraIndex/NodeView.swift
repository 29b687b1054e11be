// NodeView: a read-only, validating view of one B-tree page, decoded in place (no per-cell allocation).
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages", validity rules B1–B9.
//
// Invariants:
//  1. `init` checks the page's size, kind and B-tree header (rules B1–B5) before any other field is used.
//  2. Every accessor that touches a cell first checks that cell's slot offset and extent against the header
//     and the page size (rules B6–B8), so a corrupt page throws `.corruptPage` naming the page, never traps.
//  3. Child page numbers are checked to be non-zero and below the reader's page count (rule B9).
//  4. The view holds the page array by value (copy-on-write); it never mutates it.
import SombraFormat
import SombraStorage

struct NodeView {
    let bytes: [UInt8]
    let page: PageID
    let isLeaf: Bool
    let cellCount: Int
    let fragmentedBytes: Int
    let contentStart: Int
    let rightChild: UInt64
    let pageCount: UInt64

    var pageSize: Int { bytes.count }
    var slotEnd: Int { BTreeLayout.slotArrayOffset + cellCount * BTreeLayout.slotSize }
    /// Header, slots and live cells (what a compacted page would occupy).
    var usedBytes: Int { slotEnd + (pageSize - contentStart - fragmentedBytes) }
    var minCellSize: Int { isLeaf ? BTreeLayout.shortLeafCellHeaderSize : BTreeLayout.interiorCellHeaderSize }

    init(_ bytes: [UInt8], page: PageID, pageSize: Int, pageCount: UInt64) throws(SombraError) {
        guard bytes.count == pageSize, pageSize > BTreeLayout.slotArrayOffset else {
            throw .corruptPage(page: page.rawValue, reason: "page is \(bytes.count) bytes, expected \(pageSize)")
        }
        switch bytes[PageHeader.kindOffset] {
        case PageKind.btreeLeaf.rawValue: isLeaf = true
        case PageKind.btreeInterior.rawValue: isLeaf = false
        default:
            throw .corruptPage(page: page.rawValue,
                               reason: "expected a B-tree page, found page kind \(bytes[PageHeader.kindOffset])")
        }
        self.bytes = bytes
        self.page = page
        self.pageCount = pageCount
        cellCount = Int(bytes.loadLE(UInt16.self, at: BTreeLayout.cellCountOffset))
        fragmentedBytes = Int(bytes.loadLE(UInt16.self, at: BTreeLayout.fragmentedOffset))
        contentStart = Int(bytes.loadLE(UInt32.self, at: BTreeLayout.contentStartOffset))
        rightChild = bytes.loadLE(UInt64.self, at: BTreeLayout.rightChildOffset)
        let slotEnd = BTreeLayout.slotArrayOffset + cellCount * BTreeLayout.slotSize
        guard slotEnd <= contentStart, contentStart <= pageSize else {
            throw .corruptPage(page: page.rawValue,
                               reason: "cell count \(cellCount) and content start \(contentStart) do not fit the page")
        }
        guard fragmentedBytes <= pageSize - contentStart else {
            throw .corruptPage(page: page.rawValue, reason: "fragmented byte count \(fragmentedBytes) exceeds the content area")
        }
        if isLeaf {
            guard rightChild == 0 else {
                throw .corruptPage(page: page.rawValue, reason: "leaf page has a right child pointer")
            }
        } else {
            guard rightChild != 0, rightChild < pageCount else {
                throw .corruptPage(page: page.rawValue, reason: "right child \(rightChild) is not a valid page number")
            }
        }
    }

    /// A view of no page (no cells): a placeholder for walks that have not read a leaf yet.
    private init(placeholder: ()) {
        bytes = []
        page = .none
        isLeaf = true
        cellCount = 0
        fragmentedBytes = 0
        contentStart = 0
        rightChild = 0
        pageCount = 0
    }

    static let placeholder = NodeView(placeholder: ())

    func corrupt(_ reason: String) -> SombraError { .corruptPage(page: page.rawValue, reason: reason) }

    /// The validated offset of cell `i` (0 ≤ i < cellCount is the caller's duty).
    @inline(__always)
    func cellOffset(_ i: Int) throws(SombraError) -> Int {
        let offset = Int(bytes.loadLE(UInt16.self, at: BTreeLayout.slotArrayOffset + i * BTreeLayout.slotSize))
        guard offset >= contentStart, offset <= pageSize - minCellSize else {
            throw corrupt("slot \(i) holds cell offset \(offset) outside the content area \(contentStart)..<\(pageSize)")
        }
        return offset
    }

    /// Start and length of the key of cell `i`, checked to lie within the page.
    @inline(__always)
    func keyLocation(_ i: Int) throws(SombraError) -> (start: Int, count: Int) {
        let offset = try cellOffset(i)
        let start: Int
        let count: Int
        if isLeaf {
            guard let header = BTreeLayout.leafHeader(bytes, at: offset) else {
                throw corrupt("cell \(i) at offset \(offset) has a header running past the page end")
            }
            count = header.keyCount
            start = offset + header.headerSize
        } else {
            count = Int(bytes.loadLE(UInt16.self, at: offset + BTreeLayout.interiorKeyLengthOffset))
            start = offset + BTreeLayout.interiorCellHeaderSize
        }
        guard count <= pageSize - start else { throw corrupt("key of cell \(i) (\(count) bytes) runs past the page end") }
        return (start, count)
    }

    func key(at i: Int) throws(SombraError) -> ArraySlice<UInt8> {
        let location = try keyLocation(i)
        return bytes[location.start..<(location.start + location.count)]
    }

    /// Sign of (key of cell `i`) - `key`, compared in place.
    @inline(__always)
    func compareKey(at i: Int, with key: [UInt8]) throws(SombraError) -> Int {
        let location = try keyLocation(i)
        let common = min(location.count, key.count)
        var j = 0
        // Eight bytes at a time: big-endian loads compare like the bytes they hold.
        while j &+ 8 <= common {
            let a = bytes.loadBE(UInt64.self, at: location.start &+ j)
            let b = key.loadBE(UInt64.self, at: j)
            if a != b { return a < b ? -1 : 1 }
            j &+= 8
        }
        while j < common {
            let a = bytes[location.start &+ j]
            let b = key[j]
            if a != b { return a < b ? -1 : 1 }
            j &+= 1
        }
        if location.count == key.count { return 0 }
        return location.count < key.count ? -1 : 1
    }

    /// First cell whose key is >= `key`, and whether it is equal. `bounds`: the leading words of the
    /// separators the parent gave this page, if known (the search's guess then costs no probe).
    func lowerBound(_ key: [UInt8], within bounds: SeparatorBounds = .unknown) throws(SombraError) -> (index: Int, found: Bool) {
        let guess = try guessIndex(for: key, within: bounds)
        return try lowerBound(guess: guess) { (i: Int) throws(SombraError) -> Int in try compareKey(at: i, with: key) }
    }

    /// First cell whose key is > `key`; for an interior page this is the index of the child to descend into.
    func upperBound(_ key: [UInt8], within bounds: SeparatorBounds = .unknown) throws(SombraError) -> Int {
        let guess = try guessIndex(for: key, within: bounds)
        return try upperBound(guess: guess) { (i: Int) throws(SombraError) -> Int in try compareKey(at: i, with: key) }
    }

    /// The first cell `i` with `order(i) >= 0` (order(i) is the sign of key i - target), and whether that
    /// cell equals the target; the search starts at `guess` when given (NodeSearch).
    @inline(__always)
    func lowerBound(guess: Int? = nil,
                    by order: (Int) throws(SombraError) -> Int) throws(SombraError) -> (index: Int, found: Bool) {
        let (index, sign) = try partitionPoint(guess: guess, strict: false, by: order)
        return (index, sign == 0)
    }

    /// The first cell `i` with `order(i) > 0`; the search starts at `guess` when given (NodeSearch).
    @inline(__always)
    func upperBound(guess: Int? = nil, by order: (Int) throws(SombraError) -> Int) throws(SombraError) -> Int {
        try partitionPoint(guess: guess, strict: true, by: order).index
    }

    /// Child `i` of an interior page (i == cellCount is the right child), checked to be a valid page number.
    func child(at i: Int) throws(SombraError) -> PageID {
        if i == cellCount { return PageID(rightChild) }
        let offset = try cellOffset(i)
        let child = bytes.loadLE(UInt64.self, at: offset)
        guard child != 0, child < pageCount else {
            throw corrupt("cell \(i) points at child \(child), not a valid page number")
        }
        return PageID(child)
    }

    /// Size in bytes of cell `i` (without its slot), checked to lie within the page.
    func cellSize(_ i: Int) throws(SombraError) -> Int {
        if isLeaf { return try leafCell(at: i).size }
        let location = try keyLocation(i)
        return BTreeLayout.interiorCellHeaderSize + location.count
    }

    /// The extent of cell `i` in the page, checked to lie within it.
    func cellRange(_ i: Int) throws(SombraError) -> Range<Int> {
        if isLeaf {
            let cell = try leafCell(at: i)
            return cell.offset..<(cell.offset + cell.size)
        }
        let location = try keyLocation(i)
        return (location.start - BTreeLayout.interiorCellHeaderSize)..<(location.start + location.count)
    }

    /// The raw bytes of cell `i`.
    func cellBytes(_ i: Int) throws(SombraError) -> [UInt8] {
        Array(bytes[try cellRange(i)])
    }

    func leafCell(at i: Int) throws(SombraError) -> LeafCell {
        let offset = try cellOffset(i)
        guard let header = BTreeLayout.leafHeader(bytes, at: offset) else {
            throw corrupt("cell \(i) at offset \(offset) has a header running past the page end")
        }
        let flags = header.flags
        guard flags & ~BTreeLayout.knownFlags == 0 else { throw corrupt("cell \(i) has unknown flags \(flags)") }
        let isOverflow = flags & BTreeLayout.flagOverflow != 0
        if isOverflow && flags & BTreeLayout.flagShort != 0 {
            throw corrupt("cell \(i) is in the short form but points at overflow pages")
        }
        let keyCount = header.keyCount
        let valueLength = header.valueLength
        let keyStart = offset + header.headerSize
        let payloadStart = keyStart + keyCount
        let payloadSize = isOverflow ? BTreeLayout.overflowPointerSize : valueLength
        guard payloadStart <= pageSize, payloadSize <= pageSize - payloadStart else {
            throw corrupt("cell \(i) (key \(keyCount) bytes, value \(valueLength) bytes) runs past the page end")
        }
        var overflowPage = PageID.none
        if isOverflow {
            guard valueLength > 0, valueLength <= BTree.maxValueBytes else {
                throw corrupt("cell \(i) has overflow value length \(valueLength) outside 1...\(BTree.maxValueBytes)")
            }
            overflowPage = PageID(bytes.loadLE(UInt64.self, at: payloadStart))
            guard overflowPage.rawValue != 0, overflowPage.rawValue < pageCount else {
                throw corrupt("cell \(i) points at overflow page \(overflowPage.rawValue), not a valid page number")
            }
        }
        return LeafCell(offset: offset, flags: flags, keyStart: keyStart, keyCount: keyCount,
                        valueLength: valueLength, payloadStart: payloadStart, overflowPage: overflowPage,
                        size: payloadStart + payloadSize - offset)
    }
}

/// A validated leaf cell's fields (offsets into the page).
struct LeafCell {
    let offset: Int
    let flags: UInt8
    let keyStart: Int
    let keyCount: Int
    /// Inline: the inline stored length; overflow: the total stored length in the chain.
    let valueLength: Int
    let payloadStart: Int
    let overflowPage: PageID
    let size: Int

    var isOverflow: Bool { flags & BTreeLayout.flagOverflow != 0 }
    var isCompressed: Bool { flags & BTreeLayout.flagCompressed != 0 }
}

extension PageReader {
    /// Reads `page` and decodes it as a B-tree page.
    func btreeNode(_ page: PageID) throws(SombraError) -> NodeView {
        guard page.rawValue != 0, page.rawValue < pageCount else {
            throw .corruptPage(page: page.rawValue, reason: "B-tree page number out of range (page count \(pageCount))")
        }
        return try NodeView(self.page(page), page: page, pageSize: pageSize, pageCount: pageCount)
    }
}
