// Seeded random graph operations against ModelGraph (issue 5, test 1): every mutation's result or error
// must match the model; after every transaction the graph must equal the model (records, label, property
// and adjacency trees, counts, index declarations) and answer random queries as the model does. Rolled-back
// transactions must leave no trace; reopens and crash images (durable-only after a commit, random subsets
// in the middle of a transaction) must show the last committed model. Runs on SimulatedFileSystem, full
// sync, 4 KiB pages and a small cache so pages are evicted, trees split and checkpoints run.
import Testing
import SombraFormat
import SombraIndex
import SombraTestSupport
@testable import Sombra

/// One randomized run; stops at the first transaction with problems (they are reported with the seed).
final class RandomGraphRun {
    var r: SeededRandom
    let fs: SimulatedFileSystem
    let options: GraphOptions
    var db: GraphDB
    var committed = ModelGraph()
    var problems = Problems()
    var ops = 0, refused = 0, txns = 0, rollbacks = 0, reopens = 0, crashImages = 0, midTxnImages = 0
    var queries = 0, checkpoints = 0, storageChecks = 0

    init(seed: UInt64, fs: SimulatedFileSystem = SimulatedFileSystem(), options: GraphOptions = GraphTest.options()) throws {
        r = SeededRandom(seed: seed)
        self.fs = fs
        self.options = options
        // The facade stores a name as a names-tree key of 1 + its bytes (998 bytes with 4 KiB pages).
        committed = ModelGraph(nameBytesMax: min(1024, BTree.maxKeyBytes(pageSize: options.pageSize) - 1))
        db = try GraphTest.open(fs, options)
    }

    /// A mutation done on both sides: results must agree, errors must be the same case and leave the
    /// transaction usable. Model mutations change nothing when they throw (ModelGraph invariant 3).
    func step<G, M>(_ what: @autoclosure () -> String, _ tx: WriteTransaction, _ m: inout ModelGraph,
                    _ graph: () throws(SombraError) -> G, _ model: (inout ModelGraph) throws(SombraError) -> M,
                    same: (G, M) -> Bool) {
        ops += 1
        let g = Result { () throws(SombraError) in try graph() }
        let w: Result<M, SombraError>
        do throws(SombraError) { w = .success(try model(&m)) } catch { w = .failure(error) }
        switch (g, w) {
        case (.success(let a), .success(let b)):
            if !same(a, b) { problems.add("\(what()): \(a) vs model \(b)") }
        case (.failure(let a), .failure(let b)):
            refused += 1
            if a.code != b.code { problems.add("\(what()): error \(a) vs model \(b)") }
            if !tx.isActive { problems.add("\(what()): refused (\(a)) but the transaction ended") }
        default:
            problems.add("\(what()): \(g) vs model \(w)")
        }
    }

    func pick(_ ids: [UInt64], missingPercent: Int, next: UInt64) -> UInt64 {
        ids.isEmpty || r.chance(missingPercent) ? [0, next, next + 5, UInt64.max][r.below(4)] : ids[r.below(ids.count)]
    }

    func name(_ vocabulary: [String]) -> String {
        r.chance(1) ? ["", "bad\u{0}name", String(repeating: "n", count: 1000), String(repeating: "n", count: 1025)][r.below(4)]
            : vocabulary[r.below(vocabulary.count)]
    }

    func value() -> Value { r.chance(1) ? ValueGen.nested(ValueCodec.maxValueNestingDepth + r.below(2)) : ValueGen.value(&r) }

    func properties() -> [String: Value] {
        var p: [String: Value] = [:]
        for _ in 0..<r.below(4) { p[name(Vocabulary.keys)] = value() }
        return p
    }

