// Transaction: what every transaction can read: records, names, counts. Read and write transactions
// derive from it; queries and traversals are in extensions (TransactionQueries, Traversals, ...).
//
// Invariants:
//  1. Every read goes through `pages`, so it sees exactly this transaction's snapshot (plus, in a write
//     transaction, its own changes).
//  2. Names are resolved through the shared NameCache only for committed names (see NameCache).
import SombraFormat
import SombraIndex
import SombraStorage

/// A property query's names as ids, and the index declared on them (nil: none).
struct ResolvedProperty {
    let label: UInt32
    let key: UInt32
    let index: UInt32?
}

public class Transaction {
    /// The database. A transaction keeps it alive (`keepAlive`) except while it waits, ended, in the
    /// database's own pool of read transactions (GraphDB, invariant 4), where no one else can reach it:
    /// the pool holding its database strongly would make a cycle that never frees either.
    public var db: GraphDB { owner }
    private unowned let owner: GraphDB
    var keepAlive: GraphDB?
    let pages: any PageReader
    var trees: GraphTrees?

    init(db: GraphDB, pages: any PageReader, trees: GraphTrees?) {
        owner = db
        keepAlive = db
        self.pages = pages
        self.trees = trees
    }

    /// Overridden: whether the transaction can still be used.
    public var isActive: Bool { false }

    /// The commit id of the snapshot this transaction reads (for a writer: the snapshot it started from).
    public var snapshotID: UInt64 { 0 }

    /// Names this transaction created and has not committed (writers only).
    func uncommittedName(_ id: UInt32) -> String? { nil }
    func uncommittedID(_ name: String) -> UInt32? { nil }
    var publishesNamesToCache: Bool { true }
    /// True when nothing can change what this transaction reads (a read transaction), so scans may
    /// read ahead a whole leaf at a time.
    var readsFixedSnapshot: Bool { true }

    func checkUsable() throws(SombraError) {
        guard isActive else { throw .transactionEnded }
    }

    // MARK: Adjacency walks

    /// A walker over `node`'s adjacency in one tree (nil before the graph has trees), busy until given back
    /// with `walker.busy = false`. A read transaction lends its session's idle one (ReadSession).
    func lendWalker(outgoing: Bool, node: NodeID, types: [UInt32]?) -> AdjacencyWalker? {
        guard let walk = adjacencyWalk(node, outgoing: outgoing, types: types) else { return nil }
        let walker = AdjacencyWalker(walk)
        walker.busy = true
        return walker
    }

    /// A walker of the property-index tree, lent (busy) until given back under its lease (nil before the
    /// graph has trees). A read transaction lends its session's idle one.
    func lendPropertyIndexWalker() -> IndexWalker? {
        guard let trees else { return nil }
        let walker = IndexWalker(trees.properties.walk(.all, in: pages))
        walker.lend()
        return walker
    }

    // MARK: Names

    func name(_ id: UInt32) throws(SombraError) -> String {
        if let n = db.names.name(for: id) ?? uncommittedName(id) { return n }
        guard let trees, let bytes = try trees.names.get(GraphKeys.idToName(id), in: pages),
              let name = String(validating: bytes, as: UTF8.self) else {
            throw .corruptPage(page: trees?.names.root.rawValue ?? 0, reason: "name id \(id) is not in the dictionary")
        }
        if publishesNamesToCache { db.names.add(name, id) }
        return name
    }

    /// The ids of `label` and `key` and the index declared on them; nil when either name was never used.
    func resolveProperty(label: String, key: String) throws(SombraError) -> ResolvedProperty? {
        guard let l = try existingID(label), let k = try existingID(key) else { return nil }
        return ResolvedProperty(label: l, key: k, index: try indexID(label: l, key: k))
    }

    /// The id of an existing name, or nil if no record ever used it.
    func existingID(_ name: String) throws(SombraError) -> UInt32? {
        if let id = db.names.id(for: name) ?? uncommittedID(name) { return id }
        guard let trees, let bytes = try trees.names.get(GraphKeys.nameToID(name), in: pages) else { return nil }
        guard let id = GraphKeys.readU32Value(bytes) else {
            throw .corruptPage(page: trees.names.root.rawValue, reason: "dictionary entry for \(name) is malformed")
        }
        if publishesNamesToCache { db.names.add(name, id) }
        return id
    }

    // MARK: Records

