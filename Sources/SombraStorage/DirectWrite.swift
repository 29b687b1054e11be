// DirectWrite: a large transaction writes the pages it grows the file by straight into the database file,
// instead of through the log (which the checkpoint would then copy again). Layer: storage, inside the
// write transaction; used by spills (PageWriteTransaction.spill) and by commit (PagerCommit).
//
// A page numbered at or past the page count of the transaction's base snapshot ("fresh") is invisible to
// every reader (a snapshot reads only pages below its own page count, and page counts never shrink) and is
// referenced by no committed state, so overwriting its place in the file disturbs nothing. Once the
// transaction has grown the database by `directWritePagesMin` pages (checked at a spill and at commit), it
// writes its fresh dirty pages there;
// commit then syncs the database file *before* the commit frame, so a commit frame that survives a crash
// always finds them. A transaction that rolls back or never writes its commit frame leaves them as bytes past
// the committed page count: ignored at open, and overwritten when the file grows again.
//
// Invariants:
//  1. A page is written directly only if it is fresh and has no log frame in this transaction (`spilled`):
//     otherwise recovery would index that older frame over the newer file copy. A page once written
//     directly (`direct`) is always written directly again, so its newest version is the file's.
//  2. The commit frame is written only after every direct write is synced (not in `off` mode, which
//     promises nothing after power loss). A failed direct write is a clean rollback; a failed sync poisons.
//  3. Direct pages are never put in the shared page cache before commit (a rolled-back version must not
//     outlive the transaction); the transaction reads them back from the file and verifies them.
import SombraFormat
import SombraIO

extension PageWriteTransaction {
    /// True if `id` lies at or past the page count of the snapshot this transaction started from.
    func isFresh(_ id: PageID) -> Bool { id.rawValue >= base.header.pageCount }

    /// Pages this transaction has grown the database by so far.
    var pagesGrown: UInt64 { header.pageCount &- base.header.pageCount }

    /// True once the transaction has grown the database by `directWritePagesMin` pages (or already is).
    var goesDirect: Bool {
        directMode || pagesGrown >= UInt64(max(1, pager.options.directWritePagesMin))
    }

    /// Writes the dirty pages eligible for the file (invariant 1) there, sealed, and drops them from
    /// `dirty`. Decides direct mode first: on once the transaction has grown the database by
    /// `directWritePagesMin` pages (counting pages already spilled to the log, which stay there).
    func writeDirectPages() throws(SombraError) {
        guard goesDirect else { return }
        directMode = true
        var eligible: [PageID] = []
        for id in dirty.keys where isFresh(id) && spilled[id] == nil { eligible.append(id) }
        guard !eligible.isEmpty else { return }
        eligible.sort()
        let pageSize = self.pageSize
        let runPagesMax = max(1, (1 << 20) / pageSize)
        var run: [UInt8] = []
        run.reserveCapacity(min(eligible.count, runPagesMax) * pageSize)
        var runStart = eligible[0]
        var runPages = 0
        func flush() throws(SombraError) {
            guard runPages > 0 else { return }
            try pager.db.write(run, at: runStart.rawValue * UInt64(pageSize))
            run.removeAll(keepingCapacity: true)
            runPages = 0
        }
        for id in eligible {
            guard var bytes = dirty[id] else { continue }
            if runPages == runPagesMax || (runPages > 0 && id.rawValue != runStart.rawValue + UInt64(runPages)) {
                try flush()
            }
            if runPages == 0 { runStart = id }
            PageHeader.seal(&bytes, page: id, txID: txID)
            run.append(contentsOf: bytes)
            runPages += 1
        }
        try flush()
        for id in eligible {
            dirty[id] = nil
            direct.insert(id)
        }
        directUnsynced = true
    }

    /// How many dirty pages a commit now would append to the log before its commit frame (the others
    /// would go into the database file), by the same rule as `writeDirectPages`.
    var logBodyPageCount: Int {
        guard goesDirect else { return dirty.count }
        var eligible = 0
        for id in dirty.keys where isFresh(id) && spilled[id] == nil { eligible += 1 }
        return dirty.count - eligible
    }

    /// Reads back a page this transaction wrote directly (invariant 3).
    func readDirectPage(_ id: PageID) throws(SombraError) -> [UInt8] {
        let bytes = try pager.db.read(at: id.rawValue * UInt64(pageSize), count: pageSize)
        guard bytes.count == pageSize else {
            throw .corruptPage(page: id.rawValue, reason: "database file ends before a page this transaction wrote")
        }
        _ = try PageHeader.verify(bytes, page: id, pageSize: pageSize)
        return bytes
    }

    /// Commit's part (invariant 2): writes the remaining eligible pages and syncs the file if anything
    /// was written directly. A write failure rolls back; a sync failure poisons the pager and rolls back.
    func finishDirectPages() throws(SombraError) {
        do throws(SombraError) {
            try writeDirectPages()
        } catch {
            rollback()
            throw error
        }
        guard directUnsynced else { return }
        if pager.options.syncMode != .off {
            do throws(SombraError) {
                try pager.db.sync()
            } catch {
                pager.poison(error)
                rollback()
                throw error
            }
        }
        directUnsynced = false
    }
}
