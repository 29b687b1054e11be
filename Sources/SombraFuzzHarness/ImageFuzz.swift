// ImageFuzz: fuzz target 1 (reliability guide F2): a database image, with an optional log, opened read-only,
// verified and read through every query; optionally opened read-write, written, checkpointed and reopened;
// optionally repaired (salvaged) into a new file. Layer: SombraFuzzHarness.
//
// Input: [flags u8] then
//   flags bit 0 clear (raw):   [database length u32 LE] [database bytes] [log bytes: the rest]
//   flags bit 0 set (patched): [base u8] [patch records (ImagePatches)] applied to FuzzBaseImages.all[base]
//   bit 1: re-seal the database's checksums after the change (ImageSealing), bit 2: re-seal the log,
//   bit 3: also open read-write, write and reopen, bit 4: also repair into a new file.
//
// Promises checked (a broken one is a `problem`, which the fuzz executable turns into a crash):
//  1. Nothing traps, hangs or allocates without bound (the sanitizer and libFuzzer check this).
//  2. A read-only open never changes the database or the log, and never creates a file.
//  3. When `verify` is clean, no read fails with a corruption error (H4: verify clean means readable).
//  4. A database that verifies clean still verifies clean, with the same content plus the write, after a
//     write, a checkpoint, a close and a reopen.
//  5. Repair never changes its source, and what it writes verifies clean.
import SombraFormat
import SombraIO
import SombraTestSupport
import Sombra

struct ImageFlags: OptionSet {
    let rawValue: UInt8
    static let patched = ImageFlags(rawValue: 1)
    static let sealDatabase = ImageFlags(rawValue: 2)
    static let sealLog = ImageFlags(rawValue: 4)
    static let readWrite = ImageFlags(rawValue: 8)
    static let repair = ImageFlags(rawValue: 16)
}

extension FuzzHarness {
    static let path = "fuzz.sombra"
    static var logPath: String { path + "-wal" }

    /// Target 1. Never traps; returns the problems found (see the promises above).
    public static func databaseImage(_ data: [UInt8]) -> FuzzOutcome {
        var input = FuzzBytes(data)
        let flags = ImageFlags(rawValue: input.u8())
        var database: [UInt8]
        var log: [UInt8]
        if flags.contains(.patched), !FuzzBaseImages.all.isEmpty {
            let base = FuzzBaseImages.all[input.below(FuzzBaseImages.all.count)]
            database = base.database
            log = base.log
            ImagePatches.apply(&input, database: &database, log: &log, pageSize: FuzzBaseImages.pageSize)
        } else {
            let length = Int(input.u32())
            database = input.take(length)
            log = input.rest()
        }
        if flags.contains(.sealDatabase) { ImageSealing.sealDatabase(&database) }
        if flags.contains(.sealLog) {
            ImageSealing.sealLog(&log, pageSize: ImageSealing.pageSize(of: database),
                                 databaseID: ImageSealing.databaseID(of: database), sealPages: true)
        }
        var outcome = FuzzOutcome()
        let fs = makeFileSystem(database: database, log: log)
        readOnlyPass(fs, &outcome)
        if flags.contains(.readWrite) { readWritePass(fs, &outcome) }
        if flags.contains(.repair) { repairPass(fs, &outcome) }
        return outcome
    }

    static func makeFileSystem(database: [UInt8], log: [UInt8]) -> SimulatedFileSystem {
        let fs = SimulatedFileSystem()
        fs.setContents(of: path, database)
        if !log.isEmpty { fs.setContents(of: logPath, log) }
        // A hostile header can claim 2^40 pages: a checkpoint must meet a full disk, not allocate terabytes.
        fs.capacityBytes = database.count + log.count + (8 << 20)
        return fs
    }

    static func options(readOnly: Bool) -> GraphOptions {
        var o = GraphOptions()
        o.pageSize = FuzzBaseImages.pageSize
        o.cacheBytes = 256 << 10
        o.syncMode = .full
        o.checkpointThresholdBytes = 1 << 20
        o.readOnly = readOnly
        o.create = false
        return o
    }

