// WALDelta: the payload of a delta frame in the write-ahead log: the bytes in which a page differs from its
// previous frame in the same log generation (Docs/FORMAT.md, "Delta frames").
//
// Layout: one or more runs, each `offset: u16 LE, length: u16 LE, bytes[length]`, nothing else.
//
// Invariants:
//  1. Runs are non-empty, ascending and disjoint, and lie inside the page (offset + length <= pageSize).
//  2. A payload is shorter than the page: a change that would not be is written as a whole page. With
//     pages of at most 65,536 bytes every offset and length then fits its 16 bits.
//  3. Applying a payload replaces exactly the bytes of its runs; every other byte keeps the base's value.
//     So applying it to any version of the page between its base and itself gives the same page, and
//     applying the deltas of a chain in order to the chain's whole frame gives each frame's page.
//  4. A page has at most `maxChain` delta frames in a row after its whole frame (bounds a reconstruction).

public enum WALDelta {
    /// Bytes in front of each run's bytes.
    public static let runHeaderSize = 4
    /// Longest run of delta frames of one page after its whole frame (invariant 4).
    public static let maxChain = 16

    /// The delta that turns `old` into `new` (equal lengths), or nil when it would be `limit` bytes or
    /// more (then the whole page is cheaper), or the page is too large for 16-bit offsets.
    public static func encode(from old: [UInt8], to new: [UInt8], limit: Int) -> [UInt8]? {
        guard old.count == new.count, new.count <= 1 << 16, limit > 0 else { return nil }
        // Runs cut to exactly the changed bytes, joined when fewer unchanged bytes than a run header lie
        // between two (the gap is cheaper than another header).
        let runs = new.changedRuns(from: old, in: 0..<new.count, mergeGap: runHeaderSize)
        var size = 0
        for run in runs { size += runHeaderSize + run.count }
        guard !runs.isEmpty, size < limit else { return nil }
        var payload: [UInt8] = []
        payload.reserveCapacity(size)
        for run in runs {
            payload.appendLE(UInt16(truncatingIfNeeded: run.lowerBound))
            payload.appendLE(UInt16(truncatingIfNeeded: run.count))
            payload.append(contentsOf: new[run])
        }
        return payload
    }

    /// Whether `b[payload]` is a well-formed delta for a page of `pageSize` bytes (invariants 1 and 2).
    public static func isWellFormed(_ b: [UInt8], payload: Range<Int>, pageSize: Int) -> Bool {
        forEachRun(b, payload: payload, pageSize: pageSize) { _, _ in }
    }

    /// Applies the delta `b[payload]` to `page` (invariant 3). Returns false, with `page` unchanged, when
    /// the delta is not well formed for the page's size.
    public static func apply(_ b: [UInt8], payload: Range<Int>, to page: inout [UInt8]) -> Bool {
        guard isWellFormed(b, payload: payload, pageSize: page.count) else { return false }
        _ = forEachRun(b, payload: payload, pageSize: page.count) { source, target in
            page.replaceSubrange(target, with: b[source])
        }
        return true
    }

    /// Calls `body(source, target)` for each run (its bytes' range in `b`, its range in the page), in
    /// order; returns false at the first violation of invariants 1-2 (the runs before it were visited).
    @discardableResult
    public static func forEachRun(_ b: [UInt8], payload: Range<Int>, pageSize: Int,
                                  _ body: (Range<Int>, Range<Int>) -> Void) -> Bool {
        guard payload.lowerBound >= 0, payload.upperBound <= b.count, !payload.isEmpty,
              payload.count < pageSize else { return false }
        var at = payload.lowerBound
        var pageEnd = 0
        while at < payload.upperBound {
            guard payload.upperBound - at >= runHeaderSize else { return false }
            let offset = Int(b.loadLE(UInt16.self, at: at))
            let length = Int(b.loadLE(UInt16.self, at: at + 2))
            at += runHeaderSize
            guard length > 0, offset >= pageEnd, offset + length <= pageSize,
                  payload.upperBound - at >= length else { return false }
            body(at..<at + length, offset..<offset + length)
            at += length
            pageEnd = offset + length
        }
        return true
    }
}
