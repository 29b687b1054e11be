// BulkLoaderIndexEntries: the bulk loader's buffered property-index entries, their keys back to back in
// one array (no object per entry), sorted in place by key bytes before they are written.
//
// Invariants:
//  1. Entry i's key is `bytes[start..<start + count]`; its value is [] when exact, [1] when the indexed
//     value was truncated (GraphKeys.propertyPrefix).
//  2. `truncate(to:)` restores the buffer to an earlier entry count exactly (keys and bytes).
//  3. After `sortByKey` entries are in unsigned byte order of their keys (the properties tree's order).
struct BulkLoaderIndexEntries {
    struct Entry {
        var start: Int
        var count: UInt32
        var exact: Bool
    }

    private(set) var bytes: [UInt8] = []
    private(set) var entries: [Entry] = []
    /// Bytes one entry costs besides its key.
    static let overheadBytes = MemoryLayout<Entry>.stride
    /// The value of an entry whose indexed value was truncated.
    static let truncatedValue: [UInt8] = [1]

    var count: Int { entries.count }

    func key(_ i: Int) -> ArraySlice<UInt8> {
        let e = entries[i]
        return bytes[e.start..<(e.start + Int(e.count))]
    }

    func value(_ i: Int) -> ArraySlice<UInt8> { entries[i].exact ? ArraySlice() : Self.truncatedValue[...] }

    /// Whether an entry at `first` or later has exactly `key`.
    func contains(_ key: [UInt8], from first: Int) -> Bool {
        entries[first...].contains { e in Int(e.count) == key.count && bytes[e.start..<(e.start + key.count)].elementsEqual(key) }
    }

    mutating func append(key: [UInt8], exact: Bool) {
        entries.append(Entry(start: bytes.count, count: UInt32(truncatingIfNeeded: key.count), exact: exact))
        bytes.append(contentsOf: key)
    }

    /// Drops the entries from `count` on (invariant 2).
    mutating func truncate(to count: Int) {
        guard count < entries.count else { return }
        bytes.removeSubrange(entries[count].start...)
        entries.removeSubrange(count...)
    }

    mutating func sortByKey() {
        let keys = bytes
        entries.sort { Self.precedes(keys, $0, $1) }
    }

    /// Unsigned byte order of two entries' keys; a proper prefix sorts first.
    static func precedes(_ keys: [UInt8], _ x: Entry, _ y: Entry) -> Bool {
        let common = Int(min(x.count, y.count))
        var i = 0
        // Eight bytes at a time first: big-endian loads compare like the bytes they hold.
        while i &+ 8 <= common {
            let a = keys.loadBE(UInt64.self, at: x.start &+ i), b = keys.loadBE(UInt64.self, at: y.start &+ i)
            if a != b { return a < b }
            i &+= 8
        }
        while i < common {
            let a = keys[x.start + i], b = keys[y.start + i]
            if a != b { return a < b }
            i += 1
        }
        return x.count < y.count
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }
}
