// Helpers for the format tests: a seeded PRNG (SplitMix64), generators of interesting values, and a way to
// capture a typed error. The test target depends only on SombraFormat, so the PRNG lives here.

import SombraFormat

/// SplitMix64: the same seed gives the same sequence everywhere.
struct TestRNG: RandomNumberGenerator {
    private(set) var state: UInt64
    let seed: UInt64

    init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
}

/// Runs `body` and returns the error it threw, or nil if it returned.
func thrownError<T>(_ body: () throws(SombraError) -> T) -> SombraError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// True when `error` is `.corruptPage` naming `page`.
func isCorruptPage(_ error: SombraError?, page: UInt64 = 0) -> Bool {
    if case .corruptPage(let p, _)? = error { return p == page }
    return false
}

func isInvalidArgument(_ error: SombraError?) -> Bool {
    if case .invalidArgument? = error { return true }
    return false
}

/// Doubles at the edges of the order and of the encoding.
let interestingDoubles: [Double] = [
    -.infinity, -.greatestFiniteMagnitude, -1e300, -2.5, -1, -.leastNormalMagnitude, -.leastNonzeroMagnitude,
    -0.0, 0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, 1, 2.5, 1e300, .greatestFiniteMagnitude, .infinity,
    .nan, -.nan, .signalingNaN, Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFFF_FFFF_FFFF_FFFF),
]

let interestingInts: [Int64] = [.min, .min + 1, -1 << 32, -65536, -129, -128, -1, 0, 1, 63, 64, 127, 128, 1 << 32, .max - 1, .max]

/// Short pieces that make strings share prefixes, hold NUL, multi-byte and canonically equivalent forms.
let stringPieces: [String] = ["", "a", "b", "ab", "\u{0}", "\u{1}", "é", "e\u{301}", "😀", "\u{FFFF}", "z", "\u{7F}", "日本"]

let bytePieces: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0x61]

extension TestRNG {
    mutating func int64() -> Int64 {
        switch below(4) {
        case 0: return interestingInts[below(interestingInts.count)]
        case 1: return Int64(below(200)) - 100
        case 2: return Int64(bitPattern: next()) >> UInt64(below(63))
        default: return Int64(bitPattern: next())
        }
    }

    mutating func double() -> Double {
        switch below(4) {
        case 0: return interestingDoubles[below(interestingDoubles.count)]
        case 1: return Double(below(200) - 100) / 4
        default: return Double(bitPattern: next())  // every kind, NaN payloads included
        }
    }

    mutating func string() -> String {
        (0..<below(5)).map { _ in stringPieces[below(stringPieces.count)] }.joined()
    }

    mutating func byteString() -> [UInt8] {
        (0..<below(7)).map { _ in chance(70) ? bytePieces[below(bytePieces.count)] : byte() }
    }

    /// A random indexable (scalar) value.
    mutating func scalar() -> Value {
        switch below(8) {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2, 3: return .int(int64())
        case 4: return .double(double())
        case 5, 6: return .string(string())
        default: return .bytes(byteString())
        }
    }

    /// A random value, nesting at most `depth` more containers.
    mutating func value(depth: Int) -> Value {
        guard depth > 0, chance(30) else { return scalar() }
        if chance(50) {
            return .list((0..<below(4)).map { _ in value(depth: depth - 1) })
        }
        var map: [String: Value] = [:]
        for _ in 0..<below(4) { map[string()] = value(depth: depth - 1) }
        return .map(map)
    }
}

/// A list nested `depth` times around `inner` (depth 1 is `[inner]`).
func nestedList(depth: Int, inner: Value = .int(1)) -> Value {
    var value = inner
    for _ in 0..<depth { value = .list([value]) }
    return value
}

func sign(_ x: Int) -> Int { x < 0 ? -1 : (x > 0 ? 1 : 0) }

/// The index key of one value (whole payloads unless `prefixMax` is given).
func indexKey(_ value: Value, prefixMax: Int = Int.max) -> [UInt8] {
    var encoder = KeyEncoder()
    _ = try? encoder.appendIndexValue(value, stringPrefixMax: prefixMax)
    return encoder.bytes
}

/// The value a key holds for `value`: the same, except that every NaN becomes the canonical NaN.
func keyCanonical(_ value: Value) -> Value {
    if case .double(let d) = value, d.isNaN { return .double(Double(bitPattern: 0x7FF8_0000_0000_0000)) }
    return value
}
