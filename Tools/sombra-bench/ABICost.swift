// ABICost: the cost of one call through the C ABI (sombra_get_node) next to the same read in Swift, on the
// database the Sombra phase loaded. The ABI entry points are called as the Swift functions they are, so the
// figure includes everything a C caller pays (handle lookup, error mapping, value boxing and freeing) except
// the C call instruction itself. Layer: benchmark tool only.
import Foundation
import Sombra
import SombraCABI

struct ABICost {
    let swiftNs: Double
    let abiNs: Double
    let errors: Int

    /// Times `calls` random get-node calls both ways (after a warm-up pass) on the closed database at `path`.
    static func measure(path: String, nodes: Int, calls: Int, seed: UInt64) throws -> ABICost {
        var rng = SplitMix64(seed: seed)
        let ids = (0..<calls).map { _ in UInt64(rng.next(below: nodes)) + 1 }
        let clock = ContinuousClock()

        let db = try GraphDB.open(path)
        let swiftNs = try db.read { tx -> Double in
            for id in ids.prefix(calls / 10) { _ = try tx.node(NodeID(id)) }
            let start = clock.now
            for id in ids { _ = try tx.node(NodeID(id)) }
            return Double((clock.now - start) / .nanoseconds(1)) / Double(calls)
        }
        try db.close()

        var handle: UInt64 = 0
        let opened = path.withCString { p in unsafe sombra_open(p, UInt(path.utf8.count), nil, &handle) }
        guard opened == 0 else { throw BenchUnavailable(reason: "sombra_open failed with status \(opened)") }
        defer { _ = sombra_close(handle) }
        var txn: UInt64 = 0
        guard unsafe sombra_begin_read(handle, &txn) == 0 else { throw BenchUnavailable(reason: "sombra_begin_read failed") }
        defer { _ = sombra_rollback(txn) }
        var errors = 0
        func call(_ id: UInt64) {
            var labels: UInt64 = 0, props: UInt64 = 0
            if unsafe sombra_get_node(txn, id, &labels, &props) != 0 { errors += 1; return }
            _ = sombra_value_free(labels)
            _ = sombra_value_free(props)
        }
        for id in ids.prefix(calls / 10) { call(id) }
        let start = clock.now
        for id in ids { call(id) }
        let abiNs = Double((clock.now - start) / .nanoseconds(1)) / Double(calls)
        return ABICost(swiftNs: swiftNs, abiNs: abiNs, errors: errors)
    }
}
