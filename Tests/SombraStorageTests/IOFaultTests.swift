// I/O errors, failed syncs and a full disk (reliability guide C8, C9, C10). A workload runs the way an
// application would: a failed step is reported and the application goes on; a poisoned handle is closed and
// the database reopened; a persistent fault clears after two failures in a row (the disk comes back, space
// is freed). For every fault point N = 1, 2, ... (until the run completes without the fault firing):
//  - every error is typed (EIO, ENOSPC, or `poisoned` for a handle an earlier failure poisoned);
//  - the handle is poisoned exactly where the design says: after any failed sync and any failure at or after
//    the commit frame; a failed append of a commit's page frames, a failed read or a failed checkpoint copy
//    leaves it usable, and the next commit on the same handle succeeds once the fault is gone;
//  - a poisoned handle refuses writes and checkpoints, and power loss right then keeps every acknowledged
//    commit (never "success, then lost");
//  - every reopen shows the last acknowledged commit or the in-flight one; at the end, a clean close and
//    reopen shows exactly the last acknowledged commit (corrupt 0, false successes 0).
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

struct FaultTally {
    var points = 0
    var fired = 0
    var images = ImageTally()
    var falseSuccesses = 0
    var poisonViolations = 0
    var unexpectedErrors = 0
    var resumed = 0
    var resumeFailures = 0
    var poisoned = 0
    /// ENOSPC by where it struck: log growth, database file growth (checkpoint), other.
    var logGrowth = 0
    var fileGrowth = 0
    var checkpointCopy = 0
    var otherDiskFull = 0
    /// Failed creations that left an empty file (its removal failed too).
    var creationLeftovers = 0

    var corrupt: Int { images.partial + images.leaked + images.openFailures + unexpectedErrors }
    var violations: Int { corrupt + falseSuccesses + images.lost + poisonViolations + resumeFailures }

    mutating func note(_ m: String) { images.note(m) }
}

/// How a run injects its fault.
enum FaultSource {
    case plan(FaultPlan)
    /// After `afterSteps` steps the disk holds only `slackBytes` more than the files use.
    case capacity(afterSteps: Int, slackBytes: Int)
}

