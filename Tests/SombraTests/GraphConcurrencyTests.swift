// Snapshot isolation of the graph facade (reliability guide K1, K2): readers on their own threads, and long
// readers held across many commits and checkpoints, must see exactly the model state recorded for their
// snapshot id. The writer records each commit's model under the id `commit()` returns, inside
// ModelHistory's lock, so a reader always finds the state for the snapshot it began at.
import Foundation
import Synchronization
import Testing
import SombraTestSupport
@testable import Sombra

/// Shares a value with threads that the test joins before touching it again.
final class Shared<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

extension RandomGraphRun {
    /// One random transaction: `count` operations, then commit (recorded in `history`) or, now and then,
    /// rollback. Returns whether it committed.
    @discardableResult
    func randomTransaction(ops count: Int, history: ModelHistory, rollbackPercent: Int = 10) throws -> Bool {
        txns += 1
        let tx = try db.beginWrite()
        var m = committed
        for _ in 0..<count {
            try randomOp(tx, &m)
            if !problems.isEmpty { break }
        }
        if !problems.isEmpty || r.chance(rollbackPercent) {
            rollbacks += 1
            tx.rollback()
            return false
        }
        let state = m
        try history.recordCommit { () throws(SombraError) in (try tx.commit(), state) }
        committed = m
        return true
    }
}

/// Runs `body` on `count` threads and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
    group.wait()
}

@Suite("Graph snapshots under concurrency")
struct GraphConcurrencyTests {
    @Test("readers on three threads (one through pooled read sessions) see exactly the model state of their snapshot while a writer commits")
    func readersSeeTheirSnapshots() throws {
        let history = ModelHistory()
        let run = try RandomGraphRun(seed: 21, options: GraphTest.options(checkpointThresholdBytes: 256 << 10))
        let db = run.db
        history.record(try db.read { $0.snapshotID }, run.committed)
        for _ in 0..<10 { try run.randomTransaction(ops: 30, history: history, rollbackPercent: 0) }

        let commitsTarget = 300
        let writerDone = Atomic<Bool>(false)
        let shared = Shared(run)
        let readTxns = Atomic<Int>(0)
        let snapshotsSeen = Mutex(Set<UInt64>())
        let anomalies = Mutex(Problems())
        let writerError = Mutex<String?>(nil)
        onThreads(4) { thread in
            if thread == 0 {
                defer { writerDone.store(true, ordering: .releasing) }
                let run = shared.value
                do {
                    var commits = 0
                    while commits < commitsTarget && run.problems.isEmpty {
                        if try run.randomTransaction(ops: 1 + run.r.below(15), history: history) { commits += 1 }
                        if run.r.chance(3) { try run.db.checkpoint() }
                    }
                } catch {
                    writerError.withLock { $0 = "\(error)" }
                }
                return
            }
            var r = SeededRandom(seed: 100 + UInt64(thread))
            var p = Problems()
            var done = false
            while !done {
                // Read at least once after the writer has finished, so the last commit is checked too.
                done = writerDone.load(ordering: .acquiring)
                // Thread 1 reads through `db.read { }` (pooled read sessions, renewed across commits); the
                // others begin and end their own transactions.
                func check(_ tx: ReadTransaction) throws {
                    let id = tx.snapshotID
                    snapshotsSeen.withLock { _ = $0.insert(id) }
                    guard let model = history.state(at: id) else {
                        p.add("no recorded state for snapshot \(id)")
                        return
                    }
                    let counts = (try tx.nodeCount(), try tx.edgeCount())
                    if counts != (model.nodeCount, model.edgeCount) { p.add("snapshot \(id): counts \(counts)") }
                    for l in Vocabulary.labels where try tx.countNodes(withLabel: l) != model.countNodes(withLabel: l) {
                        p.add("snapshot \(id): countNodes(\(l))")
                    }
                    for t in Vocabulary.types where try tx.countEdges(ofType: t) != model.countEdges(ofType: t) {
                        p.add("snapshot \(id): countEdges(\(t))")
                    }
                    _ = try GraphQueries.check(tx, model, &r, &p, rounds: 2)
                    if try tx.nodeCount() != model.nodeCount || tx.snapshotID != id { p.add("snapshot \(id) moved") }
                    readTxns.add(1, ordering: .relaxed)
                }
                do {
                    if thread == 1 {
                        // A renewed session must not read an older snapshot than a fresh transaction would.
                        let floor = history.latestID
                        try db.read { tx in
                            if tx.snapshotID < floor { p.add("pooled read at \(tx.snapshotID), below commit \(floor)") }
                            try check(tx)
                        }
                    } else {
                        let tx = try db.beginRead()
                        defer { tx.end() }
                        try check(tx)
                    }
                } catch {
                    p.add("reader error: \(error)")
                }
            }
            anomalies.withLock { $0.add(p) }
        }
        let problems = anomalies.withLock { $0 }
        let writerFailure = writerError.withLock { $0 }
        let distinct = snapshotsSeen.withLock { $0.count }
        print("readers: 3 read-txns: \(readTxns.load(ordering: .relaxed)) snapshots: \(distinct) commits: \(history.count - 1) "
              + "anomalies: \(problems.count) writer-mismatches: \(run.problems.count) seed: 21")
        for s in problems.list + run.problems.list { print("  \(s)") }
        #expect(writerFailure == nil, "\(writerFailure ?? "")")
        #expect(problems.isEmpty && run.problems.isEmpty)
        #expect(readTxns.load(ordering: .relaxed) >= 3 && distinct > 1)
        try db.close()
    }

