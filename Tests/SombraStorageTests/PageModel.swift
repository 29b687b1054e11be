// PageModel: the reference model and the page-level workload shared by the durability tests (reliability
// guide rows C1-C10). Layer: tests of SombraStorage, on the SimulatedFileSystem.
//
// A workload is a seeded sequence of steps on one pager: write transactions that allocate, free and update
// pages and set root slot 0, then commit or roll back; explicit checkpoints; a reader held across a few steps
// (so checkpoints stop short and the log does not restart under it). The model keeps the committed state after
// every commit, indexed by its commit id (TxID), and predicts every allocation (free list popped LIFO, else
// the file grows by one page).
//
// Invariants:
//  1. history[t] is the state after the commit with TxID t (history[0] is the empty database); TxIDs are
//     contiguous because a rollback consumes none.
//  2. After a crash or fault, the database may show exactly the states history[floor...acked], plus the
//     in-flight commit (`pending`) whose outcome was unknown when the fault hit; `floor` is the last
//     acknowledged commit in the durable modes (full, groupCommit), and in normal mode the last commit a
//     log sync covered (a process crash keeps every acknowledged commit in every mode). Anything older is a
//     lost commit; anything newer, or a state that differs from the model at its own TxID, is a partial one.
//  3. Observation reads a reopened database completely: header, the free list (walked with a bound), and
//     every page 1..<pageCount; a page that is neither live in the model nor on the free list is leaked.
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

let dbPath = "d.db"
let walPath = dbPath + "-wal"

/// The committed state of the page workload at one commit.
struct ModelState: Equatable, Sendable {
    var txID: UInt64 = 0
    /// Live pages and their payloads.
    var pages: [UInt64: UInt64] = [:]
    /// The free list as a stack: `last` is the head.
    var freeList: [UInt64] = []
    var pageCount: UInt64 = 1
    var root: UInt64 = 0

    mutating func allocate() -> UInt64 {
        if let head = freeList.popLast() { return head }
        pageCount += 1
        return pageCount - 1
    }

    mutating func free(_ page: UInt64) {
        pages[page] = nil
        freeList.append(page)
    }
}

/// Writes a payload the observer can check for consistency: `value` at offset 16, its complement at the end.
func writeModelPayload(_ tx: PageWriteTransaction, _ page: PageID, _ value: UInt64) throws(SombraError) {
    let size = tx.pageSize
    try tx.update(page) { (b: inout [UInt8]) throws(SombraError) in
        b.storeLE(value, at: 16)
        b.storeLE(~value, at: size - 8)
    }
}

/// Options for the durability workloads: small pages, a small cache (so reads reach the files), a small
/// dirty budget (so big transactions spill), small file-growth chunks.
func durabilityOptions(_ sync: SyncMode = .full, checkpointThresholdBytes: Int = 1 << 30) -> PagerOptions {
    var o = PagerOptions()
    o.pageSize = 4096
    o.cacheBytesMax = 8 * 4096
    o.dirtyBytesMax = 4 * 4096
    o.syncMode = sync
    o.checkpointThresholdBytes = checkpointThresholdBytes
    o.growthChunkPages = 4
    return o
}

struct WorkloadConfig: Sendable {
    var seed: UInt64
    var steps: Int
    var options: PagerOptions = durabilityOptions()
    var checkpointPercent = 10
    var readerPercent = 6
    var rollbackPercent = 15
    var bigPercent = 4
    /// Close the pager cleanly after the last step (a crash can then hit the closing checkpoint too).
    var closeAtEnd = true
}

/// Runs a workload against a pager and keeps the model (invariants 1-2).
final class ModelDriver {
    let fs: any FileSystem
    let config: WorkloadConfig
    var random: SeededRandom
    var pager: Pager?
    var history: [ModelState] = [ModelState()]
    /// The in-flight commit whose outcome is unknown (a fault hit inside `commit()`).
    var pending: ModelState?
    /// The lowest TxID a power-loss image may show (advances whenever a log sync completes).
    var floor: UInt64 = 0
    /// True once the first `Pager.open` returned (before that, a crash may leave an unopenable new file).
    var opened = false
    var stepsDone = 0
    var reader: (tx: PageReadTransaction, txID: UInt64, stepsLeft: Int)?
    /// Model violations seen while running (a read or an allocation that disagrees with the model).
    var violations: [String] = []
    /// The last error a step threw.
    var lastError: SombraError?
    /// Where the current (or failed) step is, for the I/O-fault tests' poison expectations.
    enum Phase { case idle, begin, actions, commit, checkpoint, reader }
    var phase = Phase.idle
    /// Dirty pages the last commit had to append to the log before its commit frame (a large transaction's
    /// fresh pages go into the database file instead: DirectWrite.swift).
    var lastBodyFrames = 0
    /// Completed log writes when the last commit began.
    var logWritesBeforeCommit = 0

