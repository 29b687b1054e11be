// Pager: one open database file and its log; the committed state, the page cache and the reader table.
// Layer: storage. Calls the file seam; called by transactions, B+trees and the graph facade.
//
// Reading (SQLite-style WAL snapshots): a snapshot is the committed state at some commit frame F of the
// log. A page's version in that snapshot is its newest committed log frame <= F, or else the database
// file's copy. Checkpoints copy frames into the file only up to the oldest live reader's F, so a reader's
// file-resident pages never change under it (Docs/DESIGN.md, "Snapshots").
//
// Invariants:
//  1. Every field of `PagerState` is read and written under `state`'s mutex; file I/O happens outside it
//     except where noted.
//  2. The committed snapshot changes only when a commit publishes (under the writer gate) or the log
//     restarts (under the writer gate, with every live reader at the newest commit).
//  3. Once `poisoned` is set the pager refuses write transactions until it is reopened.
//  4. A read-only pager never writes, truncates or syncs any file; it recovers the log in memory.
import Synchronization
import SombraFormat
import SombraIO

/// A consistent committed view: the header as of a commit and the log frames visible to it.
package struct Snapshot: Sendable {
    package var header: FileHeader
    package var frameLimit: UInt32
    package var generation: UInt32
    package var salt: UInt64
    package var txID: TxID { header.lastTxID }
}

struct ReaderSlot {
    var generation: UInt32
    var frameLimit: UInt32
}

struct PagerState {
    var cache: PageCache
    var index = WALIndex()
    var committed: Snapshot
    /// Chain checksum after the last commit frame (the next frame's seed).
    var chainChecksum: UInt32
    /// Frames 1...backfilledFrame of this generation are copied into the database file.
    var backfilledFrame: UInt32 = 0
    /// Byte offset just past the last commit frame: where the next transaction's frames go.
    var logEnd = UInt64(WALHeader.size)
    /// Page 0 as of the last commit frame of this generation (a delta commit frame's base); nil when the
    /// generation has no commit yet.
    var headerImage: [UInt8]? = nil
    var readers = ReaderTable()
    var poisoned: String? = nil
    var closed = false
    var checkpoints = 0
    var walRestarts = 0
    /// False while the log file this handle created has never been synced with its directory entry.
    var logEntryDurable = true
}

public struct PagerStats: Sendable {
    public var cache: CacheStats
    public var pageSize: Int
    public var pageCount: UInt64
    public var freePageCount: UInt64
    public var walFrames: UInt32
    public var walBackfilledFrames: UInt32
    public var walGeneration: UInt32
    public var activeReaders: Int
    public var checkpoints: Int
    public var walRestarts: Int
    public var lastTxID: UInt64
    public var poisoned: String?
}

public final class Pager: @unchecked Sendable {
    // @unchecked: immutable configuration plus `state` (a Mutex); `wal`'s header changes only under the gate.
    package let fileSystem: any FileSystem
    public let path: String
    package let options: PagerOptions
    public let pageSize: Int
    package let databaseID: [UInt8]
    let db: any StorageFile
    let wal: WALFile?
    let state: Mutex<PagerState>
    let gate = WriterGate()
    let groupCommit = GroupCommit()

    package var walPath: String { path + "-wal" }
    public var isReadOnly: Bool { options.readOnly }

    init(fileSystem: any FileSystem, path: String, options: PagerOptions, db: any StorageFile, wal: WALFile?,
         header: FileHeader, recovery: WALRecovery) {
        self.fileSystem = fileSystem
        self.path = path
        self.options = options
        self.pageSize = Int(header.pageSize)
        self.databaseID = header.databaseID
        self.db = db
        self.wal = wal
        let committed = Snapshot(header: recovery.header ?? header, frameLimit: recovery.lastCommitFrame,
                                 generation: wal?.header.generation ?? 0, salt: wal?.header.salt ?? 0)
        var s = PagerState(cache: PageCache(bytesMax: options.cacheBytesMax, pageSize: Int(header.pageSize)),
                           committed: committed,
                           chainChecksum: recovery.headerValid ? recovery.chainChecksum : (wal?.header.chainSeed ?? 0))
        s.index = recovery.index
        s.logEnd = recovery.headerValid ? recovery.logEnd : UInt64(WALHeader.size)
        s.headerImage = recovery.headerValid ? recovery.headerImage : nil
        self.state = Mutex(s)
    }

