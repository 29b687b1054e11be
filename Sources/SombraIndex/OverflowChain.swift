// OverflowChain: stored values too large for a leaf cell, kept in a singly linked chain of overflow pages.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages", "Overflow page" and rules O1–O5.
//
// Invariants:
//  1. A chain for a stored length L has exactly ceil(L / capacity) pages; every page but the last is full,
//     the last holds the remainder, and only the last has next = 0.
//  2. A walk is bounded by the stored length and by the reader's page count before anything is allocated,
//     so a corrupt pointer or length can neither loop forever nor make us allocate more than L bytes.
//  3. A cycle in a chain can never satisfy invariant 1 (some page would need next = 0 and next != 0), so a
//     walk that checks invariant 1 also rejects cycles.
import SombraFormat
import SombraStorage

enum OverflowChain {
    static let nextOffset = 16     // u64: next page in the chain, 0 on the last page
    static let usedOffset = 24     // u32: data bytes on this page
    static let dataOffset = 28

    static func capacity(pageSize: Int) -> Int { pageSize - dataOffset }

    static func pageCountNeeded(length: Int, pageSize: Int) -> Int {
        let capacity = capacity(pageSize: pageSize)
        return (length + capacity - 1) / capacity
    }

    /// Writes `bytes` (non-empty) into a new chain and returns its first page.
    static func write(_ bytes: [UInt8], in w: any PageWriter) throws(SombraError) -> PageID {
        let capacity = capacity(pageSize: w.pageSize)
        let count = pageCountNeeded(length: bytes.count, pageSize: w.pageSize)
        var pages: [PageID] = []
        pages.reserveCapacity(count)
        for _ in 0..<count { pages.append(try w.allocate(.overflow)) }
        for (index, page) in pages.enumerated() {
            let start = index * capacity
            let end = min(bytes.count, start + capacity)
            let next = index + 1 < count ? pages[index + 1].rawValue : 0
            try w.update(page) { (data: inout [UInt8]) throws(SombraError) in
                data.storeLE(next, at: nextOffset)
                data.storeLE(UInt32(end - start), at: usedOffset)
                data.replaceSubrange(dataOffset..<(dataOffset + end - start), with: bytes[start..<end])
                // The rest of the page stays zero (allocate hands out zeroed pages).
            }
        }
        return pages.first ?? .none
    }

    /// Visits each page of the chain of `length` stored bytes starting at `first`, checking invariant 1;
    /// `owner` is the leaf that holds the pointer (named when the pointer itself is bad).
    static func walk(first: PageID, length: Int, owner: PageID, in r: any PageReader,
                     _ body: (PageID, [UInt8], Range<Int>) throws(SombraError) -> Void) throws(SombraError) {
        let capacity = capacity(pageSize: r.pageSize)
        let needed = pageCountNeeded(length: length, pageSize: r.pageSize)
        guard length > 0, length <= BTree.maxValueBytes, UInt64(needed) < r.pageCount else {
            throw .corruptPage(page: owner.rawValue,
                               reason: "overflow value of \(length) bytes cannot fit the file (\(r.pageCount) pages)")
        }
        var page = first
        var holder = owner
        var remaining = length
        for index in 0..<needed {
            guard page.rawValue != 0, page.rawValue < r.pageCount else {
                throw .corruptPage(page: holder.rawValue, reason: "overflow pointer \(page.rawValue) is out of range")
            }
            let data = try r.page(page)
            guard data.count == r.pageSize, data[PageHeader.kindOffset] == PageKind.overflow.rawValue else {
                throw .corruptPage(page: page.rawValue,
                                   reason: "expected an overflow page, found kind \(data.count > 4 ? data[4] : 0)")
            }
            let used = Int(data.loadLE(UInt32.self, at: usedOffset))
            let expected = min(capacity, remaining)
            guard used == expected else {
                throw .corruptPage(page: page.rawValue, reason: "overflow page holds \(used) bytes, expected \(expected)")
            }
            let next = PageID(data.loadLE(UInt64.self, at: nextOffset))
            let isLast = index == needed - 1
            guard isLast == (next == .none) else {
                throw .corruptPage(page: page.rawValue,
                                   reason: isLast ? "last overflow page links to page \(next.rawValue)"
                                                  : "overflow chain ends \(remaining - used) bytes early")
            }
            try body(page, data, dataOffset..<(dataOffset + used))
            remaining -= used
            holder = page
            page = next
        }
    }

    /// Reads the whole chain into one array of exactly `length` bytes.
    static func read(first: PageID, length: Int, owner: PageID, in r: any PageReader) throws(SombraError) -> [UInt8] {
        var result: [UInt8] = []
        var reserved = false
        try walk(first: first, length: length, owner: owner, in: r) { (_, data, range) throws(SombraError) in
            // Reserve only after the first page validated (the length is already bounded by maxValueBytes).
            if !reserved { result.reserveCapacity(length); reserved = true }
            result.append(contentsOf: data[range])
        }
        return result
    }

    /// Frees every page of the chain (each page is validated before it is freed).
    static func free(first: PageID, length: Int, owner: PageID, in w: any PageWriter) throws(SombraError) {
        var pages: [PageID] = []
        try walk(first: first, length: length, owner: owner, in: w) { (page, _, _) throws(SombraError) in
            pages.append(page)
        }
        for page in pages { try w.free(page) }
    }
}
