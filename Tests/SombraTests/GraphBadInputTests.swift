// Bad input to the graph facade (issue 5; reliability guide A1-A5): invalid and deleted ids, edges to missing
// nodes, values at and past the record limit, invalid names, NaN/-0.0/±Inf in indexed properties, nesting
// past the codec's cap, and use of transactions and handles after they end. Every case must be a typed
// error (or defined behaviour) that leaves the write transaction usable and writes nothing: each refused
// call is mirrored on a ModelGraph, and the graph is compared with the model (records, every index tree,
// counts) inside the transaction, after commit and after reopen. Nothing may trap.
//
// A write in a read transaction cannot be expressed: ReadTransaction has no mutating methods (the type
// system refuses `readTx.createNode()`), so `.writeInReadTransaction` is unreachable from Swift.
import Testing
import SombraFormat
import SombraIndex
import SombraTestSupport
@testable import Sombra

/// Runs a call on the graph and on the model; both must fail with `expected`'s case (and, for not-found
/// errors, the same id), the model must be unchanged, and the transaction must still be active.
func expectRefused(_ expected: SombraError, _ tx: WriteTransaction, _ m: inout ModelGraph,
                   _ graph: () throws(SombraError) -> Void, _ model: (inout ModelGraph) throws(SombraError) -> Void,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    let before = m
    var graphError: SombraError? = nil
    do throws(SombraError) { try graph() } catch { graphError = error }
    var modelError: SombraError? = nil
    do throws(SombraError) { try model(&m) } catch { modelError = error }
    #expect(graphError?.code == expected.code, "graph threw \(String(describing: graphError))", sourceLocation: sourceLocation)
    #expect(modelError?.code == expected.code, "model threw \(String(describing: modelError))", sourceLocation: sourceLocation)
    switch expected {
    case .nodeNotFound, .edgeNotFound:
        #expect(graphError == expected, sourceLocation: sourceLocation)
    default: break
    }
    #expect(m == before, sourceLocation: sourceLocation)
    #expect(tx.isActive, "the transaction must survive a refused call", sourceLocation: sourceLocation)
}

/// The graph (inside `tx`) equals the model: records, label/property/adjacency trees, counts, indexes.
func expectEqual(_ tx: Transaction, _ m: ModelGraph, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let p = try GraphCheck.full(tx, m)
    #expect(p.isEmpty, "\(p.list)", sourceLocation: sourceLocation)
}

/// Commits, then compares a fresh reader and (after close and reopen) the reopened file with the model.
func commitAndCompare(_ tx: WriteTransaction, _ m: ModelGraph, _ db: inout GraphDB, _ fs: SimulatedFileSystem,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
    try expectEqual(tx, m, sourceLocation: sourceLocation)
    try tx.commit()
    try db.read { try expectEqual($0, m, sourceLocation: sourceLocation) }
    try db.close()
    db = try GraphTest.open(fs)
    try db.read { rt in
        try expectEqual(rt, m, sourceLocation: sourceLocation)
        let storage = GraphCheck.storage(rt)
        #expect(storage.isEmpty, "\(storage.list)", sourceLocation: sourceLocation)
    }
}

@Suite("Graph bad input")
struct GraphBadInputTests {
    @Test("invalid, deleted and never-used ids are typed errors; edges to missing nodes are refused")
    func invalidIDs() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        var m = ModelGraph()
        var tx = try db.beginWrite()
        let a = try tx.createNode(labels: ["P"], properties: ["k": 1]), b = try tx.createNode(labels: ["P"])
        let gone = try tx.createNode(labels: ["P"])
        let e = try tx.createEdge(from: a, to: b, type: "T"), goneEdge = try tx.createEdge(from: b, to: gone, type: "T")
        try tx.deleteNode(gone)
        for _ in 0..<3 { try m.createNode(labels: ["P"], properties: m.nodeCount == 0 ? ["k": 1] : [:]) }
        try m.createEdge(from: 1, to: 2, type: "T")
        try m.createEdge(from: 2, to: 3, type: "T")
        try m.deleteNode(3)
        try tx.commit()

