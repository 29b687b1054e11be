// SombraEngine: the Sombra side of the benchmark. STUB: the GraphDB facade does not exist yet, so every
// method throws `BenchUnavailable` and the harness prints "n/a" for the Sombra columns and ratios.
// Layer: benchmark tool only.
//
// To fill in (lead): open/create a GraphDB at `path` with a page cache of `cacheBytes`; keep a mapping
// workload index <-> Sombra NodeID if Sombra assigns its own ids (BenchEngine invariant 1); create the label
// index and property indexes on (Person, name) and (Person, age) inside the load transaction; make
// `txnSmall` one durable commit; `fileSizeBytes` = database file + WAL. Then delete this note.
import Sombra

final class SombraEngine: BenchEngine {
    let name = "sombra"
    let path: String
    let cacheBytes: Int

    init(path: String, cacheBytes: Int) {
        self.path = path
        self.cacheBytes = cacheBytes
    }

    private func unavailable() -> BenchUnavailable {
        BenchUnavailable(reason: "Sombra GraphDB is not wired into sombra-bench yet")
    }

    func load(nodes: [NodeSpec], edges: [EdgeSpec]) throws { throw unavailable() }
    func counts() throws -> (nodes: Int, edges: Int) { throw unavailable() }
    func close() throws {}
    func openAndGetNode(_ id: Int64) throws -> NodeRecord? { throw unavailable() }
    func getNode(_ id: Int64) throws -> NodeRecord? { throw unavailable() }
    func outNeighbors(_ id: Int64) throws -> [Int64] { throw unavailable() }
    func inNeighbors(_ id: Int64) throws -> [Int64] { throw unavailable() }
    func hop2Count(_ id: Int64) throws -> Int { throw unavailable() }
    func nodesWithLabel(_ label: String) throws -> [Int64] { throw unavailable() }
    func personsNamed(_ name: String) throws -> [Int64] { throw unavailable() }
    func personsAged(from ageLow: Int64, below ageHigh: Int64) throws -> [Int64] { throw unavailable() }
    func bfsCount(from id: Int64, depth: Int) throws -> Int { throw unavailable() }
    func txnSmall(name: String, target: Int64) throws { throw unavailable() }
    func fileSizeBytes() throws -> Int64 { throw unavailable() }
}
