// BTree: a persistent B+tree of byte-string keys to byte-string values over pager pages.
// Layer: SombraIndex (uses SombraStorage's PageReader/PageWriter only). Spec: Docs/FORMAT.md, "B+tree pages".
//
// Invariants:
//  1. A tree is identified by its root page, which never moves: a root split moves the root's content into
//     two new pages, and an interior root with a single child absorbs that child.
//  2. All leaves are at the same depth; keys are strictly ascending across the leaves; interior cell i's
//     child holds keys < key i (and >= key i-1), the right child keys >= the last key.
//  3. Non-root pages hold at least one cell; an interior root holds at least one cell; an empty tree is one
//     empty root leaf.
//  4. Descents stop after `BTreeLayout.maxDepth` levels (a longer path means a cycle or a corrupt file)
//     and every page is validated before use; corruption throws `.corruptPage` naming the page.
//  5. Reads never copy a page or allocate per cell; they search the slot array in the page bytes.
import SombraFormat
import SombraStorage

package struct BTree: Hashable, Sendable {
    package let root: PageID

    package init(root: PageID) { self.root = root }

    /// A new empty tree: one empty root leaf.
    package static func create(in w: any PageWriter) throws(SombraError) -> BTree {
        let root = try w.allocate(.btreeLeaf)
        try NodeCells(isLeaf: true).store(to: root, in: w)
        return BTree(root: root)
    }

    package func get(_ key: [UInt8], in r: any PageReader) throws(SombraError) -> [UInt8]? {
        let leaf = try findLeaf(key, in: r)
        let (index, found) = try leaf.lowerBound(key)
        guard found else { return nil }
        return try BTree.readValue(leaf, index, in: r)
    }

    /// The value of `key` as a slice: of the leaf page itself when the value is stored inline and
    /// uncompressed (no copy), else of the reassembled value.
    package func getSlice(_ key: [UInt8], in r: any PageReader) throws(SombraError) -> ArraySlice<UInt8>? {
        let leaf = try findLeaf(key, in: r)
        let (index, found) = try leaf.lowerBound(key)
        guard found else { return nil }
        return try BTree.valueSlice(leaf, index, in: r)
    }

    /// The value of leaf cell `index` as a slice of the page when stored inline and uncompressed.
    static func valueSlice(_ leaf: NodeView, _ index: Int, in r: any PageReader) throws(SombraError) -> ArraySlice<UInt8> {
        let cell = try leaf.leafCell(at: index)
        if !cell.isOverflow && !cell.isCompressed {
            return leaf.bytes[cell.payloadStart..<(cell.payloadStart + cell.valueLength)]
        }
        return try BTree.readValue(leaf, index, in: r)[...]
    }

    package func contains(_ key: [UInt8], in r: any PageReader) throws(SombraError) -> Bool {
        let leaf = try findLeaf(key, in: r)
        return try leaf.lowerBound(key).found
    }

    /// Frees every page of the tree, the root included; the tree must not be used afterwards.
    package func drop(in w: any PageWriter) throws(SombraError) {
        var ancestors: [PageID] = []
        try freeSubtree(root, ancestors: &ancestors, in: w)
    }

    // MARK: - Descent

    /// The leaf that holds `key` if it is present.
    func findLeaf(_ key: [UInt8], in r: any PageReader) throws(SombraError) -> NodeView {
        var view = try r.btreeNode(root)
        var depth = 0
        while !view.isLeaf {
            depth += 1
            guard depth < BTreeLayout.maxDepth else { throw try deepDescentError(toward: key, in: r) }
            view = try r.btreeNode(view.child(at: view.upperBound(key)))
        }
        return view
    }

    /// Explains a descent that ran past the depth cap: a page repeated on the path (a cycle) or plain depth.
    func deepDescentError(toward key: [UInt8], in r: any PageReader) throws(SombraError) -> SombraError {
        var path: [PageID] = [root]
        var view = try r.btreeNode(root)
        while !view.isLeaf, path.count <= BTreeLayout.maxDepth {
            let child = try view.child(at: view.upperBound(key))
            if path.contains(child) {
                return .corruptPage(page: view.page.rawValue,
                                    reason: "child pointer to page \(child.rawValue) forms a cycle (it is an ancestor)")
            }
            path.append(child)
            view = try r.btreeNode(child)
        }
        return .corruptPage(page: view.page.rawValue, reason: "tree is deeper than \(BTreeLayout.maxDepth) levels")
    }

    /// Checks that `child` of `parent` may be entered from a path (cycle and depth checks).
    static func checkDescent(into child: PageID, from parent: PageID, path: some Collection<PageID>) throws(SombraError) {
        guard path.count < BTreeLayout.maxDepth else {
            throw .corruptPage(page: parent.rawValue, reason: "tree is deeper than \(BTreeLayout.maxDepth) levels")
        }
        guard !path.contains(child) else {
            throw .corruptPage(page: parent.rawValue,
                               reason: "child pointer to page \(child.rawValue) forms a cycle (it is an ancestor)")
        }
    }

    // MARK: - Values

    /// The value of leaf cell `index`, loading overflow pages and inflating as needed.
    static func readValue(_ leaf: NodeView, _ index: Int, in r: any PageReader) throws(SombraError) -> [UInt8] {
        let cell = try leaf.leafCell(at: index)
        let stored: [UInt8]
        if cell.isOverflow {
            stored = try OverflowChain.read(first: cell.overflowPage, length: cell.valueLength, owner: leaf.page, in: r)
        } else {
            stored = Array(leaf.bytes[cell.payloadStart..<(cell.payloadStart + cell.valueLength)])
        }
        return try ValueCodec.decode(stored, compressed: cell.isCompressed, page: leaf.page)
    }

    // MARK: - Drop

    private func freeSubtree(_ page: PageID, ancestors: inout [PageID], in w: any PageWriter) throws(SombraError) {
        let view = try w.btreeNode(page)
        if view.isLeaf {
            for i in 0..<view.cellCount {
                let cell = try view.leafCell(at: i)
                if cell.isOverflow {
                    try OverflowChain.free(first: cell.overflowPage, length: cell.valueLength, owner: page, in: w)
                }
            }
        } else {
            ancestors.append(page)
            for i in 0...view.cellCount {
                let child = try view.child(at: i)
                try BTree.checkDescent(into: child, from: page, path: ancestors)
                try freeSubtree(child, ancestors: &ancestors, in: w)
            }
            ancestors.removeLast()
        }
        try w.free(page)
    }
}
