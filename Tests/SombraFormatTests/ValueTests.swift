// Value: exact equality, hashing, literals, description and the total order (Sources/SombraFormat/Value.swift).

import Testing
import SombraFormat

@Suite("Value")
struct ValueTests {
    @Test("equality is exact: doubles by bit pattern, strings and map keys by UTF-8 bytes")
    func exactEquality() {
        #expect(Value.double(.nan) == Value.double(.nan))
        #expect(Value.double(.nan) != Value.double(-.nan), "NaNs with different sign bits differ")
        #expect(Value.double(.nan) != Value.double(Double(bitPattern: 0x7FF8_0000_0000_0001)))
        #expect(Value.double(-0.0) != Value.double(0.0))
        #expect(Value.int(1) != Value.double(1))
        #expect(Value.string("é") != Value.string("e\u{301}"), "canonically equivalent but different bytes")
        #expect(Value.map(["é": 1]) != Value.map(["e\u{301}": 1]))
        #expect(Value.map(["a": 1, "b": [1, 2]]) == Value.map(["b": [1, 2], "a": 1]))
        #expect(Value.list([.double(-0.0)]) != Value.list([.double(0.0)]))
        #expect(Value.bytes([]) != Value.string(""))
    }

    @Test("equal values hash equally, including maps built in different orders")
    func hashing() {
        var rng = TestRNG(seed: 21)
        for _ in 0..<2_000 {
            let value = rng.value(depth: 3)
            guard case .map(let entries) = value else {
                #expect(value.hashValue == value.hashValue)
                continue
            }
            var rebuilt: [String: Value] = [:]
            for (k, v) in entries.reversed() { rebuilt[k] = v }
            #expect(Value.map(rebuilt) == value, "seed 21")
            #expect(Value.map(rebuilt).hashValue == value.hashValue, "seed 21")
        }
        let set: Set<Value> = [.double(0.0), .double(-0.0), .double(.nan), .double(.nan), .null, nil]
        #expect(set.count == 4)
    }

    @Test("literals build the matching cases")
    func literals() {
        let v: Value = ["name": "Ada", "age": 36, "score": 1.5, "ok": true, "none": nil, "tags": ["x", 2]]
        #expect(v == .map(["name": .string("Ada"), "age": .int(36), "score": .double(1.5), "ok": .bool(true),
                           "none": .null, "tags": .list([.string("x"), .int(2)])]))
        let repeated: Value = ["k": 1, "k": 2]
        #expect(repeated == .map(["k": 2]), "a repeated literal key keeps its last value")
    }

    @Test("descriptions are readable and stable")
    func descriptions() {
        let v: Value = ["b": [1, 2.5, nil], "a": "q\"\n"]
        #expect(v.description == "{\"a\": \"q\\\"\\n\", \"b\": [1, 2.5, null]}")
        #expect(Value.bytes([0x00, 0xAB]).description == "x'00ab'")
        #expect(Value.bool(false).description == "false")
    }

    @Test("nesting depth counts containers")
    func depth() {
        #expect(Value.int(1).nestingDepth == 0)
        #expect(Value.list([]).nestingDepth == 1)
        #expect(nestedList(depth: 5).nestingDepth == 5)
        #expect(Value.map(["a": [["b": 1]]]).nestingDepth == 3)
    }

    @Test("totalOrder sorts a hand-written ascending list exactly")
    func handOrdered() {
        let ascending: [Value] = [
            .null, false, true,
            .int(.min), -1, 0, 1, .int(.max),
            .double(-.infinity), -1e300, -1.0, .double(-.leastNonzeroMagnitude), .double(-0.0), .double(0.0),
            .double(.leastNonzeroMagnitude), 1.0, .double(.infinity), .double(.nan),
            "", "\u{0}", "A", "a", "a\u{0}", "ab", "b", "e\u{301}", "é", "😀",
            .bytes([]), .bytes([0]), .bytes([0, 0]), .bytes([1]), .bytes([0xFF]),
            [], [nil], [1], [1, 1], [2], ["a"],
            [:], ["a": 1], ["a": 1, "b": 1], ["a": 2], ["b": 0],
        ]
        for i in ascending.indices {
            for j in ascending.indices {
                let expected = i < j ? -1 : (i == j ? 0 : 1)
                #expect(Value.totalOrder(ascending[i], ascending[j]) == expected,
                        "\(ascending[i]) vs \(ascending[j])")
            }
        }
    }

    @Test("every NaN sorts after +Inf and ties with every other NaN")
    func nanPlacement() {
        let nans: [Double] = [.nan, -.nan, .signalingNaN, Double(bitPattern: 0xFFF0_0000_0000_0001)]
        for a in nans {
            #expect(Value.totalOrder(.double(a), .double(.infinity)) == 1)
            for b in nans { #expect(Value.totalOrder(.double(a), .double(b)) == 0) }
        }
    }

    @Test("totalOrder is antisymmetric and zero exactly for equal values apart from NaN payloads")
    func consistency() {
        var rng = TestRNG(seed: 5)
        for _ in 0..<20_000 {
            let a = rng.value(depth: 2), b = rng.chance(10) ? a : rng.value(depth: 2)
            let ab = Value.totalOrder(a, b), ba = Value.totalOrder(b, a)
            #expect(ab == -ba, "seed 5: \(a) vs \(b)")
            if a == b { #expect(ab == 0, "seed 5: \(a)") }
            if ab == 0 && !containsNaN(a) { #expect(a == b, "seed 5: \(a) vs \(b)") }
        }
    }

    func containsNaN(_ v: Value) -> Bool {
        switch v {
        case .double(let d): return d.isNaN
        case .list(let items): return items.contains(where: containsNaN)
        case .map(let entries): return entries.values.contains(where: containsNaN)
        default: return false
        }
    }
}
