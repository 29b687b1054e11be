// GraphJSONL: the JSON Lines graph format of `sombractl export` / `import` (Docs/jsonl-format.md): one JSON
// object per line — a header, index declarations, nodes, then edges ("relationship", as APOC writes them).
//
//   {"type":"graph","format":"sombra-jsonl","version":1,"nodes":2,"edges":1}
//   {"type":"index","label":"Person","key":"name"}
//   {"type":"node","id":1,"labels":["Person"],"properties":{"name":"Ada","age":36}}
//   {"type":"relationship","id":1,"label":"KNOWS","start":1,"end":2,"properties":{"since":2020}}
//
// Values map to JSON exactly: int -> integer, double -> number with '.' or exponent, string, bool, null,
// list -> array, map -> object; what JSON cannot say is a one-key object: {"$double":"NaN"|"Infinity"|
// "-Infinity"}, {"$bytes":"<base64>"}, and {"$map":{...}} around a map with a key starting with '$'.
//
// Invariants:
//  1. decode(encode(v)) == v for every Value except NaN payloads (every NaN reads back as the canonical NaN).
//  2. Decoding never traps: a line that is not a valid record is an error naming the line.
import Foundation
import Sombra

enum GraphJSONL {
    static let formatName = "sombra-jsonl"
    static let version = 1

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    // MARK: Values

