// KeyEncoding: order-preserving, prefix-free byte keys for B+trees (ids, numbers, strings, index values).
// Layer: SombraFormat (bytes only). Spec: Docs/FORMAT.md, "Key encoding".
//
// Invariants:
//  1. Order: for each component kind, a < b exactly when enc(a) < enc(b) as unsigned bytes (memcmp order).
//     UInt32/UInt64 are big-endian; Int64 flips the sign bit; Double maps to `orderedBits` (IEEE total order,
//     -Inf < ... < -0.0 < +0.0 < ... < +Inf < NaN, every NaN written as the canonical 0x7FF8000000000000).
//  2. Prefix-free: no component's encoding is a proper prefix of another's of the same kind (fixed widths;
//     strings and bytes escape 0x00 as 00 FF and end with 00 00), so composite keys compare component-wise.
//  3. Index values (`appendIndexValue`) start with a type tag (null 10, false 20, true 21, int 30, double 31,
//     string 40, bytes 50) whose order matches Value.totalOrder's type ranks. A string or bytes payload longer
//     than `stringPrefixMax` keeps its first `stringPrefixMax` bytes and ends with 00 01 instead of 00 00;
//     this keeps order non-strict (a < b implies enc(a) <= enc(b)) and never equals an exact encoding.
//  4. KeyDecoder reads exactly what KeyEncoder wrote and throws `.corruptPage` on anything else (short input,
//     a bad escape, a missing terminator, an unknown tag, a non-canonical NaN, invalid UTF-8); it never traps.

public enum KeyEncoding {
    /// Index-value type tags (invariant 3).
    public enum IndexTag: UInt8, Sendable {
        case null = 0x10, boolFalse = 0x20, boolTrue = 0x21, int = 0x30, double = 0x31, string = 0x40, bytes = 0x50
    }

    /// The one NaN keys hold.
    public static let canonicalNaNBits: UInt64 = 0x7FF8_0000_0000_0000

    /// A UInt64 whose unsigned order is the IEEE total order of doubles, NaNs canonicalized (invariant 1).
    @inlinable
    public static func orderedBits(of value: Double) -> UInt64 {
        let bits = value.isNaN ? canonicalNaNBits : value.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    /// Inverse of `orderedBits` (yields canonical NaN for the NaN slot).
    @inlinable
    public static func double(fromOrderedBits ordered: UInt64) -> Double {
        Double(bitPattern: ordered & (1 << 63) != 0 ? ordered & ~(1 << 63) : ~ordered)
    }

    /// The smallest key greater than every key that starts with `prefix`: drop trailing FF bytes and add one
    /// to the last remaining byte. Nil when no such key exists (empty prefix or all FF): scan to the end.
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last == 0xFF {
                end.removeLast()
            } else {
                end[end.count - 1] = last + 1
                return end
            }
        }
        return nil
    }

    /// Unsigned byte comparison (-1, 0, 1): the order B+trees keep keys in.
    public static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int { Value.compareBytes(a, b) }
}

/// Builds a composite key one component at a time.
public struct KeyEncoder: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 32) {
        bytes = []
        bytes.reserveCapacity(max(capacity, 0))
    }

    /// Empties the key, keeping its storage (reused in place when no copy of `bytes` is alive).
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func appendUInt64(_ value: UInt64) { bytes.appendBE(value) }
    public mutating func appendUInt32(_ value: UInt32) { bytes.appendBE(value) }
    public mutating func appendInt64(_ value: Int64) { bytes.appendBE(UInt64(bitPattern: value) ^ (1 << 63)) }
    public mutating func appendDouble(_ value: Double) { bytes.appendBE(KeyEncoding.orderedBits(of: value)) }
    public mutating func appendString(_ value: String) { appendEscaped(value.utf8, truncated: false) }
    public mutating func appendBytes(_ value: [UInt8]) { appendEscaped(value, truncated: false) }

    /// Appends a property value for an index key. Returns true when the key holds the whole value, false when
    /// a string or bytes payload was cut to its first `stringPrefixMax` bytes (the caller must then check
    /// candidates against the record). Lists and maps are not indexable: `.invalidArgument`.
    public mutating func appendIndexValue(_ value: Value, stringPrefixMax: Int) throws(SombraError) -> Bool {
        guard stringPrefixMax >= 0 else { throw .invalidArgument("stringPrefixMax \(stringPrefixMax) is negative") }
        switch value {
        case .null: bytes.append(KeyEncoding.IndexTag.null.rawValue)
        case .bool(let b): bytes.append(b ? KeyEncoding.IndexTag.boolTrue.rawValue : KeyEncoding.IndexTag.boolFalse.rawValue)
        case .int(let v):
            bytes.append(KeyEncoding.IndexTag.int.rawValue)
            appendInt64(v)
        case .double(let v):
            bytes.append(KeyEncoding.IndexTag.double.rawValue)
            appendDouble(v)
        case .string(let s):
            bytes.append(KeyEncoding.IndexTag.string.rawValue)
            return appendPrefix(s.utf8, max: stringPrefixMax)
        case .bytes(let b):
            bytes.append(KeyEncoding.IndexTag.bytes.rawValue)
            return appendPrefix(b, max: stringPrefixMax)
        case .list, .map:
            throw .invalidArgument("a \(value.kindName) value cannot be indexed")
        }
        return true
    }

    mutating func appendPrefix<C: Collection<UInt8>>(_ run: C, max: Int) -> Bool {
        if run.count <= max {
            appendEscaped(run, truncated: false)
            return true
        }
        appendEscaped(run.prefix(max), truncated: true)
        return false
    }

    mutating func appendEscaped<C: Sequence<UInt8>>(_ run: C, truncated: Bool) {
        // Most runs (names, text) hold no zero byte: those are copied whole.
        if !bytes.appendWholeIfNoZero(run) {
            for byte in run {
                bytes.append(byte)
                if byte == 0 { bytes.append(0xFF) }
            }
        }
        bytes.append(0x00)
        bytes.append(truncated ? 0x01 : 0x00)
    }
}

