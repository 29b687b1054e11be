// SombraEngine: the Sombra side of the benchmark, through the public GraphDB API only.
// Layer: benchmark tool only.
//
// Invariants:
//  1. Workload index i is Sombra node id i + 1 (a fresh database allocates ids from 1 in creation order;
//     `load` checks this).
//  2. Every query runs in its own read transaction, as SQLite's autocommit statements do.
import Foundation
import Sombra

final class SombraEngine: BenchEngine {
    let name = "sombra"
    let path: String
    let cacheBytes: Int
    /// Page size for the new database (nil: Sombra's default).
    let pageSize: Int?
    private var db: GraphDB?

    init(path: String, cacheBytes: Int, pageSize: Int? = nil) {
        self.path = path
        self.cacheBytes = cacheBytes
        self.pageSize = pageSize
    }

    private var options: GraphOptions {
        var o = GraphOptions()
        o.cacheBytes = cacheBytes
        o.syncMode = .full
        if let t = ProcessInfo.processInfo.environment["SB_CKPT_MB"], let mb = Int(t) { o.checkpointThresholdBytes = mb << 20 }
        if ProcessInfo.processInfo.environment["SB_NO_DELTA"] != nil { o.deltaFrames = false }
        if let pageSize { o.pageSize = pageSize }
        return o
    }

    private func open() throws -> GraphDB {
        if let db { return db }
        let opened = try GraphDB.open(path, options: options)
        db = opened
        return opened
    }

    private static func node(_ i: Int64) -> NodeID { NodeID(UInt64(i) + 1) }
    private static func index(_ n: NodeID) -> Int64 { Int64(n.rawValue) - 1 }

    func load(nodes: [NodeSpec], edges: [EdgeSpec]) throws {
        for suffix in ["", "-wal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let db = try open()
        try db.write { tx in
            try tx.createIndex(label: "Person", key: "name")
            try tx.createIndex(label: "Person", key: "age")
        }
        // The bulk-load path: one durable transaction, records and indexes written in key order.
        try db.bulkLoad { loader in
            for (i, n) in nodes.enumerated() {
                let id = try loader.addNode(labels: [n.label.name], properties: [
                    "name": .string(n.name), "age": .int(n.age), "score": .double(n.score)])
                guard id == Self.node(Int64(i)) else { throw BenchUnavailable(reason: "unexpected node id \(id) for \(i)") }
            }
            for e in edges {
                try loader.addEdge(from: Self.node(Int64(e.src)), to: Self.node(Int64(e.dst)), type: e.type.name)
            }
        }
    }

    func counts() throws -> (nodes: Int, edges: Int) {
        try open().read { tx in (try tx.nodeCount(), try tx.edgeCount()) }
    }

    func close() throws {
        try db?.close()
        db = nil
    }

    func openAndGetNode(_ id: Int64) throws -> NodeRecord? {
        _ = try open()
        return try getNode(id)
    }

    func getNode(_ id: Int64) throws -> NodeRecord? {
        try open().read { tx in
            guard let n = try tx.node(Self.node(id)) else { return nil }
            guard case .string(let name)? = n["name"], case .int(let age)? = n["age"],
                  case .double(let score)? = n["score"], let label = n.labels.first else { return nil }
            return NodeRecord(label: label, name: name, age: age, score: score)
        }
    }

    private func adjacent(_ id: Int64, _ direction: Direction) throws -> [Int64] {
        try open().read { tx in
            // The other end of each edge, repeats kept (one entry per edge, as SQLite's rows).
            var out: [Int64] = []
            try tx.forEachAdjacentNode(of: Self.node(id), direction: direction) { (n: NodeID) throws(SombraError) -> Bool in
                out.append(Self.index(n))
                return true
            }
            return out
        }
    }

    func outNeighbors(_ id: Int64) throws -> [Int64] { try adjacent(id, .outgoing) }
    func inNeighbors(_ id: Int64) throws -> [Int64] { try adjacent(id, .incoming) }

    func hop2Count(_ id: Int64) throws -> Int {
        // The engine's walk of exactly two hops (distinct end nodes), as SQLite's COUNT(DISTINCT e2.dst).
        try open().read { tx in
            var count = 0
            try tx.forEachNode(atHops: 2, from: Self.node(id), direction: .outgoing) { _ in
                count += 1
                return true
            }
            return count
        }
    }

    func nodesWithLabel(_ label: String) throws -> [Int64] {
        try open().read { tx in
            var c = try tx.nodes(withLabel: label)
            var out: [Int64] = []
            while let n = try c.next() { out.append(Self.index(n)) }
            return out
        }
    }

    func personsNamed(_ name: String) throws -> [Int64] {
        try open().read { tx in
            let c = try tx.nodes(withLabel: "Person", where: "name", equals: .string(name))
            return try c.collect().map(Self.index)
        }
    }

    func personsAged(from ageLow: Int64, below ageHigh: Int64) throws -> [Int64] {
        try open().read { tx in
            let c = try tx.nodes(withLabel: "Person", where: "age", in: .halfOpen(.int(ageLow), .int(ageHigh)))
            return try c.collect().map(Self.index)
        }
    }

    func bfsCount(from id: Int64, depth: Int) throws -> Int {
        // The engine's own breadth-first traversal (each node once, the start included).
        try open().read { tx in
            var reached = 0
            try tx.forEachReached(from: Self.node(id), maxDepth: depth, direction: .outgoing) { _, _ in
                reached += 1
                return true
            }
            return reached
        }
    }

    func txnSmall(name: String, target: Int64) throws {
        try open().write { tx in
            let n = try tx.createNode(labels: ["Person"], properties: ["name": .string(name), "age": 33, "score": 1.5])
            try tx.createEdge(from: n, to: Self.node(target), type: "KNOWS")
        }
    }

    func fileSizeBytes() throws -> Int64 {
        var total: Int64 = 0
        for suffix in ["", "-wal"] {
            if let size = try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int {
                total += Int64(size)
            }
        }
        return total
    }
}
