// Value: a property value (null, bool, 64-bit int, double, UTF-8 string, bytes, list, map).
// Layer: SombraFormat; the graph facade re-exports it. Record form: ValueCodec.swift; key form: KeyEncoding.swift.
//
// Invariants:
//  1. Equality and hashing are exact, so a value equals itself after any encode/decode round trip and equal
//     values have equal record bytes: doubles compare by bit pattern (NaN == NaN for the same payload,
//     -0.0 != +0.0), strings and map keys by their UTF-8 bytes (not Unicode canonical equivalence).
//  2. `totalOrder` is a total preorder over all values: type rank null < false < true < int < double <
//     string < bytes < list < map, then by value within a type. Doubles use the IEEE total order with every
//     NaN canonicalized to one NaN placed after +Inf (so NaNs with different payloads tie there, though they
//     are not `==`). Otherwise `totalOrder(a, b) == 0` exactly when `a == b`.
//  3. For every scalar (non-list, non-map) pair, sign(totalOrder(a, b)) equals the sign of the byte
//     comparison of their untruncated index keys (KeyEncoder.appendIndexValue).

public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list([Value])
    case map([String: Value])

    /// Position in the cross-type order (invariant 2); false and true rank separately.
    var typeRank: Int {
        switch self {
        case .null: return 0
        case .bool(let b): return b ? 2 : 1
        case .int: return 3
        case .double: return 4
        case .string: return 5
        case .bytes: return 6
        case .list: return 7
        case .map: return 8
        }
    }

    /// A short name of the kind, for messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "double"
        case .string: return "string"
        case .bytes: return "bytes"
        case .list: return "list"
        case .map: return "map"
        }
    }

    /// True for the kinds a property index can hold (everything but lists and maps).
    public var isIndexable: Bool {
        switch self {
        case .list, .map: return false
        default: return true
        }
    }

    /// Containers nested in this value: 0 for a scalar, 1 + the deepest element for a list or map
    /// (so `[]` is 1 and `[[1]]` is 2). The codec accepts depths up to ValueCodec.maxValueNestingDepth.
    public var nestingDepth: Int {
        switch self {
        case .list(let items): return 1 + (items.map(\.nestingDepth).max() ?? 0)
        case .map(let entries): return 1 + (entries.values.map(\.nestingDepth).max() ?? 0)
        default: return 0
        }
    }

    /// Map entries sorted by the UTF-8 bytes of their keys (the record and comparison order).
    static func sortedEntries(_ map: [String: Value]) -> [(key: String, value: Value)] {
        map.sorted { a, b in a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }
    }
}

// MARK: Exact equality and hashing (invariant 1)

extension Value: Hashable {
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)): return mapsEqual(a, b)
        default: return false
        }
    }

    static func mapsEqual(_ a: [String: Value], _ b: [String: Value]) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in a {
            // Dictionary lookup matches canonically equivalent keys; then require the same bytes.
            guard let index = b.index(forKey: key) else { return false }
            let other = b[index]
            guard other.key.utf8.elementsEqual(key.utf8), other.value == value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(typeRank)
        switch self {
        case .null, .bool: break
        case .int(let v): hasher.combine(v)
        case .double(let v): hasher.combine(v.bitPattern)
        // String hashing follows canonical equivalence, which byte equality implies: consistent with ==.
        case .string(let v): hasher.combine(v)
        case .bytes(let v): hasher.combine(v)
        case .list(let v): hasher.combine(v)
        case .map(let v): hasher.combine(v)
        }
    }
}

// MARK: Total order (invariants 2 and 3)

extension Value {
    /// -1, 0 or 1 as `a` sorts before, with, or after `b`.
    public static func totalOrder(_ a: Value, _ b: Value) -> Int {
        let rankA = a.typeRank, rankB = b.typeRank
        if rankA != rankB { return rankA < rankB ? -1 : 1 }
        switch (a, b) {
        case (.int(let x), .int(let y)): return sign(x, y)
        case (.double(let x), .double(let y)):
            return sign(KeyEncoding.orderedBits(of: x), KeyEncoding.orderedBits(of: y))
        case (.string(let x), .string(let y)): return compareBytes(x.utf8, y.utf8)
        case (.bytes(let x), .bytes(let y)): return compareBytes(x, y)
        case (.list(let x), .list(let y)):
            for (u, v) in zip(x, y) {
                let order = totalOrder(u, v)
                if order != 0 { return order }
            }
            return sign(x.count, y.count)
        case (.map(let x), .map(let y)):
            for (u, v) in zip(sortedEntries(x), sortedEntries(y)) {
                let keyOrder = compareBytes(u.key.utf8, v.key.utf8)
                if keyOrder != 0 { return keyOrder }
                let valueOrder = totalOrder(u.value, v.value)
                if valueOrder != 0 { return valueOrder }
            }
            return sign(x.count, y.count)
        default:
            return 0  // null/null, false/false, true/true: same rank, no payload
        }
    }

    static func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }

    static func compareBytes<A: Sequence<UInt8>, B: Sequence<UInt8>>(_ a: A, _ b: B) -> Int {
        var left = a.makeIterator(), right = b.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }
}

// MARK: Description

extension Value: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let v): return v ? "true" : "false"
        case .int(let v): return String(v)
        case .double(let v): return v.description
        case .string(let v): return Value.quoted(v)
        case .bytes(let v): return "x'" + v.map(Value.hex).joined() + "'"
        case .list(let v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .map(let v):
            let entries = Value.sortedEntries(v).map { Value.quoted($0.key) + ": " + $0.value.description }
            return "{" + entries.joined(separator: ", ") + "}"
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += "\\u{" + hex(UInt8(scalar.value)) + "}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

// MARK: Literals
//
// Caution: with ExpressibleByNilLiteral, a bare `nil` whose type is inferred as Value (for instance the
// `: nil` arm of a ternary whose other arm is a Value) means `.null`, not "absent". Code that returns `Value?`
// spells absence as `.none`.

extension Value: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    /// A repeated key keeps its last value (a literal never traps).
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
