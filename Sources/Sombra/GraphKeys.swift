// GraphKeys: the B+tree key layouts of the graph layer (Docs/FORMAT.md, "Graph trees").
//
// Byte order is numeric order: fixed-width integers are big-endian, `o(x)` is an OrderedUInt (a length byte
// and the value's significant bytes, big-endian):
//   nodes       node id (8)                                   -> node record
//   edges       edge id (8)                                   -> edge record
//   out-edges   o(source) | o(type) | o(target) | o(edge)     -> the chunk's further entries (AdjacencyChunk)
//   in-edges    o(target) | o(type) | o(source) | o(edge)     -> the chunk's further entries (AdjacencyChunk)
//   labels      label (4) | node (8)                          -> empty
//   properties  index id (4) | index value (KeyEncoder) | node (8) -> [] exact, [1] truncated value
//   names       0x01 | UTF-8 name -> id (4);  0x02 | id (4) -> UTF-8 name
//   catalog     0x01 | counter name -> u64 LE; 0x02 | label (4) -> count; 0x03 | type (4) -> count;
//               0x04 | label (4) | key (4) -> index id (4)
import SombraFormat

enum GraphKeys {
    static func id(_ v: UInt64) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(8)
        b.appendBE(v)
        return b
    }

    static func readID(_ key: [UInt8], at offset: Int = 0) -> UInt64? {
        guard offset >= 0, key.count >= offset + 8 else { return nil }
        return key.loadBE(UInt64.self, at: offset)
    }

    /// The adjacency key (this end, type, other end, edge); 4 to 33 bytes.
    static func adjacency(_ a: UInt64, _ type: UInt32, _ b: UInt64, _ edge: UInt64) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(adjacencySize(a, type, b, edge))
        appendAdjacency(a, type, b, edge, to: &k)
        return k
    }

    /// Appends the adjacency key (this end, type, other end, edge) to `k` (bulk builds write keys in place).
    @inline(__always)
    static func appendAdjacency(_ a: UInt64, _ type: UInt32, _ b: UInt64, _ edge: UInt64, to k: inout [UInt8]) {
        OrderedUInt.append(a, to: &k)
        OrderedUInt.append(UInt64(type), to: &k)
        OrderedUInt.append(b, to: &k)
        OrderedUInt.append(edge, to: &k)
    }

    /// The adjacency key of entry `k`.
    static func adjacency(_ k: AdjacencyKey) -> [UInt8] { adjacency(k.this, k.type, k.other, k.edge) }

    /// The length of `adjacency(a, type, b, edge)`.
    @inline(__always)
    static func adjacencySize(_ a: UInt64, _ type: UInt32, _ b: UInt64, _ edge: UInt64) -> Int {
        OrderedUInt.size(of: a) + OrderedUInt.size(of: UInt64(type)) + OrderedUInt.size(of: b) + OrderedUInt.size(of: edge)
    }

    /// The prefix of every adjacency key of node `a` (of one type, towards one other end, when given).
    static func adjacencyPrefix(_ a: UInt64, type: UInt32? = nil, other: UInt64? = nil) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(27)
        OrderedUInt.append(a, to: &k)
        if let type {
            OrderedUInt.append(UInt64(type), to: &k)
            if let other { OrderedUInt.append(other, to: &k) }
        }
        return k
    }

    /// The adjacency key in `bytes[start ..< start + count]`; nil unless it is exactly the four fields.
    @inline(__always)
    static func decodeAdjacency(_ bytes: [UInt8], start: Int, count: Int) -> AdjacencyKey? {
        var at = start
        let end = start + count
        guard let a = OrderedUInt.read(bytes, at: &at, end: end),
              let t = OrderedUInt.read(bytes, at: &at, end: end, widthBytes: 4),
              let b = OrderedUInt.read(bytes, at: &at, end: end),
              let e = OrderedUInt.read(bytes, at: &at, end: end), at == end else { return nil }
        return AdjacencyKey(this: a, type: UInt32(truncatingIfNeeded: t), other: b, edge: e)
    }

    /// (this end, type, other end, edge) from an adjacency key.
    static func parseAdjacency(_ k: [UInt8]) -> (UInt64, UInt32, UInt64, UInt64)? {
        guard let key = decodeAdjacency(k, start: 0, count: k.count) else { return nil }
        return (key.this, key.type, key.other, key.edge)
    }

    static func label(_ label: UInt32, _ node: UInt64) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(12)
        k.appendBE(label); k.appendBE(node)
        return k
    }

    static func labelPrefix(_ label: UInt32) -> [UInt8] {
        var k: [UInt8] = []
        k.appendBE(label)
        return k
    }

    /// Longest string or bytes payload kept whole in a property-index key; longer ones are truncated and
    /// their matches are confirmed against the record.
    static let indexStringPrefixMax = 256

    /// The index-key prefix for `value` in index `index` (without the node id), and whether it is exact.
    static func propertyPrefix(_ index: UInt32, _ value: Value) throws(SombraError) -> (key: [UInt8], exact: Bool) {
        var e = KeyEncoder(capacity: 32)
        let exact = try appendPropertyPrefix(index, value, to: &e)
        return (e.bytes, exact)
    }

    /// Appends `propertyPrefix(index, value)` to `encoder`; returns whether it is exact.
    static func appendPropertyPrefix(_ index: UInt32, _ value: Value, to encoder: inout KeyEncoder) throws(SombraError) -> Bool {
        encoder.appendUInt32(index)
        return try encoder.appendIndexValue(value, stringPrefixMax: indexStringPrefixMax)
    }

    static func property(_ index: UInt32, _ value: Value, _ node: UInt64) throws(SombraError) -> (key: [UInt8], exact: Bool) {
        var (k, exact) = try propertyPrefix(index, value)
        k.appendBE(node)
        return (k, exact)
    }

    static func nameToID(_ name: String) -> [UInt8] { [0x01] + Array(name.utf8) }
    static func idToName(_ id: UInt32) -> [UInt8] {
        var k: [UInt8] = [0x02]
        k.appendBE(id)
        return k
    }

    static func counter(_ name: String) -> [UInt8] { [0x01] + Array(name.utf8) }
    static func labelCount(_ label: UInt32) -> [UInt8] { var k: [UInt8] = [0x02]; k.appendBE(label); return k }
    static func typeCount(_ type: UInt32) -> [UInt8] { var k: [UInt8] = [0x03]; k.appendBE(type); return k }
    static func indexDeclaration(_ label: UInt32, _ key: UInt32) -> [UInt8] {
        var k: [UInt8] = [0x04]
        k.appendBE(label); k.appendBE(key)
        return k
    }

    static func u64Value(_ v: UInt64) -> [UInt8] { var b: [UInt8] = []; b.appendLE(v); return b }
    static func readU64Value(_ b: [UInt8]) -> UInt64? { b.count == 8 ? b.loadLE(UInt64.self, at: 0) : nil }
    static func u32Value(_ v: UInt32) -> [UInt8] { var b: [UInt8] = []; b.appendBE(v); return b }
    static func readU32Value(_ b: [UInt8]) -> UInt32? { b.count == 4 ? b.loadBE(UInt32.self, at: 0) : nil }
}
