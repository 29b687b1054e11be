// The page cache stays within its byte bound and never evicts a pinned page.
import Testing
import SombraFormat
import SombraTestSupport
@testable import SombraStorage

@Suite("Page cache")
struct PageCacheTests {
    @Test("rekey refiles an unpinned entry under a new key, replacing what was there, and refuses pinned or absent ones")
    func rekey() {
        let pageSize = 4096
        var cache = PageCache(bytesMax: 4 * pageSize, pageSize: pageSize)
        let frameKey = CacheKey(page: PageID(7), generation: 2, frame: 5)
        let fileKey = CacheKey(page: PageID(7))
        cache.insert(fileKey, [UInt8](repeating: 1, count: pageSize))
        cache.insert(frameKey, [UInt8](repeating: 2, count: pageSize))
        #expect(cache.peek(frameKey)?.first == 2)
        let hits = cache.stats.hits
        let refiled = cache.rekey(frameKey, to: fileKey)
        #expect(refiled)
        #expect(cache.stats.hits == hits)
        #expect(cache.peek(frameKey) == nil)
        let fileBytes = cache.lookup(fileKey)
        #expect(fileBytes?.first == 2)
        #expect(cache.count == 1)
        let refiledAgain = cache.rekey(frameKey, to: fileKey)
        #expect(!refiledAgain)
        let pinnedKey = CacheKey(page: PageID(8), generation: 2, frame: 6)
        cache.insert(pinnedKey, [UInt8](repeating: 3, count: pageSize))
        cache.pin(pinnedKey)
        let refiledPinned = cache.rekey(pinnedKey, to: CacheKey(page: PageID(8)))
        #expect(!refiledPinned)
        #expect(cache.peek(pinnedKey)?.first == 3)
        #expect(cache.checkInvariants() == nil)
    }

    @Test("the cache never exceeds its byte bound and never evicts a pinned page under a long random mix")
    func boundAndPins() {
        let pageSize = 4096
        var cache = PageCache(bytesMax: 64 * pageSize, pageSize: pageSize)
        var rng = SeededRandom(seed: 2024)
        var pinned: [CacheKey: Int] = [:]
        var maxBytes = 0
        var pinnedEvicted = 0
        let operations = 200_000
        for _ in 0..<operations {
            let key = CacheKey(page: PageID(UInt64(rng.below(400))), generation: 1, frame: UInt32(rng.below(3)))
            switch rng.below(10) {
            case 0..<5:
                if cache.lookup(key) == nil { cache.insert(key, [UInt8](repeating: UInt8(key.page & 0xFF), count: pageSize)) }
            case 5:
                if pinned.count < 32, cache.pin(key) { pinned[key, default: 0] += 1 }
            case 6:
                if let (k, n) = pinned.first {
                    cache.unpin(k)
                    if n == 1 { pinned.removeValue(forKey: k) } else { pinned[k] = n - 1 }
                }
            default:
                cache.insert(key, [UInt8](repeating: 1, count: pageSize))
            }
            maxBytes = max(maxBytes, cache.stats.bytes)
            for k in pinned.keys where !cache.contains(k) { pinnedEvicted += 1 }
            if let problem = cache.checkInvariants() { Issue.record("seed \(rng.seed): \(problem)"); return }
        }
        print("cache-bound: operations: \(operations) bytes-max: \(cache.bytesMax) peak-bytes: \(maxBytes) pinned-evicted: \(pinnedEvicted) evictions: \(cache.stats.evictions) seed: \(rng.seed)")
        #expect(maxBytes <= cache.bytesMax)
        #expect(pinnedEvicted == 0)
        #expect(cache.stats.evictions > 0)
    }

    @Test("an insert into a cache full of pinned pages is refused instead of evicting one")
    func fullOfPins() {
        var cache = PageCache(bytesMax: 4 * 4096, pageSize: 4096)
        for i in 0..<4 {
            let k = CacheKey(page: PageID(UInt64(i)))
            cache.insert(k, [UInt8](repeating: 0, count: 4096))
            cache.pin(k)
        }
        let refused = cache.insert(CacheKey(page: PageID(99)), [UInt8](repeating: 0, count: 4096))
        #expect(refused == false)
        for i in 0..<4 { #expect(cache.contains(CacheKey(page: PageID(UInt64(i))))) }
        cache.unpin(CacheKey(page: PageID(2)))
        let accepted = cache.insert(CacheKey(page: PageID(99)), [UInt8](repeating: 0, count: 4096))
        #expect(accepted)
        #expect(!cache.contains(CacheKey(page: PageID(2))))
    }

    @Test("least recently used pages go first")
    func lruOrder() {
        var cache = PageCache(bytesMax: 3 * 4096, pageSize: 4096)
        let page = [UInt8](repeating: 0, count: 4096)
        for i in 1...3 { cache.insert(CacheKey(page: PageID(UInt64(i))), page) }
        _ = cache.lookup(CacheKey(page: PageID(1)))
        cache.insert(CacheKey(page: PageID(4)), page)
        #expect(cache.contains(CacheKey(page: PageID(1))))
        #expect(!cache.contains(CacheKey(page: PageID(2))))
        #expect(cache.stats.hits == 1)
    }
}
