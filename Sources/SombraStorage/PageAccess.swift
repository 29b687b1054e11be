// PageAccess: what the layers above the pager (B+trees, free list users) may do with pages.
//
// A `PageReader` is a consistent view of the database at one snapshot: a read transaction, or a write
// transaction (which also sees its own uncommitted changes). A `PageWriter` is the one write transaction.
//
// Invariants:
//  1. `page(_:)` returns a page whose checksum and kind byte were verified when it was read from disk
//     (page 0 excepted: it is the file header and has its own checksums). The content is a value: later
//     writes never change a page already returned.
//  2. `update` is the only way to change a page; it makes the page dirty in the writer, private to it until
//     commit. Page 0 cannot be updated this way (the header is changed through the writer's `header`).
//  3. `allocate` returns a zeroed page of the given kind (dirty); `free` puts a page on the free list.
//     Neither may be called with page 0, and `free` refuses a page that is already free.
import SombraFormat

package protocol PageReader: AnyObject {
    var pageSize: Int { get }
    /// Pages in the database at this view (valid page numbers are 1..<pageCount, plus 0 for the header).
    var pageCount: UInt64 { get }
    func page(_ id: PageID) throws(SombraError) -> [UInt8]
    /// Increases whenever this view's pages change (always 0 for a read view); cursors use it to notice
    /// that the tree changed under them and re-seek.
    var changeCounter: UInt64 { get }
}

package protocol PageWriter: PageReader {
    func update<R>(_ id: PageID, _ body: (inout [UInt8]) throws(SombraError) -> R) throws(SombraError) -> R
    func allocate(_ kind: PageKind) throws(SombraError) -> PageID
    func free(_ id: PageID) throws(SombraError)
}
