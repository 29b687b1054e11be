// Transactions on the pager: commit, rollback, reopen, free-page reuse, snapshots across commits and checkpoints.
import Testing
import SombraFormat
import SombraIO
import SombraTestSupport
@testable import SombraStorage

@Suite("Pager transactions")
struct PagerTests {
    @Test("committed pages survive close and reopen; rolled-back pages never appear")
    func commitRollbackReopen() throws {
        let fs = InMemoryFileSystem()
        var pager = try Pager.open(path: "a.db", options: memoryOptions(), fileSystem: fs)
        let tx = try pager.beginWrite()
        let a = try tx.allocate(.btreeLeaf)
        try setPayload(tx, a, 11)
        try tx.setRoot(0, a)
        let committedID = try tx.commit()
        let tx2 = try pager.beginWrite()
        try setPayload(tx2, a, 99)
        let b = try tx2.allocate(.btreeLeaf)
        tx2.rollback()
        try pager.close()
        #expect(!fs.exists("a.db-wal"))
        pager = try Pager.open(path: "a.db", options: memoryOptions(), fileSystem: fs)
        let r = try pager.beginRead()
        #expect(r.header.roots[0] == a)
        #expect(try payload(r, a) == 11)
        #expect(r.snapshotID == committedID)
        #expect(r.pageCount == 2)
        #expect(throws: SombraError.self) { try r.page(b) }
        r.end()
        #expect(throws: SombraError.transactionEnded) { try r.page(a) }
        try pager.close()
    }

