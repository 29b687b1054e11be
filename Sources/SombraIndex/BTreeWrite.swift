// BTreeWrite: put (upsert), insert, update and remove.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages".
//
// Invariants:
//  1. Caller errors (`.keyTooLarge`, `.valueTooLarge`) are thrown before any page is touched.
//  2. The fast path edits the leaf in place when the result fits and the leaf stays at or above the
//     minimum fill (or is the root); everything else goes through `rebalance`, which restores BTree's
//     invariants from the leaf up to the root.
//  3. A replaced or removed value's overflow chain is freed; a new one is written before the cell.
//  4. An insert past the last key of the rightmost leaf splits unevenly (left page stays full), so
//     ascending inserts leave dense pages.
//  5. Any other error (corruption, I/O) leaves the transaction needing rollback.
import SombraFormat
import SombraStorage

/// One level of a write descent: the page as read and the child (or cell) index taken there.
struct PathStep {
    let view: NodeView
    var index: Int
}

extension BTree {
    enum WriteMode { case upsert, insertOnly, updateOnly }

    /// Sets `key` to `value`, inserting or replacing.
    package func put(_ key: [UInt8], _ value: [UInt8], in w: any PageWriter) throws(SombraError) {
        _ = try write(key, value, mode: .upsert, in: w)
    }

    /// Inserts `key` if absent; returns false (and changes nothing) if it already exists.
    @discardableResult
    package func insert(_ key: [UInt8], _ value: [UInt8], in w: any PageWriter) throws(SombraError) -> Bool {
        try write(key, value, mode: .insertOnly, in: w)
    }

    /// Replaces the value of an existing `key`; returns false (and changes nothing) if it is absent.
    @discardableResult
    package func update(_ key: [UInt8], _ value: [UInt8], in w: any PageWriter) throws(SombraError) -> Bool {
        try write(key, value, mode: .updateOnly, in: w)
    }

    /// Removes `key`; returns whether it was present.
    @discardableResult
    package func remove(_ key: [UInt8], in w: any PageWriter) throws(SombraError) -> Bool {
        guard key.count <= BTree.maxKeyBytes(pageSize: w.pageSize) else { return false }
        guard let plan = try prepareRemove(key, in: w) else { return false }
        if plan.inPlace {
            // Only scalars reach the closure, so the edit does not copy the page (see `write`).
            let pageCount = w.pageCount
            try w.update(plan.leafPage) { (bytes: inout [UInt8]) throws(SombraError) in
                try PageEdit.remove(at: plan.index, page: plan.leafPage, pageCount: pageCount, from: &bytes)
            }
            return true
        }
        let (path, found) = try descendForWrite(key, in: w)
        guard found, let step = path.last else {
            throw .corruptPage(page: root.rawValue, reason: "key vanished between two descents")
        }
        var node = try NodeCells(step.view)
        node.remove(at: step.index)
        try rebalance(path: path, node: node, packLeft: false, in: w)
        return true
    }

    /// Where a remove lands and whether it can edit the leaf in place; frees the value's overflow chain.
    private func prepareRemove(_ key: [UInt8], in w: any PageWriter) throws(SombraError) -> (leafPage: PageID, index: Int, inPlace: Bool)? {
        let (path, found) = try descendForWrite(key, in: w)
        guard found, let step = path.last else { return nil }
        let leaf = step.view
        let cell = try leaf.leafCell(at: step.index)
        let contentAfter = leaf.usedBytes - cell.size - BTreeLayout.slotSize - BTreeLayout.slotArrayOffset
        let inPlace = path.count == 1 || contentAfter >= BTreeLayout.minFillBytes(pageSize: w.pageSize)
        if cell.isOverflow {
            try OverflowChain.free(first: cell.overflowPage, length: cell.valueLength, owner: leaf.page, in: w)
        }
        return (leaf.page, step.index, inPlace)
    }

    static func checkLimits(key: [UInt8], value: [UInt8], pageSize: Int) throws(SombraError) {
        let maxKey = maxKeyBytes(pageSize: pageSize)
        guard key.count <= maxKey else { throw .keyTooLarge(size: key.count, max: maxKey) }
        guard value.count <= maxValueBytes else { throw .valueTooLarge(size: value.count, max: maxValueBytes) }
    }

