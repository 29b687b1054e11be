// ValueCodec: the record form of values (Sources/SombraFormat/ValueCodec.swift).

import Testing
import SombraFormat

@Suite("ValueCodec")
struct ValueCodecTests {
    @Test("each tag writes the documented bytes")
    func goldenBytes() throws {
        let cases: [(Value, [UInt8])] = [
            (.null, [0]), (false, [1]), (true, [2]),
            (0, [3, 0]), (-1, [3, 1]), (1, [3, 2]), (-64, [3, 0x7F]), (64, [3, 0x80, 0x01]),
            (1.0, [4, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F]),
            (.double(-0.0), [4, 0, 0, 0, 0, 0, 0, 0, 0x80]),
            ("hé", [5, 3, 0x68, 0xC3, 0xA9]), ("", [5, 0]),
            (.bytes([0, 0xFF]), [6, 2, 0, 0xFF]),
            ([nil, true], [7, 2, 0, 2]), ([], [7, 0]),
            (["b": 1, "a": nil], [8, 2, 1, 0x61, 0, 1, 0x62, 3, 2]), ([:], [8, 0]),
        ]
        for (value, bytes) in cases {
            #expect(try ValueCodec.encode(value) == bytes, "\(value)")
            #expect(try ValueCodec.decode(bytes) == value, "\(value)")
        }
    }

    @Test("extremes round-trip exactly, NaN payloads and negative zero included")
    func extremes() throws {
        var values: [Value] = interestingInts.map(Value.int) + interestingDoubles.map(Value.double)
        values += ["", "\u{0}", "é", "e\u{301}", "😀 日本", .string(String(repeating: "ß", count: 5_000))]
        values += [.bytes([]), .bytes(Array(0...255)), .map(["é": 1]), .map(["e\u{301}": 2, "": [:]])]
        values.append(.list(values))
        for value in values {
            let decoded = try ValueCodec.decode(try ValueCodec.encode(value))
            #expect(decoded == value, "\(value)")
            if case .double(let a) = value, case .double(let b) = decoded { #expect(a.bitPattern == b.bitPattern) }
        }
    }

    @Test("random nested values round-trip and equal values encode to equal bytes")
    func randomRoundTrip() throws {
        var rng = TestRNG(seed: 17)
        for _ in 0..<5_000 {
            let value = rng.value(depth: 4)
            let bytes = try ValueCodec.encode(value)
            #expect(try ValueCodec.decode(bytes) == value, "seed 17: \(value)")
            #expect(try ValueCodec.encode(try ValueCodec.decode(bytes)) == bytes, "seed 17")
        }
    }

    @Test("nesting at the cap round-trips; one deeper is refused by the encoder and the decoder")
    func nestingCap() throws {
        let cap = ValueCodec.maxValueNestingDepth
        #expect(cap == 32)
        let atCap = nestedList(depth: cap)
        #expect(try ValueCodec.decode(try ValueCodec.encode(atCap)) == atCap)
        var mapAtCap: Value = 1
        for _ in 0..<cap { mapAtCap = ["k": mapAtCap] }
        #expect(try ValueCodec.decode(try ValueCodec.encode(mapAtCap)) == mapAtCap)

        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try ValueCodec.encode(nestedList(depth: cap + 1)) }))
        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try ValueCodec.encode(["k": mapAtCap]) }))
        // Hand-made bytes: cap + 1 lists, each holding the next.
        let tooDeep: [UInt8] = Array(repeating: [7, 1], count: cap).flatMap { $0 } + [7, 0]
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try ValueCodec.decode(tooDeep, page: PageID(3)) }, page: 3))
        let atCapBytes: [UInt8] = Array(repeating: [7, 1], count: cap - 1).flatMap { $0 } + [7, 0]
        #expect(try ValueCodec.decode(atCapBytes).nestingDepth == cap)
        // Far deeper input is cut off at the cap, not by the stack.
        let veryDeep: [UInt8] = Array(repeating: [8, 1, 0], count: 100_000).flatMap { $0 }
        #expect(isCorruptPage(thrownError { () throws(SombraError) in try ValueCodec.decode(veryDeep) }))
    }

    @Test("malformed inputs throw corruptPage: unknown tags, bad UTF-8, bad lengths, unsorted or duplicate keys, trailing bytes")
    func malformed() {
        let bad: [(String, [UInt8])] = [
            ("empty", []),
            ("tag 9", [9]), ("tag 255", [255]),
            ("int without payload", [3]), ("overlong int", [3, 0x80, 0x00]),
            ("short double", [4, 0, 0, 0, 0, 0, 0, 0]),
            ("string longer than input", [5, 5, 0x61]),
            ("invalid UTF-8", [5, 1, 0xFF]), ("truncated UTF-8 sequence", [5, 1, 0xC3]),
            ("bytes longer than input", [6, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
            ("list count beyond input", [7, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            ("list short one element", [7, 2, 0]),
            ("map count beyond input", [8, 3, 1, 0x61, 0]),
            ("unsorted map keys", [8, 2, 1, 0x62, 0, 1, 0x61, 0]),
            ("duplicate map keys", [8, 2, 1, 0x61, 0, 1, 0x61, 0]),
            ("equivalent map keys", [8, 2, 3, 0x65, 0xCC, 0x81, 0, 2, 0xC3, 0xA9, 0]),
            ("invalid UTF-8 key", [8, 1, 1, 0x80, 0]),
            ("trailing byte", [0, 0]),
            ("trailing after list", [7, 0, 7]),
        ]
        for (name, bytes) in bad {
            #expect(isCorruptPage(thrownError { () throws(SombraError) in try ValueCodec.decode(bytes, page: PageID(44)) }, page: 44),
                    "\(name)")
        }
    }
}
