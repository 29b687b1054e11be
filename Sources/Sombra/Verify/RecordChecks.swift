// RecordChecks: the verifier's graph-level phase: records decode, and every derived structure agrees with
// them — the label index, the declared property indexes, both adjacency trees, edge endpoints, the stored
// counts and the id counters. Layer: graph facade (Sombra).
//
// Each structure is checked in both directions: walking the records, every entry they imply must exist
// ("missing"); walking each index, every entry must be implied by a record ("stale"). Up to
// `inMemoryRecordsMax` records the label index and adjacency are compared by sorted merges of what the
// records imply against the trees (IndexChecks.swift); beyond, by point lookups, so memory stays flat.
//
// Invariants:
//  1. Walks go through TreeWalk (bounded, never throws); lookups that fail because a page on their path is
//     damaged are counted in `lookupsSkipped`, not reported: the damage itself was reported earlier.
//  2. Name checks are made only when the name dictionary was read completely.
import SombraFormat
import SombraIndex
import SombraStorage

enum Lookup {
    case found([UInt8])
    case absent
    case unknown
}

struct RecordChecks {
    let trees: GraphTrees
    let reader: any PageReader
    let progress: ((VerifyProgress) -> Void)?

    var namesByID: [UInt32: String] = [:]
    var namesComplete = true
    var counters: [String: UInt64] = [:]
    var storedLabelCounts: [UInt32: UInt64] = [:]
    var storedTypeCounts: [UInt32: UInt64] = [:]
    var indexesByLabel: [UInt32: [(key: UInt32, index: UInt32)]] = [:]
    var declarationByIndex: [UInt32: (label: UInt32, key: UInt32)] = [:]
    var catalogComplete = true

    var labelTally: [UInt32: UInt64] = [:]
    var typeTally: [UInt32: UInt64] = [:]
    var nodeTotal: UInt64 = 0
    var edgeTotal: UInt64 = 0
    var maxNodeID: UInt64 = 0
    var maxEdgeID: UInt64 = 0
    var nodesComplete = true
    var edgesComplete = true

    /// Nodes and edges are cross-checked in memory (sorted merges) up to this many records each, by point
    /// lookups beyond (slower, but memory stays flat).
    static let inMemoryRecordsDefault = 4_000_000
    var inMemoryRecordsMax = RecordChecks.inMemoryRecordsDefault
    var inMemoryNodes = true
    var inMemoryEdges = true
    /// Node ids in ascending order (in-memory mode).
    var nodeIDs: [UInt64] = []
    var nodeDamage: [DamagedKeyRange] = []
    /// Entries the label index and the adjacency trees must hold (in-memory mode).
    var expectedLabels: [LabelEntry] = []
    var expectedOut: [AdjacencyEntry] = []
    var expectedIn: [AdjacencyEntry] = []

    init(trees: GraphTrees, reader: any PageReader, progress: ((VerifyProgress) -> Void)?) {
        self.trees = trees
        self.reader = reader
        self.progress = progress
    }

    mutating func run(into report: inout VerifyReport) {
        readNames(&report)
        readCatalog(&report)
        checkNodes(&report)
        checkLabelIndex(&report)
        checkEdges(&report)
        checkAdjacency(&report, outgoing: true)
        checkAdjacency(&report, outgoing: false)
        checkPropertyIndexes(&report)
        checkCounts(&report)
    }

    // MARK: Helpers

    func lookup(_ tree: BTree, _ key: [UInt8], _ report: inout VerifyReport) -> Lookup {
        do throws(SombraError) {
            guard let v = try tree.get(key, in: reader) else { return .absent }
            return .found(v)
        } catch {
            report.lookupsSkipped += 1
            return .unknown
        }
    }

    /// Whether an adjacency tree holds entry `e` (nil: the chunk that would hold it is unreadable).
    func lookupAdjacency(_ tree: BTree, _ e: AdjacencyKey, _ report: inout VerifyReport) -> Bool? {
        do throws(SombraError) {
            return try AdjacencyChunks.contains(e, in: tree, reader)
        } catch {
            report.lookupsSkipped += 1
            return nil
        }
    }

    func value(_ leaf: WalkedLeaf, _ cell: BTreeLeafCellInfo, _ report: inout VerifyReport) -> [UInt8]? {
        do throws(SombraError) {
            return try BTree.leafValue(leaf.bytes, page: leaf.page, index: cell.index, in: reader)
        } catch {
            // Overflow chains were checked by BTree.verify; a failure here is already reported.
            report.lookupsSkipped += 1
            return nil
        }
    }

