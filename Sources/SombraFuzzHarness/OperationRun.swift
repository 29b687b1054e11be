// OperationRun: fuzz target 3 (reliability guide M1, with C8-C10 faults and power loss): a byte-coded
// sequence of graph operations, commits, rollbacks, reopens, checkpoints, I/O-fault countdowns and power
// losses on a SimulatedFileSystem, checked against ModelGraph; at the end everything is deleted and no page
// may leak. This file holds the run's state and its transitions; OperationSteps.swift decodes the bytes.
// Layer: SombraFuzzHarness.
//
// Input: [setup u8] then one opcode byte per step (OperationSteps.swift lists them), each followed by the
// bytes its arguments need. The input's end is the end of the run.
//
// Promises checked (each broken one is a `problem`):
//  1. Every mutation succeeds or fails exactly as the model's does (same error case); a refused mutation
//     leaves the transaction usable.
//  2. Without a fault, nothing fails. With one, failures are I/O errors (io, diskFull, poisoned), never
//     corruption, and a reopen on the same disk (or, after a power loss, on a post-crash image) opens.
//  3. After every reopen the graph equals the model of the last acknowledged commit, or of a commit whose
//     outcome was unknown (it failed at or after its commit frame); the snapshot id is at least the last
//     acknowledged commit id (H1-H3); `verify` is clean. A reopen on the same disk may adopt an
//     unknown-outcome commit from unsynced bytes; until a later commit is acknowledged (its log sync makes
//     them durable), a power loss may take it away again.
//  4. Commit ids strictly increase.
//  5. At the end, with every node and index deleted, only the eight tree roots are in use: every other page
//     is on the free list (no leak), before and after a reopen, and verify is clean.
import SombraFormat
import SombraIndex
import SombraIO
import SombraTestSupport
import Sombra

extension FuzzHarness {
    /// Target 3. Never traps; returns the problems found (see the promises above).
    public static func operations(_ data: [UInt8]) -> FuzzOutcome {
        let run = OperationRun(data)
        run.execute()
        return run.outcome
    }
}

final class OperationRun {
    static let path = "ops.sombra"
    static let stepsMax = 600
    static let nodesMax = 40
    static let edgesMax = 80
    /// Tree roots that stay when the graph is empty (the graph's eight B+trees).
    static let treeCount = 8
    /// Error codes a fault may surface as: io, diskFull, poisoned (promise 2).
    static let faultCodes: Set<Int32> = [20, 21, 30]

    var input: FuzzBytes
    var fs = SimulatedFileSystem()
    let options: GraphOptions
    var db: GraphDB?
    var tx: WriteTransaction?
    /// The state readers see: the last acknowledged commit, or an unknown-outcome commit a reopen adopted.
    var committed: ModelGraph
    /// The state of the last acknowledged commit (a commit that returned): what a power loss may not lose.
    var acknowledged: ModelGraph
    var acknowledgedID: UInt64 = 0
    /// `committed` plus the open transaction's mutations.
    var pending: ModelGraph
    /// The state a failed commit would have made, if it reached its commit frame after all (promise 3).
    var uncertain: ModelGraph?
    var lastCommitID: UInt64 = 0
    var faultArmed = false
    /// Readers alternate between their own transaction and `db.read { }` (a pooled, renewed read session).
    var nextReadPooled = false
    /// Set once a problem makes further checks meaningless.
    var stopped = false
    var outcome = FuzzOutcome()

    init(_ data: [UInt8]) {
        input = FuzzBytes(data)
        let setup = input.u8()
        var o = GraphOptions()
        o.pageSize = 4096
        o.cacheBytes = setup & 1 == 0 ? 128 << 10 : 1 << 20
        o.syncMode = setup & 2 == 0 ? .full : .groupCommit
        o.checkpointThresholdBytes = [16 << 10, 128 << 10, 16 << 20][Int(setup >> 2) % 3]
        options = o
        // The facade stores a name as a names-tree key of 1 + its bytes (998 bytes with 4 KiB pages).
        committed = ModelGraph(nameBytesMax: min(1024, BTree.maxKeyBytes(pageSize: o.pageSize) - 1))
        acknowledged = committed
        pending = committed
    }

