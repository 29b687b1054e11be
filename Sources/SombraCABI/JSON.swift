// JSON: a small printer and parser between `Value` and JSON text, written here so the C ABI needs no
// Foundation. Layer: SombraCABI. The mapping is documented in sombra.h (sombra_value_to_json).
//
// Invariants:
//  1. print then parse gives back an equal value (every NaN becomes the canonical NaN): ints print with no
//     '.' or exponent, doubles always with one; bytes, non-finite doubles and maps whose only key starts
//     with '$' use the one-key special objects {"$bytes": ...}, {"$double": ...}, {"$map": ...}.
//  2. The parser accepts exactly RFC 8259 JSON (no comments, no trailing commas, no leading zeros,
//     no raw control characters in strings, no lone surrogates) and rejects a repeated object key.
//  3. Parsing is bounded: nesting deeper than Limits.nesting is refused before recursing further, at most
//     Limits.jsonItems values are read, and the input itself is bounded by Limits.jsonBytes (checked by the
//     caller).
//  4. Printed object keys are in UTF-8 byte order, so equal values print identical text.
import Sombra

enum JSONPrinter {
    static func print(_ v: Value) -> String {
        var out: [UInt8] = []
        append(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func append(_ v: Value, to out: inout [UInt8]) {
        switch v {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d): appendDouble(d, to: &out)
        case .string(let s): appendString(s, to: &out)
        case .bytes(let b):
            out += Array("{\"$bytes\":\"".utf8)
            out += Base64.encode(b)
            out += Array("\"}".utf8)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let m):
            let keys = sortedKeys(m)
            let wrap = keys.count == 1 && keys[0].utf8.first == UInt8(ascii: "$")
            if wrap { out += Array("{\"$map\":".utf8) }
            out.append(UInt8(ascii: "{"))
            for (i, k) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                if let item = m[k] { append(item, to: &out) }
            }
            out.append(UInt8(ascii: "}"))
            if wrap { out.append(UInt8(ascii: "}")) }
        }
    }

    static func appendDouble(_ d: Double, to out: inout [UInt8]) {
        if d.isNaN { out += Array("{\"$double\":\"nan\"}".utf8); return }
        if d.isInfinite { out += Array((d < 0 ? "{\"$double\":\"-inf\"}" : "{\"$double\":\"inf\"}").utf8); return }
        // Swift's description is the shortest text that reads back as the same double.
        var text = Array(d.description.utf8)
        if !text.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            text += Array(".0".utf8)
        }
        out += text
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                out += Array("\\u00".utf8)
                out += [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    /// Values read so far (invariant 3: memory stays proportional to a value the engine could store).
    var items = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws -> Value {
        let v = try parseValue(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the value") }
        return v
    }

    func fail(_ what: String) -> CABIError { .json("\(what) at byte \(i)") }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func expect(_ word: String) throws {
        for b in word.utf8 {
            guard i < bytes.count, bytes[i] == b else { throw fail("expected \(word)") }
            i += 1
        }
    }

    /// `depth` counts the lists and maps around this value (invariant 3).
    mutating func parseValue(depth: Int) throws -> Value {
        items += 1
        guard items <= Limits.jsonItems else { throw fail("more than \(Limits.jsonItems) values") }
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of text") }
        switch bytes[i] {
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["):
            guard depth < Limits.nesting else { throw fail("nesting deeper than \(Limits.nesting)") }
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "{"):
            guard depth < Limits.nesting else { throw fail("nesting deeper than \(Limits.nesting)") }
            return try parseObject(depth: depth + 1, literal: false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func parseArray(depth: Int) throws -> Value {
        i += 1
        var items: [Value] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .list(items) }
        while true {
            items.append(try parseValue(depth: depth))
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .list(items) }
            throw fail("expected , or ]")
        }
    }

    /// An object; unless `literal`, a one-key object with key $bytes, $double or $map is a special form.
    mutating func parseObject(depth: Int, literal: Bool) throws -> Value {
        i += 1
        var entries: [String: Value] = [:]
        var order: [String] = []
        var literalMapAt: Int? = nil  // where a "$map" value was read literally
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .map(entries) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try parseString()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected :") }
            i += 1
            let value: Value
            skipSpace()
            if !literal, key == "$map", i < bytes.count, bytes[i] == UInt8(ascii: "{") {
                literalMapAt = i
                value = try parseObject(depth: depth, literal: true)  // the wrapper adds no nesting
            } else {
                value = try parseValue(depth: depth)
            }
            guard entries.updateValue(value, forKey: key) == nil else { throw fail("repeated key \"\(key)\"") }
            order.append(key)
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; break }
            throw fail("expected , or }")
        }
        if let at = literalMapAt, order.count != 1 {
            // Not the one-key form after all: read the "$map" value again as an ordinary object.
            let end = i
            i = at
            entries["$map"] = try parseValue(depth: depth)
            i = end
        }
        if literal || order.count != 1 { return .map(entries) }
        return try special(order[0], entries[order[0]] ?? .null, entries)
    }

    /// Interprets the one-key special objects (invariant 1).
    func special(_ key: String, _ v: Value, _ entries: [String: Value]) throws -> Value {
        switch key {
        case "$bytes":
            guard case .string(let s) = v, let b = Base64.decode(Array(s.utf8)) else {
                throw fail("$bytes needs a base64 string")
            }
            return .bytes(b)
        case "$double":
            switch v {
            case .string("nan"): return .double(.nan)
            case .string("inf"): return .double(.infinity)
            case .string("-inf"): return .double(-.infinity)
            default: throw fail("$double needs \"nan\", \"inf\" or \"-inf\"")
            }
        case "$map":
            guard case .map = v else { throw fail("$map needs an object") }
            return v
        default:
            return .map(entries)
        }
    }

    mutating func parseString() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw CABIError.invalidUTF8("a JSON string before byte \(i) is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0..<0x20:
                throw fail("raw control character in a string")
            default:
                out.append(b)
            }
        }
    }

    mutating func parseEscape(into out: inout [UInt8]) throws {
        guard i < bytes.count else { throw fail("unterminated escape") }
        let c = bytes[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                    throw fail("lone high surrogate")
                }
                i += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw fail("bad low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw fail("lone low surrogate")
            }
            guard let u = Unicode.Scalar(scalar) else { throw fail("bad escape") }
            out += Array(String(Character(u)).utf8)
        default:
            throw fail("bad escape")
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            i += 1
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail("bad hex digit")
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    mutating func parseNumber() throws -> Value {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.i]) { p.i += 1 }
            return p.i - s
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw fail("bad number") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            guard digits(&self) > 0 else { throw fail("bad number") }
        }
        var isInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            isInteger = false
            guard digits(&self) > 0 else { throw fail("bad fraction") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            isInteger = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw fail("bad exponent") }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger, let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw fail("bad number") }
        return .double(d)
    }
}

