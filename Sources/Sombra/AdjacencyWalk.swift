// AdjacencyWalk: the adjacency entries of one node in one direction, decoded from the chunks in the leaves.
// Layer: graph facade. The hot path of `edges(of:)`, `neighbors(of:)` and every traversal.
//
// Invariants:
//  1. Entries come in key order: by type, then other end, then edge id; with a type filter, only those
//     types. A walk of all types reads one key range (the node's cells) and no floor lookup; a filtered
//     walk, or one that starts at a later entry, first finds the chunk holding its start (AdjacencyChunks,
//     invariant 1) and skips the entries before the start.
//  2. A chunk is decoded into a reused buffer from the page bytes (no key or value array per cell); a key
//     or value that is not the adjacency layout throws `.corruptPage` naming the page.
//  3. Writes made while walking are seen: when the transaction has changed pages since the walk last read,
//     the next call finds the chunk holding the last entry returned again and continues after it.
//  4. `forEach` yields exactly what repeated `next()` calls would. Its direct form (a fresh walk of every
//     type from the node's first entry) visits the node's cells in key order and each chunk's entries in
//     turn, which is that order (AdjacencyChunks, invariant 1), and falls back to `next()` from the entry
//     after the last one given when the body writes (3).
import SombraFormat
import SombraIndex
import SombraStorage

struct AdjacencyWalk {
    /// The first entry of the chunk in cell `i` of `run`, read in place; a key of another layout is a
    /// corrupt page.
    @inline(__always)
    static func key(of run: BTreeRun, _ i: Int) throws(SombraError) -> AdjacencyKey {
        let location = try run.keyLocation(i)
        guard let key = GraphKeys.decodeAdjacency(run.pageBytes, start: location.start, count: location.count) else {
            throw run.malformedKey(i, "adjacency")
        }
        return key
    }

    /// Appends the entries of the chunk in cell `i` of `run` (its key's entry first) to `out`.
    @inline(__always)
    static func decodeChunk(_ run: BTreeRun, _ i: Int, into out: inout [AdjacencyKey]) throws(SombraError) {
        let first = try key(of: run, i)
        out.append(first)
        guard let value = try run.inlineValueLocation(i) else {
            throw run.malformedKey(i, "adjacency chunk (its value is in an overflow chain)")
        }
        if value.count > 0 {
            try AdjacencyChunk.decode(run.pageBytes[value.start..<(value.start + value.count)], after: first,
                                      page: run.page, into: &out)
        }
    }

    let tree: BTree
    let reader: any PageReader
    private(set) var node: UInt64
    /// nil: every type; else the type ids to visit, ascending.
    let types: [UInt32]?
    /// Entries before (node, start type, start other) are skipped; (0, 0) for the node's first entry.
    private let startType: UInt32
    private let startOther: UInt64
    /// The leaf runs of the node's key range. A run holds its leaf's bytes, so it stays readable when the
    /// transaction writes; a write makes `next()` seek again (invariant 3), so the scan needs no staleness
    /// check of its own.
    private var runs: BTreeRunScan
    /// The run being decoded and its next cell (`== run.cells.upperBound` when used up).
    private var run = BTreeRun.placeholder
    private var cell = 0
    private var chunk: [AdjacencyKey] = []
    private var position = 0
    /// The last entry returned (nil before the first); the walk resumes after it when pages change.
    private var last: AdjacencyKey? = nil
    private var positioned = false
    /// True from a (re)positioning until the first entry past the floor (the chunk found may start before it).
    private var skipping = true
    private var exhausted: Bool
    private var observedChange: UInt64 = 0
    /// The bounds of the node's key range, rewritten in place by each seek (no arrays per query).
    private var prefixLower: [UInt8] = []
    private var prefixUpper: [UInt8] = []

    /// A walk over `node`'s entries (of `types`, from the first at or after `(start.type, start.other)`);
    /// `empty` makes a walk that yields nothing.
    init(tree: BTree, node: UInt64, types: [UInt32]?, reader: any PageReader, empty: Bool = false,
         from start: (type: UInt32, other: UInt64)? = nil) {
        self.tree = tree
        self.reader = reader
        self.node = node
        self.types = types
        startType = max(start?.type ?? 0, types?.first ?? 0)
        startOther = start?.other ?? 0
        runs = tree.runs(.all, in: reader)
        exhausted = empty || types?.isEmpty == true
    }

    /// Starts over on another node (same tree, filter and start), keeping the walk's storage.
    mutating func restart(node: UInt64) {
        self.node = node
        chunk.removeAll(keepingCapacity: true)
        position = 0
        last = nil
        positioned = false
        exhausted = types?.isEmpty == true
    }

    /// The entry the walk must not go below: after `last`, else at the start.
    private var floor: AdjacencyKey {
        last ?? AdjacencyKey(this: node, type: startType, other: startOther, edge: 0)
    }