    func note(_ text: @autoclosure () -> String) {
        if FuzzHarness.trace { print("  ops: \(text())") }
    }

    func problem(_ text: String) {
        outcome.problem(text)
        stopped = true
    }

    func execute() {
        openAndCheck(after: "create")
        var steps = 0
        while !stopped, !input.isAtEnd, steps < Self.stepsMax {
            steps += 1
            step(input.u8())
        }
        outcome.count("steps", steps)
        if !stopped { finish() }
        tx?.rollback()
        tx = nil
        try? db?.close()
        db = nil
    }

    // MARK: Opening and recovery

    /// Opens the database on `fs` and checks it against the model (promise 3). An armed fault may strike
    /// during the open or the check (a fault during recovery); then the plan is cleared, a crashed disk
    /// becomes a post-crash image, and the open is tried once more.
    func openAndCheck(after what: String, powerLoss: Bool = false) {
        var powerLoss = powerLoss
        for attempt in 0..<2 {
            do throws(SombraError) {
                try openAndCompare(after: what, powerLoss: powerLoss)
                uncertain = nil
                pending = committed
                return
            } catch {
                try? db?.close()
                db = nil
                let explained = faultArmed && (fs.faultHasFired || fs.isCrashed) && Self.faultCodes.contains(error.code)
                guard attempt == 0, explained else {
                    problem("after \(what) opening or reading failed: \(error)")
                    return
                }
                outcome.count("faults-in-recovery")
                fs.faultPlan = nil
                faultArmed = false
                if fs.isCrashed {
                    fs = postCrashImage()
                    powerLoss = true
                }
            }
        }
    }

    /// One open and comparison; problems found are recorded, errors are thrown.
    func openAndCompare(after what: String, powerLoss: Bool) throws(SombraError) {
        let opened = try GraphDB.open(path: Self.path, options: options, fileSystem: fs)
        note("opened after \(what): files \(fs.paths()) durable \(fs.durablePaths()) pending-dir \(fs.pendingDirectoryEntryCount) dirsyncs \(fs.counters.directorySyncs) (fault fired \(fs.faultHasFired))")
        db = opened
        outcome.count("opens")
        let rt = try opened.beginRead()
        defer { rt.end() }
        if rt.snapshotID < acknowledgedID {
            problem("after \(what) the snapshot is \(rt.snapshotID), older than acknowledged commit \(acknowledgedID)")
            return
        }
        var p = try ModelCheck.compare(rt, committed)
        if !p.isEmpty, let uncertain, try ModelCheck.compare(rt, uncertain).isEmpty {
            committed = uncertain
            outcome.count("uncertain-commits-kept")
            p = []
        }
        if !p.isEmpty, powerLoss, acknowledged != committed, try ModelCheck.compare(rt, acknowledged).isEmpty {
            // An adopted unknown-outcome commit that never became durable is gone again (invariant 3).
            committed = acknowledged
            outcome.count("adopted-commits-lost-at-power-loss")
            p = []
        }
        if let first = p.first {
            problem("after \(what) the graph differs from the model: \(first)")
            return
        }
        lastCommitID = rt.snapshotID
        let report = rt.verify()
        if !report.isClean {
            // The verifier reports unreadable pages as findings; under a read fault that is the fault.
            if faultArmed, fs.faultHasFired { throw .io(operation: "verify under an injected fault", errno: 5, path: Self.path) }
            problem("after \(what) verify finds \(report.findings.prefix(3))")
        }
    }

    /// The database handle, reopened first when a recovery dropped it.
    func liveDB() -> GraphDB? {
        if db == nil, !stopped { openAndCheck(after: "recovery") }
        return stopped ? nil : db
    }

