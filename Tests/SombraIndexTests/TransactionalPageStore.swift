// TransactionalPageStore: what the randomized B-tree driver needs from a store, served by the in-memory
// double and by the real pager (on the simulated file system, with reopens and crash images).
import SombraFormat
import SombraStorage
import SombraTestSupport
@testable import SombraIndex

protocol TransactionalPageStore: AnyObject {
    var pageSize: Int { get }
    /// The open transaction's view (reads and writes).
    var writer: any PageWriter { get }
    func begin() throws
    func commit() throws
    func rollback() throws
    /// A view of the committed state, for verification between transactions.
    func reader() throws -> any PageReader
    /// Pages that are neither page 0 nor free.
    func livePages() throws -> Int
    /// Creates the tree under test (in its own committed transaction where that matters).
    func createTree() throws -> BTree
}

extension MemoryPageStore: TransactionalPageStore {
    var writer: any PageWriter { self }
    func reader() throws -> any PageReader { self }
    func livePages() throws -> Int { livePageCount }
    func createTree() throws -> BTree { try BTree.create(in: self) }
}

/// The real pager over a simulated file system: the tree's root is registered in header slot 0.
final class PagerPageStore: TransactionalPageStore {
    private(set) var fs: SimulatedFileSystem
    private(set) var pager: Pager
    private var tx: PageWriteTransaction?
    private var lastReader: PageReadTransaction?
    let path = "tree.db"
    let options: PagerOptions

    init(pageSize: Int, cacheBytes: Int = 256 << 10) throws {
        var o = PagerOptions()
        o.pageSize = pageSize
        o.cacheBytesMax = cacheBytes
        o.dirtyBytesMax = 64 * pageSize
        o.checkpointThresholdBytes = 512 << 10
        o.syncMode = .full
        options = o
        fs = SimulatedFileSystem()
        pager = try Pager.open(path: path, options: o, fileSystem: fs)
    }

    var pageSize: Int { pager.pageSize }
    var writer: any PageWriter { tx! }

    func begin() throws {
        lastReader?.end()
        lastReader = nil
        tx = try pager.beginWrite()
    }

    func commit() throws { try tx?.commit(); tx = nil }
    func rollback() throws { tx?.rollback(); tx = nil }

    func reader() throws -> any PageReader {
        lastReader?.end()
        let r = try pager.beginRead()
        lastReader = r
        return r
    }

    func livePages() throws -> Int {
        let h = pager.committedSnapshot.header
        return Int(h.pageCount) - 1 - Int(h.freePageCount)
    }

    func createTree() throws -> BTree {
        let w = try pager.beginWrite()
        let tree = try BTree.create(in: w)
        try w.setRoot(0, tree.root)
        try w.commit()
        return tree
    }

    /// The tree registered in slot 0 of the committed header.
    var registeredTree: BTree { BTree(root: pager.committedSnapshot.header.roots[0]) }

    /// Clean close and reopen.
    func reopen() throws {
        lastReader?.end()
        lastReader = nil
        try pager.close()
        pager = try Pager.open(path: path, options: options, fileSystem: fs)
    }

    /// Power loss now: continue on the durable-only image of the files.
    func crashAndRecover() throws {
        lastReader?.end()
        lastReader = nil
        let image = fs.durableImage()
        fs.crash()
        pager = try Pager.open(path: path, options: options, fileSystem: image)
        fs = image
    }
}
