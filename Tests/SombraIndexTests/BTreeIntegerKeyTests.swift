// Lookups by 64-bit id against lookups by the id's 8 big-endian bytes.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree id lookups")
struct BTreeIntegerKeyTests {
    @Test("getSlice(id:) and contains(id:) agree with the byte-key lookups, with keys of other lengths mixed in")
    func agreeWithByteKeys() throws {
        let seed: UInt64 = 0x1D5
        var random = SeededRandom(seed: seed)
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        var ids: [UInt64] = []
        for _ in 0..<4000 {
            // Ids spread over small and huge values, plus keys shorter and longer than 8 bytes.
            let id = random.chance(50) ? UInt64(random.below(20_000)) : random.next()
            ids.append(id)
            try tree.put(numberKey64(id), random.bytes(random.below(40)), in: store)
            if random.chance(10) { try tree.put(Array(numberKey64(id).prefix(1 + random.below(7))), [1], in: store) }
            if random.chance(10) { try tree.put(numberKey64(id) + [UInt8(random.below(256))], [2], in: store) }
        }
        #expect(tree.verify(in: store).depth >= 2)
        var mismatches = 0
        for _ in 0..<20_000 {
            let id = random.chance(50) ? ids[random.below(ids.count)] : (random.chance(50) ? UInt64(random.below(20_000)) : random.next())
            let byKey = try tree.getSlice(numberKey64(id), in: store).map(Array.init)
            let byID = try tree.getSlice(id: id, in: store).map(Array.init)
            if byKey != byID { mismatches += 1 }
            if try tree.contains(numberKey64(id), in: store) != tree.contains(id: id, in: store) { mismatches += 1 }
        }
        print("btree-id-lookups: lookups: 20000 mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
    }

    /// Counts the pages read through it.
    final class CountingReader: PageReader {
        let store: MemoryPageStore
        var reads = 0
        init(_ store: MemoryPageStore) { self.store = store }
        var pageSize: Int { store.pageSize }
        var pageCount: UInt64 { store.pageCount }
        var changeCounter: UInt64 { store.changeCounter }
        func page(_ id: PageID) throws(SombraError) -> [UInt8] {
            reads += 1
            return try store.page(id)
        }
    }

    @Test("lookups through a descent memo answer as without one and read again only where the path changes")
    func descentMemo() throws {
        let seed: UInt64 = 0xDE5C
        var random = SeededRandom(seed: seed)
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        for i in 0..<30_000 { try tree.put(numberKey64(UInt64(i) * 3), random.bytes(60 + random.below(60)), in: store) }
        let depth = tree.verify(in: store).depth
        #expect(depth >= 3)
        let plain = CountingReader(store), memoized = CountingReader(store)
        var memo: DescentMemo? = DescentMemo()
        var mismatches = 0
        let lookups = 20_000
        for i in 0..<lookups {
            // Runs of nearby ids (the same path) mixed with random jumps (a new path from some depth).
            let id = i % 7 == 0 ? UInt64(random.below(95_000)) : UInt64((i * 13) % 90_000)
            let expected = try tree.getSlice(id: id, in: plain).map(Array.init)
            if try tree.getSlice(id: id, in: memoized, memo: &memo).map(Array.init) != expected { mismatches += 1 }
            if try tree.contains(id: id, in: memoized, memo: &memo) != (expected != nil) { mismatches += 1 }
            // The memo holds the upper part of the last path: the root first, never a leaf.
            let kept = memo?.keptPages ?? []
            if kept.first != tree.root || kept.count > depth - 1 { mismatches += 1 }
        }
        print("btree-descent-memo: lookups: \(lookups) depth: \(depth) page-reads plain: \(plain.reads) memo: \(memoized.reads) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
        // With the upper pages kept, a lookup reads about one page (its leaf) instead of `depth`; each
        // iteration looks up twice through the memo.
        #expect(plain.reads == lookups * depth)
        #expect(memoized.reads < 2 * lookups * 6 / 5)
    }

    func numberKey64(_ n: UInt64) -> [UInt8] {
        var key: [UInt8] = []
        key.appendBE(n)
        return key
    }
}
