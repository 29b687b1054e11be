// ReadSessionTests: `read { }` reuses read sessions (ReadSession) between calls. These tests hold the reuse
// to what a fresh transaction would do: every read sees the newest commit even when the trees under a kept
// walk were rewritten, a transaction that escapes its closure stays ended, nested reads and nested scans of
// one transaction get their own sessions and walks, an idle session holds no reader slot, and names a session
// remembers match by bytes as the names tree does.
import Testing
import SombraFormat
import SombraIO
import SombraTestSupport
@testable import Sombra

@Suite("read sessions")
struct ReadSessionTests {
    /// The edges of a simple model graph: source → targets (repeats kept, in no particular order).
    struct Model {
        var out: [UInt64: [UInt64]] = [:]
        var incoming: [UInt64: [UInt64]] = [:]
        var edgeIDs: [(id: EdgeID, from: UInt64, to: UInt64)] = []

        mutating func add(_ id: EdgeID, _ a: UInt64, _ b: UInt64) {
            out[a, default: []].append(b)
            incoming[b, default: []].append(a)
            edgeIDs.append((id, a, b))
        }

        mutating func remove(at i: Int) {
            let e = edgeIDs.remove(at: i)
            if let j = out[e.from]?.firstIndex(of: e.to) { out[e.from]?.remove(at: j) }
            if let j = incoming[e.to]?.firstIndex(of: e.from) { incoming[e.to]?.remove(at: j) }
        }

        func twoHops(_ n: UInt64) -> Set<UInt64> {
            Set((out[n] ?? []).flatMap { out[$0] ?? [] })
        }
    }

    static func neighbors(_ tx: Transaction, _ n: UInt64, _ direction: Direction) throws(SombraError) -> [UInt64] {
        var found: [UInt64] = []
        try tx.forEachAdjacentNode(of: NodeID(n), direction: direction) { (m: NodeID) throws(SombraError) -> Bool in
            found.append(m.rawValue)
            return true
        }
        return found
    }

