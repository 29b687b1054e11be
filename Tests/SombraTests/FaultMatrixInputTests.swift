// Fault matrix, hostile callers (reliability guide A1-A5 rows not covered by GraphBadInputTests or the C
// ABI test; Docs/RELIABILITY.md has the full map): reentrant calls from inside the write closure and from
// callbacks (traversal visitors, verify progress), index order across kinds and extremes, id counters at
// their maximum, names that differ only in Unicode normalization, and invalid UTF-8 stored in a name.
// A C callback is not part of the ABI (no sombra_* function takes one), so there is no C reentrancy case.
import Testing
import SombraFormat
import SombraIO
import SombraIndex
import SombraStorage
import SombraTestSupport
@testable import Sombra

@Suite("Fault matrix: hostile callers")
struct FaultMatrixInputTests {
    @Test("inside the write closure a read sees the last commit, a nested write or checkpoint is busy, and nothing deadlocks")
    func reentrantWrite() throws {
        let fs = SimulatedFileSystem()
        let db = try GraphTest.open(fs)
        let first = try db.write { tx in try tx.createNode(labels: ["A"]) }
        var calls = 0
        try db.write { tx in
            let second = try tx.createNode(labels: ["B"])
            let rt = try db.beginRead()
            calls += 1
            #expect(try rt.node(first) != nil)
            #expect(try rt.node(second) == nil, "a reader saw the writer's uncommitted node")
            #expect(try rt.nodeCount() == 1)
            rt.end()
            let busy = #expect(throws: SombraError.self) { try db.write { inner in try inner.createNode() } }
            #expect(busy?.code == SombraError.busy(reason: "").code)
            let checkpointBusy = #expect(throws: SombraError.self) { try db.checkpoint() }
            #expect(checkpointBusy?.code == SombraError.busy(reason: "").code, "\(String(describing: checkpointBusy))")
            // verify() begins its own reader: it works here and describes the last commit.
            let report = try db.verify()
            #expect(report.isClean && report.nodesChecked == 1)
            calls += 3
            #expect(tx.isActive)
        }
        #expect(try db.read { try $0.nodeCount() } == 2)
        try db.close()
        print("fault-matrix-reentrant-write: nested-calls: \(calls) deadlocks: 0")
    }

    @Test("callbacks may call back in: a traversal visitor reads its transaction and commits through another; a verify progress callback commits")
    func reentrantCallbacks() throws {
        let fs = SimulatedFileSystem()
        let db = try GraphTest.open(fs)
        let ids = try db.write { tx in
            let ids = try (0..<30).map { i in try tx.createNode(labels: ["N"], properties: ["i": .int(Int64(i))]) }
            for i in 0..<29 { try tx.createEdge(from: ids[i], to: ids[i + 1], type: "NEXT") }
            return ids
        }
        var visited = 0, writesFromCallbacks = 0
        // A reader's visitor: reads through its own transaction and commits through the database.
        try db.read { rt in
            try rt.forEachReached(from: ids[0], maxDepth: 40) { (node: NodeID, _: Int) throws(SombraError) -> Bool in
                visited += 1
                let read = try rt.node(node)
                #expect(read != nil)
                if visited % 10 == 0 {
                    do { _ = try db.write { tx in try tx.createNode(labels: ["FromVisitor"]) } } catch {
                        Issue.record("a write from a reader's visitor failed: \(error)")
                    }
                    writesFromCallbacks += 1
                }
                return true
            }
            #expect(try rt.countNodes(withLabel: "FromVisitor") == 0, "the reader's snapshot moved")
        }
        #expect(visited == 30)
        // The writer's visitor: mutates the graph it is traversing (edges to new nodes); defined, no trap.
        var writerVisits = 0
        _ = try db.write { tx in
            try tx.forEachReached(from: ids[0], maxDepth: 40) { (node: NodeID, _: Int) throws(SombraError) -> Bool in
                writerVisits += 1
                if writerVisits <= 5 {
                    let leaf = try tx.createNode(labels: ["Leaf"])
                    try tx.createEdge(from: node, to: leaf, type: "NEXT")
                }
                return writerVisits < 200
            }
        }
        #expect(writerVisits >= 30)
        // verify's progress callback: a commit while verification holds its snapshot.
        var progressCalls = 0
        let report = try db.verify { _ in
            progressCalls += 1
            if progressCalls == 1 {
                do { _ = try db.write { tx in try tx.createNode(labels: ["DuringVerify"]) } } catch {
                    Issue.record("a write from verify's progress callback failed: \(error)")
                }
                writesFromCallbacks += 1
            }
        }
        #expect(report.isClean, "\(report.findings.prefix(3))")
        #expect(try db.verify().isClean)
        #expect(try db.read { try $0.countNodes(withLabel: "DuringVerify") } == (progressCalls > 0 ? 1 : 0))
        try db.close()
        print("fault-matrix-reentrant-callbacks: visits: \(visited + writerVisits) writes-from-callbacks: \(writesFromCallbacks) progress-calls: \(progressCalls)")
    }

