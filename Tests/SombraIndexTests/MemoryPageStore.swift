// MemoryPageStore: an in-memory PageWriter with transactions, the B-tree's test double for the pager.
//
// Invariants:
//  1. Pages 1..<pageCount exist; each is either live or on the free list (never both); page 0 is never handed
//     out, updated or freed.
//  2. `begin` snapshots pages, free list, page count; `rollback` restores the snapshot, `commit` drops it.
//  3. `changeCounter` increases on every update, allocate and free (cursors use it to notice changes).
//  4. Like the pager, `page(_:)` refuses page numbers out of range and pages whose kind byte is invalid;
//     `update` refuses free pages; `free` refuses a page that is already free.
//  5. `overwrite` bypasses every check, to plant corrupt bytes.
import SombraFormat
import SombraStorage

final class MemoryPageStore: PageWriter {
    private struct Snapshot {
        var pages: [UInt64: [UInt8]]
        var freeList: [UInt64]
        var freeSet: Set<UInt64>
        var pageCount: UInt64
    }

    let pageSize: Int
    private(set) var pages: [UInt64: [UInt8]] = [:]
    private var freeList: [UInt64] = []
    private var freeSet: Set<UInt64> = []
    private(set) var pageCount: UInt64 = 1
    private(set) var changeCounter: UInt64 = 0
    private var saved: Snapshot? = nil

    init(pageSize: Int = 4096) { self.pageSize = pageSize }

    /// Pages allocated and not free (page 0 excluded).
    var livePageCount: Int { Int(pageCount) - 1 - freeSet.count }
    var freePageCount: Int { freeSet.count }
    func isFree(_ id: PageID) -> Bool { freeSet.contains(id.rawValue) }

    // MARK: Transactions

    func begin() {
        saved = Snapshot(pages: pages, freeList: freeList, freeSet: freeSet, pageCount: pageCount)
    }

    func commit() { saved = nil }

    func rollback() {
        guard let saved else { return }
        pages = saved.pages
        freeList = saved.freeList
        freeSet = saved.freeSet
        pageCount = saved.pageCount
        changeCounter += 1
        self.saved = nil
    }

    // MARK: PageReader / PageWriter

    func page(_ id: PageID) throws(SombraError) -> [UInt8] {
        guard id.rawValue != 0, id.rawValue < pageCount else {
            throw .corruptPage(page: id.rawValue, reason: "page number out of range (page count \(pageCount))")
        }
        let bytes = pages[id.rawValue] ?? PageHeader.makePage(kind: .free, pageSize: pageSize)
        guard let kind = PageKind(rawValue: bytes[PageHeader.kindOffset]), kind != .fileHeader else {
            throw .corruptPage(page: id.rawValue, reason: "invalid page kind \(bytes[PageHeader.kindOffset])")
        }
        return bytes
    }

    func update<R>(_ id: PageID, _ body: (inout [UInt8]) throws(SombraError) -> R) throws(SombraError) -> R {
        guard id.rawValue != 0, id.rawValue < pageCount, !freeSet.contains(id.rawValue) else {
            throw .invalidArgument("update of page \(id.rawValue), which is not a live page")
        }
        var bytes = pages[id.rawValue] ?? PageHeader.makePage(kind: .free, pageSize: pageSize)
        let result = try body(&bytes)
        guard bytes.count == pageSize else { throw .invalidArgument("update changed the size of page \(id.rawValue)") }
        pages[id.rawValue] = bytes
        changeCounter += 1
        return result
    }

    func allocate(_ kind: PageKind) throws(SombraError) -> PageID {
        let id: UInt64
        if let reused = freeList.popLast() {
            freeSet.remove(reused)
            id = reused
        } else {
            id = pageCount
            pageCount += 1
        }
        pages[id] = PageHeader.makePage(kind: kind, pageSize: pageSize)
        changeCounter += 1
        return PageID(id)
    }

    func free(_ id: PageID) throws(SombraError) {
        guard id.rawValue != 0, id.rawValue < pageCount else {
            throw .invalidArgument("free of page \(id.rawValue), out of range")
        }
        guard freeSet.insert(id.rawValue).inserted else {
            throw .invalidArgument("free of page \(id.rawValue), which is already free")
        }
        freeList.append(id.rawValue)
        pages[id.rawValue] = PageHeader.makePage(kind: .free, pageSize: pageSize)
        changeCounter += 1
    }

    // MARK: Test helpers

    /// Replaces a page's bytes without any check (to plant corruption).
    func overwrite(_ id: PageID, _ bytes: [UInt8]) {
        pages[id.rawValue] = bytes
        changeCounter += 1
    }

    /// A read-only view of the current state (as a read transaction would see it).
    func readView() -> MemoryReadView { MemoryReadView(pageSize: pageSize, pages: pages, pageCount: pageCount) }
}

/// A frozen read view: its pages never change and its change counter is always 0.
final class MemoryReadView: PageReader {
    let pageSize: Int
    let pages: [UInt64: [UInt8]]
    let pageCount: UInt64
    var changeCounter: UInt64 { 0 }

    init(pageSize: Int, pages: [UInt64: [UInt8]], pageCount: UInt64) {
        self.pageSize = pageSize
        self.pages = pages
        self.pageCount = pageCount
    }

    func page(_ id: PageID) throws(SombraError) -> [UInt8] {
        guard id.rawValue != 0, id.rawValue < pageCount, let bytes = pages[id.rawValue] else {
            throw .corruptPage(page: id.rawValue, reason: "page number out of range")
        }
        return bytes
    }
}
