// BulkLoaderSort: sorts the bulk loader's adjacency entries into key order (this end, type, other end,
// edge) with a counting sort on "this end" when those ids are dense, as they are in a load (ids come from
// one counter); otherwise, and for a node with many edges, it falls back to the standard library's sort.
//
// Invariants:
//  1. The result is exactly `entries.sorted()`: entries are distinct (each holds its own edge id), so the
//     order is total and the sorted array is unique.
//  2. Extra memory is bounded: one count per id in the span (at most 2n + 4096 of them) and one copy of
//     the entries; a wider span takes the standard sort.
extension BulkLoaderState.AdjacencyEntry {
    /// Below this many entries a node's entries are sorted by insertion, above by the standard sort.
    static let insertionSortMax = 24

    static func sortInKeyOrder(_ entries: inout [Self]) {
        let n = entries.count
        guard n > 1 else { return }
        var low = UInt64.max
        var high: UInt64 = 0
        for e in entries {
            low = min(low, e.a)
            high = max(high, e.a)
        }
        guard high - low < UInt64(n) * 2 + 4096 else {
            entries.sort()
            return
        }
        let buckets = Int(high - low) + 1
        // ends[b]: first, after the scatter one past the last, position of bucket b.
        var ends = [Int](repeating: 0, count: buckets)
        for e in entries { ends[Int(e.a - low)] += 1 }
        var total = 0
        for b in 0..<buckets {
            let count = ends[b]
            ends[b] = total
            total += count
        }
        var sorted = entries
        for e in entries {
            let b = Int(e.a - low)
            sorted[ends[b]] = e
            ends[b] += 1
        }
        var start = 0
        for b in 0..<buckets {
            let end = ends[b]
            if end - start > insertionSortMax {
                sorted[start..<end].sort()
            } else if end - start > 1 {
                for i in (start + 1)..<end {
                    let e = sorted[i]
                    var j = i
                    while j > start, e < sorted[j - 1] {
                        sorted[j] = sorted[j - 1]
                        j -= 1
                    }
                    sorted[j] = e
                }
            }
            start = end
        }
        entries = sorted
    }
}
