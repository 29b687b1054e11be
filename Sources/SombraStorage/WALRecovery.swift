// WALRecovery: the read-only scan of the log at open that finds every committed transaction in it.
// Spec: Docs/FORMAT.md, "Write-ahead log" (valid prefix, commit point, delta frames).
//
// Invariants:
//  1. Recovery reads only: it returns the index of every transaction whose commit frame lies wholly in the
//     valid prefix of the log and never writes (so a crash during recovery loses nothing).
//  2. The valid prefix ends at the first frame that is short, has another salt, has a length word out of
//     range, breaks the checksum chain, names a page >= 2^40, changes transaction id mid-transaction or
//     goes backwards, or is a delta that is malformed, has no earlier frame of its page in the prefix, or
//     would make a chain longer than `WALDelta.maxChain`.
//  3. A commit frame is a frame of page 0 with a non-zero commit page count, whose page (rebuilt from the
//     previous commit frame when it is a delta) decodes as a file header whose lastTxID is the frame's txID.
//  4. Reads are batched (4 MiB); a frame that straddles a batch starts the next one.
import SombraFormat
import SombraIO

package struct WALRecovery {
    package var index = WALIndex()
    package var lastCommitFrame: UInt32 = 0
    /// The byte offset just past the last commit frame (where the next frame goes).
    package var logEnd = UInt64(WALHeader.size)
    /// The chain checksum after the last commit frame (the next frame's seed).
    package var chainChecksum: UInt32 = 0
    /// The file header as of the last commit, if the log holds any commit.
    package var header: FileHeader?
    /// The page-0 image of the last commit frame (the base of the next commit frame's delta).
    package var headerImage: [UInt8]?
    package var framesScanned: Int = 0
    /// The log's size in bytes when it was scanned (bytes past the last commit frame are an invalid tail).
    package var logBytes: UInt64 = 0
    /// Why the scan stopped, for diagnostics ("end of log", "salt mismatch at frame 7", ...).
    package var stopReason: String = "end of log"
    /// False when the log header was missing, damaged or belonged to another database.
    package var headerValid = false
}

extension WALFile {
    /// Scans the log for committed transactions (invariants 1-4). `databaseID` and `pageSize` identify the
    /// database; a log naming another is reported with `headerValid == false` and an empty index.
    package static func recover(file: any StorageFile, databaseID: [UInt8], pageSize: Int)
        throws(SombraError) -> (WALRecovery, WALHeader?) {
        var r = WALRecovery()
        let size = try file.size()
        r.logBytes = size
        guard size >= UInt64(WALHeader.size) else { r.stopReason = "log shorter than its header"; return (r, nil) }
        let header: WALHeader
        do {
            header = try WALHeader.decode(try file.read(at: 0, count: WALHeader.size))
        } catch {
            if case .io = error { throw error }
            r.stopReason = "log header invalid: \(error)"
            return (r, nil)
        }
        guard header.databaseID == databaseID, Int(header.pageSize) == pageSize else {
            r.stopReason = "log belongs to another database"
            return (r, header)
        }
        r.headerValid = true
        var scan = LogScan(file: file, size: size, pageSize: pageSize, databaseID: databaseID, salt: header.salt,
                           chain: header.chainSeed)
        r.chainChecksum = header.chainSeed
        try scan.run(into: &r)
        return (r, header)
    }
}

/// The state of one recovery scan: where it is, the chain, the transaction being read, and each page's
/// newest frame depth (for the delta rules of invariant 2).
private struct LogScan {
    let file: any StorageFile
    let size: UInt64
    let pageSize: Int
    let databaseID: [UInt8]
    let salt: UInt64
    var chain: UInt32
    /// Bytes read ahead, starting at log offset `bufferStart`.
    var buffer: [UInt8] = []
    var bufferStart: UInt64 = 0
    /// Depth of each page's newest frame in the scan so far (FrameLocation.depth).
    var depths: [UInt64: UInt8] = [:]
    /// Page 0 as of the newest page-0 frame scanned (a commit frame).
    var headerImage: [UInt8]?

