// Stale and foreign log frames (reliability guide C5): frames of an earlier log generation (spliced after,
// or into, the current log once a checkpoint restarted it), the current log's own frames replayed at its end,
// a whole earlier-generation log beside a database checkpointed past it, and a log copied from another
// database (same or another page size) must never be applied. The reopened database shows exactly the
// commits of its own current log (or, for a whole stale log, open refuses with a typed error).
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

@Suite("Stale and foreign log frames")
struct StaleFrameTests {
    static let frameSize = WALFrameHeader.frameSize(pageSize: 4096)

    static func config(seed: UInt64, steps: Int, pageSize: Int = 4096) -> WorkloadConfig {
        var c = WorkloadConfig(seed: seed, steps: steps)
        c.checkpointPercent = 0
        c.readerPercent = 0
        c.closeAtEnd = false
        c.options.pageSize = pageSize
        return c
    }

    /// The frames of `log` as its length words lay them out (FORMAT.md: whole pages and deltas).
    static func layout(_ log: [UInt8]) -> [(offset: Int, payloadBytes: Int)] {
        WALFrameHeader.layout(of: log, pageSize: 4096)
    }

    static func frame(_ log: [UInt8], _ n: Int) -> [UInt8] {
        let f = layout(log)[n - 1]
        return Array(log[f.offset..<(f.offset + WALFrameHeader.size + f.payloadBytes)])
    }

    /// The current generation's frames of `log`: its header and the frames from 1 that carry its salt. A
    /// restart keeps the log's length, so the old generation's frames follow them in the file.
    static func currentGeneration(_ log: [UInt8]) -> [UInt8] {
        let salt = log.loadLE(UInt64.self, at: 32)
        var end = WALHeader.size
        for f in layout(log) {
            guard log.loadLE(UInt64.self, at: f.offset + 24) == salt else { break }
            end = f.offset + WALFrameHeader.size + f.payloadBytes
        }
        return Array(log[..<end])
    }

    /// Commits of `log` whose commit frame ends at or before byte `end`: the last one's TxID.
    static func lastCommit(in log: [UInt8], before end: Int) -> UInt64? {
        var last: UInt64? = nil
        for f in layout(log) where f.offset + WALFrameHeader.size + f.payloadBytes <= min(end, log.count) {
            if log.loadLE(UInt64.self, at: f.offset + 16) != 0 { last = log.loadLE(UInt64.self, at: f.offset + 8) }
        }
        return last
    }

    struct Tally {
        var cases = 0
        var applied = 0
        var refused = 0
        var images = ImageTally()
    }

    /// Reopens `image` (whose log was replaced by `log`); it must show exactly `expected`, or, if
    /// `mayRefuse`, fail with a typed log error.
    static func check(_ base: SimulatedFileSystem, log: [UInt8], driver: ModelDriver, expected: UInt64,
                      mayRefuse: Bool = false, context: String, tally: inout Tally) {
        let image = base.snapshotAllApplied()
        image.setContents(of: walPath, log)
        tally.cases += 1
        if mayRefuse {
            do throws(SombraError) {
                let p = try Pager.open(path: dbPath, options: driver.config.options, fileSystem: image)
                abandon(p)
            } catch {
                if case .corruptWAL = error { tally.refused += 1 } else { tally.applied += 1 }
                return
            }
        }
        let before = tally.images.violations
        let state = checkImage(image, driver: driver, context: context, tally: &tally.images, allowed: expected...expected)
        if state?.txID != expected || tally.images.violations > before { tally.applied += 1 }
    }

    @Test("frames of an earlier log generation, or replayed frames of the current one, are never applied")
    func staleGenerations() throws {
        let fs = SimulatedFileSystem()
        let driver = ModelDriver(fs: fs, config: Self.config(seed: 51, steps: 14))
        driver.runUntilError()
        let pager = try #require(driver.pager)
        let oldLog = try #require(fs.contents(of: walPath))
        #expect(try pager.checkpoint().logRestarted)
        let restartTxID = driver.acked
        try driver.run(steps: 5)
        let logFile = try #require(fs.contents(of: walPath))
        // The restart kept the log's length: the new generation's frames overwrote the first old ones.
        #expect(logFile.count == oldLog.count)
        let newLog = Self.currentGeneration(logFile)
        let base = fs.snapshotAllApplied()
        let oldFrames = Self.layout(oldLog).count
        let newFrames = Self.layout(newLog).count
        #expect(newFrames >= 2 && oldFrames > newFrames + 4)
        var tally = Tally()
        // 1. The old generation's frames follow the new ones (the log as the restart left it).
        Self.check(base, log: newLog + oldLog[newLog.count...], driver: driver, expected: driver.acked,
                   context: "old tail after new frames", tally: &tally)
        // 2. Each old frame (1...oldFrames) placed right after the new log's last frame.
        for j in 1...oldFrames {
            Self.check(base, log: newLog + Self.frame(oldLog, j), driver: driver, expected: driver.acked,
                       context: "old frame \(j) appended", tally: &tally)
        }
        // 3. Each new frame replaced by the old frame at the same position (the rest of the old log after it).
        for i in 1...newFrames {
            let at = Self.layout(newLog)[i - 1].offset
            let spliced = Array(newLog[..<at]) + oldLog[at...]
            let expected = Self.lastCommit(in: newLog, before: at) ?? restartTxID
            Self.check(base, log: spliced, driver: driver, expected: expected,
                       context: "old frames from position \(i)", tally: &tally)
        }
        // 4. The current log's own frames replayed after its end.
        for j in 1...newFrames {
            Self.check(base, log: newLog + Self.frame(newLog, j), driver: driver, expected: driver.acked,
                       context: "own frame \(j) replayed", tally: &tally)
        }
        // 5. A whole earlier-generation log beside a file checkpointed past it.
        try pager.checkpoint()
        let checkpointed = fs.snapshotAllApplied()
        abandon(pager)
        Self.check(checkpointed, log: oldLog, driver: driver, expected: driver.acked, mayRefuse: true,
                   context: "whole old log beside a newer file", tally: &tally)
        print("stale-frames: cases: \(tally.cases) applied: \(tally.applied) refused-with-typed-error: \(tally.refused) old-frames: \(oldFrames) new-frames: \(newFrames)")
        for f in tally.images.failures { Issue.record(Comment(rawValue: f)) }
        #expect(tally.applied == 0)
    }