    init(fs: any FileSystem, config: WorkloadConfig) {
        self.fs = fs
        self.config = config
        self.random = SeededRandom(seed: config.seed)
    }

    var acked: UInt64 { UInt64(history.count - 1) }
    var current: ModelState { history[history.count - 1] }

    func logSyncs() -> Int { (fs as? SimulatedFileSystem)?.counters.syncs(walPath) ?? 0 }
    func logWrites() -> Int { (fs as? SimulatedFileSystem)?.counters.writes(walPath) ?? 0 }

    func open() throws(SombraError) {
        pager = try Pager.open(path: dbPath, options: config.options, fileSystem: fs)
        opened = true
    }

    /// Runs steps (opening first, closing at the end) until the workload finishes or a step throws.
    func runUntilError() {
        do throws(SombraError) {
            if pager == nil, !opened { try open() }
            while stepsDone < config.steps { try step() }
            if config.closeAtEnd, let p = pager {
                endReader()
                try p.close()
                pager = nil
            }
        } catch {
            lastError = error
        }
    }

    /// Runs `n` more steps whatever `config.steps` says.
    func run(steps n: Int) throws(SombraError) {
        for _ in 0..<n { try step() }
    }

    /// One step: a write transaction, a checkpoint, or starting/ending the held reader.
    func step() throws(SombraError) {
        guard let pager else { throw .closed }
        // A log sync during the step made every commit acknowledged before it durable (normal mode's floor;
        // conservative: a sync inside this step's commit may also cover that commit).
        let syncsBefore = logSyncs()
        let ackedBefore = acked
        defer { if logSyncs() > syncsBefore { floor = max(floor, ackedBefore) } }
        let roll = random.below(100)
        let big = random.chance(config.bigPercent)
        let commit = !random.chance(config.rollbackPercent)
        let actionSeed = random.next()
        stepsDone += 1
        if var r = reader {
            r.stepsLeft -= 1
            reader = r
            phase = .reader
            if r.stepsLeft <= 0 { try checkReader(); endReader() }
        }
        if roll < config.checkpointPercent {
            phase = .checkpoint
            try pager.checkpoint()
        } else if roll < config.checkpointPercent + config.readerPercent {
            phase = .reader
            if reader == nil {
                let r = try pager.beginRead()
                reader = (r, acked, 3)
                try checkReader()
            }
        } else {
            try writeTransaction(pager, big: big, commit: commit, seed: actionSeed)
        }
        phase = .idle
    }

    /// One write transaction of `actions` random actions (default: 12 allocations if `big`, else 1-4 mixed).
    func writeTransaction(_ pager: Pager, big: Bool, commit: Bool, seed: UInt64, actions: Int? = nil)
        throws(SombraError) {
        var rng = SeededRandom(seed: seed)
        phase = .begin
        let tx = try pager.beginWrite()
        phase = .actions
        var next = current
        next.txID += 1
        do throws(SombraError) {
            let actions = actions ?? (big ? 12 : 1 + rng.below(4))
            for _ in 0..<actions {
                let live = next.pages.keys.sorted()
                let a = rng.below(100)
                if big || live.count < 4 || a < 35 {
                    let id = try tx.allocate(.btreeLeaf)
                    let expected = next.allocate()
                    if id.rawValue != expected {
                        violations.append("allocate returned \(id.rawValue), model expected \(expected)")
                    }
                    let v = rng.next()
                    try writeModelPayload(tx, id, v)
                    next.pages[id.rawValue] = v
                } else if a < 55 {
                    let victim = live[rng.below(live.count)]
                    try tx.free(PageID(victim))
                    next.free(victim)
                } else if a < 90 {
                    let target = live[rng.below(live.count)]
                    let v = rng.next()
                    try writeModelPayload(tx, PageID(target), v)
                    next.pages[target] = v
                } else {
                    let target = live[rng.below(live.count)]
                    try tx.setRoot(0, PageID(target))
                    next.root = target
                }
            }
            if commit {
                pending = next
                lastBodyFrames = tx.logBodyPageCount
                logWritesBeforeCommit = logWrites()
                phase = .commit
                let t = try tx.commit()
                pending = nil
                if t.rawValue != next.txID { violations.append("commit returned tx \(t.rawValue), model \(next.txID)") }
                history.append(next)
            } else {
                tx.rollback()
            }
        } catch {
            if tx.isActive { tx.rollback() }
            throw error
        }
    }