    /// The leaf cell for `key` and `value`, writing an overflow chain when the cell would be too large.
    static func makeLeafCell(key: [UInt8], value: [UInt8], in w: any PageWriter) throws(SombraError) -> [UInt8] {
        let stored = ValueCodec.encode(value)
        let inlineMax = maxInlineValueBytes(keyBytes: key.count, pageSize: w.pageSize)
        if stored.bytes.count <= inlineMax {
            return BTreeLayout.leafCell(key: key, stored: stored, overflowPage: nil)
        }
        let first = try OverflowChain.write(stored.bytes, in: w)
        return BTreeLayout.leafCell(key: key, stored: stored, overflowPage: first)
    }

    /// What a write will do, decided during the descent (which also frees a replaced overflow chain and
    /// writes the new cell's). It holds no page bytes, so the in-place edit that follows does not copy.
    struct PreparedWrite {
        let leafPage: PageID
        let index: Int
        let found: Bool
        let cell: [UInt8]
        let fitsInPlace: Bool
    }

    func write(_ key: [UInt8], _ value: [UInt8], mode: WriteMode, in w: any PageWriter) throws(SombraError) -> Bool {
        try BTree.checkLimits(key: key, value: value, pageSize: w.pageSize)
        guard let plan = try prepareWrite(key, value, mode: mode, in: w) else { return false }
        if plan.fitsInPlace {
            let pageCount = w.pageCount
            let done = try w.update(plan.leafPage) { (bytes: inout [UInt8]) throws(SombraError) -> Bool in
                if plan.found {
                    return try PageEdit.replace(at: plan.index, with: plan.cell, page: plan.leafPage, pageCount: pageCount, in: &bytes)
                }
                return try PageEdit.insert(plan.cell, at: plan.index, page: plan.leafPage, pageCount: pageCount, into: &bytes)
            }
            if done { return true }
        }
        // Split or merge: descend again (no side effects this time) and rebalance from the leaf up.
        let (path, found) = try descendForWrite(key, in: w)
        guard found == plan.found, let step = path.last, step.view.page == plan.leafPage else {
            throw .corruptPage(page: plan.leafPage.rawValue, reason: "tree changed between two descents")
        }
        var node = try NodeCells(step.view)
        if found {
            node.replace(at: step.index, with: plan.cell)
        } else {
            node.insert(plan.cell, at: step.index)
        }
        let appendsAtRightEdge = !found && step.index == step.view.cellCount
            && path.dropLast().allSatisfy { $0.index == $0.view.cellCount }
        try rebalance(path: path, node: node, packLeft: appendsAtRightEdge, in: w)
        return true
    }

    private func prepareWrite(_ key: [UInt8], _ value: [UInt8], mode: WriteMode, in w: any PageWriter) throws(SombraError) -> PreparedWrite? {
        let (path, found) = try descendForWrite(key, in: w)
        if found && mode == .insertOnly { return nil }
        if !found && mode == .updateOnly { return nil }
        guard let step = path.last else { return nil }
        let leaf = step.view
        var oldSize = 0
        if found {
            let old = try leaf.leafCell(at: step.index)
            oldSize = old.size
            if old.isOverflow {
                try OverflowChain.free(first: old.overflowPage, length: old.valueLength, owner: leaf.page, in: w)
            }
        }
        let cell = try BTree.makeLeafCell(key: key, value: value, in: w)
        let usedAfter = leaf.usedBytes + cell.count + (found ? -oldSize : BTreeLayout.slotSize)
        let contentAfter = usedAfter - BTreeLayout.slotArrayOffset
        let keepsFill = !found || path.count == 1 || contentAfter >= BTreeLayout.minFillBytes(pageSize: w.pageSize)
        return PreparedWrite(leafPage: leaf.page, index: step.index, found: found, cell: cell,
                             fitsInPlace: usedAfter <= w.pageSize && keepsFill)
    }

    /// Root-to-leaf path toward `key`; the last step is the leaf with the lower-bound cell index.
    func descendForWrite(_ key: [UInt8], in w: any PageWriter) throws(SombraError) -> (path: [PathStep], found: Bool) {
        var path: [PathStep] = []
        var view = try w.btreeNode(root)
        while !view.isLeaf {
            let index = try view.upperBound(key)
            let child = try view.child(at: index)
            path.append(PathStep(view: view, index: index))
            try BTree.checkDescent(into: child, from: view.page, path: path.lazy.map { $0.view.page })
            view = try w.btreeNode(child)
        }
        let (index, found) = try view.lowerBound(key)
        path.append(PathStep(view: view, index: index))
        return (path, found)
    }
}
