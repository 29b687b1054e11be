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
import Sombra
import Synchronization

let values = HandleTable<ValueBox>(kind: .value)

final class ValueBox: Sendable {
    struct State {
        var value: Value
        var contents: CBuffer? = nil
        var keyBuffers: [String: CBuffer] = [:]
        var sortedKeys: [String]? = nil
    }

    let state: Mutex<State>

    init(_ v: Value) { state = Mutex(State(value: v)) }

    var value: Value { state.withLock { $0.value } }
}

/// A new handle holding `v`, checked against invariant 2 unless `fromEngine` (values read from the
/// database, whose codec already refuses deeper nesting).
func newValue(_ v: Value, fromEngine: Bool = false) throws -> UInt64 {
    guard fromEngine || v.nestingDepth <= Limits.nesting else {
        throw SombraError.invalidArgument("value is nested \(v.nestingDepth) deep; the maximum is \(Limits.nesting)")
    }
    return try values.insert(ValueBox(v))
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
