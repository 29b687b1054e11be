// `sombractl import DB FILE...`: loads a graph from the JSON Lines graph format (Docs/jsonl-format.md) or
// from CSV files in the style of Neo4j's bulk importer (node files and relationship files, told apart by
// their headers; node files are loaded first). DB is created if it does not exist. The whole import is one
// transaction unless --batch-size is given.
import ArgumentParser
import Foundation
import Sombra

enum GraphFileFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl
    case csv

    static func guess(_ path: String) -> GraphFileFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        if lower.hasSuffix(".csv") { return .csv }
        return nil
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a graph from JSON Lines or Neo4j-style CSV files.")

    @Argument(help: "The database file (created if missing).")
    var database: String

    @Argument(help: "One .jsonl file, or CSV node and relationship files ('-' reads JSON Lines from stdin).")
    var files: [String]

    @Option(name: .customLong("as"), help: ArgumentHelp("Input format: jsonl or csv (default: from the file extension).", valueName: "jsonl|csv"))
    var inputFormat: GraphFileFormat?

    @Flag(name: .customLong("keep-ids"), help: "Keep the file's node ids (and edge ids) instead of letting the database choose.")
    var keepIDs = false

    @Option(name: .long, help: "Commit every N records (default 0: the whole import is one transaction).")
    var batchSize: Int = 0

    @Option(name: .long, help: "CSV field delimiter.")
    var delimiter: String = ","

    @Option(name: .long, help: "CSV array delimiter inside a field.")
    var arrayDelimiter: String = ";"

    @OptionGroup var output: FormatOption

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to import") }
        guard delimiter.utf8.count == 1, let d = delimiter.utf8.first, d != 0x22, d != 0x0A else {
            throw ValidationError("--delimiter must be one ASCII character other than '\"' and newline")
        }
        guard arrayDelimiter.count == 1 else { throw ValidationError("--array-delimiter must be one character") }
    }

    func run() throws {
        let format = inputFormat ?? GraphFileFormat.guess(files[0]) ?? .jsonl
        for f in files where f != "-" {
            guard FileManager.default.fileExists(atPath: f) else { throw couldNotRun("no such file: \(f)") }
        }
        let db = try Database.openForWriting(database, create: true)
        let progress = ProgressLine()
        let importer = GraphImporter(db: db, keepIDs: keepIDs, batchSize: batchSize, progress: progress)
        do {
            switch format {
            case .jsonl:
                guard files.count == 1 else { throw couldNotRun("JSON Lines import takes one file") }
                try importJSONL(files[0], importer)
            case .csv:
                try importCSV(files, importer)
            }
            try importer.finish()
            progress.finish()
            try db.close()
        } catch {
            importer.abort()
            progress.finish()
            try? db.close()
            if let e = error as? GraphJSONL.FormatError { throw couldNotRun(e.description) }
            if let e = error as? Neo4jCSV.FormatError { throw couldNotRun(e.description) }
            throw error
        }
        if output.isJSON {
            var o = JSONObject()
            o.set("database", database)
            o.set("files", .array(files.map { .string($0) }))
            o.set("format", format.rawValue)
            o.set("nodes", importer.nodes)
            o.set("edges", importer.edges)
            o.set("indexes", importer.indexesCreated)
            o.set("warnings", .array(importer.warnings.map { .string($0) }))
            emit(o.json)
            return
        }
        for w in importer.warnings { console.err("warning: \(w)") }
        console.out("imported \(importer.nodes) nodes, \(importer.edges) edges, \(importer.indexesCreated) indexes into \(database)")
    }

    // MARK: JSON Lines

    func importJSONL(_ path: String, _ importer: GraphImporter) throws {
        let input = try ByteInput(path: path)
        defer { input.close() }
        var number = 0
        while var line = try input.nextLine() {
            number += 1
            if number == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }   // a UTF-8 byte order mark
            let origin = "\(path) line \(number)"
            guard let record = try GraphJSONL.parse(line: line, number: number) else { continue }
            switch record {
            case .header: continue
            case .index(let label, let key): importer.declareIndex(label: label, key: key)
            case .node(let key, let id, let labels, let properties):
                try importer.addNode(key: key, id: id, labels: labels, properties: properties, origin: origin)
            case .edge(let id, let type, let start, let end, let properties):
                try importer.addEdge(id: id, type: type, start: start, end: end, properties: properties, origin: origin)
            }
        }
    }

    // MARK: CSV

    func importCSV(_ paths: [String], _ importer: GraphImporter) throws {
        let d = delimiter.utf8.first ?? 0x2C
        var nodeFiles: [(String, [Neo4jCSV.Column])] = []
        var relationshipFiles: [(String, [Neo4jCSV.Column])] = []
        for path in paths {
            let input = try ByteInput(path: path)
            var reader = Neo4jCSV.Reader(input: input, delimiter: d)
            let header = try reader.next() ?? []
            input.close()
            let columns = header.enumerated().map { i, f in
                Neo4jCSV.column(i == 0 && f.text.hasPrefix("\u{FEFF}") ? String(f.text.dropFirst()) : f.text)
            }
            for c in columns { if let t = c.unsupportedType { importer.warn("\(path): column \(c.name) of type \(t) is stored as strings") } }
            if Neo4jCSV.isRelationshipHeader(columns) { relationshipFiles.append((path, columns)) } else { nodeFiles.append((path, columns)) }
        }
        for (path, columns) in nodeFiles { try importCSVNodes(path, columns, importer, d) }
        for (path, columns) in relationshipFiles { try importCSVRelationships(path, columns, importer, d) }
    }

    func rows(_ path: String, _ d: UInt8, _ body: (Int, [Neo4jCSV.Field]) throws -> Void) throws {
        let input = try ByteInput(path: path)
        defer { input.close() }
        var reader = Neo4jCSV.Reader(input: input, delimiter: d)
        _ = try reader.next()   // the header
        while let row = try reader.next() { try body(reader.row, row) }
    }

    func properties(_ columns: [Neo4jCSV.Column], _ row: [Neo4jCSV.Field], _ number: Int, _ path: String) throws -> [String: Value] {
        var props: [String: Value] = [:]
        let arrayDelimiter = self.arrayDelimiter.first ?? ";"
        for (c, f) in zip(columns, row) {
            guard case .property(let type, let isList) = c.role else { continue }
            if let v = try Neo4jCSV.value(f, type, isList: isList, arrayDelimiter: arrayDelimiter, row: number, column: "\(path):\(c.name)") {
                props[c.name] = v
            }
        }
        return props
    }

    func importCSVNodes(_ path: String, _ columns: [Neo4jCSV.Column], _ importer: GraphImporter, _ d: UInt8) throws {
        try rows(path, d) { number, row in
            guard row.count == columns.count else {
                throw couldNotRun("\(path) row \(number): \(row.count) fields, the header has \(columns.count)")
            }
            var key: String? = nil
            var labels: [String] = []
            var props = try properties(columns, row, number, path)
            for (c, f) in zip(columns, row) {
                switch c.role {
                case .id(let space):
                    key = space + "\u{0}" + f.text
                    if !c.name.isEmpty, !f.text.isEmpty { props[c.name] = .string(f.text) }
                case .label:
                    labels += f.text.split(separator: arrayDelimiter.first ?? ";").map(String.init).filter { !$0.isEmpty }
                default: break
                }
            }
            let id = key.flatMap { UInt64($0.split(separator: "\u{0}", omittingEmptySubsequences: false).last ?? "") }
            try importer.addNode(key: key, id: id, labels: Array(Set(labels)).sorted(), properties: props, origin: "\(path) row \(number)")
        }
    }

    func importCSVRelationships(_ path: String, _ columns: [Neo4jCSV.Column], _ importer: GraphImporter, _ d: UInt8) throws {
        guard columns.contains(where: { $0.role == .type }) else { throw couldNotRun("\(path): a relationship file needs a :TYPE column") }
        guard columns.contains(where: { if case .endID = $0.role { return true }; return false }) else {
            throw couldNotRun("\(path): a relationship file needs an :END_ID column")
        }
        try rows(path, d) { number, row in
            guard row.count == columns.count else {
                throw couldNotRun("\(path) row \(number): \(row.count) fields, the header has \(columns.count)")
            }
            var start = "", end = "", type = ""
            for (c, f) in zip(columns, row) {
                switch c.role {
                case .startID(let space): start = space + "\u{0}" + f.text
                case .endID(let space): end = space + "\u{0}" + f.text
                case .type: type = f.text
                default: break
                }
            }
            guard !type.isEmpty else { throw couldNotRun("\(path) row \(number): the relationship has no type") }
            try importer.addEdge(id: nil, type: type, start: start, end: end, properties: try properties(columns, row, number, path),
                                 origin: "\(path) row \(number)")
        }
    }
}
