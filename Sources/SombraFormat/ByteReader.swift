// ByteReader: a bounds-checked cursor over untrusted bytes, the one way record and key decoders read.
// Layer: SombraFormat (bytes only, no I/O).
//
// Invariants:
//  1. Every read checks the remaining length first and throws `.corruptPage(page:reason:)` when short; no
//     read traps, whatever the bytes.
//  2. `readBytes(count:)` and `readCount` check a length against the remaining bytes BEFORE allocating, so an
//     untrusted length can never size a buffer larger than the input it came from.
//  3. The cursor only moves forward, and only past bytes it has checked; a failed read leaves no partial
//     result visible to the caller (the error aborts the decode).
//  4. `page` only labels errors: records do not know where they live, so the caller passes it
//     (`PageID.none`, 0, means "unknown page").

public struct ByteReader: Sendable {
    public let page: PageID
    @usableFromInline let storage: ArraySlice<UInt8>
    @usableFromInline var position: Int

    public init(_ bytes: [UInt8], page: PageID = .none) {
        self.init(bytes[...], page: page)
    }

    public init(_ bytes: ArraySlice<UInt8>, page: PageID = .none) {
        self.storage = bytes
        self.position = bytes.startIndex
        self.page = page
    }

    /// Bytes consumed so far.
    public var offset: Int { position - storage.startIndex }
    /// Bytes not yet consumed.
    public var remainingCount: Int { storage.endIndex - position }
    public var isAtEnd: Bool { position >= storage.endIndex }

    /// The error this reader throws, naming its page.
    public func corrupt(_ reason: String) -> SombraError {
        .corruptPage(page: page.rawValue, reason: reason)
    }

    // MARK: Fixed-width reads

    public mutating func readU8() throws(SombraError) -> UInt8 {
        guard position < storage.endIndex else { throw corrupt("unexpected end of bytes at offset \(offset)") }
        let byte = storage[position]
        position += 1
        return byte
    }

    public mutating func readU32LE() throws(SombraError) -> UInt32 { try readFixed(UInt32.self, bigEndian: false) }

    public mutating func readU64LE() throws(SombraError) -> UInt64 { try readFixed(UInt64.self, bigEndian: false) }

    public mutating func readU32BE() throws(SombraError) -> UInt32 { try readFixed(UInt32.self, bigEndian: true) }

    public mutating func readU64BE() throws(SombraError) -> UInt64 { try readFixed(UInt64.self, bigEndian: true) }

    /// One load of a fixed-width integer (ByteAccess), after checking that its bytes remain.
    @inline(__always)
    mutating func readFixed<T: FixedWidthInteger>(_: T.Type, bigEndian: Bool) throws(SombraError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remainingCount else {
            throw corrupt("need \(size) bytes at offset \(offset), \(remainingCount) left")
        }
        let value = storage.load(T.self, atIndex: position, bigEndian: bigEndian)
        position += size
        return value
    }

    // MARK: Varints

    /// Reads a canonical LEB128 varint (Varint.swift, invariant 2). A one-byte varint (below 128, the
    /// usual delta, id or length) is read inline; longer ones take the checked loop.
    @inlinable @inline(__always)
    public mutating func readVarint() throws(SombraError) -> UInt64 {
        if position < storage.endIndex {
            let byte = storage[position]
            if byte < 0x80 {
                position += 1
                return UInt64(byte)
            }
        }
        return try readLongVarint()
    }

    /// `readVarint` past its one-byte fast path: every check of invariant 1 and Varint.swift's canonical form
    /// (at most 10 bytes, the tenth at most 1, no trailing zero byte).
    @usableFromInline
    mutating func readLongVarint() throws(SombraError) -> UInt64 {
        let start = offset
        let end = storage.endIndex
        var p = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard p < end else { throw corrupt("varint at offset \(start) is cut short") }
            let byte = storage[p]
            p &+= 1
            value |= UInt64(byte & 0x7F) &<< shift
            if byte < 0x80 {
                guard shift < 63 || byte <= 1 else { throw corrupt("varint at offset \(start) overflows 64 bits") }
                guard byte != 0 || shift == 0 else {
                    throw corrupt("varint at offset \(start) is overlong (not in its shortest form)")
                }
                position = p
                return value
            }
            shift &+= 7
            guard shift <= 63 else { throw corrupt("varint at offset \(start) overflows 64 bits") }
        }
    }

    /// Reads a varint that must fit in 32 bits (label, type and property-key ids).
    public mutating func readVarintU32(_ what: String) throws(SombraError) -> UInt32 {
        let start = offset
        let value = try readVarint()
        guard let narrow = UInt32(exactly: value) else {
            throw corrupt("\(what) \(value) at offset \(start) does not fit in 32 bits")
        }
        return narrow
    }

    /// Reads a zigzag-mapped signed varint.
    public mutating func readSignedVarint() throws(SombraError) -> Int64 {
        Varint.zigzagDecode(try readVarint())
    }

    /// Reads a varint count or length and checks that `count * elementBytesMin` bytes remain, so a caller may
    /// reserve `count` elements. `elementBytesMin` is the fewest bytes one element can take (at least 1).
    public mutating func readCount(elementBytesMin: Int, _ what: String) throws(SombraError) -> Int {
        let start = offset
        let raw = try readVarint()
        let perElement = UInt64(max(elementBytesMin, 1))
        // raw <= remaining / perElement  <=>  raw * perElement <= remaining, without overflow.
        guard raw <= UInt64(remainingCount) / perElement else {
            throw corrupt("\(what) \(raw) at offset \(start) exceeds the \(remainingCount) bytes left")
        }
        return Int(raw)
    }

    // MARK: Byte runs

    /// Reads `count` bytes; checks the length before allocating.
    public mutating func readBytes(count: Int) throws(SombraError) -> [UInt8] {
        guard count >= 0, count <= remainingCount else {
            throw corrupt("need \(count) bytes at offset \(offset), \(remainingCount) left")
        }
        let bytes = Array(storage[position..<(position + count)])
        position += count
        return bytes
    }

    /// Reads `count` bytes that must be valid UTF-8.
    public mutating func readUTF8(count: Int, _ what: String) throws(SombraError) -> String {
        let start = offset
        guard count >= 0, count <= remainingCount else {
            throw corrupt("need \(count) bytes at offset \(offset), \(remainingCount) left")
        }
        // Validated straight from the stored bytes: no intermediate array. ASCII (the common case) is
        // valid UTF-8 as it stands, so it is checked with a plain byte loop and decoded without validation.
        let bytes = storage[position..<(position + count)]
        let decoded = bytes.allSatisfy({ $0 < 0x80 }) ? String(decoding: bytes, as: UTF8.self)
                                                       : String(validating: bytes, as: UTF8.self)
        guard let string = decoded else {
            throw corrupt("\(what) at offset \(start) is not valid UTF-8")
        }
        position += count
        return string
    }

    /// Looks at the next byte without consuming it (nil at the end).
    public func peekU8() -> UInt8? {
        position < storage.endIndex ? storage[position] : nil
    }

    /// Throws unless every byte has been consumed (decoders reject trailing bytes).
    public func expectEnd(_ what: String) throws(SombraError) {
        guard isAtEnd else {
            throw corrupt("\(remainingCount) trailing bytes after the \(what) at offset \(offset)")
        }
    }
}
