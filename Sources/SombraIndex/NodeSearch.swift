// NodeSearch: finding a key among a page's cells with few probes. The search starts at a guess made by
// interpolating the key's leading 8 bytes, then gallops outward from the guess and finishes with a binary
// search of the bracket it found. The guess interpolates between the separators the parent page gave this
// page (`SeparatorBounds`, carried down by descents), or else between the page's own first and last keys.
// Layer: SombraIndex. The point lookups and descents of every tree use it.
//
// Why: a probe reads a key at a cell offset, so on a page that is not in the CPU cache each probe is
// a memory miss. Node and edge ids are dense, and so are most keys that start with one. For them the guess
// is exact or close: a leaf lookup between the parent's separators makes about one probe, and three with
// the page's own first and last keys, where a binary search of 130 cells makes seven or eight.
//
// Invariants:
//  1. The answers are those of a binary search over the same cells whenever the keys ascend, as they do
//     on any valid page. The guess only decides where probing starts. On a page whose keys do not ascend
//     (which `verify` reports) the answer is still an index in 0...cellCount, and a probe that meets a
//     corrupt cell throws `.corruptPage`, as every probe does.
//  2. With no usable guess (fewer than `minimumCellsToGuess` cells, or equal leading words on the first and
//     last cell) the search is the plain binary search.
//  3. No arithmetic here can trap on any page contents: the guess is computed in floating point and
//     clamped, and every index stays within 0...cellCount.
import SombraFormat

/// What a descent knows of the keys of the page it reads next: the leading words of the separators around
/// the child pointer it followed (nil on a side with no separator, or before the first descent step).
struct SeparatorBounds {
    var low: UInt64?
    var high: UInt64?

    static let unknown = SeparatorBounds(low: nil, high: nil)

    /// The bounds of child `index` of interior page `view`, narrowing these (the parent's own bounds).
    func narrowed(toChild index: Int, of view: NodeView) throws(SombraError) -> SeparatorBounds {
        var b = self
        if index > 0 { b.low = try view.leadingWord(ofCell: index &- 1) }
        if index < view.cellCount { b.high = try view.leadingWord(ofCell: index) }
        return b
    }
}

extension NodeView {
    /// The guess for a key whose leading word is `word`: between `bounds` when both are known, else from the
    /// page's first and last keys.
    @inline(__always)
    func guessIndex(forLeadingWord word: UInt64, within bounds: SeparatorBounds) throws(SombraError) -> Int? {
        if let low = bounds.low, let high = bounds.high { return guessIndex(forLeadingWord: word, between: low, and: high) }
        return try guessIndex(forLeadingWord: word)
    }

    /// The guess for `key` (see `guessIndex(forLeadingWord:within:)`).
    @inline(__always)
    func guessIndex(for key: [UInt8], within bounds: SeparatorBounds) throws(SombraError) -> Int? {
        try guessIndex(forLeadingWord: Self.leadingWord(key, start: 0, count: key.count), within: bounds)
    }

    /// Below this many cells a binary search is as short as the two extra probes a guess costs.
    static let minimumCellsToGuess = 16

    /// The first 8 bytes of the key of cell `i` as a big-endian number, zero-padded when the key is shorter.
    @inline(__always)
    func leadingWord(ofCell i: Int) throws(SombraError) -> UInt64 {
        let location = try keyLocation(i)
        return Self.leadingWord(bytes, start: location.start, count: location.count)
    }

    /// The first 8 bytes of `bytes[start..<start+count]` as a big-endian number, zero-padded.
    @inline(__always)
    static func leadingWord(_ bytes: [UInt8], start: Int, count: Int) -> UInt64 {
        if count >= 8 { return bytes.loadBE(UInt64.self, at: start) }
        var word: UInt64 = 0
        var j = 0
        while j < 8 {
            word <<= 8
            if j < count { word |= UInt64(bytes[start &+ j]) }
            j &+= 1
        }
        return word
    }

    /// Where a key whose leading word is `target` probably lies, or nil when the page gives no usable guess.
    @inline(__always)
    func guessIndex(forLeadingWord target: UInt64) throws(SombraError) -> Int? {
        let n = cellCount
        guard n >= Self.minimumCellsToGuess else { return nil }
        let first = try leadingWord(ofCell: 0)
        let last = try leadingWord(ofCell: n &- 1)
        guard first < last else { return nil }
        if target <= first { return 0 }
        if target >= last { return n &- 1 }
        let fraction = Double(target &- first) / Double(last &- first)
        let guess = Int((fraction * Double(n &- 1)).rounded())
        return Swift.min(Swift.max(guess, 0), n &- 1)
    }

    /// Where a key whose leading word is `target` probably lies, interpolating between `low` and `high`, the
    /// leading words of the separators the parent page gave this page (the keys it holds lie between them):
    /// no probe of this page is spent on the guess. Nil when the bounds give none (fewer than
    /// `minimumCellsToGuess` cells, or `low >= high`).
    @inline(__always)
    func guessIndex(forLeadingWord target: UInt64, between low: UInt64, and high: UInt64) -> Int? {
        let n = cellCount
        guard n >= Self.minimumCellsToGuess, low < high else { return nil }
        if target <= low { return 0 }
        if target >= high { return n &- 1 }
        let fraction = Double(target &- low) / Double(high &- low)
        let guess = Int((fraction * Double(n)).rounded(.down))
        return Swift.min(Swift.max(guess, 0), n &- 1)
    }

    /// The first cell `i` that is "after" the target: `order(i) >= 0` (or `> 0` when `strict`), where
    /// order(i) is the sign of key i - target. Starts at `guess` when given (invariant 1), else a binary
    /// search. Returns the sign of the answer's key (nil when the answer is `cellCount`).
    @inline(__always)
    func partitionPoint(guess: Int?, strict: Bool,
                        by order: (Int) throws(SombraError) -> Int) throws(SombraError) -> (index: Int, sign: Int?) {
        // Invariant of the loops: every cell below `low` is before the target; `high` is `cellCount` or a
        // cell after it whose sign is `highSign`.
        var low = 0
        var high = cellCount
        var highSign: Int? = nil
        @inline(__always) func isAfter(_ sign: Int) -> Bool { strict ? sign > 0 : sign >= 0 }
        if let guess, guess >= 0, guess < high {
            let sign = try order(guess)
            if !strict && sign == 0 { return (guess, 0) }   // keys are unique on a valid page
            if isAfter(sign) {
                high = guess
                highSign = sign
                var step = 1
                while step <= high &- low {   // gallop toward the first cell
                    let probe = high &- step
                    let s = try order(probe)
                    if !isAfter(s) {
                        low = probe &+ 1
                        break
                    }
                    high = probe
                    highSign = s
                    step &<<= 1
                }
            } else {
                low = guess &+ 1
                var step = 1
                while step <= high &- low {   // gallop toward the last cell
                    let probe = low &+ step &- 1
                    let s = try order(probe)
                    if isAfter(s) {
                        high = probe
                        highSign = s
                        break
                    }
                    low = probe &+ 1
                    step &<<= 1
                }
            }
        }
        while low < high {
            let mid = low &+ (high &- low) / 2
            let s = try order(mid)
            if isAfter(s) {
                high = mid
                highSign = s
            } else {
                low = mid &+ 1
            }
        }
        return (low, highSign)
    }
}
