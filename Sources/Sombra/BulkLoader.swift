// BulkLoader: the fast path for loading a large graph in one transaction.
//
// Records and index entries are buffered in memory (BulkLoaderState) and written in key order when the
// buffer passes its bound and at the end (BulkLoaderFlush). Everything else (validation, ids, counts,
// names) is exactly what `createNode`/`createEdge` do; only the bookkeeping is cheaper: ids are taken from
// a local copy of the id counters, counts are added up in plain integers, and names already seen in this
// load are looked up in small local maps. All of it is written back to the transaction's catalog at every
// flush. The mutable state is one struct so that a call costs one exclusivity check, not one per field.
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
    /// The write transaction's dirty budget during a bulk load (see `GraphDB.bulkLoad`).
    static let dirtyBytesMax = 8 << 20
    var state = BulkLoaderState()
    /// How each tree is being written (BulkLoaderFlush), decided at its first flush.
    var treeWriters: [TreeSlot: TreeWriter] = [:]
    /// Flushes so far (the last one, from `finish`, included).
    var flushCount = 0

    public var nodesAdded: Int { state.nodesAdded }
    public var edgesAdded: Int { state.edgesAdded }

    init(tx: WriteTransaction, bufferBytesMax: Int) {
        self.tx = tx
        self.bufferBytesMax = max(bufferBytesMax, 1 << 20)
    }

    /// Adds a node; returns its id.
    @discardableResult
    public func addNode(labels: [String] = [], properties: [String: Value] = [:]) throws(SombraError) -> NodeID {
        let id = try state.addNode(labels: labels, properties: properties, tx: tx)
        if state.bufferedBytes >= bufferBytesMax { try flush() }
        return id
    }

    /// Adds an edge between two nodes that exist (created by this loader or before it).
    @discardableResult
    public func addEdge(from source: NodeID, to target: NodeID, type: String,
                        properties: [String: Value] = [:]) throws(SombraError) -> EdgeID {
        let id = try state.addEdge(from: source, to: target, type: type, properties: properties, tx: tx)
        if state.bufferedBytes >= bufferBytesMax { try flush() }
        return id
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
        // The loader writes each page once, in order: a small dirty budget keeps memory to the loader's
        // buffers plus the cache, and the pages go to the file (or log) as they are finished.
        tx.pageTx.dirtyBytesMax = min(tx.pageTx.dirtyBytesMax, BulkLoader.dirtyBytesMax)
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
