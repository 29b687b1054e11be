// Basic graph operations: nodes, edges, labels, properties, indexes, reopen.
import Testing
import SombraIO
import SombraTestSupport
@testable import Sombra

func memoryGraph(_ fs: InMemoryFileSystem = InMemoryFileSystem(), path: String = "g.sombra",
                 pageSize: Int = 4096) throws -> GraphDB {
    var o = GraphOptions()
    o.pageSize = pageSize
    o.cacheBytes = 1 << 20
    return try GraphDB.open(path: path, options: o, fileSystem: fs)
}

@Suite("Graph basics")
struct GraphBasicsTests {
    @Test("nodes, edges, labels and properties round-trip through commit and reopen")
    func roundTrip() throws {
        let fs = InMemoryFileSystem()
        var db = try memoryGraph(fs)
        let (a, b, e) = try db.write { tx in
            let a = try tx.createNode(labels: ["Person"], properties: ["name": "Ada", "age": 36, "big": .int(Int64.max)])
            let b = try tx.createNode(labels: ["Person", "Admin"], properties: ["name": "Bob", "tags": ["x", 1, nil]])
            let e = try tx.createEdge(from: a, to: b, type: "KNOWS", properties: ["since": 2020])
            return (a, b, e)
        }
        try db.close()
        db = try memoryGraph(fs)
        try db.read { tx in
            let na = try #require(try tx.node(a))
            #expect(na.labels == ["Person"])
            #expect(na["name"] == "Ada")
            #expect(na["big"] == .int(Int64.max))
            let nb = try #require(try tx.node(b))
            #expect(nb.labels == ["Admin", "Person"])
            #expect(nb["tags"] == ["x", 1, .null])
            let edge = try #require(try tx.edge(e))
            #expect(edge.source == a && edge.target == b && edge.type == "KNOWS" && edge["since"] == 2020)
            #expect(try tx.nodeCount() == 2)
            #expect(try tx.edgeCount() == 1)
            #expect(try tx.countNodes(withLabel: "Person") == 2)
            #expect(try tx.countEdges(ofType: "KNOWS") == 1)
            #expect(try tx.neighbors(of: a, direction: .outgoing) == [b])
            #expect(try tx.neighbors(of: b, direction: .incoming) == [a])
            #expect(try tx.degree(of: a) == 1)
        }
        try db.close()
    }

    @Test("property queries give the same answer with and without an index")
    func indexAgreesWithScan() throws {
        let db = try memoryGraph()
        try db.write { tx in
            for i in 0..<300 {
                try tx.createNode(labels: [i % 3 == 0 ? "Post" : "Person"],
                                  properties: ["age": .int(Int64(i % 50)), "name": .string("user-\(i)")])
            }
        }
        func query(_ tx: Transaction) throws -> ([NodeID], [NodeID]) {
            let eq = try tx.nodes(withLabel: "Person", where: "age", equals: 7)
            let range = try tx.nodes(withLabel: "Person", where: "age", in: .halfOpen(30, 32))
            return (try eq.collect().sorted(), try range.collect().sorted())
        }
        let scanned = try db.read { try query($0) }
        try db.write { tx in try tx.createIndex(label: "Person", key: "age") }
        let indexed = try db.read { try query($0) }
        #expect(scanned.0 == indexed.0)
        #expect(scanned.1 == indexed.1)
        #expect(!indexed.0.isEmpty && !indexed.1.isEmpty)
        try db.write { tx in
            let n = try tx.createNode(labels: ["Person"], properties: ["age": 7])
            try tx.setProperty("age", to: 31, on: n)
            #expect(throws: SombraError.self) { try tx.setProperty("age", to: .double(.nan), on: n) }
        }
        let after = try db.read { try query($0) }
        #expect(after.0 == indexed.0)
        #expect(after.1.count == indexed.1.count + 1)
        try db.close()
    }

