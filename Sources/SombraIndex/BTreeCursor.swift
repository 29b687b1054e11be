// BTreeCursor: a position in a B+tree that moves forward and backward through its keys.
// Layer: SombraIndex. Pages have no sibling pointers, so the cursor keeps the root-to-leaf stack of
// (page, index) and moves through parents.
//
// Invariants:
//  1. When valid, `frames` runs from the root to a leaf; each interior frame's index is the child taken,
//     the leaf frame's index is the current cell; `key` is that cell's key.
//  2. The cursor reads through the reader it was given; a cursor on a write transaction sees its writes.
//     When the reader's `changeCounter` differs from the one seen at positioning, the frames are stale:
//     `next`/`previous` re-seek from the remembered key (first key > it / last key < it) and `value`
//     looks the key up again.
//  3. Descents check depth and cycles against the frames on the stack; a walk across leaves visits at most
//     `pageCount` pages per call, so corrupt files cannot make it loop.
import SombraFormat
import SombraStorage

package final class BTreeCursor {
    struct Frame {
        var view: NodeView
        var index: Int
    }

    package let tree: BTree
    package let reader: any PageReader
    private(set) var frames: [Frame] = []
    package private(set) var isValid = false
    /// The current key (empty when the cursor is not valid).
    package private(set) var key: [UInt8] = []
    private var observedChangeCounter: UInt64 = 0

    package init(tree: BTree, reader: any PageReader) {
        self.tree = tree
        self.reader = reader
        frames.reserveCapacity(8)
    }

    /// Positions on the first key >= `target`.
    package func seek(_ target: [UInt8]) throws(SombraError) {
        try descend(toward: target)
        let leaf = frames[frames.count - 1].view
        frames[frames.count - 1].index = try leaf.lowerBound(target).index
        try settle(forward: true)
    }

    /// Positions on the last key <= `target`.
    package func seekLastBeforeOrAt(_ target: [UInt8]) throws(SombraError) {
        try descend(toward: target)
        let leaf = frames[frames.count - 1].view
        frames[frames.count - 1].index = try leaf.upperBound(target) - 1
        try settle(forward: false)
    }

    package func seekFirst() throws(SombraError) {
        try startAtRoot()
        try descendEdge(forward: true)
        try settle(forward: true)
    }

    package func seekLast() throws(SombraError) {
        try startAtRoot(forward: false)
        try descendEdge(forward: false)
        try settle(forward: false)
    }

    /// Moves to the next key; the cursor becomes invalid past the last key.
    package func next() throws(SombraError) {
        guard isValid else { return }
        if reader.changeCounter != observedChangeCounter {
            let last = key
            try seek(last)
            guard isValid, key == last else { return }
        }
        frames[frames.count - 1].index += 1
        try settle(forward: true)
    }

    /// Moves to the previous key; the cursor becomes invalid before the first key.
    package func previous() throws(SombraError) {
        guard isValid else { return }
        if reader.changeCounter != observedChangeCounter {
            let last = key
            try seekLastBeforeOrAt(last)
            guard isValid, key == last else { return }
        }
        frames[frames.count - 1].index -= 1
        try settle(forward: false)
    }

    /// The leaf page holding the current entry (`.none` when the cursor is not valid); for naming a page in
    /// errors about the entry.
    package var page: PageID { isValid ? frames.last?.view.page ?? .none : .none }

    /// The current value (overflow pages are read only now).
    package func value() throws(SombraError) -> [UInt8] {
        guard isValid, let leaf = frames.last else {
            throw .invalidArgument("cursor is not positioned on an entry")
        }
        if reader.changeCounter != observedChangeCounter {
            guard let value = try tree.get(key, in: reader) else {
                throw .invalidArgument("the cursor's entry was removed from the tree")
            }
            return value
        }
        return try BTree.readValue(leaf.view, leaf.index, in: reader)
    }

    // MARK: - Movement

    /// Resets the stack to the root, its index at the first (or last) child or cell.
    private func startAtRoot(forward: Bool = true) throws(SombraError) {
        isValid = false
        key = []
        frames.removeAll(keepingCapacity: true)
        let view = try reader.btreeNode(tree.root)
        let index = forward ? 0 : (view.isLeaf ? view.cellCount - 1 : view.cellCount)
        frames.append(Frame(view: view, index: index))
    }

    /// Fills the stack from the root to the leaf that would hold `target` (the leaf index is left at 0).
    private func descend(toward target: [UInt8]) throws(SombraError) {
        try startAtRoot()
        while let top = frames.last, !top.view.isLeaf {
            let index = try top.view.upperBound(target)
            frames[frames.count - 1].index = index
            try push(child: top.view.child(at: index), forward: true)
        }
    }

    /// From the top interior frame's current child, descends along the first (or last) children to a leaf.
    private func descendEdge(forward: Bool) throws(SombraError) {
        while let top = frames.last, !top.view.isLeaf {
            try push(child: top.view.child(at: top.index), forward: forward)
        }
    }

    private func push(child: PageID, forward: Bool) throws(SombraError) {
        let parent = frames[frames.count - 1].view.page
        try BTree.checkDescent(into: child, from: parent, path: frames.lazy.map { $0.view.page })
        let view = try reader.btreeNode(child)
        let index = forward ? 0 : (view.isLeaf ? view.cellCount - 1 : view.cellCount)
        frames.append(Frame(view: view, index: index))
    }

    /// After the leaf index moved: positions there if it is a cell, else moves to the adjacent leaf.
    private func settle(forward: Bool) throws(SombraError) {
        let leaf = frames[frames.count - 1]
        if leaf.index >= 0, leaf.index < leaf.view.cellCount {
            try positionHere()
        } else if try moveToAdjacentLeaf(forward: forward) {
            try positionHere()
        } else {
            isValid = false
            key = []
            frames.removeAll(keepingCapacity: true)
        }
    }

    /// Moves to the first cell of the next (or last cell of the previous) non-empty leaf; false at the end.
    func moveToAdjacentLeaf(forward: Bool) throws(SombraError) -> Bool {
        var leavesVisited: UInt64 = 0
        while true {
            frames.removeLast()
            while let top = frames.last {
                if forward ? top.index < top.view.cellCount : top.index > 0 { break }
                frames.removeLast()
            }
            guard !frames.isEmpty else { return false }
            frames[frames.count - 1].index += forward ? 1 : -1
            try descendEdge(forward: forward)
            if frames[frames.count - 1].view.cellCount > 0 { return true }
            leavesVisited += 1
            guard leavesVisited < reader.pageCount else {
                throw .corruptPage(page: tree.root.rawValue, reason: "leaf walk visited more leaves than the file has pages")
            }
        }
    }

    private func positionHere() throws(SombraError) {
        let leaf = frames[frames.count - 1]
        key = Array(try leaf.view.key(at: leaf.index))
        isValid = true
        observedChangeCounter = reader.changeCounter
    }

    /// Counts keys from the current position (inclusive) while they stay below `range`'s upper bound,
    /// searching each leaf's slot array instead of stepping key by key. Leaves the cursor invalid.
    func countForward(within range: KeyRange) throws(SombraError) -> Int {
        guard isValid else { return 0 }
        var total = 0
        var leavesVisited: UInt64 = 0
        while true {
            let leaf = frames[frames.count - 1]
            var low = leaf.index
            var high = leaf.view.cellCount
            while low < high {
                let mid = low + (high - low) / 2
                if range.isBelowUpper(try leaf.view.key(at: mid)) { low = mid + 1 } else { high = mid }
            }
            total += low - leaf.index
            leavesVisited += 1
            guard low == leaf.view.cellCount else { break }
            guard leavesVisited < reader.pageCount else {
                throw .corruptPage(page: tree.root.rawValue, reason: "leaf walk visited more leaves than the file has pages")
            }
            guard try moveToAdjacentLeaf(forward: true) else { break }
        }
        isValid = false
        key = []
        frames.removeAll(keepingCapacity: true)
        return total
    }
}
