// Handles: the tables that turn 64-bit tokens into objects. A C caller never holds a pointer into Swift
// memory, so a null, stale, foreign or wrong-kind handle is detected instead of dereferenced.
//
// Token layout (bits):  63..56 tag = 0xA0 | kind   55..24 generation (32 bits)   23..0 slot
//
// Invariants:
//  1. A slot's generation starts at 1 and increases every time the slot is freed (wrapping past 2^32 - 1
//     to 1, never 0), so a token stays invalid after its object is removed until the slot has been reused
//     2^32 - 1 times.
//  2. Lookups, inserts and removals happen under the table's lock; the object returned by a lookup is a
//     strong reference, so a concurrent removal cannot free it while a call uses it.
//  3. At most 2^24 - 1 handles of one kind are live at once (SOMBRA_LIMIT beyond); the table never grows
//     past that.
//  4. Token 0 is never issued (the tag byte is never 0).
import Synchronization

enum HandleKind: UInt8 {
    case database = 1
    case transaction = 2
    case iterator = 3
    case value = 4

    var name: String {
        switch self {
        case .database: return "database"
        case .transaction: return "transaction"
        case .iterator: return "iterator"
        case .value: return "value"
        }
    }
}

final class HandleTable<Object: AnyObject & Sendable>: Sendable {
    struct Slots {
        var objects: [Object?] = []
        var generations: [UInt32] = []
        var free: [UInt32] = []
    }

    static var slotLimit: Int { (1 << 24) - 1 }
    let kind: HandleKind
    let slots = Mutex(Slots())

    init(kind: HandleKind) { self.kind = kind }

    var tag: UInt64 { UInt64(0xA0 | kind.rawValue) << 56 }

    func token(slot: UInt32, generation: UInt32) -> UInt64 {
        tag | (UInt64(generation) << 24) | UInt64(slot)
    }

    /// Stores `object` and returns its new token.
    func insert(_ object: Object) throws(CABIError) -> UInt64 {
        let result: UInt64? = slots.withLock { s in
            if let slot = s.free.popLast() {
                s.objects[Int(slot)] = object
                return token(slot: slot, generation: s.generations[Int(slot)])
            }
            guard s.objects.count < Self.slotLimit else { return nil }
            let slot = UInt32(s.objects.count)
            s.objects.append(object)
            s.generations.append(1)
            return token(slot: slot, generation: 1)
        }
        guard let result else { throw .limit("too many live \(kind.name) handles (at most \(Self.slotLimit))") }
        return result
    }

    /// Splits a token, checking its tag (invariant 4 and wrong-kind detection).
    func decode(_ token: UInt64) throws(CABIError) -> (slot: Int, generation: UInt32) {
        guard token != 0 else { throw .misuse("null \(kind.name) handle") }
        guard token & (0xFF << 56) == tag else { throw .misuse("\(hex(token)) is not a \(kind.name) handle") }
        return (Int(token & 0xFF_FFFF), UInt32(truncatingIfNeeded: token >> 24))
    }

    /// The live object for `token` (invariant 2).
    func get(_ token: UInt64) throws(CABIError) -> Object {
        let (slot, generation) = try decode(token)
        let found: Object? = slots.withLock { s in
            guard slot < s.objects.count, s.generations[slot] == generation else { return nil }
            return s.objects[slot]
        }
        guard let found else { throw .misuse("stale or unknown \(kind.name) handle \(hex(token)) (closed, ended or freed)") }
        return found
    }

    /// Removes and returns the object for `token`; the token is invalid afterwards (invariant 1).
    @discardableResult
    func remove(_ token: UInt64) throws(CABIError) -> Object {
        let (slot, generation) = try decode(token)
        let found: Object? = slots.withLock { s in
            guard slot < s.objects.count, s.generations[slot] == generation, let o = s.objects[slot] else { return nil }
            s.objects[slot] = nil
            let next = generation &+ 1
            s.generations[slot] = next == 0 ? 1 : next
            s.free.append(UInt32(slot))
            return o
        }
        guard let found else { throw .misuse("stale or unknown \(kind.name) handle \(hex(token)) (closed, ended or freed)") }
        return found
    }

    /// Live handles (for tests and statistics).
    var liveCount: Int { slots.withLock { $0.objects.count - $0.free.count } }
}

/// A token as 0x-prefixed hex, for messages.
func hex(_ token: UInt64) -> String { "0x" + String(token, radix: 16) }
