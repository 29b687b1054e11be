// `sombractl export DB FILE`: writes the graph as JSON Lines (exact: every value, id and index declaration;
// Docs/jsonl-format.md) or as Neo4j-style CSV (FILE names the stem: <stem>-nodes.csv and
// <stem>-relationships.csv; lossy where CSV cannot say a value, reported). Read-only; one snapshot.
import ArgumentParser
import Foundation
import Sombra

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a graph as JSON Lines or Neo4j-style CSV (read-only).")

    @Argument(help: "The database file.")
    var database: String

    @Argument(help: "The output file ('-' writes JSON Lines to stdout); for CSV, the stem of the two files.")
    var file: String

    @Option(name: .customLong("as"), help: ArgumentHelp("Output format: jsonl or csv (default: from the file extension, else jsonl).", valueName: "jsonl|csv"))
    var outputFormat: GraphFileFormat?

    @Option(name: .long, help: "CSV field delimiter.")
    var delimiter: String = ","

    @Option(name: .long, help: "CSV array delimiter inside a field.")
    var arrayDelimiter: String = ";"

    @OptionGroup var output: FormatOption

    func validate() throws {
        guard delimiter.count == 1, delimiter != "\"" else { throw ValidationError("--delimiter must be one character other than '\"'") }
        guard arrayDelimiter.count == 1, arrayDelimiter != delimiter else {
            throw ValidationError("--array-delimiter must be one character other than the delimiter")
        }
    }

    func run() throws {
        let format = outputFormat ?? GraphFileFormat.guess(file) ?? .jsonl
        if format == .csv, file == "-" { throw couldNotRun("CSV export writes two files; give a file stem, not '-'") }
        let progress = ProgressLine()
        let result = try Database.reading(database) { db in
            try db.read { tx in
                format == .jsonl ? try exportJSONL(tx, progress) : try exportCSV(tx, progress)
            }
        }
        progress.finish()
        let report = file == "-" ? { (s: String) in console.err(s) } : { (s: String) in console.out(s) }
        if output.isJSON {
            var o = JSONObject()
            o.set("database", database)
            o.set("format", format.rawValue)
            o.set("files", .array(result.files.map { .string($0) }))
            o.set("nodes", result.nodes)
            o.set("edges", result.edges)
            o.set("indexes", result.indexes)
            o.set("lossy", .array(result.lossy.map { .string($0) }))
            report(o.json.text)
            return
        }
        for l in result.lossy { console.err("warning: \(l)") }
        report("exported \(result.nodes) nodes, \(result.edges) edges\(format == .jsonl ? ", \(result.indexes) indexes" : "") to \(result.files.joined(separator: " and "))")
    }

    struct Result {
        var files: [String] = []
        var nodes = 0
        var edges = 0
        var indexes = 0
        var lossy: [String] = []
    }

    // MARK: JSON Lines

    func exportJSONL(_ tx: ReadTransaction, _ progress: ProgressLine) throws -> Result {
        var r = Result(files: [file == "-" ? "stdout" : file])
        let out = try TextOutput(path: file)
        let total = try tx.nodeCount() + tx.edgeCount()
        try out.line(GraphJSONL.headerLine(nodes: try tx.nodeCount(), edges: try tx.edgeCount()))
        for (label, key) in try tx.indexes() {
            try out.line(GraphJSONL.indexLine(label: label, key: key))
            r.indexes += 1
        }
        var nodes = try tx.allNodes()
        while let id = try nodes.next() {
            guard let n = try tx.node(id) else { continue }
            try out.line(GraphJSONL.nodeLine(n))
            r.nodes += 1
            progress.update("export", r.nodes, total)
        }
        var edges = try tx.allEdges()
        while let id = try edges.next() {
            guard let e = try tx.edge(id) else { continue }
            try out.line(GraphJSONL.edgeLine(e))
            r.edges += 1
            progress.update("export", r.nodes + r.edges, total)
        }
        try out.close()
        return r
    }

    // MARK: CSV

    /// The column type of a property key across all records (json = written as JSON text, lossy).
    enum ColumnType: Equatable {
        case long, double, boolean, string
        case list(String)
        case json

        var header: String {
            switch self {
            case .long: return "long"
            case .double: return "double"
            case .boolean: return "boolean"
            case .string, .json: return "string"
            case .list(let t): return t + "[]"
            }
        }
    }

    func scalarType(_ v: Value) -> String? {
        switch v {
        case .int: return "long"
        case .double: return "double"
        case .bool: return "boolean"
        case .string(let s): return s.contains(arrayDelimiter) ? nil : "string"
        default: return nil
        }
    }

    func columnType(_ v: Value) -> ColumnType {
        switch v {
        case .int: return .long
        case .double: return .double
        case .bool: return .boolean
        case .string: return .string
        case .list(let items):
            guard let first = items.first, let t = scalarType(first), items.allSatisfy({ scalarType($0) == t }) else { return .json }
            return .list(t)
        default: return .json
        }
    }

    func cell(_ v: Value, _ type: ColumnType) -> String {
        let d = Character(delimiter)
        switch (type, v) {
        case (.json, _): return Neo4jCSV.quote(GraphJSONL.encode(v).text, delimiter: d, forceQuotes: true)
        case (_, .int(let i)): return String(i)
        case (_, .double(let x)): return Neo4jCSV.doubleText(x)
        case (_, .bool(let b)): return b ? "true" : "false"
        case (_, .string(let s)): return Neo4jCSV.quote(s, delimiter: d, forceQuotes: s.isEmpty)
        case (.list, .list(let items)):
            return Neo4jCSV.quote(items.map { cell($0, .long) }.map(unquoted).joined(separator: arrayDelimiter), delimiter: d)
        default: return Neo4jCSV.quote(GraphJSONL.encode(v).text, delimiter: d, forceQuotes: true)
        }
    }

    /// Scalars inside a list are joined before quoting, so they must be raw text.
    func unquoted(_ s: String) -> String {
        guard s.hasPrefix("\""), s.hasSuffix("\""), s.count >= 2 else { return s }
        return String(s.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    func columns(_ records: () throws -> [[String: Value]]?, _ r: inout Result, _ what: String) throws -> [(String, ColumnType)] {
        var types: [String: ColumnType] = [:]
        var nulls = Set<String>()
        while let batch = try records() {
            for props in batch {
                for (k, v) in props {
                    if case .null = v { nulls.insert(k); continue }
                    let t = columnType(v)
                    if let old = types[k], old != t { types[k] = .json } else if types[k] == nil { types[k] = t }
                }
            }
        }
        for k in nulls.sorted() { r.lossy.append("\(what) property \(k): null values are written as empty fields (no property)") }
        for (k, t) in types.sorted(by: { $0.key < $1.key }) where t == .json {
            r.lossy.append("\(what) property \(k): mixed or nested values are written as JSON text and import as strings")
        }
        return types.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    func exportCSV(_ tx: ReadTransaction, _ progress: ProgressLine) throws -> Result {
        let stem = file.lowercased().hasSuffix(".csv") ? String(file.dropLast(4)) : file
        let nodesPath = stem + "-nodes.csv", relsPath = stem + "-relationships.csv"
        var r = Result(files: [nodesPath, relsPath])
        let d = delimiter
        // Pass 1: the columns.
        var nodeCursor = try tx.allNodes()
        let nodeColumns = try columns({ () throws -> [[String: Value]]? in
            var batch: [[String: Value]] = []
            while batch.count < 1024, let id = try nodeCursor.next() { if let n = try tx.node(id) { batch.append(n.properties) } }
            return batch.isEmpty ? nil : batch
        }, &r, "node")
        var edgeCursor = try tx.allEdges()
        let edgeColumns = try columns({ () throws -> [[String: Value]]? in
            var batch: [[String: Value]] = []
            while batch.count < 1024, let id = try edgeCursor.next() { if let e = try tx.edge(id) { batch.append(e.properties) } }
            return batch.isEmpty ? nil : batch
        }, &r, "relationship")
        let ad = Character(arrayDelimiter)
        // Pass 2: nodes.
        let nodesOut = try TextOutput(path: nodesPath)
        try nodesOut.line(([":ID", ":LABEL"] + nodeColumns.map { Neo4jCSV.quote("\($0.0):\($0.1.header)", delimiter: Character(d)) }).joined(separator: d))
        var nodes = try tx.allNodes()
        while let id = try nodes.next() {
            guard let n = try tx.node(id) else { continue }
            if n.labels.contains(where: { $0.contains(ad) }) { r.lossy.append("node n\(id.rawValue): a label contains the array delimiter") }
            var fields = [String(id.rawValue), Neo4jCSV.quote(n.labels.joined(separator: arrayDelimiter), delimiter: Character(d))]
            for (k, t) in nodeColumns { fields.append(n[k].map { v in if case .null = v { return "" }; return cell(v, t) } ?? "") }
            try nodesOut.line(fields.joined(separator: d))
            r.nodes += 1
            progress.update("export nodes", r.nodes, 0)
        }
        try nodesOut.close()
        // Pass 3: relationships.
        let relsOut = try TextOutput(path: relsPath)
        try relsOut.line(([":START_ID", ":END_ID", ":TYPE"] + edgeColumns.map { Neo4jCSV.quote("\($0.0):\($0.1.header)", delimiter: Character(d)) }).joined(separator: d))
        var edges = try tx.allEdges()
        while let id = try edges.next() {
            guard let e = try tx.edge(id) else { continue }
            var fields = [String(e.source.rawValue), String(e.target.rawValue), Neo4jCSV.quote(e.type, delimiter: Character(d))]
            for (k, t) in edgeColumns { fields.append(e.properties[k].map { v in if case .null = v { return "" }; return cell(v, t) } ?? "") }
            try relsOut.line(fields.joined(separator: d))
            r.edges += 1
            progress.update("export relationships", r.edges, 0)
        }
        try relsOut.close()
        if try !tx.indexes().isEmpty { r.lossy.append("index declarations are not part of CSV (use JSON Lines to keep them)") }
        if r.lossy.count > 100 { r.lossy = Array(r.lossy.prefix(100)) + ["…"] }
        return r
    }
}
