// The guessed in-page search (NodeSearch) against a reference search over each page's key list, on trees
// whose keys are dense, sparse, skewed, share long prefixes or have mixed lengths; and the probe count it
// exists to cut, on dense ids.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree in-page search")
struct NodeSearchTests {
    enum Shape: CaseIterable { case dense, sparse, skewed, sharedPrefix, mixedLengths }

    func key(_ shape: Shape, _ i: Int, _ random: inout SeededRandom) -> [UInt8] {
        switch shape {
        case .dense: return numberKey(i + 1)
        case .sparse: return numberKey(Int(truncatingIfNeeded: random.next() >> 1))
        case .skewed:
            let u = Double(random.below(1_000_000)) / 1_000_000
            return numberKey(Int(1_000_000 * u * u)) + numberKey(i)
        case .sharedPrefix: return [0, 0, 0, 7] + Array("user-\(random.below(1_000_000))".utf8)
        case .mixedLengths: return random.randomBytes(1 + random.below(20))
        }
    }

    /// Every B-tree page of the store, leaves and interior pages.
    func views(_ store: MemoryPageStore) throws -> [NodeView] {
        var result: [NodeView] = []
        for p in 1..<store.pageCount where !store.isFree(PageID(p)) {
            let bytes = try store.page(PageID(p))
            let kind = bytes[PageHeader.kindOffset]
            guard kind == PageKind.btreeLeaf.rawValue || kind == PageKind.btreeInterior.rawValue else { continue }
            result.append(try NodeView(bytes, page: PageID(p), pageSize: store.pageSize, pageCount: store.pageCount))
        }
        return result
    }

    /// Targets around a page's keys: each key, its neighbours by one in the last byte, prefixes, extensions,
    /// and keys before and after all of them.
    func targets(_ keys: [[UInt8]], _ random: inout SeededRandom) -> [[UInt8]] {
        var out: [[UInt8]] = [[], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]]
        for k in keys {
            out.append(k)
            out.append(k + [0])
            if !k.isEmpty {
                out.append(Array(k.dropLast()))
                var up = k, down = k
                up[up.count - 1] &+= 1
                down[down.count - 1] &-= 1
                out.append(up)
                out.append(down)
            }
        }
        for _ in 0..<20 { out.append(random.randomBytes(random.below(12))) }
        return out
    }

    func referenceLower(_ keys: [[UInt8]], _ t: [UInt8]) -> Int {
        keys.firstIndex { !$0.lexicographicallyPrecedes(t) } ?? keys.count
    }

    func referenceUpper(_ keys: [[UInt8]], _ t: [UInt8]) -> Int {
        keys.firstIndex { t.lexicographicallyPrecedes($0) } ?? keys.count
    }

    @Test("lower and upper bounds, by key and by id, with or without a parent's bounds, match a reference search on every page of every shape")
    func matchesReference() throws {
        let seed: UInt64 = 0x5EA2C4
        var random = SeededRandom(seed: seed)
        var checked = 0
        var mismatches = 0
        var guessedPages = 0
        for shape in Shape.allCases {
            let store = MemoryPageStore(pageSize: 4096)
            let tree = try BTree.create(in: store)
            var order = Array(0..<2500)
            order.shuffle(using: &random)
            for i in order { try tree.put(key(shape, i, &random), random.randomBytes(random.below(30)), in: store) }
            for view in try views(store) {
                let keys = try (0..<view.cellCount).map { try Array(view.key(at: $0)) }
                if view.cellCount >= NodeView.minimumCellsToGuess,
                   try view.guessIndex(forLeadingWord: view.leadingWord(ofCell: view.cellCount / 2)) != nil {
                    guessedPages += 1
                }
                for t in targets(keys, &random) {
                    checked += 1
                    let lower = try view.lowerBound(t)
                    let lowerWanted = referenceLower(keys, t)
                    let foundWanted = lowerWanted < keys.count && keys[lowerWanted] == t
                    if lower.index != lowerWanted || lower.found != foundWanted { mismatches += 1 }
                    if try view.upperBound(t) != referenceUpper(keys, t) { mismatches += 1 }
                    // Bounds from a parent, right or wrong (a damaged parent): the answers must not change.
                    let bounds = SeparatorBounds(low: random.chance(50) ? try view.leadingWord(ofCell: 0) : random.next(),
                                                 high: random.chance(50) ? try view.leadingWord(ofCell: view.cellCount - 1) &+ 1 : random.next())
                    let bounded = try view.lowerBound(t, within: bounds)
                    if bounded.index != lowerWanted || bounded.found != foundWanted { mismatches += 1 }
                    if try view.upperBound(t, within: bounds) != referenceUpper(keys, t) { mismatches += 1 }
                    if t.count == 8 {
                        let id = t.loadBE(UInt64.self, at: 0)
                        let byID = try view.lowerBound(id: id)
                        if byID.index != lowerWanted || byID.found != foundWanted { mismatches += 1 }
                        if try view.upperBound(id: id) != referenceUpper(keys, t) { mismatches += 1 }
                        if try view.upperBound(id: id, within: bounds) != referenceUpper(keys, t) { mismatches += 1 }
                    }
                }
            }
        }
        print("node-search: targets: \(checked) guessed pages: \(guessedPages) mismatches: \(mismatches) seed: \(seed)")
        #expect(checked > 50_000)
        #expect(guessedPages > 50, "the guess must be in use for the test to mean anything")
        #expect(mismatches == 0, "seed \(seed)")
    }

    @Test("on dense ids a lookup probes at most half as many cells as a binary search, and half that again between a parent's bounds")
    func fewerProbesOnDenseIDs() throws {
        let store = MemoryPageStore(pageSize: 8192)
        let tree = try BTree.create(in: store)
        for i in 1...20_000 { try tree.put(numberKey(i), [UInt8](repeating: 1, count: 40), in: store) }
        var guessed = 0, bounded = 0, binary = 0, lookups = 0
        for view in try views(store) where view.isLeaf && view.cellCount >= 64 {
            for i in 0..<view.cellCount {
                let id = try view.leadingWord(ofCell: i)
                var probes = 0
                let order = { (c: Int) throws(SombraError) -> Int in
                    probes += 1
                    return try view.compareKey(at: c, withID: id)
                }
                let a = try view.partitionPoint(guess: view.guessIndex(forLeadingWord: id), strict: false, by: order)
                probes += 2   // the first and last keys the guess reads
                guessed += probes
                probes = 0
                // Bounds as a parent's separators give them (the keys below lie between them): no extra probe.
                let low = try view.leadingWord(ofCell: 0), high = try view.leadingWord(ofCell: view.cellCount - 1) + 1
                let c = try view.partitionPoint(guess: view.guessIndex(forLeadingWord: id, between: low, and: high),
                                                strict: false, by: order)
                bounded += probes
                probes = 0
                let b = try view.partitionPoint(guess: nil, strict: false, by: order)
                binary += probes
                lookups += 1
                #expect(a.index == i && b.index == i && c.index == i && a.sign == 0 && b.sign == 0 && c.sign == 0)
            }
        }
        print("node-search: dense lookups: \(lookups) probes guessed: \(guessed) between bounds: \(bounded) binary: \(binary)")
        #expect(lookups > 10_000)
        #expect(guessed * 2 <= binary)
        #expect(bounded * 2 <= guessed, "bounds from the parent save the two probes of the first and last keys")
    }
}
