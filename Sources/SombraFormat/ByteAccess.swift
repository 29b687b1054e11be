// ByteAccess: fixed-width little- and big-endian loads and stores on byte arrays, byte-range copies, and
// finding where two equal-length arrays differ.
//
// This is one of the few places with unsafe pointer code (marked `unsafe`). Callers validate offsets that
// come from disk *before* calling these; the range check here is the last line of defence and a failure
// means an engine bug, never a file's fault.

#if canImport(Glibc)
import Glibc
#endif

/// Grows ascending runs of changed bytes for `changedRuns`, joining a run to the previous one when fewer
/// than `mergeGap` bytes lie between them. A struct (not a nested function capturing locals), so that its
/// updates are not checked for exclusivity at run time.
@usableFromInline
struct RunCollector {
    var runs: [Range<Int>] = []
    var start = -1, end = -1   // the run being grown (start < 0: none yet)
    let mergeGap: Int

    init(mergeGap: Int) { self.mergeGap = mergeGap }

    @inline(__always)
    mutating func note(_ lo: Int, _ hi: Int) {
        if start >= 0, lo - end < mergeGap {
            end = hi
        } else {
            if start >= 0 { runs.append(start..<end) }
            start = lo
            end = hi
        }
    }

    mutating func finished() -> [Range<Int>] {
        if start >= 0 { runs.append(start..<end) }
        start = -1
        return runs
    }
}

extension Array where Element == UInt8 {
    @inlinable @inline(__always)
    func checkRange(_ offset: Int, _ size: Int) {
        precondition(offset >= 0 && size <= count && offset <= count &- size, "byte access out of range")
    }