    /// One random mutation (or an in-transaction read check).
    func randomOp(_ tx: WriteTransaction, _ m: inout ModelGraph) throws {
        let nodes = m.nodeIDs, edges = m.edgeIDs
        var choice = r.below(100)
        if nodes.count > 200, choice < 16 { choice = 20 }          // createNode -> deleteNode
        if edges.count > 2 * nodes.count, (50..<66).contains(choice) { choice = 70 }  // createEdge -> deleteEdge
        if edges.count < nodes.count, (16..<22).contains(choice) { choice = 60 }      // deleteNode -> createEdge
        switch choice {
        case 0..<16:
            let labels = (0..<r.below(3)).map { _ in name(Vocabulary.labels) }
            let props = properties()
            step("createNode(\(labels), \(props))", tx, &m, { () throws(SombraError) in try tx.createNode(labels: labels, properties: props) },
                 { m throws(SombraError) in try m.createNode(labels: labels, properties: props) }, same: { $0.rawValue == $1 })
        case 16..<22:
            let n = pick(nodes, missingPercent: 5, next: m.nextNodeID)
            step("deleteNode(n\(n))", tx, &m, { () throws(SombraError) in try tx.deleteNode(NodeID(n)) },
                 { m throws(SombraError) in try m.deleteNode(n) }, same: { _, _ in true })
        case 22..<38:
            let n = pick(nodes, missingPercent: 3, next: m.nextNodeID)
            let (k, v) = (name(Vocabulary.keys), value())
            step("setProperty(\(k), \(v), n\(n))", tx, &m, { () throws(SombraError) in try tx.setProperty(k, to: v, on: NodeID(n)) },
                 { m throws(SombraError) in try m.setProperty(k, to: v, onNode: n) }, same: { _, _ in true })
        case 38..<44:
            let n = pick(nodes, missingPercent: 3, next: m.nextNodeID)
            let k = name(Vocabulary.keys)
            step("removeProperty(\(k), n\(n))", tx, &m, { () throws(SombraError) in try tx.removeProperty(k, from: NodeID(n)) },
                 { m throws(SombraError) in try m.removeProperty(k, fromNode: n) }, same: { $0 == $1 })
        case 44..<50, 96..<100:
            let n = pick(nodes, missingPercent: 3, next: m.nextNodeID)
            let l = name(Vocabulary.labels)
            if r.below(2) == 0 {
                step("addLabel(\(l), n\(n))", tx, &m, { () throws(SombraError) in try tx.addLabel(l, to: NodeID(n)) },
                     { m throws(SombraError) in try m.addLabel(l, toNode: n) }, same: { _, _ in true })
            } else {
                step("removeLabel(\(l), n\(n))", tx, &m, { () throws(SombraError) in try tx.removeLabel(l, from: NodeID(n)) },
                     { m throws(SombraError) in try m.removeLabel(l, fromNode: n) }, same: { $0 == $1 })
            }
        case 50..<66:
            let a = pick(nodes, missingPercent: 4, next: m.nextNodeID)
            let b = r.chance(10) ? a : pick(nodes, missingPercent: 4, next: m.nextNodeID)
            let (t, props) = (name(Vocabulary.types), r.chance(60) ? [:] : properties())
            step("createEdge(n\(a), n\(b), \(t), \(props))", tx, &m,
                 { () throws(SombraError) in try tx.createEdge(from: NodeID(a), to: NodeID(b), type: t, properties: props) },
                 { m throws(SombraError) in try m.createEdge(from: a, to: b, type: t, properties: props) }, same: { $0.rawValue == $1 })
        case 66..<74:
            let e = pick(edges, missingPercent: 5, next: m.nextEdgeID)
            step("deleteEdge(e\(e))", tx, &m, { () throws(SombraError) in try tx.deleteEdge(EdgeID(e)) },
                 { m throws(SombraError) in try m.deleteEdge(e) }, same: { _, _ in true })
        case 74..<84:
            let e = pick(edges, missingPercent: 3, next: m.nextEdgeID)
            let (k, v) = (name(Vocabulary.keys), value())
            step("setProperty(\(k), \(v), e\(e))", tx, &m, { () throws(SombraError) in try tx.setProperty(k, to: v, on: EdgeID(e)) },
                 { m throws(SombraError) in try m.setProperty(k, to: v, onEdge: e) }, same: { _, _ in true })
        case 84..<88:
            let e = pick(edges, missingPercent: 3, next: m.nextEdgeID)
            let k = name(Vocabulary.keys)
            step("removeProperty(\(k), e\(e))", tx, &m, { () throws(SombraError) in try tx.removeProperty(k, from: EdgeID(e)) },
                 { m throws(SombraError) in try m.removeProperty(k, fromEdge: e) }, same: { $0 == $1 })
        case 88..<92:
            let (l, k) = (name(Vocabulary.labels), name(Vocabulary.keys))
            if r.below(3) != 0 {
                step("createIndex(\(l).\(k))", tx, &m, { () throws(SombraError) in try tx.createIndex(label: l, key: k) },
                     { m throws(SombraError) in try m.createIndex(label: l, key: k) }, same: { _, _ in true })
            } else {
                step("dropIndex(\(l).\(k))", tx, &m, { () throws(SombraError) in try tx.dropIndex(label: l, key: k) },
                     { m throws(SombraError) in try m.dropIndex(label: l, key: k) }, same: { _, _ in true })
            }
        case 92..<95:
            // Read-your-writes: queries and counts inside the write transaction.
            queries += try GraphQueries.check(tx, m, &r, &problems, rounds: 1)
        default:
            problems.add(try GraphCheck.full(tx, m))
            queries += 1
        }
    }

