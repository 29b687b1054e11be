// Workload: the standard "social" graph of the benchmark guide (shared/guides/benchmarks.md), generated once and fed to every engine.
// Layer: benchmark tool only (Tools/sombra-bench); no engine code here.
//
// Invariants:
//  1. Deterministic for a seed: the same seed gives the same nodes, edges and query ids on every run and for
//     every engine (all randomness comes from SplitMix64 below, drawn in a fixed order).
//  2. Node i (0-based, i in 0..<N): label Person unless i % 5 == 0 (then Post); name "user-i";
//     age (i * 7) % 90; score Double(i % 1000) / 7.
//  3. 5 * N edges. For each edge, in this order: src = uniform over 0..<N (draw 1), u = uniform in [0, 1)
//     (draw 2), dst = floor(N * u * u); if dst == src then dst = (src + 1) % N. Type LIKES when
//     (src + dst) % 3 == 0, else KNOWS.
//  4. Ids handed to engines and returned by them are these workload indices (an engine that assigns its own
//     ids maps them), so results from both engines compare directly.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, good enough for workloads; deterministic for a seed.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix64(state)
    }

    /// Uniform in 0..<bound (multiply-high; bias is negligible for the bounds used here).
    mutating func next(below bound: Int) -> Int {
        let product = next().multipliedFullWidth(by: UInt64(bound))
        return Int(product.high)
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// The SplitMix64 finaliser; also used to hash ids and values into order-independent check digests.
func mix64(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

enum NodeLabel: UInt8, Sendable {
    case person, post
    var name: String { self == .person ? "Person" : "Post" }
}

enum EdgeType: UInt8, Sendable {
    case knows, likes
    var name: String { self == .knows ? "KNOWS" : "LIKES" }
}

/// One node of the workload: one label and three properties.
struct NodeSpec: Sendable {
    let label: NodeLabel
    let name: String
    let age: Int64
    let score: Double
}

/// One edge of the workload; ids are workload node indices (Int32 keeps 5 M edges at 60 MB).
struct EdgeSpec: Sendable {
    let src: Int32
    let dst: Int32
    let type: EdgeType
}

/// A node as an engine reads it back: its label and all its properties.
struct NodeRecord: Equatable, Sendable {
    let label: String
    let name: String
    let age: Int64
    let score: Double

    /// Order-independent digest of every field, so two engines' answers compare exactly.
    var digest: UInt64 {
        var h = fnv1a(label)
        h = mix64(h ^ fnv1a(name))
        h = mix64(h ^ UInt64(bitPattern: age))
        return mix64(h ^ score.bitPattern)
    }
}

/// FNV-1a 64 over UTF-8 bytes.
func fnv1a(_ text: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return h
}

/// The whole generated data set plus the query id sequence both engines use.
struct Workload: Sendable {
    static let edgesPerNode = 5
    static let queryCount = 1 << 16

    let nodeCount: Int
    let nodes: [NodeSpec]
    let edges: [EdgeSpec]
    /// Random node ids for point queries (get_node, out, in, hop2, bfs, txn_small targets).
    let queryIDs: [Int64]
    /// Names of existing Person nodes for prop_eq (precomputed so string building is not timed).
    let queryNames: [String]

    init(nodeCount: Int, seed: UInt64) {
        precondition(nodeCount >= 2 && nodeCount <= Int(Int32.max), "node count out of range")  // CLI-checked
        self.nodeCount = nodeCount
        nodes = Workload.makeNodes(count: nodeCount)
        edges = Workload.makeEdges(nodeCount: nodeCount, seed: seed)
        var queries = SplitMix64(seed: seed ^ 0x5EED_0F_0DE5_0001)
        var ids: [Int64] = []
        var names: [String] = []
        ids.reserveCapacity(Workload.queryCount)
        names.reserveCapacity(Workload.queryCount)
        for _ in 0..<Workload.queryCount {
            ids.append(Int64(queries.next(below: nodeCount)))
            var personID = queries.next(below: nodeCount)
            if personID % 5 == 0 { personID = (personID + 1) % nodeCount }
            names.append("user-\(personID)")
        }
        queryIDs = ids
        queryNames = names
    }

    static func node(_ i: Int) -> NodeSpec {
        NodeSpec(label: i % 5 == 0 ? .post : .person, name: "user-\(i)",
                 age: Int64((i * 7) % 90), score: Double(i % 1000) / 7.0)
    }

    private static func makeNodes(count: Int) -> [NodeSpec] {
        var nodes: [NodeSpec] = []
        nodes.reserveCapacity(count)
        for i in 0..<count { nodes.append(node(i)) }
        return nodes
    }

    private static func makeEdges(nodeCount: Int, seed: UInt64) -> [EdgeSpec] {
        var rng = SplitMix64(seed: seed)
        let edgeCount = nodeCount * edgesPerNode
        var edges: [EdgeSpec] = []
        edges.reserveCapacity(edgeCount)
        for _ in 0..<edgeCount {
            let src = rng.next(below: nodeCount)
            let u = rng.nextUnit()
            var dst = min(Int(Double(nodeCount) * u * u), nodeCount - 1)
            if dst == src { dst = (src + 1) % nodeCount }
            let type: EdgeType = (src + dst) % 3 == 0 ? .likes : .knows
            edges.append(EdgeSpec(src: Int32(src), dst: Int32(dst), type: type))
        }
        return edges
    }
}
