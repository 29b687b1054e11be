// `sombractl page DB N`: one page decoded: its header (checksum stored and computed, kind, txID), the
// tree or list that owns it, and its cells with keys and values interpreted for that tree; `--raw` adds a
// hex dump. A damaged page is still shown. Read-only.
import ArgumentParser
import Foundation
import Sombra

struct PageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page",
        abstract: "Decode one page; --raw for a hex dump (read-only).")

    @Argument(help: "The database file.")
    var database: String

    @Argument(help: "The page number (0 is the file header).")
    var number: UInt64

    @Flag(name: .long, help: "Also print the page's bytes in hex.")
    var raw = false

    @Option(name: .long, help: "List at most this many cells.")
    var cells: Int = 1000

    @OptionGroup var output: FormatOption

    func run() throws {
        try Database.reading(database) { db in
            let d = try db.inspectPage(number, cellsMax: max(0, cells))
            if output.isJSON {
                var o = JSONObject()
                o.set("page", d.page)
                o.set("source", d.source)
                o.set("owner", d.owner.map { JSON.string($0) } ?? .null)
                o.set("checksum_valid", d.checksumValid)
                o.set("problem", d.problem.map { JSON.string($0) } ?? .null)
                o.set("fields", .object(d.fields.map { ($0.0, json($0.1)) }))
                o.set("cells", .array(d.cells.map { .object($0.map { ($0.0, json($0.1)) }) }))
                o.set("cells_omitted", d.cellsOmitted)
                if raw { o.set("hex", hexString(d.bytes)) }
                emit(o.json)
                return
            }
            console.out("page \(d.page) (\(d.bytes.count) bytes from the \(d.source)), owner: \(d.owner ?? "none")")
            if let problem = d.problem { console.out("problem: \(problem)") }
            for (k, v) in d.fields { console.out("  \(pad(k + ":", 20)) \(v)") }
            for cell in d.cells {
                console.out("  " + cell.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
            }
            if d.cellsOmitted > 0 { console.out("  … \(d.cellsOmitted) more cells (--cells)") }
            if raw { hexDump(d.bytes) }
        }
    }

    func json(_ v: InspectValue) -> JSON {
        switch v {
        case .number(let n): return .uint(n)
        case .text(let s): return .string(s)
        }
    }

    func hexDump(_ bytes: [UInt8]) {
        var offset = 0
        var previous: ArraySlice<UInt8>? = nil
        var skipping = false
        while offset < bytes.count {
            let row = bytes[offset..<min(offset + 16, bytes.count)]
            if let previous, previous == row, offset + 16 < bytes.count {
                if !skipping { console.out("*") }
                skipping = true
            } else {
                skipping = false
                let hex = row.map { String(format: "%02x", $0) }
                let left = hex.prefix(8).joined(separator: " "), right = hex.dropFirst(8).joined(separator: " ")
                let text = String(row.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
                console.out("\(String(format: "%08x", offset))  \(pad(left, 23))  \(pad(right, 23))  |\(text)|")
            }
            previous = row
            offset += 16
        }
        console.out(String(format: "%08x", bytes.count))
    }
}
