// Neo4jCSV: CSV in the header style of Neo4j's bulk import tool (`neo4j-admin database import`), so graphs
// move between Sombra and other graph databases (Docs/CLI.md, "CSV").
//
//   nodes:          :ID,name,age:int,:LABEL            (`personId:ID(Person)` also stores personId)
//   relationships:  :START_ID,:END_ID,:TYPE,since:int  (`:START_ID(Person)` names an id space)
//
// Types: int, long, short, byte -> int; float, double -> double; boolean; string, char; any with `[]` is a
// list split on the array delimiter (default ';'); other Neo4j types (date, point, ...) are kept as strings.
// An unquoted empty field means "no property"; a quoted empty field ("") is the empty string.
//
// Invariants:
//  1. The reader follows RFC 4180 (quotes, doubled quotes, delimiters and newlines inside quotes, CRLF) and
//     never traps on any input; an unterminated quote is an error naming the row.
//  2. `write` quotes every field that needs it, so read(write(fields)) == fields.
import Foundation
import Sombra

enum Neo4jCSV {
    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    struct Field: Equatable {
        var text: String
        var quoted: Bool
    }

    // MARK: Reading

    /// Streams rows of fields from a byte input.
    struct Reader {
        let input: ByteInput
        let delimiter: UInt8
        private(set) var row = 0

        init(input: ByteInput, delimiter: UInt8) {
            self.input = input
            self.delimiter = delimiter
        }

        /// The next row, or nil at the end of input (blank lines are skipped).
        mutating func next() throws -> [Field]? {
            while true {
                guard let fields = try readRow() else { return nil }
                row += 1
                if fields.count == 1, fields[0].text.isEmpty, !fields[0].quoted { continue }
                return fields
            }
        }

        private mutating func readRow() throws -> [Field]? {
            var fields: [Field] = []
            var bytes: [UInt8] = []
            var quoted = false
            var inQuotes = false
            var sawAnything = false
            func finish() -> Field { Field(text: String(decoding: bytes, as: UTF8.self), quoted: quoted) }
            while let b = try input.next() {
                sawAnything = true
                if inQuotes {
                    if b == 0x22 {
                        // A doubled quote is a literal quote; a single one ends the quoted part.
                        if let n = try input.peekNext(), n == 0x22 { _ = try input.next(); bytes.append(0x22) } else { inQuotes = false }
                    } else {
                        bytes.append(b)
                    }
                    continue
                }
                switch b {
                case 0x22 where bytes.isEmpty && !quoted:
                    quoted = true
                    inQuotes = true
                case delimiter:
                    fields.append(finish())
                    bytes.removeAll(keepingCapacity: true)
                    quoted = false
                case 0x0A:
                    if bytes.last == 0x0D, !quoted { bytes.removeLast() }
                    fields.append(finish())
                    return fields
                case 0x0D where quoted:
                    continue
                default:
                    bytes.append(b)
                }
            }
            if inQuotes { throw FormatError(description: "row \(row + 1): a quoted field is not closed") }
            guard sawAnything else { return nil }
            fields.append(finish())
            return fields
        }
    }

    // MARK: Header

    enum ColumnRole: Equatable {
        case id(space: String)
        case label
        case startID(space: String)
        case endID(space: String)
        case type
        case ignore
        case property(ScalarType, isList: Bool)
    }

    enum ScalarType: String {
        case int, double, boolean, string
    }

    struct Column {
        let name: String
        let role: ColumnRole
        /// True for Neo4j types Sombra has no counterpart for (kept as strings).
        let unsupportedType: String?
    }

    static let intTypes: Set<String> = ["int", "long", "short", "byte"]
    static let doubleTypes: Set<String> = ["float", "double"]
    static let stringTypes: Set<String> = ["string", "char"]
    static let otherTypes: Set<String> = ["date", "localtime", "time", "localdatetime", "datetime", "duration", "point"]

