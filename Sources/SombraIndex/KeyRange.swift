// KeyRange: a range of byte-string keys with inclusive, exclusive or open bounds.
// Layer: SombraIndex.
//
// Invariants:
//  1. Keys compare byte-wise, a proper prefix first (the order of the B+tree).
//  2. `prefix(p)` holds exactly the keys that start with p: [p, successor(p)), where successor(p) drops
//     trailing 0xFF bytes and increments the last byte (open-ended when p is empty or all 0xFF).

package enum KeyBound: Hashable, Sendable {
    case unbounded
    case included([UInt8])
    case excluded([UInt8])
}

package struct KeyRange: Hashable, Sendable {
    package var lower: KeyBound
    package var upper: KeyBound

    package init(lower: KeyBound, upper: KeyBound) {
        self.lower = lower
        self.upper = upper
    }

    package static let all = KeyRange(lower: .unbounded, upper: .unbounded)

    package static func prefix(_ p: [UInt8]) -> KeyRange {
        var successor: [UInt8] = []
        return prefix(p, successorBuffer: &successor)
    }

    /// `prefix(p)`, with the successor built in `successorBuffer` (its storage reused when uniquely held).
    package static func prefix(_ p: [UInt8], successorBuffer: inout [UInt8]) -> KeyRange {
        successorBuffer.removeAll(keepingCapacity: true)
        successorBuffer.append(contentsOf: p)
        while let last = successorBuffer.last, last == 0xFF { successorBuffer.removeLast() }
        guard let last = successorBuffer.last else { return KeyRange(lower: .included(p), upper: .unbounded) }
        successorBuffer[successorBuffer.count - 1] = last + 1
        return KeyRange(lower: .included(p), upper: .excluded(successorBuffer))
    }

    /// Keys >= `key` (a convenience for `lower: .included(key), upper: .unbounded`).
    package static func from(_ key: [UInt8]) -> KeyRange { KeyRange(lower: .included(key), upper: .unbounded) }

    package func isAboveLower(_ key: ArraySlice<UInt8>) -> Bool {
        switch lower {
        case .unbounded: return true
        case .included(let bound): return compareBytes(key, bound[...]) >= 0
        case .excluded(let bound): return compareBytes(key, bound[...]) > 0
        }
    }

    package func isBelowUpper(_ key: ArraySlice<UInt8>) -> Bool {
        switch upper {
        case .unbounded: return true
        case .included(let bound): return compareBytes(key, bound[...]) <= 0
        case .excluded(let bound): return compareBytes(key, bound[...]) < 0
        }
    }

    package func contains(_ key: [UInt8]) -> Bool { isAboveLower(key[...]) && isBelowUpper(key[...]) }
}
