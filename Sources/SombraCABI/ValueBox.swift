// ValueBox: what a sombra_value handle refers to: one property value plus the C buffers lent out by its
// getters. Layer: SombraCABI.
//
// Invariants:
//  1. A box's kind never changes; only lists (append) and maps (set) change their contents.
//  2. Every value in a box is nested at most Limits.nesting (32) deep, the engine's own bound, so the
//     recursive printer and comparisons here cannot run out of stack.
//  3. Buffers lent to C (string/bytes contents, map keys) live as long as the box: a string's buffer is
//     made once (its text never changes) and map keys are only ever added, so a lent pointer stays valid
//     until sombra_value_free.
//  4. All access goes through the box's lock, so a value shared between threads is never torn.
//  5. A value a caller builds holds at most Limits.valueItems values and Limits.valueBytes bytes of text,
//     bytes and map keys, counting every shared part each time it occurs (ValueSize): appending a list to
//     itself doubles what printing, encoding and comparing it would walk, while its memory stays small, so
//     without this bound 32 calls could make one call run for hours. Each box keeps its size, so checking
//     an append costs nothing more. Values read from the database are bounded by the record size instead.
import Sombra
import Synchronization

let values = HandleTable<ValueBox>(kind: .value)

final class ValueBox: Sendable {
    struct State {
        var value: Value
        var size: ValueSize
        var contents: CBuffer? = nil
        var keyBuffers: [String: CBuffer] = [:]
        var sortedKeys: [String]? = nil
    }

    let state: Mutex<State>

    init(_ v: Value, size: ValueSize) { state = Mutex(State(value: v, size: size)) }

    var value: Value { state.withLock { $0.value } }

    /// The value and its size, read together.
    var valueAndSize: (Value, ValueSize) { state.withLock { ($0.value, $0.size) } }
}

/// What a value holds when every shared part is counted each time it occurs, and how deep it nests
/// (invariants 2 and 5). Kept in each box, so growing a list or map is checked without walking it.
struct ValueSize: Sendable, Equatable {
    /// Scalars, lists and maps.
    var items = 0
    /// Bytes of strings, byte values and map keys.
    var bytes = 0
    /// Value.nestingDepth: 0 for a scalar, 1 + the deepest element for a list or map.
    var depth = 0

    var isWithinLimits: Bool { items <= Limits.valueItems && bytes <= Limits.valueBytesTotal && depth <= Limits.nesting }

    /// A list or map of this size with `element` (and `keyBytes` of key) added.
    func adding(_ element: ValueSize, keyBytes: Int = 0) -> ValueSize {
        ValueSize(items: items + element.items, bytes: bytes + element.bytes + keyBytes, depth: max(depth, 1 + element.depth))
    }

    /// The size of `v`. With `bounded` the walk stops as soon as the size passes the limits, and the
    /// (partial) size returned is then already past them.
    static func of(_ v: Value, bounded: Bool = true) -> ValueSize {
        var size = ValueSize()
        func visit(_ v: Value, _ level: Int) -> Bool {
            size.items += 1
            size.depth = max(size.depth, level)
            switch v {
            case .string(let s): size.bytes += s.utf8.count
            case .bytes(let b): size.bytes += b.count
            case .list(let items):
                size.depth = max(size.depth, level + 1)
                for x in items where !visit(x, level + 1) { return false }
            case .map(let m):
                size.depth = max(size.depth, level + 1)
                for (k, x) in m {
                    size.bytes += k.utf8.count
                    if !visit(x, level + 1) { return false }
                }
            default: break
            }
            return !bounded || size.isWithinLimits
        }
        _ = visit(v, 0)
        return size
    }

    /// The error for a value past the limits.
    func refusal(_ what: String) -> SombraError {
        if depth > Limits.nesting { return .invalidArgument("\(what) would nest deeper than \(Limits.nesting)") }
        return .valueTooLarge(size: max(items, bytes), max: items > Limits.valueItems ? Limits.valueItems : Limits.valueBytesTotal)
    }
}

/// A new handle holding `v`, checked against invariants 2 and 5 unless `fromEngine` (values read from the
/// database, whose codec already refuses deeper nesting and whose records are bounded).
func newValue(_ v: Value, fromEngine: Bool = false) throws -> UInt64 {
    let size = ValueSize.of(v, bounded: !fromEngine)
    guard fromEngine || size.isWithinLimits else { throw size.refusal("the value") }
    return try values.insert(ValueBox(v, size: size))
}

/// The value of a handle (a copy).
func valueOf(_ token: UInt64) throws -> Value { try values.get(token).value }

/// An optional property map argument: 0 means none.
func propertiesArgument(_ token: UInt64) throws -> [String: Value] {
    if token == 0 { return [:] }
    guard case .map(let m) = try valueOf(token) else {
        throw CABIError.wrongKind("properties must be a map value")
    }
    return m
}

/// An optional value argument (range bounds): 0 means none.
func optionalValue(_ token: UInt64) throws -> Value? {
    token == 0 ? .none : .some(try valueOf(token))  // not `nil`: Value is ExpressibleByNilLiteral
}

extension Value {
    /// The SOMBRA_KIND_* number.
    var kindCode: Int32 {
        switch self {
        case .null: return 0
        case .bool: return 1
        case .int: return 2
        case .double: return 3
        case .string: return 4
        case .bytes: return 5
        case .list: return 6
        case .map: return 7
        }
    }
}

/// Map keys in byte order (the order of sombra_value_map_entry and of JSON objects).
func sortedKeys(_ m: [String: Value]) -> [String] {
    m.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}
