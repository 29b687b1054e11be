// LentWalkers: walks in boxes, so that a read session can lend the same walk to one query after another
// (ReadSession) without copying it in and out: a walk is a struct of many references.
// Layer: graph facade.
//
// Invariants:
//  1. A walker is `busy` from the moment it is lent until its scan gives it back; a busy walker is never
//     lent again, so one walker serves one scan at a time.
//  2. A transaction is used by one thread at a time (it is not Sendable; the C ABI locks its box), so a
//     walker is too.
import SombraFormat
import SombraIndex

/// A walk in a box, so that a read session can lend it to one query after another without copying the walk
/// (a struct of many references) in and out. `busy` is set while lent (ReadSession, invariant 3).
final class AdjacencyWalker {
    // The one unsafe construct of the graph layer: the walk is exempt from dynamic exclusivity checks, which
    // would otherwise cost one check per `next()` (7% of a neighbour query, 12% of a BFS, measured). Sound
    // because a walker is used by one scan of one transaction at a time: a transaction is used by one thread
    // at a time (it is not Sendable; the C ABI locks its box), and a lent walker is `busy`, so a nested scan
    // gets another walker; no access to `walk` calls out while it is in progress.
    @exclusivity(unchecked) private var walk: AdjacencyWalk
    var busy = false

    init(_ walk: AdjacencyWalk) { unsafe self.walk = walk }

    /// Starts over on `node` (AdjacencyWalk.restart).
    func restart(node: UInt64) { unsafe walk.restart(node: node) }

    /// The next entry (AdjacencyWalk.next).
    func next() throws(SombraError) -> AdjacencyKey? { try unsafe walk.next() }
}

/// An entry walk of an index tree in a box, lent by a read session like `AdjacencyWalker` (`busy` while
/// lent), so a property query keeps the walk's path buffers and upper pages from one query to the next.
/// Accesses are checked: an equality query reads a few entries.
final class IndexWalker {
    private var walk: BTreeEntryWalk
    var busy = false

    init(_ walk: BTreeEntryWalk) { self.walk = walk }

    /// Starts over on `range` of the same tree (BTreeEntryWalk.restart).
    func restart(range: KeyRange) { walk.restart(range: range) }

    /// The next entry (BTreeEntryWalk.next).
    func next() throws(SombraError) -> BTreeEntry? { try walk.next() }
}