    /// Opens, verifies and reads; returns whether verify was clean (nil when it could not run).
    /// Verifies, then (when `probe`) runs every read; returns whether verify was clean (nil: it could not run).
    @discardableResult
    static func verifyAndProbe(_ db: GraphDB, _ outcome: inout FuzzOutcome, _ what: String, probe: Bool = true) -> Bool? {
        let report: VerifyReport
        do throws(SombraError) { report = try db.verify() } catch {
            outcome.count("\(what)-verify-error-\(error.code)")
            return nil
        }
        outcome.count(report.isClean ? "\(what)-verify-clean" : "\(what)-verify-findings")
        guard probe else { return report.isClean }
        var reads = ReadProbe()
        do throws(SombraError) {
            let tx = try db.beginRead()
            reads.run(tx)
            tx.end()
        } catch {
            outcome.count("\(what)-begin-read-error-\(error.code)")
        }
        outcome.count("reads", reads.reads)
        if report.isClean, let first = reads.corruption.first {
            outcome.problem("\(what): verify was clean but \(first)")
        }
        return report.isClean
    }

    /// Promises 2 and 3.
    static func readOnlyPass(_ fs: SimulatedFileSystem, _ outcome: inout FuzzOutcome) {
        let before = (fs.contents(of: path), fs.contents(of: logPath), fs.paths())
        do throws(SombraError) {
            let db = try GraphDB.open(path: path, options: options(readOnly: true), fileSystem: fs)
            outcome.count("read-only-opened")
            verifyAndProbe(db, &outcome, "read-only")
            try? db.close()
        } catch {
            outcome.count("read-only-open-error-\(error.code)")
        }
        if fs.contents(of: path) != before.0 || fs.contents(of: logPath) != before.1 || fs.paths() != before.2 {
            outcome.problem("a read-only open changed the files: \(before.2) -> \(fs.paths())")
        }
    }

    /// Promise 4.
    static func readWritePass(_ fs: SimulatedFileSystem, _ outcome: inout FuzzOutcome) {
        let db: GraphDB
        do throws(SombraError) {
            db = try GraphDB.open(path: path, options: options(readOnly: false), fileSystem: fs)
        } catch {
            outcome.count("read-write-open-error-\(error.code)")
            return
        }
        // The content was probed by the read-only pass (the same recovery); verify decides promise 4.
        let clean = verifyAndProbe(db, &outcome, "read-write", probe: false) == true
        let before: GraphDump? = clean ? (try? GraphDump.read(db)) : nil
        var wrote = false
        do throws(SombraError) {
            let tx = try db.beginWrite()
            do throws(SombraError) {
                let n = try tx.createNode(labels: ["Fuzz"], properties: ["k": .int(1)])
                var all = try tx.allNodes()
                if let first = try all.next() { try tx.createEdge(from: n, to: first, type: "FUZZ") }
                try tx.commit()
                wrote = true
            } catch {
                tx.rollback()
                throw error
            }
            try db.checkpoint()
        } catch {
            outcome.count("write-error-\(error.code)")
            if clean, error.isCorruption { outcome.problem("verify was clean but a write failed: \(error)") }
        }
        let after = try? GraphDump.read(db)
        try? db.close()
        guard clean, wrote, let before, let after else { return }
        if after.nodeCount != before.nodeCount + 1 {
            outcome.problem("after one createNode the count went from \(before.nodeCount) to \(after.nodeCount)")
        }
        do throws(SombraError) {
            let again = try GraphDB.open(path: path, options: options(readOnly: false), fileSystem: fs)
            defer { try? again.close() }
            let report = try again.verify()
            if !report.isClean {
                outcome.problem("clean before a write, not after reopening: \(report.findings.prefix(3))")
            }
            let reread = try GraphDump.read(again)
            if reread != after { outcome.problem("reopen changed the graph: \(reread.difference(from: after))") }
        } catch {
            outcome.problem("a clean database written and closed does not reopen: \(error)")
        }
    }

    /// Promise 5.
    static func repairPass(_ fs: SimulatedFileSystem, _ outcome: inout FuzzOutcome) {
        let source = (fs.contents(of: path), fs.contents(of: logPath))
        let output = "repaired.sombra"
        do throws(SombraError) {
            let report = try GraphSalvage.run(source: path, destination: output, options: SalvageOptions(), fileSystem: fs)
            outcome.count("repaired")
            outcome.count("repaired-nodes", report.recoveredNodes)
            let db = try GraphDB.open(path: output, options: options(readOnly: true), fileSystem: fs)
            defer { try? db.close() }
            let verified = try db.verify()
            if !verified.isClean { outcome.problem("repair output does not verify clean: \(verified.findings.prefix(3))") }
        } catch {
            outcome.count("repair-error-\(error.code)")
        }
        if fs.contents(of: path) != source.0 || fs.contents(of: logPath) != source.1 {
            outcome.problem("repair changed its source")
        }
        try? fs.remove(output)
        try? fs.remove(output + "-wal")
    }
}