    @Test("index scans stay in value order across kinds and extremes, before and after reopen")
    func indexOrder() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        let long = String(repeating: "x", count: 255)
        let values: [Value] = [
            .null, .bool(false), .bool(true), .int(.min), .int(-1), .int(0), .int(.max),
            .double(-.infinity), .double(-.greatestFiniteMagnitude), .double(-.leastNonzeroMagnitude), .double(0.0),
            .double(.leastNonzeroMagnitude), .double(1.5), .double(.greatestFiniteMagnitude), .double(.infinity),
            .string(""), .string("\u{0}"), .string(long), .string(long + "a"), .string(long + "b"), .string(long + "ba"),
            .string("é"), .string("\u{10FFFF}"), .bytes([]), .bytes([0]), .bytes([0xFF]), .bytes([UInt8](repeating: 0xFF, count: 300)),
        ]
        var rng = SeededRandom(seed: 31)
        let shuffled = values.shuffled(using: &rng)
        try db.write { tx in
            try tx.createIndex(label: "V", key: "x")
            for v in shuffled { try tx.createNode(labels: ["V"], properties: ["x": v]) }
        }
        var checks = 0
        for round in 0..<2 {
            try db.read { tx in
                let cursor = try tx.nodes(withLabel: "V", where: "x", in: ValueRange())
                let got = try cursor.collect().map { try tx.property("x", of: $0) ?? .null }
                #expect(got.count == values.count)
                for (a, b) in zip(got, got.dropFirst()) {
                    #expect(Value.totalOrder(a, b) < 0, "round \(round): \(a) before \(b)")
                }
                for v in values {
                    let eq = try tx.nodes(withLabel: "V", where: "x", equals: v)
                    #expect(try eq.collect().count == 1, "equals \(v)")
                    checks += 1
                }
            }
            try db.close()
            db = try GraphTest.open(fs)
        }
        #expect(try db.verify().isClean)
        try db.close()
        print("fault-matrix-index-order: values: \(values.count) equality-checks: \(checks) out-of-order: 0")
    }

    @Test("id counters at their maximum give a typed error instead of wrapping; the database is unchanged")
    func exhaustedIDs() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        let (a, last) = try db.write { tx in
            let a = try tx.createNode()
            #expect(throws: SombraError.self) { try tx.reserveIDs(nextNode: .max, nextEdge: 1) }
            try tx.reserveIDs(nextNode: UInt64.max - 2, nextEdge: UInt64.max - 2)
            let last = try tx.createNode()
            #expect(last.rawValue == UInt64.max - 2)
            let e = try tx.createEdge(from: a, to: last, type: "T")
            #expect(e.rawValue == UInt64.max - 2)
            return (a, last)
        }
        var refused = 0
        for attempt in 0..<2 {
            let tx = try db.beginWrite()
            let error = #expect(throws: SombraError.self) {
                if attempt == 0 { try tx.createNode() } else { try tx.createEdge(from: a, to: last, type: "T") }
            }
            if error?.code == SombraError.invalidArgument("").code { refused += 1 }
            tx.rollback()
        }
        #expect(try db.read { try $0.nodeCount() } == 2)
        #expect(try db.read { try $0.node(NodeID(.max)) } == nil)
        #expect(try db.verify().isClean)
        try db.close()
        db = try GraphTest.open(fs)
        #expect(try db.read { try $0.edgeCount() } == 1)
        try db.close()
        print("fault-matrix-exhausted-ids: refused: \(refused) wrapped: 0")
        #expect(refused == 2)
    }

    @Test("labels that are canonically equivalent but differ in bytes stay distinct, in one process and after reopen")
    func unicodeNormalization() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        let composed = "\u{E9}"          // é as one scalar
        let decomposed = "e\u{301}"      // e + combining acute: equal as Swift Strings, different bytes
        #expect(composed == decomposed && Array(composed.utf8) != Array(decomposed.utf8))
        let a = try db.write { tx in try tx.createNode(labels: [composed]) }
        // The first label is now in the name cache; the second must not be taken for it.
        let b = try db.write { tx in try tx.createNode(labels: [decomposed]) }
        var mismatches = 0
        for round in 0..<2 {
            try db.read { tx in
                let la = try #require(try tx.node(a)?.labels.first)
                let lb = try #require(try tx.node(b)?.labels.first)
                if Array(la.utf8) != Array(composed.utf8) { mismatches += 1 }
                if Array(lb.utf8) != Array(decomposed.utf8) { mismatches += 1 }
                #expect(Array(la.utf8) == Array(composed.utf8), "round \(round): node a reads back \(Array(la.utf8))")
                #expect(Array(lb.utf8) == Array(decomposed.utf8), "round \(round): node b reads back \(Array(lb.utf8))")
                // labelCounts() returns [String: Int], whose keys follow String equality; count each by name.
                let na = try tx.countNodes(withLabel: composed), nb = try tx.countNodes(withLabel: decomposed)
                #expect(na == 1 && nb == 1, "round \(round): \(na) and \(nb) nodes")
                let byLabel = try tx.nodes(withLabel: decomposed)
                #expect(try byLabel.collect() == [b])
            }
            try db.close()
            db = try GraphTest.open(fs)
        }
        #expect(try db.verify().isClean)
        try db.close()
        print("fault-matrix-unicode-names: labels: 2 mismatches: \(mismatches)")
    }

    @Test("invalid UTF-8 in a stored name is a typed corruption error naming the names page, and verify reports it")
    func invalidUTF8OnDisk() throws {
        let fs = SimulatedFileSystem()
        try FM.build(fs, nodes: 40, deletions: 0)
        let names = try FM.treePages(fs, .names)
        let target = Array("Person".utf8)
        var patched: UInt64? = nil
        for page in names.leaves {
            let p = try FM.page(fs, page)
            guard (0...(p.count - target.count)).contains(where: { Array(p[$0..<$0 + target.count]) == target }) else { continue }
            try FM.reseal(fs, page) { bytes in
                // Every stored copy of the name (the name->id key and the id->name value) gets a bad byte.
                var i = 0
                while i <= bytes.count - target.count {
                    if Array(bytes[i..<i + target.count]) == target { bytes[i] = 0xFF }
                    i += 1
                }
            }
            patched = page
        }
        let page = try #require(patched)
        let db = try FM.open(fs, readOnly: true)
        let error = #expect(throws: SombraError.self) { _ = try db.read { try $0.node(NodeID(1)) } }
        #expect(error.map { if case .corruptPage(let p, _) = $0 { return p == names.root || p == page }; return false } == true,
                "\(String(describing: error))")
        let report = try db.verify()
        #expect(!report.isClean)
        #expect(!report.findings(of: .name).isEmpty || !report.findings(of: .record).isEmpty, "\(report.findings.prefix(3))")
        let r = FM.readAll(db)
        #expect(r.untyped.isEmpty, "\(r.untyped.prefix(3))")
        try db.close()
        print("fault-matrix-invalid-utf8-on-disk: reads-refused: \(r.errors.count) verify-findings: \(report.errorCount)")
    }
}
