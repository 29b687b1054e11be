// KeyEncoding: order-preserving, prefix-free keys (Sources/SombraFormat/KeyEncoding.swift).

import Testing
import SombraFormat

@Suite("KeyEncoding")
struct KeyEncodingTests {
    @Test("components write the documented bytes")
    func goldenBytes() throws {
        var e = KeyEncoder()
        e.appendUInt64(0x0102_0304_0506_0708)
        e.appendUInt32(0x0A0B_0C0D)
        e.appendInt64(-1)
        e.appendInt64(0)
        #expect(e.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 0xA, 0xB, 0xC, 0xD,
                            0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0])
        var d = KeyEncoder()
        d.appendDouble(1.0)
        d.appendDouble(-0.0)
        d.appendDouble(-.nan)
        #expect(d.bytes == [0xBF, 0xF0, 0, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                            0xFF, 0xF8, 0, 0, 0, 0, 0, 0])
        var s = KeyEncoder()
        s.appendString("a\u{0}b")
        s.appendBytes([])
        #expect(s.bytes == [0x61, 0x00, 0xFF, 0x62, 0x00, 0x00, 0x00, 0x00])
        var i = KeyEncoder()
        #expect(try i.appendIndexValue(nil, stringPrefixMax: 8))
        #expect(try i.appendIndexValue(false, stringPrefixMax: 8))
        #expect(try i.appendIndexValue(true, stringPrefixMax: 8))
        #expect(try i.appendIndexValue(5, stringPrefixMax: 8))
        #expect(try i.appendIndexValue("ab", stringPrefixMax: 8))
        #expect(try i.appendIndexValue("abc", stringPrefixMax: 2) == false)
        #expect(try i.appendIndexValue(.bytes([0]), stringPrefixMax: 8))
        #expect(i.bytes == [0x10, 0x20, 0x21, 0x30, 0x80, 0, 0, 0, 0, 0, 0, 5, 0x40, 0x61, 0x62, 0, 0,
                            0x40, 0x61, 0x62, 0, 1, 0x50, 0, 0xFF, 0, 0])
    }

    @Test("doubles order as -Inf < negatives < -0.0 < +0.0 < positives < +Inf < NaN")
    func doubleOrder() {
        let ascending: [Double] = [-.infinity, -.greatestFiniteMagnitude, -1, -.leastNonzeroMagnitude, -0.0, 0.0,
                                   .leastNonzeroMagnitude, 1, .greatestFiniteMagnitude, .infinity, .nan]
        let keys = ascending.map { d -> [UInt8] in var e = KeyEncoder(); e.appendDouble(d); return e.bytes }
        for (a, b) in zip(keys, keys.dropFirst()) { #expect(KeyEncoding.compare(a, b) == -1) }
        for nan in [-Double.nan, .signalingNaN, Double(bitPattern: 0x7FF0_0000_0000_0001)] {
            var e = KeyEncoder()
            e.appendDouble(nan)
            #expect(e.bytes == keys.last!, "every NaN is written as the canonical NaN")
        }
    }

    @Test("totalOrder agrees with index-key byte order and index keys decode back, on random pairs")
    func randomOrderAgreement() throws {
        let seed: UInt64 = 7
        var rng = TestRNG(seed: seed)
        let pairs = 20_000
        var disagreements = 0, roundTripFailures = 0
        for _ in 0..<pairs {
            let a = rng.scalar()
            let b = rng.chance(5) ? a : rng.scalar()
            let keyA = indexKey(a), keyB = indexKey(b)
            if sign(Value.totalOrder(a, b)) != KeyEncoding.compare(keyA, keyB) {
                disagreements += 1
                Issue.record("seed \(seed): order of \(a) vs \(b) disagrees with key bytes \(keyA) vs \(keyB)")
            }
            var decoder = KeyDecoder(keyA)
            let decoded = try decoder.readIndexValue()
            if decoded != .exact(keyCanonical(a)) || !decoder.isAtEnd { roundTripFailures += 1 }
        }
        print("key-order: pairs: \(pairs) disagreements: \(disagreements) round-trip-failures: \(roundTripFailures) seed: \(seed)")
        #expect(disagreements == 0, "seed \(seed)")
        #expect(roundTripFailures == 0, "seed \(seed)")
    }

    @Test("truncated string and bytes keys keep order non-strict and never equal an exact key")
    func truncationOrder() throws {
        var rng = TestRNG(seed: 29)
        for _ in 0..<20_000 {
            let prefixMax = rng.below(5)
            let a = rng.chance(50) ? Value.string(rng.string()) : Value.bytes(rng.byteString())
            let b = rng.chance(50) ? Value.string(rng.string()) : Value.bytes(rng.byteString())
            var ea = KeyEncoder(), eb = KeyEncoder()
            let exactA = try ea.appendIndexValue(a, stringPrefixMax: prefixMax)
            let exactB = try eb.appendIndexValue(b, stringPrefixMax: prefixMax)
            let order = Value.totalOrder(a, b), keyOrder = KeyEncoding.compare(ea.bytes, eb.bytes)
            if order < 0 { #expect(keyOrder <= 0, "seed 29: \(a) < \(b), max \(prefixMax)") }
            if order > 0 { #expect(keyOrder >= 0, "seed 29: \(a) > \(b), max \(prefixMax)") }
            if order == 0 { #expect(keyOrder == 0, "seed 29") }
            if exactA != exactB { #expect(keyOrder != 0, "seed 29: exact and truncated keys differ") }
            if exactA && exactB { #expect(sign(order) == keyOrder, "seed 29: whole payloads order strictly") }
            // The flag matches the payload length, and the decoder sees the same thing.
            var decoder = KeyDecoder(ea.bytes)
            switch try decoder.readIndexValue() {
            case .exact(let v): #expect(exactA && v == a)
            case .truncatedString(let p), .truncatedBytes(let p): #expect(!exactA && p.count == prefixMax)
            }
        }
    }

    @Test("composite keys order component by component")
    func compositeOrder() throws {
        typealias Row = (label: UInt32, name: String, score: Double, blob: [UInt8], id: UInt64)
        var rng = TestRNG(seed: 31)
        var rows: [Row] = []
        for _ in 0..<400 {
            rows.append((UInt32(rng.below(3)), rng.string(), rng.double(), rng.byteString(), UInt64(rng.below(4))))
        }
        func key(_ r: Row) -> [UInt8] {
            var e = KeyEncoder()
            e.appendUInt32(r.label)
            e.appendString(r.name)
            e.appendDouble(r.score)
            e.appendBytes(r.blob)
            e.appendUInt64(r.id)
            return e.bytes
        }
        func modelOrder(_ a: Row, _ b: Row) -> Int {
            if a.label != b.label { return a.label < b.label ? -1 : 1 }
            let s = Value.totalOrder(.string(a.name), .string(b.name))
            if s != 0 { return s }
            let d = Value.totalOrder(.double(a.score), .double(b.score))
            if d != 0 { return d }
            let y = Value.totalOrder(.bytes(a.blob), .bytes(b.blob))
            if y != 0 { return y }
            return a.id == b.id ? 0 : (a.id < b.id ? -1 : 1)
        }
        let keys = rows.map(key)
        for i in rows.indices {
            for j in rows.indices where j % 7 == i % 7 {
                #expect(KeyEncoding.compare(keys[i], keys[j]) == modelOrder(rows[i], rows[j]), "seed 31")
            }
            var d = KeyDecoder(keys[i])
            #expect(try d.readUInt32() == rows[i].label)
            #expect(try d.readString().utf8.elementsEqual(rows[i].name.utf8))
            #expect(KeyEncoding.orderedBits(of: try d.readDouble()) == KeyEncoding.orderedBits(of: rows[i].score))
            #expect(try d.readBytes() == rows[i].blob)
            #expect(try d.readUInt64() == rows[i].id)
            try d.expectEnd()
        }
        // The classic trap for naive string keys: ("a", 2) must sort before ("a\0", 1) and ("ab", 0).
        let k1 = key((0, "a", 0, [], 2)), k2 = key((0, "a\u{0}", 0, [], 1)), k3 = key((0, "ab", 0, [], 0))
        #expect(KeyEncoding.compare(k1, k2) == -1 && KeyEncoding.compare(k2, k3) == -1)
    }

    @Test("Int64 keys order like the integers, extremes included")
    func intOrder() throws {
        var rng = TestRNG(seed: 37)
        for _ in 0..<10_000 {
            let a = rng.int64(), b = rng.int64()
            var ea = KeyEncoder(), eb = KeyEncoder()
            ea.appendInt64(a)
            eb.appendInt64(b)
            #expect(KeyEncoding.compare(ea.bytes, eb.bytes) == (a < b ? -1 : (a == b ? 0 : 1)), "seed 37")
            var d = KeyDecoder(ea.bytes)
            #expect(try d.readInt64() == a)
        }
    }

    @Test("lists and maps are not indexable and a negative prefix length is refused")
    func notIndexable() {
        var e = KeyEncoder()
        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try e.appendIndexValue([1], stringPrefixMax: 8) }))
        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try e.appendIndexValue(["a": 1], stringPrefixMax: 8) }))
        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try e.appendIndexValue("a", stringPrefixMax: -1) }))
    }

    @Test("escaped runs match the byte-by-byte escape, whether copied whole or not")
    func escapedRunsMatchReference() throws {
        func reference(_ run: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            for b in run { out.append(b); if b == 0 { out.append(0xFF) } }
            return out + [0, 0]
        }
        var rng = TestRNG(seed: 43)
        for round in 0..<2_000 {
            // Mostly printable bytes, sometimes a zero, so both the whole-copy and the byte path run.
            let run = (0..<rng.below(40)).map { _ in rng.chance(5) ? UInt8(0) : UInt8(0x20 + rng.below(0x5F)) }
            var fromBytes = KeyEncoder()
            fromBytes.appendBytes(run)
            #expect(fromBytes.bytes == reference(run), "seed 43 round \(round)")
            let text = String(decoding: run, as: UTF8.self)
            var fromString = KeyEncoder()
            fromString.appendString(text)
            #expect(fromString.bytes == reference(Array(text.utf8)), "seed 43 round \(round)")
            var lazyRun = KeyEncoder()   // not contiguous: always the byte path
            lazyRun.appendBytes(Array(run.lazy.map { $0 }))
            #expect(lazyRun.bytes == fromBytes.bytes, "seed 43 round \(round)")
            var reused = KeyEncoder()
            reused.appendBytes(run)
            reused.removeAll()
            reused.appendBytes(run)
            #expect(reused.bytes == fromBytes.bytes, "seed 43 round \(round)")
        }
        var truncated = KeyEncoder()
        #expect(try truncated.appendIndexValue("abcdef", stringPrefixMax: 3) == false)
        #expect(truncated.bytes == [0x40, 0x61, 0x62, 0x63, 0, 1])
    }

    @Test("prefixEnd is the least key above every key with the prefix")
    func prefixEnd() {
        #expect(KeyEncoding.prefixEnd([0x01, 0x02]) == [0x01, 0x03])
        #expect(KeyEncoding.prefixEnd([0x01, 0xFF, 0xFF]) == [0x02])
        #expect(KeyEncoding.prefixEnd([0xFF, 0xFF]) == nil)
        #expect(KeyEncoding.prefixEnd([]) == nil)
        var rng = TestRNG(seed: 41)
        for _ in 0..<2_000 {
            let prefix = (0..<rng.below(4)).map { _ in rng.chance(40) ? UInt8(0xFF) : rng.byte() }
            let key = prefix + rng.bytes(rng.below(4))
            let other = rng.bytes(rng.below(6))
            guard let end = KeyEncoding.prefixEnd(prefix) else {
                #expect(prefix.allSatisfy { $0 == 0xFF })
                continue
            }
            #expect(KeyEncoding.compare(key, end) == -1, "seed 41")
            // Anything at or above the prefix and below the end starts with the prefix.
            if KeyEncoding.compare(other, prefix) >= 0 && KeyEncoding.compare(other, end) < 0 {
                #expect(other.starts(with: prefix), "seed 41")
            }
        }
    }

    @Test("the key decoder rejects bad escapes, missing terminators, unknown tags and non-canonical NaNs")
    func decoderRejects() {
        func fails(_ bytes: [UInt8], _ read: (inout KeyDecoder) throws(SombraError) -> Void) -> Bool {
            var d = KeyDecoder(bytes, page: PageID(6))
            return isCorruptPage(thrownError { () throws(SombraError) in try read(&d) }, page: 6)
        }
        #expect(fails([0x61, 0x00, 0x02]) { d throws(SombraError) in _ = try d.readString() })
        #expect(fails([0x61, 0x00, 0x01]) { d throws(SombraError) in _ = try d.readString() }, "truncation marker outside index values")
        #expect(fails([0x61, 0x00]) { d throws(SombraError) in _ = try d.readBytes() })
        #expect(fails([0x61]) { d throws(SombraError) in _ = try d.readBytes() })
        #expect(fails([0xC3, 0x00, 0x00]) { d throws(SombraError) in _ = try d.readString() })
        #expect(fails([0x11]) { d throws(SombraError) in _ = try d.readIndexValue() })
        #expect(fails([0x40, 0xFF, 0x00, 0x00]) { d throws(SombraError) in _ = try d.readIndexValue() })
        #expect(fails([0x31, 0xFF, 0xF8, 0, 0, 0, 0, 0, 1]) { d throws(SombraError) in _ = try d.readIndexValue() })
        #expect(fails([0x30, 0, 0]) { d throws(SombraError) in _ = try d.readIndexValue() })
        #expect(fails([1, 2, 3]) { d throws(SombraError) in _ = try d.readUInt32() })
        #expect(fails([0x10, 0x10]) { d throws(SombraError) in _ = try d.readIndexValue(); try d.expectEnd() })
    }
}
