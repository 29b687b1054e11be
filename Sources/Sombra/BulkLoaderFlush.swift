// BulkLoaderFlush: how the bulk loader writes its buffered entries into the graph's trees.
//
// At its first flush each tree is given a writer, kept for the rest of the load:
//  - a tree that already had entries when the load began takes ordered inserts (`put` in key order);
//  - an empty tree whose keys ascend across the whole load (nodes and edges, keyed by fresh ids) gets one
//    bottom-up bulk build, fed at every flush and finished at the end;
//  - any other empty tree gets one sorted run (a bulk-built tree) per flush; at the end the runs are merged
//    into the final tree with a bottom-up build that moves their cells and frees their pages as it goes.
// Keys are encoded while the pages are written (adjacency and label keys from fixed-width entries).
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
        // Local copies (no bytes are copied) keep the per-entry closures off the class's storage.
        let nodes = nodeRecords, edges = edgeRecords
        try write(.nodes, count: nodes.count, key: { i, k in k.appendBE(nodes[i].0) }, value: { i in nodes[i].1 })
        try write(.edges, count: edges.count, key: { i, k in k.appendBE(edges[i].0) }, value: { i in edges[i].1 })
        labelEntries.sort { ($0.label, $0.node) < ($1.label, $1.node) }
        let labels = labelEntries
        try write(.labels, count: labels.count,
                  key: { i, k in k.appendBE(labels[i].label); k.appendBE(labels[i].node) }, value: { _ in [] })
        outEntries.sort()
        let outs = outEntries
        try write(.outEdges, count: outs.count, key: { i, k in Self.appendKey(outs[i], &k) }, value: { _ in [] })
        inEntries.sort()
        let ins = inEntries
        try write(.inEdges, count: ins.count, key: { i, k in Self.appendKey(ins[i], &k) }, value: { _ in [] })
        propertyEntries.sort { KeyEncoding.compare($0.0, $1.0) < 0 }
        let properties = propertyEntries
        try write(.properties, count: properties.count,
                  key: { i, k in k.append(contentsOf: properties[i].0) }, value: { i in properties[i].1 })
        nodeRecords.removeAll(keepingCapacity: true)
        edgeRecords.removeAll(keepingCapacity: true)
        labelEntries.removeAll(keepingCapacity: true)
        outEntries.removeAll(keepingCapacity: true)
        inEntries.removeAll(keepingCapacity: true)
        propertyEntries.removeAll(keepingCapacity: true)
        bufferedBytes = 0
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

    /// The adjacency key (this end, type, other end, edge), big-endian.
    static func appendKey(_ e: AdjacencyEntry, _ k: inout [UInt8]) {
        k.appendBE(e.a); k.appendBE(e.type); k.appendBE(e.b); k.appendBE(e.edge)
    }

    /// Sorted entries 0..<count into one tree through its writer (chosen at the tree's first flush).
    private func write(_ slot: TreeSlot, count: Int, key: (Int, inout [UInt8]) -> Void,
                       value: (Int) -> [UInt8]) throws(SombraError) {
        guard count > 0 else { return }
        let pages = tx.pageTx
        var writer: TreeWriter
        if let existing = treeWriters.removeValue(forKey: slot) {
            writer = existing
        } else {
            var probe = BTree(root: pages.header.roots[slot.rawValue]).scanKeys(.all, in: pages)
            if try probe.next() != nil {
                writer = .inserts
            } else if slot == .nodes || slot == .edges {
                writer = .ascending(try BTreeBulkBuilder(in: pages))
            } else {
                writer = .runs([])
            }
        }
        switch writer {
        case .inserts:
            let tree = BTree(root: pages.header.roots[slot.rawValue])
            var k: [UInt8] = []
            for i in 0..<count {
                k.removeAll(keepingCapacity: true)
                key(i, &k)
                try tree.put(k, value(i), in: pages)
            }
        case .ascending(var builder):
            writer = .inserts   // drop the enum's reference so the builder's buffers stay unique
            for i in 0..<count { try builder.add(value: value(i)) { k in key(i, &k) } }
            writer = .ascending(builder)
        case .runs(var runs):
            var builder = try BTreeBulkBuilder(in: pages)
            for i in 0..<count { try builder.add(value: value(i)) { k in key(i, &k) } }
            runs.append(try builder.finish())
            writer = .runs(runs)
        }
        treeWriters[slot] = writer
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
        for sequence in [nodeIDs, edgeIDs] {
            if let next = sequence.next { tx.catalogCache[GraphKeys.counter(sequence.counter)] = next }
        }
        if nodeCountAdded > 0 { try tx.catalogAdd(GraphKeys.counter(Counter.nodeCount), Int64(clamping: nodeCountAdded)) }
        if edgeCountAdded > 0 { try tx.catalogAdd(GraphKeys.counter(Counter.edgeCount), Int64(clamping: edgeCountAdded)) }
        for (label, n) in labelCountsAdded { try tx.catalogAdd(GraphKeys.labelCount(label), Int64(clamping: n)) }
        for (type, n) in typeCountsAdded { try tx.catalogAdd(GraphKeys.typeCount(type), Int64(clamping: n)) }
        nodeCountAdded = 0
        edgeCountAdded = 0
        labelCountsAdded.removeAll()
        typeCountsAdded.removeAll()
    }
}
