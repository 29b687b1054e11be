// AdjacencyWalk: the adjacency entries of one node in one direction, decoded in place from the leaves.
// Layer: graph facade. The hot path of `edges(of:)`, `neighbors(of:)` and every traversal.
//
// Invariants:
//  1. Entries come in key order: by type, then other end, then edge id; with a type filter, only those
//     types (ascending type ids, one prefix range each).
//  2. Each entry is read from the page bytes (no key array is allocated); a key that is not exactly the
//     adjacency layout (GraphKeys) throws `.corruptPage` naming the page.
//  3. Writes made while walking are seen as `BTreeEntryWalk` sees them: the walk resumes after its last entry.
import SombraFormat
import SombraIndex
import SombraStorage

/// One adjacency key: (this end, type, other end, edge).
struct AdjacencyKey {
    var this: UInt64
    var type: UInt32
    var other: UInt64
    var edge: UInt64
}

struct AdjacencyWalk {
    /// The adjacency key of a walk's entry, read in place; a key of another layout is a corrupt page.
    @inline(__always)
    static func key(of entry: BTreeEntry) throws(SombraError) -> AdjacencyKey {
        let run = entry.run, i = entry.index
        let location = try run.keyLocation(i)
        guard let key = GraphKeys.decodeAdjacency(run.pageBytes, start: location.start, count: location.count) else {
            throw run.malformedKey(i, "adjacency")
        }
        return key
    }

    let tree: BTree
    let reader: any PageReader
    let node: UInt64
    /// nil: every type; else the type ids to visit, ascending.
    let types: [UInt32]?
    private var nextType = 0
    private var walk: BTreeEntryWalk
    private var exhausted: Bool

    /// A walk over `node`'s entries; `empty` makes a walk that yields nothing.
    init(tree: BTree, node: UInt64, types: [UInt32]?, reader: any PageReader, empty: Bool = false) {
        self.tree = tree
        self.reader = reader
        self.node = node
        self.types = types
        let first = empty ? nil : (types.map { $0.first.map { GraphKeys.adjacencyPrefix(node, type: $0) } } ?? GraphKeys.adjacencyPrefix(node))
        // An empty walk never reads, so its range is left open (nothing is built for it).
        walk = tree.walk(first.map { .prefix($0) } ?? .all, in: reader)
        nextType = 1
        exhausted = first == nil
    }

    mutating func next() throws(SombraError) -> AdjacencyKey? {
        while !exhausted {
            if let entry = try walk.next() { return try Self.key(of: entry) }
            guard let types, nextType < types.count else {
                exhausted = true
                return nil
            }
            walk = tree.walk(.prefix(GraphKeys.adjacencyPrefix(node, type: types[nextType])), in: reader)
            nextType += 1
        }
        return nil
    }
}

/// The state of an `EdgeCursor`: outgoing entries, then incoming ones, with the last type name remembered
/// (a hub's edges are mostly of a few types, so most edges need no name lookup).
struct EdgeWalk {
    var outgoing: AdjacencyWalk
    var incoming: AdjacencyWalk
    /// `both` lists a self-loop once: from the outgoing side.
    let skipSelfLoopsOnIncoming: Bool
    private var lastType: UInt32 = 0
    private var lastTypeName: String? = nil

    init(outgoing: AdjacencyWalk, incoming: AdjacencyWalk, skipSelfLoopsOnIncoming: Bool) {
        self.outgoing = outgoing
        self.incoming = incoming
        self.skipSelfLoopsOnIncoming = skipSelfLoopsOnIncoming
    }

    mutating func next(names tx: Transaction) throws(SombraError) -> EdgeRef? {
        if let e = try outgoing.next() {
            return EdgeRef(id: EdgeID(e.edge), source: NodeID(e.this), target: NodeID(e.other),
                           type: try typeName(e.type, tx))
        }
        while let e = try incoming.next() {
            if skipSelfLoopsOnIncoming && e.this == e.other { continue }
            return EdgeRef(id: EdgeID(e.edge), source: NodeID(e.other), target: NodeID(e.this),
                           type: try typeName(e.type, tx))
        }
        return nil
    }

    private mutating func typeName(_ type: UInt32, _ tx: Transaction) throws(SombraError) -> String {
        if let lastTypeName, lastType == type { return lastTypeName }
        let name = try tx.name(type)
        lastType = type
        lastTypeName = name
        return name
    }
}
