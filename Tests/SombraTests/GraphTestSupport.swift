// GraphTestSupport: what the model-based graph tests share: opening on a simulated file system, converting
// between the facade's types and ModelGraph's, the full check of a transaction against a model (records,
// label/property/adjacency trees, counts, declared indexes), public-API query checks, and value generators.
//
// Invariants:
//  1. `fullCheck` compares every tree entry both ways (every expected entry exists, nothing else does), so
//     a missing or stale index entry is a mismatch, not just a wrong query answer.
//  2. Checks return problem strings (capped) instead of asserting, so a randomized test can print its seed.
import Testing
import SombraFormat
import SombraIO
import SombraIndex
import SombraStorage
import SombraTestSupport
@testable import Sombra

enum GraphTest {
    static let dbPath = "g.sombra"

    static func options(cacheBytes: Int = 256 << 10, checkpointThresholdBytes: Int = 512 << 10) -> GraphOptions {
        var o = GraphOptions()
        o.pageSize = 4096
        o.cacheBytes = cacheBytes
        o.syncMode = .full
        o.checkpointThresholdBytes = checkpointThresholdBytes
        return o
    }

    static func open(_ fs: any FileSystem, _ options: GraphOptions = options()) throws -> GraphDB {
        try GraphDB.open(path: dbPath, options: options, fileSystem: fs)
    }
}

// MARK: Conversions

extension Direction {
    var model: ModelDirection {
        switch self {
        case .outgoing: return .outgoing
        case .incoming: return .incoming
        case .both: return .both
        }
    }
}

extension ValueRange {
    var model: ModelRange {
        ModelRange(lower: lower, lowerInclusive: lowerInclusive, upper: upper, upperInclusive: upperInclusive)
    }
}

extension EdgeRef {
    var model: ModelEdgeRef {
        ModelEdgeRef(id: id.rawValue, source: source.rawValue, target: target.rawValue, type: type)
    }
}

extension Node {
    var model: ModelNode { ModelNode(labels: Set(labels), properties: properties) }
}

extension Edge {
    var model: ModelEdge {
        ModelEdge(source: source.rawValue, target: target.rawValue, type: type, properties: properties)
    }
}

/// The SombraError case of a thrown error (nil if it is not a SombraError), for comparing with the model.
func errorCode(_ error: any Error) -> Int32? { (error as? SombraError)?.code }

/// Collected problems, capped so a broken run stays readable.
struct Problems {
    private(set) var list: [String] = []
    private(set) var count = 0

    mutating func add(_ s: @autoclosure () -> String) {
        count += 1
        if list.count < 12 { list.append(s()) }
    }

    mutating func add(_ other: Problems) {
        count += other.count
        for s in other.list where list.count < 12 { list.append(s) }
    }

    var isEmpty: Bool { count == 0 }
}

// MARK: Full check (invariant 1)

