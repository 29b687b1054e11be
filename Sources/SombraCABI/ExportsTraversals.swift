// ExportsTraversals: graph traversals and whole-graph queries that return node iterators: breadth-first
// search (with depths), shortest path, k-hop neighbourhood, ancestors, descendants, isolated nodes.
// Layer: SombraCABI.
//
// Invariants:
//  1. Every argument is checked before the traversal starts: a NULL out-pointer or a NULL name with a
//     length is SOMBRA_MISUSE, a negative depth or k is SOMBRA_INVALID_ARGUMENT, a bad direction is
//     SOMBRA_INVALID_ARGUMENT, a missing start node is SOMBRA_NODE_NOT_FOUND (from the engine).
//  2. Each call runs the traversal once, under the transaction's lock, and the iterator steps through its
//     result; nothing is re-read while stepping (isolated nodes excepted: that iterator is a lazy scan).
//  3. An unreachable target gives an empty iterator (the first step is SOMBRA_DONE), never an error.
import Sombra

/// A depth or hop count from C: negative values are refused (invariant 1); INT64_MAX means no limit.
func inputDepth(_ depth: Int64, _ name: StaticString) throws -> Int {
    guard depth >= 0 else { throw SombraError.invalidArgument("\(name) must not be negative (got \(depth))") }
    return Int(clamping: depth)
}

@c public func sombra_query_bfs(_ txn: UInt64, _ start: UInt64, _ dir: Int32, _ types: UnsafePointer<UnsafePointer<CChar>?>?,
                                _ typeLens: UnsafePointer<UInt>?, _ typeCount: UInt, _ maxDepth: Int64,
                                _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let d = try direction(dir)
        let filter = try unsafe inputTypeFilter(types, typeLens, typeCount)
        let depth = try inputDepth(maxDepth, "max_depth")
        unsafe o.pointee = try makeIterator(txn) { tx in
            let reached = try tx.bfs(from: NodeID(start), maxDepth: depth, direction: d, types: filter)
            return .reached(reached.map(\.node), depths: reached.map { UInt64($0.depth) }, next: 0)
        }
    }
}

@c public func sombra_query_shortest_path(_ txn: UInt64, _ from: UInt64, _ to: UInt64, _ dir: Int32,
                                          _ types: UnsafePointer<UnsafePointer<CChar>?>?, _ typeLens: UnsafePointer<UInt>?,
                                          _ typeCount: UInt, _ maxDepth: Int64,
                                          _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let d = try direction(dir)
        let filter = try unsafe inputTypeFilter(types, typeLens, typeCount)
        let depth = try inputDepth(maxDepth, "max_depth")
        unsafe o.pointee = try makeIterator(txn) { tx in
            let path = try tx.shortestPath(from: NodeID(from), to: NodeID(to), direction: d, types: filter, maxDepth: depth)
            return .nodeList(path ?? [], next: 0)  // invariant 3
        }
    }
}

@c public func sombra_query_k_hop(_ txn: UInt64, _ node: UInt64, _ k: Int64, _ dir: Int32,
                                  _ types: UnsafePointer<UnsafePointer<CChar>?>?, _ typeLens: UnsafePointer<UInt>?,
                                  _ typeCount: UInt, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let d = try direction(dir)
        let filter = try unsafe inputTypeFilter(types, typeLens, typeCount)
        let hops = try inputDepth(k, "k")
        unsafe o.pointee = try makeIterator(txn) { tx in
            .nodeList(try tx.kHopNeighbors(of: NodeID(node), k: hops, direction: d, types: filter).sorted(), next: 0)
        }
    }
}

@c public func sombra_query_ancestors(_ txn: UInt64, _ node: UInt64, _ type: UnsafePointer<CChar>?, _ typeLen: UInt,
                                      _ maxDepth: Int64, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let t = try unsafe inputName(type, typeLen, "edge type")
        let depth = try inputDepth(maxDepth, "max_depth")
        unsafe o.pointee = try makeIterator(txn) { .nodeList(try $0.ancestors(of: NodeID(node), edgeType: t, maxDepth: depth), next: 0) }
    }
}

@c public func sombra_query_descendants(_ txn: UInt64, _ node: UInt64, _ type: UnsafePointer<CChar>?, _ typeLen: UInt,
                                        _ maxDepth: Int64, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let t = try unsafe inputName(type, typeLen, "edge type")
        let depth = try inputDepth(maxDepth, "max_depth")
        unsafe o.pointee = try makeIterator(txn) { .nodeList(try $0.descendants(of: NodeID(node), edgeType: t, maxDepth: depth), next: 0) }
    }
}

@c public func sombra_query_isolated_nodes(_ txn: UInt64, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        unsafe o.pointee = try makeIterator(txn) { .nodes(try $0.isolatedNodes(), remaining: .max) }
    }
}
