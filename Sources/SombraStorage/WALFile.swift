// WALFile: the log file `<db>-wal`: writing batches of frames, reading one frame, recovery, restart.
// Spec: Docs/FORMAT.md, "Write-ahead log"; frame codec in SombraFormat/WALFormat.swift.
//
// Invariants:
//  1. Frame n (1-based) lives at offset 48 + (n - 1) × (40 + pageSize).
//  2. Recovery reads only: it returns the index of every transaction whose commit frame lies wholly in the
//     valid prefix of the log and never writes (so a crash during recovery loses nothing).
//  3. The valid prefix ends at the first frame that is short, has another salt, breaks the checksum chain,
//     names a page >= 2^40, or whose transaction id goes backwards.
//  4. A commit frame is a frame of page 0 with a non-zero commit page count, whose page decodes as a file
//     header whose lastTxID is the frame's txID.
//  5. A restart rewrites the header (new salt, generation + 1) and keeps the file's length (up to a bound):
//     the next generation overwrites the old frames in place, so a commit's sync need not persist a new
//     file size. Old frames after the new generation's end carry the old salt and are never valid (3).
import SombraFormat
import SombraIO

package struct WALRecovery {
    package var index = WALIndex()
    package var lastCommitFrame: UInt32 = 0
    /// The chain checksum after the last commit frame (the next frame's seed).
    package var chainChecksum: UInt32 = 0
    /// The file header as of the last commit, if the log holds any commit.
    package var header: FileHeader?
    package var framesScanned: Int = 0
    /// The log's size in bytes when it was scanned (bytes past the last commit frame are an invalid tail).
    package var logBytes: UInt64 = 0
    /// Why the scan stopped, for diagnostics ("end of log", "salt mismatch at frame 7", ...).
    package var stopReason: String = "end of log"
    /// False when the log header was missing, damaged or belonged to another database.
    package var headerValid = false
}