    /// The buffer offset of log bytes offset ..< offset + count, reading a new batch if needed; nil past the end.
    mutating func bytes(at offset: UInt64, count: Int) throws(SombraError) -> Int? {
        guard offset <= size, UInt64(count) <= size - offset else { return nil }
        if offset < bufferStart || offset + UInt64(count) > bufferStart + UInt64(buffer.count) {
            let want = UInt64(max(count, 4 << 20))
            buffer = try file.read(at: offset, count: Int(min(want, size - offset)))
            bufferStart = offset
            guard buffer.count >= count else { return nil }
        }
        return Int(offset - bufferStart)
    }

    mutating func run(into r: inout WALRecovery) throws(SombraError) {
        var pending: [(PageID, UInt32, FrameLocation)] = []
        var pendingTx: TxID? = nil
        var lastTx = TxID(0)
        var offset = UInt64(WALHeader.size)
        var frameNo: UInt32 = 1
        while frameNo < UInt32.max {
            guard let at = try bytes(at: offset, count: WALFrameHeader.size) else {
                if offset < size { r.stopReason = "short frame \(frameNo)" }
                return
            }
            let h = try WALFrameHeader.decode(buffer, at: at)
            guard h.salt == salt else { r.stopReason = "salt mismatch at frame \(frameNo)"; return }
            guard let payloadBytes = h.payloadBytes(pageSize: pageSize) else {
                r.stopReason = "length word out of range at frame \(frameNo)"
                return
            }
            guard let base = try bytes(at: offset, count: WALFrameHeader.size + payloadBytes) else {
                r.stopReason = "short frame \(frameNo)"
                return
            }
            let expected = WALFrameHeader.expectedChecksum(buffer, at: base, payloadBytes: payloadBytes, previous: chain)
            guard h.checksum == expected else { r.stopReason = "checksum chain breaks at frame \(frameNo)"; return }
            guard h.page.rawValue < 1 << 40 else { r.stopReason = "page number out of range at frame \(frameNo)"; return }
            if let t = pendingTx, t != h.txID { r.stopReason = "transaction id changes mid-transaction at frame \(frameNo)"; return }
            guard h.txID > lastTx else { r.stopReason = "transaction id goes backwards at frame \(frameNo)"; return }
            let payload = (base + WALFrameHeader.size)..<(base + WALFrameHeader.size + payloadBytes)
            var depth: UInt8 = 0
            if h.isDelta {
                guard let previous = depths[h.page.rawValue] else {
                    r.stopReason = "delta frame \(frameNo) has no earlier frame of page \(h.page.rawValue)"
                    return
                }
                guard Int(previous) < WALDelta.maxChain else {
                    r.stopReason = "delta frame \(frameNo) makes a chain longer than \(WALDelta.maxChain)"
                    return
                }
                guard WALDelta.isWellFormed(buffer, payload: payload, pageSize: pageSize) else {
                    r.stopReason = "malformed delta in frame \(frameNo)"
                    return
                }
                depth = previous + 1
            }
            r.framesScanned += 1
            chain = h.checksum
            pendingTx = h.txID
            depths[h.page.rawValue] = depth
            pending.append((h.page, frameNo, FrameLocation(offset: offset, deltaLength: h.deltaLength, depth: depth)))
            offset += UInt64(WALFrameHeader.size + payloadBytes)
            if h.page == .header {
                // Only commit frames hold page 0; a delta rebuilds it from the previous one.
                var image: [UInt8]
                if h.isDelta {
                    image = headerImage ?? []
                    guard WALDelta.apply(buffer, payload: payload, to: &image) else {
                        r.stopReason = "invalid commit frame \(frameNo)"
                        return
                    }
                } else {
                    image = Array(buffer[payload])
                }
                guard h.isCommit, let fh = try? FileHeader.decodePage(image),
                      fh.lastTxID == h.txID, fh.pageCount == h.commitPageCount,
                      fh.databaseID == databaseID, Int(fh.pageSize) == pageSize else {
                    r.stopReason = "invalid commit frame \(frameNo)"
                    return
                }
                headerImage = image
                for (p, f, l) in pending { r.index.add(page: p, frame: f, location: l) }
                r.index.addCommit(frame: frameNo, pageCount: h.commitPageCount)
                r.lastCommitFrame = frameNo
                r.logEnd = offset
                r.chainChecksum = chain
                r.header = fh
                r.headerImage = image
                lastTx = h.txID
                pending.removeAll(keepingCapacity: true)
                pendingTx = nil
            } else if h.isCommit {
                r.stopReason = "invalid commit frame \(frameNo)"
                return
            }
            frameNo += 1
        }
    }
}
