// WALFormat: the byte layout of the write-ahead log `<db>-wal`: a 48-byte header, then frames.
// Spec: Docs/FORMAT.md, "Write-ahead log".
//
// Invariants:
//  1. The header names the database (its 16-byte id) and the page size; a log whose id or page size
//     differs from the database is foreign and is never replayed.
//  2. Every frame repeats the header's salt; a frame with another salt is from an earlier generation of
//     the log (before a restart) and is invalid.
//  3. Frame checksums form a chain: each is the CRC-32 of the frame header's first 32 bytes and the frame's
//     payload, seeded with the previous frame's checksum (the first frame is seeded with the header's).
//     The valid prefix of a log is the longest run of frames whose chain verifies.
//  4. A frame whose `commitPageCount` is non-zero is a commit frame: the commit point of its transaction.
//  5. Writers need not read a page twice to checksum it: `WALFrameChecksummer` derives the frame checksum
//     of a sealed page from the page's own checksum, and that of a header page from its two copies (the
//     rest of page 0 is zero); both give exactly the checksum of invariant 3, which readers recompute.
//  6. A frame's payload is the whole page (length word 0) or a delta (WALDelta.swift) of 1 ..< pageSize
//     bytes; frames follow each other with no gaps, so a frame's place is known only by reading the log
//     from its start (recovery records every frame's place in the index).

public struct WALHeader: Equatable, Sendable {
    public static let magic: UInt32 = 0x5357_414C  // "SWAL" read as big-endian text
    /// Version written: 2 (frames may carry deltas). Version 1 logs (whole pages only, length word 0) are
    /// read as they are.
    public static let version: UInt32 = 2
    public static let versionsRead: ClosedRange<UInt32> = 1...2
    public static let size = 48

    /// The version the header says (a decoded header keeps it, so its bytes and chain seed are the same).
    public var version: UInt32
    public var pageSize: UInt32
    /// Counts log restarts since the database was created.
    public var generation: UInt32
    public var databaseID: [UInt8]
    public var salt: UInt64

    public init(pageSize: UInt32, generation: UInt32, databaseID: [UInt8], salt: UInt64,
                version: UInt32 = WALHeader.version) {
        self.version = version
        self.pageSize = pageSize
        self.generation = generation
        self.databaseID = databaseID
        self.salt = salt
    }

    public func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: WALHeader.size)
        b.storeBE(WALHeader.magic, at: 0)
        b.storeLE(version, at: 4)
        b.storeLE(pageSize, at: 8)
        b.storeLE(generation, at: 12)
        for i in 0..<16 { b[16 + i] = i < databaseID.count ? databaseID[i] : 0 }
        b.storeLE(salt, at: 32)
        b.storeLE(checksum(of: b), at: 44)
        return b
    }

    func checksum(of b: [UInt8]) -> UInt32 { Checksum.crc32(b, range: 0..<44) }

    /// The checksum the first frame's chain starts from.
    public var chainSeed: UInt32 { checksum(of: encode()) }

    public static func decode(_ b: [UInt8]) throws(SombraError) -> WALHeader {
        guard b.count >= size else { throw .corruptWAL(reason: "log header is short (\(b.count) bytes)") }
        guard b.loadBE(UInt32.self, at: 0) == magic else { throw .corruptWAL(reason: "log magic does not match") }
        guard b.loadLE(UInt32.self, at: 44) == Checksum.crc32(b, range: 0..<44) else {
            throw .corruptWAL(reason: "log header fails its checksum")
        }
        let version = b.loadLE(UInt32.self, at: 4)
        guard WALHeader.versionsRead.contains(version) else {
            throw .corruptWAL(reason: "log version \(version) is not one this build reads (\(WALHeader.versionsRead))")
        }
        return WALHeader(pageSize: b.loadLE(UInt32.self, at: 8), generation: b.loadLE(UInt32.self, at: 12),
                         databaseID: Array(b[16..<32]), salt: b.loadLE(UInt64.self, at: 32), version: version)
    }
}

/// The 40-byte header in front of each frame's payload (a whole page, or a delta) in the log.
public struct WALFrameHeader: Equatable, Sendable {
    public static let size = 40

