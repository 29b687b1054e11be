// VisitedNodes: the set of node ids a traversal has already reached.
// Layer: graph facade (traversals).
//
// Three tiers, chosen by how many ids have been met (`Tier`):
//  - `small`: made with `expectingFew`, the first `smallCountMax` ids are kept in a short array searched
//    linearly (one hop reaches a few nodes);
//  - `hashed`: then, up to `hashedCountMax` ids, an ordinary Set. A bitmap sized to the largest id would
//    cost more to clear than hashing a few thousand ids: for a million nodes, 125 KB zeroed per query, a
//    tenth of a depth-3 breadth-first search's time before this tier existed. Skipped when every id met
//    is below `smallBitmapIDLimit` (a bitmap of at most 16 KiB costs less than the hashing);
//  - `bitmap`: past that (or from the start, without `expectingFew`), ids below `bitmapIDLimit` live in a
//    bitmap of 64-bit words that grows to the largest id met (node ids are dense, handed out from 1 upward):
//    an insert is a shift and a mask. An id at or past the limit (only a damaged or hostile file has one)
//    stays in the Set, so an id read from disk never sizes an allocation beyond `bitmapIDLimit / 8` bytes
//    (16 MiB).
// (swift-collections' BitSet would do for the bitmap, but valgrind 3.19, which the performance work relies
// on, cannot read that module's debug information and gives up on the whole binary.)
//
// Invariants:
//  1. `insert(id)` returns true exactly once per distinct id, whichever tier holds it; tiers only move
//     forward, and a move carries every id over.
//  2. Memory: at most `bitmapIDLimit / 8` bytes for the bitmap, plus one Set entry per id in the hashed
//     tier or past the limit.

struct VisitedNodes {
    static let bitmapIDLimit: UInt64 = 1 << 27
    static let smallCountMax = 32
    static let hashedCountMax = 4096
    /// Ids below this need a bitmap of at most 16 KiB: the short array moves straight to the bitmap then.
    static let smallBitmapIDLimit: UInt64 = 1 << 17

    enum Tier { case small, hashed, bitmap }
    private(set) var tier: Tier

    /// The ids while in the `small` tier; emptied (and unused) after it.
    private var small: [UInt64] = []
    /// The ids in the `hashed` tier; in the `bitmap` tier only ids at or past `bitmapIDLimit`.
    private var large = Set<UInt64>()
    private var words: [UInt64] = []

    /// `expectingFew`: start with the short array (see the file comment); else with the bitmap.
    init(expectingFew: Bool = false) { tier = expectingFew ? .small : .bitmap }

    /// Adds `id`; true if it was not there yet (invariant 1).
    @inline(__always)
    mutating func insert(_ id: UInt64) -> Bool {
        switch tier {
        case .bitmap:
            return insertIntoBitmap(id)
        case .small:
            if small.contains(id) { return false }
            if small.count < Self.smallCountMax {
                // One allocation for the whole short list instead of growing it 1, 2, 4 ... 32 long.
                if small.capacity == 0 { small.reserveCapacity(Self.smallCountMax) }
                small.append(id)
                return true
            }
            // A small graph's bitmap is cheaper to clear than ids are to hash: skip the hashed tier then.
            let largest = max(small.max() ?? 0, id)
            if largest < Self.smallBitmapIDLimit {
                tier = .bitmap
                for known in small { _ = insertIntoBitmap(known) }
                small = []
                return insertIntoBitmap(id)
            }
            tier = .hashed
            large.reserveCapacity(Self.smallCountMax * 4)
            for known in small { large.insert(known) }
            small = []
            return insertHashed(id)
        case .hashed:
            return insertHashed(id)
        }
    }

    private mutating func insertHashed(_ id: UInt64) -> Bool {
        guard large.insert(id).inserted else { return false }
        if large.count > Self.hashedCountMax {
            tier = .bitmap
            let known = large
            large = []
            for k in known { _ = insertIntoBitmap(k) }
        }
        return true
    }

    private mutating func insertIntoBitmap(_ id: UInt64) -> Bool {
        guard id < Self.bitmapIDLimit else { return large.insert(id).inserted }
        let word = Int(id >> 6), bit = UInt64(1) << (id & 63)
        if word >= words.count {
            // Doubling keeps growth amortized; the limit keeps it bounded (invariant 2).
            let count = min(max(word + 1, words.count * 2, 64), Int(Self.bitmapIDLimit >> 6))
            words.append(contentsOf: repeatElement(0, count: count - words.count))
        }
        if words[word] & bit != 0 { return false }
        words[word] |= bit
        return true
    }
}
