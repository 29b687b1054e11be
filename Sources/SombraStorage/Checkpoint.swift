// Checkpoint: copies committed log frames into the database file and restarts the log when it can.
//
// Steps (Docs/DESIGN.md, "Checkpoint"), all under the writer gate:
//   1. limit  = newest commit frame no live reader is older than (readers of an earlier log generation
//               hold the limit at 0: they read the database file);
//   2. sync   the log (unless syncMode is off), so the file never holds a page the log might lose;
//   3. grow   the file to the limit's page count, in chunks (a size change is synced with the data);
//   4. copy   for each page, its newest frame <= limit, into the file (from the cache when the frame is
//             cached, else read back from the log);
//   5. sync   the file; then record `backfilledFrame = limit`, and refile each copied frame's cache entry as
//             the page's file version (the file now holds exactly those bytes) or drop the stale file version;
//   6. restart the log (new header: salt and generation; the file keeps its length, up to
//      `logBytesKeptMax`, and is overwritten from frame 1 by the next commits) when every committed frame
//      is in the file and every live reader is at the newest commit.
// A crash anywhere leaves the log intact until step 6, and step 6 only discards frames already in a synced
// file, so a checkpoint is always safe to redo. The log sync of step 2 is skipped when commits' syncs
// already covered the newest commit (full mode). Step 6 syncs the new header before the next commit may
// overwrite old frames (the file's size does not change, so that sync is a cheap one).
// Pages a large transaction wrote straight into the file (PagerDirect.swift) have no frames: nothing to copy.
import SombraFormat
import SombraIO

public struct CheckpointResult: Sendable, Equatable {
    public var framesBackfilled: Int
    public var pagesWritten: Int
    public var logRestarted: Bool
}

extension Pager {
    /// Runs a checkpoint now (waits for the current writer to finish).
    @discardableResult
    public func checkpoint() throws(SombraError) -> CheckpointResult {
        guard !options.readOnly else { throw .readOnly }
        try gate.acquire()
        defer { gate.release() }
        if let p = state.withLock({ $0.poisoned }) { throw .poisoned(reason: p) }
        return try checkpointHoldingGate(ignoreReaders: false)
    }

    func checkpointHoldingGate(ignoreReaders: Bool) throws(SombraError) -> CheckpointResult {
        guard let wal else { return CheckpointResult(framesBackfilled: 0, pagesWritten: 0, logRestarted: false) }
        // 1. limit
        let (limit, start, snap) = state.withLock { s -> (UInt32, UInt32, Snapshot) in
            var limit = s.committed.frameLimit
            if !ignoreReaders {
                for r in s.readers.values {
                    limit = min(limit, r.generation == s.committed.generation ? r.frameLimit : 0)
                }
            }
            return (s.index.commitFrame(atOrBefore: limit), s.backfilledFrame, s.committed)
        }
        var pagesWritten = 0
        if limit > start {
            let syncing = options.syncMode != .off
            do throws(SombraError) {
                // 2. sync the log, unless a commit's sync already covered every frame up to the newest commit
                let position = UInt64(snap.generation) << 32 | UInt64(snap.frameLimit)
                if syncing, groupCommit.syncedPosition < position {
                    try syncLog(wal)
                    groupCommit.noteSynced(position)
                }
            } catch {
                poison(error)
                throw error
            }
            let work = state.withLock { $0.index.pagesToBackfill(after: start, upTo: limit) }
            let pageCount = state.withLock { $0.index.pageCount(atCommitFrame: limit) } ?? snap.header.pageCount
            // 3. grow
            let needed = pageCount * UInt64(pageSize)
            let fileSize = try db.size()
            if fileSize < needed {
                let chunk = UInt64(max(1, options.growthChunkPages) * pageSize)
                try db.truncate(to: (needed + chunk - 1) / chunk * chunk)
            }
            // 4. copy
            for (page, frame) in work {
                let key = CacheKey(page: page, generation: snap.generation, frame: frame)
                var bytes = state.withLock { $0.cache.peek(key) }
                if bytes == nil { bytes = try logImage(page, frame: frame, snapshot: snap) }
                guard let bytes else {
                    throw .corruptWAL(reason: "frame \(frame) no longer holds page \(page.rawValue)")
                }
                try db.write(bytes, at: page.rawValue * UInt64(pageSize))
            }
            // 5. sync the file
            do throws(SombraError) {
                if syncing { try db.sync() }
            } catch {
                poison(error)
                throw error
            }
            pagesWritten = work.count
            state.withLock { s in
                s.backfilledFrame = limit
                s.checkpoints += 1
                // A reader of this generation that still wants a refiled frame reads it from the log again.
                for (page, frame) in work {
                    let fileVersion = CacheKey(page: page)
                    if !s.cache.rekey(CacheKey(page: page, generation: snap.generation, frame: frame), to: fileVersion) {
                        s.cache.remove(fileVersion)
                    }
                }
            }
        }
        // 6. restart
        let restarted = try restartLogIfPossible(ignoreReaders: ignoreReaders)
        return CheckpointResult(framesBackfilled: Int(limit > start ? limit - start : 0), pagesWritten: pagesWritten,
                                logRestarted: restarted)
    }