    @Test("pooled reads see every commit, through splits and merges of the trees their walks kept")
    func pooledReadsFollowCommits() throws {
        let seed: UInt64 = 0x5E55_1011
        var r = SeededRandom(seed: seed)
        let db = try GraphTest.open(InMemoryFileSystem())
        let nodeCount = 300
        let nodes = try db.write { tx in
            try (0..<nodeCount).map { _ in try tx.createNode(labels: ["N"]).rawValue }
        }
        var model = Model()
        var extraRounds: [UInt64: Int] = [:]   // node → the round that created it
        var mismatches = 0, reads = 0
        for round in 0..<45 {
            // Batches from a few edges to thousands: the big ones split leaves and interior pages, and the
            // deleting rounds merge them, so pages a kept walk read before now hold other keys.
            let batch = [3, 40, 700][round % 3]
            try db.write { tx in
                for _ in 0..<batch {
                    if !model.edgeIDs.isEmpty, r.chance(round % 4 == 3 ? 70 : 15) {
                        let i = r.below(model.edgeIDs.count)
                        try tx.deleteEdge(model.edgeIDs[i].id)
                        model.remove(at: i)
                    } else {
                        let a = nodes[r.below(nodeCount)], b = nodes[r.below(nodeCount)]
                        model.add(try tx.createEdge(from: NodeID(a), to: NodeID(b), type: "E"), a, b)
                    }
                }
                // Records too, so node lookups through a kept descent meet splits of the node store.
                for _ in 0..<batch / 2 {
                    let id = try tx.createNode(labels: ["M"], properties: ["round": .int(Int64(round))]).rawValue
                    extraRounds[id] = round
                }
            }
            for _ in 0..<20 {
                let n = nodes[r.below(nodeCount)]
                try db.read { tx in
                    reads += 1
                    if try Self.neighbors(tx, n, .outgoing).sorted() != (model.out[n] ?? []).sorted() { mismatches += 1 }
                    if try Self.neighbors(tx, n, .incoming).sorted() != (model.incoming[n] ?? []).sorted() { mismatches += 1 }
                    var hop2 = Set<UInt64>()
                    try tx.forEachNode(atHops: 2, from: NodeID(n)) { (m: NodeID) throws(SombraError) -> Bool in
                        hop2.insert(m.rawValue)
                        return true
                    }
                    if hop2 != model.twoHops(n) { mismatches += 1 }
                    // A node of some round (or an id past the last): its record as that round wrote it.
                    let m = UInt64(r.below(nodeCount + 2 + extraRounds.count)) + 1
                    let expected = extraRounds[m].map { Value.int(Int64($0)) }
                    let found = try tx.node(NodeID(m))
                    if m > UInt64(nodeCount) ? found?["round"] != expected : found == nil { mismatches += 1 }
                    if try tx.nodeExists(NodeID(m)) != (m <= UInt64(nodeCount) || expected != nil) { mismatches += 1 }
                }
            }
        }
        print("read-sessions: reads: \(reads) edges: \(model.edgeIDs.count) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
        #expect(db.storageStats.activeReaders == 0)
    }

    @Test("a transaction kept after its closure stays ended while later reads reuse sessions")
    func escapedTransactionStaysEnded() throws {
        let db = try GraphTest.open(InMemoryFileSystem())
        let a = try db.write { tx in try tx.createNode(labels: ["N"]) }
        let escaped = try db.read { tx in tx }
        #expect(!escaped.isActive)
        var cursor: NodeIDCursor? = nil
        try db.read { tx in cursor = try tx.nodes(withLabel: "N") }
        for _ in 0..<3 {
            try db.read { tx in
                // While a later read is active (on whatever session the pool gives it), the kept ones stay ended.
                let found = try tx.node(a)
                #expect(found != nil)
                #expect(!escaped.isActive)
                #expect(throws: SombraError.transactionEnded) { _ = try escaped.node(a) }
                #expect(throws: SombraError.transactionEnded) { _ = try cursor?.next() }
            }
        }
        #expect(!escaped.isActive)
        #expect(throws: SombraError.transactionEnded) { _ = try escaped.node(a) }
        #expect(throws: SombraError.transactionEnded) { _ = try cursor?.next() }
        #expect(db.storageStats.activeReaders == 0)
    }

    @Test("pooled read transactions do not keep their database alive; a transaction kept outside does")
    func pooledReadsHoldNoDatabase() throws {
        weak var pooled: GraphDB?
        do {
            let db = try GraphTest.open(InMemoryFileSystem())
            let a = try db.write { tx in try tx.createNode(labels: ["N"]) }
            for _ in 0..<3 { #expect(try db.read { tx in try tx.node(a) } != nil) }   // pooled and reused
            try db.read { outer in
                let both = try db.read { inner in [try inner.node(a), try outer.node(a)] }
                #expect(both.allSatisfy { $0 != nil })
            }
            pooled = db
        }
        #expect(pooled == nil, "the pool of read transactions keeps its database alive")

        weak var kept: GraphDB?
        var escaped: ReadTransaction?
        do {
            let db = try GraphTest.open(InMemoryFileSystem())
            _ = try db.read { tx in tx.isActive }   // one pooled transaction
            escaped = try db.read { tx in tx }        // this one is kept, so never pooled
            kept = db
        }
        #expect(kept != nil, "a kept transaction must keep its database alive")
        #expect(escaped?.db === kept && escaped?.isActive == false)
        escaped = nil
        #expect(kept == nil)
    }

    @Test("nested reads and nested scans of one transaction do not share a walk")
    func nestedScans() throws {
        let db = try GraphTest.open(InMemoryFileSystem())
        let (hub, spokes) = try db.write { tx in
            let hub = try tx.createNode()
            var spokes: [NodeID] = []
            for _ in 0..<50 {
                let s = try tx.createNode()
                try tx.createEdge(from: hub, to: s, type: "E")
                try tx.createEdge(from: s, to: hub, type: "E")
                spokes.append(s)
            }
            return (hub, spokes)
        }
        // Warm the pool, so that the reads below run on a reused session with kept walks.
        _ = try db.read { tx in try Self.neighbors(tx, hub.rawValue, .outgoing) }
        try db.read { tx in
            var pairs = 0
            try tx.forEachAdjacentNode(of: hub, direction: .outgoing) { (s: NodeID) throws(SombraError) -> Bool in
                // The inner scan of the same tree must not restart the outer one.
                let back: [UInt64]
                do { back = try db.read { inner in try Self.neighbors(inner, s.rawValue, .outgoing) } } catch {
                    throw .invalidArgument("nested read failed: \(error)")
                }
                let backSame = try Self.neighbors(tx, s.rawValue, .outgoing)
                if back == [hub.rawValue] && backSame == [hub.rawValue] { pairs += 1 }
                return true
            }
            #expect(pairs == spokes.count)
            #expect(db.storageStats.activeReaders == 1)
        }
        #expect(db.storageStats.activeReaders == 0)
    }

    @Test("a session's remembered names match by bytes: canonically equivalent spellings stay distinct names")
    func rememberedNamesMatchBytes() throws {
        let db = try GraphTest.open(InMemoryFileSystem())
        try db.write { tx in
            _ = try tx.createNode(labels: ["Kelvin"])
            _ = try tx.createNode(labels: ["caf\u{E9}"])   // é precomposed
            _ = try tx.createNode(labels: ["caf\u{E9}"])
        }
        let spellings = ["Kelvin", "\u{212A}elvin", "caf\u{E9}", "cafe\u{301}", "Later"]
        func counts() throws -> [Int] {
            try db.read { tx in try spellings.map { try tx.countNodes(withLabel: $0) } }
        }
        // The later rounds run on a pooled session that remembers the names. The Kelvin sign and the
        // decomposed é are equal as Strings to "Kelvin" and "café", but other bytes, so other names.
        for _ in 0..<3 { #expect(try counts() == [1, 0, 2, 0, 0]) }
        // A name missing when a session looked it up is found once committed (misses are not remembered).
        try db.write { tx in _ = try tx.createNode(labels: ["Later", "\u{212A}elvin"]) }
        #expect(try counts() == [1, 1, 2, 0, 1])
    }

    @Test("a session's remembered property index follows commits that drop and declare it, and matches names by bytes")
    func rememberedPropertyIndex() throws {
        let db = try GraphTest.open(InMemoryFileSystem())
        let (kelvin, sign) = try db.write { tx in
            try tx.createIndex(label: "Kelvin", key: "name")
            let kelvin = try tx.createNode(labels: ["Kelvin"], properties: ["name": "k"])
            let sign = try tx.createNode(labels: ["\u{212A}elvin"], properties: ["name": "k"])
            return (kelvin, sign)
        }
        func named(_ label: String) throws -> [NodeID] {
            try db.read { tx in try tx.nodes(withLabel: label, where: "name", equals: "k").collect() }
        }
        // The later reads run on a pooled session that remembers the resolved (label, key) and its index.
        for _ in 0..<3 { #expect(try named("Kelvin") == [kelvin]) }
        #expect(try named("\u{212A}elvin") == [sign])   // equal as Strings to "Kelvin", another label
        #expect(try named("Kelvin") == [kelvin])
        // Dropping the index moves the query to a label scan; a remembered index would find nothing.
        try db.write { tx in try tx.dropIndex(label: "Kelvin", key: "name") }
        for _ in 0..<2 { #expect(try named("Kelvin") == [kelvin]) }
        let later = try db.write { tx in try tx.createNode(labels: ["Kelvin"], properties: ["name": "k"]) }
        try db.write { tx in try tx.createIndex(label: "Kelvin", key: "name") }
        for _ in 0..<2 { #expect(Set(try named("Kelvin")) == [kelvin, later]) }
    }

    @Test("property cursors on a lent index walker: overlapping, copied after the end, abandoned midway")
    func propertyCursorsShareNoWalker() throws {
        let db = try GraphTest.open(InMemoryFileSystem())
        let (same, unique) = try db.write { tx in
            try tx.createIndex(label: "Person", key: "name")
            let same = try (0..<30).map { _ in try tx.createNode(labels: ["Person"], properties: ["name": "same"]) }
            let unique = try (0..<30).map { try tx.createNode(labels: ["Person"], properties: ["name": .string("u\($0)")]) }
            return (Set(same), unique)
        }
        func named(_ tx: ReadTransaction, _ name: String) throws -> NodeIDCursor {
            try tx.nodes(withLabel: "Person", where: "name", equals: .string(name))
        }
        _ = try db.read { tx in try named(tx, "u1").collect() }   // the next reads run on a pooled session
        let (first, overlapping, afterEnd, copyAfterEnd, second) = try db.read { tx in
            var c1 = try named(tx, "same")
            var taken: [NodeID] = []
            for _ in 0..<5 { if let n = try c1.next() { taken.append(n) } }
            var copy = c1
            let overlapping = try named(tx, "u7").collect()      // c1 holds the session's walker
            taken += try c1.collect()                            // c1 runs to its end and gives it back
            var c4 = try named(tx, "same")                       // takes the walker again
            var second: [NodeID] = []
            for _ in 0..<3 { if let n = try c4.next() { second.append(n) } }
            let copyAfterEnd = try copy.next()                   // must not touch c4's walker
            second += try c4.collect()
            return (taken, overlapping, try c1.next(), copyAfterEnd, second)
        }
        #expect(Set(first) == same && first.count == 30)
        #expect(overlapping == [unique[7]])
        #expect(afterEnd == nil && copyAfterEnd == nil)
        #expect(Set(second) == same && second.count == 30)
        // A cursor abandoned midway: the session goes back to the pool, and the next read scans in full.
        try db.read { tx in
            var c = try named(tx, "same")
            _ = try c.next()
        }
        let again = try db.read { tx in try named(tx, "same").collect() }
        #expect(Set(again) == same && again.count == 30)
    }

    @Test("a read after close fails with .closed, even on a pooled session")
    func readAfterClose() throws {
        let db = try GraphTest.open(InMemoryFileSystem())
        _ = try db.read { tx in try tx.nodeCount() }
        try db.close()
        #expect(throws: SombraError.closed) { _ = try db.read { tx in try tx.nodeCount() } }
    }
}