    /// The held reader still sees its snapshot (checked on two pages when it starts and when it ends).
    func checkReader() throws(SombraError) {
        guard let (r, txID, _) = reader else { return }
        let state = history[Int(txID)]
        if r.snapshotID.rawValue != txID { violations.append("reader snapshot \(r.snapshotID.rawValue) != \(txID)") }
        for page in state.pages.keys.sorted().prefix(2) {
            let v = try r.page(PageID(page)).loadLE(UInt64.self, at: 16)
            if v != state.pages[page] { violations.append("reader at tx \(txID) read page \(page) = \(v)") }
        }
    }

    func endReader() {
        reader?.tx.end()
        reader = nil
    }

    /// True for the sync modes that promise an acknowledged commit survives power loss.
    var durableMode: Bool { config.options.syncMode == .full || config.options.syncMode == .groupCommit }

    /// The TxIDs a power-loss image may show (invariant 2): in the durable modes nothing older than the last
    /// acknowledged commit; in `normal` mode nothing older than the last commit a log sync covered.
    var allowed: ClosedRange<UInt64> { (durableMode ? acked : min(floor, acked))...allowedHigh }

    /// The TxIDs a process-crash image (every write kept) may show: every mode keeps acknowledged commits.
    var allowedAfterProcessCrash: ClosedRange<UInt64> { acked...allowedHigh }

    var allowedHigh: UInt64 { pending.map { max($0.txID, acked) } ?? acked }

    func expectedState(_ txID: UInt64) -> ModelState? {
        if txID < UInt64(history.count) { return history[Int(txID)] }
        if let p = pending, p.txID == txID { return p }
        return nil
    }

    /// After a reopen showed `state` (within `allowed`), make it the model's current state: an in-flight
    /// commit that survived is adopted, one that did not is forgotten, commits past it are dropped.
    func adopt(_ state: ModelState) {
        if let p = pending, p.txID == state.txID, p == state { history.append(p) }
        pending = nil
        if state.txID < acked { history.removeSubrange(Int(state.txID) + 1..<history.count) }
        floor = acked
    }
}

/// What a reopened database shows.
struct Observation {
    var state: ModelState
    var leakedPages: Int
    var problems: [String]
}

/// Reads the whole database (invariant 3) through a read transaction of an open pager.
func observe(_ pager: Pager) throws(SombraError) -> Observation {
    let r = try pager.beginRead()
    defer { r.end() }
    let header = r.header
    var problems: [String] = []
    var state = ModelState(txID: header.lastTxID.rawValue, pageCount: header.pageCount,
                           root: header.roots[0].rawValue)
    var walk: [UInt64] = []
    var seen: Set<UInt64> = []
    var next = header.freeListHead.rawValue
    while next != 0 {
        guard walk.count < Int(header.pageCount), next < header.pageCount, seen.insert(next).inserted else {
            problems.append("free list is cyclic or out of range at page \(next)")
            break
        }
        let page = try r.page(PageID(next))
        guard PageHeader.kind(of: page) == .free else {
            problems.append("free list names page \(next) of kind \(String(describing: PageHeader.kind(of: page)))")
            break
        }
        walk.append(next)
        next = page.loadLE(UInt64.self, at: FreePage.nextOffset)
    }
    if UInt64(walk.count) != header.freePageCount {
        problems.append("free list holds \(walk.count) pages, header says \(header.freePageCount)")
    }
    state.freeList = walk.reversed()
    var leaked = 0
    for p in 1..<max(header.pageCount, 1) where !seen.contains(p) {
        let page = try r.page(PageID(p))
        guard PageHeader.kind(of: page) == .btreeLeaf else { leaked += 1; continue }
        let v = page.loadLE(UInt64.self, at: 16)
        if page.loadLE(UInt64.self, at: r.pageSize - 8) != ~v { problems.append("page \(p) payload torn") }
        state.pages[p] = v
    }
    return Observation(state: state, leakedPages: leaked, problems: problems)
}

