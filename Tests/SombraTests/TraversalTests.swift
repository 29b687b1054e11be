// Traversals, shortest paths and subgraphs: hand-built graphs with known answers, and a seeded random
// comparison against plain in-memory reference implementations (GraphModel, shared with the pattern and
// statistics tests).
import DequeModule
import Testing
import SombraIO
import SombraTestSupport
@testable import Sombra

// MARK: - Reference model

/// The same graph as the database holds, in plain dictionaries, with straightforward algorithms.
struct GraphModel {
    struct ModelEdge: Hashable {
        let id: EdgeID
        let source: NodeID
        let target: NodeID
        let type: String
    }

    var labels: [NodeID: Set<String>] = [:]
    var properties: [NodeID: [String: Value]] = [:]
    var edges: [EdgeID: ModelEdge] = [:]
    /// The database's type ids, to reproduce its adjacency order (type id, other end, edge id).
    var typeIDs: [String: UInt32] = [:]
    var outgoing: [NodeID: [ModelEdge]] = [:]
    var incoming: [NodeID: [ModelEdge]] = [:]

    var nodeIDs: [NodeID] { labels.keys.sorted() }

    /// Rebuilds the sorted adjacency lists after changes.
    mutating func index() {
        outgoing = [:]
        incoming = [:]
        for e in edges.values {
            outgoing[e.source, default: []].append(e)
            incoming[e.target, default: []].append(e)
        }
        let ids = typeIDs
        let rank = { (t: String) in ids[t] ?? .max }
        for (n, list) in outgoing {
            outgoing[n] = list.sorted { (rank($0.type), $0.target.rawValue, $0.id.rawValue) < (rank($1.type), $1.target.rawValue, $1.id.rawValue) }
        }
        for (n, list) in incoming {
            incoming[n] = list.sorted { (rank($0.type), $0.source.rawValue, $0.id.rawValue) < (rank($1.type), $1.source.rawValue, $1.id.rawValue) }
        }
    }

    static func admits(_ type: String, _ types: [String]?) -> Bool { types.map { $0.contains(type) } ?? true }

    /// Neighbours in the database's adjacency order (outgoing entries, then incoming), repeats kept.
    func neighbors(_ n: NodeID, _ direction: Direction, _ types: [String]?) -> [NodeID] {
        var out: [NodeID] = []
        if direction != .incoming {
            out += (outgoing[n] ?? []).filter { Self.admits($0.type, types) }.map(\.target)
        }
        if direction != .outgoing {
            out += (incoming[n] ?? []).filter { Self.admits($0.type, types) }.map(\.source)
        }
        return out
    }

    func bfs(_ starts: [NodeID], _ maxDepth: Int, _ direction: Direction, _ types: [String]?) -> [(node: NodeID, depth: Int)] {
        var seen = Set<NodeID>()
        var order: [(node: NodeID, depth: Int)] = []
        var queue = Deque<(NodeID, Int)>()
        for s in starts where seen.insert(s).inserted {
            order.append((s, 0))
            queue.append((s, 0))
        }
        while let (n, d) = queue.popFirst(), d < maxDepth {
            for m in neighbors(n, direction, types) where seen.insert(m).inserted {
                order.append((m, d + 1))
                queue.append((m, d + 1))
            }
        }
        return order
    }

    /// Whether an edge admitted by the filter leads from `a` to `b` in `direction`.
    func hasStep(_ a: NodeID, _ b: NodeID, _ direction: Direction, _ types: [String]?) -> Bool {
        neighbors(a, direction, types).contains(b)
    }

    func degree(_ n: NodeID, _ direction: Direction, _ types: [String]? = nil) -> Int {
        let out = (outgoing[n] ?? []).filter { Self.admits($0.type, types) }
        let inc = (incoming[n] ?? []).filter { Self.admits($0.type, types) }
        switch direction {
        case .outgoing: return out.count
        case .incoming: return inc.count
        case .both: return out.count + inc.filter { $0.source != $0.target }.count
        }
    }
}

