// ByteAccess: fixed-width little- and big-endian loads and stores on byte arrays, and byte-range copies.
//
// This is one of the few places with unsafe pointer code (marked `unsafe`). Callers validate offsets that
// come from disk *before* calling these; the range check here is the last line of defence and a failure
// means an engine bug, never a file's fault.

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
