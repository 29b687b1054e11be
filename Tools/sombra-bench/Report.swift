// Report: turns the two phases into the aligned table (op, sombra, sqlite, ratio, target, check), its notes,
// and the one-line JSON summary. Layer: benchmark tool only.
//
// Invariants:
//  1. ratio = Sombra / SQLite of the same run; null / "n/a" whenever either side is missing.
//  2. Times are per operation in µs in JSON (load: the whole load); sizes in bytes.
//  3. A cell marked "*" had a wide spread between rounds (slowest / fastest > 1.5), listed in the notes.
//  4. fsync_floor_us is the median of every floor round of the run; floor_ratio divides by the floor timed
//     in rounds alternating with that engine's txn_small (the disk here is shared and noisy).
//  5. "check" is the result count over the fixed check prefix; "ok" only when both engines' counts and
//     digests are equal.
import Foundation

/// Everything the report needs from a run.
struct RunContext {
    let nodeCount: Int
    let edgeCount: Int
    let seed: UInt64
    let cacheBytes: Int64
    let policy: TimingPolicy
    let fsyncFloor: Measurement?    // the guide's floor (overwrite one page + fdatasync), timed on its own
    let appendFloor: Measurement?   // extra: append one page + fdatasync (what a growing log pays)
    let baselineRSSBytes: Int64?
    let sombra: PhaseResult?   // nil when skipped with --only
    let sqlite: PhaseResult?
}

enum Target {
    case ratio(Double)
    case openMillis(Double)
    case fsyncFloorRatio(Double)
    case rssOverCache(Int64)

    static func of(_ op: OpName) -> Target {
        switch op {
        case .load, .label, .propEq, .propRange: .ratio(0.5)
        case .getNode: .ratio(0.33)
        case .outgoing, .incoming, .hop2, .bfs: .ratio(0.2)
        case .fileSize: .ratio(1.0)
        case .open: .openMillis(10)
        case .txnSmall: .fsyncFloorRatio(1.1)
        case .rss: .rssOverCache(64 << 20)
        }
    }
}

struct Report {
    let context: RunContext
    static let tableOps: [OpName] = [.load, .open, .getNode, .outgoing, .incoming, .hop2, .label, .propEq,
                                     .propRange, .bfs, .txnSmall, .fileSize, .rss]

    // MARK: - Figures

    /// The figure of `op` for one engine: µs per op for timed ops, bytes for file_size and rss.
    private func value(_ phase: PhaseResult?, _ op: OpName) -> Double? {
        guard let phase, phase.unavailableReason == nil else { return nil }
        switch op {
        case .fileSize: return phase.fileSizeBytes.map(Double.init)
        case .rss: return phase.peakRSSBytes.map(Double.init)
        default: return phase.ops[op]?.measurement?.medianMicros
        }
    }

    private func ratio(_ op: OpName) -> Double? {
        guard let s = value(context.sombra, op), let q = value(context.sqlite, op), q > 0 else { return nil }
        return s / q
    }

    /// Every fsync-floor round of the run: the standalone one and those alternating with each txn_small.
    private var runFloor: Measurement? {
        let parts = [context.fsyncFloor, context.sombra?.fsyncFloorNearTxn, context.sqlite?.fsyncFloorNearTxn]
            .compactMap { $0 }
        guard !parts.isEmpty else { return nil }
        return Measurement(perOpNanosByRound: parts.flatMap(\.perOpNanosByRound),
                           iterations: parts.reduce(0) { $0 + $1.iterations })
    }

    /// txn_small / the floor timed in rounds alternating with it (the run's floor if that is missing).
    private func floorRatio(_ phase: PhaseResult?) -> Double? {
        guard let txn = value(phase, .txnSmall),
              let floor = (phase?.fsyncFloorNearTxn ?? runFloor)?.medianMicros, floor > 0 else { return nil }
        return txn / floor
    }

    private func spread(_ phase: PhaseResult?, _ op: OpName) -> Double? {
        phase?.ops[op]?.measurement?.spread
    }

    private func checks(_ op: OpName) -> (count: Int?, match: Bool?, text: String) {
        let s = context.sombra?.ops[op]?.check
        let q = context.sqlite?.ops[op]?.check
        switch (s, q) {
        case let (s?, q?) where s == q: return (q.count, true, "\(q.count) ok")
        case let (s?, q?) where s.count == q.count: return (q.count, false, "\(q.count) DIGEST MISMATCH")
        case let (s?, q?): return (q.count, false, "\(s.count) vs \(q.count) MISMATCH")
        case let (nil, q?): return (q.count, nil, "\(q.count)")
        case let (s?, nil): return (s.count, nil, "\(s.count)")
        default: return (nil, nil, "")
        }
    }

