// FuzzSeeds: the fuzz targets by name, their harness entry points, and the seed inputs each fuzzer starts
// from (written to Fuzz/Corpus/<target>/ by `fuzz-<target> --make-seeds DIR`). Layer: SombraFuzzHarness.
//
// Invariants:
//  1. Seeds are deterministic: the same harness version writes the same files.
//  2. Seed names start with "seed-"; inputs kept from fuzzing keep libFuzzer's names (a SHA-1) or
//     "crash-<what>" for inputs that once found a bug.
import SombraFormat
import SombraTestSupport
import Sombra

public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Target 1: database image (+ log) opened, verified, read, written, repaired.
    case image
    /// Target 2: a damaged log replayed against a valid database.
    case wal
    /// Target 3: graph operations with faults and power losses against the model.
    case ops
    /// Target 4: C ABI call sequences (the harness is C: Fuzz/Sources/CABIFuzz).
    case cabi

    /// The Swift harness entry point (nil for `cabi`, whose harness is C).
    public var harness: (@Sendable ([UInt8]) -> FuzzOutcome)? {
        switch self {
        case .image: return { FuzzHarness.databaseImage($0) }
        case .wal: return { FuzzHarness.walReplay($0) }
        case .ops: return { FuzzHarness.operations($0) }
        case .cabi: return nil
        }
    }
}

public enum FuzzSeeds {
    public static func seeds(_ target: FuzzTarget) -> [(name: String, bytes: [UInt8])] {
        switch target {
        case .image: return imageSeeds()
        case .wal: return walSeeds()
        case .ops: return programSeeds(prefix: "ops", opcodeCount: 26)
        case .cabi: return programSeeds(prefix: "cabi", opcodeCount: 72)
        }
    }

    static func le32(_ n: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) } }

    static func imageSeeds() -> [(name: String, bytes: [UInt8])] {
        var out: [(name: String, bytes: [UInt8])] = [
            ("seed-empty", [0]),
            ("seed-text", [0] + le32(40) + Array("this is a text file, not a database at all".utf8)),
        ]
        for (i, base) in FuzzBaseImages.all.enumerated() {
            // Patched mode with no patches: the base itself, read-only, then with a write, then repaired.
            out.append(("seed-base-\(base.name)", [1, UInt8(i)]))
            out.append(("seed-base-\(base.name)-write-repair", [1 | 8 | 16, UInt8(i)]))
            // A re-sealed byte change in page 3's slot area and in page 1's cells.
            out.append(("seed-base-\(base.name)-sealed-patch", [1 | 2 | 4, UInt8(i), 3, 18, 0, 0, 0x7F, 1, 0xF0, 0x0F, 0, 0xFF]))
            // A log frame damaged, and the file cut in the middle of page 2.
            out.append(("seed-base-\(base.name)-cut", [1, UInt8(i), 0x81, 100, 0, 0, 0x55, 2, 0, 8, 0x80]))
            if base.database.count <= 64 << 10 {
                out.append(("seed-raw-\(base.name)", [2 | 4 | 8] + le32(base.database.count) + base.database + base.log))
            }
        }
        return out
    }

    static func walSeeds() -> [(name: String, bytes: [UInt8])] {
        var out: [(name: String, bytes: [UInt8])] = []
        for (i, base) in FuzzBaseImages.logged.enumerated() {
            let b = UInt8(i)
            out.append(("seed-\(base.name)", [0, b]))
            // A page byte inside frame 1 changed, then the chain recomputed: a forged but valid frame.
            out.append(("seed-\(base.name)-forged", [2 | 4, b, 0x81, 200, 0, 0, 0x42]))
            // A frame's page number and commit count changed, re-chained.
            out.append(("seed-\(base.name)-renumbered", [2, b, 0x82, 0, 0, 0, 7, 0x82, 16, 0, 0, 1]))
            // Cut inside the log.
            out.append(("seed-\(base.name)-cut", [8, b] + le32(base.log.count / 2 + 13)))
            // The whole log as raw bytes, re-chained.
            if base.log.count <= 96 << 10 { out.append(("seed-\(base.name)-raw", [1 | 2, b] + base.log)) }
        }
        return out
    }

    /// Byte programs for the interpreters (every byte string is a program): seeded streams of a few
    /// lengths, some biased towards mutations and commits, some towards faults.
    static func programSeeds(prefix: String, opcodeCount: Int) -> [(name: String, bytes: [UInt8])] {
        var out: [(name: String, bytes: [UInt8])] = []
        for (i, length) in [48, 160, 400, 900, 1600].enumerated() {
            var r = SeededRandom(seed: UInt64(1000 + i))
            out.append(("seed-\(prefix)-random-\(length)", r.bytes(length)))
        }
        // Mostly low opcodes (mutations) with a commit every few steps.
        var r = SeededRandom(seed: 77)
        var program: [UInt8] = [0]
        for step in 0..<120 {
            program.append(step % 9 == 8 ? UInt8(min(16, opcodeCount - 1)) : UInt8(r.below(min(14, opcodeCount))))
            program += r.bytes(6)
        }
        out.append(("seed-\(prefix)-mutations", program))
        return out
    }
}

extension FuzzBaseImages {
    /// Invariants 1 and 2 of BaseImages: every base is a committed file that opens (read-only and
    /// read-write), verifies clean and reads back as the graph it was built from. Returns the problems.
    public static func selfCheck() -> [String] {
        var problems: [String] = buildErrors.withLock { $0 }
        if all.count != specs.count { problems.append("have \(all.count) bases, expected \(specs.count)") }
        for base in all {
            if readFile(directory + "/" + base.name + ".sombra") == nil {
                problems.append("\(directory)/\(base.name).sombra is missing (fuzz-image --make-bases Fuzz/Bases)")
            }
            for readOnly in [true, false] {
                let fs = FuzzHarness.makeFileSystem(database: base.database, log: base.log)
                do throws(SombraError) {
                    let db = try GraphDB.open(path: FuzzHarness.path, options: FuzzHarness.options(readOnly: readOnly), fileSystem: fs)
                    defer { try? db.close() }
                    let report = try db.verify()
                    if !report.isClean { problems.append("base \(base.name) verifies with \(report.findings.prefix(3))") }
                    let dump = try GraphDump.read(db)
                    if dump != base.expected { problems.append("base \(base.name) reads back differently: \(dump.difference(from: base.expected))") }
                } catch {
                    problems.append("base \(base.name) (read-only \(readOnly)) fails: \(error)")
                }
            }
        }
        return problems
    }
}