    @Test("a log copied from another database (same or another page size) is never applied, and the fresh log that replaces it works")
    func foreignLog() throws {
        let fs = SimulatedFileSystem()
        var ours = Self.config(seed: 52, steps: 12)
        ours.closeAtEnd = true
        let driver = ModelDriver(fs: fs, config: ours)
        driver.runUntilError()
        #expect(driver.lastError == nil)
        #expect(!fs.exists(walPath))
        var tally = Tally()
        for (seed, pageSize) in [(53 as UInt64, 4096), (54, 8192)] {
            let other = SimulatedFileSystem()
            let otherDriver = ModelDriver(fs: other, config: Self.config(seed: seed, steps: 12, pageSize: pageSize))
            otherDriver.runUntilError()
            let foreign = try #require(other.contents(of: walPath))
            #expect(otherDriver.acked > driver.acked || pageSize != 4096)
            Self.check(fs, log: foreign, driver: driver, expected: driver.acked,
                       context: "log of another database, page size \(pageSize)", tally: &tally)
            // The open replaced the foreign log; a commit after it survives a crash.
            let image = fs.snapshotAllApplied()
            image.setContents(of: walPath, foreign)
            let pager = try Pager.open(path: dbPath, options: ours.options, fileSystem: image)
            let tx = try pager.beginWrite()
            let page = try tx.allocate(.btreeLeaf)
            try writeModelPayload(tx, page, 77)
            try tx.commit()
            let after = image.durableImage()
            abandon(pager)
            let again = try Pager.open(path: dbPath, options: ours.options, fileSystem: after)
            let r = try again.beginRead()
            #expect(r.snapshotID.rawValue == driver.acked + 1)
            #expect(try r.page(page).loadLE(UInt64.self, at: 16) == 77)
            r.end()
            abandon(again)
        }
        print("foreign-log: cases: \(tally.cases) applied: \(tally.applied)")
        for f in tally.images.failures { Issue.record(Comment(rawValue: f)) }
        #expect(tally.applied == 0)
    }
}

extension StaleFrameTests {
    @Test("frames left beyond the recovered end of the log are never revived by a retried identical transaction")
    func tailBeyondRecoveredEnd() throws {
        // Two unsynced commits (normal mode); power loss keeps the second one's frames but not the first's.
        var c = Self.config(seed: 55, steps: 10)
        c.options = durabilityOptions(.normal)
        let fs = SimulatedFileSystem()
        let driver = ModelDriver(fs: fs, config: c)
        driver.runUntilError()
        let pager = try #require(driver.pager)
        #expect(try pager.checkpoint().logRestarted)
        try driver.writeTransaction(pager, big: false, commit: true, seed: 901, actions: 2)
        let first = driver.history.last!
        try driver.writeTransaction(pager, big: false, commit: true, seed: 902, actions: 2)
        let second = driver.history.last!
        let image = fs.snapshotAllApplied()
        abandon(pager)
        // The write of the first commit's frames was lost: its first frame (frame 1 of the restarted log)
        // never reached the disk (zeros).
        try image.overwrite(path: walPath, byteOffset: WALHeader.size, with: [UInt8](repeating: 0, count: Self.frameSize))
        var tally = ImageTally()
        // Recovery stops at the zeroed frame: the state before both commits.
        let recovered = checkImage(image, driver: driver, context: "first commit lost", tally: &tally,
                                   allowed: (first.txID - 1)...(first.txID - 1))
        #expect(recovered?.txID == first.txID - 1)
        // The application retries the first transaction: byte-identical frames at the same place.
        let retry = try Pager.open(path: dbPath, options: c.options, fileSystem: image)
        let retryDriver = ModelDriver(fs: image, config: c)
        retryDriver.history = Array(driver.history.prefix(Int(first.txID)))
        retryDriver.pager = retry
        retryDriver.opened = true
        try retryDriver.writeTransaction(retry, big: false, commit: true, seed: 901, actions: 2)
        #expect(retryDriver.history.last == first)
        abandon(retry)  // the process exits without a clean close
        // The second commit was never acknowledged in this history; it must not come back.
        let state = checkImage(image, driver: retryDriver, context: "after identical retry", tally: &tally,
                               allowed: first.txID...first.txID)
        print("revived-tail: shows-tx: \(state?.txID ?? 0) retried-tx: \(first.txID) stale-tx: \(second.txID)")
        for f in tally.failures { Issue.record(Comment(rawValue: f)) }
        #expect(state == first)
    }
}
