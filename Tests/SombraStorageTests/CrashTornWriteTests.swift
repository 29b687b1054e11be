// Torn writes (reliability guide C3): the machine dies in the middle of a write, leaving its first k bytes
// (k at every 512-byte sector boundary and a few odd offsets) and nothing after. Torn log appends (a
// transaction's page frames, its commit frame), a torn log-restart header and torn checkpoint copies into the
// database file (page 0 included) must each be detected or repaired from the log: the reopened database is
// exactly the last acknowledged commit (or, for a commit frame whose missing tail was zeros anyway, the commit
// itself), and after a checkpoint and a clean close it still is. Never a silent wrong read.
import Testing
import SombraFormat
import SombraIO
import SombraStorage
import SombraTestSupport

@Suite("Torn writes")
struct CrashTornWriteTests {
    enum Target: CustomStringConvertible {
        /// The append of a three-page transaction's page frames.
        case logFrames
        /// The append of that transaction's commit frame.
        case commitFrame
        /// The log header written when a checkpoint restarts the log.
        case restartHeader
        /// The n-th page a checkpoint copies into the database file (page 0 first).
        case checkpointPage(Int)

        var description: String {
            switch self {
            case .logFrames: return "log frames"
            case .commitFrame: return "commit frame"
            case .restartHeader: return "restart header"
            case .checkpointPage(let n): return "checkpoint write \(n)"
            }
        }

        var writeBytes: Int {
            switch self {
            case .logFrames: return 3 * 4136
            case .commitFrame: return 4136
            case .restartHeader: return WALHeader.size
            case .checkpointPage: return 4096
            }
        }
    }

    static let baseConfig: WorkloadConfig = {
        var c = WorkloadConfig(seed: 31, steps: 24)
        c.checkpointPercent = 0
        c.readerPercent = 0
        c.bigPercent = 0
        c.closeAtEnd = false
        return c
    }()

    /// Tear offsets for a write of `bytes` bytes: every sector boundary inside it and some odd offsets
    /// (inside a frame header, around the header copies of page 0, one byte short of the end).
    static func tearOffsets(_ bytes: Int) -> [Int] {
        let odd = [1, 3, 16, 39, 40, 41, 47, 255, 256, 257, 2047, 2049, 2303, 2304, 4095, 4097, 4135, 4137,
                   8271, 8273, bytes - 1]
        let all = Set(Array(stride(from: 512, to: bytes, by: 512)) + (bytes <= 64 ? Array(1..<bytes) : odd))
        return all.filter { $0 > 0 && $0 < bytes }.sorted()
    }

    struct Outcome {
        var tears = 0
        var tally = ImageTally()
        var repaired = 0
    }

    /// Runs the base workload, tears the chosen write at byte `k`, and checks the crash images.
    static func tear(_ target: Target, at k: Int, outcome: inout Outcome) {
        let fs = SimulatedFileSystem()
        let driver = ModelDriver(fs: fs, config: baseConfig)
        driver.runUntilError()
        guard let pager = driver.pager, driver.lastError == nil else {
            outcome.tally.openFailures += 1
            outcome.tally.note("base workload failed: \(String(describing: driver.lastError))")
            return
        }
        var allowed = driver.acked...driver.acked
        switch target {
        case .logFrames, .commitFrame:
            let n = if case .logFrames = target { 1 } else { 2 }
            fs.faultPlan = .crash(at: n, tornWriteBytes: k, operations: [.write], pathSuffix: "-wal")
            do throws(SombraError) {
                try driver.writeTransaction(pager, big: true, commit: true, seed: 99, actions: 3)
            } catch {
                driver.lastError = error
            }
            // A commit frame torn past its last non-zero byte is whole: the commit may then survive.
            if case .commitFrame = target { allowed = driver.acked...driver.allowedHigh }
        case .restartHeader:
            fs.faultPlan = .crash(at: 1, tornWriteBytes: k, operations: [.write], pathSuffix: "-wal")
            do throws(SombraError) { try pager.checkpoint() } catch { driver.lastError = error }
        case .checkpointPage(let n):
            fs.faultPlan = .crash(at: n, tornWriteBytes: k, operations: [.write], pathSuffix: ".db")
            do throws(SombraError) { try pager.checkpoint() } catch { driver.lastError = error }
        }
        guard fs.faultHasFired else { return }
        outcome.tears += 1
        let context = "tear \(target) at byte \(k)"
        for image in fs.imagesWithPendingPrefixes() {
            checkImage(image, driver: driver, context: context, tally: &outcome.tally, allowed: allowed)
        }
        // The image holding the torn bytes: reopen, checkpoint, close, reopen; the state must not change.
        let torn = fs.snapshotAllApplied()
        guard let first = checkImage(torn, driver: driver, context: context, tally: &outcome.tally, allowed: allowed)
        else { return }
        do throws(SombraError) {
            let p = try Pager.open(path: dbPath, options: baseConfig.options, fileSystem: torn)
            try p.checkpoint()
            try p.close()
        } catch {
            outcome.tally.openFailures += 1
            outcome.tally.note("\(context): checkpoint after recovery failed: \(error)")
            return
        }
        if checkImage(torn, driver: driver, context: context + " after repair", tally: &outcome.tally,
                      allowed: first.txID...first.txID) == first {
            outcome.repaired += 1
        }
    }

    @Test("a write torn at any sector boundary or odd offset is detected or repaired from the log, never read wrong")
    func tornWrites() {
        var outcome = Outcome()
        var targets: [Target] = [.logFrames, .commitFrame, .restartHeader]
        targets += (1...12).map { Target.checkpointPage($0) }
        for target in targets {
            for k in Self.tearOffsets(target.writeBytes) { Self.tear(target, at: k, outcome: &outcome) }
        }
        let t = outcome.tally
        print("torn-writes: \(outcome.tears) undetected: \(t.lost + t.partial + t.leaked) repaired: \(outcome.repaired) open-errors: \(t.openFailures) images: \(t.images)")
        for f in t.failures { Issue.record(Comment(rawValue: f)) }
        #expect(outcome.tears >= 300)
        #expect(t.lost + t.partial + t.leaked == 0)
        #expect(t.openFailures == 0)
        #expect(outcome.repaired == outcome.tears)
    }
}
