// OrderedUIntTests: the short key form of ids keeps numeric order, round-trips, rejects every malformed
// field, and matches the examples Docs/FORMAT.md gives (for it and for the edge record).
import Testing
import Foundation
import SombraFormat

private func formatDocument() -> String {
    let path = String(#filePath).components(separatedBy: "/Tests/")[0] + "/Docs/FORMAT.md"
    // Lines are wrapped anywhere, so newlines count as spaces.
    return ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").replacingOccurrences(of: "\n", with: " ")
}

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16, uppercase: true).count == 1 ? "0" + String($0, radix: 16, uppercase: true) : String($0, radix: 16, uppercase: true) }.joined(separator: " ")
}

private func encoded(_ v: UInt64) -> [UInt8] {
    var b: [UInt8] = []
    OrderedUInt.append(v, to: &b)
    return b
}

@Suite("OrderedUInt: ids in keys")
struct OrderedUIntTests {
    @Test("the examples in FORMAT.md are what the encoder writes")
    func documentedExamples() {
        let doc = formatDocument()
        for (v, text) in [(UInt64(0), "`00`"), (1, "`01 01`"), (255, "`01 FF`"), (256, "`02 01 00`"), (70000, "`03 01 11 70`")] {
            #expect("`" + hex(encoded(v)) + "`" == text)
            #expect(doc.contains("\(v) is \(text)"), "FORMAT.md lacks the example for \(v)")
        }
    }

    @Test("byte order equals numeric order, sizes agree, and every value round-trips, alone or among other bytes (seed 7)")
    func orderAndRoundTrip() {
        var rng = TestRNG(seed: 7)
        func next() -> UInt64 { rng.next() }
        var mismatches = 0
        var values: [UInt64] = [0, 1, 127, 128, 255, 256, 65535, 65536, .max, .max - 1, 1 << 56, (1 << 56) - 1]
        for _ in 0..<2000 { values.append(next() >> (next() % 64)) }
        for a in values {
            let ea = encoded(a)
            if ea.count != OrderedUInt.size(of: a) { mismatches += 1 }
            var at = 0
            if OrderedUInt.read(ea, at: &at, end: ea.count) != a || at != ea.count { mismatches += 1 }
            // Read in the middle of other bytes: the field says where it ends.
            var framed: [UInt8] = [0xEE] + ea + [0xEE]
            at = 1
            if OrderedUInt.read(framed, at: &at, end: framed.count) != a || at != ea.count + 1 { mismatches += 1 }
            framed.removeAll()
        }
        for _ in 0..<4000 {
            let a = values[Int(next() % UInt64(values.count))], b = values[Int(next() % UInt64(values.count))]
            if (a < b) != encoded(a).lexicographicallyPrecedes(encoded(b)) { mismatches += 1 }
        }
        #expect(mismatches == 0, "seed 7")
    }

    @Test("malformed fields are rejected without reading past the end")
    func malformed() {
        let cases: [([UInt8], Int, Int)] = [
            ([], 0, 8),               // nothing there
            ([0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10, 8),  // length above 8
            ([0x05, 1, 2, 3, 4, 5], 6, 4),   // wider than a type id allows
            ([0x02, 0x00, 0x05], 3, 8),      // leading zero byte
            ([0x03, 0x01, 0x02], 3, 8),      // runs past the end
            ([0x01, 0x07], 1, 8),            // runs past the given end
        ]
        for (bytes, end, width) in cases {
            var at = 0
            #expect(OrderedUInt.read(bytes, at: &at, end: end, widthBytes: width) == nil, "\(bytes)")
            #expect(at == 0)
        }
        var at = 0
        #expect(OrderedUInt.read([0x01, 0x07], at: &at, end: 5) == nil, "an end past the buffer is refused")
    }

    @Test("the edge-record example in FORMAT.md is what EdgeRecord writes, and it decodes back")
    func edgeRecordExample() throws {
        let record = try EdgeRecord(source: 300, target: 5, type: 2)
        let bytes = try record.encode()
        #expect(hex(bytes) == "02 AC 02 05 02 00")
        #expect(formatDocument().contains("→ `02 AC 02 05 02 00`"))
        #expect(try EdgeRecord.decode(bytes) == record)
        // The old fixed-width layout (format 1) is refused by its format byte.
        var old = bytes
        old[0] = 1
        #expect(throws: SombraError.self) { try EdgeRecord.decode(old) }
    }
}
