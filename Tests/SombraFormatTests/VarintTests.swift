// Varints: canonical LEB128 and zigzag (Sources/SombraFormat/Varint.swift).

import Testing
import SombraFormat

@Suite("Varint")
struct VarintTests {
    @Test("boundary values encode to the expected bytes and sizes and decode back")
    func boundaries() throws {
        let cases: [(UInt64, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
            (16383, [0xFF, 0x7F]), (16384, [0x80, 0x80, 0x01]),
            (1 << 63, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            (.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        ]
        for (value, bytes) in cases {
            #expect(Varint.encode(value) == bytes, "encoding of \(value)")
            #expect(Varint.size(of: value) == bytes.count, "size of \(value)")
            let decoded = try Varint.decode(bytes + [0xAA])  // a trailing byte is left alone
            #expect(decoded.value == value && decoded.size == bytes.count)
        }
    }

    @Test("zigzag interleaves signs and is a bijection at the extremes")
    func zigzag() {
        let table: [(Int64, UInt64)] = [(0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4), (.max, .max - 1), (.min, .max)]
        for (signed, unsigned) in table {
            #expect(Varint.zigzagEncode(signed) == unsigned)
            #expect(Varint.zigzagDecode(unsigned) == signed)
        }
        var rng = TestRNG(seed: 3)
        for _ in 0..<10_000 {
            let v = rng.int64()
            #expect(Varint.zigzagDecode(Varint.zigzagEncode(v)) == v, "seed 3 value \(v)")
        }
    }

    @Test("random values of every bit length round-trip through the reader")
    func randomRoundTrip() throws {
        var rng = TestRNG(seed: 11)
        var bytes: [UInt8] = []
        var values: [UInt64] = []
        for _ in 0..<5_000 {
            let value = rng.next() >> UInt64(rng.below(64))
            values.append(value)
            Varint.append(value, to: &bytes)
        }
        var reader = ByteReader(bytes)
        for value in values { #expect(try reader.readVarint() == value, "seed 11") }
        #expect(reader.isAtEnd)
    }

    @Test("overlong, overflowing and cut-short varints throw corruptPage naming the page")
    func rejectsBadForms() {
        let bad: [[UInt8]] = [
            [],                                  // empty
            [0x80],                              // cut short
            [0xFF, 0xFF],                        // cut short
            [0x80, 0x00],                        // zero in two bytes (overlong)
            [0xFF, 0x00],                        // 127 in two bytes (overlong)
            [0x81, 0x80, 0x00],                  // overlong with a zero last byte
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],  // 65 bits
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x81, 0x00],  // 11 bytes
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],  // zero in ten bytes
        ]
        for bytes in bad {
            #expect(isCorruptPage(thrownError { () throws(SombraError) in try Varint.decode(bytes, page: PageID(9)) }, page: 9),
                    "bytes \(bytes)")
        }
    }

    @Test("every one- and two-byte input either throws or is the canonical encoding of what it decodes to")
    func exhaustiveShortInputs() {
        var accepted = 0
        for first in 0...255 {
            for second in 0...256 {
                let input: [UInt8] = second == 256 ? [UInt8(first)] : [UInt8(first), UInt8(second)]
                guard let decoded = try? Varint.decode(input) else { continue }
                accepted += 1
                #expect(Varint.encode(decoded.value) == Array(input[0..<decoded.size]), "input \(input)")
            }
        }
        // 128 one-byte forms standalone, 128*256 one-byte forms followed by any byte, 128*127 two-byte forms.
        #expect(accepted == 128 + 128 * 256 + 128 * 127)
    }
}
