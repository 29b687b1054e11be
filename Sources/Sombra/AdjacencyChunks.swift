// AdjacencyChunks: the adjacency trees changed and looked up entry by entry, although they store chunks:
// a cell's key is the first entry of a chunk and its value packs the node's entries that follow
// (SombraFormat/AdjacencyChunk, Docs/FORMAT.md "Adjacency chunks"). Layer: graph facade (storage of edges).
//
// Invariants:
//  1. The chunks of one node partition its entries into ascending runs: reading the node's cells in key
//     order and each cell's entries in turn yields every entry once, strictly ascending. So the chunk that
//     holds (or would hold) an entry is the last cell whose key is at most the entry's key, when that cell
//     belongs to the same node.
//  2. Writers keep each chunk's value within `AdjacencyChunk.valueBytesMax`: an insert that would pass it
//     splits the chunk in two halves; removing a chunk's first entry re-keys the chunk by its second.
//  3. Inserting an entry that is present and removing one that is absent change nothing.
//  4. A key that is not an adjacency key, or a value that does not decode, throws `.corruptPage` naming
//     its page.
import SombraFormat
import SombraIndex
import SombraStorage

enum AdjacencyChunks {
    /// The entries of the chunk that holds or would hold `e` (invariant 1), first entry first; nil when no
    /// chunk of `e`'s node starts at or before `e`.
    static func chunk(holding e: AdjacencyKey, in tree: BTree, _ r: any PageReader) throws(SombraError) -> [AdjacencyKey]? {
        let cursor = BTreeCursor(tree: tree, reader: r)
        try cursor.seekLastBeforeOrAt(GraphKeys.adjacency(e))
        return try entries(at: cursor, node: e.this)
    }

    /// The chunk under `cursor` when it is valid and belongs to `node`.
    private static func entries(at cursor: BTreeCursor, node: UInt64) throws(SombraError) -> [AdjacencyKey]? {
        guard cursor.isValid else { return nil }
        let key = cursor.key
        guard let first = GraphKeys.decodeAdjacency(key, start: 0, count: key.count) else {
            throw .corruptPage(page: cursor.page.rawValue, reason: "key of \(key.count) bytes is not a valid adjacency key")
        }
        guard first.this == node else { return nil }
        var out = [first]
        try AdjacencyChunk.decode(try cursor.value()[...], after: first, page: cursor.page, into: &out)
        return out
    }

    /// Whether the tree holds entry `e`.
    static func contains(_ e: AdjacencyKey, in tree: BTree, _ r: any PageReader) throws(SombraError) -> Bool {
        try chunk(holding: e, in: tree, r)?.contains(e) ?? false
    }

    /// Adds entry `e` (invariant 3: no change when present).
    static func insert(_ e: AdjacencyKey, into tree: BTree, _ w: any PageWriter) throws(SombraError) {
        let cursor = BTreeCursor(tree: tree, reader: w)
        try cursor.seekLastBeforeOrAt(GraphKeys.adjacency(e))
        if var entries = try entries(at: cursor, node: e.this) {
            // entries[0] <= e, so e lands after the first entry and the chunk keeps its key.
            let at = entries.firstIndex { !($0 < e) } ?? entries.count
            if at < entries.count && entries[at] == e { return }
            entries.insert(e, at: at)
            try store(entries[...], in: tree, w)
            return
        }
        // e precedes every chunk of its node: it joins the node's first chunk, the cell after the cursor's
        // position, re-keyed by e when that fits.
        if cursor.isValid { try cursor.next() } else { try cursor.seekFirst() }
        if let next = try entries(at: cursor, node: e.this) {
            let joined = [e] + next
            if AdjacencyChunk.valueSize(joined[...]) <= AdjacencyChunk.valueBytesMax {
                _ = try tree.remove(GraphKeys.adjacency(next[0]), in: w)
                try tree.put(GraphKeys.adjacency(e), AdjacencyChunk.encode(joined[...]), in: w)
                return
            }
        }
        try tree.put(GraphKeys.adjacency(e), [], in: w)
    }

    /// Removes entry `e`; false when the tree does not hold it.
    @discardableResult
    static func remove(_ e: AdjacencyKey, from tree: BTree, _ w: any PageWriter) throws(SombraError) -> Bool {
        guard var entries = try chunk(holding: e, in: tree, w), let at = entries.firstIndex(of: e) else { return false }
        if at == 0 {
            _ = try tree.remove(GraphKeys.adjacency(e), in: w)
            entries.removeFirst()
            if !entries.isEmpty { try store(entries[...], in: tree, w) }
        } else {
            entries.remove(at: at)
            try store(entries[...], in: tree, w)
        }
        return true
    }

    /// Writes `entries` (ascending, one node, not empty) as one chunk keyed by its first entry, or as two
    /// halves when the value would pass the limit (invariant 2).
    private static func store(_ entries: ArraySlice<AdjacencyKey>, in tree: BTree, _ w: any PageWriter) throws(SombraError) {
        guard let first = entries.first else { return }
        if entries.count == 1 || AdjacencyChunk.valueSize(entries) <= AdjacencyChunk.valueBytesMax {
            try tree.put(GraphKeys.adjacency(first), AdjacencyChunk.encode(entries), in: w)
            return
        }
        let middle = entries.startIndex + entries.count / 2
        try store(entries[..<middle], in: tree, w)
        try store(entries[middle...], in: tree, w)
    }
}

/// Packs entries given in ascending order into chunks as full as the limit allows, for bulk builds.
struct AdjacencyChunker {
    private var entries: [AdjacencyKey] = []
    private var valueSize = 0
    /// The chunk's value, encoded into one kept buffer (no array per chunk).
    private var value: [UInt8] = []

    /// Adds `e` (greater than every entry added before), writing out the previous chunk when `e` cannot join it.
    mutating func add(_ e: AdjacencyKey, to builder: inout BTreeBulkBuilder) throws(SombraError) {
        if let last = entries.last, last.this == e.this {
            let size = AdjacencyChunk.entrySize(e, after: last)
            if valueSize + size <= AdjacencyChunk.valueBytesMax {
                entries.append(e)
                valueSize += size
                return
            }
        }
        try finish(&builder)
        entries.append(e)
    }

    /// Writes out the chunk being filled.
    mutating func finish(_ builder: inout BTreeBulkBuilder) throws(SombraError) {
        guard let first = entries.first else { return }
        AdjacencyChunk.encode(entries[...], into: &value)
        try builder.add(value: value[...]) { k in GraphKeys.appendAdjacency(first.this, first.type, first.other, first.edge, to: &k) }
        entries.removeAll(keepingCapacity: true)
        valueSize = 0
    }
}