    /// Target text plus "ok" / "MISS" when the Sombra side is there to judge.
    private func targetCell(_ op: OpName) -> String {
        switch Target.of(op) {
        case .ratio(let limit):
            return "≤ \(trim(limit))" + verdict(ratio(op).map { $0 <= limit })
        case .openMillis(let limit):
            let met = value(context.sombra, op).map { $0 / 1000 <= limit }
            return "≤ \(trim(limit)) ms @1M" + verdict(met)
        case .fsyncFloorRatio(let limit):
            return "≤ \(trim(limit))×floor" + verdict(floorRatio(context.sombra).map { $0 <= limit })
        case .rssOverCache(let extra):
            let limit = Double(context.cacheBytes + extra)
            let base = Double(context.baselineRSSBytes ?? 0)
            let met = value(context.sombra, op).map { $0 - base <= limit }
            return "≤ cache+\(extra >> 20) MiB" + verdict(met)
        }
    }

    private func verdict(_ met: Bool?) -> String {
        guard let met else { return "" }
        return met ? " ok" : " MISS"
    }

    // MARK: - Table

    private func cell(_ phase: PhaseResult?, _ op: OpName) -> String {
        guard let phase, phase.unavailableReason == nil else { return "n/a" }
        if case .failed = phase.ops[op] { return "FAIL" }
        guard let figure = value(phase, op) else { return "n/a" }
        switch op {
        case .fileSize, .rss: return formatBytes(figure)
        default: return formatMicros(figure) + ((spread(phase, op) ?? 1) > TimingPolicy.wideSpread ? "*" : "")
        }
    }

    func table() -> String {
        var rows: [[String]] = [["op", "sombra", "sqlite", "ratio", "target", "check"]]
        for op in Report.tableOps {
            rows.append([op.rawValue, cell(context.sombra, op), cell(context.sqlite, op),
                         ratio(op).map { String(format: "%.2f", $0) } ?? "n/a", targetCell(op), checks(op).text])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            zip(row, widths).enumerated().map { column, pair in
                column == 0 ? pad(pair.0, pair.1) : padLeft(pair.0, pair.1)
            }.joined(separator: "  ")
        }
        lines.insert(String(repeating: "-", count: lines[0].count), at: 1)
        return (header() + lines + notes()).joined(separator: "\n")
    }

    private func header() -> [String] {
        let floor = runFloor.map { formatMicros($0.medianMicros) } ?? "n/a"
        return [
            "sombra-bench: social workload, \(context.nodeCount) nodes, \(context.edgeCount) edges, seed \(context.seed), "
                + "cache \(context.cacheBytes >> 20) MiB per engine",
            "timing: median of \(context.policy.rounds) rounds of ≥ \(trim(context.policy.minSeconds)) s each "
                + "(load: one run per round); ratio = sombra / sqlite; fsync floor (8 KiB pwrite + fdatasync): \(floor)",
            "",
        ]
    }

    private func notes() -> [String] {
        var notes: [String] = [""]
        for (name, phase) in [("sombra", context.sombra), ("sqlite", context.sqlite)] {
            guard let phase else {
                notes.append("\(name): skipped (--only)")
                continue
            }
            if let reason = phase.unavailableReason { notes.append("\(name): n/a (\(reason))") }
            for op in Report.tableOps {
                switch phase.ops[op] {
                case .failed(let message)?: notes.append("\(name) \(op.rawValue) FAILED: \(message)")
                case .unavailable(let reason)?: notes.append("\(name) \(op.rawValue) n/a: \(reason)")
                case .measured(let m, _)? where m.isWide:
                    notes.append("* wide spread: \(name) \(op.rawValue) slowest/fastest round = "
                                 + String(format: "%.2f", m.spread))
                default: break
                }
            }
        }
        let ratios = [("sombra", floorRatio(context.sombra)), ("sqlite", floorRatio(context.sqlite))]
            .map { "\($0.0) \($0.1.map { String(format: "%.2f", $0) } ?? "n/a")" }
        notes.append("txn_small / fsync floor (timed in alternating rounds): " + ratios.joined(separator: ", "))
        let floors = [("alone", context.fsyncFloor), ("next to sombra txn_small", context.sombra?.fsyncFloorNearTxn),
                      ("next to sqlite txn_small", context.sqlite?.fsyncFloorNearTxn)]
            .compactMap { name, m in m.map { "\(name) \(formatMicros($0.medianMicros))" } }
        notes.append("fsync floor (median of all its rounds above): " + floors.joined(separator: ", ")
                     + "; appending 8 KiB + fdatasync instead, for reference: "
                     + (context.appendFloor.map { formatMicros($0.medianMicros) } ?? "n/a"))
        if context.sombra != nil && context.sqlite != nil {
            notes.append("queries (get_node ... bfs): timed after both loads, in rounds alternating between the engines")
            notes.append("load: the first in each engine's phase, the others in rounds alternating between the engines")
        }
        notes.append("load: one durable transaction incl. indexes; time is the whole load, check = nodes + edges")
        notes.append(rssNote())
        notes.append("sqlite: WAL, synchronous=FULL, cache_size = same bytes as Sombra's page cache, page size 4096, "
                     + "prepared statements reused")
        return notes
    }