/// Builds a random graph in `db` and the same graph as a model: labels A/B/C, an int property `v` and a
/// string property `s`, edges of types X/Y/Z including self-loops and parallel edges, and a few deleted nodes.
func buildRandomGraph(_ db: GraphDB, _ rng: inout SeededRandom, nodes nodeCount: Int, edges edgeCount: Int,
                      labels: [String] = ["A", "B", "C"], types: [String] = ["X", "Y", "Z"],
                      deletions: Int = 2) throws -> GraphModel {
    var model = GraphModel()
    try db.write { tx throws in
        var ids: [NodeID] = []
        for _ in 0..<nodeCount {
            let ls = labels.filter { _ in rng.chance(40) }
            var props: [String: Value] = [:]
            if rng.chance(80) { props["v"] = .int(Int64(rng.below(6))) }
            if rng.chance(30) { props["s"] = .string(["a", "b", "c"][rng.below(3)]) }
            let n = try tx.createNode(labels: ls, properties: props)
            ids.append(n)
            model.labels[n] = Set(ls)
            model.properties[n] = props
        }
        var last: (NodeID, NodeID)? = nil
        for _ in 0..<edgeCount {
            var (a, b) = (ids[rng.below(ids.count)], ids[rng.below(ids.count)])
            if rng.chance(5) { b = a }
            if let last, rng.chance(10) { (a, b) = last }
            let t = types[rng.below(types.count)]
            let e = try tx.createEdge(from: a, to: b, type: t)
            model.edges[e] = .init(id: e, source: a, target: b, type: t)
            last = (a, b)
        }
        for _ in 0..<min(deletions, ids.count) {
            let n = ids[rng.below(ids.count)]
            guard model.labels[n] != nil else { continue }
            try tx.deleteNode(n)
            model.labels[n] = nil
            model.properties[n] = nil
            model.edges = model.edges.filter { $0.value.source != n && $0.value.target != n }
        }
        for t in types { model.typeIDs[t] = try tx.existingID(t) }
    }
    model.index()
    return model
}

// MARK: - Hand-built graphs

@Suite("Traversals")
struct TraversalTests {
    /// a -> b -> c -> d (NEXT), and e alone.
    func chain() throws -> (GraphDB, [NodeID]) {
        let db = try memoryGraph()
        let ids = try db.write { tx throws in
            let n = try (0..<5).map { _ in try tx.createNode() }
            for i in 0..<3 { try tx.createEdge(from: n[i], to: n[i + 1], type: "NEXT") }
            return n
        }
        return (db, ids)
    }

    @Test("bfs on a chain gives each node at its distance, in order, in all three directions")
    func bfsChain() throws {
        let (db, n) = try chain()
        try db.read { tx throws in
            #expect(try tx.bfs(from: n[0], maxDepth: 10).map(\.node) == [n[0], n[1], n[2], n[3]])
            #expect(try tx.bfs(from: n[0], maxDepth: 10).map(\.depth) == [0, 1, 2, 3])
            #expect(try tx.bfs(from: n[0], maxDepth: 2).map(\.node) == [n[0], n[1], n[2]])
            #expect(try tx.bfs(from: n[0], maxDepth: 0).map(\.node) == [n[0]])
            #expect(try tx.bfs(from: n[3], maxDepth: 10, direction: .incoming).map(\.node) == [n[3], n[2], n[1], n[0]])
            #expect(try tx.bfs(from: n[3], maxDepth: 10).map(\.node) == [n[3]])
            let both = try tx.bfs(from: n[1], maxDepth: 10, direction: .both)
            #expect(both.map(\.node) == [n[1], n[2], n[0], n[3]])
            #expect(both.map(\.depth) == [0, 1, 1, 2])
            #expect(try tx.bfs(from: n[4], maxDepth: 10, direction: .both).map(\.node) == [n[4]])
        }
        try db.close()
    }

    @Test("a cycle is walked once and the start is never a k-hop neighbour or its own descendant")
    func cycle() throws {
        let db = try memoryGraph()
        let n = try db.write { tx throws in
            let n = try (0..<3).map { _ in try tx.createNode() }
            try tx.createEdge(from: n[0], to: n[1], type: "T")
            try tx.createEdge(from: n[1], to: n[2], type: "T")
            try tx.createEdge(from: n[2], to: n[0], type: "T")
            try tx.createEdge(from: n[0], to: n[0], type: "T")
            return n
        }
        try db.read { tx throws in
            #expect(try tx.bfs(from: n[0], maxDepth: 100).map(\.node) == [n[0], n[1], n[2]])
            #expect(try tx.kHopNeighbors(of: n[0], k: 100) == [n[1], n[2]])
            #expect(try tx.kHopNeighbors(of: n[0], k: 1) == [n[1]])
            #expect(try tx.kHopNeighbors(of: n[0], k: 1, direction: .both) == [n[1], n[2]])
            #expect(try tx.kHopNeighbors(of: n[0], k: 0).isEmpty)
            #expect(try tx.descendants(of: n[0], edgeType: "T") == [n[1], n[2]])
            #expect(try tx.ancestors(of: n[0], edgeType: "T") == [n[2], n[1]])
            #expect(try tx.shortestPath(from: n[0], to: n[2]) == [n[0], n[1], n[2]])
            #expect(try tx.shortestPath(from: n[0], to: n[2], direction: .both) == [n[0], n[2]])
            #expect(try tx.shortestPath(from: n[0], to: n[2], direction: .incoming) == [n[0], n[2]])
            #expect(try tx.shortestPath(from: n[0], to: n[0]) == [n[0]])
        }
        try db.close()
    }

