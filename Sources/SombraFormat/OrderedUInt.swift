// OrderedUInt: unsigned integers inside B+tree keys, short, and in numeric order under byte comparison.
// Layer: SombraFormat (bytes only). Spec: Docs/FORMAT.md, "Ordered integers".
//
// Layout: one length byte n (0...8), then the value's n significant bytes, big-endian, with no leading zero
// byte: 0 is `00`, 1 is `01 01`, 255 is `01 ff`, 256 is `02 01 00`.
//
// Invariants:
//  1. Byte order is numeric order: a larger value never has fewer bytes, and the length byte comes first.
//  2. Every value has exactly one encoding and each encoding says where it ends, so a key made of several
//     fields compares field by field, and the encoding of its first fields is a prefix of exactly the keys
//     that begin with those values.
//  3. `read` rejects (returns nil for) a length above the field's width, a leading zero byte, and a field
//     that runs past the end it is given. It never reads outside `bytes`.

public enum OrderedUInt {
    /// The bytes `append` writes for `value` (1...9).
    @inlinable
    public static func size(of value: UInt64) -> Int {
        1 + (64 - value.leadingZeroBitCount + 7) / 8
    }

    /// Appends the encoding of `value`.
    @inlinable
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        let n = size(of: value) - 1
        bytes.append(UInt8(truncatingIfNeeded: n))
        var shift = n * 8
        while shift > 0 {
            shift -= 8
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Decodes the field at `offset`, which must end by `end` (≤ bytes.count) and hold at most `widthBytes`
    /// value bytes; advances `offset` past it. nil: malformed (invariant 3).
    @inlinable @inline(__always)
    public static func read(_ bytes: [UInt8], at offset: inout Int, end: Int, widthBytes: Int = 8) -> UInt64? {
        guard offset >= 0, offset < end, end <= bytes.count else { return nil }
        let n = Int(bytes[offset])
        guard n <= widthBytes, n <= 8, end - offset - 1 >= n else { return nil }
        guard n > 0 else {
            offset += 1
            return 0
        }
        let first = offset + 1
        guard bytes[first] != 0 else { return nil }
        var value: UInt64 = 0
        if first <= bytes.count - 8 {
            // One 8-byte load; the bytes after the field are shifted out (1 <= n <= 8).
            value = bytes.loadBE(UInt64.self, at: first) >> UInt64(64 - 8 * n)
        } else {
            for at in first..<(first + n) { value = value << 8 | UInt64(bytes[at]) }
        }
        offset = first + n
        return value
    }
}