package final class WALFile: @unchecked Sendable {
    // @unchecked: `header` and `frameBuffer` change only under the pager's writer gate (restart, commit);
    // readers use the file only through positioned reads, safe concurrently with appends at other offsets.
    package let file: any StorageFile
    package let pageSize: Int
    package private(set) var header: WALHeader
    /// Frame checksums for appends, derived from each page's seal (WALFormat.swift, invariant 5).
    package let checksummer: WALFrameChecksummer

    package init(file: any StorageFile, pageSize: Int, header: WALHeader) {
        self.file = file
        self.pageSize = pageSize
        self.header = header
        checksummer = WALFrameChecksummer(pageSize: pageSize)
    }

    package var frameSize: Int { WALFrameHeader.frameSize(pageSize: pageSize) }

    package func offset(ofFrame n: UInt32) -> UInt64 {
        UInt64(WALHeader.size) + UInt64(n - 1) * UInt64(frameSize)
    }

    /// A commit's frames are built in one buffer kept from commit to commit (writer only), so that each
    /// commit does not fault in fresh memory for them.
    private var frameBuffer: [UInt8] = []

    /// The kept frame buffer, empty (its capacity kept); hand it back with `returnFrameBuffer`.
    package func takeFrameBuffer() -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &frameBuffer)
        buffer.removeAll(keepingCapacity: true)
        return buffer
    }

    /// Keeps `buffer` for the next commit unless it is larger than a log restart keeps.
    package func returnFrameBuffer(_ buffer: [UInt8]) {
        if buffer.capacity <= frameBufferBytesMax { frameBuffer = buffer }
    }

    /// Largest frame buffer kept between commits (a big transaction's buffer is let go).
    private var frameBufferBytesMax: Int { 64 * frameSize }

    package func write(_ frames: [UInt8], atFrame n: UInt32) throws(SombraError) {
        try file.write(frames, at: offset(ofFrame: n))
    }

    /// Reads frame `n` and returns its page bytes if it is frame `n` of this generation and holds `page`.
    package func readPage(frame n: UInt32, page: PageID, salt: UInt64) throws(SombraError) -> [UInt8]? {
        let bytes = try file.read(at: offset(ofFrame: n), count: frameSize)
        guard bytes.count == frameSize else { return nil }
        let h = try WALFrameHeader.decode(bytes)
        guard h.page == page, h.salt == salt else { return nil }
        return Array(bytes[WALFrameHeader.size...])
    }

    /// Writes a fresh header with a new salt and generation (invariant 5). The frames after it stay where
    /// they are, to be overwritten by the new generation's frames, unless the file is longer than
    /// `keepBytes`: it is then cut to `keepBytes` (at least to its header), so one large transaction does
    /// not pin a large log until close. The caller syncs (or passes `sync`) before writing new frames, so
    /// that a crash never leaves the old header over a partly overwritten old generation.
    package func restart(generation: UInt32, salt: UInt64, keepBytes: UInt64, sync: Bool) throws(SombraError) {
        let fresh = WALHeader(pageSize: header.pageSize, generation: generation,
                              databaseID: header.databaseID, salt: salt)
        try file.write(fresh.encode(), at: 0)
        let keep = max(keepBytes, UInt64(WALHeader.size))
        if try file.size() > keep { try file.truncate(to: keep) }
        if sync { try file.sync() }
        header = fresh
    }

    /// Scans the log for committed transactions (invariants 2-4). `databaseID` and `pageSize` identify the
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
        let frameSize = WALFrameHeader.frameSize(pageSize: pageSize)
        let framesInFile = (size - UInt64(WALHeader.size)) / UInt64(frameSize)
        let frameLimit = min(framesInFile, UInt64(UInt32.max - 1))
        var chain = header.chainSeed
        r.chainChecksum = chain
        var pending: [(PageID, UInt32)] = []
        var pendingTx: TxID? = nil
        var lastTx = TxID(0)
        var n: UInt64 = 1
        let batchFrames = max(1, (4 << 20) / frameSize)
        scan: while n <= frameLimit {
            let count = Int(min(UInt64(batchFrames), frameLimit - n + 1))
            let start = UInt64(WALHeader.size) + (n - 1) * UInt64(frameSize)
            let bytes = try file.read(at: start, count: count * frameSize)
            for k in 0..<count {
                let frameNo = UInt32(n) + UInt32(k)
                let off = k * frameSize
                guard bytes.count >= off + frameSize else { r.stopReason = "short frame \(frameNo)"; break scan }
                let h = try WALFrameHeader.decode(bytes, at: off)
                guard h.salt == header.salt else { r.stopReason = "salt mismatch at frame \(frameNo)"; break scan }
                let expected = WALFrameHeader.expectedChecksum(bytes, at: off, pageSize: pageSize, previous: chain)
                guard h.checksum == expected else { r.stopReason = "checksum chain breaks at frame \(frameNo)"; break scan }
                guard h.page.rawValue < 1 << 40 else { r.stopReason = "page number out of range at frame \(frameNo)"; break scan }
                if let t = pendingTx, t != h.txID { r.stopReason = "transaction id changes mid-transaction at frame \(frameNo)"; break scan }
                guard h.txID > lastTx else { r.stopReason = "transaction id goes backwards at frame \(frameNo)"; break scan }
                r.framesScanned += 1
                chain = h.checksum
                pendingTx = h.txID
                pending.append((h.page, frameNo))
                if h.isCommit {
                    let page = Array(bytes[(off + WALFrameHeader.size)..<(off + frameSize)])
                    guard h.page == .header, let fh = try? FileHeader.decodePage(page),
                          fh.lastTxID == h.txID, fh.pageCount == h.commitPageCount,
                          fh.databaseID == databaseID, Int(fh.pageSize) == pageSize else {
                        r.stopReason = "invalid commit frame \(frameNo)"
                        break scan
                    }
                    for (p, f) in pending { r.index.add(page: p, frame: f) }
                    r.index.addCommit(frame: frameNo, pageCount: h.commitPageCount)
                    r.lastCommitFrame = frameNo
                    r.chainChecksum = chain
                    r.header = fh
                    lastTx = h.txID
                    pending.removeAll(keepingCapacity: true)
                    pendingTx = nil
                }
            }
            n += UInt64(count)
        }
        return (r, header)
    }
}