    @Test("a diamond reaches its bottom once at depth 2, and parallel edges do not repeat nodes")
    func diamond() throws {
        let db = try memoryGraph()
        let n = try db.write { tx throws in
            let n = try (0..<4).map { _ in try tx.createNode() }
            try tx.createEdge(from: n[0], to: n[1], type: "T")
            try tx.createEdge(from: n[0], to: n[2], type: "T")
            try tx.createEdge(from: n[1], to: n[3], type: "T")
            try tx.createEdge(from: n[2], to: n[3], type: "T")
            try tx.createEdge(from: n[2], to: n[3], type: "T")
            return n
        }
        try db.read { tx throws in
            let r = try tx.bfs(from: n[0], maxDepth: 5)
            #expect(r.map(\.node) == [n[0], n[1], n[2], n[3]])
            #expect(r.map(\.depth) == [0, 1, 1, 2])
            let path = try #require(try tx.shortestPath(from: n[0], to: n[3]))
            #expect(path.count == 3 && path.first == n[0] && path.last == n[3])
            #expect(try tx.shortestPath(from: n[3], to: n[0]) == nil)
            #expect(try tx.shortestPath(from: n[3], to: n[0], direction: .incoming)?.count == 3)
            #expect(try tx.bfs(from: n[3], maxDepth: 5, direction: .incoming).map(\.node) == [n[3], n[1], n[2], n[0]])
        }
        try db.close()
    }

    @Test("type filters restrict every traversal; unknown or empty type lists reach only the start")
    func typeFilters() throws {
        let db = try memoryGraph()
        let n = try db.write { tx throws in
            let n = try (0..<4).map { _ in try tx.createNode() }
            try tx.createEdge(from: n[0], to: n[1], type: "X")
            try tx.createEdge(from: n[1], to: n[2], type: "Y")
            try tx.createEdge(from: n[0], to: n[3], type: "Y")
            try tx.createEdge(from: n[3], to: n[2], type: "Y")
            return n
        }
        try db.read { tx throws in
            #expect(try tx.bfs(from: n[0], maxDepth: 5, types: ["X"]).map(\.node) == [n[0], n[1]])
            #expect(try tx.bfs(from: n[0], maxDepth: 5, types: ["Y"]).map(\.node) == [n[0], n[3], n[2]])
            #expect(try tx.bfs(from: n[0], maxDepth: 5, types: ["X", "Y"]).count == 4)
            #expect(try tx.bfs(from: n[0], maxDepth: 5, types: ["NOPE"]).map(\.node) == [n[0]])
            #expect(try tx.bfs(from: n[0], maxDepth: 5, types: []).map(\.node) == [n[0]])
            #expect(try tx.shortestPath(from: n[0], to: n[2], types: ["X"]) == nil)
            #expect(try tx.shortestPath(from: n[0], to: n[2], types: ["Y"]) == [n[0], n[3], n[2]])
            #expect(try tx.shortestPath(from: n[0], to: n[2], types: []) == nil)
            #expect(try tx.descendants(of: n[0], edgeType: "X") == [n[1]])
            #expect(try tx.ancestors(of: n[2], edgeType: "Y") == [n[1], n[3], n[0]])
            #expect(try tx.ancestors(of: n[2], edgeType: "Y", maxDepth: 1) == [n[1], n[3]])
        }
        try db.close()
    }

