// PageLayout: page sizes, page kinds and the 16-byte header every page but page 0 starts with.
// Spec: Docs/FORMAT.md, "Page header" and "Page kinds".
//
// Invariants:
//  1. Page sizes are powers of two from 4 KiB to 64 KiB; chosen at creation, fixed for the file's life.
//  2. Kind 0 is reserved: a page whose kind byte is 0 never validates (an all-zero page is never "valid").
//  3. The checksum (offset 0) covers bytes 4..<pageSize, seeded with the page number.

public enum PageSize {
    public static let minimum = 4096
    public static let maximum = 65536
    public static let `default` = 8192

    public static func isValid(_ size: Int) -> Bool {
        size >= minimum && size <= maximum && size & (size - 1) == 0
    }

    public static func validate(_ size: Int) throws(SombraError) {
        guard isValid(size) else { throw .invalidPageSize(UInt32(clamping: size)) }
    }
}

/// What a page holds. The raw values are on disk (Docs/FORMAT.md, "Page kinds").
public enum PageKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    // 0 is reserved and never valid.
    case fileHeader = 1
    case free = 2
    case btreeLeaf = 3
    case btreeInterior = 4
    case overflow = 5

    public var description: String {
        switch self {
        case .fileHeader: return "header"
        case .free: return "free"
        case .btreeLeaf: return "leaf"
        case .btreeInterior: return "interior"
        case .overflow: return "overflow"
        }
    }
}

/// The common page header (16 bytes) at the start of every page except page 0.
///
/// | offset | size | field    |
/// |--------|------|----------|
/// | 0      | 4    | checksum |
/// | 4      | 1    | kind     |
/// | 5      | 1    | flags    |
/// | 6      | 2    | reserved (0) |
/// | 8      | 8    | txID of the transaction that last wrote the page |
public enum PageHeader {
    public static let size = 16
    public static let checksumOffset = 0
    public static let kindOffset = 4
    public static let flagsOffset = 5
    public static let reservedOffset = 6
    public static let txIDOffset = 8

    /// A fresh zeroed page of `kind`, header filled in (checksum still unset).
    public static func makePage(kind: PageKind, pageSize: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: pageSize)
        bytes[kindOffset] = kind.rawValue
        return bytes
    }

    public static func kind(of bytes: [UInt8]) -> PageKind? {
        guard bytes.count > kindOffset else { return nil }
        return PageKind(rawValue: bytes[kindOffset])
    }

    public static func computeChecksum(_ bytes: [UInt8], page: PageID) -> UInt32 {
        Checksum.crc32(bytes, range: 4..<bytes.count, seed: Checksum.pageSeed(page))
    }

    /// Stamps `txID` and the checksum; call last, after every other byte of the page is final. Returns the
    /// checksum (the log derives a frame's checksum from it: WALFrameChecksummer).
    @discardableResult
    public static func seal(_ bytes: inout [UInt8], page: PageID, txID: TxID) -> UInt32 {
        bytes.storeLE(txID.rawValue, at: txIDOffset)
        let checksum = computeChecksum(bytes, page: page)
        bytes.storeLE(checksum, at: checksumOffset)
        return checksum
    }

    /// `seal`, computing the checksum from `original`: this page's image as last sealed (read from the file or
    /// the log, and verified then), so that only the bytes that changed since are read again. Falls back to
    /// the full computation when the images differ in size.
    @discardableResult
    public static func seal(_ bytes: inout [UInt8], page: PageID, txID: TxID, changedFrom original: [UInt8]) -> UInt32 {
        guard original.count == bytes.count, bytes.count > txIDOffset + 8 else {
            return seal(&bytes, page: page, txID: txID)
        }
        bytes.storeLE(txID.rawValue, at: txIDOffset)
        let covered = 4..<bytes.count
        let runs = bytes.differingRuns(from: original, in: covered)
        // Reading a run costs two passes (old and new bytes): past half the page, one full pass is cheaper.
        guard runs.reduce(0, { $0 + $1.count }) * 2 < covered.count else { return seal(&bytes, page: page, txID: txID) }
        let checksum = Checksum.crc32(updating: original.loadLE(UInt32.self, at: checksumOffset), old: original,
                                      new: bytes, range: covered, runs: runs)
        assert(checksum == computeChecksum(bytes, page: page), "incremental page checksum differs from the full one")
        bytes.storeLE(checksum, at: checksumOffset)
        return checksum
    }

    /// Validates size, kind and checksum; throws `.corruptPage` naming the page.
    public static func verify(_ bytes: [UInt8], page: PageID, pageSize: Int) throws(SombraError) -> PageKind {
        guard bytes.count == pageSize else {
            throw .corruptPage(page: page.rawValue, reason: "short page (\(bytes.count) of \(pageSize) bytes)")
        }
        let stored = bytes.loadLE(UInt32.self, at: checksumOffset)
        let actual = computeChecksum(bytes, page: page)
        guard stored == actual else {
            throw .corruptPage(page: page.rawValue, reason: "checksum mismatch")
        }
        guard let kind = PageKind(rawValue: bytes[kindOffset]), kind != .fileHeader else {
            throw .corruptPage(page: page.rawValue, reason: "invalid page kind \(bytes[kindOffset])")
        }
        return kind
    }
}
