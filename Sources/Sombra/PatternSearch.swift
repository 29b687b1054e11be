// PatternSearch: how `match` finds embeddings. PatternPlan resolves names to ids and orders the work;
// PatternSearch runs the plan by backtracking. Semantics: see PatternMatch.swift.
// Layer: Sombra (graph facade). Reads only.
//
// A plan is a list of steps, each binding something given the bindings of the steps before it:
//   scan(v)              v takes each candidate node (index hits, or a label's nodes, or all nodes)
//   expand(v, e, from u) v takes each node joined to u's node by an edge admitted by e (binding e too)
//   checkEdge(e)         both ends of e are bound: e takes each admitted edge between them
// The first step scans the most selective variable; then the plan grows along edge patterns, preferring
// the unbound variable with the most edges to bound ones; a disconnected part starts with a new scan.
//
// Invariants:
//  1. Every variable is bound by exactly one scan or expand step, and every edge pattern by exactly one
//     expand or checkEdge step, placed as soon as both its ends are bound.
//  2. When a step runs, every variable it reads is bound; bindings are undone when a branch returns, so
//     after run(0) the search state is empty again.
//  3. A bound node is in `usedNodes` and a bound edge in `usedEdges` (semantics 2 of PatternMatch).
//  4. Recursion depth is at most the number of steps (bounded by Pattern's limits).
import SombraFormat

/// A node variable with names resolved to ids.
struct ResolvedNodePattern {
    let variable: String
    let labels: [UInt32]
    let filters: [(key: UInt32, filter: PropertyFilter)]
    /// The label with the fewest nodes, scanned when no index applies.
    let scanLabel: String?
    /// Estimated number of candidates.
    var cost: Int
    /// Candidates from an index on an equality filter, when that is the most selective source.
    var indexed: [UInt64]?

    var isUnconstrained: Bool { labels.isEmpty && filters.isEmpty }
}

struct ResolvedEdgePattern {
    let variable: String?
    let from: Int
    let to: Int
    let types: [UInt32]?
    let direction: Direction
}

enum PatternStep {
    case scan(Int)
    case expand(node: Int, edge: Int, from: Int)
    case checkEdge(Int)
}

struct PatternPlan {
    var nodes: [ResolvedNodePattern]
    let edges: [ResolvedEdgePattern]
    var steps: [PatternStep] = []
    let hasAnonymousEdges: Bool

    /// Resolves `pattern`; nil when some name it needs does not exist (so nothing can match).
    init?(_ pattern: Pattern, variables: [String: Int], in tx: Transaction) throws(SombraError) {
        var nodes: [ResolvedNodePattern] = []
        for n in pattern.nodes {
            guard let resolved = try Self.resolve(n, in: tx) else { return nil }
            nodes.append(resolved)
        }
        var edges: [ResolvedEdgePattern] = []
        for e in pattern.edges {
            let types = try tx.typeIDs(e.types)
            if types?.isEmpty == true { return nil }
            // validate() guarantees both variables exist.
            guard let from = variables[e.from], let to = variables[e.to] else { return nil }
            edges.append(ResolvedEdgePattern(variable: e.variable, from: from, to: to, types: types,
                                             direction: e.direction))
        }
        self.nodes = nodes
        self.edges = edges
        hasAnonymousEdges = pattern.edges.contains { $0.variable == nil }
        try useIndexes(pattern, in: tx)
        steps = order()
    }

    private static func resolve(_ n: NodePattern, in tx: Transaction) throws(SombraError) -> ResolvedNodePattern? {
        var labels: [UInt32] = []
        var scanLabel: String? = nil
        var cost = Int.max
        for l in n.labels {
            guard let id = try tx.existingID(l) else { return nil }
            labels.append(id)
            let count = try tx.countNodes(withLabel: l)
            if count < cost { (cost, scanLabel) = (count, l) }
        }
        if scanLabel == nil { cost = try tx.nodeCount() }
        var filters: [(key: UInt32, filter: PropertyFilter)] = []
        for f in n.properties {
            guard let key = try tx.existingID(f.key) else { return nil }  // no node has it: semantics 4
            filters.append((key, f))
        }
        return ResolvedNodePattern(variable: n.variable, labels: labels, filters: filters, scanLabel: scanLabel,
                                   cost: cost, indexed: nil)
    }

