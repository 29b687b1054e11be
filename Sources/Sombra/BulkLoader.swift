// BulkLoader: the fast path for loading a large graph in one transaction.
//
// Records and index entries are buffered in memory and written in key order when the buffer passes its
// bound and at the end (BulkLoaderFlush). Everything else (validation, ids, counts, names) is exactly what
// `createNode`/`createEdge` do; only the bookkeeping is cheaper: ids are taken from a local copy of the
// id counters, counts are added up in plain integers, and names already seen in this load are looked up
// in small local maps. All of it is written back to the transaction's catalog at every flush.
//
// Invariants:
//  1. The loader owns its write transaction: nothing else reads or writes through it while loading, so the
//     half-built trees are never observed. The load commits as one transaction when `body` returns.
//  2. Any error aborts the whole load (the transaction rolls back); nothing of it is ever visible.
//  3. Buffers never exceed `bufferBytesMax` by more than one record.
//  4. Ids, counts and names are those the transaction would give: an id is taken at the same point of
//     `addNode`/`addEdge` as `tx.nextID` took it, a count moves at the same point as `tx.catalogAdd` moved
//     it, and a name is interned through `tx.intern` the first time the loader meets it. Local counters
//     are in the catalog cache after every flush (`publishCounters`), so the commit writes them.
import SombraFormat
import SombraIndex
import SombraStorage

public final class BulkLoader {
    let tx: WriteTransaction
    let bufferBytesMax: Int
    var nodeRecords: [(UInt64, [UInt8])] = []
    var edgeRecords: [(UInt64, [UInt8])] = []
    var labelEntries: [(label: UInt32, node: UInt64)] = []
    var outEntries: [AdjacencyEntry] = []
    var inEntries: [AdjacencyEntry] = []
    var propertyEntries: [([UInt8], [UInt8])] = []
    var bufferedBytes = 0
    /// How each tree is being written (BulkLoaderFlush), decided at its first flush.
    var treeWriters: [TreeSlot: TreeWriter] = [:]
    /// Nodes created by this loader are ids firstNode..<nextNode (none is deleted while loading).
    private var firstNode: UInt64 = 0
    private var nextNode: UInt64 = 0
    public private(set) var nodesAdded = 0
    public private(set) var edgesAdded = 0

    /// The next value of the node and edge id counters (read from the catalog at first use), and the counts
    /// added since the last flush.
    var nodeIDs = LocalSequence(Counter.nextNode)
    var edgeIDs = LocalSequence(Counter.nextEdge)
    var nodeCountAdded: UInt64 = 0
    var edgeCountAdded: UInt64 = 0
    var labelCountsAdded: [UInt32: UInt64] = [:]
    var typeCountsAdded: [UInt32: UInt64] = [:]
    /// Names interned by this loader, per kind (each was validated as that kind when first met).
    private var labelIDs: [String: UInt32] = [:]
    private var propertyKeyIDs: [String: UInt32] = [:]
    private var typeIDs: [String: UInt32] = [:]
    private var lastType: (name: String, id: UInt32)? = nil

    struct AdjacencyEntry: Comparable {
        var a: UInt64, type: UInt32, b: UInt64, edge: UInt64
        static func < (x: AdjacencyEntry, y: AdjacencyEntry) -> Bool {
            (x.a, x.type, x.b, x.edge) < (y.a, y.type, y.b, y.edge)
        }
    }

    /// A sequence counter of the catalog, taken locally during the load.
    struct LocalSequence {
        let counter: String
        var next: UInt64? = nil
        init(_ counter: String) { self.counter = counter }
    }

    init(tx: WriteTransaction, bufferBytesMax: Int) {
        self.tx = tx
        self.bufferBytesMax = max(bufferBytesMax, 1 << 20)
    }

    /// Adds a node; returns its id.
    @discardableResult
    public func addNode(labels: [String] = [], properties: [String: Value] = [:]) throws(SombraError) -> NodeID {
        for l in labels where labelIDs[l] == nil { try tx.validateName(l, "label") }
        for (k, v) in properties {
            if propertyKeyIDs[k] == nil { try tx.validateName(k, "property key") }
            try tx.validateValue(v, key: k)
        }
        try precheckIndexable(labels: labels, properties: properties)
        let raw = try takeID(&nodeIDs)
        if nextNode == 0 { firstNode = raw }
        nextNode = raw + 1
        var labelList: [UInt32] = []
        labelList.reserveCapacity(labels.count)
        for l in labels { labelList.append(try intern(l, "label", &labelIDs)) }
        var props: [Property] = []
        props.reserveCapacity(properties.count)
        for (k, v) in properties { props.append(Property(key: try intern(k, "property key", &propertyKeyIDs), value: v)) }
        let record = try NodeRecord(labels: labelList, properties: props)
        try tx.checkIndexable(record)
        let bytes = try tx.encodeChecked(record)
        nodeRecords.append((raw, bytes))
        bufferedBytes += bytes.count + 48
        for l in record.labels {
            labelEntries.append((l, raw))
            labelCountsAdded[l, default: 0] += 1
            bufferedBytes += 16
        }
        if !tx.indexesByLabel.isEmpty {
            for (key, value) in try tx.indexEntries(NodeID(raw), record) {
                propertyEntries.append((key, value))
                bufferedBytes += key.count + 64
            }
        }
        nodeCountAdded += 1
        nodesAdded += 1
        try flushIfFull()
        return NodeID(raw)
    }