    public var page: PageID
    public var txID: TxID
    /// Non-zero only on a transaction's last frame: the database's page count after that commit.
    public var commitPageCount: UInt64
    public var salt: UInt64
    public var checksum: UInt32
    /// 0: the payload is the whole page; otherwise the length of the delta payload (WALDelta.swift).
    public var deltaLength: UInt32

    public init(page: PageID, txID: TxID, commitPageCount: UInt64, salt: UInt64, checksum: UInt32 = 0,
                deltaLength: UInt32 = 0) {
        self.page = page
        self.txID = txID
        self.commitPageCount = commitPageCount
        self.salt = salt
        self.checksum = checksum
        self.deltaLength = deltaLength
    }

    public var isCommit: Bool { commitPageCount != 0 }
    public var isDelta: Bool { deltaLength != 0 }

    /// Bytes of a frame that carries a whole page.
    public static func frameSize(pageSize: Int) -> Int { size + pageSize }

    /// Bytes of this frame's payload, or nil when its length word is out of range (>= pageSize).
    public func payloadBytes(pageSize: Int) -> Int? {
        if deltaLength == 0 { return pageSize }
        return Int(deltaLength) < pageSize ? Int(deltaLength) : nil
    }

    /// Appends this header and `pageBytes` to `out`, computing the chained checksum from `previous`.
    /// Returns the new checksum (the next frame's seed).
    @discardableResult
    public func append(pageBytes: [UInt8], previous: UInt32, to out: inout [UInt8]) -> UInt32 {
        let sum = Checksum.crc32(pageBytes, seed: appendFields(to: &out, previous: previous))
        appendTail(checksum: sum, pageBytes: pageBytes, to: &out)
        return sum
    }

    /// Appends the 32 checksummed header bytes and returns their CRC continued from `previous`.
    func appendFields(to out: inout [UInt8], previous: UInt32) -> UInt32 {
        let start = out.count
        out.appendLE(page.rawValue)
        out.appendLE(txID.rawValue)
        out.appendLE(commitPageCount)
        out.appendLE(salt)
        return Checksum.crc32(out, range: start..<start + 32, seed: previous)
    }

    /// Appends the checksum, the length word (0: whole page) and the page image after `appendFields`.
    func appendTail(checksum: UInt32, pageBytes: [UInt8], to out: inout [UInt8]) {
        out.appendLE(checksum)
        out.appendLE(UInt32(0))
        out.append(contentsOf: pageBytes)
    }

    /// Appends this header and the delta `payload` (WALDelta.encode), computing the chained checksum from
    /// `previous`; the header's `deltaLength` is taken from the payload. Returns the new checksum.
    @discardableResult
    public func appendDelta(payload: [UInt8], previous: UInt32, to out: inout [UInt8]) -> UInt32 {
        precondition(!payload.isEmpty && payload.count <= Int(UInt32.max), "a delta payload is 1 ..< 2^32 bytes")
        let sum = Checksum.crc32(payload, seed: appendFields(to: &out, previous: previous))
        out.appendLE(sum)
        out.appendLE(UInt32(payload.count))
        out.append(contentsOf: payload)
        return sum
    }

    /// Decodes the header at `offset` of `frame` (no validation beyond length).
    public static func decode(_ b: [UInt8], at offset: Int = 0) throws(SombraError) -> WALFrameHeader {
        guard offset >= 0, b.count - offset >= size else { throw .corruptWAL(reason: "frame header is short") }
        return WALFrameHeader(page: PageID(b.loadLE(UInt64.self, at: offset)),
                              txID: TxID(b.loadLE(UInt64.self, at: offset + 8)),
                              commitPageCount: b.loadLE(UInt64.self, at: offset + 16),
                              salt: b.loadLE(UInt64.self, at: offset + 24),
                              checksum: b.loadLE(UInt32.self, at: offset + 32),
                              deltaLength: b.loadLE(UInt32.self, at: offset + 36))
    }

    /// The checksum a frame should carry given its bytes (header at `offset`, `payloadBytes` of payload
    /// after it) and the chain. `b` must hold the whole frame.
    public static func expectedChecksum(_ b: [UInt8], at offset: Int, payloadBytes: Int, previous: UInt32) -> UInt32 {
        let sum = Checksum.crc32(b, range: offset..<offset + 32, seed: previous)
        return Checksum.crc32(b, range: offset + size..<offset + size + payloadBytes, seed: sum)
    }