    @Test("long readers keep their snapshot across many commits and checkpoints")
    func longReaders() throws {
        let history = ModelHistory()
        let run = try RandomGraphRun(seed: 31, options: GraphTest.options(cacheBytes: 128 << 10))
        history.record(try run.db.read { $0.snapshotID }, run.committed)
        for _ in 0..<10 { try run.randomTransaction(ops: 30, history: history, rollbackPercent: 0) }
        // One reader whose snapshot is wholly in the file (log just restarted), one that needs the log.
        let restarted = try run.db.checkpoint()
        let fileReader = try run.db.beginRead()
        for _ in 0..<5 { try run.randomTransaction(ops: 30, history: history, rollbackPercent: 0) }
        let logReader = try run.db.beginRead()
        var readers = [fileReader, logReader]
        var commits = 0, checkpoints = 0, checks = 0
        var p = Problems()
        func check() throws {
            for reader in readers {
                checks += 1
                guard let model = history.state(at: reader.snapshotID) else {
                    p.add("no state for \(reader.snapshotID)")
                    continue
                }
                p.add(try GraphCheck.full(reader, model))
                _ = try GraphQueries.check(reader, model, &run.r, &p, rounds: 2)
            }
        }
        while commits < 200 && p.isEmpty && run.problems.isEmpty {
            guard try run.randomTransaction(ops: 1 + run.r.below(30), history: history) else { continue }
            commits += 1
            if commits % 10 == 0 {
                try run.db.checkpoint()
                checkpoints += 1
                try check()
            }
            if commits == 100 && readers.count == 2 {
                // A third long reader joins halfway, so readers span several log generations.
                readers.append(try run.db.beginRead())
            }
        }
        try check()
        let now = try run.db.read { tx in try GraphCheck.full(tx, run.committed) }
        p.add(now)
        for reader in readers { reader.end() }
        let final = try run.db.checkpoint()
        print("long-reader: readers: \(readers.count) commits: \(commits) checkpoints: \(checkpoints) checks: \(checks) "
              + "mismatches: \(p.count + run.problems.count) seed: 31")
        for s in p.list + run.problems.list { print("  \(s)") }
        #expect(p.isEmpty && run.problems.isEmpty)
        #expect(restarted.logRestarted, "the first checkpoint had no reader to wait for")
        #expect(final.logRestarted, "with every reader gone the log restarts")
        try run.db.close()
    }
}
