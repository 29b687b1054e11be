// Large transactions writing their fresh pages straight into the database file (DirectWrite.swift):
// the pages bypass the log, the file is synced before the commit frame, and a crash at any I/O operation of
// such a transaction -- in any post-crash image -- reopens to a committed prefix: committed data intact,
// uncommitted pages invisible, none leaked. A file left longer than the committed page count opens, and the
// next transactions grow into that space (through the log and directly) and read back exactly.
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

@Suite("Direct writes of large transactions")
struct DirectWriteTests {
    /// Durability options whose big transactions (12 allocations, spilling past 4 dirty pages) go direct.
    static func options(_ sync: SyncMode) -> PagerOptions {
        var o = durabilityOptions(sync, checkpointThresholdBytes: 48 * 4136)
        o.directWritePagesMin = 4
        return o
    }

    static func config(seed: UInt64, steps: Int, _ sync: SyncMode) -> WorkloadConfig {
        var c = WorkloadConfig(seed: seed, steps: steps)
        c.options = options(sync)
        c.bigPercent = 30
        return c
    }

    @Test("a large transaction writes its fresh pages to the file, not the log, and syncs the file once before its commit frame")
    func pagesBypassTheLog() throws {
        let fs = SimulatedFileSystem()
        let pager = try Pager.open(path: dbPath, options: Self.options(.full), fileSystem: fs)
        let setup = try pager.beginWrite()
        let first = try setup.allocate(.btreeLeaf)
        try writeModelPayload(setup, first, 1)
        try setup.commit()
        fs.resetCounters()
        let framesBefore = pager.stats.walFrames
        let tx = try pager.beginWrite()
        var pages: [PageID] = []
        for i in 0..<40 {
            let p = try tx.allocate(.btreeLeaf)
            try writeModelPayload(tx, p, UInt64(100 + i))
            pages.append(p)
        }
        try writeModelPayload(tx, first, 2)
        try tx.commit()
        let c = fs.counters
        let logFrames = Int(pager.stats.walFrames - framesBefore)
        let logBytes = c.bytesWrittenByPath[walPath] ?? 0
        let filePages = (c.bytesWrittenByPath[dbPath] ?? 0) / 4096
        print("direct-write: pages: 40 file-pages-written: \(filePages) log-frames: \(logFrames) file-syncs: \(c.syncs(dbPath)) log-syncs: \(c.syncs(walPath))")
        #expect(filePages == 40)
        #expect(logFrames == 2)  // the one old page and the commit frame
        #expect(logBytes <= 2 * WALFrameHeader.frameSize(pageSize: 4096))
        #expect(c.syncs(dbPath) == 1 && c.syncs(walPath) == 1)
        // Readers see them (from the file), and a checkpoint has only the old page to copy.
        let r = try pager.beginRead()
        for (i, p) in pages.enumerated() { #expect(try payload(r, p) == UInt64(100 + i)) }
        r.end()
        #expect(try pager.checkpoint().pagesWritten == 2)  // page 0 and `first`
        try pager.close()
        let again = try Pager.open(path: dbPath, options: Self.options(.full), fileSystem: fs)
        let r2 = try again.beginRead()
        for (i, p) in pages.enumerated() { #expect(try payload(r2, p) == UInt64(100 + i)) }
        #expect(try payload(r2, first) == 2)
        r2.end()
        try again.close()
    }

    @Test("a crash at any I/O operation of workloads with large direct-write transactions (full, normal) reopens to a committed prefix")
    func crashEveryOperationDirect() {
        let full = crashEveryOperation(Self.config(seed: 61, steps: 40, .full), randomSeeds: 3)
        let normal = crashEveryOperation(Self.config(seed: 62, steps: 30, .normal), randomSeeds: 3)
        var total = ImageTally()
        for s in [full, normal] {
            total.images += s.tally.images
            total.lost += s.tally.lost
            total.partial += s.tally.partial
            total.leaked += s.tally.leaked
            total.openFailures += s.tally.openFailures
            for f in s.tally.failures { total.note(f) }
        }
        print("crash-every-op-direct: crash-points: \(full.crashPoints + normal.crashPoints) images: \(total.images) lost-commits: \(total.lost) partial-txns: \(total.partial) leaked-pages: \(total.leaked) open-failures: \(total.openFailures) commits-full: \(full.commits) seeds: 61,62")
        for f in total.failures { Issue.record(Comment(rawValue: f)) }
        #expect(full.completed && normal.completed)
        #expect(full.commits >= 25)
        #expect(total.images >= 3000)
        #expect(total.violations == 0)
    }

    @Test("EIO on any operation and failed file syncs during large direct-write transactions: typed errors, poison only where designed, nothing lost or corrupt")
    func ioFaultsDirect() {
        var t = FaultTally()
        var c = Self.config(seed: 64, steps: 20, .full)
        c.closeAtEnd = false
        c.checkpointPercent = 12
        for persistent in [false, true] {
            sweepFaults(config: c, tally: &t) { .ioError(at: $0, persistent: persistent) }
        }
        sweepFaults(config: c, tally: &t) { .failingSync(at: $0, pathSuffix: ".db") }
        sweepFaults(config: c, tally: &t) { .diskFull(at: $0, persistent: false, pathSuffix: ".db") }
        IOFaultTests.report("io-faults-direct", t)
        #expect(t.points >= 100)
        #expect(t.violations == 0)
    }

    @Test("a crash at every I/O of one large transaction leaves the file longer than the committed page count; it opens, and growth reuses that space")
    func crashInsideLargeTransaction() throws {
        let config = Self.config(seed: 63, steps: 12, .full)
        var points = 0, images = 0, longerFiles = 0, reused = 0
        var tally = ImageTally()
        for n in 1...400 {
            let fs = SimulatedFileSystem()
            var c = config
            c.closeAtEnd = false
            let driver = ModelDriver(fs: fs, config: c)
            driver.runUntilError()
            let pager = try #require(driver.pager)
            fs.faultPlan = .crash(at: n)
            do throws(SombraError) {
                try driver.writeTransaction(pager, big: true, commit: true, seed: 777, actions: 30)
            } catch {
                driver.lastError = error
            }
            guard fs.faultHasFired else { break }
            points += 1
            for (image, allowed) in [(fs.durableImage(), driver.allowed),
                                     (fs.snapshotAllApplied(), driver.allowedAfterProcessCrash)] {
                images += 1
                guard let state = checkImage(image, driver: driver, context: "crash at op \(n) of a large transaction",
                                             tally: &tally, allowed: allowed) else { continue }
                let fileBytes = image.contents(of: dbPath)?.count ?? 0
                if fileBytes > Int(state.pageCount) * 4096 { longerFiles += 1 }
                // Carry on from the recovered state: small and large transactions grow into the stale space.
                let next = ModelDriver(fs: image, config: c)
                next.history = Array(driver.history.prefix(Int(min(state.txID, driver.acked)) + 1))
                if state.txID > driver.acked, let p = driver.pending { next.history.append(p) }
                do throws(SombraError) {
                    try next.open()
                    guard let p = next.pager else { throw SombraError.closed }
                    try next.writeTransaction(p, big: false, commit: true, seed: 778, actions: 3)
                    try next.writeTransaction(p, big: true, commit: true, seed: 779, actions: 30)
                    try next.writeTransaction(p, big: true, commit: false, seed: 780, actions: 20)
                    try next.writeTransaction(p, big: false, commit: true, seed: 781, actions: 4)
                    try p.close()
                    next.pager = nil
                } catch {
                    tally.openFailures += 1
                    tally.note("crash at op \(n): continuing after recovery failed: \(error)")
                    continue
                }
                tally.partial += next.violations.count
                for v in next.violations { tally.note("crash at op \(n): \(v)") }
                if checkImage(image, driver: next, context: "crash at op \(n), then growth", tally: &tally,
                              allowed: next.acked...next.acked) == next.current {
                    reused += 1
                }
            }
        }
        print("direct-crash-inside: crash-points: \(points) images: \(images) file-longer-than-page-count: \(longerFiles) continued-exactly: \(reused) lost: \(tally.lost) partial: \(tally.partial) leaked: \(tally.leaked) open-failures: \(tally.openFailures)")
        for f in tally.failures { Issue.record(Comment(rawValue: f)) }
        #expect(points >= 5)
        #expect(longerFiles > 0)
        #expect(reused == images)
        #expect(tally.violations == 0)
    }
}

@Test("a write transaction's own dirty budget bounds the pages it holds in memory, and its pages read back")
func transactionDirtyBudget() throws {
    let fs = SimulatedFileSystem()
    let pager = try Pager.open(path: dbPath, options: DirectWriteTests.options(.full), fileSystem: fs)
    let tx = try pager.beginWrite()
    tx.dirtyBytesMax = 16 * pager.pageSize
    var pages: [PageID] = []
    var mostHeld = 0
    for i in 0..<300 {
        let p = try tx.allocate(.btreeLeaf)
        try writeModelPayload(tx, p, UInt64(i))
        pages.append(p)
        mostHeld = max(mostHeld, tx.dirty.count)
    }
    try tx.commit()
    let r = try pager.beginRead()
    for (i, p) in pages.enumerated() { #expect(try r.page(p).loadLE(UInt64.self, at: 16) == UInt64(i)) }
    r.end()
    print("txn-dirty-budget: pages: 300 budget-pages: 16 pager-budget-pages: 4 most-held: \(mostHeld)")
    // The transaction's budget (16 pages), not the pager's (4), decides when it spills.
    #expect(mostHeld >= 16 && mostHeld <= 17)
}
