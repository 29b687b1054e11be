// BulkLoaderAdjacency: how the bulk loader writes the adjacency trees as chunks (Docs/FORMAT.md,
// "Adjacency chunks"). Each flush packs its sorted entries into chunks as full as the limit allows and
// writes them as one run; a load of one flush registers that run as the tree. A load of several flushes
// merges the runs entry by entry (a node's entries may sit in several runs, whose chunks interleave) and
// packs the merged entries again, freeing each run page once it has been read.
//
// Invariants:
//  1. Every tree written here satisfies AdjacencyChunks invariant 1: chunks partition each node's entries
//     into ascending runs, each value within `AdjacencyChunk.valueBytesMax`.
//  2. The merge reads each run once, in order, and keeps one decoded chunk per run in memory.
import SombraFormat
import SombraIndex
import SombraStorage

extension BulkLoaderState.AdjacencyEntry {
    var key: AdjacencyKey { AdjacencyKey(this: a, type: type, other: b, edge: edge) }
}

extension BulkLoader {
    /// Where each chunk starts in `entries` (sorted): a chunk takes entries of one node while its value fits.
    static func chunkStarts(_ entries: [BulkLoaderState.AdjacencyEntry]) -> [Int] {
        var starts: [Int] = []
        var size = 0
        for i in entries.indices {
            if i > 0, entries[i].a == entries[i - 1].a {
                let added = AdjacencyChunk.entrySize(entries[i].key, after: entries[i - 1].key)
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
    static func chunkValue(_ entries: [BulkLoaderState.AdjacencyEntry], _ range: Range<Int>,
                           _ scratch: inout [UInt8]) -> ArraySlice<UInt8> {
        scratch.removeAll(keepingCapacity: true)
        var previous = entries[range.lowerBound].key
        for i in (range.lowerBound + 1)..<range.upperBound {
            let e = entries[i].key
            AdjacencyChunk.append(e, after: previous, to: &scratch)
            previous = e
        }
        return scratch[...]
    }

    /// One adjacency tree made from several chunked runs: their entries merged in order and packed again.
    func mergeAdjacencyRuns(_ runs: [BTree]) throws(SombraError) -> BTree {
        let pages = tx.pageTx
        var sources: [ChunkedRunReader] = []
        for run in runs {
            let source = try ChunkedRunReader(run, in: pages)
            if source.current != nil { sources.append(source) }
        }
        var builder = try BTreeBulkBuilder(in: pages)
        var chunker = AdjacencyChunker()
        while true {
            // Few runs (one per flush): the smallest head is found by a linear pass.
            var best = -1
            var bestEntry = AdjacencyKey(this: 0, type: 0, other: 0, edge: 0)
            for i in sources.indices {
                guard let e = sources[i].current else { continue }
                if best < 0 || e < bestEntry { (best, bestEntry) = (i, e) }
            }
            guard best >= 0 else { break }
            try chunker.add(bestEntry, to: &builder)
            try sources[best].advance(in: pages)
        }
        try chunker.finish(&builder)
        return try builder.finish()
    }
}

/// The entries of one chunked run in order, one decoded chunk at a time, freeing the run's pages behind it.
private struct ChunkedRunReader {
    private var cells: BTreeRunConsumer
    private var chunk: [AdjacencyKey] = []
    private var index = 0

    init(_ run: BTree, in w: any PageWriter) throws(SombraError) {
        cells = try BTreeRunConsumer(run, in: w)
        try load()
    }

    var current: AdjacencyKey? { index < chunk.count ? chunk[index] : nil }

    mutating func advance(in w: any PageWriter) throws(SombraError) {
        index += 1
        if index == chunk.count {
            try cells.advance(in: w)
            try load()
        }
    }

    /// Decodes the consumer's current cell into `chunk` (empty once the run is done).
    private mutating func load() throws(SombraError) {
        chunk.removeAll(keepingCapacity: true)
        index = 0
        guard let cell = try cells.cell() else { return }
        guard let first = GraphKeys.decodeAdjacency(cell.bytes, start: cell.key.lowerBound, count: cell.key.count) else {
            throw .corruptPage(page: 0, reason: "a bulk-load adjacency run holds a key that is not an adjacency key")
        }
        chunk.append(first)
        try AdjacencyChunk.decode(cell.bytes[cell.value], after: first, page: .none, into: &chunk)
    }
}
