// IndexChecks: the label index, the two adjacency trees and the property indexes against the records, in
// both directions (property indexes always by lookups: they hold only the indexed nodes).
// Layer: graph facade (Sombra). Part of RecordChecks (see its file comment).
//
// In memory (the usual case), the nodes and edges walks collect the entries the records imply; they are
// sorted and merged with each tree's entries, walked in key order: an implied entry the tree lacks is
// "missing", a tree entry nothing implies is "stale". Beyond `inMemoryRecordsMax` records, the forward
// direction was checked by lookups during the walks and the reverse direction looks each entry up here.
//
// Invariants:
//  1. An implied entry whose key lies in a key range the index tree could not read is not reported
//     missing (the damage itself was reported by phase 2 or 3).
//  2. Entries are compared as numbers in the same order as their big-endian key bytes, so a merge over an
//     ordered tree visits each entry once.
import SombraFormat
import SombraIndex
import SombraStorage

/// A label index entry (label, node) and the page of the node record that implies it.
struct LabelEntry: Comparable {
    let label: UInt32
    let node: UInt64
    let page: UInt64

    static func < (x: LabelEntry, y: LabelEntry) -> Bool { (x.label, x.node) < (y.label, y.node) }
    static func == (x: LabelEntry, y: LabelEntry) -> Bool { x.label == y.label && x.node == y.node }
}

/// An adjacency entry (this end, type, other end, edge) and the page of the edge record that implies it.
struct AdjacencyEntry: Comparable {
    let a: UInt64
    let type: UInt32
    let b: UInt64
    let edge: UInt64
    let page: UInt64

    static func < (x: AdjacencyEntry, y: AdjacencyEntry) -> Bool { (x.a, x.type, x.b, x.edge) < (y.a, y.type, y.b, y.edge) }
    static func == (x: AdjacencyEntry, y: AdjacencyEntry) -> Bool {
        x.a == y.a && x.type == y.type && x.b == y.b && x.edge == y.edge
    }
}

/// Walks a sorted list of implied entries alongside a tree's entries.
struct MergeCursor<E: Comparable> {
    let expected: [E]
    var index = 0

    /// Takes the next tree entry; calls `missing` for implied entries that sort before it; returns whether
    /// `actual` was implied.
    mutating func feed(_ actual: E, missing: (E) -> Void) -> Bool {
        while index < expected.count, expected[index] < actual {
            missing(expected[index])
            index += 1
        }
        guard index < expected.count, expected[index] == actual else { return false }
        index += 1
        return true
    }

    mutating func finish(missing: (E) -> Void) {
        while index < expected.count {
            missing(expected[index])
            index += 1
        }
    }
}

extension RecordChecks {
    // MARK: Label index

    mutating func checkLabelIndex(_ report: inout VerifyReport) {
        var merge = MergeCursor(expected: inMemoryNodes ? expectedLabels.sorted() : [])
        expectedLabels = []
        var missing: [LabelEntry] = []
        let damage = Self.walk(trees.labels, reader, progress, "labels") { leaf in
            for cell in leaf.cells {
                let page = leaf.page.rawValue
                guard cell.key.count == 12 else {
                    report.add(.record, page: page, "label index key of \(cell.key.count) bytes (expected 12)"); continue
                }
                let l = cell.key.loadBE(UInt32.self, at: 0), id = cell.key.loadBE(UInt64.self, at: 4)
                if inMemoryNodes {
                    if merge.feed(LabelEntry(label: l, node: id, page: page), missing: { missing.append($0) }) { continue }
                    switch nodeExists(id, &report) {
                    case false?: report.add(.indexMismatch, page: page, "label index lists node n\(id) under \(name(l)), but n\(id) does not exist")
                    case true?: report.add(.indexMismatch, page: page, "label index lists node n\(id) under \(name(l)), but n\(id) lacks that label")
                    case nil: break
                    }
                    continue
                }
                switch nodeRecord(id, &report) {
                case .absent:
                    report.add(.indexMismatch, page: page, "label index lists node n\(id) under \(name(l)), but n\(id) does not exist")
                case .found(let r) where !r.hasLabel(l):
                    report.add(.indexMismatch, page: page, "label index lists node n\(id) under \(name(l)), but n\(id) lacks that label")
                default: break
                }
            }
        }
        merge.finish { missing.append($0) }
        for e in missing where !damage.contains(where: { $0.contains(GraphKeys.label(e.label, e.node)) }) {
            report.add(.indexMismatch, page: e.page, "node n\(e.node) has label \(name(e.label)), but the label index lacks it")
        }
    }

    // MARK: Adjacency

