// `sombractl stats DB`: the degree distribution (out, in, total: mean, percentiles, maximum, histogram in
// powers of two), the largest labels and edge types, and the page cache and log figures of the run.
// Read-only.
import ArgumentParser
import Foundation
import Sombra

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Degree distribution, largest labels and types, cache and log figures (read-only).")

    @Argument(help: "The database file.")
    var database: String

    @Option(name: .long, help: "How many labels and edge types to list.")
    var top: Int = 10

    @OptionGroup var output: FormatOption

    struct Distribution {
        var values: [Int] = []

        func summary() -> (mean: Double, p50: Int, p90: Int, p99: Int, max: Int, histogram: [(String, Int)]) {
            guard !values.isEmpty else { return (0, 0, 0, 0, 0, []) }
            let sorted = values.sorted()
            func p(_ q: Double) -> Int { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
            var buckets: [Int] = []
            for v in values {
                let b = v == 0 ? 0 : (Int.bitWidth - v.leadingZeroBitCount)
                while buckets.count <= b { buckets.append(0) }
                buckets[b] += 1
            }
            let histogram = buckets.enumerated().map { (b, n) -> (String, Int) in
                b == 0 ? ("0", n) : b == 1 ? ("1", n) : ("\(1 << (b - 1))-\((1 << b) - 1)", n)
            }
            let mean = Double(values.reduce(0, +)) / Double(values.count)
            return (mean, p(0.5), p(0.9), p(0.99), sorted.last ?? 0, histogram)
        }
    }

    func run() throws {
        let progress = ProgressLine()
        try Database.reading(database) { db in
            var out = Distribution(), inc = Distribution(), all = Distribution()
            var maxOut = (0, NodeID(0)), maxIn = (0, NodeID(0)), maxAll = (0, NodeID(0))
            let (labels, types, nodes, edges) = try db.read { tx in
                var cursor = try tx.allNodes()
                let total = try tx.nodeCount()
                var i = 0
                while let n = try cursor.next() {
                    let o = try tx.degree(of: n, direction: .outgoing)
                    let inn = try tx.degree(of: n, direction: .incoming)
                    let b = try tx.degree(of: n, direction: .both)
                    out.values.append(o); inc.values.append(inn); all.values.append(b)
                    if o > maxOut.0 { maxOut = (o, n) }
                    if inn > maxIn.0 { maxIn = (inn, n) }
                    if b > maxAll.0 { maxAll = (b, n) }
                    i += 1
                    progress.update("stats", i, total)
                }
                return (try tx.labelCounts(), try tx.edgeTypeCounts(), try tx.nodeCount(), try tx.edgeCount())
            }
            progress.finish()
            let s = db.storageStats
            let topLabels = labels.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(max(0, top))
            let topTypes = types.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(max(0, top))
            let dists = [("out", out.summary(), maxOut), ("in", inc.summary(), maxIn), ("total", all.summary(), maxAll)]
            if output.isJSON {
                var o = JSONObject()
                o.set("database", database)
                o.set("nodes", nodes)
                o.set("edges", edges)
                var d = JSONObject()
                for (name, sum, mx) in dists {
                    var e = JSONObject()
                    e.set("mean", sum.mean); e.set("p50", sum.p50); e.set("p90", sum.p90); e.set("p99", sum.p99)
                    e.set("max", sum.max); e.set("max_node", mx.1.rawValue)
                    e.set("histogram", .array(sum.histogram.map { .object([("degree", .string($0.0)), ("nodes", .int(Int64($0.1)))]) }))
                    d.set(name, e.json)
                }
                o.set("degree", d.json)
                o.set("labels", .array(topLabels.map { .object([("label", .string($0.key)), ("nodes", .int(Int64($0.value)))]) }))
                o.set("edge_types", .array(topTypes.map { .object([("type", .string($0.key)), ("edges", .int(Int64($0.value)))]) }))
                var c = JSONObject()
                c.set("hits", s.cache.hits); c.set("misses", s.cache.misses); c.set("evictions", s.cache.evictions)
                c.set("pages", s.cache.pages); c.set("bytes", s.cache.bytes); c.set("bytes_max", s.cache.bytesMax)
                o.set("cache", c.json)
                var l = JSONObject()
                l.set("committed_frames", Int(s.walFrames)); l.set("backfilled_frames", Int(s.walBackfilledFrames))
                l.set("generation", Int(s.walGeneration)); l.set("log_bytes", Database.fileSize(database + "-wal").map { JSON.uint($0) } ?? .null)
                l.set("last_tx_id", s.lastTxID)
                o.set("log", l.json)
                emit(o.json)
                return
            }
            console.out("nodes: \(nodes) edges: \(edges)")
            for (name, sum, mx) in dists {
                console.out("degree \(pad(name, 5)) mean \(String(format: "%.2f", sum.mean)) p50 \(sum.p50) p90 \(sum.p90) p99 \(sum.p99) max \(sum.max)\(sum.max > 0 ? " (n\(mx.1.rawValue))" : "")")
            }
            console.out("total degree histogram:")
            for (bucket, n) in all.summary().histogram where n > 0 {
                console.out("  \(padLeft(bucket, 13)) \(padLeft(String(n), 9))")
            }
            console.out("largest labels: \(topLabels.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            console.out("largest edge types: \(topTypes.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            let lookups = s.cache.hits + s.cache.misses
            console.out("cache: \(s.cache.hits) hits, \(s.cache.misses) misses (\(percent(Int(s.cache.hits), Int(lookups))) hit rate), \(s.cache.evictions) evictions, \(s.cache.pages) pages (\(bytesText(UInt64(s.cache.bytes))) of \(bytesText(UInt64(s.cache.bytesMax))))")
            console.out("log: \(s.walFrames) committed frames (\(s.walBackfilledFrames) backfilled), generation \(s.walGeneration), last tx \(s.lastTxID), \(Database.fileSize(database + "-wal").map(bytesText) ?? "no log file")")
        }
    }
}
