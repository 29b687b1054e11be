// GraphKeyLayoutTests: the adjacency keys are what Docs/FORMAT.md ("Graph trees") says, sort like their
// (this end, type, other end, edge) tuples, decode back, and a malformed key in a leaf is a typed error.
import Testing
import Foundation
import SombraFormat
import SombraIndex
@testable import Sombra

@Suite("Graph key layout")
struct GraphKeyLayoutTests {
    @Test("the adjacency key examples in FORMAT.md are what GraphKeys writes")
    func documentedExample() throws {
        let doc = try FormatDoc.text()
        let out = GraphKeys.adjacency(300, 2, 5, 7), incoming = GraphKeys.adjacency(5, 2, 300, 7)
        #expect(FormatDoc.hex(out) == "02 01 2C 01 02 01 05 01 07")
        #expect(FormatDoc.hex(incoming) == "01 05 01 02 02 01 2C 01 07")
        #expect(doc.contains("out-edges key `\(FormatDoc.hex(out))`"))
        #expect(doc.contains("in-edges key `\(FormatDoc.hex(incoming))`"))
    }

    @Test("a walk's in-place prefix range spans exactly the node's adjacency prefix, buffers reused")
    func walkPrefixRange() {
        func expected(_ p: [UInt8]) -> KeyRange {
            KeyRange(lower: .included(p), upper: KeyEncoding.prefixEnd(p).map { .excluded($0) } ?? .unbounded)
        }
        var lower: [UInt8] = [], upper: [UInt8] = []
        var nodes: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000, .max, .max - 1]
        for shift in 0..<64 { nodes.append((1 << UInt64(shift)) - 1); nodes.append(1 << UInt64(shift)) }
        var mismatches: [UInt64] = []
        for node in nodes where Sombra.AdjacencyWalk.prefixRange(of: node, lower: &lower, upper: &upper)
            != expected(GraphKeys.adjacencyPrefix(node)) {
            mismatches.append(node)
        }
        #expect(mismatches.isEmpty, "nodes \(mismatches)")
    }

    @Test("adjacency keys sort like their tuples, prefixes select exactly their node and type, and keys decode back (seed 11)")
    func orderPrefixAndDecode() {
        var state: UInt64 = 11
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 11) % bound
        }
        var tuples: [(UInt64, UInt32, UInt64, UInt64)] = []
        let bounds: [UInt64] = [3, 300, 70_000, 1 << 40, .max]
        for _ in 0..<600 {
            tuples.append((next(bounds[Int(next(5))]), UInt32(next(UInt64(UInt32.max))) >> UInt32(next(32)),
                           next(bounds[Int(next(5))]), next(bounds[Int(next(5))])))
        }
        var mismatches = 0
        for t in tuples {
            let k = GraphKeys.adjacency(t.0, t.1, t.2, t.3)
            if k.count != GraphKeys.adjacencySize(t.0, t.1, t.2, t.3) { mismatches += 1 }
            guard let d = GraphKeys.parseAdjacency(k), d == t else { mismatches += 1; continue }
            let p = GraphKeys.adjacencyPrefix(t.0), pt = GraphKeys.adjacencyPrefix(t.0, type: t.1)
            if !k.starts(with: p) || !k.starts(with: pt) { mismatches += 1 }
        }
        for _ in 0..<3000 {
            let a = tuples[Int(next(UInt64(tuples.count)))], b = tuples[Int(next(UInt64(tuples.count)))]
            let ka = GraphKeys.adjacency(a.0, a.1, a.2, a.3), kb = GraphKeys.adjacency(b.0, b.1, b.2, b.3)
            if (a < b) != ka.lexicographicallyPrecedes(kb) { mismatches += 1 }
            // A node's prefix never selects another node's key, nor a type prefix another type's.
            if a.0 != b.0 && kb.starts(with: GraphKeys.adjacencyPrefix(a.0)) { mismatches += 1 }
            if (a.0, a.1) != (b.0, b.1) && kb.starts(with: GraphKeys.adjacencyPrefix(a.0, type: a.1)) { mismatches += 1 }
        }
        #expect(mismatches == 0, "seed 11")
    }

    @Test("truncated, padded and over-wide adjacency keys do not decode")
    func malformed() {
        let k = GraphKeys.adjacency(300, 2, 5, 7)
        #expect(GraphKeys.parseAdjacency(Array(k.dropLast())) == nil)
        #expect(GraphKeys.parseAdjacency(k + [0]) == nil)
        #expect(GraphKeys.parseAdjacency([0x01, 0x01, 0x05, 1, 2, 3, 4, 5, 0x00, 0x00]) == nil, "a type id wider than 4 bytes")
        #expect(GraphKeys.parseAdjacency([]) == nil)
    }
}
