// Pattern matching: hand-built graphs with known embeddings (triangles, parallel edges, self-loops,
// disconnected patterns, filters, indexes), validation, and a seeded comparison against brute-force
// enumeration of every injective assignment on small random graphs.
import Testing
import SombraTestSupport
@testable import Sombra

/// Every match by definition (PatternMatch.swift, semantics 1-3): all injective node assignments, then all
/// injective edge assignments, reduced to distinct Match values.
func bruteForceMatches(_ p: Pattern, _ model: GraphModel) -> Set<Match> {
    let ids = model.nodeIDs
    let edges = model.edges.values.sorted { $0.id < $1.id }
    func nodeOK(_ n: NodeID, _ np: NodePattern) -> Bool {
        let labels = model.labels[n] ?? []
        let props = model.properties[n] ?? [:]
        return np.labels.allSatisfy { labels.contains($0) } && np.properties.allSatisfy { $0.admits(props[$0.key]) }
    }
    var out = Set<Match>()
    var assignment: [String: NodeID] = [:]
    func assignEdges(_ j: Int, _ used: Set<EdgeID>, _ named: [String: EdgeID]) {
        guard j < p.edges.count else {
            out.insert(Match(nodes: assignment, edges: named))
            return
        }
        let ep = p.edges[j]
        guard let a = assignment[ep.from], let b = assignment[ep.to] else { return }
        for e in edges where !used.contains(e.id) && GraphModel.admits(e.type, ep.types) {
            let forward = e.source == a && e.target == b
            let backward = e.source == b && e.target == a
            let ok: Bool
            switch ep.direction {
            case .outgoing: ok = forward
            case .incoming: ok = backward
            case .both: ok = forward || backward
            }
            guard ok else { continue }
            var named = named
            if let v = ep.variable { named[v] = e.id }
            assignEdges(j + 1, used.union([e.id]), named)
        }
    }
    func assignNodes(_ i: Int, _ used: Set<NodeID>) {
        guard i < p.nodes.count else {
            assignEdges(0, [], [:])
            return
        }
        for n in ids where !used.contains(n) && nodeOK(n, p.nodes[i]) {
            assignment[p.nodes[i].variable] = n
            assignNodes(i + 1, used.union([n]))
            assignment[p.nodes[i].variable] = nil
        }
    }
    assignNodes(0, [])
    return out
}

/// Whether `body` fails with `.invalidArgument`.
func isInvalidArgument(_ body: () throws(SombraError) -> Void) -> Bool {
    do throws(SombraError) {
        try body()
        return false
    } catch {
        if case .invalidArgument = error { return true }
        return false
    }
}

@Suite("Pattern matching")
struct PatternMatchTests {
    func node(_ v: String, _ labels: [String] = [], _ filters: [PropertyFilter] = []) -> NodePattern {
        NodePattern(variable: v, labels: labels, properties: filters)
    }

    @Test("a directed triangle matches its three rotations; ignoring direction gives all six orders")
    func triangle() throws {
        let db = try memoryGraph()
        let (n, e) = try db.write { tx throws in
            let n = try (0..<4).map { _ in try tx.createNode(labels: ["P"]) }
            let e = [try tx.createEdge(from: n[0], to: n[1], type: "K"),
                     try tx.createEdge(from: n[1], to: n[2], type: "K"),
                     try tx.createEdge(from: n[2], to: n[0], type: "K")]
            try tx.createEdge(from: n[2], to: n[3], type: "K")
            return (n, e)
        }
        try db.read { tx throws in
            let directed = Pattern(nodes: [node("x", ["P"]), node("y"), node("z")],
                                   edges: [EdgePattern(variable: "r", from: "x", to: "y", types: ["K"]),
                                           EdgePattern(from: "y", to: "z"), EdgePattern(from: "z", to: "x")])
            let got = try tx.match(directed)
            #expect(got.count == 3)
            #expect(Set(got.map { $0.nodes["x"]! }) == [n[0], n[1], n[2]])
            #expect(got.contains(Match(nodes: ["x": n[0], "y": n[1], "z": n[2]], edges: ["r": e[0]])))
            var undirected = directed
            for i in undirected.edges.indices { undirected.edges[i].direction = .both }
            #expect(try tx.match(undirected).count == 6)
            let reversed = Pattern(nodes: [node("x"), node("y")],
                                   edges: [EdgePattern(from: "x", to: "y", direction: .incoming)])
            let pairs = try tx.match(reversed)
            #expect(pairs.count == 4)
            #expect(pairs.contains(Match(nodes: ["x": n[3], "y": n[2]])))
            #expect(try tx.match(Pattern(nodes: [node("x"), node("y")], edges: [EdgePattern(from: "x", to: "y", direction: .both)])).count == 8)
        }
        try db.close()
    }

