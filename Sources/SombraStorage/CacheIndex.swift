// CacheIndex: the page cache's map from page version (`CacheKey`) to cache slot, as an open-addressing
// table with linear probing and a multiplicative hash. Every page read looks a page up here, so it avoids
// the general-purpose hashing of `Dictionary` (SipHash per lookup).
// Layer: storage. Not thread-safe: it lives inside the page cache, inside the pager's state mutex.
//
// Invariants:
//  1. The table size is a power of two and at least twice `count` (load factor <= 1/2), so every probe
//     sequence reaches an empty bucket and ends.
//  2. Every stored key sits at its home bucket or after it with no empty bucket in between (linear
//     probing); removal shifts later entries back to keep this true (no tombstones).
//  3. A key is stored at most once.

struct CacheIndex {
    private var keys: [CacheKey]
    private var values: [Int]
    private var occupied: [Bool]
    private var shift: UInt64
    private(set) var count = 0

    init(minimumCapacity: Int = 16) {
        var size = 16
        while size < 2 * minimumCapacity, size < (1 << 40) { size <<= 1 }
        keys = Array(repeating: CacheKey(page: .none), count: size)
        values = Array(repeating: 0, count: size)
        occupied = Array(repeating: false, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    private var mask: Int { occupied.count - 1 }

    @inline(__always)
    private func home(_ key: CacheKey) -> Int {
        let mixed = (key.page &* 0x9E37_79B9_7F4A_7C15) ^ (key.version &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: ((mixed ^ (mixed >> 29)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The bucket holding `key`, or nil.
    @inline(__always)
    private func bucket(of key: CacheKey) -> Int? {
        var i = home(key)
        while occupied[i] {
            if keys[i] == key { return i }
            i = (i &+ 1) & mask
        }
        return nil
    }

    subscript(key: CacheKey) -> Int? {
        get { bucket(of: key).map { values[$0] } }
        set {
            if let newValue { set(key, newValue) } else { _ = removeValue(forKey: key) }
        }
    }

    private mutating func set(_ key: CacheKey, _ value: Int) {
        if let i = bucket(of: key) {
            values[i] = value
            return
        }
        if 2 * (count + 1) > occupied.count { grow() }
        var i = home(key)
        while occupied[i] { i = (i &+ 1) & mask }
        keys[i] = key
        values[i] = value
        occupied[i] = true
        count += 1
    }

    @discardableResult
    mutating func removeValue(forKey key: CacheKey) -> Int? {
        guard var hole = bucket(of: key) else { return nil }
        let removed = values[hole]
        // Backward shift: move each later entry of the run into the hole when its home allows it.
        var j = (hole &+ 1) & mask
        while occupied[j] {
            let ideal = home(keys[j])
            // The entry at j may move to `hole` unless its home lies cyclically in (hole, j].
            let homeInGap = hole <= j ? (ideal > hole && ideal <= j) : (ideal > hole || ideal <= j)
            if !homeInGap {
                keys[hole] = keys[j]
                values[hole] = values[j]
                hole = j
            }
            j = (j &+ 1) & mask
        }
        occupied[hole] = false
        count -= 1
        return removed
    }

    /// Every stored key (in table order).
    var allKeys: [CacheKey] {
        var out: [CacheKey] = []
        out.reserveCapacity(count)
        for i in 0..<occupied.count where occupied[i] { out.append(keys[i]) }
        return out
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldOccupied = occupied
        self = CacheIndex(minimumCapacity: oldOccupied.count)
        for i in 0..<oldOccupied.count where oldOccupied[i] { set(oldKeys[i], oldValues[i]) }
    }
}
