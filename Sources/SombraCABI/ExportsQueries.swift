// ExportsQueries: queries that return iterators, degrees and counts, and the iterator calls.
// Layer: SombraCABI.
//
// Invariants:
//  1. An iterator steps under its transaction's lock (Boxes, invariant 1), so it never races the
//     transaction's own calls; once the transaction has ended it fails with SOMBRA_TRANSACTION_ENDED.
//  2. Node iterators and edge iterators are distinct kinds: the wrong `next` call is SOMBRA_MISUSE.
//  3. first/last n are lazy: at most n entries are read, however large n is.
import Sombra

func direction(_ d: Int32) throws -> Direction {
    switch d {
    case 0: return .outgoing
    case 1: return .incoming
    case 2: return .both
    default: throw SombraError.invalidArgument("direction \(d) is not SOMBRA_OUTGOING, SOMBRA_INCOMING or SOMBRA_BOTH")
    }
}


// MARK: Node queries

@c public func sombra_query_all_nodes(_ txn: UInt64, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        unsafe o.pointee = try makeIterator(txn) { .nodes(try $0.allNodes(), remaining: .max) }
    }
}

@c public func sombra_query_first_nodes(_ txn: UInt64, _ n: UInt, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        unsafe o.pointee = try makeIterator(txn) { .nodes(try $0.allNodes(), remaining: Int(clamping: n)) }
    }
}

@c public func sombra_query_last_nodes(_ txn: UInt64, _ n: UInt, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        unsafe o.pointee = try makeIterator(txn) { tx in
            .nodes(try tx.nodes(inIDRange: NodeID(0)...NodeID(UInt64.max), reverse: true), remaining: Int(clamping: n))
        }
    }
}

@c public func sombra_query_nodes_by_label(_ txn: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                           _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let l = try unsafe inputName(label, labelLen, "label")
        unsafe o.pointee = try makeIterator(txn) { .nodes(try $0.nodes(withLabel: l), remaining: .max) }
    }
}

@c public func sombra_query_nodes_by_property(_ txn: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                              _ key: UnsafePointer<CChar>?, _ keyLen: UInt, _ value: UInt64,
                                              _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let l = try unsafe inputName(label, labelLen, "label")
        let k = try unsafe inputName(key, keyLen, "property key")
        let v = try valueOf(value)
        unsafe o.pointee = try makeIterator(txn) { .nodes(try $0.nodes(withLabel: l, where: k, equals: v), remaining: .max) }
    }
}

@c public func sombra_query_nodes_by_range(_ txn: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                           _ key: UnsafePointer<CChar>?, _ keyLen: UInt, _ lower: UInt64,
                                           _ lowerInclusive: Int32, _ upper: UInt64, _ upperInclusive: Int32,
                                           _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let l = try unsafe inputName(label, labelLen, "label")
        let k = try unsafe inputName(key, keyLen, "property key")
        let range = ValueRange(lower: try optionalValue(lower), lowerInclusive: lowerInclusive != 0,
                               upper: try optionalValue(upper), upperInclusive: upperInclusive != 0)
        unsafe o.pointee = try makeIterator(txn) { .nodes(try $0.nodes(withLabel: l, where: k, in: range), remaining: .max) }
    }
}

// MARK: Edges, neighbours, degree

@c public func sombra_query_all_edges(_ txn: UInt64, _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        unsafe o.pointee = try makeIterator(txn) { .edgeIDs(try $0.allEdges()) }
    }
}

@c public func sombra_query_edges(_ txn: UInt64, _ node: UInt64, _ dir: Int32, _ types: UnsafePointer<UnsafePointer<CChar>?>?,
                                  _ typeLens: UnsafePointer<UInt>?, _ typeCount: UInt,
                                  _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let d = try direction(dir)
        let filter = try unsafe inputTypeFilter(types, typeLens, typeCount)
        unsafe o.pointee = try makeIterator(txn) { .edges(try $0.edges(of: NodeID(node), direction: d, types: filter)) }
    }
}

@c public func sombra_query_neighbors(_ txn: UInt64, _ node: UInt64, _ dir: Int32, _ types: UnsafePointer<UnsafePointer<CChar>?>?,
                                      _ typeLens: UnsafePointer<UInt>?, _ typeCount: UInt,
                                      _ outIter: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outIter, "out_iter")
        let d = try direction(dir)
        let filter = try unsafe inputTypeFilter(types, typeLens, typeCount)
        unsafe o.pointee = try makeIterator(txn) { .nodeList(try $0.neighbors(of: NodeID(node), direction: d, types: filter), next: 0) }
    }
}

@c public func sombra_degree(_ txn: UInt64, _ node: UInt64, _ dir: Int32, _ types: UnsafePointer<UnsafePointer<CChar>?>?,
                             _ typeLens: UnsafePointer<UInt>?, _ typeCount: UInt,
                             _ outDegree: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outDegree, "out_degree")
        let d = try direction(dir)
        let filter = try unsafe inputTypeFilter(types, typeLens, typeCount)
        unsafe o.pointee = UInt64(clamping: try withTransaction(txn) { try $0.degree(of: NodeID(node), direction: d, types: filter) })
    }
}

// MARK: Counts

@c public func sombra_node_count(_ txn: UInt64, _ outCount: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outCount, "out_count")
        unsafe o.pointee = UInt64(clamping: try withTransaction(txn) { try $0.nodeCount() })
    }
}

@c public func sombra_edge_count(_ txn: UInt64, _ outCount: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outCount, "out_count")
        unsafe o.pointee = UInt64(clamping: try withTransaction(txn) { try $0.edgeCount() })
    }
}

@c public func sombra_count_label(_ txn: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                  _ outCount: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outCount, "out_count")
        let l = try unsafe inputName(label, labelLen, "label")
        unsafe o.pointee = UInt64(clamping: try withTransaction(txn) { try $0.countNodes(withLabel: l) })
    }
}

@c public func sombra_count_edge_type(_ txn: UInt64, _ type: UnsafePointer<CChar>?, _ typeLen: UInt,
                                      _ outCount: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outCount, "out_count")
        let t = try unsafe inputName(type, typeLen, "edge type")
        unsafe o.pointee = UInt64(clamping: try withTransaction(txn) { try $0.countEdges(ofType: t) })
    }
}

func countsMap(_ counts: [String: Int]) -> Value {
    .map(counts.mapValues { .int(Int64($0)) })
}

@c public func sombra_label_counts(_ txn: UInt64, _ outMap: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outMap, "out_map")
        unsafe o.pointee = try newValue(countsMap(try withTransaction(txn) { try $0.labelCounts() }))
    }
}

@c public func sombra_edge_type_counts(_ txn: UInt64, _ outMap: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outMap, "out_map")
        unsafe o.pointee = try newValue(countsMap(try withTransaction(txn) { try $0.edgeTypeCounts() }))
    }
}