    @Test("property filters compare with Value.totalOrder and fail on a missing key")
    func filters() throws {
        let db = try memoryGraph()
        let n = try db.write { tx throws in
            [try tx.createNode(labels: ["P"], properties: ["age": 20, "name": "Ann"]),
             try tx.createNode(labels: ["P"], properties: ["age": 30]),
             try tx.createNode(labels: ["P"], properties: ["age": 40]),
             try tx.createNode(labels: ["P"], properties: ["age": .double(25)]),
             try tx.createNode(labels: ["P"])]
        }
        func ids(_ op: PropertyFilter.Operator, _ v: Value, _ tx: Transaction) throws -> Set<NodeID> {
            Set(try tx.match(Pattern(nodes: [node("p", ["P"], [PropertyFilter(key: "age", op: op, value: v)])])).map { $0.nodes["p"]! })
        }
        try db.read { tx throws in
            #expect(try ids(.equals, 30, tx) == [n[1]])
            #expect(try ids(.notEquals, 30, tx) == [n[0], n[2], n[3]])
            #expect(try ids(.less, 30, tx) == [n[0]])
            #expect(try ids(.lessOrEqual, 30, tx) == [n[0], n[1]])
            #expect(try ids(.greater, 30, tx) == [n[2], n[3]])  // every double ranks after every int
            #expect(try ids(.greaterOrEqual, .double(0), tx) == [n[3]])
            #expect(try ids(.equals, "30", tx).isEmpty)
            let two = Pattern(nodes: [node("p", ["P"], [PropertyFilter(key: "age", op: .greater, value: 10),
                                                        PropertyFilter(key: "name", value: "Ann")])])
            #expect(try tx.match(two) == [Match(nodes: ["p": n[0]])])
            #expect(try tx.match(Pattern(nodes: [node("p", ["P"], [PropertyFilter(key: "nokey", op: .notEquals, value: 1)])])).isEmpty)
            #expect(try tx.match(Pattern(nodes: [node("p", ["Nope"])])).isEmpty)
            #expect(try tx.match(Pattern(nodes: [node("p", ["P"])])).count == 5)
        }
        try db.close()
    }

    @Test("each edge pattern needs its own edge; anonymous edges do not multiply matches")
    func parallelEdges() throws {
        let db = try memoryGraph()
        let (a, b, e1, e2) = try db.write { tx throws in
            let a = try tx.createNode(), b = try tx.createNode()
            let e1 = try tx.createEdge(from: a, to: b, type: "T")
            let e2 = try tx.createEdge(from: a, to: b, type: "T")
            return (a, b, e1, e2)
        }
        let xy = [node("x"), node("y")]
        try db.read { tx throws in
            let named = try tx.match(Pattern(nodes: xy, edges: [EdgePattern(variable: "r", from: "x", to: "y")]))
            #expect(Set(named) == [Match(nodes: ["x": a, "y": b], edges: ["r": e1]), Match(nodes: ["x": a, "y": b], edges: ["r": e2])])
            #expect(try tx.match(Pattern(nodes: xy, edges: [EdgePattern(from: "x", to: "y")])) == [Match(nodes: ["x": a, "y": b])])
            let twoNamed = try tx.match(Pattern(nodes: xy, edges: [EdgePattern(variable: "r", from: "x", to: "y"),
                                                                    EdgePattern(variable: "s", from: "x", to: "y")]))
            #expect(Set(twoNamed.map { [$0.edges["r"]!, $0.edges["s"]!] }) == [[e1, e2], [e2, e1]])
            let twoAnon = [EdgePattern(from: "x", to: "y"), EdgePattern(from: "y", to: "x", direction: .incoming)]
            #expect(try tx.match(Pattern(nodes: xy, edges: twoAnon)).count == 1)
            #expect(try tx.match(Pattern(nodes: xy, edges: twoAnon + [EdgePattern(from: "x", to: "y")])).isEmpty)
        }
        try db.close()
    }