    /// Parses one header field: `name`, `name:type`, `name:type[]`, `:ID`, `name:ID(space)`, `:LABEL`, ...
    static func column(_ header: String) -> Column {
        guard let colon = header.lastIndex(of: ":") else { return Column(name: header, role: .property(.string, isList: false), unsupportedType: nil) }
        let name = String(header[..<colon])
        var token = String(header[header.index(after: colon)...])
        var space = ""
        if let open = token.firstIndex(of: "("), token.hasSuffix(")") {
            space = String(token[token.index(after: open)..<token.index(before: token.endIndex)])
            token = String(token[..<open])
        }
        let isList = token.hasSuffix("[]")
        if isList { token.removeLast(2) }
        let t = token.lowercased()
        switch t {
        case "id" where !isList: return Column(name: name, role: .id(space: space), unsupportedType: nil)
        case "label": return Column(name: name, role: .label, unsupportedType: nil)
        case "start_id": return Column(name: name, role: .startID(space: space), unsupportedType: nil)
        case "end_id": return Column(name: name, role: .endID(space: space), unsupportedType: nil)
        case "type" where !isList: return Column(name: name, role: .type, unsupportedType: nil)
        case "ignore": return Column(name: name, role: .ignore, unsupportedType: nil)
        default: break
        }
        if intTypes.contains(t) { return Column(name: name, role: .property(.int, isList: isList), unsupportedType: nil) }
        if doubleTypes.contains(t) { return Column(name: name, role: .property(.double, isList: isList), unsupportedType: nil) }
        if t == "boolean" { return Column(name: name, role: .property(.boolean, isList: isList), unsupportedType: nil) }
        if stringTypes.contains(t) { return Column(name: name, role: .property(.string, isList: isList), unsupportedType: nil) }
        if otherTypes.contains(t) { return Column(name: name, role: .property(.string, isList: isList), unsupportedType: t) }
        return Column(name: header, role: .property(.string, isList: false), unsupportedType: nil)
    }

    static func isRelationshipHeader(_ columns: [Column]) -> Bool {
        columns.contains { if case .startID = $0.role { return true }; return false }
    }

    // MARK: Values

    static func scalar(_ text: String, _ type: ScalarType, row: Int, column: String) throws -> Value {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch type {
        case .string: return .string(text)
        case .int:
            guard let v = Int64(trimmed) else { throw FormatError(description: "row \(row), column \(column): \"\(text)\" is not an integer") }
            return .int(v)
        case .double:
            switch trimmed {
            case "NaN": return .double(.nan)
            case "Infinity", "+Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            default:
                guard let v = Double(trimmed), v.isFinite || trimmed.lowercased().contains("inf") else {
                    throw FormatError(description: "row \(row), column \(column): \"\(text)\" is not a number")
                }
                return .double(v)
            }
        case .boolean:
            switch trimmed.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw FormatError(description: "row \(row), column \(column): \"\(text)\" is not true or false")
            }
        }
    }

    /// A property value of a field, or nil for "no property" (an unquoted empty field).
    static func value(_ f: Field, _ type: ScalarType, isList: Bool, arrayDelimiter: Character, row: Int, column: String) throws -> Value? {
        if f.text.isEmpty && !f.quoted { return nil }
        guard isList else { return try scalar(f.text, type, row: row, column: column) }
        if f.text.isEmpty { return .list([]) }
        return .list(try f.text.split(separator: arrayDelimiter, omittingEmptySubsequences: false).map {
            try scalar(String($0), type, row: row, column: column)
        })
    }

    // MARK: Writing

    static func quote(_ text: String, delimiter: Character, forceQuotes: Bool = false) -> String {
        let needs = forceQuotes || text.contains(delimiter) || text.contains("\"") || text.contains("\n") || text.contains("\r")
            || text.first == " " || text.last == " "
        guard needs else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func doubleText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        return d.description
    }
}

extension ByteInput {
    /// The byte `next()` would return, without consuming it.
    func peekNext() throws -> UInt8? {
        guard let b = try next() else { return nil }
        unread()
        return b
    }
}
