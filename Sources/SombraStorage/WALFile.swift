// WALFile: the log file `<db>-wal`: writing batches of frames, reading one frame, restart. Recovery, the
// read-only scan at open, is in WALRecovery.swift.
// Spec: Docs/FORMAT.md, "Write-ahead log"; frame codec in SombraFormat/WALFormat.swift, deltas in WALDelta.swift.
//
// Invariants:
//  1. Frames follow the 48-byte header with no gaps; each is 40 bytes of header and its payload (a whole page,
//     or a delta), so a frame's place comes from the index (FrameLocation), filled by commits and recovery.
//  2. A restart rewrites the header (new salt, generation + 1) and keeps the file's length (up to a bound):
//     the next generation overwrites the old frames in place, so a commit's sync need not persist a new
//     file size. Old frames after the new generation's end carry the old salt and are never valid
//     (WALRecovery.swift, invariant 2).
import SombraFormat
import SombraIO

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

    /// Writes a batch of encoded frames at byte `offset` of the log.
    package func write(_ frames: [UInt8], at offset: UInt64) throws(SombraError) {
        try file.write(frames, at: offset)
    }

    /// Reads the frame at `location`; returns the whole frame's bytes (header first) if it is a frame of this
    /// generation (`salt`) holding `page` with the location's payload length, else nil (the log restarted
    /// and the place now holds something else).
    package func readFrame(at location: FrameLocation, page: PageID, salt: UInt64) throws(SombraError) -> [UInt8]? {
        let count = Int(location.frameBytes(pageSize: pageSize))
        let bytes = try file.read(at: location.offset, count: count)
        guard bytes.count == count else { return nil }
        let h = try WALFrameHeader.decode(bytes)
        guard h.page == page, h.salt == salt, h.deltaLength == location.deltaLength else { return nil }
        return bytes
    }

    /// Reads a frame that carries a whole page (`readFrame`) and returns the page.
    package func readWholePage(at location: FrameLocation, page: PageID, salt: UInt64) throws(SombraError) -> [UInt8]? {
        guard !location.isDelta, let bytes = try readFrame(at: location, page: page, salt: salt) else { return nil }
        return Array(bytes[WALFrameHeader.size...])
    }

    /// Writes a fresh header with a new salt and generation (invariant 2). The frames after it stay where
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
}
