// PageCache: an LRU cache of page images bounded in bytes, with pins and counters.
//
// Not thread-safe by itself: the pager keeps it inside its state mutex.
// Entries are keyed by page *version* (`CacheKey`): the same page may be cached as it is in the database
// file and as several log frames, because readers at different snapshots need different versions.
//
// Invariants:
//  1. bytes == entries × pageSize <= bytesMax at all times (an insert that cannot make room is refused).
//  2. A pinned entry (pin count > 0) is never evicted.
//  3. The recency list holds exactly the live entries, most recent at the head.
import SombraFormat

/// Which version of a page an entry holds: `version` 0 is the database file's copy; otherwise it packs the
/// log generation (high 32 bits) and frame number (low 32 bits, never 0).
package struct CacheKey: Hashable, Sendable {
    package var page: UInt64
    package var version: UInt64
    package init(page: PageID, generation: UInt32 = 0, frame: UInt32 = 0) {
        self.page = page.rawValue
        self.version = frame == 0 ? 0 : UInt64(generation) << 32 | UInt64(frame)
    }
    package var isFileVersion: Bool { version == 0 }
}

public struct CacheStats: Sendable, Equatable {
    public var hits: UInt64 = 0
    public var misses: UInt64 = 0
    public var evictions: UInt64 = 0
    public var insertsRefused: UInt64 = 0
    public var pages: Int = 0
    public var bytes: Int = 0
    public var bytesMax: Int = 0
    public var pinnedPages: Int = 0
}

package struct PageCache {
    private struct Entry {
        var key: CacheKey
        var bytes: [UInt8]
        var pins: Int
        var prev: Int  // toward the most recent; -1 at the head
        var next: Int  // toward the least recent; -1 at the tail
    }

    package let pageSize: Int
    package let bytesMax: Int
    private var slots: [Entry] = []
    private var freeSlots: [Int] = []
    private var index = CacheIndex()
    private var head = -1
    private var tail = -1
    package private(set) var stats = CacheStats()

    package init(bytesMax: Int, pageSize: Int) {
        self.pageSize = max(pageSize, 1)
        self.bytesMax = max(bytesMax, 0)
        stats.bytesMax = self.bytesMax
    }

    package var capacityPages: Int { bytesMax / pageSize }
    package var count: Int { index.count }
    package func contains(_ key: CacheKey) -> Bool { index[key] != nil }

    /// Returns the page and marks it most recently used.
    package mutating func lookup(_ key: CacheKey) -> [UInt8]? {
        guard let i = index[key] else { stats.misses += 1; return nil }
        stats.hits += 1
        moveToHead(i)
        return slots[i].bytes
    }

    /// Returns the page without touching recency or counters (for the checkpoint's copy).
    package func peek(_ key: CacheKey) -> [UInt8]? {
        index[key].map { slots[$0].bytes }
    }

    /// Files the unpinned entry `old` under `new` instead, keeping its place in the recency list; an entry
    /// already under `new` is removed. Returns false (and changes nothing) when `old` is absent or pinned.
    @discardableResult
    package mutating func rekey(_ old: CacheKey, to new: CacheKey) -> Bool {
        guard old != new, let i = index[old], slots[i].pins == 0 else { return false }
        remove(new)
        _ = index.removeValue(forKey: old)
        slots[i].key = new
        index[new] = i
        return true
    }

    /// Inserts or replaces an entry. Returns false (and caches nothing) when no unpinned entry can be evicted.
    @discardableResult
    package mutating func insert(_ key: CacheKey, _ bytes: [UInt8]) -> Bool {
        if let i = index[key] {
            slots[i].bytes = bytes
            moveToHead(i)
            return true
        }
        while index.count >= capacityPages {
            guard evictOne() else { stats.insertsRefused += 1; return false }
        }
        let entry = Entry(key: key, bytes: bytes, pins: 0, prev: -1, next: -1)
        let i: Int
        if let f = freeSlots.popLast() { slots[f] = entry; i = f } else { slots.append(entry); i = slots.count - 1 }
        index[key] = i
        linkAtHead(i)
        updateSize()
        return true
    }

    package mutating func remove(_ key: CacheKey) {
        guard let i = index.removeValue(forKey: key) else { return }
        if slots[i].pins > 0 { stats.pinnedPages -= 1 }
        unlink(i)
        slots[i].bytes = []
        freeSlots.append(i)
        updateSize()
    }

    /// Removes every entry matching `predicate` (pinned ones included: callers use this for invalidation).
    package mutating func removeAll(where predicate: (CacheKey) -> Bool) {
        for key in index.allKeys where predicate(key) { remove(key) }
    }

    /// Pins an entry so it is never evicted; returns false if the key is not cached.
    @discardableResult
    package mutating func pin(_ key: CacheKey) -> Bool {
        guard let i = index[key] else { return false }
        if slots[i].pins == 0 { stats.pinnedPages += 1 }
        slots[i].pins += 1
        return true
    }

    package mutating func unpin(_ key: CacheKey) {
        guard let i = index[key], slots[i].pins > 0 else { return }
        slots[i].pins -= 1
        if slots[i].pins == 0 { stats.pinnedPages -= 1 }
    }

    package func isPinned(_ key: CacheKey) -> Bool { index[key].map { slots[$0].pins > 0 } ?? false }

    /// Checks invariants 1-3; returns a description of the first violation, or nil.
    package func checkInvariants() -> String? {
        if index.count * pageSize > bytesMax { return "cache holds \(index.count * pageSize) bytes > \(bytesMax)" }
        var seen = 0
        var i = head
        var prev = -1
        while i != -1 {
            seen += 1
            if seen > index.count { return "recency list is longer than the index (cycle?)" }
            if slots[i].prev != prev { return "broken back link at slot \(i)" }
            if index[slots[i].key] != i { return "list entry \(i) not in index" }
            prev = i
            i = slots[i].next
        }
        if prev != tail { return "tail does not end the list" }
        return seen == index.count ? nil : "recency list has \(seen) entries, index \(index.count)"
    }

    // MARK: list plumbing

    private mutating func evictOne() -> Bool {
        var i = tail
        while i != -1 {
            if slots[i].pins == 0 {
                let key = slots[i].key
                remove(key)
                stats.evictions += 1
                return true
            }
            i = slots[i].prev
        }
        return false
    }

    private mutating func moveToHead(_ i: Int) {
        guard head != i else { return }
        unlink(i)
        linkAtHead(i)
    }

    private mutating func linkAtHead(_ i: Int) {
        slots[i].prev = -1
        slots[i].next = head
        if head != -1 { slots[head].prev = i }
        head = i
        if tail == -1 { tail = i }
    }

    private mutating func unlink(_ i: Int) {
        let p = slots[i].prev, n = slots[i].next
        if p != -1 { slots[p].next = n } else { head = n }
        if n != -1 { slots[n].prev = p } else { tail = p }
        slots[i].prev = -1
        slots[i].next = -1
    }

    private mutating func updateSize() {
        stats.pages = index.count
        stats.bytes = index.count * pageSize
    }
}
