// NodeRecord: the stored form of a node (label ids and properties), plus the property list edges share.
// Layer: SombraFormat (bytes only). Spec: Docs/FORMAT.md, "Node record" and "Property list".
//
// Layout: format byte (1) | varint label count | varint label id * | property list
// Property list: varint count | (varint key id | ValueCodec value) *
//
// Invariants:
//  1. Labels are strictly ascending (sorted, unique); property keys are strictly ascending. The type keeps
//     them so (fields are read-only; mutators insert in place), so every record it encodes is valid and
//     equal records have equal bytes.
//  2. Label, type and key ids are 32-bit; a varint that does not fit is corrupt.
//  3. The decoder checks the format byte, every count against the remaining bytes before reserving, the
//     ordering of labels and keys, each value (ValueCodec), and that no bytes trail the record.

/// One property: an interned key id and its value.
public struct Property: Sendable, Hashable {
    public var key: UInt32
    public var value: Value

    public init(key: UInt32, value: Value) {
        self.key = key
        self.value = value
    }
}

public struct NodeRecord: Sendable, Hashable {
    /// The first byte of every node record.
    public static let formatVersion: UInt8 = 1

    /// Label ids, strictly ascending.
    public private(set) var labels: [UInt32]
    /// Properties, strictly ascending by key.
    public private(set) var properties: [Property]

    public init() {
        labels = []
        properties = []
    }

    /// Sorts `labels` (dropping repeats) and `properties` by key; a repeated property key is `.invalidArgument`.
    public init(labels: [UInt32], properties: [Property] = []) throws(SombraError) {
        self.labels = Self.sortedUnique(labels)
        self.properties = try PropertyList.normalized(properties)
    }

    /// `labels` ascending without repeats (the usual one label costs nothing; no set is built).
    static func sortedUnique(_ labels: [UInt32]) -> [UInt32] {
        if labels.count < 2 { return labels }
        var out = labels.sorted()
        var kept = 1
        for i in 1..<out.count where out[i] != out[kept - 1] {
            out[kept] = out[i]
            kept += 1
        }
        out.removeLast(out.count - kept)
        return out
    }

    public func hasLabel(_ label: UInt32) -> Bool {
        PropertyList.searchSorted(labels, label).found
    }

    /// Adds `label`; returns false if it was already present.
    @discardableResult
    public mutating func addLabel(_ label: UInt32) -> Bool {
        let (index, found) = PropertyList.searchSorted(labels, label)
        if found { return false }
        labels.insert(label, at: index)
        return true
    }

    /// Removes `label`; returns false if it was absent.
    @discardableResult
    public mutating func removeLabel(_ label: UInt32) -> Bool {
        let (index, found) = PropertyList.searchSorted(labels, label)
        if found { labels.remove(at: index) }
        return found
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
        bytes.reserveCapacity(8 + 5 * labels.count + 16 * properties.count)   // one allocation as a rule
        bytes.append(NodeRecord.formatVersion)
        Varint.append(UInt64(labels.count), to: &bytes)
        for label in labels { Varint.append(UInt64(label), to: &bytes) }
        try PropertyList.append(properties, to: &bytes)
        return bytes
    }

    public static func decode(_ bytes: [UInt8], page: PageID = .none) throws(SombraError) -> NodeRecord {
        try decode(bytes[...], page: page)
    }

    public static func decode(_ bytes: ArraySlice<UInt8>, page: PageID = .none) throws(SombraError) -> NodeRecord {
        var record = NodeRecord()
        try visit(bytes, page: page, labelCount: { record.labels.reserveCapacity($0) },
                  label: { record.labels.append($0) },
                  propertyCount: { record.properties.reserveCapacity($0) },
                  property: { record.properties.append(Property(key: $0, value: $1)) })
        return record
    }