enum GraphCheck {
    /// Compares records, the label, property and adjacency trees, counts and index declarations of `tx`
    /// with `model`.
    static func full(_ tx: Transaction, _ model: ModelGraph) throws -> Problems {
        var p = Problems()
        guard let trees = tx.trees else {
            if model.nodeCount != 0 || model.edgeCount != 0 { p.add("no trees but the model has data") }
            return p
        }
        // Records.
        var nodeIDs: [UInt64] = []
        var scan = trees.nodes.scan(.all, in: tx.pages)
        while let (k, v) = try scan.next() {
            guard let id = GraphKeys.readID(k), k.count == 8 else { p.add("bad node key \(k)"); continue }
            nodeIDs.append(id)
            let record = try NodeRecord.decode(v)
            let node = try tx.makeNode(NodeID(id), record)
            if Set(node.labels).count != node.labels.count { p.add("n\(id) repeats a label: \(node.labels)") }
            guard let m = model.nodes[id] else { p.add("extra node n\(id) \(node)"); continue }
            if node.model != m { p.add("n\(id) is \(node.model), model \(m)") }
        }
        if nodeIDs != model.nodeIDs { p.add("node ids \(nodeIDs.count) differ from the model's \(model.nodeCount)") }
        var edgeIDs: [UInt64] = []
        scan = trees.edges.scan(.all, in: tx.pages)
        while let (k, v) = try scan.next() {
            guard let id = GraphKeys.readID(k), k.count == 8 else { p.add("bad edge key \(k)"); continue }
            edgeIDs.append(id)
            let edge = try tx.makeEdge(EdgeID(id), try EdgeRecord.decode(v))
            guard let m = model.edges[id] else { p.add("extra edge e\(id) \(edge)"); continue }
            if edge.model != m { p.add("e\(id) is \(edge.model), model \(m)") }
        }
        if edgeIDs != model.edgeIDs { p.add("edge ids \(edgeIDs.count) differ from the model's \(model.edgeCount)") }

        // Label tree: exactly one entry per (label, node).
        var expectedLabels = Set<[UInt8]>()
        for (id, n) in model.nodes {
            for l in n.labels {
                guard let lid = try tx.existingID(l) else { p.add("label \(l) has no name id"); continue }
                expectedLabels.insert(GraphKeys.label(lid, id))
            }
        }
        p.add(try compareKeys(trees.labels, tx, expected: expectedLabels.reduce(into: [:]) { $0[$1] = [] }, what: "label"))

        // Adjacency trees: the chunks, read in key order, hold exactly the model's entries, ascending.
        var outEntries: [AdjacencyKey] = []
        var inEntries: [AdjacencyKey] = []
        for (id, e) in model.edges {
            guard let t = try tx.existingID(e.type) else { p.add("type \(e.type) has no name id"); continue }
            outEntries.append(AdjacencyKey(this: e.source, type: t, other: e.target, edge: id))
            inEntries.append(AdjacencyKey(this: e.target, type: t, other: e.source, edge: id))
        }
        p.add(try compareChunks(trees.outEdges, tx, expected: outEntries.sorted(), what: "out-edge"))
        p.add(try compareChunks(trees.inEdges, tx, expected: inEntries.sorted(), what: "in-edge"))

        // Property indexes: declarations and entries ([] exact, [1] truncated).
        let declared = try tx.indexes().map { ModelIndex(label: $0.label, key: $0.key) }
        if Set(declared) != model.indexes || declared.count != model.indexes.count {
            p.add("indexes \(declared.sorted()) vs model \(model.indexes.sorted())")
        }
        var expectedEntries: [[UInt8]: [UInt8]] = [:]
        for entry in model.indexEntries() {
            guard let l = try tx.existingID(entry.index.label), let k = try tx.existingID(entry.index.key),
                  let index = try tx.indexID(label: l, key: k) else {
                p.add("index \(entry.index) is not declared in the catalog")
                continue
            }
            let (key, exact) = try GraphKeys.property(index, entry.value, entry.node)
            expectedEntries[key] = exact ? [] : [1]
        }
        p.add(try compareKeys(trees.properties, tx, expected: expectedEntries, what: "property-index"))

        // Counts.
        let (nodeCount, edgeCount) = (try tx.nodeCount(), try tx.edgeCount())
        if nodeCount != model.nodeCount { p.add("nodeCount \(nodeCount) vs \(model.nodeCount)") }
        if edgeCount != model.edgeCount { p.add("edgeCount \(edgeCount) vs \(model.edgeCount)") }
        let (labelCounts, graphLabelCounts) = (model.labelCounts, try tx.labelCounts())
        if graphLabelCounts != labelCounts { p.add("labelCounts \(graphLabelCounts) vs \(labelCounts)") }
        for l in Set(labelCounts.keys).union(Vocabulary.labels) {
            let n = try tx.countNodes(withLabel: l)
            if n != labelCounts[l, default: 0] { p.add("countNodes(\(l)) \(n) vs \(labelCounts[l, default: 0])") }
        }
        let (typeCounts, graphTypeCounts) = (model.edgeTypeCounts, try tx.edgeTypeCounts())
        if graphTypeCounts != typeCounts { p.add("edgeTypeCounts \(graphTypeCounts) vs \(typeCounts)") }
        for t in Set(typeCounts.keys).union(Vocabulary.types) {
            let n = try tx.countEdges(ofType: t)
            if n != typeCounts[t, default: 0] { p.add("countEdges(\(t)) \(n) vs \(typeCounts[t, default: 0])") }
        }
        return p
    }

