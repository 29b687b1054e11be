// ExportsIterators: stepping and freeing iterators (see ExportsQueries for where they come from).
// Layer: SombraCABI.
//
// Invariants:
//  1. Steps run under the transaction's lock; an ended transaction gives SOMBRA_TRANSACTION_ENDED.
//  2. A type name lent by sombra_iter_next_edge lives in the iterator's state until the iterator is freed.
//  3. sombra_iter_next_batch writes at most `capacity` ids and never reads from the caller's buffer.
//  4. sombra_iter_depth reports the depth of the node last returned (by next_node or, for a batch, its
//     last id); it is SOMBRA_MISUSE on an iterator without depths or before the first node.
import Sombra

/// One item of an iterator: a node id, or an edge with (when asked for) its endpoints and lent type name.
struct StepResult: Sendable {
    var id: UInt64
    var source: UInt64 = 0
    var target: UInt64 = 0
    var typeAddress: UInt = 0
    var typeCount: Int = 0
}

extension IterState {
    /// The next item, or nil at the end. `details`: fill endpoints and the type name of an edge.
    mutating func step(_ tx: Transaction?, details: Bool) throws -> StepResult? {
        switch source {
        case .ended:
            throw SombraError.transactionEnded
        case .nodes(var cursor, let remaining):
            guard remaining > 0 else { return nil }
            source = .ended  // keep the cursor uniquely referenced while stepping
            defer { source = .nodes(cursor, remaining: remaining - 1) }
            return try cursor.next().map { StepResult(id: $0.rawValue) }
        case .nodeList(let ids, let next):
            guard next < ids.count else { return nil }
            source = .nodeList(ids, next: next + 1)
            return StepResult(id: ids[next].rawValue)
        case .reached(let ids, let depths, let next):
            guard next < ids.count, next < depths.count else { return nil }
            source = .reached(ids, depths: depths, next: next + 1)
            lastDepth = depths[next]
            return StepResult(id: ids[next].rawValue)
        case .edges(var cursor):
            source = .ended
            defer { source = .edges(cursor) }
            guard let e = try cursor.next() else { return nil }
            guard details else { return StepResult(id: e.id.rawValue) }
            return try edgeResult(e.id, e.source, e.target, e.type)
        case .edgeIDs(var cursor):
            source = .ended
            defer { source = .edgeIDs(cursor) }
            guard let id = try cursor.next() else { return nil }
            guard details else { return StepResult(id: id.rawValue) }
            guard let tx, let e = try tx.edge(id) else { throw SombraError.edgeNotFound(id.rawValue) }
            return try edgeResult(id, e.source, e.target, e.type)
        }
    }

    mutating func edgeResult(_ id: EdgeID, _ s: NodeID, _ t: NodeID, _ type: String) throws -> StepResult {
        let buffer = try typeNames[type] ?? CBuffer(Array(type.utf8))
        typeNames[type] = buffer
        return StepResult(id: id.rawValue, source: s.rawValue, target: t.rawValue,
                          typeAddress: buffer.address, typeCount: buffer.count)
    }
}

/// Runs `body` on the iterator's state under its transaction's lock (invariant 1).
func withIterator<R: Sendable>(_ token: UInt64, edges: Bool?,
                               _ body: (inout IterState, Transaction?) throws -> R) throws -> R {
    let box = try iterators.get(token)
    if let edges, box.yieldsEdges != edges {
        throw CABIError.misuse(edges ? "a node iterator has no edges (use sombra_iter_next_node)"
                                     : "an edge iterator has no nodes (use sombra_iter_next_edge)")
    }
    return try box.txn.state.withLock { s in
        guard var state = s.iterators.removeValue(forKey: box.serial) else {
            throw CABIError.misuse("iterator \(hex(token)) has no state")
        }
        defer { s.iterators[box.serial] = state }
        return try body(&state, s.tx)
    }
}

@c public func sombra_iter_next_node(_ iter: UInt64, _ outNode: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outNode, "out_node")
        guard let r = try withIterator(iter, edges: false, { try $0.step($1, details: false) }) else { throw CABIError.done }
        unsafe o.pointee = r.id
    }
}

@c public func sombra_iter_next_edge(_ iter: UInt64, _ outEdge: UnsafeMutablePointer<UInt64>?,
                                     _ outSource: UnsafeMutablePointer<UInt64>?, _ outTarget: UnsafeMutablePointer<UInt64>?,
                                     _ outType: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                     _ outTypeLen: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let details = unsafe outSource != nil || outTarget != nil || outType != nil || outTypeLen != nil
        guard let r = try withIterator(iter, edges: true, { try $0.step($1, details: details) }) else { throw CABIError.done }
        unsafe store(outEdge, r.id)
        unsafe store(outSource, r.source)
        unsafe store(outTarget, r.target)
        if let p = unsafe outType { unsafe p.pointee = UnsafePointer(bitPattern: r.typeAddress) }
        unsafe store(outTypeLen, UInt(r.typeCount))
    }
}

@c public func sombra_iter_next_batch(_ iter: UInt64, _ ids: UnsafeMutablePointer<UInt64>?, _ capacity: UInt,
                                      _ outCount: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let o = try unsafe out(outCount, "out_count")
        guard capacity > 0 else { throw SombraError.invalidArgument("capacity is 0") }
        let buffer = try unsafe out(ids, "ids")
        let wanted = Int(clamping: min(capacity, 1 << 20))  // one lock hold yields at most 2^20 ids
        let got: [UInt64] = try withIterator(iter, edges: nil) { state, tx in
            var out: [UInt64] = []
            while out.count < wanted, let r = try state.step(tx, details: false) { out.append(r.id) }
            return out
        }
        for (i, id) in got.enumerated() { unsafe buffer[i] = id }
        unsafe o.pointee = UInt(got.count)
        if got.isEmpty { throw CABIError.done }
    }
}

@c public func sombra_iter_depth(_ iter: UInt64, _ outDepth: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outDepth, "out_depth")
        let box = try iterators.get(iter)
        guard box.hasDepths else { throw CABIError.misuse("only sombra_query_bfs iterators have depths") }
        unsafe o.pointee = try withIterator(iter, edges: false) { state, _ in
            if case .ended = state.source { throw SombraError.transactionEnded }
            guard let d = state.lastDepth else { throw CABIError.misuse("the iterator has not returned a node yet") }
            return d
        }
    }
}

@c public func sombra_iter_free(_ iter: UInt64) -> Int32 {
    run {
        let box = try iterators.remove(iter)
        box.txn.state.withLock { _ = $0.iterators.removeValue(forKey: box.serial) }
    }
}