    @Test("commits are recovered from the log after a process crash (no clean close)")
    func recoverWithoutClose() throws {
        let fs = InMemoryFileSystem()
        var pages: [PageID] = []
        do {
            let pager = try Pager.open(path: "c.db", options: memoryOptions(), fileSystem: fs)
            for i in 0..<20 {
                let tx = try pager.beginWrite()
                let p = try tx.allocate(.btreeLeaf)
                try setPayload(tx, p, UInt64(i))
                try tx.commit()
                pages.append(p)
            }
            // Simulate the process dying: release the lock by closing the files but skip the checkpoint.
            pager.db.close()
            pager.wal?.file.close()
        }
        let again = try Pager.open(path: "c.db", options: memoryOptions(), fileSystem: fs)
        let r = try again.beginRead()
        for (i, p) in pages.enumerated() { #expect(try payload(r, p) == UInt64(i)) }
        r.end()
        try again.close()
    }

    @Test("freed pages are reused before the file grows")
    func freeListReuse() throws {
        let fs = InMemoryFileSystem()
        let pager = try Pager.open(path: "f.db", options: memoryOptions(), fileSystem: fs)
        var tx = try pager.beginWrite()
        let pages = try (0..<10).map { _ throws(SombraError) in try tx.allocate(.btreeLeaf) }
        try tx.commit()
        tx = try pager.beginWrite()
        for p in pages.prefix(5) { try tx.free(p) }
        #expect(throws: SombraError.self) { try tx.free(pages[0]) }
        try tx.commit()
        #expect(pager.stats.freePageCount == 5)
        tx = try pager.beginWrite()
        let before = tx.pageCount
        var reused: Set<PageID> = []
        for _ in 0..<5 { reused.insert(try tx.allocate(.overflow)) }
        #expect(tx.pageCount == before)
        #expect(reused == Set(pages.prefix(5)))
        let grown = try tx.allocate(.overflow)
        #expect(grown.rawValue == before)
        try tx.commit()
        #expect(pager.stats.freePageCount == 0)
        try pager.close()
    }

    @Test("a long reader keeps its snapshot across commits and checkpoints")
    func longReader() throws {
        let fs = InMemoryFileSystem()
        let pager = try Pager.open(path: "r.db", options: memoryOptions(), fileSystem: fs)
        var tx = try pager.beginWrite()
        let p = try tx.allocate(.btreeLeaf)
        try setPayload(tx, p, 1)
        try tx.commit()
        let reader = try pager.beginRead()
        var mismatches = 0
        for v in 2...50 {
            tx = try pager.beginWrite()
            try setPayload(tx, p, UInt64(v))
            _ = try tx.allocate(.btreeLeaf)
            try tx.commit()
            if v % 10 == 0 { try pager.checkpoint() }
            if try payload(reader, p) != 1 { mismatches += 1 }
            let fresh = try pager.beginRead()
            if try payload(fresh, p) != UInt64(v) { mismatches += 1 }
            fresh.end()
        }
        #expect(reader.pageCount == 2)
        reader.end()
        let result = try pager.checkpoint()
        #expect(result.logRestarted)
        let after = try pager.beginRead()
        #expect(try payload(after, p) == 50)
        after.end()
        print("long-reader: commits: 49 checkpoints: 5 mismatches: \(mismatches)")
        #expect(mismatches == 0)
        try pager.close()
    }

    @Test("a transaction larger than the dirty budget spills to the log and still commits or rolls back exactly, its kept originals bounded by the budget")
    func spill() throws {
        let fs = InMemoryFileSystem()
        var o = memoryOptions()
        o.dirtyBytesMax = 16 * 4096
        let pager = try Pager.open(path: "s.db", options: o, fileSystem: fs)
        var tx = try pager.beginWrite()
        var pages: [PageID] = []
        for i in 0..<200 {
            let p = try tx.allocate(.btreeLeaf)
            try setPayload(tx, p, UInt64(i))
            pages.append(p)
        }
        for (i, p) in pages.enumerated() where i % 3 == 0 { try setPayload(tx, p, UInt64(i) + 1000) }
        for (i, p) in pages.enumerated() {
            #expect(try payload(tx, p) == (i % 3 == 0 ? UInt64(i) + 1000 : UInt64(i)))
        }
        try tx.commit()
        tx = try pager.beginWrite()
        for p in pages { try setPayload(tx, p, 7) }
        tx.rollback()
        // Change every committed page, spilling on the way, then half of them again after their spill: the
        // originals kept for incremental seals never outgrow the dirty pages (a spill drops them), and every
        // seal, from a committed image or from a spilled one, verifies when read back.
        tx = try pager.beginWrite()
        var largestOriginals = 0
        for (i, p) in pages.enumerated() {
            try setPayload(tx, p, UInt64(i) + 2000)
            #expect(tx.originals.count <= tx.dirty.count)
            largestOriginals = max(largestOriginals, tx.originals.count)
        }
        for (i, p) in pages.enumerated() where i % 2 == 0 { try setPayload(tx, p, UInt64(i) + 3000) }
        #expect(tx.originals.count <= tx.dirty.count && largestOriginals <= 17)
        try tx.commit()
        try pager.close()
        let again = try Pager.open(path: "s.db", options: o, fileSystem: fs)
        let r = try again.beginRead()
        for (i, p) in pages.enumerated() {
            #expect(try payload(r, p) == UInt64(i) + (i % 2 == 0 ? 3000 : 2000))
        }
        r.end()
        try again.close()
    }

    @Test("use after commit, a nested write and writes on a read-only handle are typed errors")
    func misuse() throws {
        let fs = InMemoryFileSystem()
        let pager = try Pager.open(path: "m.db", options: memoryOptions(), fileSystem: fs)
        let tx = try pager.beginWrite()
        let p = try tx.allocate(.btreeLeaf)
        #expect(throws: SombraError.busy(reason: "this thread already holds the write transaction")) { try pager.beginWrite() }
        try tx.commit()
        #expect(throws: SombraError.transactionEnded) { try tx.page(p) }
        #expect(throws: SombraError.transactionEnded) { try tx.commit() }
        #expect(throws: SombraError.self) { try tx.update(.header) { _ in } }
        try pager.close()
        var ro = memoryOptions()
        ro.readOnly = true
        let reader = try Pager.open(path: "m.db", options: ro, fileSystem: fs)
        #expect(throws: SombraError.readOnly) { try reader.beginWrite() }
        try reader.close()
        #expect(throws: SombraError.closed) { try reader.beginRead() }
    }
}
