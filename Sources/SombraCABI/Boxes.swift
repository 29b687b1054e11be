// Boxes: what a database, transaction or iterator handle refers to, and the locks that make the
// thread-safety rules of sombra.h true. Layer: SombraCABI.
//
// Invariants:
//  1. Every use of a transaction, and every step of one of its iterators, happens under the transaction
//     box's lock, so the (single-threaded) transaction objects are never used by two threads at once.
//     Lock order: database box, then transaction box; never the reverse.
//  2. A database box lists the tokens of its open transactions; `closing` is set before sombra_close
//     ends them, and a transaction that begins while the database is closing is rolled back and refused.
//  3. Ending a transaction (commit, rollback, close) drops the transaction and every iterator cursor, but
//     keeps each iterator's borrowed type-name buffers until that iterator is freed.
//  4. Only a `.reached` source (sombra_query_bfs) has depths; `depths` is parallel to its node list, and
//     `IterState.lastDepth` is the depth of the node the last step returned (nil before the first).
import Sombra
import Synchronization

let databases = HandleTable<DBBox>(kind: .database)
let transactions = HandleTable<TxnBox>(kind: .transaction)
let iterators = HandleTable<IterBox>(kind: .iterator)

final class DBBox: Sendable {
    struct State {
        var closing = false
        var transactions: Set<UInt64> = []
    }

    let db: GraphDB
    let state = Mutex(State())

    init(_ db: GraphDB) { self.db = db }
}

/// What an iterator pulls from.
enum IterSource {
    case nodes(NodeIDCursor, remaining: Int)
    case nodeList([NodeID], next: Int)
    /// Nodes with their hop distance from a start (invariant 4).
    case reached([NodeID], depths: [UInt64], next: Int)
    case edges(EdgeCursor)
    case edgeIDs(EdgeIDCursor)
    case ended

    var yieldsEdges: Bool {
        switch self {
        case .edges, .edgeIDs: return true
        default: return false
        }
    }

    var hasDepths: Bool {
        if case .reached = self { return true }
        return false
    }
}

struct IterState {
    var source: IterSource
    /// Type names handed out as borrowed pointers (invariant 3).
    var typeNames: [String: CBuffer] = [:]
    /// The depth of the node last returned by a `.reached` source (invariant 4).
    var lastDepth: UInt64? = nil
}

final class TxnBox: Sendable {
    struct State {
        var tx: Transaction?
        var write: WriteTransaction?
        var iterators: [UInt64: IterState] = [:]
        var nextIterator: UInt64 = 1

        /// Drops the transaction and the iterator cursors (invariant 3).
        mutating func end() {
            tx = nil
            write = nil
            for k in Array(iterators.keys) { iterators[k]?.source = .ended }
        }
    }

    let database: DBBox
    let isWrite: Bool
    let state: Mutex<State>

    init(database: DBBox, read: sending ReadTransaction) {
        self.database = database
        self.isWrite = false
        self.state = Mutex(State(tx: read, write: nil))
    }

    init(database: DBBox, write: sending WriteTransaction) {
        self.database = database
        self.isWrite = true
        self.state = Mutex(State(tx: write, write: write))
    }
}

final class IterBox: Sendable {
    let txn: TxnBox
    let serial: UInt64
    let yieldsEdges: Bool
    let hasDepths: Bool

    init(txn: TxnBox, serial: UInt64, yieldsEdges: Bool, hasDepths: Bool) {
        self.txn = txn
        self.serial = serial
        self.yieldsEdges = yieldsEdges
        self.hasDepths = hasDepths
    }
}

// MARK: Access helpers

/// Runs `body` with the live transaction of `token`, under its lock (invariant 1).
func withTransaction<R: Sendable>(_ token: UInt64, _ body: (Transaction) throws -> R) throws -> R {
    let box = try transactions.get(token)
    return try box.state.withLock { s in
        guard let tx = s.tx else { throw SombraError.transactionEnded }
        return try body(tx)
    }
}

/// Runs `body` with the write transaction of `token`; a read transaction gives SOMBRA_WRITE_IN_READ_TXN.
func withWriter<R: Sendable>(_ token: UInt64, _ body: (WriteTransaction) throws -> R) throws -> R {
    let box = try transactions.get(token)
    return try box.state.withLock { s in
        guard s.tx != nil else { throw SombraError.transactionEnded }
        guard let w = s.write else { throw SombraError.writeInReadTransaction }
        return try body(w)
    }
}

/// Creates an iterator over what `make` returns, and its handle.
func makeIterator(_ token: UInt64, _ make: (Transaction) throws -> IterSource) throws -> UInt64 {
    let box = try transactions.get(token)
    let (serial, edges, depths) = try box.state.withLock { s in
        guard let tx = s.tx else { throw SombraError.transactionEnded }
        let source = try make(tx)
        let serial = s.nextIterator
        s.nextIterator += 1
        s.iterators[serial] = IterState(source: source)
        return (serial, source.yieldsEdges, source.hasDepths)
    }
    do {
        return try iterators.insert(IterBox(txn: box, serial: serial, yieldsEdges: edges, hasDepths: depths))
    } catch {
        box.state.withLock { _ = $0.iterators.removeValue(forKey: serial) }
        throw error
    }
}

/// Ends a transaction handle: commit (for a writer, when `commit` is true) or rollback/end, then
/// releases the handle. Returns the commit id (or the snapshot id of a read transaction).
func endTransaction(_ token: UInt64, commit: Bool) throws -> UInt64 {
    let box = try transactions.get(token)
    defer {
        _ = try? transactions.remove(token)
        box.database.state.withLock { _ = $0.transactions.remove(token) }
    }
    return try box.state.withLock { s in
        guard let tx = s.tx else { throw CABIError.misuse("transaction \(hex(token)) has already ended") }
        defer { s.end() }
        if let w = s.write {
            guard commit else {
                w.rollback()
                return 0
            }
            do {
                return try w.commit()
            } catch {
                w.rollback()
                throw error
            }
        }
        let snapshot = tx.snapshotID
        (tx as? ReadTransaction)?.end()
        return snapshot
    }
}