    @Test("a self-loop pattern binds a self-loop once; distinct variables never share a node")
    func selfLoops() throws {
        let db = try memoryGraph()
        let (a, b, loop) = try db.write { tx throws in
            let a = try tx.createNode(), b = try tx.createNode()
            let loop = try tx.createEdge(from: a, to: a, type: "L")
            try tx.createEdge(from: a, to: b, type: "T")
            return (a, b, loop)
        }
        try db.read { tx throws in
            for d in Direction.allCases {
                let p = Pattern(nodes: [node("x")], edges: [EdgePattern(variable: "r", from: "x", to: "x", direction: d)])
                #expect(try tx.match(p) == [Match(nodes: ["x": a], edges: ["r": loop])])
            }
            let pair = Pattern(nodes: [node("x"), node("y")], edges: [EdgePattern(from: "x", to: "y", types: ["L"], direction: .both)])
            #expect(try tx.match(pair).isEmpty)
            let both = Pattern(nodes: [node("x"), node("y")], edges: [EdgePattern(from: "x", to: "y", direction: .both)])
            #expect(Set(try tx.match(both)) == [Match(nodes: ["x": a, "y": b]), Match(nodes: ["x": b, "y": a])])
        }
        try db.close()
    }

    @Test("a pattern in two parts matches every pair of distinct nodes; limit cuts the list")
    func disconnectedAndLimit() throws {
        let db = try memoryGraph()
        try db.write { tx throws in for _ in 0..<3 { try tx.createNode(labels: ["N"]) } }
        try db.read { tx throws in
            let p = Pattern(nodes: [node("x", ["N"]), node("y", ["N"])])
            let all = try tx.match(p)
            #expect(all.count == 6 && Set(all).count == 6)
            #expect(all.allSatisfy { $0.nodes["x"] != $0.nodes["y"] })
            let some = try tx.match(p, limit: 4)
            #expect(some.count == 4 && Set(some).isSubset(of: Set(all)))
            #expect(try tx.match(p, limit: 0).isEmpty)
            #expect(try tx.match(Pattern(nodes: [node("x"), node("y"), node("z"), node("w")])).isEmpty)
        }
        try db.close()
    }

    @Test("an index on the filtered property gives the same matches as a label scan")
    func indexAgrees() throws {
        let db = try memoryGraph()
        try db.write { tx throws in
            var people: [NodeID] = []
            for i in 0..<200 {
                people.append(try tx.createNode(labels: ["Person"], properties: ["name": .string("p\(i % 50)"), "i": .int(Int64(i))]))
            }
            for i in 0..<400 { try tx.createEdge(from: people[i % 200], to: people[(i * 7 + 3) % 200], type: "KNOWS") }
        }
        let p = Pattern(nodes: [node("a", ["Person"], [PropertyFilter(key: "name", value: "p7")]),
                                node("b", ["Person"], [PropertyFilter(key: "i", op: .less, value: 100)])],
                        edges: [EdgePattern(variable: "k", from: "a", to: "b", types: ["KNOWS"], direction: .both)])
        let scanned = try db.read { tx throws in try tx.match(p) }
        try db.write { tx throws in try tx.createIndex(label: "Person", key: "name") }
        let indexed = try db.read { tx throws in try tx.match(p) }
        #expect(!scanned.isEmpty)
        #expect(Set(scanned) == Set(indexed) && indexed.count == scanned.count)
        try db.close()
    }

