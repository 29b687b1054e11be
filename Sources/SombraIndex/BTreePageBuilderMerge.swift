// BTreePageBuilderMerge: feeds a bulk build with the entries of several trees ("runs") in key order,
// moving their cells as they are and freeing the runs' pages as they are consumed.
// Layer: SombraIndex. Used by the graph's bulk loader to combine the sorted runs of successive flushes.
//
// Invariants:
//  1. Each run is read in key order, leaf by leaf, without building its keys or values: a leaf cell is
//     copied byte for byte into the new tree, so an overflow chain changes owner and is neither copied nor
//     freed.
//  2. A run's page is freed once every cell under it has been moved (leaves when left, interior pages when
//     their last child is done), so the new tree reuses those pages and the file grows by little more than
//     the pages in flight. On an error the runs are partly freed: the caller must abandon the transaction.
//  3. Keys equal across runs, or out of order, make the builder throw `.invalidArgument`.
//  4. Every read is bounded: descents by `BTreeLayout.maxDepth` with the cycle check of `checkDescent`, the
//     walk by the reader's page count (each page is visited once).
import SombraFormat
import SombraStorage

extension BTreeBulkBuilder {
    /// Adds every entry of `runs` in ascending key order (all keys distinct and greater than the keys added
    /// so far), freeing every page of the runs; the runs must not be used afterwards.
    package mutating func addMerging(consuming runs: [BTree]) throws(SombraError) {
        var readers: [RunReader] = []
        readers.reserveCapacity(runs.count)
        for run in runs {
            let reader = try RunReader(run, in: w)
            if reader.cell != nil { readers.append(reader) }
        }
        // A binary min-heap of reader indices ordered by their current key.
        var heap = Array(readers.indices)
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(&heap, from: i, readers) }
        while let top = heap.first, let cell = readers[top].cell {
            try addCell(cell, of: readers[top].leaf)
            try readers[top].advance(in: w)
            if readers[top].cell == nil {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
            }
            if !heap.isEmpty { siftDown(&heap, from: 0, readers) }
        }
    }

    private func siftDown(_ heap: inout [Int], from start: Int, _ readers: [RunReader]) {
        var i = start
        while true {
            var smallest = i
            let left = 2 * i + 1
            if left < heap.count, readers[heap[left]].precedes(readers[heap[smallest]]) { smallest = left }
            if left + 1 < heap.count, readers[heap[left + 1]].precedes(readers[heap[smallest]]) { smallest = left + 1 }
            if smallest == i { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}

/// One run's cells in key order, for callers that rewrite the cells rather than move them (the graph
/// layer's adjacency chunks): each page is freed once the walk has left it, so the run must not be used
/// afterwards. Cells must have inline values (an overflow cell is a corrupt page).
package struct BTreeRunConsumer {
    private var reader: RunReader

    package init(_ run: BTree, in w: any PageWriter) throws(SombraError) {
        reader = try RunReader(run, in: w)
    }

    /// The current leaf's bytes (where `cell()` locates the current cell).
    package var leafBytes: [UInt8] { reader.leaf.bytes }

    /// Where the current cell's key and value lie in `leafBytes`; nil once the run is done. Plain ranges, not
    /// a tuple holding the bytes: an optional tuple with an array in it is copied and destroyed through
    /// generic value witnesses across modules (about 1,200 instructions per cell in a bulk load's merge).
    package func cell() throws(SombraError) -> (key: Range<Int>, value: Range<Int>)? {
        guard let cell = reader.cell else { return nil }
        guard !cell.isOverflow else { throw reader.leaf.corrupt("a run cell being rewritten has an overflow value") }
        return (cell.keyStart..<(cell.keyStart + cell.keyCount), cell.payloadStart..<(cell.payloadStart + cell.valueLength))
    }

    package mutating func advance(in w: any PageWriter) throws(SombraError) {
        try reader.advance(in: w)
    }
}

/// An in-order walk over one run's leaf cells that frees each page when it is done with it.
private struct RunReader {
    /// Interior pages on the path to `leaf`, each with the index of the next child to visit.
    private var path: [(view: NodeView, next: Int)] = []
    private(set) var leaf: NodeView
    private var index = 0
    /// The current cell; nil once the run is exhausted.
    private(set) var cell: LeafCell?
    private var pagesLeft: UInt64

    init(_ run: BTree, in w: any PageWriter) throws(SombraError) {
        pagesLeft = w.pageCount
        leaf = try w.btreeNode(run.root)
        try descend(from: leaf, in: w)
        try settle(in: w)
    }

    /// Whether this reader's key sorts before `other`'s (both must hold a cell).
    func precedes(_ other: RunReader) -> Bool {
        guard let a = cell, let b = other.cell else { return cell != nil }
        return compareBytes(leaf.bytes[a.keyStart..<(a.keyStart + a.keyCount)],
                            other.leaf.bytes[b.keyStart..<(b.keyStart + b.keyCount)]) < 0
    }

    mutating func advance(in w: any PageWriter) throws(SombraError) {
        index += 1
        try settle(in: w)
    }

    /// Makes `cell` the cell at `index`, moving on through the following leaves (freeing the pages left
    /// behind) while the current leaf has no more cells.
    private mutating func settle(in w: any PageWriter) throws(SombraError) {
        while index >= leaf.cellCount {
            try visitPage(leaf.page, in: w)
            try w.free(leaf.page)
            while let top = path.last, top.next > top.view.cellCount {
                path.removeLast()
                try w.free(top.view.page)
            }
            guard let top = path.last else {
                cell = nil
                return
            }
            path[path.count - 1].next += 1
            let child = try top.view.child(at: top.next)
            try BTree.checkDescent(into: child, from: top.view.page, path: path.lazy.map { $0.view.page })
            try descend(from: try w.btreeNode(child), in: w)
        }
        cell = try leaf.leafCell(at: index)
    }

    /// Goes down the leftmost path from `view` to a leaf, pushing the interior pages on the way.
    private mutating func descend(from view: NodeView, in w: any PageWriter) throws(SombraError) {
        var node = view
        while !node.isLeaf {
            try visitPage(node.page, in: w)
            let child = try node.child(at: 0)
            path.append((node, 1))
            try BTree.checkDescent(into: child, from: node.page, path: path.lazy.map { $0.view.page })
            node = try w.btreeNode(child)
        }
        leaf = node
        index = 0
    }

    /// Counts a page visit against the bound (invariant 4).
    private mutating func visitPage(_ page: PageID, in w: any PageWriter) throws(SombraError) {
        guard pagesLeft > 0 else {
            throw .corruptPage(page: page.rawValue, reason: "tree walk visited more pages than the file holds")
        }
        pagesLeft -= 1
    }
}
