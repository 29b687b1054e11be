// Checksum: CRC-32 (zlib's, polynomial 0xEDB88320) for pages, header copies and WAL frames.
//
// Invariants:
//  1. Page checksums are seeded with the page number (see `pageSeed`), so a page written to the wrong
//     place fails verification and an all-zero page never validates (its stored checksum is 0 and its
//     page-kind byte is the reserved 0).
//  2. We never implement CRC ourselves; zlib does it (`crc32`, and `crc32_combine_gen`/`crc32_combine_op`
//     to join the CRCs of two byte runs without reading either run again).
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

    /// CRC-32 of `a ‖ b` from `crc32(a)` and `crc32(b)` (zlib's `crc32_combine`).
    public static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        CRC32Shift(length: secondLength).combine(first, second)
    }
}

/// zlib's operator for appending a fixed number of bytes to a CRC-32 (`crc32_combine_gen`): built once per
/// length, it joins two CRCs in a few dozen instructions. Combining is linear in each CRC, so it also moves a
/// CRC from one seed to another: `crc32(D, seed: s) == combine(s, crc32(D))` for `D` of `length` bytes.
public struct CRC32Shift: Sendable, Equatable {
    public let length: Int
    @usableFromInline let op: UInt

    public init(length: Int) {
        precondition(length >= 0, "negative CRC shift length")
        self.length = length
        op = UInt(CZlib.crc32_combine_gen(length))
    }

    /// CRC-32 of `a ‖ b` from `crc32(a)` and `crc32(b)`, where `b` is `length` bytes long.
    @inlinable
    public func combine(_ first: UInt32, _ second: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: CZlib.crc32_combine_op(UInt(first), UInt(second), op))
    }
}
