// AdjacencyChunk: the value of an adjacency-tree cell, which packs the entries of one node that follow the
// entry named by the cell's key. Layer: SombraFormat (bytes only). Spec: Docs/FORMAT.md, "Adjacency chunks".
//
// A chunk is a run of one node's adjacency entries (this end, type, other end, edge) in strictly ascending
// order. The first entry is the cell's key; each following entry is stored relative to the one before it:
//   varint dt = type − previous type
//   varint other end − previous other end   when dt = 0, else the other end itself
//   varint edge − previous edge − 1          when dt = 0 and the other end is the same, else the edge itself
//
// Invariants:
//  1. Entries decode in strictly ascending (type, other end, edge) order and all share the key's node:
//     the encoding cannot express anything else, and `decode` rejects a type past 32 bits or a sum that
//     overflows 64 bits as a corrupt page.
//  2. A value the writer makes is at most `valueBytesMax` bytes, so a chunk cell always has the short
//     leaf-cell form and never an overflow chain. Readers do not rely on the bound.
//  3. `decode` reads only the bytes it is given and never traps, whatever they hold.

/// One adjacency entry: (this end, type, other end, edge); ordered like its key.
public struct AdjacencyKey: Hashable, Comparable, Sendable {
    public var this: UInt64
    public var type: UInt32
    public var other: UInt64
    public var edge: UInt64

    @inlinable
    public init(this: UInt64, type: UInt32, other: UInt64, edge: UInt64) {
        self.this = this
        self.type = type
        self.other = other
        self.edge = edge
    }

    @inlinable
    public static func < (x: AdjacencyKey, y: AdjacencyKey) -> Bool {
        (x.this, x.type, x.other, x.edge) < (y.this, y.type, y.other, y.edge)
    }
}

public enum AdjacencyChunk {
    /// The largest value a writer makes (fits the short leaf-cell form with room to spare).
    public static let valueBytesMax = 224

    /// The bytes `e` takes when stored after `previous` (same node, `previous < e`).
    @inlinable
    public static func entrySize(_ e: AdjacencyKey, after previous: AdjacencyKey) -> Int {
        let dt = UInt64(e.type &- previous.type)
        if dt != 0 { return Varint.size(of: dt) + Varint.size(of: e.other) + Varint.size(of: e.edge) }
        let dOther = e.other &- previous.other
        if dOther != 0 { return 1 + Varint.size(of: dOther) + Varint.size(of: e.edge) }
        return 2 + Varint.size(of: e.edge &- previous.edge &- 1)
    }

    /// Appends `e` stored after `previous` (same node, `previous < e`).
    @inlinable
    public static func append(_ e: AdjacencyKey, after previous: AdjacencyKey, to bytes: inout [UInt8]) {
        let dt = UInt64(e.type &- previous.type)
        Varint.append(dt, to: &bytes)
        if dt != 0 {
            Varint.append(e.other, to: &bytes)
            Varint.append(e.edge, to: &bytes)
            return
        }
        let dOther = e.other &- previous.other
        Varint.append(dOther, to: &bytes)
        Varint.append(dOther != 0 ? e.edge : e.edge &- previous.edge &- 1, to: &bytes)
    }

    /// The value of a chunk holding `entries` (ascending, one node): every entry after the first.
    public static func encode(_ entries: ArraySlice<AdjacencyKey>) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(entries, into: &bytes)
        return bytes
    }

    /// `encode(entries)` written into `bytes` (emptied first, its capacity kept).
    public static func encode(_ entries: ArraySlice<AdjacencyKey>, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        guard var previous = entries.first else { return }
        for e in entries.dropFirst() {
            append(e, after: previous, to: &bytes)
            previous = e
        }
    }

    /// The value size of a chunk holding `entries` (ascending, one node).
    public static func valueSize(_ entries: ArraySlice<AdjacencyKey>) -> Int {
        guard var previous = entries.first else { return 0 }
        var size = 0
        for e in entries.dropFirst() {
            size += entrySize(e, after: previous)
            previous = e
        }
        return size
    }

    /// Appends to `out` the entries stored in `value` after `first` (not `first` itself); a value that does
    /// not decode throws `.corruptPage` naming `page`.
    @inlinable
    public static func decode(_ value: ArraySlice<UInt8>, after first: AdjacencyKey, page: PageID,
                              into out: inout [AdjacencyKey]) throws(SombraError) {
        var reader = ByteReader(value, page: page)
        var previous = first
        while !reader.isAtEnd {
            previous = try decodeEntry(&reader, after: previous)
            out.append(previous)
        }
    }

    /// Reads one entry stored after `previous` (invariant 1's checks included).
    @inlinable
    public static func decodeEntry(_ reader: inout ByteReader, after previous: AdjacencyKey) throws(SombraError) -> AdjacencyKey {
        let dt = try reader.readVarint()
        var e = previous
        if dt != 0 {
            let (type, overflow) = UInt64(previous.type).addingReportingOverflow(dt)
            guard !overflow, let narrow = UInt32(exactly: type) else {
                throw reader.corrupt("adjacency chunk type past 32 bits")
            }
            e.type = narrow
            e.other = try reader.readVarint()
            e.edge = try reader.readVarint()
            return e
        }
        let dOther = try reader.readVarint()
        let (other, overflowOther) = previous.other.addingReportingOverflow(dOther)
        guard !overflowOther else { throw reader.corrupt("adjacency chunk other end overflows 64 bits") }
        e.other = other
        let stored = try reader.readVarint()
        if dOther != 0 {
            e.edge = stored
        } else {
            let (step, overflowStep) = stored.addingReportingOverflow(1)
            let (edge, overflowEdge) = previous.edge.addingReportingOverflow(step)
            guard !overflowStep, !overflowEdge else { throw reader.corrupt("adjacency chunk edge overflows 64 bits") }
            e.edge = edge
        }
        return e
    }
}