    // MARK: Snapshots and page reads

    package var committedSnapshot: Snapshot { state.withLock { $0.committed } }

    /// Reads `id` as of `snapshot` (cache, then the newest visible log frame, then the database file).
    package func readPage(_ id: PageID, snapshot: Snapshot) throws(SombraError) -> [UInt8] {
        guard id.rawValue < snapshot.header.pageCount else {
            throw .corruptPage(page: id.rawValue, reason: "page number is past the end of the database (\(snapshot.header.pageCount) pages)")
        }
        let (frame, key, cached) = try state.withLock { s throws(SombraError) -> (UInt32?, CacheKey, [UInt8]?) in
            if s.closed { throw SombraError.closed }
            let frame = s.committed.generation == snapshot.generation
                ? s.index.latest(id, atOrBefore: snapshot.frameLimit) : nil
            let key = CacheKey(page: id, generation: snapshot.generation, frame: frame ?? 0)
            return (frame, key, s.cache.lookup(key))
        }
        if let cached { return cached }
        var bytes: [UInt8]? = nil
        if let frame, wal != nil {
            bytes = try logImage(id, frame: frame, snapshot: snapshot)
            // A frame that no longer holds the page is fine only if the log was restarted meanwhile (every
            // frame of this snapshot is then in the file); otherwise the log was damaged under us, and
            // reading the file would silently return an older version.
            if bytes == nil, state.withLock({ $0.committed.generation }) == snapshot.generation {
                throw .corruptWAL(reason: "frame \(frame) no longer holds page \(id.rawValue)")
            }
        }
        let fromFile = bytes == nil
        if fromFile {
            bytes = try db.read(at: id.rawValue * UInt64(pageSize), count: pageSize)
        }
        guard let page = bytes, page.count == pageSize else {
            throw .corruptPage(page: id.rawValue, reason: "database file ends before this page")
        }
        if id == .header {
            _ = try FileHeader.decodePage(page)
        } else {
            _ = try PageHeader.verify(page, page: id, pageSize: pageSize)
        }
        let finalKey = fromFile ? CacheKey(page: id) : key
        state.withLock { _ = $0.cache.insert(finalKey, page) }
        return page
    }

    /// Page `id` as of its log frame `frame` of `snapshot`'s generation: read whole, or rebuilt from the
    /// page's whole frame (or a cached version after it) and the deltas up to `frame` (WALDelta.swift,
    /// invariant 3). Nil when the log restarted and a frame no longer holds the page. Not verified here.
    func logImage(_ id: PageID, frame: UInt32, snapshot: Snapshot) throws(SombraError) -> [UInt8]? {
        guard let wal else { return nil }
        let found = state.withLock { s -> ([(frame: UInt32, location: FrameLocation)], [UInt8]?)? in
            guard s.committed.generation == snapshot.generation else { return nil }
            var base: [UInt8]? = nil
            let chain = s.index.chain(id, to: frame) { f in
                base = s.cache.peek(CacheKey(page: id, generation: snapshot.generation, frame: f))
                return base != nil
            }
            return chain.map { ($0, base) }
        }
        guard let (chain, cachedBase) = found, let first = chain.first else {
            if state.withLock({ $0.committed.generation }) != snapshot.generation { return nil }
            throw .corruptWAL(reason: "the log index has no whole frame for page \(id.rawValue) before frame \(frame)")
        }
        var page: [UInt8]
        if let cachedBase {
            page = cachedBase
        } else {
            guard let whole = try wal.readWholePage(at: first.location, page: id, salt: snapshot.salt) else { return nil }
            page = whole
        }
        for (f, location) in chain.dropFirst() {
            guard let bytes = try wal.readFrame(at: location, page: id, salt: snapshot.salt) else { return nil }
            let payload = WALFrameHeader.size..<bytes.count
            guard WALDelta.apply(bytes, payload: payload, to: &page) else {
                throw .corruptWAL(reason: "frame \(f) holds a malformed delta of page \(id.rawValue)")
            }
        }
        return page
    }