    private func rssNote() -> String {
        let sqlitePart: String
        switch context.sqlite {
        case nil: sqlitePart = "the SQLite phase did not run"
        case let phase? where phase.peakWasReset:
            sqlitePart = "the peak is then reset (clear_refs), so the SQLite figure is its own phase's peak"
        default: sqlitePart = "the peak could NOT be reset, so the SQLite figure is cumulative"
        }
        let baseline = context.baselineRSSBytes.map { formatBytes(Double($0)) } ?? "n/a"
        return "rss: peak RSS (VmHWM) of the one process. The Sombra phase runs first and its peak is read after "
            + "it; \(sqlitePart). Both include the workload arrays (baseline \(baseline) before any engine ran); "
            + "the rss target compares peak - baseline with the cache budget + 64 MiB."
    }

    // MARK: - JSON

    private func figure(_ value: Double?, asInteger: Bool) -> JSON {
        guard let value else { return .null }
        return asInteger ? .integer(Int64(value)) : .number(value)
    }

    func json() -> JSON {
        var ops: [JSON] = []
        for op in Report.tableOps {
            let check = checks(op)
            let bytes = op == .fileSize || op == .rss
            let unit = bytes ? "bytes" : "us"
            var fields: [(String, JSON)] = [
                ("op", .string(op.rawValue)),
                ("sombra_\(unit)", figure(value(context.sombra, op), asInteger: bytes)),
                ("sqlite_\(unit)", figure(value(context.sqlite, op), asInteger: bytes)),
                ("ratio", .optional(ratio(op))),
                ("check", check.count.map { .integer(Int64($0)) } ?? .null),
                ("check_match", .optional(check.match)),
            ]
            if !bytes {
                fields.append(("sombra_spread", .optional(spread(context.sombra, op))))
                fields.append(("sqlite_spread", .optional(spread(context.sqlite, op))))
            }
            switch op {
            case .load:
                fields.append(("sombra_file_bytes", .optional(context.sombra?.fileSizeBytes)))
                fields.append(("sqlite_file_bytes", .optional(context.sqlite?.fileSizeBytes)))
            case .txnSmall:
                fields.append(("floor_ratio", .optional(floorRatio(context.sombra))))
                fields.append(("sqlite_floor_ratio", .optional(floorRatio(context.sqlite))))
                fields.append(("sombra_floor_us", .optional(context.sombra?.fsyncFloorNearTxn?.medianMicros)))
                fields.append(("sqlite_floor_us", .optional(context.sqlite?.fsyncFloorNearTxn?.medianMicros)))
            case .rss:
                fields.append(("baseline_bytes", .optional(context.baselineRSSBytes)))
                fields.append(("sqlite_peak_reset", .bool(context.sqlite?.peakWasReset ?? false)))
            default: break
            }
            ops.append(.object(fields))
        }
        return .object([
            ("nodes", .integer(Int64(context.nodeCount))),
            ("fsync_floor_us", .optional(runFloor?.medianMicros)),
            ("ops", .array(ops)),
            ("fsync_append_floor_us", .optional(context.appendFloor?.medianMicros)),
            ("edges", .integer(Int64(context.edgeCount))),
            ("seed", context.seed <= UInt64(Int64.max) ? .integer(Int64(context.seed)) : .string(String(context.seed))),
            ("cache_bytes", .integer(context.cacheBytes)),
            ("rounds", .integer(Int64(context.policy.rounds))),
            ("min_seconds", .number(context.policy.minSeconds)),
            ("sombra_available", .bool(context.sombra.map { $0.unavailableReason == nil } ?? false)),
        ])
    }
}

// MARK: - Formatting

func formatMicros(_ micros: Double) -> String {
    switch micros {
    case ..<1: String(format: "%.0f ns", micros * 1000)
    case ..<10: String(format: "%.2f µs", micros)
    case ..<100: String(format: "%.1f µs", micros)
    case ..<1000: String(format: "%.0f µs", micros)
    case ..<10_000: String(format: "%.2f ms", micros / 1000)
    case ..<1_000_000: String(format: "%.1f ms", micros / 1000)
    default: String(format: "%.2f s", micros / 1_000_000)
    }
}

func formatBytes(_ bytes: Double) -> String {
    String(format: "%.1f MiB", bytes / 1_048_576)
}

private func trim(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}

private func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

private func padLeft(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
