// Crash during recovery (reliability guide C7): a first crash leaves a post-crash image (durable-only or a
// seeded random subset of the unsynced writes); recovering it (open, then a checkpoint and a clean close) is
// crashed at its operation M = 1, 2, ... until it completes; every image of that second crash (durable-only,
// a random subset, everything applied) must reopen cleanly to exactly the state a clean recovery of the
// first image shows. Recovery is read-only until it
// has validated and idempotent, so a second crash may lose nothing that the first image held.
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

@Suite("Crash during recovery")
struct CrashRecoveryTests {
    struct Tally {
        var firstImages = 0
        var points = 0
        var images = ImageTally()
        var recoveriesCompleted = 0
    }

    /// Recovery as a restarted application runs it: open, checkpoint, clean close.
    static func recover(_ fs: SimulatedFileSystem, options: PagerOptions) throws(SombraError) {
        let p = try Pager.open(path: dbPath, options: options, fileSystem: fs)
        try p.checkpoint()
        try p.close()
    }

    static func doubleCrash(_ first: SimulatedFileSystem, driver: ModelDriver, context: String, tally: inout Tally) {
        tally.firstImages += 1
        // The state a clean recovery of the first image shows (itself checked against the model).
        guard let expected = checkImage(first.snapshotAllApplied(), driver: driver, context: context,
                                        tally: &tally.images) else { return }
        let exact = expected.txID...expected.txID
        for m in 1...2_000 {
            let fs = first.snapshotAllApplied()
            fs.faultPlan = .crash(at: m)
            var failure: SombraError? = nil
            do throws(SombraError) { try recover(fs, options: driver.config.options) } catch { failure = error }
            if !fs.faultHasFired {
                fs.faultPlan = nil
                if let error = failure {
                    tally.images.openFailures += 1
                    tally.images.note("\(context): clean recovery failed: \(error)")
                } else {
                    tally.recoveriesCompleted += 1
                    checkImage(fs, driver: driver, context: context + " recovered", tally: &tally.images, allowed: exact)
                }
                return
            }
            tally.points += 1
            if let error = failure, !isCrashError(error) {
                tally.images.openFailures += 1
                tally.images.note("\(context), second crash at op \(m): failed with \(error)")
            }
            let second = [fs.durableImage(), fs.imageWithRandomSubset(seed: UInt64(m) &* 31), fs.snapshotAllApplied()]
            for image in second {
                checkImage(image, driver: driver, context: "\(context), second crash at op \(m)",
                           tally: &tally.images, allowed: exact)
            }
        }
        tally.images.note("\(context): recovery never completed")
    }

    @Test("a crash at any operation of recovery (open, checkpoint, close) after a crash loses nothing")
    func crashDuringRecovery() {
        var config = WorkloadConfig(seed: 71, steps: 30)
        config.options = durabilityOptions(.full, checkpointThresholdBytes: 40 * 4136)
        var tally = Tally()
        var firstCrashes = 0
        var n = 1
        while n < 5_000 {
            let fs = SimulatedFileSystem()
            fs.faultPlan = .crash(at: n)
            let driver = ModelDriver(fs: fs, config: config)
            driver.runUntilError()
            if !fs.faultHasFired { break }
            firstCrashes += 1
            let context = "first crash at op \(n)"
            Self.doubleCrash(fs.durableImage(), driver: driver, context: context, tally: &tally)
            Self.doubleCrash(fs.imageWithRandomSubset(seed: UInt64(n)), driver: driver, context: context, tally: &tally)
            n += 11
        }
        let t = tally.images
        print("recovery-crash: first-crashes: \(firstCrashes) first-images: \(tally.firstImages) points: \(tally.points) images: \(t.images) lost: \(t.lost) partial-txns: \(t.partial) leaked-pages: \(t.leaked) open-failures: \(t.openFailures) creation-errors: \(t.creationErrors)")
        for f in t.failures { Issue.record(Comment(rawValue: f)) }
        #expect(tally.points >= 500)
        #expect(t.violations == 0)
    }
}