    // MARK: Transactions

    /// Starts a read transaction at the newest committed snapshot. Never blocks on a writer.
    package func beginRead() throws(SombraError) -> PageReadTransaction {
        let (snap, id) = try registerReader()
        return PageReadTransaction(pager: self, snapshot: snap, readerID: id)
    }

    /// Takes a reader slot at the newest committed snapshot.
    private func registerReader() throws(SombraError) -> (Snapshot, UInt64) {
        try state.withLock { s throws(SombraError) -> (Snapshot, UInt64) in
            if s.closed { throw SombraError.closed }
            let id = s.readers.insert(ReaderSlot(generation: s.committed.generation, frameLimit: s.committed.frameLimit))
            return (s.committed, id)
        }
    }

    /// Takes a reader slot if the newest committed snapshot is still `snapshot` (a read transaction
    /// renewed); nil, taking nothing, when a commit or a log restart has moved it on.
    func registerReader(ifStillAt snapshot: Snapshot) throws(SombraError) -> UInt64? {
        try state.withLock { s throws(SombraError) -> UInt64? in
            if s.closed { throw SombraError.closed }
            let c = s.committed
            guard c.txID == snapshot.txID, c.generation == snapshot.generation, c.frameLimit == snapshot.frameLimit,
                  c.salt == snapshot.salt else { return nil }
            return s.readers.insert(ReaderSlot(generation: c.generation, frameLimit: c.frameLimit))
        }
    }

    func endRead(_ readerID: UInt64) {
        state.withLock { $0.readers.remove(readerID) }
    }

    /// Starts the write transaction, waiting for the current writer to finish.
    package func beginWrite() throws(SombraError) -> PageWriteTransaction {
        guard !options.readOnly else { throw .readOnly }
        try gate.acquire()
        do throws(SombraError) {
            try state.withLock { s throws(SombraError) in
                if s.closed { throw SombraError.closed }
                if let p = s.poisoned { throw SombraError.poisoned(reason: p) }
            }
            _ = try restartLogIfPossible()
            let (snap, chain, logEnd) = state.withLock { ($0.committed, $0.chainChecksum, $0.logEnd) }
            return PageWriteTransaction(pager: self, base: snap, chainChecksum: chain, logEnd: logEnd)
        } catch {
            gate.release()
            throw error
        }
    }

    /// Syncs the log; the first time, also the directory entry of a log this handle created (so a log
    /// created at open costs no sync until a commit needs it durable).
    /// The directory goes first, so that once the log sync returns, the log's bytes and its name are both durable.
    func syncLog(_ wal: WALFile) throws(SombraError) {
        let entryDurable = state.withLock { $0.logEntryDurable }
        if !entryDurable { try fileSystem.syncDirectory(containing: walPath) }
        try wal.file.sync()
        if !entryDurable { state.withLock { $0.logEntryDurable = true } }
    }

    // MARK: Poisoning

    func poison(_ error: SombraError) {
        state.withLock { s in if s.poisoned == nil { s.poisoned = error.description } }
    }

    public var poisonReason: String? { state.withLock { $0.poisoned } }

    // MARK: Introspection

    public var stats: PagerStats {
        state.withLock { s in
            PagerStats(cache: s.cache.stats, pageSize: pageSize, pageCount: s.committed.header.pageCount,
                       freePageCount: s.committed.header.freePageCount, walFrames: s.committed.frameLimit,
                       walBackfilledFrames: s.backfilledFrame, walGeneration: s.committed.generation,
                       activeReaders: s.readers.count, checkpoints: s.checkpoints, walRestarts: s.walRestarts,
                       lastTxID: s.committed.header.lastTxID.rawValue, poisoned: s.poisoned)
        }
    }

    /// Runs `body` on the page cache under the state lock (tests and tools).
    package func withCache<R>(_ body: (inout PageCache) -> R) -> R { state.withLock { body(&$0.cache) } }
}
