// PatternMatch: the public pattern types (node patterns with labels and property filters, edge patterns
// between their variables) and `match`, which finds every embedding of a pattern in the graph.
// Layer: Sombra (graph facade). Reads only. The search itself is in PatternSearch.swift.
//
// Semantics (isomorphism):
//  1. A match binds every node variable to a node and every edge pattern to an edge such that each node
//     has all the pattern's labels and passes all its property filters, and each edge has an admitted type
//     and joins the bound nodes in the pattern's direction.
//  2. Distinct node variables bind distinct nodes; distinct edge patterns bind distinct edges (an edge is
//     used at most once per match).
//  3. Results are distinct `Match` values. Edge patterns without a variable still need their own edge,
//     but two embeddings that differ only in such edges give one Match.
//  4. A property filter fails on a node that lacks the key (whatever the operator); values compare with
//     `Value.totalOrder`, so kinds rank before values (the int 1 is less than the double 0.5).
//  5. A malformed pattern (no nodes, an empty or repeated variable, an edge naming an unknown variable,
//     too many variables) is `.invalidArgument` before anything is read.

/// A condition on one property of a node.
public struct PropertyFilter: Sendable, Hashable {
    public enum Operator: String, Sendable, CaseIterable {
        case equals, notEquals, less, lessOrEqual, greater, greaterOrEqual
    }

    public var key: String
    public var op: Operator
    public var value: Value

    public init(key: String, op: Operator = .equals, value: Value) {
        self.key = key
        self.op = op
        self.value = value
    }

    /// Whether a node whose property `key` is `property` (nil: absent) passes (semantics 4).
    public func admits(_ property: Value?) -> Bool {
        guard let property else { return false }
        let order = Value.totalOrder(property, value)
        switch op {
        case .equals: return order == 0
        case .notEquals: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }
}

/// A node variable: the labels the node must carry (all of them) and filters on its properties.
public struct NodePattern: Sendable, Hashable {
    public var variable: String
    public var labels: [String]
    public var properties: [PropertyFilter]

    public init(variable: String, labels: [String] = [], properties: [PropertyFilter] = []) {
        self.variable = variable
        self.labels = labels
        self.properties = properties
    }
}

/// An edge between two node variables. `.outgoing` means from -> to, `.incoming` means to -> from,
/// `.both` either way. `types` nil admits every type; an empty list admits none.
public struct EdgePattern: Sendable, Hashable {
    public var variable: String?
    public var from: String
    public var to: String
    public var types: [String]?
    public var direction: Direction

    public init(variable: String? = nil, from: String, to: String, types: [String]? = nil,
                direction: Direction = .outgoing) {
        self.variable = variable
        self.from = from
        self.to = to
        self.types = types
        self.direction = direction
    }
}

public struct Pattern: Sendable, Hashable {
    public var nodes: [NodePattern]
    public var edges: [EdgePattern]

    public init(nodes: [NodePattern], edges: [EdgePattern] = []) {
        self.nodes = nodes
        self.edges = edges
    }

    /// Limits that keep the backtracking depth bounded.
    public static let nodeVariablesMax = 64
    public static let edgePatternsMax = 256

    /// Throws `.invalidArgument` for a malformed pattern (semantics 5); returns variable -> node index.
    func validate() throws(SombraError) -> [String: Int] {
        guard !nodes.isEmpty else { throw .invalidArgument("a pattern needs at least one node variable") }
        guard nodes.count <= Self.nodeVariablesMax else {
            throw .invalidArgument("a pattern has at most \(Self.nodeVariablesMax) node variables (got \(nodes.count))")
        }
        guard edges.count <= Self.edgePatternsMax else {
            throw .invalidArgument("a pattern has at most \(Self.edgePatternsMax) edge patterns (got \(edges.count))")
        }
        var index: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            guard !n.variable.isEmpty else { throw .invalidArgument("a node variable must not be empty") }
            guard index.updateValue(i, forKey: n.variable) == nil else {
                throw .invalidArgument("variable \(n.variable) is declared twice")
            }
        }
        var edgeVariables = Set<String>()
        for e in edges {
            for end in [e.from, e.to] where index[end] == nil {
                throw .invalidArgument("edge pattern refers to unknown variable \(end)")
            }
            guard let v = e.variable else { continue }
            guard !v.isEmpty else { throw .invalidArgument("an edge variable must not be empty") }
            guard index[v] == nil, edgeVariables.insert(v).inserted else {
                throw .invalidArgument("variable \(v) is declared twice")
            }
        }
        return index
    }
}

/// One embedding of a pattern: node variables to nodes, named edge patterns to edges.
public struct Match: Sendable, Hashable {
    public var nodes: [String: NodeID]
    public var edges: [String: EdgeID]

    public init(nodes: [String: NodeID], edges: [String: EdgeID] = [:]) {
        self.nodes = nodes
        self.edges = edges
    }
}

extension Transaction {
    /// Every embedding of `pattern` (at most `limit` of them), found by backtracking from the most
    /// selective variable along the pattern's edges. See the semantics at the top of PatternMatch.swift:
    /// distinct variables bind distinct nodes and each edge pattern binds its own edge.
    ///
    ///     let p = Pattern(nodes: [NodePattern(variable: "a", labels: ["Person"],
    ///                                          properties: [PropertyFilter(key: "name", value: "Ada")]),
    ///                             NodePattern(variable: "b", labels: ["Person"])],
    ///                     edges: [EdgePattern(variable: "k", from: "a", to: "b", types: ["KNOWS"])])
    ///     for m in try tx.match(p) { print(m.nodes["b"]!, m.edges["k"]!) }
    public func match(_ pattern: Pattern, limit: Int = .max) throws(SombraError) -> [Match] {
        try checkUsable()
        let variables = try pattern.validate()
        guard limit >= 0 else { throw .invalidArgument("limit must not be negative (got \(limit))") }
        if limit == 0 { return [] }
        guard let plan = try PatternPlan(pattern, variables: variables, in: self) else { return [] }
        let search = PatternSearch(tx: self, plan: plan, limit: limit)
        _ = try search.run(0)
        return search.results
    }
}