    @inlinable @inline(__always)
    public func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        checkRange(offset, MemoryLayout<T>.size)
        return T(littleEndian: unsafe withUnsafeBytes { unsafe $0.loadUnaligned(fromByteOffset: offset, as: T.self) })
    }

    @inlinable @inline(__always)
    public func loadBE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        checkRange(offset, MemoryLayout<T>.size)
        return T(bigEndian: unsafe withUnsafeBytes { unsafe $0.loadUnaligned(fromByteOffset: offset, as: T.self) })
    }

    @inlinable @inline(__always)
    public mutating func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        checkRange(offset, MemoryLayout<T>.size)
        unsafe withUnsafeMutableBytes { unsafe $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }

    @inlinable @inline(__always)
    public mutating func storeBE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        checkRange(offset, MemoryLayout<T>.size)
        unsafe withUnsafeMutableBytes { unsafe $0.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self) }
    }

    /// Copies `source` over `self[offset ..< offset + source.count]` (one memory copy, no per-byte work).
    @inlinable
    public mutating func storeBytes(_ source: ArraySlice<UInt8>, at offset: Int) {
        checkRange(offset, source.count)
        guard !source.isEmpty else { return }
        unsafe withUnsafeMutableBytes { destination in
            unsafe source.withUnsafeBytes { bytes in
                guard let from = bytes.baseAddress, let to = destination.baseAddress else { return }
                unsafe to.advanced(by: offset).copyMemory(from: from, byteCount: bytes.count)
            }
        }
    }

    /// Appends all of `run` when its bytes are contiguous in memory and none is zero; otherwise appends
    /// nothing and returns false (the caller then goes byte by byte).
    @inlinable
    public mutating func appendWholeIfNoZero<C: Sequence<UInt8>>(_ run: C) -> Bool {
        run.withContiguousStorageIfAvailable { buffer in
            guard unsafe !buffer.contains(0) else { return false }
            unsafe self.append(contentsOf: buffer)
            return true
        } ?? false
    }

    /// The runs of `range` where `self` and `other` may differ, ascending and disjoint: every byte outside
    /// the runs is equal in both. Compared `block` bytes at a time (a run is whole blocks, cut to `range`);
    /// runs closer than `mergeGap` bytes are joined. Both arrays must cover `range`.
    public func differingRuns(from other: [UInt8], in range: Range<Int>, block: Int = 64,
                              mergeGap: Int = 128) -> [Range<Int>] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count && range.upperBound <= other.count
                     && block > 0, "compared range out of bounds")
        var runs: [Range<Int>] = []
        unsafe withUnsafeBytes { mine in
            unsafe other.withUnsafeBytes { theirs in
                guard let a = mine.baseAddress, let b = theirs.baseAddress else { return }
                // Chunks of eight blocks first: most of a page is unchanged, and one comparison skips a chunk.
                var chunk = range.lowerBound
                while chunk < range.upperBound {
                    let chunkEnd = Swift.min(chunk + 8 * block, range.upperBound)
                    if unsafe memcmp(a + chunk, b + chunk, chunkEnd - chunk) != 0 {
                        var start = chunk
                        while start < chunkEnd {
                            let end = Swift.min(start + block, chunkEnd)
                            if unsafe memcmp(a + start, b + start, end - start) != 0 {
                                if let last = runs.last, start - last.upperBound < mergeGap {
                                    runs[runs.count - 1] = last.lowerBound..<end
                                } else {
                                    runs.append(start..<end)
                                }
                            }
                            start = end
                        }
                    }
                    chunk = chunkEnd
                }
            }
        }
        return runs
    }

    /// The exact runs of `range` where `self` and `other` differ, ascending and disjoint: every byte of a
    /// run but those of a joined gap differs, and every byte outside the runs is equal in both. Two runs
    /// with fewer than `mergeGap` equal bytes between them are joined. Unchanged 128-byte chunks are skipped
    /// with one `memcmp`; a changed chunk is compared eight bytes at a time. Both arrays must cover `range`.
    public func changedRuns(from other: [UInt8], in range: Range<Int>, mergeGap: Int) -> [Range<Int>] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count && range.upperBound <= other.count,
                     "compared range out of bounds")
        var runs = RunCollector(mergeGap: mergeGap)
        unsafe withUnsafeBytes { mine in
            unsafe other.withUnsafeBytes { theirs in
                guard let a = mine.baseAddress, let b = theirs.baseAddress else { return }
                var chunk = range.lowerBound
                while chunk < range.upperBound {
                    let chunkEnd = Swift.min(chunk + 128, range.upperBound)
                    defer { chunk = chunkEnd }
                    if unsafe memcmp(a + chunk, b + chunk, chunkEnd - chunk) == 0 { continue }
                    var i = chunk
                    while i + 8 <= chunkEnd {
                        // Byte k of the word is bits 8k ..< 8k + 8 of x (little-endian loads).
                        let wordA = unsafe a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        let wordB = unsafe b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        var x = UInt64(littleEndian: wordA) ^ UInt64(littleEndian: wordB)
                        // Every byte differs (no zero byte in x): the common case inside a moved block.
                        if (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 == 0 {
                            runs.note(i, i + 8)
                            i += 8
                            continue
                        }
                        while x != 0 {
                            let k = x.trailingZeroBitCount / 8
                            var m = k + 1
                            while m < 8, (x >> UInt64(8 * m)) & 0xFF != 0 { m += 1 }
                            runs.note(i + k, i + m)
                            x = m == 8 ? 0 : x & ~((1 << UInt64(8 * m)) &- 1)
                        }
                        i += 8
                    }
                    while i < chunkEnd {
                        let byteA = unsafe a.load(fromByteOffset: i, as: UInt8.self)
                        let byteB = unsafe b.load(fromByteOffset: i, as: UInt8.self)
                        if byteA != byteB { runs.note(i, i + 1) }
                        i += 1
                    }
                }
            }
        }
        return runs.finished()
    }

    /// Appends the little-endian bytes of `value`.
    @inlinable
    public mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        for _ in 0..<MemoryLayout<T>.size { append(UInt8(truncatingIfNeeded: v)); v >>= 8 }
    }

    /// Appends the big-endian bytes of `value` (the order-preserving form used in keys).
    @inlinable
    public mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        var shift = (size - 1) * 8
        let v = UInt64(truncatingIfNeeded: value)
        for _ in 0..<size { append(UInt8(truncatingIfNeeded: v >> UInt64(shift))); shift -= 8 }
    }
}

extension ArraySlice where Element == UInt8 {
    /// The `T` stored little- or big-endian at slice index `index` (an index of the slice, not an offset
    /// from its start); the whole value must lie within the slice.
    @inlinable @inline(__always)
    public func load<T: FixedWidthInteger>(_: T.Type, atIndex index: Int, bigEndian: Bool) -> T {
        precondition(index >= startIndex && MemoryLayout<T>.size <= count
                     && index - startIndex <= count &- MemoryLayout<T>.size, "byte access out of range")
        let raw = unsafe withUnsafeBytes {
            unsafe $0.loadUnaligned(fromByteOffset: index - startIndex, as: T.self)
        }
        return bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
    }
}