    @Test("shortestPath respects maxDepth exactly and returns nil across disconnected parts")
    func shortestPathLimits() throws {
        let (db, n) = try chain()
        try db.read { tx throws in
            #expect(try tx.shortestPath(from: n[0], to: n[3], maxDepth: 3) == [n[0], n[1], n[2], n[3]])
            #expect(try tx.shortestPath(from: n[0], to: n[3], maxDepth: 2) == nil)
            #expect(try tx.shortestPath(from: n[0], to: n[1], maxDepth: 0) == nil)
            #expect(try tx.shortestPath(from: n[0], to: n[4], direction: .both) == nil)
            #expect(try tx.shortestPath(from: n[3], to: n[0], direction: .both) == [n[3], n[2], n[1], n[0]])
        }
        try db.close()
    }

    @Test("bad arguments are typed errors: negative depth, missing start or target node")
    func badArguments() throws {
        let (db, n) = try chain()
        let missing = NodeID(999)
        try db.read { tx throws in
            #expect(throws: SombraError.nodeNotFound(999)) { try tx.bfs(from: missing, maxDepth: 1) }
            #expect(throws: SombraError.self) { try tx.bfs(from: n[0], maxDepth: -1) }
            #expect(throws: SombraError.self) { try tx.kHopNeighbors(of: n[0], k: -2) }
            #expect(throws: SombraError.self) { try tx.nodes(atHops: -1, from: n[0]) }
            #expect(throws: SombraError.self) { try tx.nodes(atHops: 2, from: NodeID(999_999)) }
            #expect(try tx.nodes(atHops: 0, from: n[0]) == [n[0]])
            #expect(throws: SombraError.nodeNotFound(999)) { try tx.shortestPath(from: n[0], to: missing) }
            #expect(throws: SombraError.nodeNotFound(999)) { try tx.shortestPath(from: missing, to: n[0]) }
            #expect(throws: SombraError.self) { try tx.shortestPath(from: n[0], to: n[1], maxDepth: -1) }
            #expect(throws: SombraError.nodeNotFound(999)) { try tx.ancestors(of: missing, edgeType: "NEXT") }
            #expect(throws: SombraError.self) { try tx.descendants(of: n[0], edgeType: "NEXT", maxDepth: -1) }
            #expect(throws: SombraError.nodeNotFound(999)) { try tx.subgraph(roots: [n[0], missing], depth: 1) }
            #expect(throws: SombraError.self) { try tx.subgraph(roots: [n[0]], depth: -1) }
            #expect(throws: SombraError.nodeNotFound(999)) { try tx.inducedSubgraph(nodes: [missing]) }
        }
        let tx = try db.beginRead()
        tx.end()
        #expect(throws: SombraError.transactionEnded) { try tx.bfs(from: n[0], maxDepth: 1) }
        try db.close()
    }

    @Test("the visitor form stops as soon as the closure returns false and reports that it stopped")
    func visitorStops() throws {
        let (db, n) = try chain()
        try db.read { tx throws in
            var seen: [NodeID] = []
            let finished = try tx.forEachReached(from: n[0], maxDepth: 10) { (node: NodeID, _: Int) throws(SombraError) -> Bool in
                seen.append(node)
                return seen.count < 2
            }
            #expect(!finished)
            #expect(seen == [n[0], n[1]])
            var all = 0
            let ranOut = try tx.forEachReached(from: n[0], maxDepth: 10) { (_: NodeID, _: Int) throws(SombraError) -> Bool in
                all += 1
                return true
            }
            #expect(ranOut && all == 4)
        }
        try db.close()
    }

