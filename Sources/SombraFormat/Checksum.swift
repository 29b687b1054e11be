// Checksum: CRC-32 (zlib's, polynomial 0xEDB88320) for pages, header copies and WAL frames.
//
// Invariants:
//  1. Page checksums are seeded with the page number (see `pageSeed`), so a page written to the wrong
//     place fails verification and an all-zero page never validates (its stored checksum is 0 and its
//     page-kind byte is the reserved 0).
//  2. We never implement CRC ourselves; zlib does it.
import CZlib

public enum Checksum {
    /// CRC-32 of `bytes[range]`, continuing from `seed` (0 starts a fresh CRC).
    @inlinable
    public static func crc32(_ bytes: [UInt8], range: Range<Int>, seed: UInt32 = 0) -> UInt32 {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "checksum range out of bounds")
        if range.isEmpty { return seed }
        return unsafe bytes.withUnsafeBytes { raw -> UInt32 in
            let base = unsafe raw.baseAddress!.advanced(by: range.lowerBound).assumingMemoryBound(to: UInt8.self)
            return UInt32(truncatingIfNeeded: unsafe CZlib.crc32(UInt(seed), base, UInt32(range.count)))
        }
    }

    /// CRC-32 of all of `bytes`.
    @inlinable
    public static func crc32(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        crc32(bytes, range: 0..<bytes.count, seed: seed)
    }

    /// The seed for a page's checksum: the CRC-32 of its page number as 8 little-endian bytes.
    @inlinable
    public static func pageSeed(_ page: PageID) -> UInt32 {
        var b: [UInt8] = []
        b.reserveCapacity(8)
        b.appendLE(page.rawValue)
        return crc32(b)
    }
}
