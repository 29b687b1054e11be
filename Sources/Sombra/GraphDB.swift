// GraphDB: an open graph database file. One writer at a time, any number of concurrent readers.
//
//     let db = try GraphDB.open("social.sombra")
//     let alice = try db.write { tx in try tx.createNode(labels: ["Person"], properties: ["name": "Alice"]) }
//     let n = try db.read { tx in try tx.node(alice) }
//
// Invariants:
//  1. A read transaction sees one committed snapshot for its whole life and never waits for a writer.
//  2. Write transactions are serialized; `write { }` commits when the closure returns and rolls back when it
//     throws. A nested `write` on the same thread is a typed error, not a deadlock.
//  3. Opening never scans the graph: tree roots are in the file header.
//  4. `read { }` borrows an ended ReadTransaction (with its ReadSession) from `idleReads` and gives it
//     back only when it is referenced nowhere else (not kept by the body, nor by a cursor it returned), so
//     a session is never in two transactions (ReadSession, invariant 1). A pooled transaction holds its
//     GraphDB unowned (`keepAlive` is nil), so the pool makes no cycle; it is reused as is only while its
//     session keeps the same page transaction (the snapshot has not moved), else rebuilt on the session.
import Synchronization
import SombraFormat
import SombraIO
import SombraIndex
import SombraStorage

public final class GraphDB: Sendable {
    package let pager: Pager
    let names = NameCache()
    let indexDeclarations = IndexDeclarationCache()
    public let path: String
    /// Ended read transactions (each with its session) ready for the next `read { }` (at most
    /// `idleReadLimit`).
    private let idleReads = Mutex<[PooledRead]>([])
    private static let idleReadLimit = 8

    /// A pooled transaction. @unchecked: it is referenced by the pool alone (invariant 4), and the one
    /// thread that takes it out uses it.
    private struct PooledRead: @unchecked Sendable {
        let tx: ReadTransaction
    }

    init(pager: Pager, path: String) {
        self.pager = pager
        self.path = path
    }

    /// A handle dropped without `close()` is closed here (checkpoint errors are ignored: the log keeps
    /// every commit, and the next open recovers it). Transactions keep their database alive, so none is open.
    deinit { try? pager.close() }

    /// Opens the database at `path`, creating it unless `options.create` is false or it is read-only.
    public static func open(_ path: String, options: GraphOptions = GraphOptions()) throws(SombraError) -> GraphDB {
        try open(path: path, options: options, fileSystem: POSIXFileSystem())
    }

    /// Opens through a given file system (tests use the in-memory and simulated ones).
    package static func open(path: String, options: GraphOptions, fileSystem: any FileSystem) throws(SombraError) -> GraphDB {
        try PageSize.validate(options.pageSize)
        guard options.cacheBytes >= 0, options.checkpointThresholdBytes >= 0 else {
            throw .invalidArgument("cache and checkpoint sizes must not be negative")
        }
        let pager = try Pager.open(path: path, options: options.pagerOptions, fileSystem: fileSystem)
        if !options.readOnly, GraphTrees(header: pager.committedSnapshot.header) == nil {
            do throws(SombraError) {
                let w = try pager.beginWrite()
                _ = try GraphTrees.initialize(in: w)
                try w.commit()
            } catch {
                try? pager.close()
                throw error
            }
        }
        return GraphDB(pager: pager, path: path)
    }

    /// Checkpoints, removes the log and closes the file. Transactions still open afterwards fail with `.closed`.
    public func close() throws(SombraError) { try pager.close() }

    // MARK: Transactions

    public func beginRead() throws(SombraError) -> ReadTransaction {
        ReadTransaction(db: self, session: ReadSession(pages: try pager.beginRead()))
    }

    /// Starts the write transaction, waiting while another thread holds it.
    public func beginWrite() throws(SombraError) -> WriteTransaction {
        let w = try pager.beginWrite()
        do throws(SombraError) {
            return try WriteTransaction(db: self, pageTx: w)
        } catch {
            w.rollback()
            throw error
        }
    }

    /// Runs `body` in a read transaction at the newest committed snapshot.
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        var tx = try beginPooledRead()
        defer { endPooledRead(&tx) }
        return try body(tx)
    }

    /// A pooled read transaction renewed at the newest snapshot (the same object when its session kept its
    /// page transaction, else a new one on that session), or a new one on a new session.
    private func beginPooledRead() throws(SombraError) -> ReadTransaction {
        if let idle = idleReads.withLock({ $0.popLast() })?.tx {
            if try idle.session.renew() {
                idle.keepAlive = self
                return idle
            }
            return ReadTransaction(db: self, session: idle.session)
        }
        return try beginRead()
    }

    /// Ends `tx` and pools it, with its session, when nothing else holds it (invariant 4).
    private func endPooledRead(_ tx: inout ReadTransaction) {
        tx.end()
        guard isKnownUniquelyReferenced(&tx) else { return }
        tx.session.releaseWalkers()
        tx.keepAlive = nil
        let ended = PooledRead(tx: tx)
        idleReads.withLock { idle in
            if idle.count < Self.idleReadLimit { idle.append(ended) }
        }
    }

    /// Runs `body` in the write transaction; commits when it returns, rolls back when it throws.
    public func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        let tx = try beginWrite()
        do {
            let result = try body(tx)
            if tx.isActive { try tx.commit() }
            return result
        } catch {
            tx.rollback()
            throw error
        }
    }

    /// Copies the log into the database file now.
    @discardableResult
    public func checkpoint() throws(SombraError) -> CheckpointResult { try pager.checkpoint() }

    public var storageStats: PagerStats { pager.stats }
    public var pageSize: Int { pager.pageSize }
    public var isReadOnly: Bool { pager.isReadOnly }
}
