// LeafCellFormTests: readers accept both leaf cell forms (FORMAT.md "Leaf cell"), writers pick the short one
// whenever it applies, and a short cell that claims an overflow chain is a corrupt page, not a trap.
import Testing
import Foundation
@testable import SombraIndex
import SombraFormat
import SombraStorage

@Suite("Leaf cell forms")
struct LeafCellFormTests {
    @Test("the short form is written when key and value fit a byte each, the long form otherwise")
    func writerChoosesForm() {
        let short = BTreeLayout.leafCell(key: [0x61], stored: StoredValue(bytes: [0x62, 0x63], compressed: false), overflowPage: nil)
        #expect(short == [0x04, 1, 2, 0x61, 0x62, 0x63])
        let doc = String(#filePath).components(separatedBy: "/Tests/")[0] + "/Docs/FORMAT.md"
        #expect((try? String(contentsOfFile: doc, encoding: .utf8))?.contains("`04 01 02 61 62 63`") == true)
        let longValue = [UInt8](repeating: 7, count: 256)
        let long = BTreeLayout.leafCell(key: [0x61], stored: StoredValue(bytes: longValue, compressed: false), overflowPage: nil)
        #expect(Array(long[0..<7]) == [0x00, 1, 0, 0, 1, 0, 0] && long.count == 7 + 1 + 256)
        let overflow = BTreeLayout.leafCell(key: [0x61], stored: StoredValue(bytes: [1], compressed: false), overflowPage: PageID(9))
        #expect(overflow[0] == BTreeLayout.flagOverflow && overflow.count == 7 + 1 + 8)
    }

    @Test("a long-form cell with short lengths reads back; short form with the overflow flag is corrupt")
    func readerAcceptsBothForms() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        try tree.put([0x61], [0x62, 0x63], in: store)
        let pageSize = try store.page(tree.root).count
        // Rewrite the only cell in the long form, 10 bytes at the end of the page.
        try store.update(tree.root) { (page: inout [UInt8]) throws(SombraError) in
            let start = pageSize - 10
            page.replaceSubrange(start..<pageSize, with: [0x00, 1, 0, 2, 0, 0, 0, 0x61, 0x62, 0x63])
            page.storeLE(UInt16(start), at: BTreeLayout.slotArrayOffset)
            page.storeLE(UInt32(start), at: BTreeLayout.contentStartOffset)
        }
        #expect(try tree.get([0x61], in: store) == [0x62, 0x63])
        #expect(tree.verify(in: store, checkValues: true).isClean)
        // Now flag it short and overflowing at once.
        try store.update(tree.root) { (page: inout [UInt8]) throws(SombraError) in page[pageSize - 10] = 0x05 }
        #expect(throws: SombraError.self) { try store.btreeNode(tree.root).leafCell(at: 0) }
        #expect(!tree.verify(in: store, checkValues: true).isClean)
    }
}
