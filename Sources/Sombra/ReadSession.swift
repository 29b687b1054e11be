// ReadSession: the reusable part of a read transaction: its page transaction, the tree roots decoded from
// its snapshot's header, idle adjacency and property-index walkers, the upper pages of its last node lookup
// and the names its queries used, kept by the GraphDB between `read { }` calls.
// Layer: graph facade.
//
// A query in its own read transaction (as every SQLite autocommit statement is) would otherwise pay for
// two objects, a header decode and fresh walk buffers each time, and descend from the root on pages it
// read a moment before. A session renewed at an unchanged snapshot keeps all of that.
//
// Invariants:
//  1. A session is used by one transaction at a time: the pool hands it out and takes it back only when the
//     `ReadTransaction` using it is no longer referenced anywhere else (GraphDB.read checks).
//  2. `renew()` moves the session to the newest committed snapshot. When that is a different snapshot, a new
//     page transaction replaces the old one, the roots are decoded again, and the idle walks and the
//     lookup memo are dropped (their kept path pages belong to the old snapshot); at the same snapshot
//     every page is the same, so they stay.
//  3. The session's adjacency walkers have no type filter; a walker (adjacency or property index) is lent
//     out (marked busy) and given back, so a nested scan of the same tree gets a walker of its own.
import SombraFormat
import SombraIndex
import SombraStorage

final class ReadSession: @unchecked Sendable {
    // @unchecked: used by one transaction at a time, and idle in the pool otherwise (invariant 1).
    private(set) var pages: PageReadTransaction
    private(set) var trees: GraphTrees?
    /// Upper pages of the last node lookup by id (dropped with the snapshot, like the walkers).
    var nodeLookups: DescentMemo? = DescentMemo()
    private var outgoing: AdjacencyWalker?
    private var incoming: AdjacencyWalker?
    private var propertyIndex: IndexWalker?
    /// Names this session's queries looked up, with their ids (committed names: an id never changes
    /// meaning, so these stay valid across snapshots, as in the shared NameCache).
    private var recentNames: [(name: SpelledName, id: UInt32)] = []
    private static let recentNameLimit = 8
    /// The last (label, key) a property query of this session resolved, with the names' ids and the index
    /// declared on them at this snapshot (dropped with the snapshot: declarations change by commits).
    private var lastProperty: (label: SpelledName, key: SpelledName, resolved: ResolvedProperty)?

    init(pages: PageReadTransaction) {
        self.pages = pages
        trees = GraphTrees(header: pages.header)
    }

    /// Starts the session again at the newest committed snapshot (invariant 2). Returns true when it kept
    /// its page transaction (the snapshot had not moved), false when it took a new one.
    func renew() throws(SombraError) -> Bool {
        if try pages.renew() { return true }
        pages = try pages.pager.beginRead()
        trees = GraphTrees(header: pages.header)
        nodeLookups = DescentMemo()
        lastProperty = nil
        outgoing = nil
        incoming = nil
        propertyIndex = nil
        return false
    }

    /// The id of `name` if a query of this session looked it up, compared by UTF-8 bytes as the names tree
    /// does (NameCache, invariant 2; SpelledName); no lock and no hashing, for the few names a workload
    /// repeats.
    func recentID(of name: String) -> UInt32? {
        for entry in recentNames where entry.name.isSpelled(name) { return entry.id }
        return nil
    }

    /// What `rememberProperty` kept for exactly this `label` and `key` (by bytes), if anything.
    func recentProperty(label: String, key: String) -> ResolvedProperty? {
        // Read in place: binding the optional tuple copies it (and later destroys it) through generic
        // value witnesses, about 150 instructions per property query.
        guard lastProperty?.label.isSpelled(label) == true, lastProperty?.key.isSpelled(key) == true else { return nil }
        return lastProperty?.resolved
    }

    /// Keeps a property query's resolution for the next query at this snapshot.
    func rememberProperty(label: String, key: String, _ resolved: ResolvedProperty) {
        lastProperty = (SpelledName(label), SpelledName(key), resolved)
    }

    /// Remembers a committed name's id (the oldest is dropped past `recentNameLimit`).
    func remember(name: String, id: UInt32) {
        if recentNames.count >= Self.recentNameLimit { recentNames.removeFirst() }
        recentNames.append((SpelledName(name), id))
    }

    /// Marks every walker idle. Called when the session goes back to the pool, which happens only when no
    /// transaction or cursor can reach it (GraphDB, invariant 4), so a cursor abandoned mid-scan does not
    /// keep its walker lent for good.
    func releaseWalkers() {
        outgoing?.busy = false
        incoming?.busy = false
        propertyIndex?.release()
    }

    /// The session's walker of the property-index tree, lent under a new lease (created on first use); nil
    /// while it is lent out or before the graph has trees. The borrower restarts it on its range.
    func lendPropertyIndexWalker() -> IndexWalker? {
        if let walker = propertyIndex {
            guard !walker.busy else { return nil }
            walker.lend()
            return walker
        }
        guard let trees else { return nil }
        let walker = IndexWalker(trees.properties.walk(.all, in: pages))
        walker.lend()
        propertyIndex = walker
        return walker
    }

    /// The session's unfiltered walker of the out- or in-edge tree, restarted on `node` and marked busy
    /// (created on first use); nil while it is lent out or before the graph has trees.
    func lendWalker(outgoing isOutgoing: Bool, node: UInt64) -> AdjacencyWalker? {
        if let walker = isOutgoing ? outgoing : incoming {
            guard !walker.busy else { return nil }
            walker.busy = true
            walker.restart(node: node)
            return walker
        }
        guard let trees else { return nil }
        let walker = AdjacencyWalker(AdjacencyWalk(tree: isOutgoing ? trees.outEdges : trees.inEdges, node: node,
                                                   types: nil, reader: pages))
        walker.busy = true
        if isOutgoing { outgoing = walker } else { incoming = walker }
        return walker
    }
}
