// The log's writers derive frame checksums from page seals and header copies (WALFrameChecksummer); the
// readers recompute them from the bytes (WALFrameHeader.expectedChecksum). These tests hold the two equal,
// byte for byte, over every page size and random pages, seeds and page numbers.
import Testing
import SombraFormat

@Suite("WAL frame checksums derived from seals")
struct FrameChecksumTests {
    static let pageSizes = [4096, 8192, 16384, 32768, 65536]

    @Test("a sealed page's frame gets the same bytes and checksum as hashing the whole frame")
    func sealedFrames() {
        let seed: UInt64 = 7
        var random = TestRNG(seed: seed)
        var frames = 0
        var mismatches = 0
        for pageSize in Self.pageSizes {
            let checksummer = WALFrameChecksummer(pageSize: pageSize)
            var previous = UInt32.random(in: 0...UInt32.max, using: &random)
            for round in 0..<6 {
                var page = (0..<pageSize).map { _ in UInt8.random(in: 0...255, using: &random) }
                if round == 0 { page = [UInt8](repeating: 0, count: pageSize) }
                page[PageHeader.kindOffset] = PageKind.btreeLeaf.rawValue
                let id = PageID(UInt64.random(in: 1..<(1 << 40), using: &random))
                let seal = PageHeader.seal(&page, page: id, txID: TxID(UInt64(round + 1)))
                let header = WALFrameHeader(page: id, txID: TxID(UInt64(round + 1)), commitPageCount: 0,
                                            salt: random.next())
                var derived: [UInt8] = []
                var direct: [UInt8] = []
                let derivedSum = checksummer.appendSealed(header, pageBytes: page, seal: seal, previous: previous, to: &derived)
                let directSum = header.append(pageBytes: page, previous: previous, to: &direct)
                frames += 1
                if derived != direct || derivedSum != directSum { mismatches += 1 }
                #expect(derivedSum == WALFrameHeader.expectedChecksum(derived, at: 0, payloadBytes: pageSize, previous: previous))
                previous = derivedSum
            }
        }
        print("frame-checksum-sealed: frames: \(frames) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0)
    }

    @Test("a header page's frame gets the same bytes and checksum as hashing the whole frame")
    func headerFrames() {
        var random = TestRNG(seed: 11)
        for pageSize in Self.pageSizes {
            let checksummer = WALFrameChecksummer(pageSize: pageSize)
            var header = FileHeader(pageSize: UInt32(pageSize), databaseID: (0..<16).map { UInt8($0 * 7) })
            header.pageCount = UInt64.random(in: 1..<(1 << 30), using: &random)
            header.lastTxID = TxID(random.next() >> 8)
            header.roots[3] = PageID(42)
            let previous = UInt32.random(in: 0...UInt32.max, using: &random)
            let frame = WALFrameHeader(page: .header, txID: header.lastTxID, commitPageCount: header.pageCount,
                                       salt: random.next())
            var derived: [UInt8] = []
            var direct: [UInt8] = []
            let derivedSum = checksummer.appendHeader(frame, header: header, previous: previous, to: &derived)
            let directSum = frame.append(pageBytes: header.encodePage(), previous: previous, to: &direct)
            #expect(derived == direct)
            #expect(derivedSum == directSum)
        }
    }

    @Test("combining CRCs equals the CRC of the joined bytes, and moves a CRC between seeds")
    func combine() {
        var random = TestRNG(seed: 3)
        for length in [0, 1, 4, 255, 4092, 65532] {
            let a = (0..<37).map { _ in UInt8.random(in: 0...255, using: &random) }
            let b = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let shift = CRC32Shift(length: length)
            #expect(shift.combine(Checksum.crc32(a), Checksum.crc32(b)) == Checksum.crc32(a + b))
            #expect(Checksum.combine(Checksum.crc32(a), Checksum.crc32(b), secondLength: length) == Checksum.crc32(a + b))
            let seed = UInt32.random(in: 0...UInt32.max, using: &random)
            #expect(shift.combine(seed, Checksum.crc32(b)) == Checksum.crc32(b, seed: seed))
        }
    }
}
