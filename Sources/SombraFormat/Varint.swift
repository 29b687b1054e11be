// Varint: unsigned LEB128 integers (1 to 10 bytes) and zigzag mapping for signed ones.
// Layer: SombraFormat (bytes only). Spec: Docs/FORMAT.md, "Varints".
//
// Invariants:
//  1. Each byte carries 7 value bits, least significant group first; bit 7 set means "another byte follows".
//  2. Encodings are canonical: the encoder writes the fewest bytes, and the decoder (ByteReader.readVarint)
//     rejects a longer form of the same number (a last byte of 0 after the first), a tenth byte other than 1,
//     and any input that runs past 10 bytes or past the end of the buffer. So a number has exactly one encoding.
//  3. Zigzag maps 0, -1, 1, -2, 2, ... to 0, 1, 2, 3, 4, ...; it is a bijection between Int64 and UInt64.

public enum Varint {
    /// The longest encoding of a UInt64 (ceil(64 / 7)).
    public static let maxBytes = 10

    /// The number of bytes `append` writes for `value` (1...10).
    @inlinable
    public static func size(of value: UInt64) -> Int {
        let significantBits = 64 - value.leadingZeroBitCount
        return significantBits == 0 ? 1 : (significantBits + 6) / 7
    }

    /// Appends the canonical (shortest) LEB128 encoding of `value`.
    @inlinable
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    /// Appends the zigzag-mapped `value` as a varint.
    @inlinable
    public static func appendSigned(_ value: Int64, to bytes: inout [UInt8]) {
        append(zigzagEncode(value), to: &bytes)
    }

    /// The canonical encoding of `value` as a fresh array.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size(of: value))
        append(value, to: &bytes)
        return bytes
    }

    /// Decodes one varint at the start of `bytes`; returns the value and the bytes it used.
    public static func decode(_ bytes: [UInt8], page: PageID = .none) throws(SombraError) -> (value: UInt64, size: Int) {
        var reader = ByteReader(bytes, page: page)
        let value = try reader.readVarint()
        return (value, reader.offset)
    }

    @inlinable
    public static func zigzagEncode(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    @inlinable
    public static func zigzagDecode(_ value: UInt64) -> Int64 {
        Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }
}
