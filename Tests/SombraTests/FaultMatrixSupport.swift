// FaultMatrixSupport: what the fault-matrix tests (reliability guide F and A rows not covered elsewhere;
// Docs/RELIABILITY.md maps each row to its test) share: a fixture graph on a SimulatedFileSystem, page
// surgery on the database file (read, write, re-seal, header edits), the pages of a tree, and a reader that
// touches every record and collects the typed errors.
//
// Invariants:
//  1. Surgery changes the durable bytes of the closed file (SimulatedFileSystem damage helpers), except
//     where a test says it changes the file under an open handle.
//  2. `readAll` never asserts: it returns what it read and the errors it got, so a test can demand that
//     every failure is typed and names a page.
import Testing
import SombraFormat
import SombraIO
import SombraIndex
import SombraStorage
import SombraTestSupport
@testable import Sombra

enum FM {
    static let path = GraphTest.dbPath
    static let pageSize = 4096

    /// A graph of `nodes` people (with an index on name and KNOWS edges), then up to `deletions` people and a
    /// node with a 20 KB value (its overflow pages go to the free list) deleted; closed cleanly: the
    /// database file alone. Returns the committed content.
    @discardableResult
    static func build(_ fs: SimulatedFileSystem, nodes: Int = 300, deletions: Int = 30) throws -> [Node] {
        let db = try GraphTest.open(fs)
        try db.write { tx in
            try tx.createIndex(label: "Person", key: "name")
            var ids: [NodeID] = []
            for i in 0..<nodes {
                ids.append(try tx.createNode(labels: ["Person"], properties: ["name": .string("person-\(i)"), "n": .int(Int64(i))]))
            }
            for (i, a) in ids.enumerated() { try tx.createEdge(from: a, to: ids[(i * 7 + 1) % ids.count], type: "KNOWS") }
        }
        let big = try db.write { tx in
            var x: UInt64 = 0x9E37_79B9
            let noise = (0..<20_000).map { _ in
                x = x &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: x >> 56)
            }
            return try tx.createNode(labels: ["Big"], properties: ["blob": .bytes(noise)])
        }
        try db.write { tx in
            for i in 0..<min(deletions, (nodes - 2) / 3) { try tx.deleteNode(NodeID(UInt64(2 + i * 3))) }
            try tx.deleteNode(big)
        }
        let content = try db.read { tx in try allNodes(tx) }
        try db.close()
        return content
    }

    static func allNodes(_ tx: Transaction) throws -> [Node] {
        let cursor = try tx.allNodes()
        return try cursor.collect().compactMap { try tx.node($0) }
    }

    static func open(_ fs: SimulatedFileSystem, readOnly: Bool = false) throws(SombraError) -> GraphDB {
        var o = GraphTest.options()
        o.readOnly = readOnly
        o.create = false
        return try GraphDB.open(path: path, options: o, fileSystem: fs)
    }

    static func verify(_ fs: SimulatedFileSystem) throws -> VerifyReport {
        let db = try open(fs, readOnly: true)
        defer { try? db.close() }
        return try db.verify()
    }

    // MARK: Page surgery

    static func bytes(_ fs: SimulatedFileSystem) throws -> [UInt8] { try #require(fs.contents(of: path)) }

    static func page(_ fs: SimulatedFileSystem, _ n: UInt64) throws -> [UInt8] {
        let all = try bytes(fs)
        let start = Int(n) * pageSize
        return Array(all[start..<start + pageSize])
    }

    static func setPage(_ fs: SimulatedFileSystem, _ n: UInt64, _ bytes: [UInt8]) throws {
        try fs.overwrite(path: path, byteOffset: Int(n) * pageSize, with: bytes)
    }

    /// Applies `edit` to page `n` and makes its checksum valid again (same transaction id).
    static func reseal(_ fs: SimulatedFileSystem, _ n: UInt64, _ edit: (inout [UInt8]) -> Void) throws {
        var p = try page(fs, n)
        edit(&p)
        PageHeader.seal(&p, page: PageID(n), txID: TxID(p.loadLE(UInt64.self, at: PageHeader.txIDOffset)))
        try setPage(fs, n, p)
    }

    static func header(_ fs: SimulatedFileSystem) throws -> FileHeader { try FileHeader.decodePage(try page(fs, 0)) }

    /// Rewrites both header copies (valid checksums) with `edit` applied.
    static func editHeader(_ fs: SimulatedFileSystem, _ edit: (inout FileHeader) -> Void) throws {
        var h = try header(fs)
        edit(&h)
        try setPage(fs, 0, h.encodePage())
    }

    /// Rewrites both header copies byte-wise (for fields FileHeader would refuse to encode), re-checksummed.
    static func editHeaderBytes(_ fs: SimulatedFileSystem, _ edit: (inout [UInt8]) -> Void) throws {
        var p = try page(fs, 0)
        for offset in FileHeader.copyOffsets(pageSize: pageSize) {
            var copy = Array(p[offset..<offset + FileHeader.copySize])
            edit(&copy)
            copy.storeLE(Checksum.crc32(copy, range: 0..<FileHeader.checksumOffset), at: FileHeader.checksumOffset)
            p.replaceSubrange(offset..<offset + FileHeader.copySize, with: copy)
        }
        try setPage(fs, 0, p)
    }

    /// The pages of the tree in `slot` (TreeSlot order), by kind.
    static func treePages(_ fs: SimulatedFileSystem, _ slot: TreeSlot) throws -> (root: UInt64, interior: [UInt64], leaves: [UInt64]) {
        let db = try open(fs, readOnly: true)
        defer { try? db.close() }
        let tx = try db.beginRead()
        defer { tx.end() }
        let root = tx.pageTx.header.roots[slot.rawValue]
        var interior: [UInt64] = [], leaves: [UInt64] = []
        for p in BTree(root: root).verify(in: tx.pageTx).pagesUsed.sorted() {
            switch PageHeader.kind(of: try tx.pageTx.page(p)) {
            case .btreeInterior: interior.append(p.rawValue)
            case .btreeLeaf: leaves.append(p.rawValue)
            default: break
            }
        }
        return (root.rawValue, interior, leaves)
    }

    /// The free list, head first (bounded by the page count).
    static func freeList(_ fs: SimulatedFileSystem) throws -> [UInt64] {
        let h = try header(fs)
        var out: [UInt64] = []
        var next = h.freeListHead.rawValue
        while next != 0, out.count < Int(h.pageCount) {
            out.append(next)
            next = try page(fs, next).loadLE(UInt64.self, at: 16)
        }
        return out
    }

    // MARK: Reading everything

    struct ReadResult {
        var nodesRead = 0
        var errors: [SombraError] = []
        /// Errors that are not corruption naming a page (or the header): each is a test failure.
        var untyped: [String] = []
    }

    /// Reads every node the id range may hold and every node's edges; collects errors (invariant 2).
    static func readAll(_ db: GraphDB, idsMax: UInt64 = 400) -> ReadResult {
        var r = ReadResult()
        func record(_ e: SombraError) {
            r.errors.append(e)
            switch e {
            case .corruptPage, .corruptHeader, .corruptWAL, .notADatabase: break
            default: r.untyped.append("\(e)")
            }
        }
        do throws(SombraError) {
            let tx = try db.beginRead()
            defer { tx.end() }
            for id in 1...idsMax {
                do throws(SombraError) {
                    if try tx.node(NodeID(id)) != nil { r.nodesRead += 1 }
                    _ = try tx.degree(of: NodeID(id))
                } catch { record(error) }
            }
            do throws(SombraError) { let c = try tx.allNodes(); _ = try c.collect(limit: 10_000) } catch { record(error) }
            do throws(SombraError) { _ = try tx.labelCounts() } catch { record(error) }
            do throws(SombraError) { let c = try tx.nodes(withLabel: "Person"); _ = try c.collect(limit: 10_000) } catch { record(error) }
            do throws(SombraError) {
                let c = try tx.nodes(withLabel: "Person", where: "name", in: ValueRange())
                _ = try c.collect(limit: 10_000)
            } catch { record(error) }
        } catch {
            record(error)
        }
        return r
    }
}
