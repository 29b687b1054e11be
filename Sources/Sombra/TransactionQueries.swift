// TransactionQueries: nodes by label, by property (through an index, or by scan with the same results),
// in id order, and edges, neighbours and degrees of a node.
//
// Invariants:
//  1. A property query gives the same set of nodes whether or not an index on (label, key) exists.
//  2. Index entries whose value was truncated (long strings, marked [1]) are confirmed against the record.
//  3. `both` lists a self-loop once.
import SombraFormat
import SombraIndex
import SombraStorage

extension Transaction {
    // MARK: Nodes by id

    /// Every node, in id order.
    public func allNodes() throws(SombraError) -> NodeIDCursor {
        try nodes(inIDRange: NodeID(0)...NodeID(UInt64.max))
    }

    /// Nodes whose id lies in `range`, in id order.
    public func nodes(inIDRange range: ClosedRange<NodeID>, reverse: Bool = false) throws(SombraError) -> NodeIDCursor {
        try checkUsable()
        guard let trees else { return .empty(self) }
        let r = KeyRange(lower: .included(GraphKeys.id(range.lowerBound.rawValue)),
                         upper: .included(GraphKeys.id(range.upperBound.rawValue)))
        var scan = trees.nodes.scan(r, reverse: reverse, in: pages)
        return NodeIDCursor(self) { () throws(SombraError) -> NodeID? in
            guard let (k, _) = try scan.next() else { return nil }
            guard let id = GraphKeys.readID(k) else { throw .corruptPage(page: trees.nodes.root.rawValue, reason: "bad node key") }
            return NodeID(id)
        }
    }

    /// The first `n` nodes in id order.
    public func firstNodes(_ n: Int) throws(SombraError) -> [NodeID] {
        let c = try allNodes()
        return try c.collect(limit: max(0, n))
    }

    /// The last `n` nodes in id order, newest first.
    public func lastNodes(_ n: Int) throws(SombraError) -> [NodeID] {
        let c = try nodes(inIDRange: NodeID(0)...NodeID(UInt64.max), reverse: true)
        return try c.collect(limit: max(0, n))
    }

    /// Every edge, in id order.
    public func allEdges() throws(SombraError) -> EdgeIDCursor {
        try checkUsable()
        guard let trees else { return EdgeIDCursor(self) { () throws(SombraError) -> EdgeID? in nil } }
        var scan = trees.edges.scan(.all, in: pages)
        return EdgeIDCursor(self) { () throws(SombraError) -> EdgeID? in
            guard let (k, _) = try scan.next() else { return nil }
            guard let id = GraphKeys.readID(k) else { throw .corruptPage(page: trees.edges.root.rawValue, reason: "bad edge key") }
            return EdgeID(id)
        }
    }

    // MARK: Labels

    /// Nodes carrying `label`, in id order.
    public func nodes(withLabel label: String) throws(SombraError) -> NodeIDCursor {
        try checkUsable()
        guard let trees, let labelID = try existingID(label) else { return .empty(self) }
        let range = KeyRange.prefix(GraphKeys.labelPrefix(labelID))
        guard readsFixedSnapshot else {
            var walk = trees.labels.walk(range, in: pages)
            return NodeIDCursor(self) { () throws(SombraError) -> NodeID? in
                guard let entry = try walk.next() else { return nil }
                let run = entry.run, i = entry.index
                return NodeID(try run.pageBytes.loadBE(UInt64.self, at: run.fixedKeyStart(i, count: 12) + 4))
            }
        }
        // A fixed snapshot: a whole leaf run at a time.
        var runs = trees.labels.runs(range, in: pages)
        return NodeIDCursor(self, batches: { (ids: inout [NodeID]) throws(SombraError) in
            guard let run = try runs.nextRun() else { return }
            let bytes = run.pageBytes
            ids.reserveCapacity(ids.count + run.cells.count)
            for i in run.cells { ids.append(NodeID(bytes.loadBE(UInt64.self, at: try run.fixedKeyStart(i, count: 12) + 4))) }
        })
    }

    // MARK: Properties

    /// The id of the index on (label, key), if declared.
    func indexID(label: UInt32, key: UInt32) throws(SombraError) -> UInt32? {
        if readsFixedSnapshot, let known = db.indexDeclarations.lookup(snapshotID: snapshotID, label: label, key: key) {
            return known
        }
        guard let trees else { return nil }
        var id: UInt32? = nil
        if let b = try trees.catalog.get(GraphKeys.indexDeclaration(label, key), in: pages) {
            guard let decoded = GraphKeys.readU32Value(b) else {
                throw .corruptPage(page: trees.catalog.root.rawValue, reason: "index declaration is malformed")
            }
            id = decoded
        }
        if readsFixedSnapshot { db.indexDeclarations.store(snapshotID: snapshotID, label: label, key: key, index: id) }
        return id
    }

    /// Whether an index on (label, key) exists.
    public func hasIndex(label: String, key: String) throws(SombraError) -> Bool {
        try checkUsable()
        guard let l = try existingID(label), let k = try existingID(key) else { return false }
        return try indexID(label: l, key: k) != nil
    }

