// BTreeIntegerKeys: point lookups by a 64-bit id in trees whose keys are 8-byte big-endian ids (the node
// and edge stores). The search compares the id with one 8-byte load per probe instead of building a key
// array and comparing it byte by byte.
// Layer: SombraIndex.
//
// Invariants:
//  1. `getSlice(id:)`, `contains(id:)` answer exactly as `getSlice(key)` / `contains(key)` would with
//     `key` = the id's 8 big-endian bytes, in any tree (keys of other lengths compare as bytes do).
//  2. Every probe reads the key through `keyLocation`, so corrupt pages throw `.corruptPage` as elsewhere.
//  3. A `DescentMemo` changes no answer, only which pages are read: a kept upper page is used only at the
//     depth and page id the path reaches it by, and only a reader of one fixed snapshot may keep a memo.
import SombraFormat
import SombraStorage

extension NodeView {
    /// Sign of (key of cell `i`) - (the 8 big-endian bytes of `id`).
    @inline(__always)
    func compareKey(at i: Int, withID id: UInt64) throws(SombraError) -> Int {
        let location = try keyLocation(i)
        if location.count >= 8 {
            let a = bytes.loadBE(UInt64.self, at: location.start)
            if a != id { return a < id ? -1 : 1 }
            return location.count == 8 ? 0 : 1
        }
        // A shorter key: compare its bytes with the id's leading bytes; equal means a proper prefix (first).
        var j = 0
        while j < location.count {
            let a = bytes[location.start &+ j]
            let b = UInt8(truncatingIfNeeded: id >> UInt64(56 &- 8 &* j))
            if a != b { return a < b ? -1 : 1 }
            j &+= 1
        }
        return -1
    }

    /// First cell whose key is >= the id's bytes, and whether it is equal; `bounds` as in
    /// `lowerBound(_:within:)`.
    func lowerBound(id: UInt64, within bounds: SeparatorBounds = .unknown) throws(SombraError) -> (index: Int, found: Bool) {
        try lowerBound(guess: guessIndex(forLeadingWord: id, within: bounds)) { (i: Int) throws(SombraError) -> Int in
            try compareKey(at: i, withID: id)
        }
    }

    /// First cell whose key is > the id's bytes (the child to descend into on an interior page); `bounds` as
    /// in `upperBound(_:within:)`.
    func upperBound(id: UInt64, within bounds: SeparatorBounds = .unknown) throws(SombraError) -> Int {
        try upperBound(guess: guessIndex(forLeadingWord: id, within: bounds)) { (i: Int) throws(SombraError) -> Int in
            try compareKey(at: i, withID: id)
        }
    }
}

extension BTree {
    /// The leaf that holds key `id` (8 big-endian bytes) if it is present, and the cell where the id is or
    /// would be. The separators met on the way down bound the leading words of the keys below them, and
    /// the leaf's search starts at a guess interpolated between them (NodeSearch): in a leaf that is not
    /// in the CPU cache, the probes the guess would otherwise spend on its first and last keys are misses.
    func findCell(id: UInt64, in r: any PageReader) throws(SombraError) -> (leaf: NodeView, index: Int, found: Bool) {
        var none: DescentMemo? = nil
        return try findCell(id: id, in: r, memo: &none)
    }

    /// `findCell(id:in:)`, taking the upper pages from `memo` where the path is the one it kept, and
    /// keeping this path's upper pages in it (DescentMemo).
    func findCell(id: UInt64, in r: any PageReader,
                  memo: inout DescentMemo?) throws(SombraError) -> (leaf: NodeView, index: Int, found: Bool) {
        var view = try DescentMemo.page(root, depth: 0, memo: &memo, in: r)
        var depth = 0
        var bounds = SeparatorBounds.unknown
        while !view.isLeaf {
            depth += 1
            guard depth < BTreeLayout.maxDepth else {
                var key: [UInt8] = []
                key.appendBE(id)
                throw try deepDescentError(toward: key, in: r)
            }
            let index = try view.upperBound(id: id, within: bounds)
            bounds = try bounds.narrowed(toChild: index, of: view)
            view = try DescentMemo.page(view.child(at: index), depth: depth, memo: &memo, in: r)
        }
        let (index, found) = try view.lowerBound(id: id, within: bounds)
        return (view, index, found)
    }

    /// `getSlice` for the key made of `id`'s 8 big-endian bytes.
    package func getSlice(id: UInt64, in r: any PageReader) throws(SombraError) -> ArraySlice<UInt8>? {
        var none: DescentMemo? = nil
        return try getSlice(id: id, in: r, memo: &none)
    }

    /// `getSlice(id:in:)` with a memo of upper pages (a read transaction's, for lookups at one snapshot).
    package func getSlice(id: UInt64, in r: any PageReader,
                          memo: inout DescentMemo?) throws(SombraError) -> ArraySlice<UInt8>? {
        let (leaf, index, found) = try findCell(id: id, in: r, memo: &memo)
        guard found else { return nil }
        return try BTree.valueSlice(leaf, index, in: r)
    }

    /// `contains` for the key made of `id`'s 8 big-endian bytes.
    package func contains(id: UInt64, in r: any PageReader) throws(SombraError) -> Bool {
        try findCell(id: id, in: r).found
    }

    /// `contains(id:in:)` with a memo of upper pages.
    package func contains(id: UInt64, in r: any PageReader, memo: inout DescentMemo?) throws(SombraError) -> Bool {
        try findCell(id: id, in: r, memo: &memo).found
    }
}

/// The root and interior pages of the last id lookup in one tree, so that the next lookup in the same
/// snapshot reads again only the pages where its path leaves the last one (usually just the leaf).
/// Only a reader of one fixed snapshot may keep a memo (a page id then always names the same bytes);
/// whoever keeps it drops it when its snapshot changes. Leaves are never kept.
package struct DescentMemo {
    /// `upper[d]` is the page at depth `d` of the last path (the root at 0).
    private var upper: [NodeView] = []

    package init() {}

    /// The pages kept (tests).
    package var keptPages: [PageID] { upper.map(\.page) }

    /// The page `id` at `depth` of the path being walked: the kept one when the last path had it there,
    /// else read from `r` (and kept, in place of the last path's pages from `depth` down, unless a leaf).
    @inline(__always)
    static func page(_ id: PageID, depth: Int, memo: inout DescentMemo?,
                     in r: any PageReader) throws(SombraError) -> NodeView {
        if let kept = memo?.upper, depth < kept.count, kept[depth].page == id { return kept[depth] }
        let view = try r.btreeNode(id)
        guard memo != nil else { return view }
        memo?.keep(view, at: depth)
        return view
    }

    private mutating func keep(_ view: NodeView, at depth: Int) {
        if depth < upper.count { upper.removeSubrange(depth...) }
        if !view.isLeaf && depth == upper.count { upper.append(view) }
    }
}
