// PagerCommit: the commit protocol, as a list of named steps (Docs/DESIGN.md, "Commit"):
//   0. direct  a large transaction writes its fresh pages into the database file and syncs it
//              (DirectWrite.swift; a failure here is a clean rollback, a failed sync also poisons);
//   1. seal    every dirty page (txID, checksum) and build its frame: whole (checksum derived from the
//              seal) or a delta against the page's previous frame in this log generation; page 0 last as
//              the header with the new page count (a delta against the previous commit frame when it can);
//   2. append  the non-commit frames to the log (a failure here is a clean rollback: no commit frame exists);
//   3. commit  append the commit frame (page 0); from here on a failure leaves the outcome unknown -> poison;
//   4. sync    the log (full: now; groupCommit: after releasing the writer, shared with other committers;
//              normal/off: not at commit);
//   5. publish the frames into the index and the new committed snapshot (readers see it from now on),
//              and the pages into the cache (dropping the versions they supersede when no reader is live);
//   6. checkpoint if the log passed its threshold.
import SombraFormat
import SombraIO

extension Pager {
    func commit(_ tx: PageWriteTransaction) throws(SombraError) -> TxID {
        guard let wal else { throw .readOnly }
        // 0. direct: a large transaction's fresh pages go into the database file, synced (DirectWrite.swift)
        try tx.finishDirectPages()
        var header = tx.header
        header.lastTxID = tx.txID
        // 1. seal. A page whose previous version is a frame of this log generation (its image is the
        //    transaction's `originals` entry: the committed frame, or its own spill) is written as a delta
        //    against it while its chain stays within WALDelta.maxChain and the delta is under half a page;
        //    any other page is written whole (WALDelta.swift, FORMAT.md "Delta frames").
        var frames: [(PageID, [UInt8])] = []
        frames.reserveCapacity(tx.dirty.count + 1)
        var locations: [FrameLocation] = []
        locations.reserveCapacity(tx.dirty.count + 1)
        var body = wal.takeFrameBuffer()
        body.reserveCapacity(tx.dirty.count * wal.frameSize)
        var chain = tx.chainChecksum
        // Each page is moved out of `dirty` before it is sealed, so sealing does not copy it. Every path
        // from here either publishes or rolls back / fails, which clears `dirty` anyway. The seal is the
        // only pass over a whole page's bytes: its frame checksum is derived from it.
        var ids = Array(tx.dirty.keys)
        ids.sort()
        // A version 1 log (left by an older build) gets whole frames until its next restart makes it version 2.
        let deltas = options.deltaFrames && wal.header.version >= 2
        let (depths, headerDepth, headerBase) = state.withLock { s in
            (ids.map { !deltas ? nil : tx.spilled[$0] != nil ? 0 : s.index.latestDepth($0, atOrBefore: tx.base.frameLimit) },
             deltas ? s.index.latestDepth(.header, atOrBefore: tx.base.frameLimit) : nil, s.headerImage)
        }
        let deltaLimit = pageSize / 2
        var offset = tx.nextOffset
        for (k, id) in ids.enumerated() {
            guard var bytes = tx.dirty.removeValue(forKey: id) else { continue }
            let seal = tx.sealPage(&bytes, id)
            let h = WALFrameHeader(page: id, txID: tx.txID, commitPageCount: 0, salt: tx.base.salt)
            var location = FrameLocation(offset: offset, deltaLength: 0, depth: 0)
            if let depth = depths[k], Int(depth) < WALDelta.maxChain, let original = tx.originals[id],
               let payload = WALDelta.encode(from: original, to: bytes, limit: deltaLimit) {
                chain = h.appendDelta(payload: payload, previous: chain, to: &body)
                location = FrameLocation(offset: offset, deltaLength: UInt32(payload.count), depth: depth + 1)
            } else {
                chain = wal.checksummer.appendSealed(h, pageBytes: bytes, seal: seal, previous: chain, to: &body)
            }
            offset += location.frameBytes(pageSize: pageSize)
            frames.append((id, bytes))
            locations.append(location)
        }
        var commitFrame: [UInt8] = []
        let headerPage = header.encodePage()
        let ch = WALFrameHeader(page: .header, txID: tx.txID, commitPageCount: header.pageCount, salt: tx.base.salt)
        var commitLocation = FrameLocation(offset: offset, deltaLength: 0, depth: 0)
        if let depth = headerDepth, Int(depth) < WALDelta.maxChain, let headerBase,
           let payload = WALDelta.encode(from: headerBase, to: headerPage, limit: deltaLimit) {
            commitFrame.reserveCapacity(WALFrameHeader.size + payload.count)
            chain = ch.appendDelta(payload: payload, previous: chain, to: &commitFrame)
            commitLocation = FrameLocation(offset: offset, deltaLength: UInt32(payload.count), depth: depth + 1)
        } else {
            commitFrame.reserveCapacity(wal.frameSize)
            chain = wal.checksummer.appendHeader(ch, header: header, previous: chain, to: &commitFrame)
        }
        let firstFrame = tx.nextFrame
        let commitFrameNo = firstFrame + UInt32(frames.count)
        // 2. append
        do throws(SombraError) {
            if !body.isEmpty { try wal.write(body, at: tx.nextOffset) }
            wal.returnFrameBuffer(body)
        } catch {
            tx.rollback()
            throw error
        }
        // 3. commit
        do throws(SombraError) {
            try wal.write(commitFrame, at: commitLocation.offset)
            // 4. sync (full)
            if options.syncMode == .full {
                try syncLog(wal)
                groupCommit.noteSynced(UInt64(tx.base.generation) << 32 | UInt64(commitFrameNo))
            }
        } catch {
            fail(tx, error)
            throw error
        }
        // 5. publish
        let generation = tx.base.generation
        state.withLock { s in
            // With no live reader, the versions this commit supersedes can serve no one: drop them now rather
            // than letting them push still-current pages out of the cache (a miss only costs a re-read).
            if s.readers.count == 0 {
                for (id, _) in frames {
                    let old = s.index.latest(id, atOrBefore: s.committed.frameLimit)
                    s.cache.remove(CacheKey(page: id, generation: s.committed.generation, frame: old ?? 0))
                }
            }
            for (page, frame, location) in tx.spilledFrames { s.index.add(page: page, frame: frame, location: location) }
            var f = firstFrame
            for (k, (id, bytes)) in frames.enumerated() {
                s.index.add(page: id, frame: f, location: locations[k])
                s.cache.insert(CacheKey(page: id, generation: generation, frame: f), bytes)
                f += 1
            }
            s.index.add(page: .header, frame: commitFrameNo, location: commitLocation)
            s.logEnd = commitLocation.offset + commitLocation.frameBytes(pageSize: pageSize)
            s.headerImage = headerPage
            s.index.addCommit(frame: commitFrameNo, pageCount: header.pageCount)
            s.committed = Snapshot(header: header, frameLimit: commitFrameNo, generation: generation,
                                   salt: tx.base.salt)
            s.chainChecksum = chain
        }
        tx.state = .committed
        tx.dirty.removeAll()
        tx.originals.removeAll()
        // 6. checkpoint (still holding the writer gate), then let the next writer in.
        var checkpointError: SombraError? = nil
        let unbackfilledBytes = state.withLock { s in
            s.logEnd - s.index.endOffset(ofFrame: s.backfilledFrame, pageSize: pageSize)
        }
        if unbackfilledBytes > UInt64(options.checkpointThresholdBytes) {
            do throws(SombraError) { _ = try checkpointHoldingGate(ignoreReaders: false) } catch { checkpointError = error }
        }
        gate.release()
        if options.syncMode == .groupCommit {
            let end = UInt64(generation) << 32 | UInt64(commitFrameNo)
            do throws(SombraError) {
                try groupCommit.waitDurable(end, appendedEnd: { [self] in
                    state.withLock { UInt64($0.committed.generation) << 32 | UInt64($0.committed.frameLimit) }
                }, sync: { () throws(SombraError) in try self.syncLog(wal) })
            } catch {
                poison(error)
                throw error
            }
        }
        // A failed automatic checkpoint does not undo the commit, which is durable; it poisoned the handle
        // if it had to, and the next writer learns of it.
        _ = checkpointError
        return tx.txID
    }

    /// A failure at or after the commit frame: the outcome is unknown, so the handle refuses further writes.
    private func fail(_ tx: PageWriteTransaction, _ error: SombraError) {
        poison(error)
        tx.state = .failed
        tx.dirty.removeAll()
        gate.release()
    }
}