    /// Every declared index as (label, key).
    public func indexes() throws(SombraError) -> [(label: String, key: String)] {
        try checkUsable()
        guard let trees else { return [] }
        var out: [(label: String, key: String)] = []
        var scan = trees.catalog.scan(.prefix([0x04]), in: pages)
        while let (k, _) = try scan.next() {
            guard k.count == 9 else { throw .corruptPage(page: trees.catalog.root.rawValue, reason: "index declaration key is malformed") }
            out.append((try name(k.loadBE(UInt32.self, at: 1)), try name(k.loadBE(UInt32.self, at: 5))))
        }
        return out
    }

    /// Nodes with `label` whose property `key` equals `value` (through the index when there is one).
    public func nodes(withLabel label: String, where key: String, equals value: Value) throws(SombraError) -> NodeIDCursor {
        try checkUsable()
        guard value.isIndexable else { throw .invalidArgument("lists and maps cannot be compared in a property query") }
        guard trees != nil, let resolved = try resolveProperty(label: label, key: key) else { return .empty(self) }
        let k = resolved.key
        guard let index = resolved.index else {
            return try scanByProperty(labelID: resolved.label, keyID: k) { $0 == value || Value.totalOrder($0, value) == 0 }
        }
        guard let walker = lendPropertyIndexWalker() else { return .empty(self) }
        let lease = walker.lease
        let exact: Bool
        do throws(SombraError) { exact = try walker.restart(index: index, value: value) } catch {
            walker.giveBack(lease: lease)
            throw error
        }
        // The walker goes back to the transaction when the scan ends; the lease keeps any copy of the cursor
        // from touching it after that, when it may serve another scan.
        return NodeIDCursor(self, batches: { [self] (ids: inout [NodeID]) throws(SombraError) in
            guard walker.isHeld(under: lease) else { return }
            while let entry = try walker.next() {
                let run = entry.run, i = entry.index
                let id = try run.trailingUInt64BE(i)
                if exact, try run.hasEmptyValue(i) {
                    ids.append(NodeID(id))
                    return
                }
                if let p = try nodeRecord(NodeID(id))?.property(for: k), Value.totalOrder(p, value) == 0 {
                    ids.append(NodeID(id))
                    return
                }
            }
            walker.giveBack(lease: lease)
        })
    }

