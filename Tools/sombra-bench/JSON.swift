// JSON: a tiny ordered JSON writer for the one-line machine-readable summary (key order kept as written,
// non-finite numbers written as null). Layer: benchmark tool only.
import Foundation

enum JSON {
    case number(Double)
    case integer(Int64)
    case string(String)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    static func optional(_ value: Double?) -> JSON { value.map { .number($0) } ?? .null }
    static func optional(_ value: Int64?) -> JSON { value.map { .integer($0) } ?? .null }
    static func optional(_ value: Bool?) -> JSON { value.map { .bool($0) } ?? .null }

    var rendered: String {
        switch self {
        case .number(let value):
            guard value.isFinite else { return "null" }
            return String(format: "%.3f", value)
        case .integer(let value): return String(value)
        case .string(let value): return JSON.quote(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ", ") + "]"
        case .object(let fields):
            return "{" + fields.map { JSON.quote($0.0) + ": " + $0.1.rendered }.joined(separator: ", ") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