    /// Restarts the log if every committed frame is in the file and no live reader needs the log.
    /// Must hold the writer gate.
    func restartLogIfPossible(ignoreReaders: Bool = false) throws(SombraError) -> Bool {
        guard let wal else { return false }
        let ready = state.withLock { s -> Bool in
            guard s.committed.frameLimit > 0, s.backfilledFrame == s.committed.frameLimit else { return false }
            if ignoreReaders { return true }
            return s.readers.values.allSatisfy {
                $0.generation == s.committed.generation && $0.frameLimit == s.committed.frameLimit
            }
        }
        guard ready else { return false }
        let generation = wal.header.generation &+ 1
        let salt = Pager.randomSalt()
        do throws(SombraError) {
            // The new header is synced before any frame of the new generation overwrites an old one: a crash
            // then leaves either the old log whole (all of it already in the file) or the new header, never
            // the old header over a partly overwritten old log (a log older than the file, refused at open).
            // The file keeps its length, so this sync of a 48-byte overwrite changes no file size.
            try wal.restart(generation: generation, salt: salt, keepBytes: options.logBytesKept, sync: false)
            if options.syncMode != .off { try syncLog(wal) }
        } catch {
            poison(error)
            throw error
        }
        state.withLock { s in
            s.index.removeAll()
            s.backfilledFrame = 0
            s.logEnd = UInt64(WALHeader.size)
            s.headerImage = nil
            s.walRestarts += 1
            s.committed = Snapshot(header: s.committed.header, frameLimit: 0, generation: generation, salt: salt)
            s.chainChecksum = wal.header.chainSeed
        }
        return true
    }

    /// Checkpoints everything, removes the log and closes the files. Live readers see `.closed` afterwards.
    public func close() throws(SombraError) {
        if state.withLock({ $0.closed }) { return }
        var failure: SombraError? = nil
        if !options.readOnly {
            do throws(SombraError) {
                try gate.acquire()
            } catch {
                throw error
            }
            if state.withLock({ $0.poisoned }) == nil, wal != nil {
                do throws(SombraError) {
                    let r = try checkpointHoldingGate(ignoreReaders: true)
                    let empty = state.withLock { $0.committed.frameLimit == 0 }
                    if empty || r.logRestarted {
                        wal?.file.close()
                        try fileSystem.remove(walPath)
                        if options.syncMode != .off { try fileSystem.syncDirectory(containing: walPath) }
                    }
                } catch {
                    failure = error
                }
            }
            state.withLock { $0.closed = true }
            wal?.file.close()
            db.close()
            gate.release()
        } else {
            state.withLock { $0.closed = true }
            wal?.file.close()
            db.close()
        }
        if let failure { throw failure }
    }
}
