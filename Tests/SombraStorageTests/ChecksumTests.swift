// Every single-bit flip of a page or of a header copy is detected; one damaged header copy is survivable.
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage

@Suite("Checksums and bit flips")
struct ChecksumTests {
    @Test("every bit flip of a page is detected by its checksum")
    func pageBitFlips() throws {
        let pageSize = 4096
        var page = PageHeader.makePage(kind: .btreeLeaf, pageSize: pageSize)
        for i in 16..<pageSize { page[i] = UInt8(truncatingIfNeeded: i &* 31) }
        PageHeader.seal(&page, page: PageID(7), txID: TxID(3))
        _ = try PageHeader.verify(page, page: PageID(7), pageSize: pageSize)
        var tried = 0, detected = 0
        for byte in 0..<pageSize {
            for bit in 0..<8 {
                var damaged = page
                damaged[byte] ^= UInt8(1 << bit)
                tried += 1
                do { _ = try PageHeader.verify(damaged, page: PageID(7), pageSize: pageSize) } catch {
                    if case .corruptPage(let p, _) = error, p == 7 { detected += 1 }
                }
            }
        }
        print("page-bit-flips: tried: \(tried) detected: \(detected)")
        #expect(tried == pageSize * 8)
        #expect(detected == tried)
    }

    @Test("a page written to the wrong place fails, and an all-zero page never validates")
    func wrongPlaceAndZero() {
        var page = PageHeader.makePage(kind: .btreeLeaf, pageSize: 4096)
        PageHeader.seal(&page, page: PageID(5), txID: TxID(1))
        #expect(throws: SombraError.self) { try PageHeader.verify(page, page: PageID(6), pageSize: 4096) }
        #expect(throws: SombraError.self) { try PageHeader.verify([UInt8](repeating: 0, count: 4096), page: PageID(1), pageSize: 4096) }
    }

    @Test("every bit flip in either header copy is detected, and the database opens from the other copy")
    func headerBitFlips() throws {
        let fs = InMemoryFileSystem()
        let pager = try Pager.open(path: "h.db", options: memoryOptions(), fileSystem: fs)
        let tx = try pager.beginWrite()
        let p = try tx.allocate(.btreeLeaf)
        try setPayload(tx, p, 42)
        try tx.commit()
        try pager.close()
        let clean = try #require(fs.contents(of: "h.db"))
        let pageSize = 4096
        var tried = 0, detected = 0, opened = 0
        for copyOffset in FileHeader.copyOffsets(pageSize: pageSize) {
            for byte in copyOffset..<(copyOffset + FileHeader.copySize) {
                for bit in 0..<8 {
                    var damaged = clean
                    damaged[byte] ^= UInt8(1 << bit)
                    tried += 1
                    if (try? FileHeader.decodeCopy(damaged, at: copyOffset)) == nil { detected += 1 }
                    fs.setContents(of: "h.db", damaged)
                    if let again = try? Pager.open(path: "h.db", options: memoryOptions(), fileSystem: fs) {
                        let r = try again.beginRead()
                        if (try? payload(r, p)) == 42 { opened += 1 }
                        r.end()
                        try again.close()
                    }
                }
            }
        }
        fs.setContents(of: "h.db", clean)
        print("header-bit-flips: tried: \(tried) detected: \(detected) opened-from-other-copy: \(opened)")
        #expect(detected == tried)
        #expect(opened == tried)
    }
}
