// ValueCodec: the record form of a Value (a tag byte, then the payload), used inside node and edge records.
// Layer: SombraFormat (bytes only). Spec: Docs/FORMAT.md, "Value encoding".
//
// Invariants:
//  1. Tags: 0 null, 1 false, 2 true, 3 int (zigzag varint), 4 double (8 bytes LE bit pattern),
//     5 string (varint length + UTF-8), 6 bytes (varint length + bytes), 7 list (varint count + values),
//     8 map (varint count + (varint key length, UTF-8 key, value)*). Any other tag is corrupt.
//  2. Encoding is canonical and exact: doubles keep their bit pattern (NaN payloads, -0.0), map keys are
//     written in strictly ascending UTF-8 byte order, varints are shortest. decode(encode(v)) == v, and
//     equal values (Value ==) have equal bytes.
//  3. Nesting is capped at `maxValueNestingDepth` containers (Value.nestingDepth): the encoder refuses deeper
//     values with `.invalidArgument`, the decoder rejects them as corrupt, so recursion is bounded.
//  4. The decoder trusts nothing: it validates UTF-8, checks each length and count against the remaining
//     bytes before allocating, rejects unsorted or duplicate map keys (including keys Swift's String treats
//     as equal), and `decode` rejects trailing bytes.

public enum ValueCodec {
    /// The deepest nesting of lists and maps a value may have.
    public static let maxValueNestingDepth = 32

    public enum Tag: UInt8, Sendable {
        case null = 0, boolFalse = 1, boolTrue = 2, int = 3, double = 4, string = 5, bytes = 6, list = 7, map = 8
    }

    // MARK: Encoding

    /// The record bytes of `value`; throws `.invalidArgument` if it nests deeper than the cap.
    public static func encode(_ value: Value) throws(SombraError) -> [UInt8] {
        var bytes: [UInt8] = []
        try append(value, to: &bytes)
        return bytes
    }

    /// Appends the record bytes of `value`; on a throw `bytes` may hold a partial encoding.
    public static func append(_ value: Value, to bytes: inout [UInt8]) throws(SombraError) {
        try append(value, to: &bytes, depth: 0)
    }

    /// `depth` counts the containers enclosing `value`.
    static func append(_ value: Value, to bytes: inout [UInt8], depth: Int) throws(SombraError) {
        switch value {
        case .null: bytes.append(Tag.null.rawValue)
        case .bool(let b): bytes.append(b ? Tag.boolTrue.rawValue : Tag.boolFalse.rawValue)
        case .int(let v):
            bytes.append(Tag.int.rawValue)
            Varint.appendSigned(v, to: &bytes)
        case .double(let v):
            bytes.append(Tag.double.rawValue)
            bytes.appendLE(v.bitPattern)
        case .string(let s):
            bytes.append(Tag.string.rawValue)
            appendString(s, to: &bytes)
        case .bytes(let b):
            bytes.append(Tag.bytes.rawValue)
            appendRun(b, to: &bytes)
        case .list(let items):
            try checkContainerDepth(depth)
            bytes.append(Tag.list.rawValue)
            Varint.append(UInt64(items.count), to: &bytes)
            for item in items { try append(item, to: &bytes, depth: depth + 1) }
        case .map(let entries):
            try checkContainerDepth(depth)
            bytes.append(Tag.map.rawValue)
            Varint.append(UInt64(entries.count), to: &bytes)
            for entry in Value.sortedEntries(entries) {
                appendString(entry.key, to: &bytes)
                try append(entry.value, to: &bytes, depth: depth + 1)
            }
        }
    }

    static func appendRun<C: Collection<UInt8>>(_ run: C, to bytes: inout [UInt8]) {
        Varint.append(UInt64(run.count), to: &bytes)
        bytes.append(contentsOf: run)
    }

