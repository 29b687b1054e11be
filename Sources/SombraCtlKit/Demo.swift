// `sombractl demo DB`: builds a small social graph, queries it through an index, traverses it, reopens the
// file and checks that everything is still there, printing what it did. The README's main command.
import ArgumentParser
import Foundation
import Sombra

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a sample graph in DB, query it, traverse it and reopen it.")

    @Argument(help: "Path of the database file to create (replaced if it exists).")
    var database: String = "demo.sombra"

    @Option(help: "Number of people in the sample graph.")
    var people: Int = 1000

    func run() throws {
        for suffix in ["", "-wal"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let count = max(10, min(people, 1_000_000))
        var db = try GraphDB.open(database)
        print("created \(database) (page size \(db.pageSize) bytes)")

        let clock = ContinuousClock()
        let start = clock.now
        let ids = try db.write { tx in
            try tx.createIndex(label: "Person", key: "name")
            var ids: [NodeID] = []
            for i in 0..<count {
                ids.append(try tx.createNode(labels: ["Person"], properties: [
                    "name": .string("person-\(i)"), "age": .int(Int64(18 + i % 60)),
                ]))
            }
            let city = try tx.createNode(labels: ["City"], properties: ["name": "Lisbon"])
            for i in 0..<count {
                try tx.createEdge(from: ids[i], to: ids[(i * 7 + 1) % count], type: "KNOWS", properties: ["since": .int(Int64(2000 + i % 25))])
                try tx.createEdge(from: ids[i], to: ids[(i * 13 + 5) % count], type: "KNOWS")
                if i % 10 == 0 { try tx.createEdge(from: ids[i], to: city, type: "LIVES_IN") }
            }
            return ids
        }
        let loaded = clock.now - start
        print("wrote \(count + 1) nodes and \(2 * count + (count + 9) / 10) edges in one transaction (\(loaded))")

        try db.read { tx in
            let found = try tx.nodes(withLabel: "Person", where: "name", equals: "person-42")
            let hit = try found.collect()
            print("index lookup name = \"person-42\": \(hit.map(\.description).joined(separator: ", "))")
            if let n = hit.first, let node = try tx.node(n) {
                print("  node \(node.id): labels \(node.labels), age \(node["age"] ?? .null)")
                let out = try tx.neighbors(of: n, direction: .outgoing, types: ["KNOWS"])
                print("  knows \(out.count) people: \(out.map(\.description).joined(separator: ", "))")
                print("  degree (both directions): \(try tx.degree(of: n))")
            }
            let reached = try tx.bfs(from: ids[0], maxDepth: 3, direction: .outgoing, types: ["KNOWS"])
            print("breadth-first from \(ids[0]) to depth 3 over KNOWS: \(reached.count) nodes reached")
            if let path = try tx.shortestPath(from: ids[0], to: ids[count / 2], direction: .outgoing) {
                print("shortest path \(ids[0]) -> \(ids[count / 2]): \(path.map(\.description).joined(separator: " -> "))")
            }
            let range = try tx.nodes(withLabel: "Person", where: "age", in: .halfOpen(30, 32))
            print("people aged 30 to 31 (no index, label scan): \(try range.collect().count)")
            print("counts: \(try tx.countNodes(withLabel: "Person")) Person, \(try tx.countNodes(withLabel: "City")) City, \(try tx.countEdges(ofType: "KNOWS")) KNOWS edges")
        }
        try db.close()

        let reopenStart = clock.now
        db = try GraphDB.open(database)
        let reopened = clock.now - reopenStart
        let (nodes, edges, first) = try db.read { tx in (try tx.nodeCount(), try tx.edgeCount(), try tx.node(ids[0])) }
        print("reopened in \(reopened): \(nodes) nodes, \(edges) edges; first node \(first?.description ?? "missing")")
        try db.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0
        print("file \(database): \(size) bytes")
    }
}
