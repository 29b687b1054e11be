// BenchEngine: the one interface both engines (Sombra, SQLite) implement, one method per workload operation,
// so the harness drives identical work through both and compares result sizes and digests.
// Layer: benchmark tool only.
//
// Invariants (every implementation must keep them, or the "check" column reports a mismatch):
//  1. Ids in and out are workload node indices 0..<N (see Workload.swift); an engine with its own ids maps.
//  2. Lists keep one entry per edge (parallel edges repeat a neighbour); order does not matter.
//  3. `load` writes everything in ONE transaction, indexes included, and returns only once it is durable.
//  4. `txnSmall` is one transaction (1 new node + 1 edge) that is durable (fsync'd) when it returns.
//  5. A method an engine cannot perform yet throws `BenchUnavailable`; the harness prints "n/a".

/// Thrown by an engine (or one of its methods) that is not available yet.
struct BenchUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { "not available: \(reason)" }
}

/// One benchmark engine bound to one database path and one page-cache budget (given to its initializer).
protocol BenchEngine: AnyObject {
    /// Short name for progress messages ("sombra", "sqlite").
    var name: String { get }

    /// Creates a fresh database and stores all nodes and edges in one durable transaction. Indexes: the label
    /// index and property indexes on Person.name and Person.age (prop_eq / prop_range use them).
    func load(nodes: [NodeSpec], edges: [EdgeSpec]) throws

    /// Number of nodes and edges stored (untimed; proves both engines loaded the same graph).
    func counts() throws -> (nodes: Int, edges: Int)

    /// Closes the database (no-op when already closed). Later calls other than `openAndGetNode` need it open.
    func close() throws

    /// Opens the closed database and answers one query: the node `id`, or nil if absent. Leaves it open.
    func openAndGetNode(_ id: Int64) throws -> NodeRecord?

    /// The node `id` with its label and all its properties, or nil if absent.
    func getNode(_ id: Int64) throws -> NodeRecord?

    /// Targets of the edges leaving `id` (one entry per edge).
    func outNeighbors(_ id: Int64) throws -> [Int64]

    /// Sources of the edges entering `id` (one entry per edge).
    func inNeighbors(_ id: Int64) throws -> [Int64]

    /// Number of distinct nodes w with a path id -> v -> w of exactly two outgoing edges (w may be id itself
    /// or a direct neighbour).
    func hop2Count(_ id: Int64) throws -> Int

    /// Ids of all nodes carrying `label` (iterates them all; the harness counts them).
    func nodesWithLabel(_ label: String) throws -> [Int64]

    /// Ids of Person nodes whose `name` equals `name`.
    func personsNamed(_ name: String) throws -> [Int64]

    /// Ids of Person nodes whose `age` lies in [ageLow, ageHigh).
    func personsAged(from ageLow: Int64, below ageHigh: Int64) throws -> [Int64]

    /// Number of distinct nodes reachable from `id` by at most `depth` outgoing edges, `id` included.
    func bfsCount(from id: Int64, depth: Int) throws -> Int

    /// One durable transaction: a new Person node (name `name`, age 33, score 1.5) plus one KNOWS edge from
    /// it to the existing node `target`.
    func txnSmall(name: String, target: Int64) throws

    /// Bytes on disk for this database: main file plus any WAL (called after `close`).
    func fileSizeBytes() throws -> Int64
}