/// Drops a pager as a dying process would: its files are closed (locks released) with no checkpoint.
func abandon(_ pager: Pager) {
    pager.db.close()
    pager.wal?.file.close()
}

/// Tallies of crash-image checks (reliability guide C1-C7).
struct ImageTally {
    var images = 0
    var lost = 0
    var partial = 0
    var leaked = 0
    var openFailures = 0
    /// Images of a crash during database creation that hold an empty or short file (a typed error at open).
    var creationErrors = 0
    var failures: [String] = []

    var violations: Int { lost + partial + leaked + openFailures }
    mutating func note(_ message: String) { if failures.count < 8 { failures.append(message) } }
}

/// Reopens `image` and checks that it shows a committed state of `driver`'s model within `allowed` (default
/// `driver.allowed`). Returns the observed state, nil if open or a read failed. The pager is then dropped
/// without a checkpoint, so the image is left as recovery left it.
@discardableResult
func checkImage(_ image: SimulatedFileSystem, driver: ModelDriver, context: String, tally: inout ImageTally,
                allowed: ClosedRange<UInt64>? = nil) -> ModelState? {
    tally.images += 1
    let range = allowed ?? driver.allowed
    let pager: Pager
    do throws(SombraError) {
        pager = try Pager.open(path: dbPath, options: driver.config.options, fileSystem: image)
    } catch {
        if !driver.opened, range.lowerBound == 0, isCreationError(error) {
            tally.creationErrors += 1
        } else {
            tally.openFailures += 1
            tally.note("\(context) [\(image.label)]: open failed: \(error)")
        }
        return nil
    }
    defer { abandon(pager) }
    do throws(SombraError) {
        let o = try observe(pager)
        classify(o, driver: driver, range: range, context: context + " [\(image.label)]", tally: &tally)
        return o.state
    } catch {
        tally.openFailures += 1
        tally.note("\(context) [\(image.label)]: read failed: \(error)")
        return nil
    }
}

func classify(_ o: Observation, driver: ModelDriver, range: ClosedRange<UInt64>, context: String,
              tally: inout ImageTally) {
    let t = o.state.txID
    if o.leakedPages > 0 {
        tally.leaked += o.leakedPages
        tally.note("\(context): \(o.leakedPages) leaked pages at tx \(t)")
    }
    if t < range.lowerBound {
        tally.lost += 1
        tally.note("\(context): shows tx \(t), allowed \(range)")
    } else if t > range.upperBound {
        tally.partial += 1
        tally.note("\(context): shows tx \(t) past the allowed \(range)")
    } else if let expected = driver.expectedState(t), expected == o.state, o.problems.isEmpty {
        return
    } else {
        tally.partial += 1
        let expected = driver.expectedState(t)
        tally.note("\(context): tx \(t) differs from the model: problems \(o.problems) pages \(o.state.pages.count) vs \(expected?.pages.count ?? -1) free \(o.state.freeList) vs \(expected?.freeList ?? []) pageCount \(o.state.pageCount) vs \(expected?.pageCount ?? 0)")
    }
}

/// The simulated crash itself, or a later refusal of a handle that the crash poisoned (a commit whose
/// automatic checkpoint hit the crash returns, and the next writer learns of it).
func isCrashError(_ error: SombraError) -> Bool {
    if error.isSimulatedCrash { return true }
    if case .poisoned(let reason) = error { return reason.contains("simulated crash") }
    return false
}

/// Errors acceptable when a crash hit while the database file was being created (nothing was committed).
func isCreationError(_ error: SombraError) -> Bool {
    switch error {
    case .notADatabase, .corruptHeader: return true
    default: return false
    }
}

/// Checks the crash images of one crash point: every pending prefix (the first is durable-only) and
/// `randomSeeds` random subsets against `driver.allowed`, and the process-crash image (everything applied)
/// against `driver.allowedAfterProcessCrash`.
func checkCrashImages(_ fs: SimulatedFileSystem, driver: ModelDriver, randomSeeds: [UInt64], context: String,
                      tally: inout ImageTally) {
    for image in fs.imagesWithPendingPrefixes() + randomSeeds.map({ fs.imageWithRandomSubset(seed: $0) }) {
        checkImage(image, driver: driver, context: context, tally: &tally)
    }
    checkImage(fs.snapshotAllApplied(), driver: driver, context: context, tally: &tally,
               allowed: driver.allowedAfterProcessCrash)
}