    mutating func checkAdjacency(_ report: inout VerifyReport, outgoing: Bool) {
        let tree = outgoing ? trees.outEdges : trees.inEdges
        let treeName = outgoing ? "out-edges" : "in-edges"
        var merge = MergeCursor(expected: inMemoryEdges ? (outgoing ? expectedOut : expectedIn).sorted() : [])
        if outgoing { expectedOut = [] } else { expectedIn = [] }
        var missing: [AdjacencyEntry] = []
        var previous: AdjacencyKey? = nil
        var chunk: [AdjacencyKey] = []
        let damage = Self.walk(tree, reader, progress, treeName) { leaf in
            for cell in leaf.cells {
                let page = leaf.page.rawValue
                guard let first = GraphKeys.decodeAdjacency(cell.key, start: 0, count: cell.key.count) else {
                    report.add(.record, page: page, "\(treeName) key of \(cell.key.count) bytes is not an adjacency key"); continue
                }
                chunk.removeAll(keepingCapacity: true)
                chunk.append(first)
                if let bytes = value(leaf, cell, &report) {
                    do throws(SombraError) {
                        try AdjacencyChunk.decode(bytes[...], after: first, page: leaf.page, into: &chunk)
                    } catch {
                        report.add(.record, page: page, "\(treeName) chunk of \(describe(first, outgoing)) does not decode: \(error)")
                    }
                }
                if let previous, previous.this == first.this, first <= previous {
                    report.add(.record, page: page, "\(treeName) chunk of \(describe(first, outgoing)) overlaps the chunk before it")
                }
                previous = chunk.last
                for c in chunk {
                    if inMemoryEdges, merge.feed(AdjacencyEntry(a: c.this, type: c.type, b: c.other, edge: c.edge, page: page), missing: { missing.append($0) }) {
                        continue
                    }
                    reportStaleAdjacency(c.this, c.type, c.other, c.edge, page: page, treeName: treeName, outgoing: outgoing, &report)
                }
            }
        }
        merge.finish { missing.append($0) }
        for m in missing where !damage.contains(where: { $0.contains(GraphKeys.adjacency(m.a, m.type, m.b, m.edge)) }) {
            let (source, target) = outgoing ? (m.a, m.b) : (m.b, m.a)
            report.add(.adjacencyMismatch, page: m.page, missingAdjacency(m.edge, source, m.type, target, treeName))
        }
    }

    /// "n1 -KNOWS-> n2 edge e3" (or with `<-` for the in-edges tree).
    func describe(_ k: AdjacencyKey, _ outgoing: Bool) -> String {
        outgoing ? "n\(k.this) -\(name(k.type))-> n\(k.other) edge e\(k.edge)" : "n\(k.this) <-\(name(k.type))- n\(k.other) edge e\(k.edge)"
    }

    /// A tree entry no record implied (in memory), or any entry (lookup mode): says what the edge is.
    func reportStaleAdjacency(_ a: UInt64, _ t: UInt32, _ b: UInt64, _ e: UInt64, page: UInt64, treeName: String,
                              outgoing: Bool, _ report: inout VerifyReport) {
        let (source, target) = outgoing ? (a, b) : (b, a)
        let described = "\(treeName) lists e\(e) as n\(source) -\(name(t))-> n\(target)"
        switch lookup(trees.edges, GraphKeys.id(e), &report) {
        case .absent:
            report.add(.adjacencyMismatch, page: page, "\(described), but e\(e) does not exist")
        case .found(let bytes):
            guard let r = try? EdgeRecord.decode(bytes) else { return }
            if r.source != source || r.target != target || r.type != t {
                report.add(.adjacencyMismatch, page: page, "\(described), but e\(e) is n\(r.source) -\(name(r.type))-> n\(r.target)")
            } else if inMemoryEdges {
                report.add(.adjacencyMismatch, page: page, "\(described) more than once")
            }
        case .unknown: break
        }
    }

    // MARK: Property indexes

    mutating func checkPropertyIndexes(_ report: inout VerifyReport) {
        _ = Self.walk(trees.properties, reader, progress, "properties") { leaf in
            for cell in leaf.cells {
                let page = leaf.page.rawValue
                guard cell.key.count >= 12 + 1 else {
                    report.add(.record, page: page, "property index key of \(cell.key.count) bytes is too short"); continue
                }
                let index = cell.key.loadBE(UInt32.self, at: 0)
                let id = cell.key.loadBE(UInt64.self, at: cell.key.count - 8)
                guard let d = declarationByIndex[index] else {
                    if catalogComplete { report.add(.indexMismatch, page: page, "entry for node n\(id) belongs to index id \(index), which is not declared") }
                    continue
                }
                let what = "index \(name(d.label)).\(name(d.key)) lists node n\(id)"
                switch nodeRecord(id, &report) {
                case .absent:
                    report.add(.indexMismatch, page: page, "\(what), but n\(id) does not exist")
                case .found(let r):
                    guard r.hasLabel(d.label) else { report.add(.indexMismatch, page: page, "\(what), but n\(id) lacks the label"); continue }
                    guard let v = r.property(for: d.key), v.isIndexable,
                          let (key, exact) = Self.indexKey(index, v, id) else {
                        report.add(.indexMismatch, page: page, "\(what), but n\(id) has no indexable value for the key"); continue
                    }
                    if key != cell.key { report.add(.indexMismatch, page: page, "\(what) under a value other than its \(v)") }
                    else if cell.storedLength != (exact ? 0 : 1) {
                        report.add(.indexMismatch, page: page, "\(what) with a wrong truncation marker")
                    }
                case .unknown: break
                }
            }
        }
    }
}