        tx = try db.beginWrite()
        // Deleted in this very transaction, too.
        let doomed = try tx.createNode(labels: ["Q"])
        try tx.deleteNode(doomed)
        _ = try m.createNode(labels: ["Q"])
        try m.deleteNode(doomed.rawValue)
        for id in [0, gone.rawValue, doomed.rawValue, 1_000_000, UInt64.max] {
            let n = NodeID(id)
            #expect(try tx.node(n) == nil)
            #expect(try !tx.nodeExists(n))
            #expect(try tx.property("k", of: n) == nil)
            #expect(try tx.degree(of: n) == 0)
            #expect(try tx.neighbors(of: n).isEmpty)
            let edges = try tx.edges(of: n)
            #expect(try edges.collect().isEmpty)
            let missing = SombraError.nodeNotFound(id)
            expectRefused(missing, tx, &m, { () throws(SombraError) in try tx.setProperty("k", to: 2, on: n) },
                          { m throws(SombraError) in try m.setProperty("k", to: 2, onNode: id) })
            expectRefused(missing, tx, &m, { () throws(SombraError) in _ = try tx.removeProperty("k", from: n) },
                          { m throws(SombraError) in _ = try m.removeProperty("k", fromNode: id) })
            expectRefused(missing, tx, &m, { () throws(SombraError) in try tx.addLabel("P", to: n) },
                          { m throws(SombraError) in try m.addLabel("P", toNode: id) })
            expectRefused(missing, tx, &m, { () throws(SombraError) in _ = try tx.removeLabel("P", from: n) },
                          { m throws(SombraError) in _ = try m.removeLabel("P", fromNode: id) })
            expectRefused(missing, tx, &m, { () throws(SombraError) in try tx.deleteNode(n) },
                          { m throws(SombraError) in try m.deleteNode(id) })
            expectRefused(missing, tx, &m, { () throws(SombraError) in _ = try tx.createEdge(from: a, to: n, type: "T") },
                          { m throws(SombraError) in _ = try m.createEdge(from: a.rawValue, to: id, type: "T") })
            expectRefused(missing, tx, &m, { () throws(SombraError) in _ = try tx.createEdge(from: n, to: b, type: "New") },
                          { m throws(SombraError) in _ = try m.createEdge(from: id, to: b.rawValue, type: "New") })
            expectRefused(missing, tx, &m, { () throws(SombraError) in _ = try tx.createEdge(from: n, to: n, type: "T") },
                          { m throws(SombraError) in _ = try m.createEdge(from: id, to: id, type: "T") })
        }
        for id in [0, goneEdge.rawValue, 77, UInt64.max] {
            let edge = EdgeID(id)
            #expect(try tx.edge(edge) == nil)
            #expect(try !tx.edgeExists(edge))
            let missing = SombraError.edgeNotFound(id)
            expectRefused(missing, tx, &m, { () throws(SombraError) in try tx.setProperty("w", to: 1, on: edge) },
                          { m throws(SombraError) in try m.setProperty("w", to: 1, onEdge: id) })
            expectRefused(missing, tx, &m, { () throws(SombraError) in _ = try tx.removeProperty("w", from: edge) },
                          { m throws(SombraError) in _ = try m.removeProperty("w", fromEdge: id) })
            expectRefused(missing, tx, &m, { () throws(SombraError) in try tx.deleteEdge(edge) },
                          { m throws(SombraError) in try m.deleteEdge(id) })
        }
        // Refused calls consumed no id and wrote no name: the next node and edge get the model's ids.
        #expect(try tx.createNode().rawValue == m.createNode())
        #expect(try tx.createEdge(from: b, to: a, type: "T").rawValue == m.createEdge(from: b.rawValue, to: a.rawValue, type: "T"))
        #expect(try tx.countEdges(ofType: "New") == 0 && tx.edge(e)?.type == "T")
        #expect(try !tx.hasIndex(label: "P", key: "k"))
        expectRefused(.indexNotFound("P.k"), tx, &m, { () throws(SombraError) in try tx.dropIndex(label: "P", key: "k") },
                      { m throws(SombraError) in try m.dropIndex(label: "P", key: "k") })
        try tx.createIndex(label: "P", key: "k")
        try m.createIndex(label: "P", key: "k")
        expectRefused(.indexExists("P.k"), tx, &m, { () throws(SombraError) in try tx.createIndex(label: "P", key: "k") },
                      { m throws(SombraError) in try m.createIndex(label: "P", key: "k") })
        try commitAndCompare(tx, m, &db, fs)
        try db.close()
    }

    @Test("names must be 1...1024 UTF-8 bytes (less with 4 KiB pages) without NUL, for labels, keys and edge types alike")
    func invalidNames() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        // A name is a names-tree key of 1 + its bytes, so 4 KiB pages allow 998 bytes, not 1024.
        let longestBytes = min(1024, BTree.maxKeyBytes(pageSize: 4096) - 1)
        var m = ModelGraph(nameBytesMax: longestBytes)
        let tx = try db.beginWrite()
        let n = try tx.createNode(labels: ["P"])
        try m.createNode(labels: ["P"])
        let e = try tx.createEdge(from: n, to: n, type: "T")
        try m.createEdge(from: n.rawValue, to: n.rawValue, type: "T")
        // The longest name, in two-byte characters (plus one ASCII byte if odd): bytes count, not characters.
        let longest = String(repeating: "é", count: longestBytes / 2) + (longestBytes % 2 == 1 ? "x" : "")
        #expect(longest.utf8.count == longestBytes)
        let bad = ["", "a\u{0}b", "\u{0}", longest + "x", String(repeating: "é", count: 513),
                   String(repeating: "x", count: 1025), String(repeating: "x", count: 100_000)]
        let invalid = SombraError.invalidArgument("")
        for name in bad {
            expectRefused(invalid, tx, &m, { () throws(SombraError) in _ = try tx.createNode(labels: ["P", name]) },
                          { m throws(SombraError) in _ = try m.createNode(labels: ["P", name]) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in _ = try tx.createNode(properties: ["ok": 1, name: 2]) },
                          { m throws(SombraError) in _ = try m.createNode(properties: ["ok": 1, name: 2]) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.addLabel(name, to: n) },
                          { m throws(SombraError) in try m.addLabel(name, toNode: n.rawValue) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.setProperty(name, to: 1, on: n) },
                          { m throws(SombraError) in try m.setProperty(name, to: 1, onNode: n.rawValue) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.setProperty(name, to: 1, on: e) },
                          { m throws(SombraError) in try m.setProperty(name, to: 1, onEdge: e.rawValue) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in _ = try tx.createEdge(from: n, to: n, type: name) },
                          { m throws(SombraError) in _ = try m.createEdge(from: n.rawValue, to: n.rawValue, type: name) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in _ = try tx.createEdge(from: n, to: n, type: "T", properties: [name: 1]) },
                          { m throws(SombraError) in _ = try m.createEdge(from: n.rawValue, to: n.rawValue, type: "T", properties: [name: 1]) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.createIndex(label: name, key: "k") },
                          { m throws(SombraError) in try m.createIndex(label: name, key: "k") })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.createIndex(label: "P", key: name) },
                          { m throws(SombraError) in try m.createIndex(label: "P", key: name) })
            // Names that cannot exist are simply absent where absence is an answer.
            #expect(try tx.removeLabel(name, from: n) == false)
            #expect(try tx.removeProperty(name, from: n) == nil)
            #expect(try tx.countNodes(withLabel: name) == 0)
            #expect(try tx.countEdges(ofType: name) == 0)
            let c = try tx.nodes(withLabel: name)
            #expect(try c.collect().isEmpty)
            let typed = try tx.edges(of: n, types: [name])
            #expect(try typed.collect().isEmpty)
        }
        try tx.addLabel(longest, to: n)
        try tx.setProperty(longest, to: .string(longest), on: n)
        try tx.createEdge(from: n, to: n, type: longest, properties: [longest: 1])
        try tx.createIndex(label: longest, key: longest)
        try m.addLabel(longest, toNode: n.rawValue)
        try m.setProperty(longest, to: .string(longest), onNode: n.rawValue)
        try m.createEdge(from: n.rawValue, to: n.rawValue, type: longest, properties: [longest: 1])
        try m.createIndex(label: longest, key: longest)
        try commitAndCompare(tx, m, &db, fs)
        try db.read { rt in
            let c = try rt.nodes(withLabel: longest, where: longest, equals: .string(longest))
            #expect(try c.collect() == [n])
        }
        try db.close()
    }

    @Test("a value nested to the codec's cap is stored; one level deeper is refused")
    func nesting() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        var m = ModelGraph()
        let tx = try db.beginWrite()
        let deepest = ValueGen.nested(ValueCodec.maxValueNestingDepth)
        let tooDeep = ValueGen.nested(ValueCodec.maxValueNestingDepth + 1)
        let n = try tx.createNode(properties: ["d": deepest])
        try m.createNode(properties: ["d": deepest])
        let e = try tx.createEdge(from: n, to: n, type: "T", properties: ["d": deepest])
        try m.createEdge(from: n.rawValue, to: n.rawValue, type: "T", properties: ["d": deepest])
        let invalid = SombraError.invalidArgument("")
        for v in [tooDeep, .map(["m": deepest]), .list([1, deepest])] {
            expectRefused(invalid, tx, &m, { () throws(SombraError) in _ = try tx.createNode(properties: ["d": v]) },
                          { m throws(SombraError) in _ = try m.createNode(properties: ["d": v]) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.setProperty("d", to: v, on: n) },
                          { m throws(SombraError) in try m.setProperty("d", to: v, onNode: n.rawValue) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.setProperty("d", to: v, on: e) },
                          { m throws(SombraError) in try m.setProperty("d", to: v, onEdge: e.rawValue) })
        }
        // Lists and maps cannot be compared in queries.
        for v in [Value.list([]), .map([:]), deepest] {
            #expect(throws: SombraError.self) { _ = try tx.nodes(withLabel: "P", where: "d", equals: v) }
            #expect(throws: SombraError.self) { _ = try tx.nodes(withLabel: "P", where: "d", in: .closed(1, v)) }
        }
        #expect(tx.isActive)
        try commitAndCompare(tx, m, &db, fs)
        try db.close()
    }

    @Test("a record of exactly the size limit is stored; one byte more, or growth past it, is refused and leaves the transaction usable")
    func valueLimits() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        var m = ModelGraph()
        let tx = try db.beginWrite()
        let small = try tx.createNode(properties: ["b": 0, "c": 0])
        try m.createNode(properties: ["b": 0, "c": 0])
        let edge = try tx.createEdge(from: small, to: small, type: "T", properties: ["b": 0])
        try m.createEdge(from: small.rawValue, to: small.rawValue, type: "T", properties: ["b": 0])
        let b = try #require(try tx.existingID("b"))
        let maxBytes = BTree.maxValueBytes
        // The bytes length whose node record {b: bytes} is exactly maxValueBytes.
        func nodeRecordSize(_ n: Int) throws -> Int {
            try NodeRecord(labels: [], properties: [Property(key: b, value: .bytes([UInt8](repeating: 7, count: n)))]).encode().count
        }
        let fit = maxBytes - 64 + (maxBytes - (try nodeRecordSize(maxBytes - 64)))
        #expect(try nodeRecordSize(fit) == maxBytes)
        let tooLarge = SombraError.valueTooLarge(size: 0, max: maxBytes)
        let refuse: (inout ModelGraph) throws(SombraError) -> Void = { _ throws(SombraError) in throw tooLarge }
        for n in [fit + 1, maxBytes, maxBytes + 1] {
            let v = Value.bytes([UInt8](repeating: 7, count: n))
            expectRefused(tooLarge, tx, &m, { () throws(SombraError) in _ = try tx.createNode(properties: ["b": v]) }, refuse)
            expectRefused(tooLarge, tx, &m, { () throws(SombraError) in try tx.setProperty("b", to: v, on: small) }, refuse)
            expectRefused(tooLarge, tx, &m, { () throws(SombraError) in try tx.setProperty("b", to: v, on: edge) }, refuse)
            expectRefused(tooLarge, tx, &m, { () throws(SombraError) in _ = try tx.createEdge(from: small, to: small, type: "T", properties: ["b": v]) }, refuse)
        }
        try expectEqual(tx, m)
        // Exactly at the limit: stored.
        let maxValue = Value.bytes([UInt8](repeating: 7, count: fit))
        let big = try tx.createNode(properties: ["b": maxValue])
        try m.createNode(properties: ["b": maxValue])
        // Growing a record past the limit (another property, a label) is refused before anything is written.
        expectRefused(tooLarge, tx, &m, { () throws(SombraError) in try tx.setProperty("c", to: 1, on: big) }, refuse)
        expectRefused(tooLarge, tx, &m, { () throws(SombraError) in try tx.addLabel("L", to: big) }, refuse)
        let half = Value.bytes([UInt8](repeating: 9, count: maxBytes / 2))
        try tx.setProperty("b", to: half, on: small)
        try m.setProperty("b", to: half, onNode: small.rawValue)
        expectRefused(tooLarge, tx, &m, { () throws(SombraError) in try tx.setProperty("c", to: half, on: small) }, refuse)
        try tx.setProperty("b", to: half, on: edge)
        try m.setProperty("b", to: half, onEdge: edge.rawValue)
        expectRefused(tooLarge, tx, &m, { () throws(SombraError) in try tx.setProperty("c", to: half, on: edge) }, refuse)
        expectRefused(tooLarge, tx, &m, { () throws(SombraError) in _ = try tx.createNode(labels: ["L"], properties: ["b": half, "c": half]) }, refuse)
        try commitAndCompare(tx, m, &db, fs)
        let readBack = try db.read { rt in try rt.property("b", of: big) }
        #expect(readBack == maxValue)
        try db.close()
    }

    @Test("NaN and -0.0 are refused in indexed properties (typed error, transaction usable); ±Inf and +0.0 are stored and found")
    func indexedDoubles() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        var m = ModelGraph()
        let tx = try db.beginWrite()
        try tx.createIndex(label: "P", key: "x")
        try m.createIndex(label: "P", key: "x")
        let invalid = SombraError.invalidArgument("")
        let refused: [Double] = [.nan, -.nan, Double(nan: 5, signaling: false), .signalingNaN, -0.0]
        let stored: [Double] = [.infinity, -.infinity, 0.0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 2.5]
        var pNodes: [NodeID] = []
        for d in stored {
            pNodes.append(try tx.createNode(labels: ["P"], properties: ["x": .double(d)]))
            try m.createNode(labels: ["P"], properties: ["x": .double(d)])
        }
        let target = pNodes[0]
        for d in refused {
            let v = Value.double(d)
            expectRefused(invalid, tx, &m, { () throws(SombraError) in _ = try tx.createNode(labels: ["P"], properties: ["x": v]) },
                          { m throws(SombraError) in _ = try m.createNode(labels: ["P"], properties: ["x": v]) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in _ = try tx.createNode(labels: ["Q", "P"], properties: ["x": v]) },
                          { m throws(SombraError) in _ = try m.createNode(labels: ["Q", "P"], properties: ["x": v]) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.setProperty("x", to: v, on: target) },
                          { m throws(SombraError) in try m.setProperty("x", to: v, onNode: target.rawValue) })
            // Unindexed, the same values are ordinary; adding the indexed label is then refused.
            let q = try tx.createNode(labels: ["Q"], properties: ["x": v])
            try m.createNode(labels: ["Q"], properties: ["x": v])
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.addLabel("P", to: q) },
                          { m throws(SombraError) in try m.addLabel("P", toNode: q.rawValue) })
            expectRefused(invalid, tx, &m, { () throws(SombraError) in try tx.createIndex(label: "Q", key: "x") },
                          { m throws(SombraError) in try m.createIndex(label: "Q", key: "x") })
            #expect(try !tx.hasIndex(label: "Q", key: "x"))
        }
        try expectEqual(tx, m)
        // Queries agree with the model, indexed (P) and by scan (Q), including NaN and -0.0 as query values.
        var p = Problems()
        let probes: [Value] = [.double(.infinity), .double(-.infinity), .double(0.0), .double(-0.0), .double(.nan), .double(2.5), .int(2)]
        for label in ["P", "Q"] {
            for v in probes {
                GraphQueries.compare("\(label).x == \(v)", &p,
                    { () throws(SombraError) in let c = try tx.nodes(withLabel: label, where: "x", equals: v); return try c.collect().map(\.rawValue) },
                    { () throws(SombraError) in try m.nodes(withLabel: label, where: "x", equals: v) })
            }
            for range in [ValueRange.closed(.double(-.infinity), .double(.infinity)), ValueRange(), .halfOpen(.double(0.0), .double(.nan)),
                          .closed(.double(-0.0), .double(0.0)), ValueRange(lower: .double(.infinity), lowerInclusive: false)] {
                GraphQueries.compare("\(label).x in \(range.model)", &p,
                    { () throws(SombraError) in let c = try tx.nodes(withLabel: label, where: "x", in: range); return try c.collect().map(\.rawValue) },
                    { () throws(SombraError) in try m.nodes(withLabel: label, where: "x", in: range.model) })
            }
        }
        #expect(p.isEmpty, "\(p.list)")
        let all = try tx.nodes(withLabel: "P", where: "x", in: .closed(.double(-.infinity), .double(.infinity)))
        #expect(try all.collect().count == stored.count)
        try commitAndCompare(tx, m, &db, fs)
        try db.close()
    }

    @Test("transactions and handles used after they end fail with typed errors; nested writes are busy, not deadlocks")
    func useAfterEnd() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        var m = ModelGraph()
        for ending in ["commit", "rollback"] {
            let tx = try db.beginWrite()
            let n = try tx.createNode(labels: ["P"], properties: ["k": 1])
            let e = try tx.createEdge(from: n, to: n, type: "T")
            var cursor = try tx.allNodes()
            if ending == "commit" {
                try tx.commit()
                try m.createNode(labels: ["P"], properties: ["k": 1])
                try m.createEdge(from: n.rawValue, to: n.rawValue, type: "T")
            } else {
                tx.rollback()
            }
            #expect(!tx.isActive)
            let ended = SombraError.transactionEnded
            #expect(throws: ended) { try tx.commit() }
            #expect(throws: ended) { try tx.createNode() }
            #expect(throws: ended) { try tx.setProperty("k", to: 2, on: n) }
            #expect(throws: ended) { try tx.removeProperty("k", from: n) }
            #expect(throws: ended) { try tx.addLabel("Q", to: n) }
            #expect(throws: ended) { try tx.removeLabel("P", from: n) }
            #expect(throws: ended) { try tx.deleteNode(n) }
            #expect(throws: ended) { try tx.createEdge(from: n, to: n, type: "T") }
            #expect(throws: ended) { try tx.setProperty("k", to: 2, on: e) }
            #expect(throws: ended) { try tx.removeProperty("k", from: e) }
            #expect(throws: ended) { try tx.deleteEdge(e) }
            #expect(throws: ended) { try tx.createIndex(label: "P", key: "k") }
            #expect(throws: ended) { try tx.dropIndex(label: "P", key: "k") }
            #expect(throws: ended) { try tx.node(n) }
            #expect(throws: ended) { try tx.nodeCount() }
            #expect(throws: ended) { try tx.countNodes(withLabel: "P") }
            #expect(throws: ended) { try tx.labelCounts() }
            #expect(throws: ended) { try tx.nodes(withLabel: "P") }
            #expect(throws: ended) { try tx.degree(of: n) }
            #expect(throws: ended) { try tx.neighbors(of: n) }
            #expect(throws: ended) { try tx.indexes() }
            #expect(throws: ended) { try cursor.next() }
            tx.rollback()  // a second ending is a no-op
            try db.read { try expectEqual($0, m) }
        }
        // A read transaction and its cursors after end().
        let rt = try db.beginRead()
        var cursor = try rt.allNodes()
        var edges = try rt.edges(of: NodeID(1))
        #expect(try cursor.next() == NodeID(1))
        rt.end()
        #expect(throws: SombraError.transactionEnded) { try cursor.next() }
        #expect(throws: SombraError.transactionEnded) { try edges.next() }
        #expect(throws: SombraError.transactionEnded) { try rt.node(NodeID(1)) }
        #expect(throws: SombraError.transactionEnded) { try rt.edgeCount() }
        // Nested use of the writer on one thread is `.busy`; the outer transaction is unaffected.
        try db.write { tx in
            try tx.createNode(labels: ["W"])
            #expect(throws: SombraError.busy(reason: "this thread already holds the write transaction")) {
                try db.write { inner in try inner.createNode() }
            }
            #expect(throws: SombraError.self) { try db.beginWrite() }
            #expect(throws: SombraError.self) { try db.checkpoint() }
            #expect(tx.isActive)
        }
        try m.createNode(labels: ["W"])
        // A throwing write closure rolls back.
        struct Abort: Error {}
        #expect(throws: Abort.self) { try db.write { tx in try tx.createNode(labels: ["Gone"]); throw Abort() } }
        try db.read { try expectEqual($0, m) }
        // A reader left open across close, and the closed handle.
        let open = try db.beginRead()
        try db.close()
        #expect(throws: SombraError.self) { try open.node(NodeID(1)) }
        #expect(throws: SombraError.closed) { try db.beginRead() }
        #expect(throws: SombraError.closed) { try db.beginWrite() }
        try db.close()  // closing twice is harmless
        db = try GraphTest.open(fs)
        try db.read { try expectEqual($0, m) }
        try db.close()
    }
}
