// BTreeRunScan: forward iteration over a key range one leaf run at a time, reading keys in place.
// Layer: SombraIndex. The read path of the graph's hot queries (neighbours, label and property scans):
// one descent per range, then each leaf's in-range cells as a `BTreeRun` whose keys are read straight
// from the page bytes, so a scan allocates nothing per entry.
//
// Invariants:
//  1. Runs come in key order, each a non-empty range of cells of one leaf, together exactly the keys of the
//     range at the time each leaf was read; after `nextRun()` returns nil it keeps returning nil.
//  2. A run holds its leaf's bytes by value: it stays readable (and unchanged) whatever the transaction
//     writes afterwards. `isStale` says the tree changed since the last run was read; the caller then
//     repositions after the last key it consumed (`BTreeEntryWalk` does this) and sees the new tree.
//  3. Descents check depth and cycles against the path, and a walk across leaves visits at most
//     `pageCount` pages per call, so a corrupt file throws `.corruptPage` and never loops.
//  4. A restarted scan reuses a page of its previous path only when it is the very page the new descent
//     needs and the reader's change counter is the one it was read at (always, in a read transaction);
//     any write in between makes the next descent read every page afresh.
import SombraFormat
import SombraStorage

/// Some consecutive in-range cells of one leaf.
package struct BTreeRun {
    let view: NodeView
    package let cells: Range<Int>

    package var page: PageID { view.page }

    /// A run of no cells (a placeholder).
    package static let placeholder = BTreeRun(view: .placeholder, cells: 0..<0)

    /// The page bytes the run's keys live in (for reading fields at a `fixedKeyStart`).
    package var pageBytes: [UInt8] { view.bytes }

    /// Where the key of cell `i` starts in `pageBytes`, checked to be exactly `count` bytes long.
    @inline(__always)
    package func fixedKeyStart(_ i: Int, count: Int) throws(SombraError) -> Int {
        let location = try view.keyLocation(i)
        guard location.count == count else {
            throw view.corrupt("key of cell \(i) is \(location.count) bytes, expected \(count)")
        }
        return location.start
    }

    /// Where the key of cell `i` lies in `pageBytes` (checked to lie within the page).
    @inline(__always)
    package func keyLocation(_ i: Int) throws(SombraError) -> (start: Int, count: Int) { try view.keyLocation(i) }

    /// The error for a key of cell `i` that does not have the layout its tree requires.
    package func malformedKey(_ i: Int, _ what: String) -> SombraError {
        view.corrupt("key of cell \(i) is not a valid \(what) key")
    }

    /// A copy of the key of cell `i`.
    package func key(_ i: Int) throws(SombraError) -> [UInt8] { Array(try view.key(at: i)) }

    /// The big-endian integer in the last eight bytes of the key of cell `i` (an index entry's node id);
    /// throws `.corruptPage` if the key is shorter.
    @inline(__always)
    package func trailingUInt64BE(_ i: Int) throws(SombraError) -> UInt64 {
        let location = try view.keyLocation(i)
        guard location.count >= 8 else {
            throw view.corrupt("key of cell \(i) (\(location.count) bytes) is too short for a trailing id")
        }
        return view.bytes.loadBE(UInt64.self, at: location.start + location.count - 8)
    }

    /// Whether cell `i` has an empty inline value (no overflow page is read).
    package func hasEmptyValue(_ i: Int) throws(SombraError) -> Bool {
        let cell = try view.leafCell(at: i)
        return !cell.isOverflow && cell.valueLength == 0
    }

    /// Where the inline value of cell `i` lies in `pageBytes`; nil when it lives in an overflow chain.
    @inline(__always)
    package func inlineValueLocation(_ i: Int) throws(SombraError) -> (start: Int, count: Int)? {
        let cell = try view.leafCell(at: i)
        return cell.isOverflow ? nil : (cell.payloadStart, cell.valueLength)
    }

    /// The value of cell `i` (overflow pages are read and inflated as needed).
    package func value(_ i: Int, in r: any PageReader) throws(SombraError) -> [UInt8] {
        try BTree.readValue(view, i, in: r)
    }
}

