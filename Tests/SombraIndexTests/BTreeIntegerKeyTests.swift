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

    func numberKey64(_ n: UInt64) -> [UInt8] {
        var key: [UInt8] = []
        key.appendBE(n)
        return key
    }
}