    /// For each variable with an equality filter on an indexed (label, key), fetches the index hits when
    /// they are no more than the best label scan (the fetch stops one past that bound).
    private mutating func useIndexes(_ pattern: Pattern, in tx: Transaction) throws(SombraError) {
        let bound = nodes.map(\.cost).min() ?? 0
        for (i, n) in pattern.nodes.enumerated() {
            search: for f in n.properties where f.op == .equals && f.value.isIndexable {
                for l in n.labels where try tx.hasIndex(label: l, key: f.key) {
                    let cursor = try tx.nodes(withLabel: l, where: f.key, equals: f.value)
                    let hits = try cursor.collect(limit: bound < Int.max ? bound + 1 : .max)
                    if hits.count <= bound {
                        nodes[i].indexed = hits.map(\.rawValue)
                        nodes[i].cost = hits.count
                    }
                    break search
                }
            }
        }
    }

    /// The step order (invariant 1).
    private func order() -> [PatternStep] {
        var bound = [Bool](repeating: false, count: nodes.count)
        var placed = [Bool](repeating: false, count: edges.count)
        var steps: [PatternStep] = []
        for _ in 0..<nodes.count {
            // Unbound variables joined to bound ones, with the number of such edge patterns.
            var links = [Int](repeating: 0, count: nodes.count)
            for (j, e) in edges.enumerated() where !placed[j] && bound[e.from] != bound[e.to] {
                links[bound[e.from] ? e.to : e.from] += 1
            }
            var best: Int? = nil
            for v in nodes.indices where !bound[v] {
                guard let b = best else { best = v; continue }
                if (links[v], -nodes[v].cost) > (links[b], -nodes[b].cost) { best = v }
            }
            guard let v = best else { break }
            if links[v] > 0 {
                // Anchor on a typed edge pattern when there is one: fewer adjacency entries to read.
                let anchors = edges.indices.filter { j in
                    !placed[j] && ((edges[j].from == v && bound[edges[j].to]) || (edges[j].to == v && bound[edges[j].from]))
                }
                let e = anchors.first { edges[$0].types != nil } ?? anchors[0]
                steps.append(.expand(node: v, edge: e, from: edges[e].from == v ? edges[e].to : edges[e].from))
                placed[e] = true
            } else {
                steps.append(.scan(v))
            }
            bound[v] = true
            for (j, e) in edges.enumerated() where !placed[j] && bound[e.from] && bound[e.to] {
                steps.append(.checkEdge(j))
                placed[j] = true
            }
        }
        return steps
    }
}

/// The backtracking state of one `match` call.
final class PatternSearch {
    let tx: Transaction
    let plan: PatternPlan
    let limit: Int
    var nodeBinding: [UInt64?]
    var edgeBinding: [UInt64?]
    var usedNodes = Set<UInt64>()
    var usedEdges = Set<UInt64>()
    /// Per variable: node -> whether it passes the variable's labels and filters.
    var admitted: [[UInt64: Bool]]
    var results: [Match] = []
    /// Matches already reported, kept only when anonymous edges can repeat them (semantics 3).
    var reported = Set<Match>()

    init(tx: Transaction, plan: PatternPlan, limit: Int) {
        self.tx = tx
        self.plan = plan
        self.limit = limit
        nodeBinding = Array(repeating: nil, count: plan.nodes.count)
        edgeBinding = Array(repeating: nil, count: plan.edges.count)
        admitted = Array(repeating: [:], count: plan.nodes.count)
    }

    /// Runs the steps from `i`; false once the limit is reached (stop everything).
    func run(_ i: Int) throws(SombraError) -> Bool {
        guard i < plan.steps.count else { return report() }
        switch plan.steps[i] {
        case .scan(let v):
            var cursor = try candidates(v)
            while let n = try cursor.next() {
                guard try bind(node: n.rawValue, to: v, edge: nil, then: i) else { return false }
            }
            return true
        case .expand(let v, let e, let u):
            return try expand(v, along: e, from: u, then: i)
        case .checkEdge(let e):
            return try checkEdge(e, then: i)
        }
    }

