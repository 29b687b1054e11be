// Sync counts (Docs/DESIGN.md, "Sync modes"): a durable single-page commit costs exactly one log sync and
// no database-file or directory sync; `normal` mode costs none at commit; group commit lets concurrent
// committers share log syncs. Counted by the simulated file system's per-path sync counters.
import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

/// A file system in front of a SimulatedFileSystem for the group-commit test. Workers commit in rounds (one
/// commit each per round, a barrier between rounds); once armed, a log `sync()` returns only when every
/// commit frame of the current round is written and published -- as a real fsync, taking milliseconds,
/// lets the other committers append meanwhile. Deterministic, no sleeps: waiting is on semaphores, plus a
/// yielding spin for the moment between a commit frame's write and its publication (which waits on nothing).
final class RoundSyncFileSystem: FileSystem, Sendable {
    struct State {
        var armed = false
        var workers = 0
        var commitFramesWritten = 0
        /// Frame number of the newest commit frame written.
        var lastCommitFrame: UInt32 = 0
        /// The number of the frame that a write at each log offset starts (frames are variable in size:
        /// numbered by following the writes; a header write starts a new generation at frame 1).
        var frameAt: [UInt64: UInt32] = [UInt64(WALHeader.size): 1]
        var waiters: [DispatchSemaphore] = []
        /// Barrier between rounds.
        var arrived = 0
        var round = 0
        var roundWaiters: [DispatchSemaphore] = []
    }

    let base: SimulatedFileSystem
    let state = Mutex(State())
    /// The pager's committed frame limit (set before arming).
    let publishedFrame = Mutex<(@Sendable () -> UInt32)?>(nil)

    init(base: SimulatedFileSystem) { self.base = base }

    func arm(workers: Int) { state.withLock { $0.armed = true; $0.workers = workers; $0.commitFramesWritten = 0 } }

    /// Numbers the frames of a log write (`bytes` at `offset`); returns the commit frame's number when the
    /// write ends in one.
    func numberFrames(_ bytes: [UInt8], at offset: UInt64) -> UInt32? {
        state.withLock { s -> UInt32? in
            if offset == 0 {
                s.frameAt = [UInt64(WALHeader.size): 1]
                s.lastCommitFrame = 0
                return nil
            }
            guard let first = s.frameAt[offset] else { return nil }
            let frames = WALFrameHeader.layout(of: [UInt8](repeating: 0, count: WALHeader.size) + bytes, pageSize: 4096)
            guard let last = frames.last else { return nil }
            s.frameAt[offset + UInt64(bytes.count)] = first + UInt32(frames.count)
            let lastIsCommit = bytes.loadLE(UInt64.self, at: last.offset - WALHeader.size + 16) != 0
            return lastIsCommit ? first + UInt32(frames.count) - 1 : nil
        }
    }

    func noteCommitFrame(_ frame: UInt32) {
        let waiters = state.withLock { s -> [DispatchSemaphore] in
            s.commitFramesWritten += 1
            s.lastCommitFrame = max(s.lastCommitFrame, frame)
            let w = s.waiters
            s.waiters.removeAll()
            return w
        }
        for w in waiters { w.signal() }
    }

    /// Blocks a log sync until the current round's commit frames are all written and published.
    func waitForRound() {
        while true {
            let sem = state.withLock { s -> DispatchSemaphore? in
                if !s.armed || s.commitFramesWritten % s.workers == 0 { return nil }
                let sem = DispatchSemaphore(value: 0)
                s.waiters.append(sem)
                return sem
            }
            guard let sem else { break }
            sem.wait()
        }
        guard let published = publishedFrame.withLock({ $0 }) else { return }
        while published() < state.withLock({ $0.lastCommitFrame }) { sched_yield() }
    }

    /// The barrier at the end of a round.
    func finishRound() {
        let (sem, release) = state.withLock { s -> (DispatchSemaphore?, [DispatchSemaphore]) in
            s.arrived += 1
            if s.arrived == s.workers {
                s.arrived = 0
                s.round += 1
                let r = s.roundWaiters
                s.roundWaiters.removeAll()
                return (nil, r)
            }
            let sem = DispatchSemaphore(value: 0)
            s.roundWaiters.append(sem)
            return (sem, [])
        }
        for r in release { r.signal() }
        sem?.wait()
    }

    func open(_ path: String, mode: OpenMode) throws(SombraError) -> any StorageFile {
        let f = try base.open(path, mode: mode)
        return path.hasSuffix("-wal") ? RoundSyncLogFile(inner: f, fs: self) : f
    }
    func exists(_ path: String) -> Bool { base.exists(path) }
    func isDirectory(_ path: String) -> Bool { base.isDirectory(path) }
    func remove(_ path: String) throws(SombraError) { try base.remove(path) }
    func rename(_ from: String, to: String) throws(SombraError) { try base.rename(from, to: to) }
    func syncDirectory(containing path: String) throws(SombraError) { try base.syncDirectory(containing: path) }
}