/// Runs `config`'s workload with one fault source, handling every error as an application would.
/// Returns whether the fault struck.
@discardableResult
func runWithFault(_ source: FaultSource, config: WorkloadConfig, tally: inout FaultTally) -> Bool {
    let fs = SimulatedFileSystem()
    var persistent = false
    if case .plan(let plan) = source {
        fs.faultPlan = plan
        persistent = plan.isPersistentFault
    }
    let d = ModelDriver(fs: fs, config: config)
    let context = "\(source) seed \(config.seed)"
    var fired = false
    var capacityArmed = false
    var consecutiveErrors = 0
    var awaitingResume = false
    var powerLossChecked = false
    var iterations = 0
    func clearFault() {
        fired = fired || fs.faultHasFired
        fs.faultPlan = nil
        fs.capacityBytes = nil
    }
    /// Opens (again); a reopened database shows the last acknowledged commit or the in-flight one.
    func reopen() throws(SombraError) {
        let reopening = d.opened
        try d.open()
        guard reopening else { return }
        guard let state = checkImage(fs.snapshotAllApplied(), driver: d, context: context + " reopen",
                                     tally: &tally.images) else { return }
        if state.txID < d.acked { tally.falseSuccesses += 1 }
        d.adopt(state)
    }
    tally.points += 1
    while d.stepsDone < config.steps, iterations < 4 * config.steps {
        iterations += 1
        if case .capacity(let after, let slack) = source, d.stepsDone == after, !capacityArmed {
            capacityArmed = true
            fs.capacityBytes = (fs.contents(of: dbPath)?.count ?? 0) + (fs.contents(of: walPath)?.count ?? 0) + slack
        }
        if d.pager == nil {
            do throws(SombraError) { try reopen() } catch {
                if !d.opened, case .notADatabase = error, fs.contents(of: dbPath)?.isEmpty == true {
                    // Creation failed and so did removing the empty file (a persistent fault on every
                    // operation): open refuses the empty file with a typed error; the user removes it.
                    tally.creationLeftovers += 1
                    try? fs.remove(dbPath)
                } else if !isExpectedFault(error) {
                    tally.unexpectedErrors += 1
                    tally.note("\(context): open failed with \(error)")
                }
                clearFault()
                continue
            }
        }
        guard let pager = d.pager else { continue }
        let committed = d.acked
        var failure: SombraError? = nil
        do throws(SombraError) { try d.step() } catch { failure = error }
        if !powerLossChecked, fs.faultHasFired {
            // Power loss right after the fault struck: every acknowledged commit is durable (a commit that
            // returned although its sync failed would be missing here).
            powerLossChecked = true
            if let state = checkImage(fs.durableImage(), driver: d, context: context + " power loss after the fault",
                                      tally: &tally.images), state.txID < d.acked {
                tally.falseSuccesses += 1
            }
        }
        guard let failure else {
            consecutiveErrors = 0
            if awaitingResume, d.acked > committed { awaitingResume = false; tally.resumed += 1 }
            continue
        }
        fired = true
        consecutiveErrors += 1
        if !isExpectedFault(failure) {
            tally.unexpectedErrors += 1
            tally.note("\(context): step \(d.stepsDone) (\(d.phase)) failed with \(failure)")
        }
        noteDiskFull(failure, phase: d.phase, tally: &tally)
        let poisoned = pager.poisonReason != nil
        // Before the commit frame: a failed append of the page frames, or a failed direct write of a large
        // transaction's fresh pages into the database file (the only file writes a commit can fail on).
        let bodyAppendFailed = d.phase == .commit && isFailedWrite(failure)
            && ((d.lastBodyFrames > 0 && fs.counters.writes(walPath) == d.logWritesBeforeCommit)
                || failedPath(failure) == dbPath)
        if isFailedSync(failure) || (d.phase == .commit && !bodyAppendFailed) {
            if !poisoned { tally.poisonViolations += 1; tally.note("\(context): \(d.phase) failure did not poison: \(failure)") }
        } else if d.phase == .actions || d.phase == .reader || bodyAppendFailed {
            if poisoned { tally.poisonViolations += 1; tally.note("\(context): \(d.phase) failure poisoned the handle: \(failure)") }
        }
        if bodyAppendFailed { d.pending = nil }  // a clean rollback: the commit did not happen
        if poisoned {
            tally.poisoned += 1
            if (try? pager.beginWrite()) != nil { tally.poisonViolations += 1; tally.note("\(context): poisoned handle began a write") }
            if (try? pager.checkpoint()) != nil { tally.poisonViolations += 1; tally.note("\(context): poisoned handle checkpointed") }
            // Power loss now: every acknowledged commit is still there.
            if let state = checkImage(fs.durableImage(), driver: d, context: context + " power loss after poison",
                                      tally: &tally.images), state.txID < d.acked {
                tally.falseSuccesses += 1
            }
            d.endReader()
            try? pager.close()
            d.pager = nil
            if persistent { clearFault() }
            awaitingResume = false
        } else {
            // The handle stays usable: the next commit on it must succeed once the fault is gone.
            awaitingResume = true
            if case .capacity = source { clearFault() }
            if persistent, consecutiveErrors >= 2 { clearFault() }
        }
    }
    clearFault()
    if awaitingResume, let pager = d.pager {
        do throws(SombraError) {
            try d.writeTransaction(pager, big: false, commit: true, seed: 7, actions: 1)
            tally.resumed += 1
        } catch {
            tally.resumeFailures += 1
            tally.note("\(context): writes did not resume on the same handle: \(error)")
        }
    }
    // The end: a clean close and a reopen show exactly the last acknowledged commit.
    do throws(SombraError) {
        d.endReader()
        if d.pager == nil { try reopen() }
        try d.pager?.close()
        d.pager = nil
    } catch {
        tally.unexpectedErrors += 1
        tally.note("\(context): clean close after the fault failed: \(error)")
        return fired
    }
    if let state = checkImage(fs.durableImage(), driver: d, context: context + " final", tally: &tally.images,
                              allowed: d.acked...d.acked), state.txID < d.acked {
        tally.falseSuccesses += 1
    }
    return fired
}

func isExpectedFault(_ e: SombraError) -> Bool {
    switch e {
    case .io(_, let errno, _): return errno == 5
    case .diskFull, .poisoned: return true
    default: return false
    }
}

func isFailedSync(_ e: SombraError?) -> Bool {
    if case .io(let op, _, _) = e { return op.hasPrefix("sync") }
    return false
}

func failedPath(_ e: SombraError?) -> String? {
    switch e {
    case .io(_, _, let path)?, .diskFull(_, let path)?: return path
    default: return nil
    }
}

func isFailedWrite(_ e: SombraError?) -> Bool {
    switch e {
    case .io(let op, _, _)?: return op.hasPrefix("write")
    case .diskFull(let op, _)?: return op.hasPrefix("write")
    default: return false
    }
}

