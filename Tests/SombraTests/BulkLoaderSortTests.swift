// The bulk loader's adjacency sort gives exactly the standard library's order, whatever the id spread.
import Testing
import SombraTestSupport
@testable import Sombra

@Suite("Bulk loader adjacency sort")
struct BulkLoaderSortTests {
    @Test("the counting sort equals sorted() for dense, sparse, hub-heavy and tiny inputs")
    func equalsStandardSort() {
        let seed: UInt64 = 0xAD_1A_CE
        var random = SeededRandom(seed: seed)
        var entriesSorted = 0
        for round in 0..<200 {
            let n = [0, 1, 2, 3, 30, 500, 5000][round % 7] + random.below(40)
            let base = UInt64(random.below(1 << 20)) + (round % 5 == 0 ? UInt64.max / 2 : 1)
            let spread: UInt64 = round % 4 == 3 ? UInt64.max / 4 : UInt64(max(1, n / (1 + random.below(4))))
            var entries: [BulkLoaderState.AdjacencyEntry] = []
            for i in 0..<n {
                let hub = random.chance(round % 3 == 0 ? 60 : 5)
                let a = hub ? base : base &+ UInt64.random(in: 0..<spread, using: &random)
                entries.append(.init(a: a, type: UInt32(random.below(3)), b: UInt64(random.below(50)), edge: UInt64(i + 1)))
            }
            entries.shuffle(using: &random)
            var counted = entries
            BulkLoaderState.AdjacencyEntry.sortInKeyOrder(&counted)
            #expect(counted == entries.sorted(), "seed \(seed) round \(round)")
            entriesSorted += n
        }
        print("bulk-adjacency-sort: rounds: 200 entries: \(entriesSorted) seed: \(seed)")
    }

    @Test("index entries kept back to back sort like their keys, and truncation restores an earlier state")
    func indexEntriesSortAndTruncate() {
        let seed: UInt64 = 0x1DE_E27
        var random = SeededRandom(seed: seed)
        var buffer = BulkLoaderIndexEntries()
        var model: [([UInt8], Bool)] = []
        for _ in 0..<3000 {
            let key = (0..<random.below(12)).map { _ in UInt8(random.below(4)) }   // short keys, many prefixes
            let exact = random.chance(70)
            let mark = buffer.count
            buffer.append(key: key, exact: exact)
            #expect(buffer.contains(key, from: mark))
            if random.chance(10) {
                buffer.truncate(to: mark)
            } else {
                model.append((key, exact))
            }
        }
        buffer.sortByKey()
        let sortedModel = model.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        #expect(buffer.count == sortedModel.count, "seed \(seed)")
        let keys = (0..<buffer.count).map { Array(buffer.key($0)) }
        #expect(keys == sortedModel.map(\.0), "seed \(seed)")
        #expect(buffer.bytes.count == model.reduce(0) { $0 + $1.0.count })
        print("bulk-index-entries: entries: \(buffer.count) seed: \(seed)")
    }
}
