// VisitedNodes: the set of node ids a traversal has already reached.
// Layer: graph facade (traversals).
//
// Made with `expectingFew`, the first `smallCountMax` ids are kept in a short array searched linearly (one hop
// reaches a few nodes, and a bitmap sized to a large id would cost more to clear than the search). After that
// (or from the start, for a traversal that will reach many nodes), node ids being dense
// (handed out from 1 upward), ids below `bitmapIDLimit` live in a bitmap of 64-bit words that grows to the
// largest id met: an insert is a shift and a mask, with no hashing. An id at or past the limit (only a
// damaged or hostile file has one) goes to an ordinary Set, so an id read from disk never sizes an
// allocation beyond `bitmapIDLimit / 8` bytes (16 MiB).
// (swift-collections' BitSet would do for the bitmap, but valgrind 3.19, which the performance work relies
// on, cannot read that module's debug information and gives up on the whole binary.)
//
// Invariants:
//  1. `insert(id)` returns true exactly once per distinct id, whichever part holds it.
//  2. Memory: at most `bitmapIDLimit / 8` bytes for the bitmap, plus one Set entry per large id inserted.
struct VisitedNodes {
    static let bitmapIDLimit: UInt64 = 1 << 27

    static let smallCountMax = 32

    /// The ids while there are at most `smallCountMax`; emptied (and unused) once the bitmap takes over.
    private var small: [UInt64] = []
    private var usesBitmap: Bool

    /// `expectingFew`: start with the short array (see the file comment); else with the bitmap.
    init(expectingFew: Bool = false) { usesBitmap = !expectingFew }
    private var words: [UInt64] = []
    private var large = Set<UInt64>()

    /// Adds `id`; true if it was not there yet (invariant 1).
    @inline(__always)
    mutating func insert(_ id: UInt64) -> Bool {
        if !usesBitmap {
            if small.contains(id) { return false }
            if small.count < Self.smallCountMax {
                small.append(id)
                return true
            }
            usesBitmap = true
            for known in small { _ = insertIntoBitmap(known) }
            small = []
        }
        return insertIntoBitmap(id)
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
