// LogFuzz: fuzz target 2 (reliability guide F2, C4-C5 by mutation): a valid database with a damaged log.
// The log of a base image is patched (or replaced by raw bytes), optionally re-chained so its frames pass
// the checksum chain, then recovered read-only and read-write, verified and read. Layer: SombraFuzzHarness.
//
// Input: [flags u8] [base u8] then
//   flags bit 0 clear: patch records (ImagePatches) applied to the base's log (and database);
//   flags bit 0 set:   the rest of the input is the whole log.
//   bit 1: re-chain the log (its header's id and checksum, every frame's salt and chain checksum);
//   bit 2: with bit 1, also re-seal each frame's page image; bit 3: cut the log at [u32 LE] % (size + 1)
//   (read before the patches).
//
// Promises checked:
//  1. Nothing traps, hangs or allocates without bound.
//  2. Recovery is the same in memory and on disk: a read-only open and a read-write open of the same
//     files see the same graph (when both open and read).
//  3. The base's own log recovers to exactly the graph it was made from.
//  4. When the recovered database verifies clean, a write, a checkpoint and a reopen keep it clean and keep
//     its content (plus the write).
//  5. A read-only open never changes the files (ImageFuzz promise 2).
import SombraFormat
import SombraTestSupport
import Sombra

struct LogFlags: OptionSet {
    let rawValue: UInt8
    static let raw = LogFlags(rawValue: 1)
    static let rechain = LogFlags(rawValue: 2)
    static let sealPages = LogFlags(rawValue: 4)
    static let cut = LogFlags(rawValue: 8)
}

extension FuzzHarness {
    /// Target 2. Never traps; returns the problems found (see the promises above).
    public static func walReplay(_ data: [UInt8]) -> FuzzOutcome {
        var outcome = FuzzOutcome()
        let bases = FuzzBaseImages.logged
        guard !bases.isEmpty else {
            outcome.problem("no base image with a log could be built")
            return outcome
        }
        var input = FuzzBytes(data)
        let flags = LogFlags(rawValue: input.u8())
        let base = bases[input.below(bases.count)]
        var database = base.database
        var log = base.log
        let cutAt = flags.contains(.cut) ? Int(input.u32()) : nil
        if flags.contains(.raw) {
            log = input.rest()
        } else {
            ImagePatches.apply(&input, database: &database, log: &log, pageSize: FuzzBaseImages.pageSize)
        }
        if flags.contains(.rechain) {
            ImageSealing.sealLog(&log, pageSize: FuzzBaseImages.pageSize, databaseID: FuzzBaseImages.databaseID,
                                 sealPages: flags.contains(.sealPages))
        }
        if let cutAt { log = Array(log.prefix(cutAt % (log.count + 1))) }
        let untouched = database == base.database && log == base.log

        let fs = makeFileSystem(database: database, log: log)
        let before = (fs.contents(of: path), fs.contents(of: logPath), fs.paths())
        let readOnly = recoverAndRead(fs, readOnly: true, &outcome)
        if fs.contents(of: path) != before.0 || fs.contents(of: logPath) != before.1 || fs.paths() != before.2 {
            outcome.problem("a read-only open changed the files: \(before.2) -> \(fs.paths())")
        }
        let readWrite = recoverAndRead(fs, readOnly: false, &outcome)
        if let a = readOnly, let b = readWrite, a != b {
            outcome.problem("read-only and read-write recovery differ: \(a.difference(from: b))")
        }
        if untouched {
            if let b = readWrite, b != base.expected {
                outcome.problem("the base log recovers to another graph: \(b.difference(from: base.expected))")
            }
            if readWrite == nil { outcome.problem("the untouched base \(base.name) does not open and read") }
        }
        readWritePass(fs, &outcome)
        return outcome
    }

    /// Opens, verifies, probes and dumps; nil when the open or the dump fails.
    static func recoverAndRead(_ fs: SimulatedFileSystem, readOnly: Bool, _ outcome: inout FuzzOutcome) -> GraphDump? {
        let what = readOnly ? "recover-read-only" : "recover-read-write"
        do throws(SombraError) {
            let db = try GraphDB.open(path: path, options: options(readOnly: readOnly), fileSystem: fs)
            defer { try? db.close() }
            // Both recoveries are verified; the reads are probed once (their dumps are compared).
            verifyAndProbe(db, &outcome, what, probe: readOnly)
            return try GraphDump.read(db)
        } catch {
            outcome.count("\(what)-error-\(error.code)")
            return nil
        }
    }
}