    /// Walks a tree's readable leaves in key order; returns the key ranges it could not read.
    static func walk(_ tree: BTree, _ reader: any PageReader, _ progress: ((VerifyProgress) -> Void)?, _ phase: String,
                     _ body: (WalkedLeaf) -> Void) -> [DamagedKeyRange] {
        var w = TreeWalk(tree: tree, reader: reader)
        var leaves = 0
        w.run { leaf in
            leaves += 1
            if let progress, leaves % 64 == 0 { progress(VerifyProgress(phase: phase, done: leaves, total: 0)) }
            body(leaf)
        }
        return w.damaged
    }

    static func indexKey(_ index: UInt32, _ v: Value, _ id: UInt64) -> ([UInt8], Bool)? {
        guard let p = try? GraphKeys.property(index, v, id) else { return nil }
        return (p.key, p.exact)
    }

    func name(_ id: UInt32) -> String { namesByID[id].map { "\"\($0)\"" } ?? "#\(id)" }

    enum NodeLookup {
        case found(NodeRecord)
        case absent
        /// Unreadable, or a record that does not decode (reported by the nodes walk).
        case unknown
    }

    func nodeRecord(_ id: UInt64, _ report: inout VerifyReport) -> NodeLookup {
        switch lookup(trees.nodes, GraphKeys.id(id), &report) {
        case .absent: return .absent
        case .unknown: return .unknown
        case .found(let bytes):
            guard let r = try? NodeRecord.decode(bytes) else { return .unknown }
            return .found(r)
        }
    }

    // MARK: Names and catalog

    mutating func readNames(_ report: inout VerifyReport) {
        var forward: [(String, UInt32, UInt64)] = []
        namesComplete = Self.walk(trees.names, reader, progress, "names") { leaf in
            for cell in leaf.cells {
                let page = leaf.page.rawValue
                guard let v = value(leaf, cell, &report) else { continue }
                if cell.key.first == 0x01, let n = String(validating: cell.key.dropFirst(), as: UTF8.self) {
                    guard let id = GraphKeys.readU32Value(v) else {
                        report.add(.record, page: page, "dictionary entry for \"\(n)\" holds \(v.count) bytes, not a 4-byte id")
                        continue
                    }
                    forward.append((n, id, page))
                } else if cell.key.first == 0x02, cell.key.count == 5 {
                    let id = cell.key.loadBE(UInt32.self, at: 1)
                    guard let n = String(validating: v, as: UTF8.self) else {
                        report.add(.record, page: page, "dictionary name of id \(id) is not valid UTF-8")
                        continue
                    }
                    namesByID[id] = n
                } else {
                    report.add(.record, page: page, "dictionary key \(hexBytes(cell.key.prefix(16))) has an unknown form")
                }
            }
        }.isEmpty
        guard namesComplete else { return }
        var idsSeen = Set<UInt32>()
        for (n, id, page) in forward {
            idsSeen.insert(id)
            if namesByID[id] != n {
                report.add(.name, page: page, "\"\(n)\" maps to id \(id), but id \(id) names \(name(id))")
            }
        }
        for (id, n) in namesByID where !idsSeen.contains(id) {
            report.add(.name, page: trees.names.root.rawValue, "id \(id) names \"\(n)\", but \"\(n)\" has no entry mapping it back")
        }
    }

    mutating func readCatalog(_ report: inout VerifyReport) {
        catalogComplete = Self.walk(trees.catalog, reader, progress, "catalog") { leaf in
            for cell in leaf.cells {
                let page = leaf.page.rawValue
                guard let v = value(leaf, cell, &report) else { continue }
                let k = cell.key
                switch (k.first, k.count) {
                case (0x01, _):
                    guard let n = String(validating: k.dropFirst(), as: UTF8.self), let c = GraphKeys.readU64Value(v) else {
                        report.add(.record, page: page, "catalog counter entry is malformed"); continue
                    }
                    counters[n] = c
                case (0x02, 5), (0x03, 5):
                    guard let c = GraphKeys.readU64Value(v) else {
                        report.add(.record, page: page, "catalog count entry holds \(v.count) bytes, not 8"); continue
                    }
                    if k[0] == 0x02 { storedLabelCounts[k.loadBE(UInt32.self, at: 1)] = c }
                    else { storedTypeCounts[k.loadBE(UInt32.self, at: 1)] = c }
                case (0x04, 9):
                    guard let index = GraphKeys.readU32Value(v) else {
                        report.add(.record, page: page, "index declaration holds \(v.count) bytes, not a 4-byte id"); continue
                    }
                    let label = k.loadBE(UInt32.self, at: 1), key = k.loadBE(UInt32.self, at: 5)
                    if let other = declarationByIndex[index] {
                        report.add(.indexMismatch, page: page, "index id \(index) is declared for both \(name(other.label)).\(name(other.key)) and \(name(label)).\(name(key))")
                    }
                    declarationByIndex[index] = (label, key)
                    indexesByLabel[label, default: []].append((key, index))
                default:
                    report.add(.record, page: page, "catalog key \(hexBytes(k.prefix(16))) has an unknown form")
                }
            }
        }.isEmpty
        inMemoryNodes = (counters[Counter.nodeCount] ?? 0) <= UInt64(max(0, inMemoryRecordsMax))
        inMemoryEdges = (counters[Counter.edgeCount] ?? 0) <= UInt64(max(0, inMemoryRecordsMax))
    }