    /// Opens `image` (a crash image), checks it equals the committed model, closes it.
    func checkImage(_ image: SimulatedFileSystem, _ what: String) throws {
        let recovered = try GraphTest.open(image, options)
        let tx = try recovered.beginRead()
        var p = try GraphCheck.full(tx, committed)
        p.add(GraphCheck.storage(tx))
        tx.end()
        try recovered.close()
        for s in p.list { problems.add("\(what) [\(image.label)]: \(s)") }
        if p.count > p.list.count { problems.add("\(what): \(p.count - p.list.count) more") }
    }

    func transaction() throws {
        txns += 1
        var tx: WriteTransaction? = try db.beginWrite()
        var m = committed
        let count = r.below(50)
        let imageAt = r.chance(4) ? r.below(count + 1) : -1
        for i in 0..<count {
            if i == imageAt {
                midTxnImages += 1
                try checkImage(fs.imageWithRandomSubset(seed: r.next()), "mid-transaction image")
            }
            try randomOp(tx!, &m)
            if !problems.isEmpty {
                tx?.rollback()
                return
            }
        }
        if r.chance(12) {
            rollbacks += 1
            if r.below(3) == 0 { tx = nil } else { tx!.rollback() }  // abandoning rolls back too
            if tx?.isActive == true { problems.add("rolled-back transaction is still active") }
            tx = nil
        } else {
            let id = try tx!.commit()
            committed = m
            let reader = try db.beginRead()
            if reader.snapshotID != id { problems.add("commit returned \(id), a new reader sees \(reader.snapshotID)") }
            reader.end()
        }
        if let tx {
            do {
                try tx.createNode()
                problems.add("a write after commit succeeded")
            } catch {
                if errorCode(error) != SombraError.transactionEnded.code { problems.add("write after commit: \(error)") }
            }
        }
        try db.read { rt in
            problems.add(try GraphCheck.full(rt, committed))
            queries += try GraphQueries.check(rt, committed, &r, &problems, rounds: 2)
        }
        if r.chance(5) {
            checkpoints += 1
            try db.checkpoint()
        }
        if r.chance(5) {
            crashImages += 1
            try checkImage(fs.durableImage(), "durable image after commit")
        }
        if r.chance(5) {
            reopens += 1
            try db.close()
            db = try GraphTest.open(fs, options)
            storageChecks += 1
            try db.read { rt in
                problems.add(GraphCheck.storage(rt))
                problems.add(try GraphCheck.full(rt, committed))
            }
        }
    }

    var summary: String {
        "graph-random: ops: \(ops) refused: \(refused) queries: \(queries) txns: \(txns) rollbacks: \(rollbacks) "
            + "reopens: \(reopens) crash-images: \(crashImages) mid-txn-images: \(midTxnImages) "
            + "checkpoints: \(checkpoints) nodes: \(committed.nodeCount) edges: \(committed.edgeCount) "
            + "mismatches: \(problems.count) seed: \(r.seed)"
    }
}

@Suite("Graph against the model")
struct GraphModelTests {
    @Test("seeded random operations match the model across commits, rollbacks, reopens and crash images")
    func randomOperations() throws {
        let run = try RandomGraphRun(seed: 11)
        while run.ops < 20_000 && run.problems.isEmpty { try run.transaction() }
        if run.problems.isEmpty {
            try run.db.read { rt in run.problems.add(GraphCheck.storage(rt)) }
        }
        try run.db.close()
        print(run.summary)
        for p in run.problems.list { print("  \(p)") }
        #expect(run.problems.isEmpty, "seed \(run.r.seed): \(run.problems.list)")
        if run.problems.isEmpty { #expect(run.reopens > 0 && run.crashImages > 0 && run.rollbacks > 0) }
    }
}
