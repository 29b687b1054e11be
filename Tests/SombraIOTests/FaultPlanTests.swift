// Fault injection in the simulated file system: each fault kind strikes exactly the Nth counted operation,
// transient faults fail one operation, persistent ones every later matching operation, a crash every later
// operation; filters by operation kind and path suffix; torn writes; failed operations have no effect.
import Testing
import SombraFormat
import SombraIO
import SombraTestSupport

/// A fixed script of 12 counted operations, one or more of every kind, over "/d/db" and "/d/db-wal".
struct FaultScript {
    typealias Step = (operation: SimulatedOperation, path: String,
                      run: @Sendable (SimulatedFileSystem, any StorageFile, any StorageFile) throws(SombraError) -> Void)

    static let dbBytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
    static let steps: [Step] = [
        (.read, "/d/db", { _, db, _ throws(SombraError) in _ = try db.read(at: 0, count: 8) }),
        (.write, "/d/db", { _, db, _ throws(SombraError) in try db.write([0xA, 0xB, 0xC, 0xD], at: 0) }),
        (.size, "/d/db", { _, db, _ throws(SombraError) in _ = try db.size() }),
        (.truncate, "/d/db", { _, db, _ throws(SombraError) in try db.truncate(to: 6) }),
        (.sync, "/d/db", { _, db, _ throws(SombraError) in try db.sync() }),
        (.open, "/d/new", { fs, _, _ throws(SombraError) in try fs.open("/d/new", mode: .create).close() }),
        (.remove, "/d/new", { fs, _, _ throws(SombraError) in try fs.remove("/d/new") }),
        (.syncDirectory, "/d/new", { fs, _, _ throws(SombraError) in try fs.syncDirectory(containing: "/d/new") }),
        (.write, "/d/db-wal", { _, _, wal throws(SombraError) in try wal.write([0x11, 0x22, 0x33], at: 0) }),
        (.sync, "/d/db-wal", { _, _, wal throws(SombraError) in try wal.sync() }),
        (.read, "/d/db-wal", { _, _, wal throws(SombraError) in _ = try wal.read(at: 0, count: 3) }),
        (.rename, "/d/spare", { fs, _, _ throws(SombraError) in try fs.rename("/d/spare", to: "/d/spare-renamed") }),
    ]

    let fs = SimulatedFileSystem()
    let db: any StorageFile
    let wal: any StorageFile

    /// Creates both files durably (uncounted: counters are reset afterwards) and sets `plan`.
    init(plan: FaultPlan?) throws {
        db = try fs.open("/d/db", mode: .create)
        try db.write(Self.dbBytes, at: 0)
        try db.sync()
        wal = try fs.open("/d/db-wal", mode: .create)
        try fs.open("/d/spare", mode: .create).close()
        try fs.syncDirectory(containing: "/d/db")
        fs.resetCounters()
        fs.faultPlan = plan
    }

    /// Runs every step, even after failures; the error each step threw (nil: it succeeded).
    func run() -> [SombraError?] {
        Self.steps.map { step in
            do throws(SombraError) {
                try step.run(fs, db, wal)
                return nil
            } catch {
                return error
            }
        }
    }
}

enum FaultCase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case crash, eioTransient, eioPersistent, enospcTransient, enospcPersistent
    var testDescription: String { rawValue }

    func plan(at n: Int) -> FaultPlan {
        switch self {
        case .crash: return .crash(at: n)
        case .eioTransient: return .ioError(at: n, persistent: false)
        case .eioPersistent: return .ioError(at: n, persistent: true)
        case .enospcTransient: return .diskFull(at: n, persistent: false, operations: SimulatedOperation.all)
        case .enospcPersistent: return .diskFull(at: n, persistent: true, operations: SimulatedOperation.all)
        }
    }

    /// What step `index` (0-based) must throw when the fault strikes step `n` (1-based).
    func expected(step index: Int, failAt n: Int) -> SombraError? {
        let (operation, path, _) = FaultScript.steps[index]
        let struck = index + 1 == n
        let after = index + 1 > n
        switch self {
        case .crash:
            return struck || after ? SimulatedFileSystem.crashError(path: path) : nil
        case .eioTransient, .eioPersistent:
            let fails = struck || (after && self == .eioPersistent)
            return fails ? .io(operation: "\(operation) (simulated EIO)", errno: 5, path: path) : nil
        case .enospcTransient, .enospcPersistent:
            let fails = struck || (after && self == .enospcPersistent)
            return fails ? .diskFull(operation: "\(operation) (simulated ENOSPC)", path: path) : nil
        }
    }
}