    @Test("deleting a node removes its edges, labels and index entries")
    func deleteNode() throws {
        let db = try memoryGraph()
        let (a, b) = try db.write { tx in
            try tx.createIndex(label: "P", key: "k")
            let a = try tx.createNode(labels: ["P"], properties: ["k": 1])
            let b = try tx.createNode(labels: ["P"], properties: ["k": 1])
            try tx.createEdge(from: a, to: b, type: "T")
            try tx.createEdge(from: b, to: a, type: "T")
            try tx.createEdge(from: a, to: a, type: "T")
            return (a, b)
        }
        try db.write { tx in try tx.deleteNode(a) }
        try db.read { tx in
            #expect(try tx.node(a) == nil)
            #expect(try tx.edgeCount() == 0)
            #expect(try tx.degree(of: b) == 0)
            let c = try tx.nodes(withLabel: "P", where: "k", equals: 1)
            let got = try c.collect()
            #expect(got == [b])
            #expect(try tx.countNodes(withLabel: "P") == 1)
        }
        try db.close()
    }

    @Test("bad input is a typed error and leaves the transaction usable")
    func badInput() throws {
        let db = try memoryGraph()
        try db.write { tx in
            let a = try tx.createNode(labels: ["P"])
            #expect(throws: SombraError.nodeNotFound(999)) { try tx.createEdge(from: a, to: NodeID(999), type: "T") }
            #expect(throws: SombraError.self) { try tx.createNode(labels: [""]) }
            #expect(throws: SombraError.self) { try tx.createNode(labels: ["P"], properties: ["big": .bytes([UInt8](repeating: 1, count: 17 << 20))]) }
            #expect(tx.isActive)
            try tx.setProperty("ok", to: true, on: a)
        }
        let count = try db.read { tx in try tx.nodeCount() }
        #expect(count == 1)
        try db.close()
    }
}

@Test("TreeSlot.count is the number of tree slots")
func treeSlotCount() {
    #expect(TreeSlot.count == TreeSlot.allCases.count)
}

@Test("readers see the index declarations of their own snapshot, whatever the shared declaration cache holds")
func indexDeclarationsFollowSnapshots() throws {
    let db = try GraphTest.open(InMemoryFileSystem())
    try db.write { tx in
        for i in 0..<20 { try tx.createNode(labels: ["Person"], properties: ["name": .string("p\(i % 5)")]) }
    }
    let before = try db.beginRead()
    #expect(try !before.hasIndex(label: "Person", key: "name"))
    try db.write { tx in try tx.createIndex(label: "Person", key: "name") }
    let during = try db.beginRead()
    #expect(try during.hasIndex(label: "Person", key: "name"))
    // The old reader still reads its snapshot: no index, same answers by scanning.
    #expect(try !before.hasIndex(label: "Person", key: "name"))
    let viaScan = try before.nodes(withLabel: "Person", where: "name", equals: "p3")
    let viaIndex = try during.nodes(withLabel: "Person", where: "name", equals: "p3")
    #expect(try viaScan.collect().sorted() == viaIndex.collect().sorted())
    #expect(try during.hasIndex(label: "Person", key: "name"))
    before.end()
    during.end()
    try db.write { tx in try tx.dropIndex(label: "Person", key: "name") }
    let after = try db.beginRead()
    #expect(try !after.hasIndex(label: "Person", key: "name"))
    let again = try after.nodes(withLabel: "Person", where: "name", equals: "p3")
    #expect(try again.collect().count == 4)
    after.end()
}

@Test("verify on a live handle after a log restart reports no log finding: old frames past the end are reused space")
func verifyAfterLogRestart() throws {
    let db = try GraphTest.open(InMemoryFileSystem())
    for i in 0..<4 {
        try db.write { tx in for j in 0..<40 { try tx.createNode(labels: ["T\(i)"], properties: ["j": .int(Int64(j))]) } }
    }
    _ = try db.checkpoint()                                       // everything copied: the log restarts
    _ = try db.write { tx in try tx.createNode(labels: ["After"]) }   // overwrites the start of the old frames
    #expect(db.storageStats.walRestarts >= 1)
    let report = try db.verify()
    #expect(report.isClean, "\(report.findings)")
    #expect(report.findings(of: .log).isEmpty, "\(report.findings(of: .log))")
    #expect(try db.read { tx in try tx.nodeCount() } == 161)
}
