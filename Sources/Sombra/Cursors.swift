// Cursors: lazy results. A cursor pulls one item at a time from the B+trees of its transaction, so
// results that can be large (a label's nodes, a hub's edges) are never materialized unless asked.
//
// Invariants:
//  1. A cursor reads through its transaction: it sees that snapshot, and fails with `.transactionEnded`
//     once the transaction is over (checked on every `next()`, since a scan may still hold a leaf it read).
//  2. `collect(limit:)` stops after `limit` items.
//  3. Copies of a cursor share the position of its source (the state lives in the step closure), so
//     `collect` can be called on a temporary: `try tx.edges(of: n).collect()`. A `NodeIDCursor` also
//     buffers the ids of one leaf run in the cursor value itself (read transactions only; a writer's
//     cursor fetches one id at a time so it sees its own writes), so `collect` consumes the cursor:
//     use a cursor no further after collecting from it.

public struct NodeIDCursor {
    let owner: Transaction?
    /// Appends the next ids (at least one), or nothing at the end.
    let fill: (inout [NodeID]) throws(SombraError) -> Void
    private var buffer: [NodeID] = []
    private var position = 0
    private var exhausted = false

    init(_ owner: Transaction?, batches fill: @escaping (inout [NodeID]) throws(SombraError) -> Void) {
        self.owner = owner
        self.fill = fill
    }

    init(_ owner: Transaction?, _ step: @escaping () throws(SombraError) -> NodeID?) {
        self.init(owner, batches: { (ids: inout [NodeID]) throws(SombraError) in
            if let n = try step() { ids.append(n) }
        })
    }
    /// A cursor that does not check its transaction (kept for callers that have none).
    init(_ step: @escaping () throws(SombraError) -> NodeID?) { self.init(nil, step) }
    static func empty(_ owner: Transaction) -> NodeIDCursor { NodeIDCursor(owner) { () throws(SombraError) -> NodeID? in nil } }
    static var empty: NodeIDCursor { NodeIDCursor(nil) { () throws(SombraError) -> NodeID? in nil } }

    public mutating func next() throws(SombraError) -> NodeID? {
        try owner?.checkUsable()
        if position == buffer.count {
            guard !exhausted else { return nil }
            buffer.removeAll(keepingCapacity: true)
            position = 0
            try fill(&buffer)
            if buffer.isEmpty {
                exhausted = true
                return nil
            }
        }
        position += 1
        return buffer[position - 1]
    }

    public func collect(limit: Int = .max) throws(SombraError) -> [NodeID] {
        try owner?.checkUsable()
        var out = Array(buffer[position...].prefix(max(0, limit)))
        guard !exhausted else { return out }
        while out.count < limit {
            let before = out.count
            try fill(&out)
            if out.count == before { break }
        }
        if out.count > limit { out.removeLast(out.count - limit) }
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