@Suite("simulated file system: fault plans")
struct FaultPlanTests {
    @Test("without a plan the script's 12 operations all succeed and are all counted")
    func scriptWithoutFaults() throws {
        let script = try FaultScript(plan: nil)
        #expect(script.run().allSatisfy { $0 == nil })
        #expect(script.fs.counters.operations == FaultScript.steps.count)
        #expect(Set(FaultScript.steps.map(\.operation)) == SimulatedOperation.all)
    }

    @Test("each fault kind strikes exactly the Nth operation, for every N, with the right later behaviour",
          arguments: FaultCase.allCases)
    func strikesTheNthOperation(fault: FaultCase) throws {
        let count = FaultScript.steps.count
        for n in 1...count {
            let script = try FaultScript(plan: fault.plan(at: n))
            let errors = script.run()
            for index in 0..<count {
                #expect(errors[index] == fault.expected(step: index, failAt: n),
                        "fault \(fault.rawValue) at \(n), step \(index + 1)")
            }
            #expect(script.fs.faultHasFired)
            #expect(script.fs.isCrashed == (fault == .crash))
        }
        let beyond = try FaultScript(plan: fault.plan(at: count + 1))
        #expect(beyond.run().allSatisfy { $0 == nil })
        #expect(!beyond.fs.faultHasFired)
    }

    @Test("a failed write, truncate, sync or open has no effect")
    func failedOperationsHaveNoEffect() throws {
        // Step 2 is the db write, 4 the truncate, 5 the db sync, 6 the open that creates /d/new.
        let write = try FaultScript(plan: .ioError(at: 2, persistent: false))
        _ = write.run()
        #expect(write.fs.contents(of: "/d/db") == Array(FaultScript.dbBytes.prefix(6)))

        let truncate = try FaultScript(plan: .diskFull(at: 4, persistent: false, operations: SimulatedOperation.all))
        _ = truncate.run()
        #expect(truncate.fs.contents(of: "/d/db") == [0xA, 0xB, 0xC, 0xD, 5, 6, 7, 8])

        let sync = try FaultScript(plan: .ioError(at: 5, persistent: false))
        _ = sync.run()
        #expect(sync.fs.durableContents(of: "/d/db") == FaultScript.dbBytes, "a failed sync leaves data pending")
        #expect(sync.fs.pendingOperations(of: "/d/db").count == 2)

        let open = try FaultScript(plan: .crash(at: 6))
        _ = open.run()
        #expect(!open.fs.exists("/d/new"))
        #expect(open.fs.snapshotAllApplied().paths() == ["/d/db", "/d/db-wal", "/d/spare"])
    }

    @Test("a path suffix restricts counting and failing to matching paths")
    func pathSuffixFilter() throws {
        // Wal operations are steps 9, 10, 11: the second is step 10.
        let script = try FaultScript(plan: .ioError(at: 2, persistent: false, pathSuffix: "-wal"))
        let errors = script.run()
        #expect(errors.indices.filter { errors[$0] != nil } == [9])
        #expect(errors[9] == .io(operation: "sync (simulated EIO)", errno: 5, path: "/d/db-wal"))
    }

    @Test("failingSync counts only syncs, and persistent faults keep failing only matching operations")
    func operationKindFilter() throws {
        let second = try FaultScript(plan: .failingSync(at: 2))
        let errors = second.run()
        #expect(errors.indices.filter { errors[$0] != nil } == [9])
        #expect(second.fs.durableContents(of: "/d/db-wal") == [])

        let walSync = try FaultScript(plan: .failingSync(at: 1, fault: .diskFull(persistent: false), pathSuffix: "-wal"))
        #expect(walSync.run()[9] == .diskFull(operation: "sync (simulated ENOSPC)", path: "/d/db-wal"))

        let writes = try FaultScript(plan: .ioError(at: 1, persistent: true, operations: [.write]))
        let writeErrors = writes.run()
        #expect(writeErrors.indices.filter { writeErrors[$0] != nil } == [1, 8])

        let full = try FaultScript(plan: .diskFull(at: 1, persistent: true))  // default: writes and truncates
        let fullErrors = full.run()
        #expect(fullErrors.indices.filter { fullErrors[$0] != nil } == [1, 3, 8])
    }

    @Test("replacing or clearing the plan lifts a persistent fault")
    func clearingLiftsPersistentFault() throws {
        let script = try FaultScript(plan: .ioError(at: 1, persistent: true))
        #expect(throws: SombraError.self) { try script.db.read(at: 0, count: 1) }
        #expect(throws: SombraError.self) { try script.db.size() }
        script.fs.faultPlan = nil
        #expect(try script.db.size() == 8)
        #expect(!script.fs.faultHasFired)
    }

    @Test("after a crash every operation throws the crash error, including lock and open, but images work")
    func crashIsFinal() throws {
        let script = try FaultScript(plan: nil)
        script.fs.crash()
        #expect(script.fs.isCrashed)
        let crash = SimulatedFileSystem.crashError(path: "/d/db")
        #expect(crash.isSimulatedCrash)
        #expect(!SombraError.io(operation: "write", errno: -1, path: "/d/db").isSimulatedCrash)
        #expect(throws: crash) { try script.db.lock(.shared) }
        #expect(throws: crash) { try script.fs.open("/d/db", mode: .readWrite) }
        #expect(throws: crash) { try script.db.sync() }
        #expect(script.fs.exists("/d/db"))
        script.db.close()  // never throws

        let image = script.fs.durableImage()
        #expect(!image.isCrashed && image.faultPlan == nil && image.counters.operations == 0)
        let file = try image.open("/d/db", mode: .readWrite)
        try file.write([0], at: 0)
        #expect(script.fs.contents(of: "/d/db") == FaultScript.dbBytes, "an image is independent of its source")
    }

    @Test("a crashing write can be torn: its first k bytes land as a pending write")
    func tornWrites() throws {
        let planned = try FaultScript(plan: .crash(at: 2, tornWriteBytes: 2))
        let errors = planned.run()
        #expect(errors[1] == SimulatedFileSystem.crashError(path: "/d/db"))
        #expect(planned.fs.contents(of: "/d/db") == [0xA, 0xB, 3, 4, 5, 6, 7, 8])
        #expect(planned.fs.durableContents(of: "/d/db") == FaultScript.dbBytes)
        #expect(planned.fs.counters.writes("/d/db") == 0, "a torn write did not complete")

        let next = try FaultScript(plan: nil)
        next.fs.tearNextWrite(atByte: 1, pathSuffix: "-wal")
        let nextErrors = next.run()
        #expect(nextErrors.indices.filter { nextErrors[$0] == nil } == Array(0..<8))
        #expect(nextErrors[8] == SimulatedFileSystem.crashError(path: "/d/db-wal"))
        #expect(next.fs.snapshotAllApplied().contents(of: "/d/db-wal") == [0x11])
        #expect(next.fs.durableImage().contents(of: "/d/db-wal") == [])

        let notAWrite = try FaultScript(plan: .crash(at: 1, tornWriteBytes: 4))  // step 1 is a read
        _ = notAWrite.run()
        #expect(notAWrite.fs.contents(of: "/d/db") == FaultScript.dbBytes)
    }
}
