// EdgeRecord: the stored form of an edge (endpoints, type id, properties).
// Layer: SombraFormat (bytes only). Spec: Docs/FORMAT.md, "Edge record".
//
// Layout: format byte (2) | varint source node id | varint target node id | varint type id | property list
// (the property list is NodeRecord.swift's).
//
// Invariants:
//  1. Property keys are strictly ascending (kept by the type, checked by the decoder).
//  2. The type id is 32-bit; a varint that does not fit is corrupt.
//  3. The decoder checks the format byte, that each varint is canonical and in range, the property list,
//     and that no bytes trail the record. Endpoint ids are not checked here: whether a node exists is the graph layer's job.

public struct EdgeRecord: Sendable, Hashable {
    /// The first byte of every edge record.
    public static let formatVersion: UInt8 = 2

    public var source: UInt64
    public var target: UInt64
    public var type: UInt32
    /// Properties, strictly ascending by key.
    public private(set) var properties: [Property]

    /// Sorts `properties` by key; a repeated key is `.invalidArgument`.
    public init(source: UInt64, target: UInt64, type: UInt32, properties: [Property] = []) throws(SombraError) {
        self.source = source
        self.target = target
        self.type = type
        self.properties = try PropertyList.normalized(properties)
    }

    public func property(for key: UInt32) -> Value? { PropertyList.value(for: key, in: properties) }

    /// Sets the value for `key`; returns the previous value.
    @discardableResult
    public mutating func setProperty(_ value: Value, for key: UInt32) -> Value? {
        PropertyList.set(value, for: key, in: &properties)
    }

    /// Removes `key`; returns the removed value.
    @discardableResult
    public mutating func removeProperty(for key: UInt32) -> Value? {
        PropertyList.remove(key, from: &properties)
    }

    /// The record bytes; throws `.invalidArgument` only for a value nested deeper than the codec's cap.
    public func encode() throws(SombraError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 + 16 * properties.count)   // one allocation as a rule
        bytes.append(EdgeRecord.formatVersion)
        Varint.append(source, to: &bytes)
        Varint.append(target, to: &bytes)
        Varint.append(UInt64(type), to: &bytes)
        try PropertyList.append(properties, to: &bytes)
        return bytes
    }

    public static func decode(_ bytes: [UInt8], page: PageID = .none) throws(SombraError) -> EdgeRecord {
        try decode(bytes[...], page: page)
    }

    public static func decode(_ bytes: ArraySlice<UInt8>, page: PageID = .none) throws(SombraError) -> EdgeRecord {
        var reader = ByteReader(bytes, page: page)
        try PropertyList.readFormatByte(&reader, expected: formatVersion, "edge record")
        let source = try reader.readVarint()
        let target = try reader.readVarint()
        let type = try reader.readVarintU32("edge type id")
        let properties = try PropertyList.read(from: &reader)
        try reader.expectEnd("edge record")
        var record = EdgeRecord(source: source, target: target, type: type)
        record.properties = properties
        return record
    }

    /// Fields without properties; cannot fail.
    init(source: UInt64, target: UInt64, type: UInt32) {
        self.source = source
        self.target = target
        self.type = type
        self.properties = []
    }
}