    static func compareKeys(_ tree: BTree, _ tx: Transaction, expected: [[UInt8]: [UInt8]], what: String) throws -> Problems {
        var p = Problems()
        var seen = 0
        var scan = tree.scan(.all, in: tx.pages)
        while let (k, v) = try scan.next() {
            seen += 1
            guard let e = expected[k] else { p.add("extra \(what) entry \(k)"); continue }
            if e != v { p.add("\(what) entry \(k) holds \(v), expected \(e)") }
        }
        if seen != expected.count { p.add("\(what) tree has \(seen) entries, expected \(expected.count)") }
        return p
    }

    /// The entries of an adjacency tree's chunks, in tree order, equal `expected`; every chunk is within the
    /// writer's value limit.
    static func compareChunks(_ tree: BTree, _ tx: Transaction, expected: [AdjacencyKey], what: String) throws -> Problems {
        var p = Problems()
        var found: [AdjacencyKey] = []
        var scan = tree.scan(.all, in: tx.pages)
        while let (k, v) = try scan.next() {
            guard let first = GraphKeys.decodeAdjacency(k, start: 0, count: k.count) else { p.add("\(what) key \(k) is malformed"); continue }
            if v.count > AdjacencyChunk.valueBytesMax { p.add("\(what) chunk at \(first) holds \(v.count) bytes") }
            found.append(first)
            try AdjacencyChunk.decode(v[...], after: first, page: .none, into: &found)
        }
        if found != expected {
            p.add("\(what) chunks hold \(found.count) entries (ascending: \(found == found.sorted())), expected \(expected.count)")
        }
        return p
    }

    /// Every tree verifies clean, no page is used by two trees, and used + free pages fill the file.
    static func storage(_ tx: ReadTransaction) -> Problems {
        var p = Problems()
        guard let trees = tx.trees else { return p }
        var used = Set<PageID>()
        var total = 0
        for (slot, tree) in trees.all {
            let report = tree.verify(in: tx.pages, checkValues: true)
            for f in report.findings { p.add("\(slot.name): \(f)") }
            used.formUnion(report.pagesUsed)
            total += report.pagesUsed.count
        }
        if used.count != total { p.add("\(total - used.count) pages are used by two trees") }
        let header = tx.pageTx.header
        if UInt64(used.count) + header.freePageCount != header.pageCount - 1 {
            p.add("pages: \(used.count) used + \(header.freePageCount) free != \(header.pageCount - 1)")
        }
        return p
    }
}

// MARK: Vocabulary and values

enum Vocabulary {
    static let labels = ["Person", "Post", "Tag", "Ünï"]
    static let keys = ["name", "age", "score", "tags", "blob"]
    static let types = ["KNOWS", "LIKES", "TAGGED", "→"]
}

enum ValueGen {
    static let doubles: [Double] = [0.0, -0.0, 1.5, -2.25, 3, .infinity, -.infinity, .nan,
                                    .greatestFiniteMagnitude, .leastNonzeroMagnitude, -1e-300]

    /// Values that can be compared in a query (every kind but lists and maps), small enough to collide.
    static func scalar(_ r: inout SeededRandom) -> Value {
        switch r.below(12) {
        case 0: return .null
        case 1: return .bool(r.below(2) == 0)
        case 2, 3, 4: return .int(Int64(r.below(12)) - 3)
        case 5: return [.int(.min), .int(.max), .int(0)][r.below(3)]
        case 6, 7: return .double(doubles[r.below(doubles.count)])
        case 8, 9:
            let alphabet = ["a", "b", "é", "\u{0}", "z"]
            return .string((0..<r.below(4)).map { _ in alphabet[r.below(alphabet.count)] }.joined())
        case 10:
            // Around the 256-byte index prefix: truncated keys, confirmed against records.
            return .string(String(repeating: "x", count: 254 + r.below(5)) + ["", "a", "b"][r.below(3)])
        default:
            return .bytes((0..<r.below(4)).map { _ in UInt8([0, 1, 0xFF][r.below(3)]) })
        }
    }

    /// Any value: scalars, occasionally large bytes (overflow pages) and nested lists and maps.
    static func value(_ r: inout SeededRandom, depth: Int = 0) -> Value {
        switch r.below(20) {
        case 0 where depth == 0:
            return .bytes(r.bytes(1000 + r.below(9000)))
        case 1 where depth < 3, 2 where depth < 3:
            return .list((0..<r.below(4)).map { _ in value(&r, depth: depth + 1) })
        case 3 where depth < 3:
            var m: [String: Value] = [:]
            for _ in 0..<r.below(4) { m[["k", "ключ", "", "z"][r.below(4)]] = value(&r, depth: depth + 1) }
            return .map(m)
        default:
            return scalar(&r)
        }
    }

