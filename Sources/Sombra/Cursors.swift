// Cursors: lazy results. A cursor pulls one item at a time from the B+trees of its transaction, so
// results that can be large (a label's nodes, a hub's edges) are never materialized unless asked.
//
// Invariants:
//  1. A cursor reads through its transaction: it sees that snapshot, and fails with `.transactionEnded`
//     once the transaction is over.
//  2. `collect(limit:)` stops after `limit` items.

public struct NodeIDCursor {
    let step: () throws(SombraError) -> NodeID?
    init(_ step: @escaping () throws(SombraError) -> NodeID?) { self.step = step }
    static var empty: NodeIDCursor { NodeIDCursor { () throws(SombraError) -> NodeID? in nil } }

    public mutating func next() throws(SombraError) -> NodeID? { try step() }

    public mutating func collect(limit: Int = .max) throws(SombraError) -> [NodeID] {
        var out: [NodeID] = []
        while out.count < limit, let n = try next() { out.append(n) }
        return out
    }
}

public struct EdgeIDCursor {
    let step: () throws(SombraError) -> EdgeID?
    init(_ step: @escaping () throws(SombraError) -> EdgeID?) { self.step = step }

    public mutating func next() throws(SombraError) -> EdgeID? { try step() }

    public mutating func collect(limit: Int = .max) throws(SombraError) -> [EdgeID] {
        var out: [EdgeID] = []
        while out.count < limit, let n = try next() { out.append(n) }
        return out
    }
}

public struct EdgeCursor {
    let step: () throws(SombraError) -> EdgeRef?
    init(_ step: @escaping () throws(SombraError) -> EdgeRef?) { self.step = step }
    static var empty: EdgeCursor { EdgeCursor { () throws(SombraError) -> EdgeRef? in nil } }

    public mutating func next() throws(SombraError) -> EdgeRef? { try step() }

    public mutating func collect(limit: Int = .max) throws(SombraError) -> [EdgeRef] {
        var out: [EdgeRef] = []
        while out.count < limit, let e = try next() { out.append(e) }
        return out
    }
}
