// The page cache's open-addressing index against a Dictionary model.
import Testing
@testable import SombraStorage
import SombraFormat
import SombraTestSupport

@Suite("Page cache index")
struct CacheIndexTests {
    @Test("random inserts, updates, removals and growth agree with a Dictionary, key for key")
    func againstDictionary() {
        let seed: UInt64 = 0xCAC4E
        var random = SeededRandom(seed: seed)
        var index = CacheIndex()
        var model: [CacheKey: Int] = [:]
        var mismatches = 0
        for step in 0..<200_000 {
            // Few distinct pages and versions, so collisions, long probe runs and re-inserts are common.
            let key = CacheKey(page: PageID(UInt64(random.below(3000))), generation: UInt32(random.below(3)),
                               frame: UInt32(random.below(4)))
            switch random.below(10) {
            case 0..<5:
                index[key] = step
                model[key] = step
            case 5..<8:
                if index.removeValue(forKey: key) != model.removeValue(forKey: key) { mismatches += 1 }
            default:
                if index[key] != model[key] { mismatches += 1 }
            }
            if step % 20_000 == 0 {
                if index.count != model.count { mismatches += 1 }
                for (k, v) in model where index[k] != v { mismatches += 1 }
                if Set(index.allKeys) != Set(model.keys) { mismatches += 1 }
            }
        }
        print("cache-index-random: ops: 200000 entries: \(model.count) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
    }
}