    /// Positions `runs` on the chunk holding `floor` (or the node's first cell when no chunk starts before it).
    private mutating func seek() throws(SombraError) {
        // The scan lets go of the last range's bounds first, so the buffers are unique and rewritten in place.
        runs.restart(range: .all)
        run = .placeholder
        cell = 0
        var range = Self.prefixRange(of: node, lower: &prefixLower, upper: &prefixUpper)
        if last != nil || startType != 0 || startOther != 0 {
            let target = floor
            let cursor = BTreeCursor(tree: tree, reader: reader)
            try cursor.seekLastBeforeOrAt(GraphKeys.adjacency(target))
            if cursor.isValid, cursor.key.starts(with: prefixLower) { range.lower = .included(cursor.key) }
        }
        runs.restart(range: range)
        chunk.removeAll(keepingCapacity: true)
        if chunk.capacity < 16 { chunk.reserveCapacity(16) }   // one allocation, not four doublings
        position = 0
        positioned = true
        skipping = true
        observedChange = reader.changeCounter
    }

    /// `KeyRange.prefix(GraphKeys.adjacencyPrefix(node))`, built in the given buffers.
    @inline(__always)
    static func prefixRange(of node: UInt64, lower: inout [UInt8], upper: inout [UInt8]) -> KeyRange {
        lower.removeAll(keepingCapacity: true)
        OrderedUInt.append(node, to: &lower)
        return KeyRange.prefix(lower, successorBuffer: &upper)
    }

    /// Calls `body` with each remaining entry, in the order `next()` returns them, until it returns false;
    /// returns false if it stopped. A fresh walk of every type from the node's first entry (the scans of
    /// neighbour queries and traversals) decodes each chunk straight from the leaf into `body`, with no
    /// entry buffer and no per-entry floor or filter test (invariant 4); any other walk, and any walk once
    /// `body` has written to the transaction, goes entry by entry through `next()`.
    mutating func forEach(_ body: (AdjacencyKey) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        if exhausted { return true }
        if !positioned, types == nil, startType == 0, startOther == 0, last == nil {
            try seek()
            let change = observedChange
            while let fresh = try runs.nextRun() {
                for i in fresh.cells {
                    let first = try Self.key(of: fresh, i)
                    guard let value = try fresh.inlineValueLocation(i) else {
                        throw fresh.malformedKey(i, "adjacency chunk (its value is in an overflow chain)")
                    }
                    var entry = first
                    var rest = ByteReader(fresh.pageBytes[value.start..<(value.start + value.count)], page: fresh.page)
                    while true {
                        guard try body(entry) else { return stop(after: entry) }
                        if reader.changeCounter != change { return try resume(after: entry, body) }
                        if rest.isAtEnd { break }
                        entry = try AdjacencyChunk.decodeEntry(&rest, after: entry)
                    }
                }
            }
            exhausted = true
            return true
        }
        return try forEachByStep(body)
    }

    /// `forEach` through `next()`.
    private mutating func forEachByStep(_ body: (AdjacencyKey) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        while let e = try next() {
            guard try body(e) else { return false }
        }
        return true
    }

    /// `forEach` stopped after `entry`: a later `next()` continues after it, from a fresh seek.
    private mutating func stop(after entry: AdjacencyKey) -> Bool {
        last = entry
        positioned = false
        return false
    }

    /// `body` wrote to the transaction after `entry`: the rest comes from a seek past it (invariant 3).
    private mutating func resume(after entry: AdjacencyKey,
                                 _ body: (AdjacencyKey) throws(SombraError) -> Bool) throws(SombraError) -> Bool {
        last = entry
        positioned = false
        return try forEachByStep(body)
    }

    mutating func next() throws(SombraError) -> AdjacencyKey? {
        if exhausted { return nil }
        if !positioned || reader.changeCounter != observedChange { try seek() }
        while true {
            while position == chunk.count {
                chunk.removeAll(keepingCapacity: true)
                position = 0
                if cell == run.cells.upperBound {
                    guard let fresh = try runs.nextRun() else {
                        exhausted = true
                        return nil
                    }
                    run = fresh
                    cell = fresh.cells.lowerBound
                }
                try Self.decodeChunk(run, cell, into: &chunk)
                cell += 1
            }
            let e = chunk[position]
            position += 1
            if skipping {
                if let last {
                    if e <= last { continue }
                } else if e.type < startType || (e.type == startType && e.other < startOther) {
                    continue
                }
                skipping = false
            }
            if let types {
                guard let maxType = types.last, e.type <= maxType else {
                    exhausted = true
                    return nil
                }
                if !types.contains(e.type) { continue }
            }
            last = e
            return e
        }
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
