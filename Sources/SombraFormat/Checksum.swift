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

extension Checksum {
    /// The CRC-32 (seeded as `crc32(_:range:seed:)` seeds it) of `new[range]`, from `oldCRC`, the CRC with the
    /// same seed of `old[range]`, reading only the bytes of `runs` (`differingRuns`: outside them old and new
    /// are equal).
    ///
    /// Why it holds: for zlib's CRC, crc(s, A) ⊕ crc(s, B) = raw(A ⊕ B) when |A| = |B|, where raw is the CRC
    /// register run from 0 with no final inversion, which is linear in the data. A ⊕ B is zero outside the
    /// runs, and a run of zeros only shifts the register (`CRC32Shift`), so raw(A ⊕ B) is the register
    /// carried across the runs, each run adding raw(new run) ⊕ raw(old run).
    public static func crc32(updating oldCRC: UInt32, old: [UInt8], new: [UInt8], range: Range<Int>,
                             runs: [Range<Int>]) -> UInt32 {
        var register: UInt32 = 0   // raw CRC of (old ⊕ new) over range.lowerBound ..< position
        var position = range.lowerBound
        for run in runs {
            precondition(run.lowerBound >= position && run.upperBound <= range.upperBound, "runs out of order")
            if register != 0, run.lowerBound > position {
                register = CRC32Shift.carry(register, across: run.lowerBound - position)
            }
            // raw(register, new run) ⊕ raw(0, old run), each through zlib's inverted seed and result.
            register = crc32(new, range: run, seed: ~register) ^ crc32(old, range: run, seed: 0xFFFF_FFFF)
            position = run.upperBound
        }
        if register != 0, range.upperBound > position {
            register = CRC32Shift.carry(register, across: range.upperBound - position)
        }
        return oldCRC ^ register
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

extension CRC32Shift {
    /// Operators for 64·q bytes (q = 0 ... 1024) and for r bytes (r = 0 ..< 64), built once. An operator
    /// is a polynomial, and `crc32_combine_op(a, 0, b)` multiplies two of them, so the table of 64·q is
    /// built by repeated multiplication, not by `crc32_combine_gen` for each length.
    static let tables: (blocks: [UInt], rest: [UInt]) = {
        let rest = (0..<64).map { UInt(CZlib.crc32_combine_gen($0)) }
        let block = UInt(CZlib.crc32_combine_gen(64))
        var blocks = [UInt(CZlib.crc32_combine_gen(0))]
        blocks.reserveCapacity(1025)
        for _ in 1...1024 { blocks.append(UInt(CZlib.crc32_combine_op(blocks[blocks.count - 1], 0, block))) }
        return (blocks, rest)
    }()

    /// `CRC32Shift(length: length).combine(register, 0)`: the raw CRC register carried across `length`
    /// zero bytes. A seal's incremental checksum carries its register across the unchanged gaps between
    /// 64-byte blocks, so up to 64 KiB this is two table lookups and two multiplications instead of
    /// building the operator (about 1,000 instructions each time).
    public static func carry(_ register: UInt32, across length: Int) -> UInt32 {
        guard length >= 0, length <= 65_536 else { return CRC32Shift(length: length).combine(register, 0) }
        let t = tables
        let r = CZlib.crc32_combine_op(UInt(register), 0, t.blocks[length / 64])
        return UInt32(truncatingIfNeeded: CZlib.crc32_combine_op(r, 0, t.rest[length % 64]))
    }
}