    private func candidates(_ v: Int) throws(SombraError) -> NodeIDCursor {
        let n = plan.nodes[v]
        if let hits = n.indexed {
            var k = 0
            return NodeIDCursor { () throws(SombraError) -> NodeID? in
                guard k < hits.count else { return nil }
                k += 1
                return NodeID(hits[k - 1])
            }
        }
        if let label = n.scanLabel { return try tx.nodes(withLabel: label) }
        return try tx.allNodes()
    }

    private func expand(_ v: Int, along e: Int, from u: Int, then i: Int) throws(SombraError) -> Bool {
        let edge = plan.edges[e]
        guard let a = nodeBinding[u] else { return true }  // invariant 2: unreachable
        // Which of a's adjacency trees hold edges admitted by e (u is e's `from` end or its `to` end).
        let uIsFrom = edge.from == u
        let trees: [Bool]
        switch edge.direction {
        case .outgoing: trees = [uIsFrom]
        case .incoming: trees = [!uIsFrom]
        case .both: trees = [true, false]
        }
        for outgoing in trees {
            let finished = try tx.forEachAdjacent(a, outgoing: outgoing, types: edge.types) {
                (_: UInt32, other: UInt64, edgeID: UInt64) throws(SombraError) -> Bool in
                if usedEdges.contains(edgeID) { return true }
                return try bind(node: other, to: v, edge: (e, edgeID), then: i)
            }
            if !finished { return false }
        }
        return true
    }

    private func checkEdge(_ e: Int, then i: Int) throws(SombraError) -> Bool {
        let edge = plan.edges[e]
        guard let a = nodeBinding[edge.from], let b = nodeBinding[edge.to] else { return true }
        var found: [UInt64] = []
        let collect = { (_: UInt32, _: UInt64, edgeID: UInt64) throws(SombraError) -> Bool in
            found.append(edgeID)
            return true
        }
        if edge.direction != .incoming {
            try tx.forEachAdjacent(a, outgoing: true, types: edge.types, other: b, collect)
        }
        // A self-loop is in both trees; with `.both` take it once.
        if edge.direction != .outgoing && !(edge.direction == .both && a == b) {
            try tx.forEachAdjacent(a, outgoing: false, types: edge.types, other: b, collect)
        }
        for id in found where !usedEdges.contains(id) {
            edgeBinding[e] = id
            usedEdges.insert(id)
            let more = try run(i + 1)
            usedEdges.remove(id)
            edgeBinding[e] = nil
            if !more { return false }
        }
        return true
    }

    /// Binds `v` to `node` (and `edge`, if given) when allowed, runs the rest, and undoes the binding.
    private func bind(node: UInt64, to v: Int, edge: (index: Int, id: UInt64)?, then i: Int) throws(SombraError) -> Bool {
        guard !usedNodes.contains(node), try admits(node, v) else { return true }
        nodeBinding[v] = node
        usedNodes.insert(node)
        if let edge {
            edgeBinding[edge.index] = edge.id
            usedEdges.insert(edge.id)
        }
        let more = try run(i + 1)
        if let edge {
            usedEdges.remove(edge.id)
            edgeBinding[edge.index] = nil
        }
        usedNodes.remove(node)
        nodeBinding[v] = nil
        return more
    }

    private func admits(_ node: UInt64, _ v: Int) throws(SombraError) -> Bool {
        let pattern = plan.nodes[v]
        if pattern.isUnconstrained { return true }  // candidates come from the node or adjacency trees
        if let known = admitted[v][node] { return known }
        var ok = false
        if let r = try tx.nodeRecord(NodeID(node)) {
            ok = pattern.labels.allSatisfy { r.hasLabel($0) }
                && pattern.filters.allSatisfy { $0.filter.admits(r.property(for: $0.key)) }
        }
        admitted[v][node] = ok
        return ok
    }

    private func report() -> Bool {
        var m = Match(nodes: [:], edges: [:])
        for (v, n) in plan.nodes.enumerated() {
            if let id = nodeBinding[v] { m.nodes[n.variable] = NodeID(id) }
        }
        for (j, e) in plan.edges.enumerated() {
            if let name = e.variable, let id = edgeBinding[j] { m.edges[name] = EdgeID(id) }
        }
        if plan.hasAnonymousEdges {
            guard reported.insert(m).inserted else { return true }
        }
        results.append(m)
        return results.count < limit
    }
}