package struct BTreeRunScan {
    private struct Frame {
        var view: NodeView
        var index: Int
    }

    private enum Phase { case unstarted, positioned, lastRun, finished }

    /// Frames reserved for a path up front (trees of a billion entries are about four levels deep).
    private static let usualDepth = 6

    package let tree: BTree
    let reader: any PageReader
    private var lower: KeyBound
    private var upper: KeyBound
    private var originalLower: KeyBound
    private var frames: [Frame] = []
    /// Path pages kept from the last descent: `frames[0..<keptDepth]` were read when the reader's change
    /// counter was `keptChange`, so a new descent may reuse them while the counter is unchanged (a read
    /// transaction's never changes). The leaf is never reused; the upper levels are what repeat.
    private var keptDepth = 0
    private var keptFrames: [Frame] = []
    private var keptChange: UInt64 = 0
    private var phase = Phase.unstarted
    private var observedChange: UInt64 = 0

    package init(tree: BTree, range: KeyRange, reader: any PageReader) {
        self.tree = tree
        self.reader = reader
        lower = range.lower
        originalLower = range.lower
        upper = range.upper
    }

    /// True when the tree changed (in this write transaction) since the last run was read.
    package var isStale: Bool {
        (phase == .positioned || phase == .lastRun) && reader.changeCounter != observedChange
    }

    /// Continues after `key` (the last key the caller consumed), reading the tree afresh.
    package mutating func reposition(after key: [UInt8]) {
        lower = .excluded(key)
        phase = .unstarted
    }

    /// Starts again from the range's lower bound, reading the tree afresh.
    package mutating func restart() {
        lower = originalLower
        phase = .unstarted
    }

    /// Starts over on another range of the same tree; the path's storage is reused.
    package mutating func restart(range: KeyRange) {
        lower = range.lower
        originalLower = range.lower
        upper = range.upper
        phase = .unstarted
    }

    /// The next non-empty run of in-range cells, or nil at the end of the range.
    package mutating func nextRun() throws(SombraError) -> BTreeRun? {
        switch phase {
        case .finished: return nil
        case .lastRun:
            phase = .finished
            return nil
        case .unstarted:
            try positionAtLower()
            phase = .positioned
        case .positioned:
            break
        }
        var leavesVisited: UInt64 = 0
        while true {
            let top = frames[frames.count - 1]
            let leaf = top.view
            let start = top.index
            if start >= leaf.cellCount {
                leavesVisited += 1
                guard leavesVisited < reader.pageCount else {
                    throw .corruptPage(page: tree.root.rawValue, reason: "leaf walk visited more leaves than the file has pages")
                }
                guard try moveToNextLeaf() else {
                    phase = .finished
                    return nil
                }
                continue
            }
            let end = try endOfRange(in: leaf, from: start)
            observedChange = reader.changeCounter
            if end < leaf.cellCount {
                phase = .lastRun
            } else {
                frames[frames.count - 1].index = leaf.cellCount
            }
            guard end > start else {
                phase = .finished
                return nil
            }
            return BTreeRun(view: leaf, cells: start..<end)
        }
    }

    // MARK: - Positioning

    /// Fills the path from the root to the leaf holding the lower bound; the leaf index is the first cell in range.
    private mutating func positionAtLower() throws(SombraError) {
        // Interior pages the last descent read are reused while they are still on the path (invariant of
        // `keptDepth`); anything else is read afresh.
        let change = reader.changeCounter
        var reusable = change == keptChange ? min(keptDepth, frames.count) : 0
        // The old path moves to `keptFrames` (both buffers stay allocated from one descent to the next).
        swap(&frames, &keptFrames)
        frames.removeAll(keepingCapacity: true)
        // One allocation for a path of any usual depth, instead of growing 1, 2, 4 frames deep.
        if frames.capacity < Self.usualDepth { frames.reserveCapacity(Self.usualDepth) }
        let kept = keptFrames
        var view: NodeView
        if reusable > 0, kept[0].view.page == tree.root { view = kept[0].view } else {
            reusable = 0
            view = try reader.btreeNode(tree.root)
        }
        var bounds = SeparatorBounds.unknown   // what the separators above say of the next page's keys
        while !view.isLeaf {
            let index: Int
            switch lower {
            case .unbounded: index = 0
            case .included(let key), .excluded(let key):
                index = try view.upperBound(key, within: bounds)
                bounds = try bounds.narrowed(toChild: index, of: view)
            }
            frames.append(Frame(view: view, index: index))
            let child = try view.child(at: index)
            let depth = frames.count
            if depth < reusable, kept[depth].view.page == child {
                view = kept[depth].view
            } else {
                reusable = 0
                view = try descend(into: child)
            }
        }
        keptDepth = frames.count
        keptChange = change
        let index: Int
        switch lower {
        case .unbounded: index = 0
        case .included(let key): index = try view.lowerBound(key, within: bounds).index
        case .excluded(let key):
            let (i, found) = try view.lowerBound(key, within: bounds)
            index = found ? i + 1 : i
        }
        frames.append(Frame(view: view, index: index))
    }

    /// Reads `child` for the path, checking depth and cycles against the frames above it.
    private func descend(into child: PageID) throws(SombraError) -> NodeView {
        let parent = frames[frames.count - 1].view.page
        try BTree.checkDescent(into: child, from: parent, path: frames.lazy.map { $0.view.page })
        return try reader.btreeNode(child)
    }

    /// Moves to the first cell of the next leaf; false after the last leaf.
    private mutating func moveToNextLeaf() throws(SombraError) -> Bool {
        frames.removeLast()
        while let top = frames.last, top.index >= top.view.cellCount { frames.removeLast() }
        guard !frames.isEmpty else { return false }
        frames[frames.count - 1].index += 1
        while true {
            let top = frames[frames.count - 1]
            let view = try descend(into: top.view.child(at: top.index))
            if view.isLeaf {
                frames.append(Frame(view: view, index: 0))
                return true
            }
            frames.append(Frame(view: view, index: 0))
        }
    }

    /// The first cell at or after `start` that lies above the upper bound (or the cell count). A scan that
    /// enters a leaf at its first cell (a long range going on) first tries the leaf's last key: the whole
    /// leaf is usually in range. Otherwise the search gallops from `start` (probes start, start + 1,
    /// start + 3, ... then bisects the last step): a point query's range ends a cell or two after it starts.
    private func endOfRange(in leaf: NodeView, from start: Int) throws(SombraError) -> Int {
        let end: Int
        switch upper {
        case .unbounded: return leaf.cellCount
        case .excluded(let key):
            if start == 0, try leaf.compareKey(at: leaf.cellCount - 1, with: key) < 0 { return leaf.cellCount }
            end = try leaf.lowerBound(guess: start) { (i: Int) throws(SombraError) -> Int in
                try leaf.compareKey(at: i, with: key)
            }.index
        case .included(let key):
            if start == 0, try leaf.compareKey(at: leaf.cellCount - 1, with: key) <= 0 { return leaf.cellCount }
            end = try leaf.upperBound(guess: start) { (i: Int) throws(SombraError) -> Int in
                try leaf.compareKey(at: i, with: key)
            }
        }
        return max(end, start)
    }
}

