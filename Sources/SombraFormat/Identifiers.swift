// Typed identifiers for the storage layers: a page number, a transaction id, a WAL frame index.
//
// Invariants:
//  1. PageID 0 is the file-header page; no B-tree or free-list pointer may name it (0 means "none").
//  2. TxIDs strictly increase across commits for the life of a database file.

public struct PageID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ value: UInt64) { self.rawValue = value }
    public static let header = PageID(0)
    /// "No page": pointers use 0 because page 0 can never be a child, a list link or an overflow page.
    public static let none = PageID(0)
    @inlinable public static func < (a: PageID, b: PageID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "page \(rawValue)" }
}

public struct TxID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ value: UInt64) { self.rawValue = value }
    @inlinable public static func < (a: TxID, b: TxID) -> Bool { a.rawValue < b.rawValue }
    public var next: TxID { TxID(rawValue &+ 1) }
    public var description: String { "tx \(rawValue)" }
}