final class RoundSyncLogFile: StorageFile, Sendable {
    let inner: any StorageFile
    let fs: RoundSyncFileSystem
    init(inner: any StorageFile, fs: RoundSyncFileSystem) {
        self.inner = inner
        self.fs = fs
    }
    var path: String { inner.path }
    func read(at offset: UInt64, count: Int) throws(SombraError) -> [UInt8] { try inner.read(at: offset, count: count) }
    func write(_ bytes: [UInt8], at offset: UInt64) throws(SombraError) {
        try inner.write(bytes, at: offset)
        // A write ending in a commit frame (non-zero commit page count) is a committer's last append.
        if let frame = fs.numberFrames(bytes, at: offset) { fs.noteCommitFrame(frame) }
    }
    func size() throws(SombraError) -> UInt64 { try inner.size() }
    func truncate(to size: UInt64) throws(SombraError) { try inner.truncate(to: size) }
    func sync() throws(SombraError) {
        fs.waitForRound()
        try inner.sync()
    }
    func lock(_ kind: FileLockKind) throws(SombraError) { try inner.lock(kind) }
    func close() { inner.close() }
}

@Suite("Sync counts")
struct SyncCountTests {
    /// Log syncs, file syncs, directory syncs and log writes of one single-page commit in `mode`.
    static func singlePageCommit(_ mode: SyncMode) throws -> (log: Int, file: Int, directory: Int, logWrites: Int) {
        let fs = SimulatedFileSystem()
        let pager = try Pager.open(path: dbPath, options: durabilityOptions(mode), fileSystem: fs)
        var tx = try pager.beginWrite()
        let page = try tx.allocate(.btreeLeaf)
        try writeModelPayload(tx, page, 1)
        try tx.commit()
        fs.resetCounters()
        tx = try pager.beginWrite()
        try writeModelPayload(tx, page, 2)
        try tx.commit()
        let c = fs.counters
        try pager.close()
        return (c.syncs(walPath), c.syncs(dbPath), c.directorySyncs, c.writes(walPath))
    }

    @Test("a durable single-page commit costs exactly one log sync and no file or directory sync; normal mode none")
    func singleCommitSyncs() throws {
        let full = try Self.singlePageCommit(.full)
        let group = try Self.singlePageCommit(.groupCommit)
        let normal = try Self.singlePageCommit(.normal)
        print("commit-syncs: full-log-syncs: \(full.log) full-file-syncs: \(full.file) full-dir-syncs: \(full.directory) full-log-writes: \(full.logWrites) group-log-syncs: \(group.log) normal-log-syncs: \(normal.log)")
        #expect(full.log == 1 && full.file == 0 && full.directory == 0)
        #expect(full.logWrites == 2)  // the page frame, then the commit frame
        #expect(group.log == 1 && group.file == 0)
        #expect(normal.log == 0 && normal.file == 0)
    }

    @Test("group commit: 4 threads of 50 commits share log syncs, and every commit is durable when it returns")
    func groupCommitSharesSyncs() throws {
        let base = SimulatedFileSystem()
        let fs = RoundSyncFileSystem(base: base)
        let pager = try Pager.open(path: dbPath, options: durabilityOptions(.groupCommit), fileSystem: fs)
        let threads = 4, commitsEach = 50
        let setup = try pager.beginWrite()
        var allocated: [PageID] = []
        for _ in 0..<threads { allocated.append(try setup.allocate(.btreeLeaf)) }
        try setup.commit()
        let pages = allocated
        fs.publishedFrame.withLock { $0 = { pager.committedSnapshot.frameLimit } }
        base.resetCounters()
        fs.arm(workers: threads)
        let failures = Mutex<[String]>([])
        let notDurable = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        for worker in 0..<threads {
            // Real threads: a dispatch pool on a 2-core machine would run only two workers at a time.
            Thread {
                defer { done.signal() }
                for i in 1...commitsEach {
                    do throws(SombraError) {
                        let tx = try pager.beginWrite()
                        try writeModelPayload(tx, pages[worker], UInt64(i))
                        let id = try tx.commit()
                        // Returned, so durable: the log's durable bytes hold the commit (power loss keeps it).
                        if !Self.logHoldsCommit(base.durableContents(of: walPath) ?? [], txID: id.rawValue) {
                            notDurable.add(1, ordering: .relaxed)
                        }
                    } catch {
                        failures.withLock { $0.append("worker \(worker) commit \(i): \(error)") }
                    }
                    fs.finishRound()
                }
            }.start()
        }
        for _ in 0..<threads { done.wait() }
        let logSyncs = base.counters.syncs(walPath)
        let commits = threads * commitsEach
        let r = try pager.beginRead()
        var finalValues: [UInt64] = []
        for p in pages { finalValues.append(try r.page(p).loadLE(UInt64.self, at: 16)) }
        r.end()
        try pager.close()
        print("group-commit: threads: \(threads) commits: \(commits) log-syncs: \(logSyncs) not-durable-on-return: \(notDurable.load(ordering: .relaxed))")
        for f in failures.withLock({ $0 }) { Issue.record(Comment(rawValue: f)) }
        #expect(failures.withLock { $0.isEmpty })
        #expect(finalValues == Array(repeating: UInt64(commitsEach), count: threads))
        #expect(logSyncs < commits)
        #expect(logSyncs > 0)
        #expect(notDurable.load(ordering: .relaxed) == 0)
    }

    /// True if `log` holds a commit frame of transaction `txID` (frame headers scanned, no checksum check:
    /// the durable bytes are what a power loss would keep; recovery is tested elsewhere).
    static func logHoldsCommit(_ log: [UInt8], txID: UInt64) -> Bool {
        WALFrameHeader.layout(of: log, pageSize: 4096).contains { f in
            log.loadLE(UInt64.self, at: f.offset + 8) == txID && log.loadLE(UInt64.self, at: f.offset + 16) != 0
        }
    }
}