    /// Adds an edge between two nodes that exist (created by this loader or before it).
    @discardableResult
    public func addEdge(from source: NodeID, to target: NodeID, type: String,
                        properties: [String: Value] = [:]) throws(SombraError) -> EdgeID {
        let knownType: UInt32?
        let sameTypeAsLast = lastType?.name == type
        if sameTypeAsLast, let lastType {
            knownType = lastType.id
        } else {
            knownType = typeIDs[type]
        }
        if knownType == nil { try tx.validateName(type, "edge type") }
        for (k, v) in properties {
            if propertyKeyIDs[k] == nil { try tx.validateName(k, "property key") }
            try tx.validateValue(v, key: k)
        }
        try checkNodeExists(source)
        try checkNodeExists(target)
        let raw = try takeID(&edgeIDs)
        let typeID: UInt32
        if let knownType { typeID = knownType } else { typeID = try intern(type, "edge type", &typeIDs) }
        if !sameTypeAsLast { lastType = (type, typeID) }
        var props: [Property] = []
        props.reserveCapacity(properties.count)
        for (k, v) in properties { props.append(Property(key: try intern(k, "property key", &propertyKeyIDs), value: v)) }
        let bytes = try tx.encodeChecked(try EdgeRecord(source: source.rawValue, target: target.rawValue, type: typeID, properties: props))
        edgeRecords.append((raw, bytes))
        outEntries.append(AdjacencyEntry(a: source.rawValue, type: typeID, b: target.rawValue, edge: raw))
        inEntries.append(AdjacencyEntry(a: target.rawValue, type: typeID, b: source.rawValue, edge: raw))
        bufferedBytes += bytes.count + 48 + 2 * MemoryLayout<AdjacencyEntry>.stride
        typeCountsAdded[typeID, default: 0] += 1
        edgeCountAdded += 1
        edgesAdded += 1
        try flushIfFull()
        return EdgeID(raw)
    }

    private func checkNodeExists(_ n: NodeID) throws(SombraError) {
        guard !(n.rawValue >= firstNode && n.rawValue < nextNode) else { return }
        guard try tx.nodeExistsInTrees(n) else { throw .nodeNotFound(n.rawValue) }
    }

    /// `tx.precheckIndexable` with the loader's known names looked up locally.
    private func precheckIndexable(labels: [String], properties: [String: Value]) throws(SombraError) {
        guard !tx.indexesByLabel.isEmpty else { return }
        for label in labels {
            guard let l = try existingID(label, labelIDs), let decls = tx.indexesByLabel[l] else { continue }
            for (key, value) in properties {
                guard let k = try existingID(key, propertyKeyIDs), decls.contains(where: { $0.key == k }) else { continue }
                try tx.validateIndexable(value, key: key)
            }
        }
    }

    private func existingID(_ name: String, _ known: [String: UInt32]) throws(SombraError) -> UInt32? {
        if let id = known[name] { return id }
        return try tx.existingID(name)
    }

    /// The id of `name` through `tx.intern`, remembered in `known` for the rest of the load.
    private func intern(_ name: String, _ what: String, _ known: inout [String: UInt32]) throws(SombraError) -> UInt32 {
        if let id = known[name] { return id }
        let id = try tx.intern(name, what)
        known[name] = id
        return id
    }

    /// `tx.nextID` on the local copy of the counter (the same checks, the same values).
    private func takeID(_ sequence: inout LocalSequence) throws(SombraError) -> UInt64 {
        let v: UInt64
        if let next = sequence.next {
            v = next
        } else {
            v = max(try tx.catalogGet(GraphKeys.counter(sequence.counter)), 1)
        }
        guard v < UInt64.max - 1 else { throw .invalidArgument("\(sequence.counter) ids are exhausted") }
        sequence.next = v + 1
        return v
    }

    private func flushIfFull() throws(SombraError) {
        if bufferedBytes >= bufferBytesMax { try flush() }
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
            try tx.mutate { () throws(SombraError) in try loader.finish() }
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