    /// Decodes the record without building one: the counts, then each label and each property in
    /// ascending order, with every check `decode` makes (invariant 3). For callers that turn a record
    /// straight into something else (the graph layer's `Node`).
    public static func visit(_ bytes: ArraySlice<UInt8>, page: PageID,
                             labelCount: (Int) -> Void, label: (UInt32) -> Void,
                             propertyCount: (Int) -> Void, property: (UInt32, Value) -> Void) throws(SombraError) {
        var reader = ByteReader(bytes, page: page)
        try PropertyList.readFormatByte(&reader, expected: formatVersion, "node record")
        let count = try reader.readCount(elementBytesMin: 1, "label count")
        labelCount(count)
        var last: UInt32? = nil
        for _ in 0..<count {
            let offset = reader.offset
            let id = try reader.readVarintU32("label id")
            if let last, id <= last {
                throw reader.corrupt("label \(id) at offset \(offset) is not above the previous label \(last)")
            }
            last = id
            label(id)
        }
        try PropertyList.visit(from: &reader, count: propertyCount, property)
        try reader.expectEnd("node record")
    }
}

/// The property list shared by node and edge records (invariants 1 to 3).
enum PropertyList {
    /// Binary search in a strictly ascending array: the index of `target` or where it would go.
    static func searchSorted(_ sorted: [UInt32], _ target: UInt32) -> (index: Int, found: Bool) {
        var low = 0, high = sorted.count
        while low < high {
            let mid = low + (high - low) / 2
            if sorted[mid] < target { low = mid + 1 } else { high = mid }
        }
        return (low, low < sorted.count && sorted[low] == target)
    }

    static func search(_ properties: [Property], _ key: UInt32) -> (index: Int, found: Bool) {
        var low = 0, high = properties.count
        while low < high {
            let mid = low + (high - low) / 2
            if properties[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return (low, low < properties.count && properties[low].key == key)
    }

    static func normalized(_ properties: [Property]) throws(SombraError) -> [Property] {
        if properties.count < 2 { return properties }
        let sorted = properties.sorted { $0.key < $1.key }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.key == b.key {
            throw .invalidArgument("property key \(a.key) appears more than once")
        }
        return sorted
    }

    static func value(for key: UInt32, in properties: [Property]) -> Value? {
        // Value is ExpressibleByNilLiteral: spell out `.none`, or `nil` here would mean `.some(.null)`.
        let (index, found) = search(properties, key)
        guard found else { return .none }
        return properties[index].value
    }

    static func set(_ value: Value, for key: UInt32, in properties: inout [Property]) -> Value? {
        let (index, found) = search(properties, key)
        if found {
            let old = properties[index].value
            properties[index].value = value
            return old
        }
        properties.insert(Property(key: key, value: value), at: index)
        return .none
    }

    static func remove(_ key: UInt32, from properties: inout [Property]) -> Value? {
        let (index, found) = search(properties, key)
        guard found else { return .none }
        return properties.remove(at: index).value
    }

    static func append(_ properties: [Property], to bytes: inout [UInt8]) throws(SombraError) {
        Varint.append(UInt64(properties.count), to: &bytes)
        for property in properties {
            Varint.append(UInt64(property.key), to: &bytes)
            try ValueCodec.append(property.value, to: &bytes)
        }
    }

    static func readFormatByte(_ reader: inout ByteReader, expected: UInt8, _ what: String) throws(SombraError) {
        let format = try reader.readU8()
        guard format == expected else {
            throw reader.corrupt("\(what) has format byte \(format), expected \(expected)")
        }
    }

    static func read(from reader: inout ByteReader) throws(SombraError) -> [Property] {
        var properties: [Property] = []
        try visit(from: &reader, count: { properties.reserveCapacity($0) }) { properties.append(Property(key: $0, value: $1)) }
        return properties
    }

    /// Reads a property list, handing over its count and then each (key, value), keys checked ascending.
    static func visit(from reader: inout ByteReader, count: (Int) -> Void,
                      _ property: (UInt32, Value) -> Void) throws(SombraError) {
        // Each property takes at least one key byte and one value tag byte.
        let n = try reader.readCount(elementBytesMin: 2, "property count")
        count(n)
        var last: UInt32? = nil
        for _ in 0..<n {
            let offset = reader.offset
            let key = try reader.readVarintU32("property key id")
            if let last, key <= last {
                throw reader.corrupt("property key \(key) at offset \(offset) is not above the previous key \(last)")
            }
            last = key
            property(key, try ValueCodec.read(from: &reader))
        }
    }
}