    // MARK: Nodes and the label index

    mutating func checkNodes(_ report: inout VerifyReport) {
        nodeDamage = Self.walk(trees.nodes, reader, progress, "nodes") { leaf in
            for cell in leaf.cells {
                let page = leaf.page.rawValue
                guard let id = GraphKeys.readID(cell.key), cell.key.count == 8, id != 0 else {
                    report.add(.record, page: page, "node key \(hexBytes(cell.key.prefix(16))) is not a node id"); continue
                }
                guard let v = value(leaf, cell, &report) else { continue }
                let record: NodeRecord
                do throws(SombraError) { record = try NodeRecord.decode(v, page: leaf.page) } catch {
                    report.add(.record, page: page, "node n\(id): \(TreeWalk.reason(error))"); continue
                }
                nodeTotal += 1
                maxNodeID = max(maxNodeID, id)
                report.nodesChecked += 1
                if inMemoryNodes { nodeIDs.append(id) }
                checkNode(id, record, page, &report)
            }
        }
        nodesComplete = nodeDamage.isEmpty
        if inMemoryNodes, zip(nodeIDs, nodeIDs.dropFirst()).contains(where: { $0 >= $1 }) { nodeIDs.sort() }
    }

    mutating func checkNode(_ id: UInt64, _ record: NodeRecord, _ page: UInt64, _ report: inout VerifyReport) {
        for l in record.labels {
            labelTally[l, default: 0] += 1
            if namesComplete, namesByID[l] == nil { report.add(.name, page: page, "node n\(id) has label id \(l), which names nothing") }
            if inMemoryNodes {
                expectedLabels.append(LabelEntry(label: l, node: id, page: page))
            } else if case .absent = lookup(trees.labels, GraphKeys.label(l, id), &report) {
                report.add(.indexMismatch, page: page, "node n\(id) has label \(name(l)), but the label index lacks it")
            }
            for d in indexesByLabel[l] ?? [] {
                guard let v = record.property(for: d.key), v.isIndexable,
                      let (key, exact) = Self.indexKey(d.index, v, id) else { continue }
                switch lookup(trees.properties, key, &report) {
                case .absent:
                    report.add(.indexMismatch, page: page, "node n\(id): index \(name(l)).\(name(d.key)) lacks its value \(v)")
                case .found(let marker) where marker != (exact ? [] : [1]):
                    report.add(.indexMismatch, page: page, "node n\(id): index \(name(l)).\(name(d.key)) marks its value \(exact ? "truncated" : "whole") wrongly")
                default: break
                }
            }
        }
        if namesComplete {
            for p in record.properties where namesByID[p.key] == nil {
                report.add(.name, page: page, "node n\(id) has property key id \(p.key), which names nothing")
            }
        }
    }

    // MARK: Edges and adjacency