/// What an index-value component decodes to.
public enum IndexKeyValue: Sendable, Hashable {
    /// The key holds the whole value.
    case exact(Value)
    /// The key holds only the first bytes of a longer string (possibly cut inside a UTF-8 sequence).
    case truncatedString(prefix: [UInt8])
    /// The key holds only the first bytes of a longer byte string.
    case truncatedBytes(prefix: [UInt8])
}

/// Reads components back from a key, in the order they were appended.
public struct KeyDecoder: Sendable {
    var reader: ByteReader

    public init(_ bytes: [UInt8], page: PageID = .none) { reader = ByteReader(bytes, page: page) }
    public init(_ bytes: ArraySlice<UInt8>, page: PageID = .none) { reader = ByteReader(bytes, page: page) }

    public var isAtEnd: Bool { reader.isAtEnd }
    public var remainingCount: Int { reader.remainingCount }
    public func expectEnd() throws(SombraError) { try reader.expectEnd("key") }

    public mutating func readUInt64() throws(SombraError) -> UInt64 { try reader.readU64BE() }
    public mutating func readUInt32() throws(SombraError) -> UInt32 { try reader.readU32BE() }
    public mutating func readInt64() throws(SombraError) -> Int64 { Int64(bitPattern: try reader.readU64BE() ^ (1 << 63)) }

    public mutating func readDouble() throws(SombraError) -> Double {
        let offset = reader.offset
        let value = KeyEncoding.double(fromOrderedBits: try reader.readU64BE())
        guard !value.isNaN || value.bitPattern == KeyEncoding.canonicalNaNBits else {
            throw reader.corrupt("key double at offset \(offset) is a non-canonical NaN")
        }
        return value
    }

    public mutating func readString() throws(SombraError) -> String {
        let offset = reader.offset
        return try validUTF8(try readEscaped(allowTruncated: false).bytes, at: offset)
    }

    public mutating func readBytes() throws(SombraError) -> [UInt8] {
        try readEscaped(allowTruncated: false).bytes
    }

    /// Reads a component written by `KeyEncoder.appendIndexValue`.
    public mutating func readIndexValue() throws(SombraError) -> IndexKeyValue {
        let offset = reader.offset
        let rawTag = try reader.readU8()
        guard let tag = KeyEncoding.IndexTag(rawValue: rawTag) else {
            throw reader.corrupt("unknown index value tag \(rawTag) at key offset \(offset)")
        }
        switch tag {
        case .null: return .exact(.null)
        case .boolFalse: return .exact(.bool(false))
        case .boolTrue: return .exact(.bool(true))
        case .int: return .exact(.int(try readInt64()))
        case .double: return .exact(.double(try readDouble()))
        case .string:
            let (raw, truncated) = try readEscaped(allowTruncated: true)
            if truncated { return .truncatedString(prefix: raw) }
            return .exact(.string(try validUTF8(raw, at: offset + 1)))
        case .bytes:
            let (raw, truncated) = try readEscaped(allowTruncated: true)
            return truncated ? .truncatedBytes(prefix: raw) : .exact(.bytes(raw))
        }
    }

    /// Un-escapes up to the terminator. Each pass consumes at least one byte, so the loop is bounded by the
    /// input, and the output is never longer than the input.
    mutating func readEscaped(allowTruncated: Bool) throws(SombraError) -> (bytes: [UInt8], truncated: Bool) {
        let start = reader.offset
        var out: [UInt8] = []
        while let byte = reader.peekU8() {
            _ = try reader.readU8()
            if byte != 0 {
                out.append(byte)
                continue
            }
            guard let next = reader.peekU8() else { break }
            _ = try reader.readU8()
            switch next {
            case 0xFF: out.append(0)
            case 0x00: return (out, false)
            case 0x01 where allowTruncated: return (out, true)
            default: throw reader.corrupt("key string at offset \(start) has a bad escape 00 \(next)")
            }
        }
        throw reader.corrupt("key string at offset \(start) has no terminator")
    }

    func validUTF8(_ raw: [UInt8], at offset: Int) throws(SombraError) -> String {
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw reader.corrupt("key string at offset \(offset) is not valid UTF-8")
        }
        return string
    }
}
