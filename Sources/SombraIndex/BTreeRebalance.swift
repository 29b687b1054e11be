// BTreeRebalance: restores the tree's shape after a leaf changed: splits over-full pages, merges or
// redistributes under-full ones, and keeps the root page in place.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages" (fill rules).
//
// Invariants:
//  1. Work moves strictly upward along the write path (at most its length in steps, plus at most
//     `maxDepth` root pull-ups); each step changes one page, at most one sibling and the parent.
//  2. A split keeps the right half in the existing page and puts the left half in a new page, so the
//     parent only gains one cell (separator, new page) at the child's index.
//  3. A non-root page whose slots and cells fall below `minFillBytes` is merged with a sibling when both
//     fit one page (the right page survives, the left one is freed), otherwise the two are redistributed.
//  4. The root never moves: when it overflows its halves go to two new pages; when it is an interior page
//     with no cells its only child's content is pulled up and the child freed.
import SombraFormat
import SombraStorage

extension BTree {
    func rebalance(path: [PathStep], node start: NodeCells, packLeft: Bool, in w: any PageWriter) throws(SombraError) {
        let pageSize = w.pageSize
        let minFill = BTreeLayout.minFillBytes(pageSize: pageSize)
        var node = start
        var level = path.count - 1
        while level > 0 {
            let page = path[level].view.page
            let parentStep = path[level - 1]
            var parent = try NodeCells(parentStep.view)
            if !node.fits(pageSize: pageSize) {
                let (left, separator, right) = try node.split(packLeft: packLeft, pageSize: pageSize, page: page)
                let newPage = try w.allocate(left.kind)
                try left.store(to: newPage, in: w)
                try right.store(to: page, in: w)
                parent.insert(BTreeLayout.interiorCell(child: newPage, key: separator[...]), at: parentStep.index)
            } else if node.byteCount - BTreeLayout.slotArrayOffset < minFill, !parent.isEmpty {
                let ancestors = path[0..<level].map { $0.view.page }
                try joinWithSibling(node, page: page, parent: &parent, childIndex: parentStep.index,
                                    ancestors: ancestors, in: w)
            } else {
                try node.store(to: page, in: w)
                return
            }
            node = parent
            level -= 1
        }
        try settleRoot(node, packLeft: packLeft, in: w)
    }

    /// Merges an under-full child with a sibling, or redistributes the two; updates `parent` in memory.
    private func joinWithSibling(_ node: NodeCells, page: PageID, parent: inout NodeCells, childIndex: Int,
                                 ancestors: [PageID], in w: any PageWriter) throws(SombraError) {
        let pageSize = w.pageSize
        let separatorIndex = childIndex > 0 ? childIndex - 1 : childIndex
        let siblingIndex = childIndex > 0 ? childIndex - 1 : childIndex + 1
        let sibling = siblingIndex == parent.count ? parent.rightChild : parent.child(siblingIndex)
        let parentPage = ancestors.last ?? root
        guard sibling != page, !ancestors.contains(sibling) else {
            throw .corruptPage(page: parentPage.rawValue, reason: "sibling pointer to page \(sibling.rawValue) repeats a page on the path")
        }
        let siblingNode = try NodeCells(w.btreeNode(sibling))
        guard siblingNode.isLeaf == node.isLeaf else {
            throw .corruptPage(page: sibling.rawValue, reason: "sibling of page \(page.rawValue) is at a different depth")
        }
        let (leftPage, leftNode, rightPage, rightNode) = childIndex > 0
            ? (sibling, siblingNode, page, node) : (page, node, sibling, siblingNode)
        let merged = NodeCells.merged(leftNode, separator: parent.key(separatorIndex), rightNode)
        if merged.fits(pageSize: pageSize) {
            try merged.store(to: rightPage, in: w)
            try w.free(leftPage)
            parent.remove(at: separatorIndex)
        } else {
            let (left, separator, right) = try merged.split(packLeft: false, pageSize: pageSize, page: rightPage)
            try left.store(to: leftPage, in: w)
            try right.store(to: rightPage, in: w)
            parent.replace(at: separatorIndex, with: BTreeLayout.interiorCell(child: leftPage, key: separator[...]))
        }
    }

    /// Writes the root's new content, splitting it into two new children or pulling up a single child.
    private func settleRoot(_ start: NodeCells, packLeft: Bool, in w: any PageWriter) throws(SombraError) {
        var node = start
        for _ in 0..<BTreeLayout.maxDepth {
            if !node.fits(pageSize: w.pageSize) {
                let (left, separator, right) = try node.split(packLeft: packLeft, pageSize: w.pageSize, page: root)
                let leftPage = try w.allocate(left.kind)
                let rightPage = try w.allocate(right.kind)
                try left.store(to: leftPage, in: w)
                try right.store(to: rightPage, in: w)
                node = NodeCells(isLeaf: false, cells: [BTreeLayout.interiorCell(child: leftPage, key: separator[...])],
                                 rightChild: rightPage)
            } else if !node.isLeaf && node.isEmpty {
                let child = node.rightChild
                guard child != root else {
                    throw .corruptPage(page: root.rawValue, reason: "root's only child pointer points at the root")
                }
                node = try NodeCells(w.btreeNode(child))
                try w.free(child)
            } else {
                try node.store(to: root, in: w)
                return
            }
        }
        throw .corruptPage(page: root.rawValue, reason: "root pull-up went deeper than \(BTreeLayout.maxDepth) levels")
    }
}
