// ExportsTransactions: begin, commit, rollback, and the snapshot id of a transaction.
// Layer: SombraCABI. See sombra.h; the locking rules are in Boxes.swift.
//
// Invariants:
//  1. A new transaction is registered with its database under the database lock; if the database began
//     closing meanwhile, the transaction is rolled back and the call fails with SOMBRA_CLOSED.
//  2. Commit and rollback release the handle whatever their outcome.
import Sombra

/// Registers a freshly begun transaction (invariant 1).
func register(_ box: TxnBox, in db: DBBox) throws -> UInt64 {
    let token: UInt64
    do {
        token = try transactions.insert(box)
    } catch {
        box.state.withLock { s in
            s.write?.rollback()
            (s.tx as? ReadTransaction)?.end()
            s.end()
        }
        throw error
    }
    let accepted = db.state.withLock { s in
        if s.closing { return false }
        s.transactions.insert(token)
        return true
    }
    if !accepted {
        _ = try? endTransaction(token, commit: false)
        throw SombraError.closed
    }
    return token
}

func openDatabase(_ db: UInt64) throws -> DBBox {
    let box = try databases.get(db)
    if box.state.withLock({ $0.closing }) { throw SombraError.closed }
    return box
}

@c public func sombra_begin_read(_ db: UInt64, _ outTxn: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outTxn, "out_txn")
        let box = try openDatabase(db)
        let tx = try box.db.beginRead()
        unsafe o.pointee = try register(TxnBox(database: box, read: tx), in: box)
    }
}

@c public func sombra_begin_write(_ db: UInt64, _ outTxn: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outTxn, "out_txn")
        let box = try openDatabase(db)
        let tx = try box.db.beginWrite()
        unsafe o.pointee = try register(TxnBox(database: box, write: tx), in: box)
    }
}

@c public func sombra_commit(_ txn: UInt64, _ outCommitID: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let id = try endTransaction(txn, commit: true)
        unsafe store(outCommitID, id)
    }
}

@c public func sombra_rollback(_ txn: UInt64) -> Int32 {
    run { _ = try endTransaction(txn, commit: false) }
}

@c public func sombra_txn_snapshot_id(_ txn: UInt64, _ outID: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outID, "out_snapshot_id")
        unsafe o.pointee = try withTransaction(txn) { $0.snapshotID }
    }
}

@c public func sombra_txn_is_write(_ txn: UInt64, _ outIsWrite: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let o = try unsafe out(outIsWrite, "out_is_write")
        unsafe o.pointee = try transactions.get(txn).isWrite ? 1 : 0
    }
}