func noteDiskFull(_ e: SombraError, phase: ModelDriver.Phase, tally: inout FaultTally) {
    guard case .diskFull(let op, let path) = e else { return }
    if path == walPath, op.hasPrefix("write"), phase == .commit || phase == .actions { tally.logGrowth += 1 }
    else if path == dbPath, op.hasPrefix("truncate") { tally.fileGrowth += 1 }
    else if path == dbPath, op.hasPrefix("write"), phase == .checkpoint || phase == .commit { tally.checkpointCopy += 1 }
    else { tally.otherDiskFull += 1 }
}

extension FaultPlan {
    var isPersistentFault: Bool {
        switch fault {
        case .crash: return true
        case .ioError(let p), .diskFull(let p): return p
        }
    }
}

/// Runs the plan made by `plan(n)` for n = 1, 2, ... until a run completes without the fault firing.
func sweepFaults(config: WorkloadConfig, tally: inout FaultTally, plan: (Int) -> FaultPlan) {
    for n in 1...5_000 {
        if !runWithFault(.plan(plan(n)), config: config, tally: &tally) { return }
        tally.fired += 1
    }
    tally.note("fault sweep never completed")
}

@Suite("I/O errors, failed syncs and a full disk")
struct IOFaultTests {
    static func config(seed: UInt64, steps: Int = 24, _ sync: SyncMode = .full) -> WorkloadConfig {
        var c = WorkloadConfig(seed: seed, steps: steps)
        c.options = durabilityOptions(sync, checkpointThresholdBytes: 24 * 4136)
        c.closeAtEnd = false
        c.checkpointPercent = 12
        return c
    }

    static func report(_ name: String, _ t: FaultTally, extra: String = "") {
        print("\(name): points: \(t.points) fired: \(t.fired) corrupt: \(t.corrupt) false-successes: \(t.falseSuccesses) lost: \(t.images.lost) poison-violations: \(t.poisonViolations) poisoned: \(t.poisoned) resumed-same-handle: \(t.resumed) resume-failures: \(t.resumeFailures) creation-leftovers: \(t.creationLeftovers)\(extra)")
        for f in t.images.failures { Issue.record(Comment(rawValue: f)) }
    }

    @Test("EIO on any read, write, sync, truncate (or other operation), transient or persistent: typed error, poison where designed, reopen equals the model")
    func eio() {
        var t = FaultTally()
        for persistent in [false, true] {
            sweepFaults(config: Self.config(seed: 81), tally: &t) { .ioError(at: $0, persistent: persistent) }
        }
        Self.report("io-faults-eio", t)
        #expect(t.points >= 200)
        #expect(t.violations == 0)
    }

    @Test("a failed fsync of the log (at commit, checkpoint or restart) fails the commit, poisons the handle, and never loses an acknowledged commit")
    func failedSync() {
        var t = FaultTally()
        for mode in [SyncMode.full, .groupCommit] {
            for persistent in [false, true] {
                sweepFaults(config: Self.config(seed: 82, mode), tally: &t) {
                    .failingSync(at: $0, fault: .ioError(persistent: persistent), pathSuffix: "-wal")
                }
            }
        }
        sweepFaults(config: Self.config(seed: 83), tally: &t) { .failingSync(at: $0, pathSuffix: ".db") }
        Self.report("io-faults-fsync", t)
        #expect(t.points >= 60)
        #expect(t.violations == 0)
    }

    @Test("disk full while the log grows, the file grows or a checkpoint copies: clean failure, data intact, writes resume when space returns")
    func diskFull() {
        var t = FaultTally()
        for persistent in [false, true] {
            sweepFaults(config: Self.config(seed: 84), tally: &t) { .diskFull(at: $0, persistent: persistent) }
        }
        var capacityRuns = 0
        for after in [4, 9, 15] {
            for slack in stride(from: 0, through: 30 * 4136, by: 2_900) {
                runWithFault(.capacity(afterSteps: after, slackBytes: slack), config: Self.config(seed: 85), tally: &t)
                capacityRuns += 1
            }
        }
        Self.report("io-faults-enospc", t, extra: " capacity-runs: \(capacityRuns) log-growth: \(t.logGrowth) file-growth: \(t.fileGrowth) checkpoint-copy: \(t.checkpointCopy) other: \(t.otherDiskFull)")
        #expect(t.logGrowth > 0 && t.fileGrowth > 0 && t.checkpointCopy > 0)
        #expect(t.resumed > 0)
        #expect(t.violations == 0)
    }
}