    /// Starts the write transaction when none is open.
    func ensureTx() -> WriteTransaction? {
        if let tx { return tx }
        guard let db = liveDB() else { return nil }
        do throws(SombraError) {
            let started = try db.beginWrite()
            tx = started
            pending = committed
            return started
        } catch {
            failed(error, "beginWrite")
            return nil
        }
    }

    /// An operation failed: a fault explains it only if one fired and the error is an I/O one (promise 2).
    func failed(_ error: SombraError, _ what: String) {
        note("\(what) failed: \(error) (fault armed \(faultArmed), fired \(fs.faultHasFired), crashed \(fs.isCrashed))")
        if error.isCorruption {
            problem("\(what) failed with corruption: \(error)")
        } else if faultArmed, fs.faultHasFired || fs.isCrashed, Self.faultCodes.contains(error.code) {
            outcome.count("faults-surfaced")
            recover(after: what)
        } else {
            problem("\(what) failed without a fault: \(error)")
        }
    }

    /// After a fault: the open transaction is lost; a crashed disk becomes a post-crash image; the database
    /// is closed and reopened.
    func recover(after what: String) {
        fs.faultPlan = nil
        faultArmed = false
        tx?.rollback()
        tx = nil
        pending = committed
        let crashed = fs.isCrashed
        if crashed {
            db = nil  // its deinit's close fails on the crashed disk; nothing reaches the image
            fs = postCrashImage()
        } else {
            try? db?.close()
            db = nil
        }
        openAndCheck(after: "a fault in \(what)", powerLoss: crashed)
    }

    /// Power loss: the durable bytes only, or a seeded random subset of the unsynced writes.
    func postCrashImage() -> SimulatedFileSystem {
        let image = input.u8() & 1 == 0 ? fs.durableImage() : fs.imageWithRandomSubset(seed: UInt64(input.u16()))
        note("power loss: \(image.label), durable files \(fs.durablePaths()), live \(fs.paths())")
        return image
    }

    // MARK: Transaction ends

    func commit() {
        guard let tx = ensureTx() else { return }
        do throws(SombraError) {
            let id = try tx.commit()
            self.tx = nil
            note("committed \(id) (fault fired \(fs.faultHasFired)) writes \(fs.counters.writesByPath) syncs \(fs.counters.syncsByPath) dirsyncs \(fs.counters.directorySyncs) pending-dir \(fs.pendingDirectoryEntryCount)")
            if id <= lastCommitID { problem("commit id \(id) does not follow \(lastCommitID)") }
            lastCommitID = id
            committed = pending
            acknowledged = pending
            acknowledgedID = id
            outcome.count("commits")
        } catch {
            tx.rollback()
            self.tx = nil
            uncertain = pending
            pending = committed
            failed(error, "commit")
        }
    }

    func rollback() {
        tx?.rollback()
        tx = nil
        pending = committed
        outcome.count("rollbacks")
    }

    /// Clean close and open (promise 3).
    func reopen() {
        rollback()
        guard let db = liveDB() else { return }
        do throws(SombraError) {
            try db.close()
        } catch {
            failed(error, "close")
            return
        }
        note("closed: files \(fs.paths()) durable \(fs.durablePaths()) pending-dir \(fs.pendingDirectoryEntryCount) dirsyncs \(fs.counters.directorySyncs)")
        self.db = nil
        openAndCheck(after: "reopen")
    }

    func checkpoint() {
        guard let db = liveDB() else { return }
        if tx != nil {
            // The writer's own thread cannot checkpoint: a typed error, not a deadlock.
            do throws(SombraError) {
                try db.checkpoint()
                problem("checkpoint inside the write transaction succeeded")
            } catch {
                if error.code != SombraError.busy(reason: "").code, !Self.faultCodes.contains(error.code) {
                    problem("checkpoint inside the write transaction: \(error)")
                }
            }
            return
        }
        do throws(SombraError) {
            let r = try db.checkpoint()
            note("checkpoint \(r) (fault fired \(fs.faultHasFired))")
            outcome.count("checkpoints")
        } catch {
            failed(error, "checkpoint")
        }
    }

