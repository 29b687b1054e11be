// CreateWithID: the package-level path that creates a node or edge under a given id, for tools that copy
// a graph and must keep its ids (vacuum, repair, `import --keep-ids`). Users create records through
// `createNode`/`createEdge`, which choose the id.
// Layer: graph facade (Sombra). Keeps every invariant of WriteTransaction and GraphMutations.
//
// Invariants:
//  1. The id must be non-zero and unused; a taken id is `.invalidArgument`, checked before any write.
//  2. The id counters move past every id created here, and `reserveIDs` can move them further, so an id is
//     still never handed out twice (ids of deleted records stay retired when the counters are copied).
//  3. Labels, the label index, declared property indexes, adjacency and counts are maintained exactly as
//     by `createNode`/`createEdge`.
import SombraFormat
import SombraIndex
import SombraStorage

extension WriteTransaction {
    /// Creates a node with id `id` (invariants 1-3).
    package func createNode(id: NodeID, labels: [String], properties: [String: Value]) throws(SombraError) {
        try checkUsable()
        guard id.rawValue != 0, id.rawValue < UInt64.max - 1 else { throw .invalidArgument("node id \(id.rawValue) cannot be used") }
        guard try !nodeExists(id) else { throw .invalidArgument("node id \(id.rawValue) is already taken") }
        for l in labels { try NameRules.validate(l, "label") }
        try precheck(properties)
        try precheckIndexable(labels: labels, properties: properties)
        try mutate { () throws(SombraError) in
            try writeNewNode(id, labels: labels, properties: properties)
            try raiseCounter(Counter.nextNode, above: id.rawValue)
        }
    }

    /// Creates an edge with id `id`; both endpoints must exist (invariants 1-3).
    package func createEdge(id: EdgeID, from source: NodeID, to target: NodeID, type: String,
                            properties: [String: Value]) throws(SombraError) {
        try checkUsable()
        guard id.rawValue != 0, id.rawValue < UInt64.max - 1 else { throw .invalidArgument("edge id \(id.rawValue) cannot be used") }
        guard try !edgeExists(id) else { throw .invalidArgument("edge id \(id.rawValue) is already taken") }
        try NameRules.validate(type, "edge type")
        try precheck(properties)
        guard try nodeExists(source) else { throw .nodeNotFound(source.rawValue) }
        guard try nodeExists(target) else { throw .nodeNotFound(target.rawValue) }
        try mutate { () throws(SombraError) in
            try writeNewEdge(id, from: source, to: target, type: type, properties: properties)
            try raiseCounter(Counter.nextEdge, above: id.rawValue)
        }
    }

    /// Moves the id counters so the next ids handed out are at least `nextNode` and `nextEdge`
    /// (a copy keeps its source's counters, so ids of deleted records are not reused).
    package func reserveIDs(nextNode: UInt64, nextEdge: UInt64) throws(SombraError) {
        try checkUsable()
        guard nextNode < UInt64.max - 1, nextEdge < UInt64.max - 1 else { throw .invalidArgument("id counter out of range") }
        try mutate { () throws(SombraError) in
            if nextNode > 1 { try raiseCounter(Counter.nextNode, above: nextNode - 1) }
            if nextEdge > 1 { try raiseCounter(Counter.nextEdge, above: nextEdge - 1) }
        }
    }

    /// The next id `createNode`/`createEdge` would hand out.
    package func nextIDs() throws(SombraError) -> (node: UInt64, edge: UInt64) {
        try checkUsable()
        return (max(try catalogGet(GraphKeys.counter(Counter.nextNode)), 1),
                max(try catalogGet(GraphKeys.counter(Counter.nextEdge)), 1))
    }

    /// Sets sequence counter `counter` to `id + 1` unless it is already higher.
    func raiseCounter(_ counter: String, above id: UInt64) throws(SombraError) {
        let key = GraphKeys.counter(counter)
        let next = max(try catalogGet(key), 1)
        if id >= next { catalogCache[key] = id + 1 }
    }
}