    /// The place of every frame of `log` (a whole log file's bytes) that is complete and whose length word
    /// is in range, from the first, without checking salts or checksums: tools and fuzzers walk frames
    /// with it. Recovery does its own validating walk.
    public static func layout(of log: [UInt8], pageSize: Int) -> [(offset: Int, payloadBytes: Int)] {
        var out: [(offset: Int, payloadBytes: Int)] = []
        var offset = WALHeader.size
        while log.count - offset >= size, let h = try? decode(log, at: offset),
              let n = h.payloadBytes(pageSize: pageSize), log.count - offset - size >= n {
            out.append((offset, n))
            offset += size + n
        }
        return out
    }
}

/// Appends frames whose checksums (invariant 3) come from what the writer already knows instead of a second
/// pass over each page: for a page sealed by `PageHeader.seal` the seal is the CRC of bytes 4..<pageSize
/// seeded with the page number, so with c = CRC(frame header fields ‖ page bytes 0..<4, seed: previous)
///     frame checksum = CRC(page bytes 4..<pageSize, seed: c) = combine(c ⊕ pageSeed(page), seal)
/// (a CRC is linear in its seed: CRC(D, seed: s) = shift(s) ⊕ CRC(D), so the seeds' difference is shifted
/// over the page and added to the seal). A header page (page 0, `FileHeader.encodePage`) is zero outside its
/// two copies, and a run of zeros is one more combine with the precomputed CRC of that run.
public struct WALFrameChecksummer: Sendable {
    public let pageSize: Int
    /// Shift over a page's bytes 4..<pageSize (what its seal covers).
    let sealedBytes: CRC32Shift
    /// Shift over the zero run after each header copy in page 0, and the CRC of that run.
    let headerGap: CRC32Shift
    let headerGapCRC: UInt32

    public init(pageSize: Int) {
        self.pageSize = pageSize
        sealedBytes = CRC32Shift(length: pageSize - 4)   // PageHeader: the seal covers bytes 4..<pageSize
        let gap = pageSize / 2 - FileHeader.copySize
        headerGap = CRC32Shift(length: gap)
        headerGapCRC = Checksum.crc32([UInt8](repeating: 0, count: gap))
    }

    /// Appends the frame of `pageBytes`, which `PageHeader.seal` sealed as `page` with checksum `seal`.
    /// Returns the frame's checksum (the next frame's seed).
    public func appendSealed(_ frame: WALFrameHeader, pageBytes: [UInt8], seal: UInt32, previous: UInt32,
                             to out: inout [UInt8]) -> UInt32 {
        precondition(pageBytes.count == pageSize && frame.page != .header, "not a sealed page of this log")
        let start = out.count
        var sum = frame.appendFields(to: &out, previous: previous)
        sum = Checksum.crc32(pageBytes, range: 0..<4, seed: sum)
        sum = sealedBytes.combine(sum ^ Checksum.pageSeed(frame.page), seal)
        frame.appendTail(checksum: sum, pageBytes: pageBytes, to: &out)
        assert(sum == WALFrameHeader.expectedChecksum(out, at: start, payloadBytes: pageSize, previous: previous),
               "frame checksum derived from the seal differs from the frame's bytes")
        return sum
    }

    /// Appends the frame of the header page `header.encodePage()`; returns the frame's checksum.
    public func appendHeader(_ frame: WALFrameHeader, header: FileHeader, previous: UInt32,
                             to out: inout [UInt8]) -> UInt32 {
        let pageBytes = header.encodePage()
        precondition(pageBytes.count == pageSize && frame.page == .header, "not a header page of this log")
        let start = out.count
        var sum = frame.appendFields(to: &out, previous: previous)
        for offset in FileHeader.copyOffsets(pageSize: pageSize) {
            sum = Checksum.crc32(pageBytes, range: offset..<(offset + FileHeader.copySize), seed: sum)
            sum = headerGap.combine(sum, headerGapCRC)
        }
        frame.appendTail(checksum: sum, pageBytes: pageBytes, to: &out)
        assert(sum == WALFrameHeader.expectedChecksum(out, at: start, payloadBytes: pageSize, previous: previous),
               "header frame checksum differs from the frame's bytes")
        return sum
    }
}
