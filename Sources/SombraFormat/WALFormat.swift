// WALFormat: the byte layout of the write-ahead log `<db>-wal`: a 48-byte header, then frames.
// Spec: Docs/FORMAT.md, "Write-ahead log".
//
// Invariants:
//  1. The header names the database (its 16-byte id) and the page size; a log whose id or page size
//     differs from the database is foreign and is never replayed.
//  2. Every frame repeats the header's salt; a frame with another salt is from an earlier generation of
//     the log (before a restart) and is invalid.
//  3. Frame checksums form a chain: each is the CRC-32 of the frame header's first 32 bytes and the page
//     bytes, seeded with the previous frame's checksum (the first frame is seeded with the header's).
//     The valid prefix of a log is the longest run of frames whose chain verifies.
//  4. A frame whose `commitPageCount` is non-zero is a commit frame: the commit point of its transaction.

public struct WALHeader: Equatable, Sendable {
    public static let magic: UInt32 = 0x5357_414C  // "SWAL" read as big-endian text
    public static let version: UInt32 = 1
    public static let size = 48

    public var pageSize: UInt32
    /// Counts log restarts since the database was created.
    public var generation: UInt32
    public var databaseID: [UInt8]
    public var salt: UInt64

    public init(pageSize: UInt32, generation: UInt32, databaseID: [UInt8], salt: UInt64) {
        self.pageSize = pageSize
        self.generation = generation
        self.databaseID = databaseID
        self.salt = salt
    }

    public func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: WALHeader.size)
        b.storeBE(WALHeader.magic, at: 0)
        b.storeLE(WALHeader.version, at: 4)
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
        guard version == WALHeader.version else {
            throw .corruptWAL(reason: "log version \(version) is not \(WALHeader.version)")
        }
        return WALHeader(pageSize: b.loadLE(UInt32.self, at: 8), generation: b.loadLE(UInt32.self, at: 12),
                         databaseID: Array(b[16..<32]), salt: b.loadLE(UInt64.self, at: 32))
    }
}

/// The 40-byte header in front of each page image in the log.
public struct WALFrameHeader: Equatable, Sendable {
    public static let size = 40

    public var page: PageID
    public var txID: TxID
    /// Non-zero only on a transaction's last frame: the database's page count after that commit.
    public var commitPageCount: UInt64
    public var salt: UInt64
    public var checksum: UInt32

    public init(page: PageID, txID: TxID, commitPageCount: UInt64, salt: UInt64, checksum: UInt32 = 0) {
        self.page = page
        self.txID = txID
        self.commitPageCount = commitPageCount
        self.salt = salt
        self.checksum = checksum
    }

    public var isCommit: Bool { commitPageCount != 0 }

    public static func frameSize(pageSize: Int) -> Int { size + pageSize }

    /// Appends this header and `pageBytes` to `out`, computing the chained checksum from `previous`.
    /// Returns the new checksum (the next frame's seed).
    @discardableResult
    public func append(pageBytes: [UInt8], previous: UInt32, to out: inout [UInt8]) -> UInt32 {
        let start = out.count
        out.appendLE(page.rawValue)
        out.appendLE(txID.rawValue)
        out.appendLE(commitPageCount)
        out.appendLE(salt)
        var sum = Checksum.crc32(out, range: start..<start + 32, seed: previous)
        sum = Checksum.crc32(pageBytes, seed: sum)
        out.appendLE(sum)
        out.appendLE(UInt32(0))
        out.append(contentsOf: pageBytes)
        return sum
    }

    /// Decodes the header at `offset` of `frame` (no validation beyond length).
    public static func decode(_ b: [UInt8], at offset: Int = 0) throws(SombraError) -> WALFrameHeader {
        guard offset >= 0, b.count - offset >= size else { throw .corruptWAL(reason: "frame header is short") }
        return WALFrameHeader(page: PageID(b.loadLE(UInt64.self, at: offset)),
                              txID: TxID(b.loadLE(UInt64.self, at: offset + 8)),
                              commitPageCount: b.loadLE(UInt64.self, at: offset + 16),
                              salt: b.loadLE(UInt64.self, at: offset + 24),
                              checksum: b.loadLE(UInt32.self, at: offset + 32))
    }

    /// The checksum a frame should carry given its bytes (header at `offset`, page after it) and the chain.
    public static func expectedChecksum(_ b: [UInt8], at offset: Int, pageSize: Int, previous: UInt32) -> UInt32 {
        let sum = Checksum.crc32(b, range: offset..<offset + 32, seed: previous)
        return Checksum.crc32(b, range: offset + size..<offset + size + pageSize, seed: sum)
    }
}
