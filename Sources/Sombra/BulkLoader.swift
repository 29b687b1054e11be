// BulkLoader: the fast path for loading a large graph in one transaction.
//
// Records and index entries are buffered in memory and written in key order when the buffer passes its
// bound and at the end: into an empty tree with a bottom-up bulk build (full pages, no descents), into a
// non-empty one with inserts in key order. Everything else (validation, ids, counts, names) is exactly what
// `createNode`/`createEdge` do.
//
// Invariants:
//  1. The loader owns its write transaction: nothing else reads or writes through it while loading, so the
//     half-built trees are never observed. The load commits as one transaction when `body` returns.
//  2. Any error aborts the whole load (the transaction rolls back); nothing of it is ever visible.
//  3. Buffers never exceed `bufferBytesMax` by more than one record.
import SombraFormat
import SombraIndex
import SombraStorage

public final class BulkLoader {
    let tx: WriteTransaction
    let bufferBytesMax: Int
    private var nodeRecords: [(UInt64, [UInt8])] = []
    private var edgeRecords: [(UInt64, [UInt8])] = []
    private var labelEntries: [(label: UInt32, node: UInt64)] = []
    private var outEntries: [AdjacencyEntry] = []
    private var inEntries: [AdjacencyEntry] = []
    private var propertyEntries: [([UInt8], [UInt8])] = []
    private var bufferedBytes = 0
    /// Nodes created by this loader are ids firstNode..<nextNode (none is deleted while loading).
    private var firstNode: UInt64 = 0
    private var nextNode: UInt64 = 0
    public private(set) var nodesAdded = 0
    public private(set) var edgesAdded = 0

    struct AdjacencyEntry: Comparable {
        var a: UInt64, type: UInt32, b: UInt64, edge: UInt64
        static func < (x: AdjacencyEntry, y: AdjacencyEntry) -> Bool {
            (x.a, x.type, x.b, x.edge) < (y.a, y.type, y.b, y.edge)
        }
    }

    init(tx: WriteTransaction, bufferBytesMax: Int) {
        self.tx = tx
        self.bufferBytesMax = max(bufferBytesMax, 1 << 20)
    }

    /// Adds a node; returns its id.
    @discardableResult
    public func addNode(labels: [String] = [], properties: [String: Value] = [:]) throws(SombraError) -> NodeID {
        for l in labels { try tx.validateName(l, "label") }
        try tx.precheck(properties)
        try tx.precheckIndexable(labels: labels, properties: properties)
        let raw = try tx.nextID(Counter.nextNode)
        if nextNode == 0 { firstNode = raw }
        nextNode = raw + 1
        var labelIDs: [UInt32] = []
        for l in labels { labelIDs.append(try tx.intern(l, "label")) }
        var props: [Property] = []
        for (k, v) in properties { props.append(Property(key: try tx.intern(k, "property key"), value: v)) }
        let record = try NodeRecord(labels: labelIDs, properties: props)
        try tx.checkIndexable(record)
        let bytes = try tx.encodeChecked(record)
        nodeRecords.append((raw, bytes))
        bufferedBytes += bytes.count + 48
        for l in record.labels {
            labelEntries.append((l, raw))
            try tx.catalogAdd(GraphKeys.labelCount(l), 1)
            bufferedBytes += 16
        }
        for (key, value) in try tx.indexEntries(NodeID(raw), record) {
            propertyEntries.append((key, value))
            bufferedBytes += key.count + 64
        }
        try tx.catalogAdd(GraphKeys.counter(Counter.nodeCount), 1)
        nodesAdded += 1
        try flushIfFull()
        return NodeID(raw)
    }

    /// Adds an edge between two nodes that exist (created by this loader or before it).
    @discardableResult
    public func addEdge(from source: NodeID, to target: NodeID, type: String,
                        properties: [String: Value] = [:]) throws(SombraError) -> EdgeID {
        try tx.validateName(type, "edge type")
        try tx.precheck(properties)
        for n in [source, target] where !(n.rawValue >= firstNode && n.rawValue < nextNode) {
            guard try tx.nodeExistsInTrees(n) else { throw .nodeNotFound(n.rawValue) }
        }
        let raw = try tx.nextID(Counter.nextEdge)
        let typeID = try tx.intern(type, "edge type")
        var props: [Property] = []
        for (k, v) in properties { props.append(Property(key: try tx.intern(k, "property key"), value: v)) }
        let bytes = try tx.encodeChecked(try EdgeRecord(source: source.rawValue, target: target.rawValue, type: typeID, properties: props))
        edgeRecords.append((raw, bytes))
        outEntries.append(AdjacencyEntry(a: source.rawValue, type: typeID, b: target.rawValue, edge: raw))
        inEntries.append(AdjacencyEntry(a: target.rawValue, type: typeID, b: source.rawValue, edge: raw))
        bufferedBytes += bytes.count + 48 + 2 * MemoryLayout<AdjacencyEntry>.stride
        try tx.catalogAdd(GraphKeys.typeCount(typeID), 1)
        try tx.catalogAdd(GraphKeys.counter(Counter.edgeCount), 1)
        edgesAdded += 1
        try flushIfFull()
        return EdgeID(raw)
    }

