// GraphTypes: the values users hold: ids, nodes, edges, directions.
//
// Invariants:
//  1. NodeID and EdgeID 0 never name a record (ids are allocated from 1, increasing, never reused).
//  2. `Node.labels` is sorted; property maps hold exact values (see `Value`).
@_exported import enum SombraFormat.Value
@_exported import enum SombraFormat.SombraError
@_exported import enum SombraStorage.SyncMode
@_exported import struct SombraStorage.CheckpointResult
@_exported import struct SombraStorage.PagerStats
@_exported import struct SombraStorage.CacheStats

public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "n\(rawValue)" }
}

public struct EdgeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public static func < (a: EdgeID, b: EdgeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "e\(rawValue)" }
}

/// Which edges of a node: those leaving it, those arriving at it, or both.
public enum Direction: String, Sendable, CaseIterable {
    case outgoing
    case incoming
    case both
}

public struct Node: Sendable, Equatable, CustomStringConvertible {
    public let id: NodeID
    public var labels: [String]
    /// The properties as stored, one entry per key (a node read from the database keeps them in the order
    /// of their interned key ids). Reading one property by `node[key]` searches this list, which for the
    /// handful of properties a node has is faster than building and probing a dictionary. Entries are a
    /// struct, not a tuple: an array of tuples is freed element by element through the runtime's generic
    /// tuple code (about 100 instructions more per `get_node`, measured).
    private var stored: [StoredProperty]

    struct StoredProperty: Sendable {
        let key: String
        let value: Value
    }

    public init(id: NodeID, labels: [String], properties: [String: Value]) {
        self.id = id
        self.labels = labels.count > 1 ? labels.sorted() : labels
        self.stored = properties.map { StoredProperty(key: $0.key, value: $0.value) }
    }

    /// A node read from a record: `stored` has distinct keys.
    init(id: NodeID, labels: [String], stored: [StoredProperty]) {
        self.id = id
        self.labels = labels.count > 1 ? labels.sorted() : labels
        self.stored = stored
    }

    /// The properties as stored, one entry per key (built on each call; `node[key]` reads one without it).
    public var propertyList: [(key: String, value: Value)] { stored.map { (key: $0.key, value: $0.value) } }

    /// Every property as a dictionary (built on each call).
    public var properties: [String: Value] {
        get {
            var out = [String: Value](minimumCapacity: stored.count)
            for p in stored { out[p.key] = p.value }
            return out
        }
        set { stored = newValue.map { StoredProperty(key: $0.key, value: $0.value) } }
    }

    public subscript(key: String) -> Value? {
        for p in stored where p.key == key { return p.value }
        return nil
    }

    public static func == (a: Node, b: Node) -> Bool {
        a.id == b.id && a.labels == b.labels && a.properties == b.properties
    }

    /// `(n7:Person {age: 7, name: "Ada"})`, properties sorted by key so equal nodes print alike.
    public var description: String {
        let props = stored.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return "(\(id):\(labels.joined(separator: ":")) {\(props)})"
    }
}

public struct Edge: Sendable, Equatable, CustomStringConvertible {
    public let id: EdgeID
    public let source: NodeID
    public let target: NodeID
    public let type: String
    public var properties: [String: Value]

    public init(id: EdgeID, source: NodeID, target: NodeID, type: String, properties: [String: Value]) {
        self.id = id
        self.source = source
        self.target = target
        self.type = type
        self.properties = properties
    }

    public subscript(key: String) -> Value? { properties[key] }
    public var description: String { "(\(source))-[\(id):\(type)]->(\(target))" }
}

/// An edge as seen from one of its endpoints, read from the adjacency index without loading the record.
public struct EdgeRef: Sendable, Hashable {
    public let id: EdgeID
    public let source: NodeID
    public let target: NodeID
    public let type: String

    /// The endpoint that is not `node` (the node itself for a self-loop).
    public func other(than node: NodeID) -> NodeID { source == node ? target : source }
}

/// A range of property values in Sombra's total order of values (see `Value.totalOrder`).
public struct ValueRange: Sendable, Equatable {
    public var lower: Value?
    public var lowerInclusive: Bool
    public var upper: Value?
    public var upperInclusive: Bool

    public init(lower: Value? = nil, lowerInclusive: Bool = true, upper: Value? = nil, upperInclusive: Bool = false) {
        self.lower = lower
        self.lowerInclusive = lowerInclusive
        self.upper = upper
        self.upperInclusive = upperInclusive
    }

    /// `lower ..< upper`
    public static func halfOpen(_ lower: Value, _ upper: Value) -> ValueRange {
        ValueRange(lower: lower, lowerInclusive: true, upper: upper, upperInclusive: false)
    }

    /// `lower ... upper`
    public static func closed(_ lower: Value, _ upper: Value) -> ValueRange {
        ValueRange(lower: lower, lowerInclusive: true, upper: upper, upperInclusive: true)
    }

    public func contains(_ v: Value) -> Bool {
        if let lower {
            let c = Value.totalOrder(v, lower)
            if c < 0 || (c == 0 && !lowerInclusive) { return false }
        }
        if let upper {
            let c = Value.totalOrder(v, upper)
            if c > 0 || (c == 0 && !upperInclusive) { return false }
        }
        return true
    }
}
