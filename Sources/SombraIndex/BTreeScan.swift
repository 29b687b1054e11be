// BTreeScan: lazy iteration over the keys of a KeyRange, ascending or descending, and range counting.
// Layer: SombraIndex.
//
// Invariants:
//  1. A scan positions its cursor on the first call to `next()` and yields each key in the range exactly
//     once, in order; after it returns nil it keeps returning nil.
//  2. `BTreeKeyScan` never reads a value (no overflow page is touched).
//  3. Scans inherit the cursor's behaviour when the tree changes under them in the same transaction:
//     they continue after (or before) the last key they returned.
//  4. A scan holds a cursor (a class): copies of a scan share one position.
import SombraFormat
import SombraStorage

/// Shared positioning logic of the two scan kinds.
struct ScanState {
    let cursor: BTreeCursor
    let range: KeyRange
    let reverse: Bool
    var started = false
    var finished = false

    /// Moves to the next key in the range; false once the range is exhausted.
    mutating func advance() throws(SombraError) -> Bool {
        guard !finished else { return false }
        if !started {
            started = true
            try reverse ? positionAtUpper() : positionAtLower()
        } else {
            try reverse ? cursor.previous() : cursor.next()
        }
        let inRange = cursor.isValid
            && (reverse ? range.isAboveLower(cursor.key[...]) : range.isBelowUpper(cursor.key[...]))
        if !inRange { finished = true }
        return inRange
    }

    private func positionAtLower() throws(SombraError) {
        switch range.lower {
        case .unbounded:
            try cursor.seekFirst()
        case .included(let key):
            try cursor.seek(key)
        case .excluded(let key):
            try cursor.seek(key)
            if cursor.isValid, cursor.key == key { try cursor.next() }
        }
    }

    private func positionAtUpper() throws(SombraError) {
        switch range.upper {
        case .unbounded:
            try cursor.seekLast()
        case .included(let key):
            try cursor.seekLastBeforeOrAt(key)
        case .excluded(let key):
            try cursor.seekLastBeforeOrAt(key)
            if cursor.isValid, cursor.key == key { try cursor.previous() }
        }
    }
}

/// Entries of a range with their values.
package struct BTreeScan {
    var state: ScanState

    package mutating func next() throws(SombraError) -> (key: [UInt8], value: [UInt8])? {
        guard try state.advance() else { return nil }
        return (state.cursor.key, try state.cursor.value())
    }
}

/// Keys of a range, without loading values.
package struct BTreeKeyScan {
    var state: ScanState

    package mutating func next() throws(SombraError) -> [UInt8]? {
        guard try state.advance() else { return nil }
        return state.cursor.key
    }
}

extension BTree {
    package func scan(_ range: KeyRange, reverse: Bool = false, in r: any PageReader) -> BTreeScan {
        BTreeScan(state: ScanState(cursor: BTreeCursor(tree: self, reader: r), range: range, reverse: reverse))
    }

    package func scanKeys(_ range: KeyRange, reverse: Bool = false, in r: any PageReader) -> BTreeKeyScan {
        BTreeKeyScan(state: ScanState(cursor: BTreeCursor(tree: self, reader: r), range: range, reverse: reverse))
    }

    /// Number of keys in `range`, found by searching each leaf's slot array (no values are read).
    package func count(_ range: KeyRange, in r: any PageReader) throws(SombraError) -> Int {
        var state = ScanState(cursor: BTreeCursor(tree: self, reader: r), range: range, reverse: false)
        guard try state.advance() else { return 0 }
        return try state.cursor.countForward(within: range)
    }
}