    @Test("malformed patterns and limits are invalidArgument")
    func validation() throws {
        let db = try memoryGraph()
        _ = try db.write { tx throws in try tx.createNode() }
        let bad: [Pattern] = [
            Pattern(nodes: []),
            Pattern(nodes: [node("a"), node("a")]),
            Pattern(nodes: [node("")]),
            Pattern(nodes: [node("a")], edges: [EdgePattern(from: "a", to: "b")]),
            Pattern(nodes: [node("a"), node("b")], edges: [EdgePattern(variable: "a", from: "a", to: "b")]),
            Pattern(nodes: [node("a"), node("b")], edges: [EdgePattern(variable: "r", from: "a", to: "b"),
                                                           EdgePattern(variable: "r", from: "b", to: "a")]),
            Pattern(nodes: (0...Pattern.nodeVariablesMax).map { node("v\($0)") }),
        ]
        try db.read { tx throws in
            for p in bad {
                #expect(isInvalidArgument { () throws(SombraError) in _ = try tx.match(p) }, "\(p)")
            }
            #expect(isInvalidArgument { () throws(SombraError) in _ = try tx.match(Pattern(nodes: [node("a")]), limit: -1) })
            #expect(try tx.match(Pattern(nodes: [node("a")], edges: [EdgePattern(from: "a", to: "a", types: [])])).isEmpty)
            #expect(try tx.match(Pattern(nodes: [node("a")], edges: [EdgePattern(from: "a", to: "a", types: ["NONE"])])).isEmpty)
        }
        try db.close()
    }

    // MARK: - Random comparison with brute force

    @Test("match agrees with brute-force enumeration on small random graphs")
    func randomComparison() throws {
        let seed: UInt64 = 11
        var rng = SeededRandom(seed: seed)
        let graphs = 16
        var patterns = 0, matches = 0, mismatches = 0
        var examples: [String] = []
        let ops = PropertyFilter.Operator.allCases
        for g in 0..<graphs {
            let db = try memoryGraph()
            if g % 2 == 0 { try db.write { tx throws in try tx.createIndex(label: "A", key: "v") } }
            let model = try buildRandomGraph(db, &rng, nodes: 6 + rng.below(4), edges: 6 + rng.below(16), deletions: 1)
            try db.read { tx throws in
                for _ in 0..<16 {
                    let p = randomPattern(&rng, ops)
                    let want = bruteForceMatches(p, model)
                    let got = try tx.match(p)
                    let limit = rng.below(4)
                    let limited = try tx.match(p, limit: limit)
                    patterns += 1
                    matches += got.count
                    let ok = Set(got) == want && Set(got).count == got.count
                        && limited.count == min(limit, want.count) && Set(limited).isSubset(of: want)
                    if !ok {
                        mismatches += 1
                        if examples.count < 5 { examples.append("graph \(g): \(p) got \(got.count) want \(want.count)") }
                    }
                }
            }
            try db.close()
        }
        print("pattern-random: graphs: \(graphs) patterns: \(patterns) matches: \(matches) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed): \(examples)")
        #expect(patterns >= 200 && matches > 0)
    }

