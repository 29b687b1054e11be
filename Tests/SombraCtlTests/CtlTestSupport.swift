// Helpers for the sombractl tests: temporary directories, fixture graphs, raw page surgery (flip, tear,
// re-seal), running commands in-process with captured output, and reading a database's tree layout.
import Foundation
import Testing
import SombraFormat
import SombraIndex
import SombraStorage
import SombraTestSupport
@testable import Sombra
@testable import SombraCtlKit

/// All sombractl suites run one test at a time. Closing a writable database closes its log's descriptor
/// twice (SombraStorage Pager.close); under parallel tests the second close can hit a descriptor another
/// test just opened, failing it with EBADF. Serialized, the number is free again and the close is harmless.
@Suite("sombractl", .serialized)
struct SombraCtlSuite {}

/// A temporary directory removed when the value is released.
final class TempDir {
    let path: String
    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sombractl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// Runs `sombractl ARGS` in-process: (exit code, stdout, stderr).
func ctl(_ args: String...) -> (code: Int32, out: String, err: String) { SombraCtl.capture(args) }
func ctl(_ args: [String]) -> (code: Int32, out: String, err: String) { SombraCtl.capture(args) }

/// Parses a command's JSON report.
func report(_ text: String) throws -> JSON { try JSON.parse(text.trimmingCharacters(in: .whitespacesAndNewlines)) }

func openGraph(_ path: String, pageSize: Int = 4096, readOnly: Bool = false) throws -> GraphDB {
    var o = GraphOptions()
    o.pageSize = pageSize
    o.syncMode = .off
    o.cacheBytes = 16 << 20
    o.readOnly = readOnly
    o.create = !readOnly
    return try GraphDB.open(path, options: o)
}

/// A graph of `nodes` people (some admins) with `edgesPerNode` KNOWS edges each, an index on Person.name,
/// and a few deleted nodes (so ids have gaps and pages were freed). Closed cleanly (no log) on return.
@discardableResult
func buildGraph(_ path: String, nodes: Int, edgesPerNode: Int = 2, seed: UInt64 = 7, deletions: Int = 0,
                pageSize: Int = 4096) throws -> (nodes: [Node], edges: [Edge]) {
    var rng = SeededRandom(seed: seed)
    let db = try openGraph(path, pageSize: pageSize)
    try db.write { tx in
        try tx.createIndex(label: "Person", key: "name")
        var ids: [NodeID] = []
        for i in 0..<nodes {
            let labels = i % 7 == 0 ? ["Person", "Admin"] : ["Person"]
            ids.append(try tx.createNode(labels: labels, properties: [
                "name": .string("p-\(i)"), "age": .int(Int64(i % 90)), "score": .double(Double(i) / 8),
            ]))
        }
        for (i, a) in ids.enumerated() {
            for k in 0..<edgesPerNode {
                let b = ids[rng.below(ids.count)]
                try tx.createEdge(from: a, to: b, type: k % 2 == 0 ? "KNOWS" : "LIKES",
                                  properties: k == 0 ? ["since": .int(Int64(2000 + i % 25))] : [:])
            }
        }
        for _ in 0..<deletions {
            let victim = ids[rng.below(ids.count)]
            if try tx.nodeExists(victim) { try tx.deleteNode(victim) }
        }
    }
    let graph = try snapshot(db)
    try db.close()
    return graph
}

/// Every node and edge of a database, in id order.
func snapshot(_ db: GraphDB) throws -> (nodes: [Node], edges: [Edge]) {
    try db.read { tx in
        var nodes: [Node] = []
        var c = try tx.allNodes()
        while let id = try c.next() { if let n = try tx.node(id) { nodes.append(n) } }
        var edges: [Edge] = []
        var e = try tx.allEdges()
        while let id = try e.next() { if let x = try tx.edge(id) { edges.append(x) } }
        return (nodes, edges)
    }
}

func snapshot(path: String) throws -> (nodes: [Node], edges: [Edge]) {
    let db = try openGraph(path, readOnly: true)
    defer { try? db.close() }
    return try snapshot(db)
}

// MARK: Raw pages

enum RawFile {
    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func write(_ path: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    static func page(_ path: String, _ n: UInt64, pageSize: Int = 4096) throws -> [UInt8] {
        let all = try read(path)
        let start = Int(n) * pageSize
        return Array(all[start..<(start + pageSize)])
    }

    static func setPage(_ path: String, _ n: UInt64, _ bytes: [UInt8], pageSize: Int = 4096) throws {
        var all = try read(path)
        all.replaceSubrange(Int(n) * pageSize..<(Int(n) + 1) * pageSize, with: bytes)
        try write(path, all)
    }

    /// Flips one bit of page `n` (never in a way that leaves the checksum valid).
    static func flipBit(_ path: String, _ n: UInt64, byte: Int, bit: Int = 3, pageSize: Int = 4096) throws {
        var p = try page(path, n, pageSize: pageSize)
        p[byte] ^= UInt8(1 << bit)
        try setPage(path, n, p, pageSize: pageSize)
    }

    /// Rewrites page `n` with `edit` applied and its checksum made valid again (same txID).
    static func reseal(_ path: String, _ n: UInt64, pageSize: Int = 4096, _ edit: (inout [UInt8]) -> Void) throws {
        var p = try page(path, n, pageSize: pageSize)
        edit(&p)
        PageHeader.seal(&p, page: PageID(n), txID: TxID(p.loadLE(UInt64.self, at: PageHeader.txIDOffset)))
        try setPage(path, n, p, pageSize: pageSize)
    }

    static func header(_ path: String) throws -> FileHeader { try FileHeader.decodePage(try read(path)) }

    static func setHeader(_ path: String, _ h: FileHeader) throws {
        try setPage(path, 0, h.encodePage(), pageSize: Int(h.pageSize))
    }
}

/// The interior cells (child pages) of a B-tree page in a closed database file.
func interiorChildren(_ path: String, _ page: UInt64, pageSize: Int = 4096) throws -> [UInt64] {
    let bytes = try RawFile.page(path, page, pageSize: pageSize)
    let count = UInt64((try Data(contentsOf: URL(fileURLWithPath: path))).count / pageSize)
    let (cells, right) = try BTree.interiorCells(bytes, page: PageID(page), pageCount: count)
    return cells.map(\.child.rawValue) + [right.rawValue]
}

/// For each leaf page of a tree: the ids (first 8 key bytes, big-endian) it holds. Read-only.
func leafContents(_ path: String, slot: Int) throws -> [UInt64: [UInt64]] {
    let db = try openGraph(path, readOnly: true)
    defer { try? db.close() }
    let tx = try db.beginRead()
    defer { tx.end() }
    var walk = TreeWalk(tree: BTree(root: tx.pageTx.header.roots[slot]), reader: tx.pageTx)
    var out: [UInt64: [UInt64]] = [:]
    walk.run { leaf in out[leaf.page.rawValue] = leaf.cells.map { $0.key.loadBE(UInt64.self, at: 0) } }
    return out
}

/// Pages a tree uses, by kind (leaf or interior), from a read-only handle.
func treePages(_ path: String, slot: Int) throws -> (root: UInt64, interior: [UInt64], leaves: [UInt64]) {
    let db = try openGraph(path, readOnly: true)
    defer { try? db.close() }
    let tx = try db.beginRead()
    defer { tx.end() }
    let root = tx.pageTx.header.roots[slot]
    let r = BTree(root: root).verify(in: tx.pageTx)
    var interior: [UInt64] = [], leaves: [UInt64] = []
    for p in r.pagesUsed.sorted() {
        let bytes = try tx.pageTx.page(p)
        if PageHeader.kind(of: bytes) == .btreeInterior { interior.append(p.rawValue) } else { leaves.append(p.rawValue) }
    }
    return (root.rawValue, interior, leaves)
}

/// Tree slots (GraphTrees order).
enum Slot {
    static let catalog = 0, names = 1, nodes = 2, edges = 3, outEdges = 4, inEdges = 5, labels = 6, properties = 7
}

func fileBytes(_ paths: [String]) -> [String: Data?] {
    var out: [String: Data?] = [:]
    for p in paths { out[p] = FileManager.default.contents(atPath: p) }
    return out
}