    mutating func checkEdges(_ report: inout VerifyReport) {
        edgesComplete = Self.walk(trees.edges, reader, progress, "edges") { leaf in
            for cell in leaf.cells {
                let page = leaf.page.rawValue
                guard let id = GraphKeys.readID(cell.key), cell.key.count == 8, id != 0 else {
                    report.add(.record, page: page, "edge key \(hexBytes(cell.key.prefix(16))) is not an edge id"); continue
                }
                guard let v = value(leaf, cell, &report) else { continue }
                let r: EdgeRecord
                do throws(SombraError) { r = try EdgeRecord.decode(v, page: leaf.page) } catch {
                    report.add(.record, page: page, "edge e\(id): \(TreeWalk.reason(error))"); continue
                }
                edgeTotal += 1
                maxEdgeID = max(maxEdgeID, id)
                report.edgesChecked += 1
                typeTally[r.type, default: 0] += 1
                if namesComplete, namesByID[r.type] == nil { report.add(.name, page: page, "edge e\(id) has type id \(r.type), which names nothing") }
                for (end, node) in [("source", r.source), ("target", r.target)] where nodeExists(node, &report) == false {
                    report.add(.edgeEndpoint, page: page, "edge e\(id)'s \(end) n\(node) does not exist")
                }
                if inMemoryEdges {
                    expectedOut.append(AdjacencyEntry(a: r.source, type: r.type, b: r.target, edge: id, page: page))
                    expectedIn.append(AdjacencyEntry(a: r.target, type: r.type, b: r.source, edge: id, page: page))
                    continue
                }
                if lookupAdjacency(trees.outEdges, AdjacencyKey(this: r.source, type: r.type, other: r.target, edge: id), &report) == false {
                    report.add(.adjacencyMismatch, page: page, missingAdjacency(id, r.source, r.type, r.target, "out-edges"))
                }
                if lookupAdjacency(trees.inEdges, AdjacencyKey(this: r.target, type: r.type, other: r.source, edge: id), &report) == false {
                    report.add(.adjacencyMismatch, page: page, missingAdjacency(id, r.source, r.type, r.target, "in-edges"))
                }
            }
        }.isEmpty
    }

    func missingAdjacency(_ e: UInt64, _ source: UInt64, _ type: UInt32, _ target: UInt64, _ tree: String) -> String {
        "edge e\(e) (n\(source) -\(name(type))-> n\(target)) is missing from the \(tree) tree"
    }

    /// Whether node `id` exists: from the ids the nodes walk collected, or by lookup; nil when unknown
    /// (its key lies in a part of the nodes tree that could not be read).
    func nodeExists(_ id: UInt64, _ report: inout VerifyReport) -> Bool? {
        if inMemoryNodes {
            if Self.sortedContains(nodeIDs, id) { return true }
            if nodeDamage.contains(where: { $0.contains(GraphKeys.id(id)) }) { report.lookupsSkipped += 1; return nil }
            return false
        }
        switch lookup(trees.nodes, GraphKeys.id(id), &report) {
        case .found: return true
        case .absent: return false
        case .unknown: return nil
        }
    }

    static func sortedContains(_ sorted: [UInt64], _ x: UInt64) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = low + (high - low) / 2
            if sorted[mid] < x { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == x
    }

    // MARK: Counts

    mutating func checkCounts(_ report: inout VerifyReport) {
        guard catalogComplete else { return }
        let page = trees.catalog.root.rawValue
        if nodesComplete, (counters[Counter.nodeCount] ?? 0) != nodeTotal {
            report.add(.countMismatch, page: page, "the catalog counts \(counters[Counter.nodeCount] ?? 0) nodes, the nodes tree holds \(nodeTotal)")
        }
        if edgesComplete, (counters[Counter.edgeCount] ?? 0) != edgeTotal {
            report.add(.countMismatch, page: page, "the catalog counts \(counters[Counter.edgeCount] ?? 0) edges, the edges tree holds \(edgeTotal)")
        }
        if nodesComplete {
            for l in Set(labelTally.keys).union(storedLabelCounts.keys).sorted() where labelTally[l] ?? 0 != storedLabelCounts[l] ?? 0 {
                report.add(.countMismatch, page: page, "the catalog counts \(storedLabelCounts[l] ?? 0) nodes labelled \(name(l)), the records \(labelTally[l] ?? 0)")
            }
        }
        if edgesComplete {
            for t in Set(typeTally.keys).union(storedTypeCounts.keys).sorted() where typeTally[t] ?? 0 != storedTypeCounts[t] ?? 0 {
                report.add(.countMismatch, page: page, "the catalog counts \(storedTypeCounts[t] ?? 0) edges of type \(name(t)), the records \(typeTally[t] ?? 0)")
            }
        }
        if maxNodeID > 0, max(counters[Counter.nextNode] ?? 1, 1) <= maxNodeID {
            report.add(.countMismatch, page: page, "the next node id is \(counters[Counter.nextNode] ?? 1), but node n\(maxNodeID) exists (ids would be reused)")
        }
        if maxEdgeID > 0, max(counters[Counter.nextEdge] ?? 1, 1) <= maxEdgeID {
            report.add(.countMismatch, page: page, "the next edge id is \(counters[Counter.nextEdge] ?? 1), but edge e\(maxEdgeID) exists (ids would be reused)")
        }
    }
}

func hexBytes<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits: [Character] = Array("0123456789abcdef")
    var s = ""
    for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
    return s
}
