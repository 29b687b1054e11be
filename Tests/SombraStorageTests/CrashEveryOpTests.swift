// Crash at every I/O operation of page workloads (reliability guide C1, C2): for N = 1, 2, ... the N-th
// counted operation crashes the simulated machine, until a run completes without the fault firing. Each
// crash is examined in many post-crash images (every prefix of the unsynced writes, the process-crash image,
// seeded random subsets that keep, drop or tear each unsynced write) and every image must reopen to a
// committed prefix of the model (PageModel.swift): no acknowledged commit lost, no partial transaction,
// no leaked page.
import Testing
import SombraFormat
import SombraIO
import SombraStorage
import SombraTestSupport

/// The result of crashing a workload at each of its operations in turn.
struct CrashSweep {
    var crashPoints = 0
    var tally = ImageTally()
    var completed = false
    var commits = 0
    var rollbacksAndCheckpoints = 0
}

/// Crashes `config`'s workload at operation 1, 2, ... until it completes (C1), checking every image (C2).
func crashEveryOperation(_ config: WorkloadConfig, randomSeeds: Int, maxPoints: Int = 20_000) -> CrashSweep {
    var sweep = CrashSweep()
    for n in 1...maxPoints {
        let fs = SimulatedFileSystem()
        fs.faultPlan = .crash(at: n)
        let driver = ModelDriver(fs: fs, config: config)
        driver.runUntilError()
        let context = "seed \(config.seed) \(config.options.syncMode) crash at op \(n)"
        for v in driver.violations { sweep.tally.partial += 1; sweep.tally.note("\(context): \(v)") }
        if !fs.faultHasFired {
            sweep.completed = true
            sweep.commits = Int(driver.acked)
            sweep.rollbacksAndCheckpoints = driver.stepsDone - sweep.commits
            if let e = driver.lastError { sweep.tally.openFailures += 1; sweep.tally.note("\(context): clean run failed: \(e)") }
            // The clean run's final state must reopen exactly.
            checkImage(fs.snapshotAllApplied(), driver: driver, context: context + " (clean)", tally: &sweep.tally,
                       allowed: driver.acked...driver.acked)
            break
        }
        sweep.crashPoints += 1
        if let e = driver.lastError, !isCrashError(e) {
            sweep.tally.openFailures += 1
            sweep.tally.note("\(context): the workload failed with \(e) instead of the crash")
        }
        let seeds = (0..<UInt64(randomSeeds)).map { UInt64(n) &* 7919 &+ $0 &+ config.seed }
        checkCrashImages(fs, driver: driver, randomSeeds: seeds, context: context, tally: &sweep.tally)
    }
    return sweep
}

@Suite("Crash at every operation")
struct CrashEveryOpTests {
    @Test("a crash at any I/O operation of three workloads (full, normal, group commit), in any post-crash image, reopens to a committed prefix")
    func crashEveryOpFull() {
        var config = WorkloadConfig(seed: 11, steps: 60)
        config.options = durabilityOptions(.full, checkpointThresholdBytes: 96 * 4136)
        let full = crashEveryOperation(config, randomSeeds: 3)
        var normalConfig = WorkloadConfig(seed: 12, steps: 40)
        normalConfig.options = durabilityOptions(.normal, checkpointThresholdBytes: 64 * 4136)
        let normal = crashEveryOperation(normalConfig, randomSeeds: 3)
        var groupConfig = WorkloadConfig(seed: 13, steps: 30)
        groupConfig.options = durabilityOptions(.groupCommit)
        let group = crashEveryOperation(groupConfig, randomSeeds: 2)
        let sweeps = [full, normal, group]
        let points = sweeps.reduce(0) { $0 + $1.crashPoints }
        var total = ImageTally()
        for s in sweeps {
            total.images += s.tally.images
            total.lost += s.tally.lost
            total.partial += s.tally.partial
            total.leaked += s.tally.leaked
            total.openFailures += s.tally.openFailures
            total.creationErrors += s.tally.creationErrors
            for f in s.tally.failures { total.note(f) }
        }
        print("crash-every-op: crash-points: \(points) images: \(total.images) lost-commits: \(total.lost) partial-txns: \(total.partial) leaked-pages: \(total.leaked) open-failures: \(total.openFailures) creation-errors: \(total.creationErrors) commits-full: \(full.commits) steps-full: 60 seeds: 11,12,13")
        for f in total.failures { Issue.record(Comment(rawValue: f)) }
        #expect(sweeps.allSatisfy { $0.completed })
        #expect(full.commits >= 40)
        #expect(total.images >= 5000)
        #expect(total.violations == 0)
    }
}
