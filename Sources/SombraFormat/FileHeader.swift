// FileHeader: the database header, kept as two identical 256-byte copies in page 0.
// Spec: Docs/FORMAT.md, "File header (page 0)".
//
// Invariants:
//  1. Copy A lives at offset 0 and copy B at offset pageSize/2, so a write torn at any byte leaves one
//     copy whole (old or new). Each copy has its own CRC-32 over its first 252 bytes.
//  2. Decoding checks, in order: magic (else "not a database"), version, page size, checksum. A copy that
//     fails is ignored if the other is valid; if both are valid the one with the larger lastTxID wins.
//  3. Page 0 has no generic page header: its validity is the validity of its copies.

public struct FileHeader: Equatable, Sendable {
    public static let magic: [UInt8] = Array("SombraDB".utf8)
    public static let formatVersion: UInt32 = 3
    public static let copySize = 256
    public static let rootSlotCount = 16
    public static let checksumOffset = 252
    /// Page numbers stay below 2^40 so byte offsets (page × 64 KiB) never overflow.
    public static let maxPageCount: UInt64 = 1 << 40

    // Field offsets within one copy (Docs/FORMAT.md).
    public enum Offset {
        public static let magic = 0
        public static let version = 8
        public static let pageSize = 12
        public static let databaseID = 16
        public static let pageCount = 32
        public static let freeListHead = 40
        public static let freePageCount = 48
        public static let lastTxID = 56
        public static let rootSlotCount = 64
        public static let flags = 68
        public static let roots = 72
        public static let reserved = 200
    }

    public var pageSize: UInt32
    /// 16 random bytes chosen at creation; the WAL carries them so a foreign log is never replayed.
    public var databaseID: [UInt8]
    /// Pages in the logical file, page 0 included.
    public var pageCount: UInt64
    public var freeListHead: PageID
    public var freePageCount: UInt64
    public var lastTxID: TxID
    public var flags: UInt32
    /// Root pages registered by the layers above (0 = unused slot).
    public var roots: [PageID]

    public init(pageSize: UInt32, databaseID: [UInt8]) {
        self.pageSize = pageSize
        self.databaseID = databaseID
        self.pageCount = 1
        self.freeListHead = .none
        self.freePageCount = 0
        self.lastTxID = TxID(0)
        self.flags = 0
        self.roots = Array(repeating: .none, count: FileHeader.rootSlotCount)
    }

    /// Offsets of the two copies within page 0.
    public static func copyOffsets(pageSize: Int) -> [Int] { [0, pageSize / 2] }

    public func encodeCopy() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: FileHeader.copySize)
        for (i, m) in FileHeader.magic.enumerated() { b[i] = m }
        b.storeLE(FileHeader.formatVersion, at: Offset.version)
        b.storeLE(pageSize, at: Offset.pageSize)
        for i in 0..<16 { b[Offset.databaseID + i] = i < databaseID.count ? databaseID[i] : 0 }
        b.storeLE(pageCount, at: Offset.pageCount)
        b.storeLE(freeListHead.rawValue, at: Offset.freeListHead)
        b.storeLE(freePageCount, at: Offset.freePageCount)
        b.storeLE(lastTxID.rawValue, at: Offset.lastTxID)
        b.storeLE(UInt32(FileHeader.rootSlotCount), at: Offset.rootSlotCount)
        b.storeLE(flags, at: Offset.flags)
        for (i, r) in roots.prefix(FileHeader.rootSlotCount).enumerated() {
            b.storeLE(r.rawValue, at: Offset.roots + 8 * i)
        }
        b.storeLE(Checksum.crc32(b, range: 0..<FileHeader.checksumOffset), at: FileHeader.checksumOffset)
        return b
    }

    /// The full page 0 image: both copies, zeros elsewhere.
    public func encodePage() -> [UInt8] {
        let size = Int(pageSize)
        var page = [UInt8](repeating: 0, count: size)
        let copy = encodeCopy()
        for off in FileHeader.copyOffsets(pageSize: size) {
            page.replaceSubrange(off..<off + FileHeader.copySize, with: copy)
        }
        return page
    }

    /// Decodes one copy starting at `offset` of `bytes`.
    public static func decodeCopy(_ bytes: [UInt8], at offset: Int) throws(SombraError) -> FileHeader {
        guard offset >= 0, bytes.count - offset >= copySize else {
            throw .notADatabase(reason: "file is too short to hold a header (\(bytes.count) bytes)")
        }
        let c = Array(bytes[offset..<offset + copySize])
        guard Array(c[0..<8]) == magic else {
            throw .notADatabase(reason: "magic bytes do not match")
        }
        let version = c.loadLE(UInt32.self, at: Offset.version)
        let stored = c.loadLE(UInt32.self, at: checksumOffset)
        guard stored == Checksum.crc32(c, range: 0..<checksumOffset) else {
            throw .corruptHeader(reason: "header copy at offset \(offset) fails its checksum")
        }
        guard version == formatVersion else {
            throw .unsupportedVersion(found: version, supported: formatVersion)
        }
        let pageSize = c.loadLE(UInt32.self, at: Offset.pageSize)
        guard PageSize.isValid(Int(pageSize)) else { throw .invalidPageSize(pageSize) }
        guard c.loadLE(UInt32.self, at: Offset.rootSlotCount) == UInt32(rootSlotCount) else {
            throw .corruptHeader(reason: "root slot count is not \(rootSlotCount)")
        }
        var h = FileHeader(pageSize: pageSize, databaseID: Array(c[Offset.databaseID..<Offset.databaseID + 16]))
        h.pageCount = c.loadLE(UInt64.self, at: Offset.pageCount)
        h.freeListHead = PageID(c.loadLE(UInt64.self, at: Offset.freeListHead))
        h.freePageCount = c.loadLE(UInt64.self, at: Offset.freePageCount)
        h.lastTxID = TxID(c.loadLE(UInt64.self, at: Offset.lastTxID))
        h.flags = c.loadLE(UInt32.self, at: Offset.flags)
        for i in 0..<rootSlotCount {
            h.roots[i] = PageID(c.loadLE(UInt64.self, at: Offset.roots + 8 * i))
        }
        guard h.pageCount >= 1, h.pageCount <= maxPageCount else {
            throw .corruptHeader(reason: "page count \(h.pageCount) is out of range")
        }
        guard h.freeListHead.rawValue < h.pageCount, h.freePageCount < h.pageCount else {
            throw .corruptHeader(reason: "free list points past the end of the file")
        }
        for r in h.roots where r.rawValue >= h.pageCount {
            throw .corruptHeader(reason: "root \(r) lies past the end of the file (\(h.pageCount) pages)")
        }
        return h
    }

    /// Decodes page 0 (or the first bytes of a file), preferring a valid copy. Both copies are read with the
    /// page size each one claims: copy B sits at half the page size, so copy A is tried first.
    public static func decodePage(_ bytes: [UInt8]) throws(SombraError) -> FileHeader {
        let firstError: SombraError
        do {
            let a = try decodeCopy(bytes, at: 0)
            // Copy A is valid; prefer a valid copy B that is newer.
            if let b = try? decodeCopy(bytes, at: Int(a.pageSize) / 2), b.lastTxID > a.lastTxID { return b }
            return a
        } catch {
            firstError = error
        }
        // Copy A is damaged: find copy B at each legal page size's midpoint.
        var size = PageSize.minimum
        while size <= PageSize.maximum {
            if bytes.count >= size / 2 + copySize, let b = try? decodeCopy(bytes, at: size / 2),
               Int(b.pageSize) == size {
                return b
            }
            size *= 2
        }
        throw firstError
    }
}
