// BulkLoaderAdjacency: how the bulk loader writes the adjacency trees as chunks (Docs/FORMAT.md,
// "Adjacency chunks"). A tree's first flush packs its sorted entries into node chunks as full as the limit
// allows and writes them as a run; a load of one flush registers that run as the tree. Later flushes write
// *packed* runs: cells whose values continue across nodes (a varint node delta before each entry that
// starts a new node), about as small as the final chunks, so merging the runs into the final tree frees
// about as many pages as it fills and leaves no free space behind. Several runs are merged entry by entry
// (a node's entries sit in several runs, whose chunks interleave) and packed again into node chunks,
// freeing each run page once it has been read. Packed runs exist only inside the load's transaction.
//
// Invariants:
//  1. Every tree registered here satisfies AdjacencyChunks invariant 1: chunks partition each node's entries
//     into ascending runs, each value within `AdjacencyChunk.valueBytesMax`.
//  2. A run is in node-chunk form exactly when it is its tree's first run; the merge reads each run once,
//     in order, keeping one decoded cell per run in memory.
import SombraFormat
import SombraIndex
import SombraStorage

extension BulkLoaderState.AdjacencyEntry {
    var key: AdjacencyKey { AdjacencyKey(this: a, type: type, other: b, edge: edge) }
}

extension BulkLoader {
    /// Where each chunk starts in `entries` (sorted): a chunk takes entries of one node (of any nodes when
    /// `acrossNodes`, for a packed run) while its value fits.
    static func chunkStarts(_ entries: [BulkLoaderState.AdjacencyEntry], acrossNodes: Bool) -> [Int] {
        var starts: [Int] = []
        var size = 0
        for i in entries.indices {
            if i > 0, acrossNodes || entries[i].a == entries[i - 1].a {
                let added = acrossNodes ? packedEntrySize(entries[i].key, after: entries[i - 1].key)
                    : AdjacencyChunk.entrySize(entries[i].key, after: entries[i - 1].key)
                if size + added <= AdjacencyChunk.valueBytesMax {
                    size += added
                    continue
                }
            }
            starts.append(i)
            size = 0
        }
        return starts
    }

    /// The value of the chunk `entries[range]` (its entries after the first), written into `scratch`.
    static func chunkValue(_ entries: [BulkLoaderState.AdjacencyEntry], _ range: Range<Int>, acrossNodes: Bool,
                           _ scratch: inout [UInt8]) -> ArraySlice<UInt8> {
        scratch.removeAll(keepingCapacity: true)
        var previous = entries[range.lowerBound].key
        for i in (range.lowerBound + 1)..<range.upperBound {
            let e = entries[i].key
            if acrossNodes { appendPacked(e, after: previous, to: &scratch) } else { AdjacencyChunk.append(e, after: previous, to: &scratch) }
            previous = e
        }
        return scratch[...]
    }

    /// A packed-run entry: varint (this − previous this), then the node-chunk encoding when the node is the
    /// same, else type, other end and edge as varints.
    static func packedEntrySize(_ e: AdjacencyKey, after previous: AdjacencyKey) -> Int {
        let dThis = e.this &- previous.this
        if dThis == 0 { return 1 + AdjacencyChunk.entrySize(e, after: previous) }
        return Varint.size(of: dThis) + Varint.size(of: UInt64(e.type)) + Varint.size(of: e.other) + Varint.size(of: e.edge)
    }

    static func appendPacked(_ e: AdjacencyKey, after previous: AdjacencyKey, to bytes: inout [UInt8]) {
        let dThis = e.this &- previous.this
        Varint.append(dThis, to: &bytes)
        if dThis == 0 {
            AdjacencyChunk.append(e, after: previous, to: &bytes)
        } else {
            Varint.append(UInt64(e.type), to: &bytes)
            Varint.append(e.other, to: &bytes)
            Varint.append(e.edge, to: &bytes)
        }
    }

    /// Appends the entries of a packed run cell's value after `first` (the reverse of `appendPacked`).
    static func decodePacked(_ value: ArraySlice<UInt8>, after first: AdjacencyKey,
                             into out: inout [AdjacencyKey]) throws(SombraError) {
        var reader = ByteReader(value)
        var previous = first
        while !reader.isAtEnd {
            let dThis = try reader.readVarint()
            var e: AdjacencyKey
            if dThis == 0 {
                e = try AdjacencyChunk.decodeEntry(&reader, after: previous)
            } else {
                let (this, overflow) = previous.this.addingReportingOverflow(dThis)
                guard !overflow else { throw reader.corrupt("packed run node overflows 64 bits") }
                e = AdjacencyKey(this: this, type: try reader.readVarintU32("type"), other: try reader.readVarint(),
                                 edge: try reader.readVarint())
            }
            out.append(e)
            previous = e
        }
    }

    /// One adjacency tree made from several chunked runs: their entries merged in order and packed again.
    func mergeAdjacencyRuns(_ runs: [BTree]) throws(SombraError) -> BTree {
        let pages = tx.pageTx
        var sources: [ChunkedRunReader] = []
        // Each live source's current entry, kept apart so the search below copies no reader.
        var heads: [AdjacencyKey] = []
        for (i, run) in runs.enumerated() {
            let source = try ChunkedRunReader(run, packed: i > 0, in: pages)
            if let head = source.firstEntry {
                sources.append(source)
                heads.append(head)
            }
        }
        var builder = try BTreeBulkBuilder(in: pages)
        var chunker = AdjacencyChunker()
        while !heads.isEmpty {
            // Few runs (one per flush): the smallest head is found by a linear pass.
            var best = 0
            for i in 1..<heads.count where heads[i] < heads[best] { best = i }
            try chunker.add(heads[best], to: &builder)
            if let next = try sources[best].advance(in: pages) {
                heads[best] = next
            } else {
                sources.remove(at: best)
                heads.remove(at: best)
            }
        }
        try chunker.finish(&builder)
        return try builder.finish()
    }
}

/// The entries of one run in order, one decoded cell at a time, freeing the run's pages behind it.
private struct ChunkedRunReader {
    private var cells: BTreeRunConsumer
    /// Packed run cells (values continue across nodes) rather than node chunks.
    private let packed: Bool
    private var chunk: [AdjacencyKey] = []
    private var index = 0

    init(_ run: BTree, packed: Bool, in w: any PageWriter) throws(SombraError) {
        cells = try BTreeRunConsumer(run, in: w)
        self.packed = packed
        try load()
    }

    /// The first entry (nil for an empty run).
    var firstEntry: AdjacencyKey? { chunk.first }

    /// Moves to the next entry and returns it (nil at the end of the run).
    mutating func advance(in w: any PageWriter) throws(SombraError) -> AdjacencyKey? {
        index += 1
        if index == chunk.count {
            try cells.advance(in: w)
            try load()
        }
        return index < chunk.count ? chunk[index] : nil
    }

    /// Decodes the consumer's current cell into `chunk` (empty once the run is done).
    private mutating func load() throws(SombraError) {
        chunk.removeAll(keepingCapacity: true)
        index = 0
        guard let cell = try cells.cell() else { return }
        let bytes = cells.leafBytes
        guard let first = GraphKeys.decodeAdjacency(bytes, start: cell.key.lowerBound, count: cell.key.count) else {
            throw .corruptPage(page: 0, reason: "a bulk-load adjacency run holds a key that is not an adjacency key")
        }
        chunk.append(first)
        if packed {
            try BulkLoader.decodePacked(bytes[cell.value], after: first, into: &chunk)
        } else {
            try AdjacencyChunk.decode(bytes[cell.value], after: first, page: .none, into: &chunk)
        }
    }
}
