// `sombractl export` / `import`: the JSON Lines format round-trips every value exactly (with ids kept, or
// remapped and compared by structure); Neo4j-style CSV imports, and CSV export imports back.
import Foundation
import Testing
import SombraTestSupport
@testable import Sombra
@testable import SombraCtlKit

/// A graph compared by structure: each node as its labels and properties, each edge as its endpoints'
/// forms, type and properties; both sorted (ids play no part).
func canonical(_ g: (nodes: [Node], edges: [Edge])) -> (nodes: [String], edges: [String]) {
    func props(_ p: [String: Value]) -> String { p.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
    var form: [NodeID: String] = [:]
    for n in g.nodes { form[n.id] = n.labels.sorted().joined(separator: ":") + "{" + props(n.properties) + "}" }
    let edges = g.edges.map { "\(form[$0.source] ?? "?")-[\($0.type){\(props($0.properties))}]->\(form[$0.target] ?? "?")" }
    return (form.values.sorted(), edges.sorted())
}

extension SombraCtlSuite {
@Suite("import and export")
struct ImportExportTests {
    /// Values JSON cannot express directly, and awkward strings and numbers.
    static let awkward: [String: Value] = [
        "nan": .double(.nan), "inf": .double(.infinity), "ninf": .double(-.infinity), "negzero": .double(-0.0),
        "whole": .double(3.0), "tiny": .double(.leastNonzeroMagnitude), "big": .double(1.7976931348623157e308),
        "imax": .int(.max), "imin": .int(.min), "bytes": .bytes([0, 1, 2, 254, 255]), "empty": .string(""),
        "text": .string("quote \" backslash \\ newline \n tab \t nul-free é 漢 🙂"),
        "list": .list([1, "two", 3.5, .null, .list([]), .map(["k": true])]),
        "dollar": .map(["$bytes": "not really", "$double": 1, "plain": .map([:])]),
        "nullv": .null,
    ]

    func buildVaried(_ path: String) throws -> (nodes: [Node], edges: [Edge]) {
        try buildGraph(path, nodes: 300, deletions: 15)
        let db = try openGraph(path)
        try db.write { tx in
            let a = try tx.createNode(labels: ["Odd", "Thing"], properties: Self.awkward)
            let b = try tx.createNode(labels: [], properties: [:])
            try tx.createEdge(from: a, to: b, type: "WEIRD", properties: Self.awkward)
            try tx.createEdge(from: a, to: a, type: "SELF")
            try tx.createIndex(label: "Thing", key: "imax")
        }
        let g = try snapshot(db)
        try db.close()
        return g
    }

    @Test("JSON Lines export then import --keep-ids gives an identical graph, indexes included")
    func jsonlKeepIDs() throws {
        let dir = try TempDir()
        let src = dir.file("src.sombra")
        let graph = try buildVaried(src)
        let file = dir.file("g.jsonl")
        let e = ctl("export", src, file, "--format", "json")
        #expect(e.code == 0, "\(e.err)")
        let er = try report(e.out)
        #expect(er["nodes"] == .int(Int64(graph.nodes.count)) && er["edges"] == .int(Int64(graph.edges.count)) && er["indexes"] == .int(2))
        let dst = dir.file("dst.sombra")
        let i = ctl("import", dst, file, "--keep-ids", "--format", "json")
        #expect(i.code == 0, "\(i.err)")
        #expect(try report(i.out)["nodes"] == .int(Int64(graph.nodes.count)))
        let copy = try snapshot(path: dst)
        #expect(copy.nodes == graph.nodes)
        #expect(copy.edges == graph.edges)
        let db = try openGraph(dst, readOnly: true)
        defer { try? db.close() }
        let indexes = try db.read { tx in try tx.indexes().map { "\($0.label).\($0.key)" }.sorted() }
        #expect(indexes == ["Person.name", "Thing.imax"])
        #expect(try db.verify().isClean)
        // A second export of the copy is byte-identical.
        let again = dir.file("again.jsonl")
        let second = ctl("export", dst, again)
        #expect(second.code == 0, "\(second.err)")
        #expect(try RawFile.read(again) == RawFile.read(file))
    }

    @Test("JSON Lines import without --keep-ids remaps ids and keeps the structure")
    func jsonlRemapped() throws {
        let dir = try TempDir()
        let src = dir.file("src.sombra")
        let graph = try buildVaried(src)
        let file = dir.file("g.jsonl")
        #expect(ctl("export", src, file).code == 0)
        // Import twice into one database: the second copy must get fresh ids.
        let dst = dir.file("dst.sombra")
        #expect(ctl("import", dst, file).code == 0)
        #expect(ctl("import", dst, file).code == 0)
        let copy = try snapshot(path: dst)
        #expect(copy.nodes.count == 2 * graph.nodes.count)
        let single = canonical(graph)
        let expected = ((single.nodes + single.nodes).sorted(), (single.edges + single.edges).sorted())
        let got = canonical(copy)
        #expect(got.nodes == expected.0, "\(Set(got.nodes).symmetricDifference(expected.0))")
        #expect(got.edges == expected.1, "\(Set(got.edges).symmetricDifference(expected.1).prefix(4))")
    }

    @Test("a JSON Lines file whose relationships come before their nodes, with APOC-style endpoints, imports")
    func jsonlOrderAndAPOC() throws {
        let dir = try TempDir()
        let file = dir.file("apoc.jsonl")
        let lines = [
            #"{"type":"relationship","id":"0","label":"KNOWS","start":{"id":"a","labels":["User"]},"end":{"id":"b"},"properties":{"w":0.5}}"#,
            #"{"type":"node","id":"a","labels":["User"],"properties":{"name":"Ann","n":1}}"#,
            "",
            #"{"type":"node","id":"b","labels":["User"],"properties":{"name":"Bo","big":{"$bytes":"AAEC"}}}"#,
        ]
        try RawFile.write(file, Array((lines.joined(separator: "\n") + "\n").utf8))
        let dst = dir.file("dst.sombra")
        let run = ctl("import", dst, file)
        #expect(run.code == 0, "\(run.err)")
        let g = try snapshot(path: dst)
        #expect(g.nodes.map { $0["name"] } == ["Ann", "Bo"])
        #expect(g.nodes[1]["big"] == .bytes([0, 1, 2]))
        #expect(g.edges.count == 1 && g.edges[0].type == "KNOWS" && g.edges[0]["w"] == 0.5)
        #expect(g.edges[0].source == g.nodes[0].id && g.edges[0].target == g.nodes[1].id)
    }

    @Test("a bad JSON Lines file fails with exit 2 naming the line, and imports nothing")
    func jsonlErrors() throws {
        let dir = try TempDir()
        let file = dir.file("bad.jsonl")
        try RawFile.write(file, Array("{\"type\":\"node\",\"id\":1}\n{\"type\":\"node\",\"id\":2,\"labels\":[1]}\n".utf8))
        let dst = dir.file("dst.sombra")
        let run = ctl("import", dst, file)
        #expect(run.code == 2)
        #expect(run.err.contains("line 2"))
        #expect(try snapshot(path: dst).nodes.isEmpty, "the import is one transaction")
        try RawFile.write(file, Array("{\"type\":\"relationship\",\"label\":\"X\",\"start\":1,\"end\":9}\n".utf8))
        let dangling = ctl("import", dst, file)
        #expect(dangling.code == 2)
        #expect(dangling.err.contains("no node has key"))
    }

    @Test("Neo4j bulk-import CSV (id spaces, typed and array columns, quoting, IGNORE) imports as expected")
    func neo4jCSV() throws {
        let dir = try TempDir()
        let people = dir.file("people.csv")
        let movies = dir.file("movies.csv")
        let roles = dir.file("roles.csv")
        try RawFile.write(people, Array("""
            personId:ID(Person),name,born:int,:LABEL,nick:string[],score:double,active:boolean,junk:IGNORE
            keanu,"Reeves, Keanu",1964,Person;Actor,Neo;John,9.5,true,x
            carrie,"Carrie-Anne ""Trinity"" Moss",1967,Person;Actor,,8,FALSE,y
            lana,"Lana
            Wachowski",,Person;Director,"",,,z

            """.utf8))
        try RawFile.write(movies, Array("""
            movieId:ID(Movie),title,released:long,:LABEL
            tt0133093,The Matrix,1999,Movie

            """.utf8))
        try RawFile.write(roles, Array("""
            :START_ID(Person),role,:END_ID(Movie),:TYPE,rating:float
            keanu,Neo,tt0133093,ACTED_IN,4.5
            carrie,Trinity,tt0133093,ACTED_IN,
            lana,,tt0133093,DIRECTED,

            """.utf8))
        let dst = dir.file("movies.sombra")
        let run = ctl("import", dst, roles, people, movies, "--format", "json")
        #expect(run.code == 0, "\(run.err)")
        let g = try snapshot(path: dst)
        #expect(g.nodes.count == 4 && g.edges.count == 3)
        let byName = Dictionary(uniqueKeysWithValues: g.nodes.compactMap { n in n["name"].map { ($0, n) } ?? n["title"].map { ($0, n) } })
        let keanu = try #require(byName["Reeves, Keanu"])
        #expect(keanu.labels == ["Actor", "Person"])
        #expect(keanu["born"] == 1964 && keanu["score"] == 9.5 && keanu["active"] == true)
        #expect(keanu["nick"] == ["Neo", "John"])
        #expect(keanu["personId"] == "keanu")
        #expect(keanu["junk"] == nil)
        let carrie = try #require(byName["Carrie-Anne \"Trinity\" Moss"])
        #expect(carrie["active"] == false && carrie["nick"] == nil && carrie["score"] == 8.0)
        let lana = try #require(byName["Lana\nWachowski"])
        #expect(lana["born"] == nil && lana["nick"] == .list([]))
        let matrix = try #require(byName["The Matrix"])
        #expect(matrix.labels == ["Movie"] && matrix["released"] == 1999)
        let acted = g.edges.filter { $0.type == "ACTED_IN" }
        #expect(acted.count == 2 && acted.allSatisfy { $0.target == matrix.id })
        #expect(acted.first { $0.source == keanu.id }?["role"] == "Neo")
        #expect(acted.first { $0.source == keanu.id }?["rating"] == 4.5)
        #expect(g.edges.first { $0.type == "DIRECTED" }?.source == lana.id)
    }

    @Test("CSV export then import keeps the structure of a typed graph")
    func csvRoundTrip() throws {
        let dir = try TempDir()
        let src = dir.file("src.sombra")
        let graph = try buildGraph(src, nodes: 200, deletions: 10)
        let db = try openGraph(src)
        try db.write { tx in
            let a = try tx.createNode(labels: ["Tagged"], properties: ["tags": ["a", "b,c", "d\"e"], "ws": " padded ", "empty": ""])
            try tx.createEdge(from: a, to: a, type: "SELF", properties: ["weights": [1.5, 2.0]])
        }
        let full = try snapshot(db)
        try db.close()
        _ = graph
        let stem = dir.file("out")
        let e = ctl("export", src, stem + ".csv")
        #expect(e.code == 0, "\(e.err)")
        let dst = dir.file("dst.sombra")
        let i = ctl("import", dst, stem + "-nodes.csv", stem + "-relationships.csv")
        #expect(i.code == 0, "\(i.err)")
        let copy = try snapshot(path: dst)
        let a = canonical(full), b = canonical(copy)
        #expect(a.nodes == b.nodes)
        #expect(a.edges == b.edges)
    }

    @Test("random values survive the JSON encoding exactly")
    func valueCodecRoundTrip() throws {
        var rng = SeededRandom(seed: 77)
        func random(_ depth: Int) -> Value {
            switch rng.below(depth > 2 ? 7 : 9) {
            case 0: return .null
            case 1: return .bool(rng.chance(50))
            case 2: return .int(Int64(bitPattern: rng.next()))
            case 3: return .double([Double.nan, .infinity, -.infinity, -0.0, 0.1, 1e300, Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)][rng.below(7)])
            case 4: return .string(String((0..<rng.below(8)).map { _ in Character(UnicodeScalar(UInt8(32 + rng.below(90)))) }) + ["", "$", "é", "\u{1}"][rng.below(4)])
            case 5: return .bytes(rng.bytes(rng.below(6)))
            case 6: return .string("$map")
            case 7: return .list((0..<rng.below(4)).map { _ in random(depth + 1) })
            default:
                var m: [String: Value] = [:]
                for _ in 0..<rng.below(4) { m[["a", "$b", "$map", "$bytes", "c d"][rng.below(5)]] = random(depth + 1) }
                return .map(m)
            }
        }
        var mismatches = 0
        let rounds = 2000
        for _ in 0..<rounds {
            let v = random(0)
            let text = GraphJSONL.encode(v).text
            let back = try GraphJSONL.decode(try JSON.parse(text), at: "v")
            if back != v { mismatches += 1; Issue.record("seed 77: \(v) -> \(text) -> \(back)") }
        }
        print("jsonl-values: values: \(rounds) mismatches: \(mismatches) seed: 77")
    }
}
}