/// One entry of a walk: cell `index` of `run`.
package struct BTreeEntry {
    package let run: BTreeRun
    package let index: Int
}

/// Entries of a range one at a time, as (run, cell) positions read in place. When the tree changes under
/// the walk (a write transaction writing while it iterates), it continues after the last entry it returned.
package struct BTreeEntryWalk {
    // Plain fields with placeholders instead of optionals: a walk is created and dropped per query, and
    // this keeps its copy and destruction cheap.
    private var scan: BTreeRunScan
    /// The run being walked; `position` is its next cell (== cells.upperBound when used up).
    private var run = BTreeRun.placeholder
    private var position = 0
    /// Whether an entry was returned yet (`run` then holds the last one, at `position - 1`).
    private var returnedAny = false

    package init(tree: BTree, range: KeyRange, reader: any PageReader) {
        scan = BTreeRunScan(tree: tree, range: range, reader: reader)
    }

    /// Starts over on another range of the same tree (a walk reused for many short ranges allocates its
    /// path once).
    package mutating func restart(range: KeyRange) {
        scan.restart(range: range)
        run = .placeholder
        position = 0
        returnedAny = false
    }

    package mutating func next() throws(SombraError) -> BTreeEntry? {
        if scan.isStale {
            if returnedAny { scan.reposition(after: try run.key(position - 1)) } else { scan.restart() }
            run = .placeholder
            position = 0
        }
        if position < run.cells.upperBound {
            position += 1
            returnedAny = true
            return BTreeEntry(run: run, index: position - 1)
        }
        guard let fresh = try scan.nextRun() else { return nil }
        run = fresh
        position = fresh.cells.lowerBound + 1
        returnedAny = true
        return BTreeEntry(run: fresh, index: fresh.cells.lowerBound)
    }
}

extension BTree {
    package func runs(_ range: KeyRange, in r: any PageReader) -> BTreeRunScan {
        BTreeRunScan(tree: self, range: range, reader: r)
    }

    package func walk(_ range: KeyRange, in r: any PageReader) -> BTreeEntryWalk {
        BTreeEntryWalk(tree: self, range: range, reader: r)
    }
}
