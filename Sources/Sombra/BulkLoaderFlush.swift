// BulkLoaderFlush: how the bulk loader writes its buffered entries into the graph's trees.
//
// At its first flush each tree is given a writer, kept for the rest of the load:
//  - a tree that already had entries when the load began takes ordered inserts (`put` in key order);
//  - an empty tree whose keys ascend across the whole load (nodes and edges, keyed by fresh ids) gets one
//    bottom-up bulk build, fed at every flush and finished at the end;
//  - any other empty tree gets one sorted run (a bulk-built tree) per flush; at the end the runs are merged
//    into the final tree with a bottom-up build that moves their cells and frees their pages as it goes.
//    Adjacency entries are written as chunks; runs of chunks are merged entry by entry (BulkLoaderAdjacency),
//    and entries for an adjacency tree that was not empty join its chunks one by one (AdjacencyChunks).
// Keys are encoded while the pages are written (adjacency and label keys from fixed-width entries). The
// buffered edges are one array in id order: it gives the edges tree (property-less records are made from
// their type's template as they are written), then sorted the out-edges tree, then with its ends swapped
// and sorted again the in-edges tree.
//
// Invariants:
//  1. The trees registered in the header change only in `finish`, which replaces each built tree's empty
//     original root; until then the registered trees hold exactly what they held at the load's start plus
//     the inserts into trees that were not empty (so `nodeExistsInTrees` stays right).
//  2. Every flush leaves the loader's id counters and counts in the transaction's catalog cache.
//  3. The resulting trees hold exactly the entries written; their shape (how full pages are) may differ.
import SombraFormat
import SombraIndex
import SombraStorage

/// How one tree receives the loader's entries (see the file comment).
enum TreeWriter {
    case inserts
    case ascending(BTreeBulkBuilder)
    case runs([BTree])
}

extension BulkLoader {
    /// Writes every buffered record and index entry into its tree, in key order.
    func flush() throws(SombraError) {
        // The buffers leave the state while they are written (no bytes are copied), so the per-entry
        // closures read plain local arrays.
        let nodes = state.nodeRecords
        try write(.nodes, count: nodes.count, keyBytes: 8,
                  key: { i, k in k.storeBE(nodes.id(i), at: 0) }, value: { i in nodes.record(i) })
        var adjacency: [BulkLoaderState.AdjacencyEntry] = []
        swap(&adjacency, &state.edges)
        let records = state.edgeRecords, types = state.edgeTypes
        var scratch: [UInt8] = []
        try write(.edges, count: adjacency.count, keyBytes: 8, key: { i, k in k.storeBE(adjacency[i].edge, at: 0) },
                  value: { i in BulkLoaderState.edgeRecord(adjacency[i], records: records, types: types, scratch: &scratch) })
        state.labelEntries.sort { ($0.label, $0.node) < ($1.label, $1.node) }
        let labels = state.labelEntries
        try write(.labels, count: labels.count, keyBytes: 12,
                  key: { i, k in k.storeBE(labels[i].label, at: 0); k.storeBE(labels[i].node, at: 4) }, value: { _ in ArraySlice() })
        BulkLoaderState.AdjacencyEntry.sortInKeyOrder(&adjacency)
        try writeAdjacency(.outEdges, adjacency, &scratch)
        for i in adjacency.indices {
            let e = adjacency[i]
            adjacency[i].a = e.b
            adjacency[i].b = e.a
        }
        BulkLoaderState.AdjacencyEntry.sortInKeyOrder(&adjacency)
        try writeAdjacency(.inEdges, adjacency, &scratch)
        state.propertyEntries.sortByKey()
        let properties = state.propertyEntries
        try write(.properties, count: properties.count, keyBytes: nil,
                  key: { i, k in k.append(contentsOf: properties.key(i)) }, value: { i in properties.value(i) })
        adjacency.removeAll(keepingCapacity: true)
        swap(&adjacency, &state.edges)
        state.nodeRecords.removeAll()
        state.edgeRecords.removeAll()
        state.labelEntries.removeAll(keepingCapacity: true)
        state.propertyEntries.removeAll()
        state.bufferedBytes = 0
        flushCount += 1
        try publishCounters()
    }

    /// The last flush, then every built tree completed and registered in place of its empty original.
    func finish() throws(SombraError) {
        try flush()
        for slot in TreeSlot.allCases {
            guard let writer = treeWriters.removeValue(forKey: slot) else { continue }
            switch writer {
            case .inserts:
                break
            case .ascending(let builder):
                try register(try builder.finish(), in: slot)
            case .runs(let runs) where runs.count > 1 && (slot == .outEdges || slot == .inEdges):
                try register(try mergeAdjacencyRuns(runs), in: slot)
            case .runs(let runs):
                if runs.count == 1 {
                    try register(runs[0], in: slot)
                } else {
                    var builder = try BTreeBulkBuilder(in: tx.pageTx)
                    try builder.addMerging(consuming: runs)
                    try register(try builder.finish(), in: slot)
                }
            }
        }
    }

