// CommandSupport: what every sombractl command shares: the report format option, opening a database
// read-only or for writing, exit codes, and small formatting helpers.
//
// Exit codes (Docs/CLI.md): 0 success; 1 the command ran and found problems (verify) or lost data
// (repair); 2 the command could not run (bad arguments, unreadable database, I/O error).
//
// Invariants:
//  1. Commands that only read open the database with `readOnly = true`: nothing on disk changes, not even
//     by log recovery (the pager recovers the log in memory only).
//  2. Every failure reaches the user as one line on stderr and exit code 2; nothing traps.
import ArgumentParser
import Foundation
import Sombra
import SombraStorage

/// How a command prints its report.
package enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// The `--format` option every reporting command takes.
package struct FormatOption: ParsableArguments {
    @Option(name: .long, help: "Report format: text or json.")
    package var format: OutputFormat = .text

    package init() {}

    package var isJSON: Bool { format == .json }
}

/// Ends a command with an exit code after it printed its report (1 = problems found).
package struct CommandExit: Error {
    package let code: Int32
    package let message: String?
    package init(_ code: Int32, _ message: String? = nil) {
        self.code = code
        self.message = message
    }
}

/// A failure that stops a command before it could do its job (exit code 2).
package func couldNotRun(_ message: String) -> CommandExit { CommandExit(2, message) }

enum Database {
    /// Opens an existing database read-only (invariant 1).
    static func openReadOnly(_ path: String) throws -> GraphDB {
        guard FileManager.default.fileExists(atPath: path) else { throw couldNotRun("no such file: \(path)") }
        var o = GraphOptions()
        o.readOnly = true
        o.create = false
        o.cacheBytes = 64 << 20
        return try GraphDB.open(path, options: o)
    }

    /// Opens a database for writing; `create` allows a new file.
    static func openForWriting(_ path: String, create: Bool, syncMode: SyncMode = .full) throws -> GraphDB {
        if !create, !FileManager.default.fileExists(atPath: path) { throw couldNotRun("no such file: \(path)") }
        var o = GraphOptions()
        o.create = create
        o.syncMode = syncMode
        return try GraphDB.open(path, options: o)
    }

    static func fileSize(_ path: String) -> UInt64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value
    }

    /// Runs `body` on a read-only handle and closes it.
    static func reading<R>(_ path: String, _ body: (GraphDB) throws -> R) throws -> R {
        let db = try openReadOnly(path)
        defer { try? db.close() }
        return try body(db)
    }
}

extension ParsableCommand {
    var console: Console { Console.current }

    func emit(_ json: JSON) { console.out(json.text) }
}

func percent(_ part: Int, _ whole: Int) -> String {
    guard whole > 0 else { return "0%" }
    return String(format: "%.1f%%", Double(part) * 100 / Double(whole))
}

func bytesText(_ n: UInt64) -> String {
    if n < 1024 { return "\(n) bytes" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var v = Double(n) / 1024
    var u = 0
    while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
    return String(format: "%.1f", v) + " " + units[u] + " (\(n) bytes)"
}

func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Pads `s` on the right to `width` characters (for aligned text tables).
func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
func padLeft(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