    /// A list nested `depth` containers deep (ValueCodec allows up to maxValueNestingDepth).
    static func nested(_ depth: Int) -> Value {
        var v: Value = 1
        for _ in 0..<depth { v = .list([v]) }
        return v
    }
}

// MARK: Public-API query checks

enum GraphQueries {
    /// Runs `rounds` rounds of random reads through the public API and compares each with `m`. Returns the
    /// number of queries made.
    static func check(_ tx: Transaction, _ m: ModelGraph, _ r: inout SeededRandom, _ p: inout Problems,
                      rounds: Int) throws -> Int {
        var queries = 0
        func pickNode(_ r: inout SeededRandom) -> UInt64 {
            let ids = m.nodeIDs
            return ids.isEmpty || r.chance(10) ? UInt64(r.below(Int(m.nextNodeID) + 2)) : ids[r.below(ids.count)]
        }
        for _ in 0..<rounds {
            // Records by id.
            let n = pickNode(&r)
            if try tx.node(NodeID(n))?.model != m.nodes[n] { p.add("node(n\(n)) differs from \(String(describing: m.nodes[n]))") }
            if try tx.nodeExists(NodeID(n)) != (m.nodes[n] != nil) { p.add("nodeExists(n\(n))") }
            let key = Vocabulary.keys[r.below(Vocabulary.keys.count)]
            if try tx.property(key, of: NodeID(n)) != m.nodes[n]?.properties[key] { p.add("property \(key) of n\(n)") }
            let edges = m.edgeIDs
            let e = edges.isEmpty || r.chance(10) ? UInt64(r.below(Int(m.nextEdgeID) + 2)) : edges[r.below(edges.count)]
            if try tx.edge(EdgeID(e))?.model != m.edges[e] { p.add("edge(e\(e)) differs from \(String(describing: m.edges[e]))") }
            if try tx.edgeExists(EdgeID(e)) != (m.edges[e] != nil) { p.add("edgeExists(e\(e))") }
            if try tx.property(key, of: EdgeID(e)) != m.edges[e]?.properties[key] { p.add("property \(key) of e\(e)") }
            queries += 6

            // Labels and properties.
            let label = Vocabulary.labels[r.below(Vocabulary.labels.count)]
            let byLabel = try tx.nodes(withLabel: label)
            if try byLabel.collect().map(\.rawValue) != m.nodes(withLabel: label) { p.add("nodes(withLabel: \(label))") }
            let labelCount = try tx.countNodes(withLabel: label)
            if labelCount != m.countNodes(withLabel: label) { p.add("countNodes(\(label)) \(labelCount) vs \(m.countNodes(withLabel: label))") }
            var value = ValueGen.value(&r)
            let holders = m.nodeIDs
            if r.chance(60), !holders.isEmpty, let v = m.nodes[holders[r.below(holders.count)]]?.properties[key] { value = v }
            compare("equals \(label).\(key) == \(value)", &p,
                    { () throws(SombraError) in let c = try tx.nodes(withLabel: label, where: key, equals: value); return try c.collect().map(\.rawValue) },
                    { () throws(SombraError) in try m.nodes(withLabel: label, where: key, equals: value) })
            let range = ValueRange(lower: r.chance(15) ? nil : ValueGen.scalar(&r), lowerInclusive: r.below(2) == 0,
                                   upper: r.chance(15) ? nil : (r.chance(5) ? ValueGen.value(&r) : ValueGen.scalar(&r)),
                                   upperInclusive: r.below(2) == 0)
            compare("range \(label).\(key) in \(range.model)", &p,
                    { () throws(SombraError) in let c = try tx.nodes(withLabel: label, where: key, in: range); return try c.collect().map(\.rawValue) },
                    { () throws(SombraError) in try m.nodes(withLabel: label, where: key, in: range.model) })
            if try tx.hasIndex(label: label, key: key) != m.hasIndex(label: label, key: key) { p.add("hasIndex(\(label).\(key))") }
            queries += 5

            // Adjacency.
            let node = pickNode(&r)
            let direction = Direction.allCases[r.below(3)]
            let types: [String]? = switch r.below(6) {
            case 0, 1: nil
            case 2: []
            case 3: ["no-such-type"]
            case 4: [Vocabulary.types[r.below(4)], Vocabulary.types[r.below(4)]]
            default: [Vocabulary.types[r.below(4)]]
            }
            let ec = try tx.edges(of: NodeID(node), direction: direction, types: types)
            let got = try ec.collect().map(\.model)
            let want = m.edges(of: node, direction: direction.model, types: types)
            if got.sorted() != want || Set(got.map(\.id)).count != got.count {
                p.add("edges(of: n\(node), \(direction), \(String(describing: types))): \(got) vs \(want)")
            }
            let neighbours = try tx.neighbors(of: NodeID(node), direction: direction, types: types).map(\.rawValue)
            if neighbours.sorted() != m.neighbors(of: node, direction: direction.model, types: types) {
                p.add("neighbors(of: n\(node), \(direction), \(String(describing: types))): \(neighbours)")
            }
            if try tx.degree(of: NodeID(node), direction: direction, types: types) != want.count {
                p.add("degree(of: n\(node), \(direction), \(String(describing: types)))")
            }
            // forEachAdjacentNode: the other end of each edge, in the order of edges(of:); a stop is honoured.
            var adjacent: [UInt64] = []
            try tx.forEachAdjacentNode(of: NodeID(node), direction: direction, types: types) { (n: NodeID) throws(SombraError) -> Bool in
                adjacent.append(n.rawValue)
                return true
            }
            let otherEnds = got.map { $0.source == node && (direction != .incoming || $0.target == node) ? $0.target : $0.source }
            if adjacent != otherEnds {
                p.add("forEachAdjacentNode(of: n\(node), \(direction), \(String(describing: types))): \(adjacent) vs \(otherEnds)")
            }
            var firstOnly: [UInt64] = []
            try tx.forEachAdjacentNode(of: NodeID(node), direction: direction, types: types) { (n: NodeID) throws(SombraError) -> Bool in
                firstOnly.append(n.rawValue)
                return false
            }
            if firstOnly != Array(otherEnds.prefix(1)) { p.add("forEachAdjacentNode(of: n\(node)) did not stop after one") }
            queries += 4

            // Id order.
            let a = UInt64(r.below(Int(m.nextNodeID) + 2)), b = UInt64(r.below(Int(m.nextNodeID) + 2))
            let reverse = r.below(2) == 0
            let ids = try tx.nodes(inIDRange: NodeID(min(a, b))...NodeID(max(a, b)), reverse: reverse)
            if try ids.collect().map(\.rawValue) != m.nodeIDs(in: min(a, b)...max(a, b), reverse: reverse) {
                p.add("nodes(inIDRange: \(min(a, b))...\(max(a, b)), reverse: \(reverse))")
            }
            let k = r.below(5)
            if try tx.firstNodes(k).map(\.rawValue) != Array(m.nodeIDs.prefix(k)) { p.add("firstNodes(\(k))") }
            if try tx.lastNodes(k).map(\.rawValue) != Array(m.nodeIDs.reversed().prefix(k)) { p.add("lastNodes(\(k))") }
            queries += 3
        }
        let all = try tx.allNodes()
        if try all.collect().map(\.rawValue) != m.nodeIDs { p.add("allNodes") }
        let allEdges = try tx.allEdges()
        if try allEdges.collect().map(\.rawValue) != m.edgeIDs { p.add("allEdges") }
        return queries + 2
    }

    /// Both sides succeed with the same sorted, duplicate-free ids, or both fail with the same error case.
    static func compare(_ what: String, _ p: inout Problems, _ graph: () throws(SombraError) -> [UInt64],
                        _ model: () throws(SombraError) -> [UInt64]) {
        let g = Result { () throws(SombraError) in try graph() }
        let w = Result { () throws(SombraError) in try model() }
        switch (g, w) {
        case (.success(let a), .success(let b)):
            if a.sorted() != b || Set(a).count != a.count { p.add("\(what): \(a) vs model \(b)") }
        case (.failure(let a), .failure(let b)):
            if a.code != b.code { p.add("\(what): error \(a) vs model \(b)") }
        default:
            p.add("\(what): \(g) vs model \(w)")
        }
    }
}