    /// The stored record bytes of node `id` (nil: no such node). A read transaction's lookups share the
    /// upper pages of its session's last one (ReadSession).
    func nodeBytes(_ id: NodeID, _ trees: GraphTrees) throws(SombraError) -> ArraySlice<UInt8>? {
        try trees.nodes.getSlice(id: id.rawValue, in: pages)
    }

    /// Whether node `id` exists (as `nodeBytes`, without reading the record).
    func nodeStored(_ id: NodeID, _ trees: GraphTrees) throws(SombraError) -> Bool {
        try trees.nodes.contains(id: id.rawValue, in: pages)
    }

    func nodeRecord(_ id: NodeID) throws(SombraError) -> NodeRecord? {
        try checkUsable()
        guard let trees, let bytes = try nodeBytes(id, trees) else { return nil }
        return try NodeRecord.decode(bytes, page: trees.nodes.root)
    }

    func edgeRecord(_ id: EdgeID) throws(SombraError) -> EdgeRecord? {
        try checkUsable()
        guard let trees, let bytes = try trees.edges.getSlice(id: id.rawValue, in: pages) else { return nil }
        return try EdgeRecord.decode(bytes, page: trees.edges.root)
    }

    func properties(_ list: [Property]) throws(SombraError) -> [String: Value] {
        var out = [String: Value](minimumCapacity: list.count)
        for p in list { out[try name(p.key)] = p.value }
        return out
    }

    func makeNode(_ id: NodeID, _ r: NodeRecord) throws(SombraError) -> Node {
        var labels: [String] = []
        labels.reserveCapacity(r.labels.count)
        for l in r.labels { labels.append(try name(l)) }
        var list: [Node.StoredProperty] = []
        list.reserveCapacity(r.properties.count)
        for p in r.properties { list.append(Node.StoredProperty(key: try name(p.key), value: p.value)) }
        return Node(id: id, labels: labels, stored: list)
    }

    func makeEdge(_ id: EdgeID, _ r: EdgeRecord) throws(SombraError) -> Edge {
        Edge(id: id, source: NodeID(r.source), target: NodeID(r.target), type: try name(r.type),
             properties: try properties(r.properties))
    }

    // MARK: Public reads

    /// The node with `id`, or nil if there is none (never created, or deleted).
    public func node(_ id: NodeID) throws(SombraError) -> Node? {
        try checkUsable()
        guard let trees, let bytes = try nodeBytes(id, trees) else { return nil }
        // Fast path: the record decoded straight into the node, names from the shared cache's dense table.
        let names = db.names.denseNames()
        var labels: [String] = []
        var list: [Node.StoredProperty] = []
        var complete = true
        func cached(_ id: UInt32) -> String? { Int(id) < names.count ? names[Int(id)] : nil }
        try NodeRecord.visit(bytes, page: trees.nodes.root,
                             labelCount: { labels.reserveCapacity($0) },
                             label: { l in if let n = cached(l) { labels.append(n) } else { complete = false } },
                             propertyCount: { list.reserveCapacity($0) },
                             property: { k, v in if let n = cached(k) { list.append(Node.StoredProperty(key: n, value: v)) } else { complete = false } })
        if complete { return Node(id: id, labels: labels, stored: list) }
        // A name not cached yet (or this writer's own new name): resolve each through the dictionary.
        return try makeNode(id, try NodeRecord.decode(bytes, page: trees.nodes.root))
    }

    public func edge(_ id: EdgeID) throws(SombraError) -> Edge? {
        guard let r = try edgeRecord(id) else { return nil }
        return try makeEdge(id, r)
    }

    public func nodeExists(_ id: NodeID) throws(SombraError) -> Bool {
        try checkUsable()
        guard let trees else { return false }
        return try nodeStored(id, trees)
    }

    public func edgeExists(_ id: EdgeID) throws(SombraError) -> Bool {
        try checkUsable()
        guard let trees else { return false }
        return try trees.edges.contains(id: id.rawValue, in: pages)
    }

    /// One property of a node, without building the whole node.
    public func property(_ key: String, of node: NodeID) throws(SombraError) -> Value? {
        guard let r = try nodeRecord(node), let k = try existingID(key) else { return nil }
        return r.property(for: k)
    }

    public func property(_ key: String, of edge: EdgeID) throws(SombraError) -> Value? {
        guard let r = try edgeRecord(edge), let k = try existingID(key) else { return nil }
        return r.property(for: k)
    }

    // MARK: Counts (kept exact in the catalog)

