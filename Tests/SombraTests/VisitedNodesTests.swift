// VisitedNodesTests: the traversal's visited set agrees with Set<UInt64> for small, large and repeated
// ids, and an id past the bitmap limit does not grow the bitmap.
import Testing
@testable import Sombra

@Suite("VisitedNodes")
struct VisitedNodesTests {
    @Test("insert agrees with a Set model through every tier, across the bitmap limit, with and without the short array (seed 5)")
    func againstModel() {
        var state: UInt64 = 5
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 7
        }
        let limit = VisitedNodes.bitmapIDLimit
        var mismatches = 0
        for expectingFew in [false, true] {
            var visited = VisitedNodes(expectingFew: expectingFew)
            var model = Set<UInt64>()
            // The first inserts stay below the short array's size, so its search and its hand-over are both used.
            for id in [UInt64(9), 3, 9, 70_000, 3] where visited.insert(id) != model.insert(id).inserted { mismatches += 1 }
            #expect(visited.tier == (expectingFew ? .small : .bitmap))
            var tiersSeen: Set<String> = []
            let edges: [UInt64] = [0, 1, 63, 64, 65, limit - 1, limit, limit + 1, .max]
            for i in 0..<20_000 {
                let id: UInt64
                switch i % 4 {
                case 0: id = next() % 5_000
                case 1: id = edges[Int(next() % UInt64(edges.count))]
                case 2: id = next() % 300_000
                default: id = next()
                }
                if visited.insert(id) != model.insert(id).inserted { mismatches += 1 }
                let probe = next() % 400_000
                if visited.insert(probe) != model.insert(probe).inserted { mismatches += 1 }
                tiersSeen.insert("\(visited.tier)")
            }
            // With the short array, the walk passes through every tier: small, hashed, then the bitmap
            // (its ids are large by the time the short array fills).
            #expect(tiersSeen == (expectingFew ? ["small", "hashed", "bitmap"] : ["bitmap"]))
            // Everything inserted is remembered, wherever it is kept.
            for id in model where visited.insert(id) { mismatches += 1 }
        }
        #expect(mismatches == 0, "seed 5")
    }

    @Test("small ids go from the short array straight to the bitmap; a large one sends them to the Set first")
    func tierByIDSize() {
        var small = VisitedNodes(expectingFew: true)
        for id in UInt64(1)...40 { _ = small.insert(id * 100) }
        #expect(small.tier == .bitmap)
        var mixed = VisitedNodes(expectingFew: true)
        for id in UInt64(1)...32 { _ = mixed.insert(id) }
        _ = mixed.insert(VisitedNodes.smallBitmapIDLimit + 5)
        #expect(mixed.tier == .hashed)
        #expect(!mixed.insert(7) && mixed.insert(VisitedNodes.smallBitmapIDLimit + 6))
    }
}