    /// Nodes with `label` whose property `key` lies in `range`, in value order when indexed.
    public func nodes(withLabel label: String, where key: String, in range: ValueRange) throws(SombraError) -> NodeIDCursor {
        try checkUsable()
        for bound in [range.lower, range.upper] {
            if let b = bound, !b.isIndexable { throw .invalidArgument("lists and maps cannot bound a range") }
        }
        guard let trees, let resolved = try resolveProperty(label: label, key: key) else { return .empty(self) }
        let k = resolved.key
        guard let index = resolved.index else {
            return try scanByProperty(labelID: resolved.label, keyID: k) { range.contains($0) }
        }
        var lower = KeyBound.included(GraphKeys.labelPrefix(index))
        var upper = KeyBound.excluded(KeyEncoding.prefixEnd(GraphKeys.labelPrefix(index)) ?? [0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        var boundsExact = true
        if let lo = range.lower {
            let (p, exact) = try GraphKeys.propertyPrefix(index, lo)
            boundsExact = boundsExact && exact
            if range.lowerInclusive || !exact { lower = .included(p) } else if let end = KeyEncoding.prefixEnd(p) { lower = .included(end) }
        }
        if let hi = range.upper {
            let (p, exact) = try GraphKeys.propertyPrefix(index, hi)
            boundsExact = boundsExact && exact
            if range.upperInclusive || !exact {
                if let end = KeyEncoding.prefixEnd(p) { upper = .excluded(end) }
            } else {
                upper = .excluded(p)
            }
        }
        var walk = trees.properties.walk(KeyRange(lower: lower, upper: upper), in: pages)
        return NodeIDCursor(self) { [self] () throws(SombraError) -> NodeID? in
            while let entry = try walk.next() {
                let run = entry.run, i = entry.index
                let id = try run.trailingUInt64BE(i)
                if boundsExact, try run.hasEmptyValue(i) { return NodeID(id) }
                if let p = try nodeRecord(NodeID(id))?.property(for: k), range.contains(p) { return NodeID(id) }
            }
            return nil
        }
    }

    /// The unindexed path: every node with the label, filtered by its record.
    func scanByProperty(labelID: UInt32, keyID: UInt32, _ matches: @escaping (Value) -> Bool) throws(SombraError) -> NodeIDCursor {
        guard let trees else { return .empty(self) }
        var walk = trees.labels.walk(.prefix(GraphKeys.labelPrefix(labelID)), in: pages)
        return NodeIDCursor(self) { [self] () throws(SombraError) -> NodeID? in
            while let entry = try walk.next() {
                let run = entry.run, i = entry.index
                let id = try run.pageBytes.loadBE(UInt64.self, at: run.fixedKeyStart(i, count: 12) + 4)
                if let v = try nodeRecord(NodeID(id))?.property(for: keyID), v.isIndexable, matches(v) { return NodeID(id) }
            }
            return nil
        }
    }

    // MARK: Edges and neighbours

    /// Type ids for a filter: nil means every type; an empty result means no edge can match.
    func typeIDs(_ types: [String]?) throws(SombraError) -> [UInt32]? {
        guard let types else { return nil }
        var ids: [UInt32] = []
        for t in types { if let id = try existingID(t) { ids.append(id) } }
        return Array(Set(ids)).sorted()
    }

    /// The adjacency entries of `node` in one direction, read in place.
    func adjacencyWalk(_ node: NodeID, outgoing: Bool, types: [UInt32]?, empty: Bool = false) -> AdjacencyWalk? {
        guard let trees else { return nil }
        return AdjacencyWalk(tree: outgoing ? trees.outEdges : trees.inEdges, node: node.rawValue, types: types,
                             reader: pages, empty: empty)
    }

    /// Raw adjacency entries (this end, type, other end, edge) of one direction.
    func adjacencyCursor(_ node: NodeID, outgoing: Bool, types: [UInt32]?) -> () throws(SombraError) -> (UInt64, UInt32, UInt64, UInt64)? {
        var walk = adjacencyWalk(node, outgoing: outgoing, types: types)
        return { () throws(SombraError) -> (UInt64, UInt32, UInt64, UInt64)? in
            guard let e = try walk?.next() else { return nil }
            return (e.this, e.type, e.other, e.edge)
        }
    }

    /// Edges of `node` in `direction`, optionally only of `types`. Lazy.
    public func edges(of node: NodeID, direction: Direction = .both, types: [String]? = nil) throws(SombraError) -> EdgeCursor {
        try checkUsable()
        let ids = try typeIDs(types)
        if let ids, ids.isEmpty { return .empty(self) }
        guard let outgoing = adjacencyWalk(node, outgoing: true, types: ids, empty: direction == .incoming),
              let incoming = adjacencyWalk(node, outgoing: false, types: ids, empty: direction == .outgoing) else {
            return .empty(self)
        }
        var walk = EdgeWalk(outgoing: outgoing, incoming: incoming, skipSelfLoopsOnIncoming: direction == .both)
        return EdgeCursor(self) { [self] () throws(SombraError) -> EdgeRef? in try walk.next(names: self) }
    }

    /// Calls `body` with the other end of each edge of `node` in `direction` (optionally only of `types`):
    /// once per edge, so parallel edges repeat a neighbour, in the order of `edges(of:)` (`.both` lists a
    /// self-loop once). Stops when `body` returns false. The lightest way to list adjacent ids: no
    /// `EdgeRef` and no type name per edge.
    public func forEachAdjacentNode(of node: NodeID, direction: Direction = .both, types: [String]? = nil,
                                    _ body: (NodeID) throws(SombraError) -> Bool) throws(SombraError) {
        try checkUsable()
        let ids = try typeIDs(types)
        if let ids, ids.isEmpty { return }
        for side in 0..<2 {
            let outgoing = side == 0
            if direction == (outgoing ? .incoming : .outgoing) { continue }
            guard let walker = lendWalker(outgoing: outgoing, node: node, types: ids) else { return }
            defer { walker.busy = false }
            let skipSelfLoops = !outgoing && direction == .both
            let finished = try walker.forEach { (e: AdjacencyKey) throws(SombraError) -> Bool in
                if skipSelfLoops && e.this == e.other { return true }
                return try body(NodeID(e.other))
            }
            if !finished { return }
        }
    }

    /// Distinct neighbours of `node`, in the order their edges are found.
    public func neighbors(of node: NodeID, direction: Direction = .both, types: [String]? = nil) throws(SombraError) -> [NodeID] {
        try checkUsable()
        let ids = try typeIDs(types)
        if let ids, ids.isEmpty { return [] }
        // Short lists are deduplicated by a linear search (no hashing); past `setThreshold` a set takes over.
        let setThreshold = 32
        var seen = Set<UInt64>()
        var out: [NodeID] = []
        for side in 0..<2 {
            let outgoing = side == 0
            if outgoing && direction == .incoming { continue }
            if !outgoing && direction == .outgoing { continue }
            guard var walk = adjacencyWalk(node, outgoing: outgoing, types: ids) else { continue }
            while let e = try walk.next() {
                if out.count < setThreshold {
                    if out.contains(NodeID(e.other)) { continue }
                    out.append(NodeID(e.other))
                    if out.count == setThreshold { seen = Set(out.lazy.map(\.rawValue)) }
                } else if seen.insert(e.other).inserted {
                    out.append(NodeID(e.other))
                }
            }
        }
        return out
    }

    /// The number of edges of `node` in `direction` (a self-loop counts once for `both`).
    public func degree(of node: NodeID, direction: Direction = .both, types: [String]? = nil) throws(SombraError) -> Int {
        var total = 0
        try forEachAdjacentNode(of: node, direction: direction, types: types) { (_: NodeID) throws(SombraError) -> Bool in
            total += 1
            return true
        }
        return total
    }
}