    private func flushIfFull() throws(SombraError) {
        if bufferedBytes >= bufferBytesMax { try flush() }
    }

    /// Writes every buffered record and index entry into its tree, in key order.
    func flush() throws(SombraError) {
        try write(.nodes, nodeRecords.lazy.map { (key: GraphKeys.id($0.0), value: $0.1) })
        try write(.edges, edgeRecords.lazy.map { (key: GraphKeys.id($0.0), value: $0.1) })
        labelEntries.sort { ($0.label, $0.node) < ($1.label, $1.node) }
        try write(.labels, labelEntries.lazy.map { (key: GraphKeys.label($0.label, $0.node), value: [UInt8]()) })
        outEntries.sort()
        try write(.outEdges, outEntries.lazy.map { (key: GraphKeys.adjacency($0.a, $0.type, $0.b, $0.edge), value: [UInt8]()) })
        inEntries.sort()
        try write(.inEdges, inEntries.lazy.map { (key: GraphKeys.adjacency($0.a, $0.type, $0.b, $0.edge), value: [UInt8]()) })
        propertyEntries.sort { KeyEncoding.compare($0.0, $1.0) < 0 }
        try write(.properties, propertyEntries.lazy.map { (key: $0.0, value: $0.1) })
        nodeRecords.removeAll(keepingCapacity: true)
        edgeRecords.removeAll(keepingCapacity: true)
        labelEntries.removeAll(keepingCapacity: true)
        outEntries.removeAll(keepingCapacity: true)
        inEntries.removeAll(keepingCapacity: true)
        propertyEntries.removeAll(keepingCapacity: true)
        bufferedBytes = 0
    }

    /// Sorted entries into one tree: a bulk build replacing an empty tree, else ordered inserts.
    private func write<S: Sequence>(_ slot: TreeSlot, _ sorted: S) throws(SombraError)
        where S.Element == (key: [UInt8], value: [UInt8]) {
        guard sorted.underestimatedCount > 0 else { return }
        let pages = tx.pageTx
        let tree = BTree(root: pages.header.roots[slot.rawValue])
        var probe = tree.scanKeys(.all, in: pages)
        if try probe.next() == nil {
            let built = try BTree.bulkBuild(sorted: sorted, in: pages)
            guard built.root != tree.root else { return }
            try tree.drop(in: pages)
            try pages.setRoot(slot.rawValue, built.root)
            tx.trees = GraphTrees(header: pages.header)
        } else {
            for (k, v) in sorted { try tree.put(k, v, in: pages) }
        }
    }
}

extension GraphDB {
    /// Loads a graph in one write transaction through a `BulkLoader`; commits when `body` returns and
    /// returns its result. Any error rolls the whole load back.
    ///
    ///     try db.bulkLoad { loader in
    ///         let a = try loader.addNode(labels: ["Person"], properties: ["name": "Ada"])
    ///         let b = try loader.addNode(labels: ["Person"])
    ///         try loader.addEdge(from: a, to: b, type: "KNOWS")
    ///     }
    public func bulkLoad<R>(bufferBytes: Int = 32 << 20, _ body: (BulkLoader) throws -> R) throws -> R {
        let tx = try beginWrite()
        do {
            let loader = BulkLoader(tx: tx, bufferBytesMax: bufferBytes)
            let result = try body(loader)
            try tx.mutate { () throws(SombraError) in try loader.flush() }
            try tx.commit()
            return result
        } catch {
            tx.rollback()
            throw error
        }
    }
}

extension WriteTransaction {
    /// Whether a node record exists in the trees (bypassing any loader buffer).
    func nodeExistsInTrees(_ id: NodeID) throws(SombraError) -> Bool {
        try t.nodes.contains(GraphKeys.id(id.rawValue), in: pageTx)
    }
}