    /// `appendRun(s.utf8)` through the string's contiguous UTF-8 (one copy, not the view's generic append).
    static func appendString(_ s: String, to bytes: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            Varint.append(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    static func checkContainerDepth(_ enclosing: Int) throws(SombraError) {
        guard enclosing < maxValueNestingDepth else {
            throw .invalidArgument("value nests lists or maps deeper than \(maxValueNestingDepth) levels")
        }
    }

    // MARK: Decoding

    /// Decodes exactly one value filling `bytes`; `page` names the page in errors (0 = unknown).
    public static func decode(_ bytes: [UInt8], page: PageID = .none) throws(SombraError) -> Value {
        var reader = ByteReader(bytes, page: page)
        let value = try read(from: &reader)
        try reader.expectEnd("value")
        return value
    }

    /// Reads one value at the reader's cursor.
    public static func read(from reader: inout ByteReader) throws(SombraError) -> Value {
        try read(from: &reader, depth: 0)
    }

    static func read(from reader: inout ByteReader, depth: Int) throws(SombraError) -> Value {
        let tagOffset = reader.offset
        let rawTag = try reader.readU8()
        guard let tag = Tag(rawValue: rawTag) else {
            throw reader.corrupt("unknown value tag \(rawTag) at offset \(tagOffset)")
        }
        switch tag {
        case .null: return .null
        case .boolFalse: return .bool(false)
        case .boolTrue: return .bool(true)
        case .int: return .int(try reader.readSignedVarint())
        case .double: return .double(Double(bitPattern: try reader.readU64LE()))
        case .string:
            let length = try reader.readCount(elementBytesMin: 1, "string length")
            return .string(try reader.readUTF8(count: length, "string"))
        case .bytes:
            let length = try reader.readCount(elementBytesMin: 1, "bytes length")
            return .bytes(try reader.readBytes(count: length))
        case .list:
            try checkDecodeDepth(depth, reader: reader, at: tagOffset)
            return .list(try readList(from: &reader, depth: depth))
        case .map:
            try checkDecodeDepth(depth, reader: reader, at: tagOffset)
            return .map(try readMap(from: &reader, depth: depth))
        }
    }

    static func checkDecodeDepth(_ enclosing: Int, reader: ByteReader, at offset: Int) throws(SombraError) {
        guard enclosing < maxValueNestingDepth else {
            throw reader.corrupt("value at offset \(offset) nests deeper than \(maxValueNestingDepth) levels")
        }
    }

    static func readList(from reader: inout ByteReader, depth: Int) throws(SombraError) -> [Value] {
        // Each element takes at least its tag byte.
        let count = try reader.readCount(elementBytesMin: 1, "list count")
        var items: [Value] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try read(from: &reader, depth: depth + 1)) }
        return items
    }

    static func readMap(from reader: inout ByteReader, depth: Int) throws(SombraError) -> [String: Value] {
        // Each entry takes at least a key-length byte and a value tag byte.
        let count = try reader.readCount(elementBytesMin: 2, "map count")
        var entries: [String: Value] = [:]
        entries.reserveCapacity(count)
        var previousKey: [UInt8]? = nil
        for _ in 0..<count {
            let keyOffset = reader.offset
            let keyLength = try reader.readCount(elementBytesMin: 1, "map key length")
            let keyBytes = try reader.readBytes(count: keyLength)
            if let previous = previousKey, !previous.lexicographicallyPrecedes(keyBytes) {
                throw reader.corrupt("map key at offset \(keyOffset) is not after the previous key (unsorted or duplicate)")
            }
            guard let key = String(validating: keyBytes, as: UTF8.self) else {
                throw reader.corrupt("map key at offset \(keyOffset) is not valid UTF-8")
            }
            let value = try read(from: &reader, depth: depth + 1)
            if case .some = entries.updateValue(value, forKey: key) {
                throw reader.corrupt("map key at offset \(keyOffset) duplicates an earlier, equivalent key")
            }
            previousKey = keyBytes
        }
        return entries
    }
}
