// GraphImporter: creates the nodes and edges an import reads, resolving node keys from the file to node
// ids, in one write transaction (atomic: all or nothing) or, with a batch size, one transaction per batch.
//
// Invariants:
//  1. A node key names one node: a repeated key is an error; an edge naming an unknown key is held back
//     until the end of the input (nodes may come after their edges) and is an error only then.
//  2. With `keepIDs` node ids (and edge ids, when given) come from the file through the package-level
//     create-with-id path; otherwise the database chooses ids and keys map to them.
//  3. On any error the open transaction is rolled back; `finish` commits and then declares the indexes.
import Foundation
import Sombra

final class GraphImporter {
    let db: GraphDB
    let keepIDs: Bool
    let batchSize: Int
    let progress: ProgressLine
    private var tx: WriteTransaction? = nil
    private var opsInBatch = 0
    private var keys: [String: NodeID] = [:]
    private var heldEdges: [(id: UInt64?, type: String, start: String, end: String, properties: [String: Value], origin: String)] = []
    private var indexes: [(label: String, key: String)] = []
    private(set) var nodes = 0
    private(set) var edges = 0
    private(set) var indexesCreated = 0
    private(set) var warnings: [String] = []

    init(db: GraphDB, keepIDs: Bool, batchSize: Int, progress: ProgressLine) {
        self.db = db
        self.keepIDs = keepIDs
        self.batchSize = max(0, batchSize)
        self.progress = progress
    }

    func warn(_ w: String) { if warnings.count < 100 { warnings.append(w) } }

    private func transaction() throws -> WriteTransaction {
        if let tx, tx.isActive { return tx }
        let t = try db.beginWrite()
        tx = t
        return t
    }

    private func counted() throws {
        opsInBatch += 1
        progress.update("import", nodes + edges, 0)
        if batchSize > 0, opsInBatch >= batchSize, let t = tx {
            try t.commit()
            tx = nil
            opsInBatch = 0
        }
    }

    func declareIndex(label: String, key: String) {
        if !indexes.contains(where: { $0 == (label, key) }) { indexes.append((label, key)) }
    }

    func addNode(key: String?, id: UInt64?, labels: [String], properties: [String: Value], origin: String) throws {
        let t = try transaction()
        if let key, keys[key] != nil { throw couldNotRun("\(origin): node key \"\(key)\" appears twice") }
        let node: NodeID
        if keepIDs {
            guard let id else { throw couldNotRun("\(origin): --keep-ids needs a positive integer node id") }
            try t.createNode(id: NodeID(id), labels: labels, properties: properties)
            node = NodeID(id)
        } else {
            node = try t.createNode(labels: labels, properties: properties)
        }
        if let key { keys[key] = node }
        nodes += 1
        try counted()
    }

    /// The node a key names: one created by this import, or (with keepIDs) an existing node with that id.
    func node(forKey key: String) throws -> NodeID? {
        if let n = keys[key] { return n }
        if keepIDs, let id = UInt64(key), id > 0, try transaction().nodeExists(NodeID(id)) { return NodeID(id) }
        return nil
    }

    func addEdge(id: UInt64?, type: String, start: String, end: String, properties: [String: Value], origin: String) throws {
        guard let s = try node(forKey: start), let e = try node(forKey: end) else {
            heldEdges.append((id, type, start, end, properties, origin))
            return
        }
        try createEdge(id: id, s, e, type, properties)
    }

    private func createEdge(id: UInt64?, _ s: NodeID, _ e: NodeID, _ type: String, _ properties: [String: Value]) throws {
        let t = try transaction()
        if keepIDs, let id {
            try t.createEdge(id: EdgeID(id), from: s, to: e, type: type, properties: properties)
        } else {
            try t.createEdge(from: s, to: e, type: type, properties: properties)
        }
        edges += 1
        try counted()
    }

    /// Creates held-back edges, commits, then declares the indexes (each in its own transaction).
    func finish() throws {
        for h in heldEdges {
            guard let s = try node(forKey: h.start) else { throw couldNotRun("\(h.origin): no node has key \"\(h.start)\"") }
            guard let e = try node(forKey: h.end) else { throw couldNotRun("\(h.origin): no node has key \"\(h.end)\"") }
            try createEdge(id: h.id, s, e, h.type, h.properties)
        }
        heldEdges.removeAll()
        if let t = tx, t.isActive { try t.commit() }
        tx = nil
        for (label, key) in indexes {
            do {
                try db.write { tx in try tx.createIndex(label: label, key: key) }
                indexesCreated += 1
            } catch SombraError.indexExists {
                continue
            }
        }
    }

    func abort() {
        tx?.rollback()
        tx = nil
    }
}