    static func encode(_ v: Value) -> JSON {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d):
            if d.isNaN { return .object([("$double", .string("NaN"))]) }
            if d.isInfinite { return .object([("$double", .string(d > 0 ? "Infinity" : "-Infinity"))]) }
            return .double(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .object([("$bytes", .string(Data(b).base64EncodedString()))])
        case .list(let items): return .array(items.map(encode))
        case .map(let m):
            let entries = m.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, encode($0.value)) }
            if entries.contains(where: { $0.0.hasPrefix("$") }) { return .object([("$map", .object(entries))]) }
            return .object(entries)
        }
    }

    static func decode(_ j: JSON, at path: String) throws -> Value {
        switch j {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): throw FormatError(description: "\(path): integer \(u) does not fit a 64-bit signed property")
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let items):
            return .list(try items.enumerated().map { try decode($0.element, at: "\(path)[\($0.offset)]") })
        case .object(let entries):
            if entries.count == 1, let (key, inner) = entries.first, key.hasPrefix("$") {
                switch key {
                case "$double":
                    switch inner.stringValue {
                    case "NaN": return .double(.nan)
                    case "Infinity": return .double(.infinity)
                    case "-Infinity": return .double(-.infinity)
                    default: throw FormatError(description: "\(path): $double must be \"NaN\", \"Infinity\" or \"-Infinity\"")
                    }
                case "$bytes":
                    guard let s = inner.stringValue, let data = Data(base64Encoded: s) else {
                        throw FormatError(description: "\(path): $bytes must be a base64 string")
                    }
                    return .bytes([UInt8](data))
                case "$map":
                    guard case .object(let m) = inner else { throw FormatError(description: "\(path): $map must hold an object") }
                    return try map(m, at: path)
                default: break
                }
            }
            return try map(entries, at: path)
        }
    }

    static func map(_ entries: [(String, JSON)], at path: String) throws -> Value {
        var m: [String: Value] = [:]
        for (k, v) in entries { m[k] = try decode(v, at: "\(path).\(k)") }
        return .map(m)
    }

    static func properties(_ props: [String: Value]) -> JSON {
        .object(props.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, encode($0.value)) })
    }

    // MARK: Lines

    static func headerLine(nodes: Int, edges: Int) -> String {
        JSON.object([("type", .string("graph")), ("format", .string(formatName)), ("version", .int(Int64(version))),
                     ("nodes", .int(Int64(nodes))), ("edges", .int(Int64(edges)))]).text
    }

    static func indexLine(label: String, key: String) -> String {
        JSON.object([("type", .string("index")), ("label", .string(label)), ("key", .string(key))]).text
    }

    static func nodeLine(_ n: Node) -> String {
        JSON.object([("type", .string("node")), ("id", .uint(n.id.rawValue)),
                     ("labels", .array(n.labels.map { .string($0) })), ("properties", properties(n.properties))]).text
    }

    static func edgeLine(_ e: Edge) -> String {
        JSON.object([("type", .string("relationship")), ("id", .uint(e.id.rawValue)), ("label", .string(e.type)),
                     ("start", .uint(e.source.rawValue)), ("end", .uint(e.target.rawValue)),
                     ("properties", properties(e.properties))]).text
    }

    // MARK: Records read back

    enum Record {
        case header(version: Int)
        case index(label: String, key: String)
        case node(key: String?, id: UInt64?, labels: [String], properties: [String: Value])
        case edge(id: UInt64?, type: String, start: String, end: String, properties: [String: Value])
    }

    /// A node key as text: integers and strings are both accepted as keys ("5" and 5 name the same node).
    static func key(_ j: JSON?) -> String? {
        switch j {
        case .int(let i)?: return String(i)
        case .uint(let u)?: return String(u)
        case .string(let s)?: return s
        case .object?:
            return key(j?["id"])     // APOC writes endpoints as {"id": ..., "labels": [...]}
        default: return nil
        }
    }

    static func positiveID(_ j: JSON?) -> UInt64? {
        switch j {
        case .int(let i)? where i > 0: return UInt64(i)
        case .uint(let u)?: return u
        case .string(let s)?: return UInt64(s).flatMap { $0 > 0 ? $0 : nil }
        case .object?: return positiveID(j?["id"])
        default: return nil
        }
    }

    static func parse(line: String, number: Int) throws -> Record? {
        if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { return nil }
        let j: JSON
        do { j = try JSON.parse(line) } catch { throw FormatError(description: "line \(number): \(error)") }
        guard case .object = j, let type = j["type"]?.stringValue else {
            throw FormatError(description: "line \(number): expected an object with a \"type\"")
        }
        func props() throws -> [String: Value] {
            guard let p = j["properties"] else { return [:] }
            guard case .object(let entries) = p else { throw FormatError(description: "line \(number): properties must be an object") }
            var out: [String: Value] = [:]
            for (k, v) in entries { out[k] = try decode(v, at: "line \(number): properties.\(k)") }
            return out
        }
        switch type {
        case "graph":
            guard j["format"]?.stringValue == formatName else { throw FormatError(description: "line \(number): not a \(formatName) file") }
            guard case .int(let v)? = j["version"], v <= Int64(version) else {
                throw FormatError(description: "line \(number): format version newer than \(version)")
            }
            return .header(version: Int(v))
        case "index":
            guard let l = j["label"]?.stringValue, let k = j["key"]?.stringValue else {
                throw FormatError(description: "line \(number): an index needs \"label\" and \"key\"")
            }
            return .index(label: l, key: k)
        case "node":
            var labels: [String] = []
            if let l = j["labels"] {
                guard case .array(let items) = l else { throw FormatError(description: "line \(number): labels must be an array") }
                for item in items {
                    guard let s = item.stringValue else { throw FormatError(description: "line \(number): labels must be strings") }
                    labels.append(s)
                }
            }
            return .node(key: key(j["id"]), id: positiveID(j["id"]), labels: labels, properties: try props())
        case "relationship", "edge":
            guard let t = j["label"]?.stringValue ?? j["relType"]?.stringValue else {
                throw FormatError(description: "line \(number): a relationship needs its type in \"label\"")
            }
            guard let s = key(j["start"]), let e = key(j["end"]) else {
                throw FormatError(description: "line \(number): a relationship needs \"start\" and \"end\" node keys")
            }
            return .edge(id: positiveID(j["id"]), type: t, start: s, end: e, properties: try props())
        default:
            throw FormatError(description: "line \(number): unknown record type \"\(type)\"")
        }
    }
}