    func catalogValue(_ key: [UInt8]) throws(SombraError) -> UInt64 {
        guard let trees, let b = try trees.catalog.get(key, in: pages) else { return 0 }
        guard let v = GraphKeys.readU64Value(b) else {
            throw .corruptPage(page: trees.catalog.root.rawValue, reason: "catalog value is malformed")
        }
        return v
    }

    public func nodeCount() throws(SombraError) -> Int {
        try checkUsable()
        return Int(clamping: try catalogValue(GraphKeys.counter(Counter.nodeCount)))
    }

    public func edgeCount() throws(SombraError) -> Int {
        try checkUsable()
        return Int(clamping: try catalogValue(GraphKeys.counter(Counter.edgeCount)))
    }

    public func countNodes(withLabel label: String) throws(SombraError) -> Int {
        try checkUsable()
        guard let id = try existingID(label) else { return 0 }
        return Int(clamping: try catalogValue(GraphKeys.labelCount(id)))
    }

    public func countEdges(ofType type: String) throws(SombraError) -> Int {
        try checkUsable()
        guard let id = try existingID(type) else { return 0 }
        return Int(clamping: try catalogValue(GraphKeys.typeCount(id)))
    }

    /// Every label in use with its node count.
    public func labelCounts() throws(SombraError) -> [String: Int] { try countsByName(prefix: 0x02) }

    /// Every edge type in use with its edge count.
    public func edgeTypeCounts() throws(SombraError) -> [String: Int] { try countsByName(prefix: 0x03) }

    func countsByName(prefix: UInt8) throws(SombraError) -> [String: Int] {
        try checkUsable()
        guard let trees else { return [:] }
        var out: [String: Int] = [:]
        var scan = trees.catalog.scan(.prefix([prefix]), in: pages)
        while let (k, v) = try scan.next() {
            guard k.count == 5, let n = GraphKeys.readU64Value(v) else {
                throw .corruptPage(page: trees.catalog.root.rawValue, reason: "count entry is malformed")
            }
            if n > 0 { out[try name(k.loadBE(UInt32.self, at: 1))] = Int(clamping: n) }
        }
        return out
    }
}

/// Names of the catalog's counters.
enum Counter {
    static let nextNode = "next-node"
    static let nextEdge = "next-edge"
    static let nextName = "next-name"
    static let nextIndex = "next-index"
    static let nodeCount = "node-count"
    static let edgeCount = "edge-count"
}

/// A read-only transaction at one committed snapshot. End it (or let `db.read { }` end it) to let
/// checkpoints reclaim the log.
public final class ReadTransaction: Transaction {
    let session: ReadSession
    /// The session's page transaction when this transaction began (a `let`: read on every cursor step, it
    /// must not cost the exclusivity check of the session's `var`).
    let pageTx: PageReadTransaction

    init(db: GraphDB, session: ReadSession) {
        self.session = session
        pageTx = session.pages
        super.init(db: db, pages: pageTx, trees: session.trees)
    }

    public override var isActive: Bool { pageTx.isActive }
    public override var snapshotID: UInt64 { pageTx.snapshotID.rawValue }

    public func end() { pageTx.end() }

    override func nodeBytes(_ id: NodeID, _ trees: GraphTrees) throws(SombraError) -> ArraySlice<UInt8>? {
        try trees.nodes.getSlice(id: id.rawValue, in: pageTx, memo: &session.nodeLookups)
    }

    override func nodeStored(_ id: NodeID, _ trees: GraphTrees) throws(SombraError) -> Bool {
        try trees.nodes.contains(id: id.rawValue, in: pageTx, memo: &session.nodeLookups)
    }

    override func existingID(_ name: String) throws(SombraError) -> UInt32? {
        if let id = session.recentID(of: name) { return id }
        guard let id = try super.existingID(name) else { return nil }
        session.remember(name: name, id: id)
        return id
    }

    override func resolveProperty(label: String, key: String) throws(SombraError) -> ResolvedProperty? {
        if let known = session.recentProperty(label: label, key: key) { return known }
        guard let resolved = try super.resolveProperty(label: label, key: key) else { return nil }
        session.rememberProperty(label: label, key: key, resolved)
        return resolved
    }

    override func lendPropertyIndexWalker() -> IndexWalker? {
        session.lendPropertyIndexWalker() ?? super.lendPropertyIndexWalker()
    }

    override func lendWalker(outgoing: Bool, node: NodeID, types: [UInt32]?) -> AdjacencyWalker? {
        if types == nil, let walker = session.lendWalker(outgoing: outgoing, node: node.rawValue) { return walker }
        return super.lendWalker(outgoing: outgoing, node: node, types: types)
    }
}