    func randomPattern(_ rng: inout SeededRandom, _ ops: [PropertyFilter.Operator]) -> Pattern {
        let k = 1 + rng.below(4)
        var nodes: [NodePattern] = []
        for i in 0..<k {
            var labels: [String] = []
            if rng.chance(40) { labels.append(["A", "B", "C"][rng.below(3)]) }
            if rng.chance(3) { labels.append("Q") }
            var filters: [PropertyFilter] = []
            if rng.chance(35) {
                let value: Value = rng.chance(10) ? .double(2.5) : .int(Int64(rng.below(6)))
                filters.append(PropertyFilter(key: "v", op: rng.chance(40) ? .equals : ops[rng.below(ops.count)], value: value))
            }
            if rng.chance(10) { filters.append(PropertyFilter(key: "s", op: ops[rng.below(ops.count)], value: "b")) }
            nodes.append(NodePattern(variable: "n\(i)", labels: labels, properties: filters))
        }
        var edges: [EdgePattern] = []
        for j in 0..<rng.below(k + 2) {
            let from = "n\(rng.below(k))"
            let to = rng.chance(10) ? from : "n\(rng.below(k))"
            let types: [String]? = rng.chance(50) ? nil : (rng.chance(70) ? [["X", "Y", "Z"][rng.below(3)]] : ["X", "Z"])
            edges.append(EdgePattern(variable: rng.chance(70) ? "e\(j)" : nil, from: from, to: to, types: types,
                                     direction: Direction.allCases[rng.below(3)]))
        }
        return Pattern(nodes: nodes, edges: edges)
    }
}

@Suite("API document examples")
struct APIDocumentExampleTests {
    @Test("the traversal examples of Docs/API.md compile and give the stated answers")
    func examples() throws {
        let db = try memoryGraph()
        let (ada, bob, carl, dora) = try db.write { tx throws in
            let ada = try tx.createNode(labels: ["Person"], properties: ["name": "Ada", "age": 36])
            let bob = try tx.createNode(labels: ["Person"], properties: ["name": "Bob", "age": 30])
            let carl = try tx.createNode(labels: ["Person", "Admin"], properties: ["name": "Carl", "age": 50])
            let dora = try tx.createNode(labels: ["Person"], properties: ["name": "Dora", "age": 45])
            try tx.createEdge(from: ada, to: bob, type: "KNOWS")
            try tx.createEdge(from: carl, to: bob, type: "KNOWS")
            try tx.createEdge(from: bob, to: dora, type: "KNOWS")
            try tx.createEdge(from: ada, to: ada, type: "KNOWS")
            return (ada, bob, carl, dora)
        }
        try db.read { tx throws in
            var firstAdmin: NodeID? = nil
            try tx.forEachReached(from: ada, maxDepth: 6, direction: .both) { (node: NodeID, _: Int) throws(SombraError) -> Bool in
                if try tx.node(node)?.labels.contains("Admin") == true { firstAdmin = node; return false }
                return true
            }
            #expect(firstAdmin == carl)
            #expect(try tx.kHopNeighbors(of: ada, k: 2, direction: .both, types: ["KNOWS"]) == [bob, carl, dora])
            #expect(try tx.shortestPath(from: ada, to: dora, types: ["KNOWS"], maxDepth: 6) == [ada, bob, dora])

            let p = Pattern(
                nodes: [NodePattern(variable: "ada", labels: ["Person"], properties: [PropertyFilter(key: "name", value: "Ada")]),
                        NodePattern(variable: "friend", labels: ["Person"]),
                        NodePattern(variable: "other", labels: ["Person"],
                                    properties: [PropertyFilter(key: "age", op: .greater, value: 40)])],
                edges: [EdgePattern(variable: "k", from: "ada", to: "friend", types: ["KNOWS"]),
                        EdgePattern(from: "friend", to: "other", types: ["KNOWS"], direction: .both)])
            let found = try tx.match(p, limit: 100)
            #expect(Set(found.map { $0.nodes["other"]! }) == [carl, dora])
            #expect(found.allSatisfy { $0.nodes["friend"] == bob && $0.edges["k"] != nil })

            #expect(try tx.degreeDistribution(direction: .outgoing) == [0: 1, 1: 2, 2: 1])  // ada: bob + self-loop
            #expect(try tx.hubs(minDegree: 3, limit: 10).map(\.node) == [bob])
            let lonely = try tx.isolatedNodes()
            #expect(try lonely.collect(limit: 10).isEmpty)
        }
        try db.close()
    }
}