    /// Power loss now, without a fault plan.
    func powerLoss() {
        tx?.rollback()
        tx = nil
        pending = committed
        let image = postCrashImage()
        db = nil
        fs.faultPlan = nil
        faultArmed = false
        fs = image
        outcome.count("power-losses")
        openAndCheck(after: "power loss", powerLoss: true)
    }

    // MARK: The end (promise 5)

    func finish() {
        fs.faultPlan = nil
        faultArmed = false
        if fs.isCrashed { recover(after: "the last step") }
        if tx != nil { commit() }
        guard !stopped, let tx = ensureTx() else { return }
        for id in pending.nodeIDs {
            mutate("deleteNode(n\(id))", { () throws(SombraError) in try tx.deleteNode(NodeID(id)) },
                   { m throws(SombraError) in try m.deleteNode(id) }, same: { _, _ in true })
        }
        for index in pending.indexes.sorted() {
            mutate("dropIndex(\(index))", { () throws(SombraError) in try tx.dropIndex(label: index.label, key: index.key) },
                   { m throws(SombraError) in try m.dropIndex(label: index.label, key: index.key) }, same: { _, _ in true })
        }
        commit()
        guard !stopped, let db else { return }
        checkEmpty(db, "after deleting everything")
        reopen()
        guard !stopped, let db = self.db else { return }
        checkEmpty(db, "after deleting everything and reopening")
    }

    func checkEmpty(_ db: GraphDB, _ when: String) {
        let stats = db.storageStats
        let used = Int(stats.pageCount) - 1 - Int(stats.freePageCount)
        outcome.count("pages-at-end", Int(stats.pageCount))
        if used != Self.treeCount {
            problem("\(when): \(used) pages in use, expected the \(Self.treeCount) tree roots (page count \(stats.pageCount), free \(stats.freePageCount))")
            return
        }
        do throws(SombraError) {
            let report = try db.verify()
            if !report.isClean { problem("\(when): verify finds \(report.findings.prefix(3))") }
        } catch {
            problem("\(when): verify failed: \(error)")
        }
    }

    // MARK: Mutations (promise 1)

    /// Runs a mutation on the graph and on a copy of the model and compares the results.
    func mutate<G, M>(_ what: @autoclosure () -> String, _ graph: () throws(SombraError) -> G,
                      _ model: (inout ModelGraph) throws(SombraError) -> M, same: (G, M) -> Bool) {
        guard let tx else { return }
        outcome.count("mutations")
        note(what())
        var m = pending
        let w: Result<M, SombraError>
        do throws(SombraError) { w = .success(try model(&m)) } catch { w = .failure(error) }
        let g: Result<G, SombraError>
        do throws(SombraError) { g = .success(try graph()) } catch { g = .failure(error) }
        switch (g, w) {
        case (.success(let a), .success(let b)):
            pending = m
            if !same(a, b) { problem("\(what()): \(a) vs model \(b)") }
        case (.failure(let a), .failure(let b)) where a.code == b.code:
            outcome.count("refused")
            if !tx.isActive { problem("\(what()): refused (\(a)) but the transaction ended") }
        case (.failure(let a), _):
            if case .failure(let b) = w, !Self.faultCodes.contains(a.code) {
                problem("\(what()): \(a) vs model \(b)")
            } else {
                // An I/O failure before the mutation began leaves the transaction open (nothing changed);
                // one after rolls it back. Either way this run ends it here, as an application would.
                tx.rollback()
                self.tx = nil
                pending = committed
                failed(a, what())
            }
        case (.success(let a), .failure(let b)):
            problem("\(what()): \(a) vs model \(b)")
        }
    }
}