    @Test("a write transaction traverses its own uncommitted edges")
    func writeTransactionSeesOwnChanges() throws {
        let (db, n) = try chain()
        try db.write { tx throws in
            try tx.createEdge(from: n[3], to: n[4], type: "NEXT")
            #expect(try tx.shortestPath(from: n[0], to: n[4]) == [n[0], n[1], n[2], n[3], n[4]])
            #expect(try tx.descendants(of: n[2], edgeType: "NEXT") == [n[3], n[4]])
            tx.rollback()
        }
        try db.read { tx throws in #expect(try tx.shortestPath(from: n[0], to: n[4]) == nil) }
        try db.close()
    }

    @Test("a hierarchy's ancestors and descendants follow one edge type only")
    func hierarchy() throws {
        let db = try memoryGraph()
        // root -> a, root -> b, a -> c (PARENT_OF); c -> root (LINK) must not count.
        let (root, a, b, c) = try db.write { tx throws in
            let (root, a, b, c) = (try tx.createNode(), try tx.createNode(), try tx.createNode(), try tx.createNode())
            try tx.createEdge(from: root, to: a, type: "PARENT_OF")
            try tx.createEdge(from: root, to: b, type: "PARENT_OF")
            try tx.createEdge(from: a, to: c, type: "PARENT_OF")
            try tx.createEdge(from: c, to: root, type: "LINK")
            return (root, a, b, c)
        }
        try db.read { tx throws in
            #expect(try tx.descendants(of: root, edgeType: "PARENT_OF") == [a, b, c])
            #expect(try tx.descendants(of: root, edgeType: "PARENT_OF", maxDepth: 1) == [a, b])
            #expect(try tx.ancestors(of: c, edgeType: "PARENT_OF") == [a, root])
            #expect(try tx.ancestors(of: root, edgeType: "PARENT_OF").isEmpty)
            #expect(try tx.ancestors(of: root, edgeType: "LINK") == [c])
            #expect(try tx.descendants(of: b, edgeType: "PARENT_OF").isEmpty)
        }
        try db.close()
    }

    @Test("subgraphs hold the reached nodes and every admitted edge among them, sorted by id")
    func subgraphs() throws {
        let db = try memoryGraph()
        let (n, e) = try db.write { tx throws in
            let n = try (0..<5).map { i in try tx.createNode(labels: ["N"], properties: ["i": .int(Int64(i))]) }
            let e = [
                try tx.createEdge(from: n[0], to: n[1], type: "X"),
                try tx.createEdge(from: n[1], to: n[0], type: "Y"),   // back edge among reached nodes
                try tx.createEdge(from: n[1], to: n[2], type: "X"),
                try tx.createEdge(from: n[2], to: n[2], type: "X"),   // self-loop
                try tx.createEdge(from: n[2], to: n[3], type: "X"),
                try tx.createEdge(from: n[1], to: n[2], type: "X"),   // parallel
                try tx.createEdge(from: n[4], to: n[0], type: "X"),
            ]
            return (n, e)
        }
        try db.read { tx throws in
            let s = try tx.subgraph(roots: [n[0]], depth: 2)
            #expect(s.nodeIDs == [n[0], n[1], n[2]])
            #expect(s.edgeIDs == [e[0], e[1], e[2], e[3], e[5]])
            #expect(s.nodes[1]["i"] == 1 && s.nodes[1].labels == ["N"])
            #expect(s.edges[1].type == "Y" && s.edges[1].source == n[1])
            let typed = try tx.subgraph(roots: [n[0]], depth: 2, types: ["X"])
            #expect(typed.nodeIDs == [n[0], n[1], n[2]])
            #expect(typed.edgeIDs == [e[0], e[2], e[3], e[5]])
            let both = try tx.subgraph(roots: [n[0]], depth: 1, direction: .both)
            #expect(both.nodeIDs == [n[0], n[1], n[4]])
            #expect(both.edgeIDs == [e[0], e[1], e[6]])
            let two = try tx.subgraph(roots: [n[3], n[4], n[3]], depth: 0)
            #expect(two.nodeIDs == [n[3], n[4]] && two.edges.isEmpty)
            #expect(try tx.subgraph(roots: [], depth: 3) == Subgraph(nodes: [], edges: []))
            let induced = try tx.inducedSubgraph(nodes: [n[2], n[1]])
            #expect(induced.nodeIDs == [n[1], n[2]])
            #expect(induced.edgeIDs == [e[2], e[3], e[5]])
            #expect(induced.edges[0] == (try tx.edge(e[2])))
            #expect(try tx.inducedSubgraph(nodes: []).nodes.isEmpty)
        }
        try db.close()
    }

    // MARK: - Random comparison with the model

    @Test("traversals agree with reference implementations on random graphs")
    func randomComparison() throws {
        let seed: UInt64 = 5
        var rng = SeededRandom(seed: seed)
        let graphs = 20
        var queries = 0
        var mismatches = 0
        var examples: [String] = []
        let directions = Direction.allCases
        func randomTypes(_ rng: inout SeededRandom) -> [String]? {
            switch rng.below(8) {
            case 0, 1, 2, 3: return nil
            case 4: return ["Q"]
            case 5: return ["X", "Y"]
            default: return [["X", "Y", "Z"][rng.below(3)]]
            }
        }
        for g in 0..<graphs {
            let db = try memoryGraph()
            let nodeCount = 10 + rng.below(40)
            let model = try buildRandomGraph(db, &rng, nodes: nodeCount, edges: rng.below(nodeCount * 3), deletions: 3)
            let ids = model.nodeIDs
            try db.read { tx throws in
                func check(_ ok: Bool, _ what: @autoclosure () -> String) {
                    queries += 1
                    if ok { return }
                    mismatches += 1
                    if examples.count < 10 { examples.append("graph \(g): \(what())") }
                }
                for _ in 0..<12 {
                    let s = ids[rng.below(ids.count)]
                    let d = directions[rng.below(3)]
                    let types = randomTypes(&rng)
                    let depth = rng.below(6)

                    let got = try tx.bfs(from: s, maxDepth: depth, direction: d, types: types)
                    let want = model.bfs([s], depth, d, types)
                    check(got.map(\.node) == want.map(\.node) && got.map(\.depth) == want.map(\.depth),
                          "bfs \(s) \(depth) \(d) \(String(describing: types))")

                    let k = rng.below(5)
                    let hop = try tx.kHopNeighbors(of: s, k: k, direction: d, types: types)
                    check(hop == Set(model.bfs([s], k, d, types).filter { $0.depth > 0 }.map(\.node)), "khop \(s) \(k)")

                    // Walks of exactly k hops: the distinct ends of level-by-level neighbour expansion.
                    var level = [s]
                    for _ in 0..<k {
                        var seen = Set<NodeID>(), next: [NodeID] = []
                        for v in level { for w in model.neighbors(v, d, types) where seen.insert(w).inserted { next.append(w) } }
                        level = next
                    }
                    let ends = try tx.nodes(atHops: k, from: s, direction: d, types: types)
                    check(Set(ends) == Set(level) && ends.count == Set(ends).count, "hops \(s) \(k) \(d)")

                    let t = ids[rng.below(ids.count)]
                    let limit = rng.below(8)
                    let path = try tx.shortestPath(from: s, to: t, direction: d, types: types, maxDepth: limit)
                    let distance = model.bfs([s], limit, d, types).first { $0.node == t }?.depth
                    if let path, let distance {
                        let steps = zip(path, path.dropFirst()).allSatisfy { model.hasStep($0, $1, d, types) }
                        check(path.count == distance + 1 && path.first == s && path.last == t && steps
                              && Set(path).count == path.count, "path \(s)->\(t) \(path) distance \(distance)")
                    } else {
                        check(path == nil && distance == nil, "path \(s)->\(t) got \(String(describing: path)) want \(String(describing: distance))")
                    }

                    let type = ["X", "Y", "Z"][rng.below(3)]
                    check(try tx.descendants(of: s, edgeType: type, maxDepth: depth)
                          == model.bfs([s], depth, .outgoing, [type]).dropFirst().map(\.node), "descendants \(s)")
                    check(try tx.ancestors(of: s, edgeType: type)
                          == model.bfs([s], .max, .incoming, [type]).dropFirst().map(\.node), "ancestors \(s)")

                    let roots = (0..<rng.below(3) + 1).map { _ in ids[rng.below(ids.count)] }
                    let sub = try tx.subgraph(roots: roots, depth: depth, direction: d, types: types)
                    let reached = Set(model.bfs(roots, depth, d, types).map(\.node))
                    let wantEdges = model.edges.values.filter {
                        reached.contains($0.source) && reached.contains($0.target) && GraphModel.admits($0.type, types)
                    }.map(\.id).sorted()
                    check(sub.nodeIDs == reached.sorted() && sub.edgeIDs == wantEdges, "subgraph \(roots) \(depth)")

                    let chosen = Set(ids.filter { _ in rng.chance(30) })
                    let induced = try tx.inducedSubgraph(nodes: chosen)
                    let inducedEdges = model.edges.values.filter { chosen.contains($0.source) && chosen.contains($0.target) }
                    check(induced.nodeIDs == chosen.sorted() && induced.edgeIDs == inducedEdges.map(\.id).sorted()
                          && induced.edges.allSatisfy { model.edges[$0.id]?.type == $0.type },
                          "induced \(chosen.sorted())")
                }
                // A missing node is reported as such by every entry point.
                let gone = NodeID(UInt64(nodeCount + 100))
                do { _ = try tx.bfs(from: gone, maxDepth: 2); check(false, "bfs of missing node") } catch {
                    check(error as? SombraError == .nodeNotFound(gone.rawValue), "bfs error \(error)")
                }
            }
            try db.close()
        }
        print("traversal-random: graphs: \(graphs) queries: \(queries) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed): \(examples)")
    }
}
