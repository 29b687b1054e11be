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
    // gets another walker. `forEach` calls out to its body while the access is in progress; the body cannot
    // reach this walk, which is lent (busy) to the scan running it and is not visible outside the graph layer.
    @exclusivity(unchecked) private var walk: AdjacencyWalk
    var busy = false

    init(_ walk: AdjacencyWalk) { unsafe self.walk = walk }

    /// Starts over on `node` (AdjacencyWalk.restart).
    func restart(node: UInt64) { unsafe walk.restart(node: node) }

    /// The next entry (AdjacencyWalk.next).
    func next() throws(SombraError) -> AdjacencyKey? { try unsafe walk.next() }

    /// Each remaining entry, until `body` returns false; false if it stopped (AdjacencyWalk.forEach).
    func forEach(_ body: (AdjacencyKey) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        try unsafe walk.forEach(body)
    }
}

/// An entry walk of an index tree in a box, lent by a read session like `AdjacencyWalker` (`busy` while
/// lent), so a property query keeps the walk's path buffers and upper pages from one query to the next.
/// Accesses are checked: an equality query reads a few entries.
final class IndexWalker {
    /// The walk and its range buffers in one value, so each call costs one exclusivity check.
    private var state: IndexWalkState
    /// True while lent (invariant 1).
    private(set) var busy = false
    /// Counts lendings. A scan keeps the lease it was lent under and stops using the walker once the lease
    /// has moved on (the walker was given back and perhaps lent to another scan).
    private(set) var lease: UInt64 = 0

    init(_ walk: BTreeEntryWalk) { state = IndexWalkState(walk: walk) }

    /// Marks the walker lent under a new lease.
    func lend() {
        busy = true
        lease &+= 1
    }

    /// Gives the walker back; a scan passes the lease it was lent under, so a stale scan gives back nothing.
    func giveBack(lease: UInt64) {
        if lease == self.lease { busy = false }
    }

    /// Gives the walker back whoever holds it (the session's end).
    func release() { busy = false }

    /// Whether a scan lent under `lease` may still use the walker.
    func isHeld(under lease: UInt64) -> Bool { busy && lease == self.lease }

    /// Starts over on the entries of property index `index` whose value component encodes `value`
    /// (`GraphKeys.propertyPrefix`); returns whether that prefix holds the whole value.
    func restart(index: UInt32, value: Value) throws(SombraError) -> Bool {
        try state.restart(index: index, value: value)
    }

    /// The next entry (BTreeEntryWalk.next).
    func next() throws(SombraError) -> BTreeEntry? { try state.walk.next() }
}

/// An index walk with the bounds of its current range and a second pair the next range is built in. The
/// walk holds only the current pair, so the spare pair is uniquely held and rewriting it allocates
/// nothing; the pairs trade places at each restart.
struct IndexWalkState {
    var walk: BTreeEntryWalk
    private var lower = KeyEncoder()
    private var upper: [UInt8] = []
    private var spareLower = KeyEncoder()
    private var spareUpper: [UInt8] = []

    init(walk: BTreeEntryWalk) { self.walk = walk }

    mutating func restart(index: UInt32, value: Value) throws(SombraError) -> Bool {
        spareLower.removeAll()
        let exact = try GraphKeys.appendPropertyPrefix(index, value, to: &spareLower)
        walk.restart(range: KeyRange.prefix(spareLower.bytes, successorBuffer: &spareUpper))
        swap(&lower, &spareLower)
        swap(&upper, &spareUpper)
        return exact
    }
}