/// Standard base64 with padding (RFC 4648, section 4).
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((b.count + 2) / 3 * 4)
        var i = 0
        while i < b.count {
            let n = min(3, b.count - i)
            let x = UInt32(b[i]) << 16 | (n > 1 ? UInt32(b[i + 1]) << 8 : 0) | (n > 2 ? UInt32(b[i + 2]) : 0)
            out.append(alphabet[Int(x >> 18 & 63)])
            out.append(alphabet[Int(x >> 12 & 63)])
            out.append(n > 1 ? alphabet[Int(x >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(x & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return out
    }

    static func decode(_ s: [UInt8]) -> [UInt8]? {
        guard s.count % 4 == 0 else { return nil }
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int16(i) }
        var out: [UInt8] = []
        out.reserveCapacity(s.count / 4 * 3)
        var i = 0
        while i < s.count {
            let last = i + 4 == s.count
            var x: UInt32 = 0
            var pad = 0
            for j in 0..<4 {
                let c = s[i + j]
                if c == UInt8(ascii: "=") {
                    guard last, j >= 2 else { return nil }
                    pad += 1
                    x <<= 6
                    continue
                }
                guard pad == 0 else { return nil }
                let v = table[Int(c)]
                guard v >= 0 else { return nil }
                x = x << 6 | UInt32(v)
            }
            out.append(UInt8(x >> 16 & 0xFF))
            if pad < 2 { out.append(UInt8(x >> 8 & 0xFF)) }
            if pad < 1 { out.append(UInt8(x & 0xFF)) }
            i += 4
        }
        return out
    }
}
