// ByteReader: bounds-checked reads over untrusted bytes (Sources/SombraFormat/ByteReader.swift).

import Testing
import SombraFormat

@Suite("ByteReader")
struct ByteReaderTests {
    @Test("fixed-width reads honour their byte order and advance the cursor")
    func fixedWidth() throws {
        let bytes: [UInt8] = [0xAB, 0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]
        var reader = ByteReader(bytes)
        #expect(try reader.readU8() == 0xAB)
        #expect(try reader.readU32LE() == 0x0403_0201)
        #expect(try reader.readU64LE() == 0x0807_0605_0403_0201)
        #expect(reader.isAtEnd && reader.offset == 13)
        var be = ByteReader(Array(bytes[1...]))
        #expect(try be.readU32BE() == 0x0102_0304)
        #expect(try be.readU64BE() == 0x0102_0304_0506_0708)
    }

    @Test("a reader over a slice reads only the slice and reports offsets relative to it")
    func slices() throws {
        let bytes: [UInt8] = [9, 9, 1, 2, 3, 9]
        var reader = ByteReader(bytes[2..<5], page: PageID(4))
        #expect(try reader.readBytes(count: 3) == [1, 2, 3])
        #expect(reader.offset == 3 && reader.isAtEnd)
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try reader.readU8() }, page: 4))
    }

    @Test("fixed-width reads on a slice load from the slice's own bytes, at every start and length")
    func fixedWidthOnSlices() throws {
        let bytes: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        func expectedLE(_ from: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[from + $1]) << (8 * UInt64($1)) }
        }
        func expectedBE(_ from: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[from + $1]) }
        }
        for start in 0..<bytes.count {
            for end in start...bytes.count {
                var le = ByteReader(bytes[start..<end]), be = ByteReader(bytes[start..<end])
                let n = end - start
                if n >= 12 {
                    #expect(try le.readU32LE() == UInt32(expectedLE(start, 4)))
                    #expect(try le.readU64LE() == expectedLE(start + 4, 8))
                    #expect(try be.readU64BE() == expectedBE(start, 8))
                    #expect(try be.readU32BE() == UInt32(expectedBE(start + 8, 4)))
                } else {
                    let short = thrownError { () throws(SombraError) in _ = try le.readU32LE(); _ = try le.readU64LE() }
                    #expect(isCorruptPage(short, page: 0), "slice \(start)..<\(end)")
                }
            }
        }
    }

    @Test("short reads throw corruptPage with the reader's page and never trap")
    func shortReads() {
        var reader = ByteReader([1, 2, 3], page: PageID(12))
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try reader.readU32LE() }, page: 12))
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try reader.readU64BE() }, page: 12))
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try reader.readBytes(count: 4) }, page: 12))
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try reader.readBytes(count: -1) }, page: 12))
        // An absurd length is refused before any allocation.
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try reader.readBytes(count: Int.max) }, page: 12))
        #expect(reader.offset == 0, "failed reads do not move the cursor")
    }

    @Test("counts are checked against the remaining bytes times the smallest element size")
    func counts() throws {
        var fits = ByteReader([0x03, 0, 0, 0, 0, 0, 0])
        #expect(try fits.readCount(elementBytesMin: 2, "count") == 3)
        var tooMany = ByteReader([0x04, 0, 0, 0, 0, 0, 0])
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try tooMany.readCount(elementBytesMin: 2, "count") }))
        var huge = ByteReader(Varint.encode(.max) + [0])
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try huge.readCount(elementBytesMin: 1, "count") }))
    }

    @Test("32-bit varints reject values above UInt32.max")
    func narrowVarints() throws {
        var ok = ByteReader(Varint.encode(UInt64(UInt32.max)))
        #expect(try ok.readVarintU32("id") == UInt32.max)
        var wide = ByteReader(Varint.encode(UInt64(UInt32.max) + 1))
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try wide.readVarintU32("id") }))
    }

    @Test("UTF-8 runs are validated and trailing bytes are reported")
    func utf8AndEnd() throws {
        var good = ByteReader([0x68, 0xC3, 0xA9, 0x00])
        #expect(try good.readUTF8(count: 3, "s") == "hé")
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try good.expectEnd("thing") }))
        var bad = ByteReader([0xC3, 0x28])
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try bad.readUTF8(count: 2, "s") }))
        var surrogate = ByteReader([0xED, 0xA0, 0x80])  // an encoded UTF-16 surrogate is not UTF-8
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try surrogate.readUTF8(count: 3, "s") }))
    }
}
