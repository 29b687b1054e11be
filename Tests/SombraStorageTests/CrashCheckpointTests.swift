// Crash at every step of a checkpoint (reliability guide C6): after a clean workload prefix, the machine
// crashes at operation N = 1, 2, ... of one checkpoint (until it completes unharmed). Scenarios: a full
// checkpoint that restarts the log, one held back by a live reader, the second half after a partial one, the
// automatic checkpoint inside a commit, a checkpoint in `normal` mode (its first step makes the log durable),
// and a clean close (checkpoint, remove the log, sync the directory). Every crash image must reopen to the
// committed state (a checkpoint changes no logical state), and a checkpoint run again on the recovered
// database, then a clean close and reopen, must leave that state unchanged.
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

@Suite("Crash during checkpoint")
struct CrashCheckpointTests {
    struct Scenario {
        var name: String
        var config: WorkloadConfig
        /// The clean prefix; returns nothing, leaves the driver's pager open.
        var setup: (ModelDriver) throws(SombraError) -> Void
        /// The operations crashed at each step.
        var action: (ModelDriver) throws(SombraError) -> Void
    }

    struct Tally {
        var points = 0
        var images = ImageTally()
        var redone = 0
        var redoFailures = 0
    }

    static func config(seed: UInt64, _ sync: SyncMode = .full, threshold: Int = 1 << 30) -> WorkloadConfig {
        var c = WorkloadConfig(seed: seed, steps: 0)
        c.options = durabilityOptions(sync, checkpointThresholdBytes: threshold)
        c.checkpointPercent = 0
        c.readerPercent = 0
        c.closeAtEnd = false
        return c
    }

    static func checkpoint(_ d: ModelDriver) throws(SombraError) {
        guard let p = d.pager else { throw .closed }
        try p.checkpoint()
    }

    static func startReader(_ d: ModelDriver) throws(SombraError) {
        guard let p = d.pager else { throw .closed }
        d.reader = (try p.beginRead(), d.acked, Int.max)
    }

    /// Index (0-based) of the first step of `config`'s workload whose commit runs an automatic checkpoint.
    static func firstAutoCheckpointStep(_ config: WorkloadConfig) -> Int? {
        let fs = SimulatedFileSystem()
        let d = ModelDriver(fs: fs, config: config)
        do throws(SombraError) {
            try d.open()
            for i in 0..<60 {
                try d.run(steps: 1)
                if (d.pager?.stats.checkpoints ?? 0) > 0 { return i }
            }
        } catch {
            return nil
        }
        return nil
    }

    static func scenarios() -> [Scenario] {
        let auto = config(seed: 65, threshold: 20 * 4136)
        let autoStep = firstAutoCheckpointStep(auto) ?? 0
        return [
            Scenario(name: "full checkpoint and log restart", config: config(seed: 61),
                     setup: { d throws(SombraError) in try d.run(steps: 16) }, action: checkpoint),
            Scenario(name: "checkpoint held back by a reader", config: config(seed: 62),
                     setup: { d throws(SombraError) in
                         try d.run(steps: 8); try startReader(d); try d.run(steps: 8)
                     }, action: checkpoint),
            Scenario(name: "second checkpoint after a partial one", config: config(seed: 63),
                     setup: { d throws(SombraError) in
                         try d.run(steps: 8); try startReader(d); try d.run(steps: 8)
                         try checkpoint(d); d.endReader(); try d.run(steps: 3)
                     }, action: checkpoint),
            Scenario(name: "checkpoint in normal mode", config: config(seed: 64, .normal),
                     setup: { d throws(SombraError) in try d.run(steps: 16) }, action: checkpoint),
            Scenario(name: "automatic checkpoint inside a commit", config: auto,
                     setup: { d throws(SombraError) in try d.run(steps: autoStep) },
                     action: { d throws(SombraError) in try d.run(steps: 1) }),
            Scenario(name: "clean close", config: config(seed: 66),
                     setup: { d throws(SombraError) in try d.run(steps: 16) },
                     action: { d throws(SombraError) in
                         d.endReader(); try d.pager?.close(); d.pager = nil
                     }),
        ]
    }

    /// Reopens `image`, checkpoints, closes, reopens: the state must stay `expected`.
    static func redo(_ image: SimulatedFileSystem, driver: ModelDriver, expected: ModelState, context: String,
                     tally: inout Tally) {
        do throws(SombraError) {
            let p = try Pager.open(path: dbPath, options: driver.config.options, fileSystem: image)
            try p.checkpoint()
            try p.close()
        } catch {
            tally.redoFailures += 1
            tally.images.note("\(context) [\(image.label)]: checkpoint after recovery failed: \(error)")
            return
        }
        let again = checkImage(image, driver: driver, context: context + " after redo", tally: &tally.images,
                               allowed: expected.txID...expected.txID)
        if again == expected { tally.redone += 1 } else { tally.redoFailures += 1 }
    }

    static func run(_ s: Scenario, tally: inout Tally) {
        var completed = false
        for n in 1...5_000 {
            let fs = SimulatedFileSystem()
            let driver = ModelDriver(fs: fs, config: s.config)
            do throws(SombraError) {
                try driver.open()
                try s.setup(driver)
            } catch {
                tally.images.openFailures += 1
                tally.images.note("\(s.name): setup failed: \(error)")
                return
            }
            let syncsBefore = fs.counters.syncs(walPath)
            fs.faultPlan = .crash(at: n)
            do throws(SombraError) { try s.action(driver) } catch { driver.lastError = error }
            if !fs.faultHasFired { completed = true; break }
            tally.points += 1
            if let e = driver.lastError, !isCrashError(e) {
                tally.images.openFailures += 1
                tally.images.note("\(s.name) crash at op \(n): failed with \(e)")
            }
            // Once the step synced the log, every commit so far (an in-flight one included) is durable.
            var allowed = driver.allowed
            if fs.counters.syncs(walPath) > syncsBefore { allowed = allowed.upperBound...allowed.upperBound }
            let context = "\(s.name): crash at op \(n)"
            let images = fs.imagesWithPendingPrefixes() + [fs.imageWithRandomSubset(seed: UInt64(n)), fs.snapshotAllApplied()]
            for (i, image) in images.enumerated() {
                let isProcessCrash = i == images.count - 1
                let range = isProcessCrash ? max(driver.acked, allowed.lowerBound)...allowed.upperBound : allowed
                guard let state = checkImage(image, driver: driver, context: context, tally: &tally.images, allowed: range)
                else { continue }
                redo(image, driver: driver, expected: state, context: context, tally: &tally)
            }
        }
        if !completed { tally.images.note("\(s.name): never completed") }
    }

    @Test("a crash at any step of a checkpoint or a clean close loses nothing, and the checkpoint is redone safely")
    func crashDuringCheckpoint() {
        var tally = Tally()
        let scenarios = Self.scenarios()
        for s in scenarios { Self.run(s, tally: &tally) }
        let t = tally.images
        print("checkpoint-crash: scenarios: \(scenarios.count) points: \(tally.points) images: \(t.images) lost: \(t.lost) partial-txns: \(t.partial) leaked-pages: \(t.leaked) redone: \(tally.redone) redo-failures: \(tally.redoFailures)")
        for f in t.failures { Issue.record(Comment(rawValue: f)) }
        #expect(tally.points >= 100)
        #expect(t.violations == 0)
        #expect(tally.redoFailures == 0)
    }
}