    /// Sorted adjacency entries into one adjacency tree: inserted one by one into a tree that had entries,
    /// else as chunks (BulkLoaderAdjacency): the tree's first run as node chunks, any later run packed.
    private func writeAdjacency(_ slot: TreeSlot, _ entries: [BulkLoaderState.AdjacencyEntry], _ scratch: inout [UInt8]) throws(SombraError) {
        guard !entries.isEmpty else { return }
        let writer = try takeWriter(slot)
        treeWriters[slot] = writer
        if case .inserts = writer {
            // A tree that had entries: each joins the chunks already there (AdjacencyChunks, invariant 1).
            let tree = BTree(root: tx.pageTx.header.roots[slot.rawValue])
            for e in entries { try AdjacencyChunks.insert(e.key, into: tree, tx.pageTx) }
            return
        }
        var packed = false
        if case .runs(let runs) = writer, !runs.isEmpty { packed = true }
        let starts = Self.chunkStarts(entries, acrossNodes: packed)
        try write(slot, count: starts.count, keyBytes: nil, key: { i, k in
            let e = entries[starts[i]]
            GraphKeys.appendAdjacency(e.a, e.type, e.b, e.edge, to: &k)
        },
                  value: { i in
                      let range = starts[i]..<(i + 1 < starts.count ? starts[i + 1] : entries.count)
                      return Self.chunkValue(entries, range, acrossNodes: packed, &scratch)
                  })
    }

    /// The tree's writer, taken out of `treeWriters` (the caller puts it back); chosen at the tree's first
    /// flush (see the file comment).
    private func takeWriter(_ slot: TreeSlot) throws(SombraError) -> TreeWriter {
        if let existing = treeWriters.removeValue(forKey: slot) { return existing }
        let pages = tx.pageTx
        var probe = BTree(root: pages.header.roots[slot.rawValue]).scanKeys(.all, in: pages)
        if try probe.next() != nil { return .inserts }
        return slot == .nodes || slot == .edges ? .ascending(try BTreeBulkBuilder(in: pages)) : .runs([])
    }

    /// Sorted entries 0..<count into one tree through its writer (chosen at the tree's first flush).
    /// `keyBytes`: the width of every key, which `key` then stores in place; nil: `key` appends the key.
    private func write(_ slot: TreeSlot, count: Int, keyBytes: Int?, key: (Int, inout [UInt8]) -> Void,
                       value: (Int) -> ArraySlice<UInt8>) throws(SombraError) {
        guard count > 0 else { return }
        let pages = tx.pageTx
        var writer = try takeWriter(slot)
        switch writer {
        case .inserts:
            let tree = BTree(root: pages.header.roots[slot.rawValue])
            var k: [UInt8] = []
            for i in 0..<count {
                k.removeAll(keepingCapacity: true)
                if let keyBytes { k.append(contentsOf: repeatElement(0, count: keyBytes)) }
                key(i, &k)
                try tree.put(k, Array(value(i)), in: pages)
            }
        case .ascending(var builder):
            writer = .inserts   // drop the enum's reference so the builder's buffers stay unique
            try Self.feed(&builder, count: count, keyBytes: keyBytes, key: key, value: value)
            writer = .ascending(builder)
        case .runs(var runs):
            var builder = try BTreeBulkBuilder(in: pages)
            try Self.feed(&builder, count: count, keyBytes: keyBytes, key: key, value: value)
            runs.append(try builder.finish())
            writer = .runs(runs)
        }
        treeWriters[slot] = writer
    }

    private static func feed(_ builder: inout BTreeBulkBuilder, count: Int, keyBytes: Int?, key: (Int, inout [UInt8]) -> Void,
                             value: (Int) -> ArraySlice<UInt8>) throws(SombraError) {
        if let keyBytes {
            for i in 0..<count { try builder.add(value: value(i), keyBytes: keyBytes) { k in key(i, &k) } }
        } else {
            for i in 0..<count { try builder.add(value: value(i)) { k in key(i, &k) } }
        }
    }

    /// Makes `tree` the graph's tree in `slot`, freeing the empty tree registered there.
    private func register(_ tree: BTree, in slot: TreeSlot) throws(SombraError) {
        let pages = tx.pageTx
        let old = BTree(root: pages.header.roots[slot.rawValue])
        guard tree.root != old.root else { return }
        try old.drop(in: pages)
        try pages.setRoot(slot.rawValue, tree.root)
        tx.trees = GraphTrees(header: pages.header)
    }

    /// Puts the local id counters and the counts added since the last flush into the catalog cache.
    private func publishCounters() throws(SombraError) {
        for sequence in [state.nodeIDs, state.edgeIDs] {
            if let next = sequence.next { tx.catalogCache[GraphKeys.counter(sequence.counter)] = next }
        }
        if state.nodeCountAdded > 0 { try tx.catalogAdd(GraphKeys.counter(Counter.nodeCount), Int64(clamping: state.nodeCountAdded)) }
        if state.edgeCountAdded > 0 { try tx.catalogAdd(GraphKeys.counter(Counter.edgeCount), Int64(clamping: state.edgeCountAdded)) }
        for (label, n) in state.labelCountsAdded { try tx.catalogAdd(GraphKeys.labelCount(label), Int64(clamping: n)) }
        for (type, n) in state.takeTypeCounts() { try tx.catalogAdd(GraphKeys.typeCount(type), Int64(clamping: n)) }
        state.nodeCountAdded = 0
        state.edgeCountAdded = 0
        state.labelCountsAdded.removeAll()
    }
}
