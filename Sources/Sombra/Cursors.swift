// Cursors: lazy results. A cursor pulls one item at a time from the B+trees of its transaction, so
// results that can be large (a label's nodes, a hub's edges) are never materialized unless asked.
//
// Invariants:
//  1. A cursor reads through its transaction: it sees that snapshot, and fails with `.transactionEnded`
//     once the transaction is over (checked on every `next()`, since a scan may still hold a leaf it read).
//  2. `collect(limit:)` stops after `limit` items.
//  3. Copies of a cursor share its position (the state lives in the step closure), so `collect` can be called
//     on a temporary: `try tx.edges(of: n).collect()`.

public struct NodeIDCursor {
    let owner: Transaction?
    let step: () throws(SombraError) -> NodeID?
    init(_ owner: Transaction?, _ step: @escaping () throws(SombraError) -> NodeID?) {
        self.owner = owner
        self.step = step
    }
    /// A cursor that does not check its transaction (kept for callers that have none).
    init(_ step: @escaping () throws(SombraError) -> NodeID?) { self.init(nil, step) }
    static func empty(_ owner: Transaction) -> NodeIDCursor { NodeIDCursor(owner) { () throws(SombraError) -> NodeID? in nil } }
    static var empty: NodeIDCursor { NodeIDCursor(nil) { () throws(SombraError) -> NodeID? in nil } }

    public mutating func next() throws(SombraError) -> NodeID? {
        try owner?.checkUsable()
        return try step()
    }

    public func collect(limit: Int = .max) throws(SombraError) -> [NodeID] {
        try owner?.checkUsable()
        var out: [NodeID] = []
        while out.count < limit, let n = try step() { out.append(n) }
        return out
    }
}

public struct EdgeIDCursor {
    let owner: Transaction?
    let step: () throws(SombraError) -> EdgeID?
    init(_ owner: Transaction?, _ step: @escaping () throws(SombraError) -> EdgeID?) {
        self.owner = owner
        self.step = step
    }
    init(_ step: @escaping () throws(SombraError) -> EdgeID?) { self.init(nil, step) }

    public mutating func next() throws(SombraError) -> EdgeID? {
        try owner?.checkUsable()
        return try step()
    }

    public func collect(limit: Int = .max) throws(SombraError) -> [EdgeID] {
        try owner?.checkUsable()
        var out: [EdgeID] = []
        while out.count < limit, let n = try step() { out.append(n) }
        return out
    }
}

public struct EdgeCursor {
    let owner: Transaction?
    let step: () throws(SombraError) -> EdgeRef?
    init(_ owner: Transaction?, _ step: @escaping () throws(SombraError) -> EdgeRef?) {
        self.owner = owner
        self.step = step
    }
    init(_ step: @escaping () throws(SombraError) -> EdgeRef?) { self.init(nil, step) }
    static func empty(_ owner: Transaction) -> EdgeCursor { EdgeCursor(owner) { () throws(SombraError) -> EdgeRef? in nil } }
    static var empty: EdgeCursor { EdgeCursor(nil) { () throws(SombraError) -> EdgeRef? in nil } }

    public mutating func next() throws(SombraError) -> EdgeRef? {
        try owner?.checkUsable()
        return try step()
    }

    public func collect(limit: Int = .max) throws(SombraError) -> [EdgeRef] {
        try owner?.checkUsable()
        var out: [EdgeRef] = []
        while out.count < limit, let e = try step() { out.append(e) }
        return out
    }
}
