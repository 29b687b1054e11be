// Harness: runs the whole workload on one engine (a "phase") and records, per operation, the timing and a
// check value computed on a fixed prefix of the query sequence, so two engines' answers can be compared.
// Layer: benchmark tool only.
//
// Invariants:
//  1. Both engines get the same Workload arrays and walk the same query id sequence from index 0 for every op.
//  2. A check is computed in an untimed pass over the first `checkQueries` queries (it also warms the cache);
//     timed loops only keep results alive (blackHole), so hashing never inflates a time.
//  3. An engine method throwing `BenchUnavailable` makes that op (or, from `load`, the whole phase) n/a;
//     any other error is reported as a failure of that op and the run goes on.
//  4. Order: load, file size (closed), open, get_node, out, in, hop2, label, prop_eq, prop_range, bfs,
//     txn_small (last: it grows the graph), then peak RSS.

enum OpName: String, CaseIterable {
    case load, open
    case getNode = "get_node"
    case outgoing = "out"
    case incoming = "in"
    case hop2, label
    case propEq = "prop_eq"
    case propRange = "prop_range"
    case bfs
    case txnSmall = "txn_small"
    case fileSize = "file_size"
    case rss
}

/// Order-independent summary of a set of answers: how many results, and a digest of what they were.
struct Check: Equatable {
    var count = 0
    var digest: UInt64 = 0

    mutating func add(ids: [Int64]) {
        count += ids.count
        for id in ids { digest &+= mix64(UInt64(bitPattern: id)) }
    }

    mutating func add(record: NodeRecord?) {
        guard let record else { return }
        count += 1
        digest &+= record.digest
    }

    mutating func add(value: Int) {
        count += value
        digest &+= mix64(UInt64(bitPattern: Int64(value)))
    }
}

/// What happened to one operation on one engine.
enum OpOutcome {
    case measured(Measurement, Check)
    case unavailable(String)
    case failed(String)

    var measurement: Measurement? {
        if case .measured(let m, _) = self { return m }
        return nil
    }

    var check: Check? {
        if case .measured(_, let c) = self { return c }
        return nil
    }
}

/// Everything one engine produced.
struct PhaseResult {
    let engine: String
    var unavailableReason: String?
    var ops: [OpName: OpOutcome] = [:]
    var fileSizeBytes: Int64?
    var peakRSSBytes: Int64?
    var peakWasReset = false
    /// The fsync floor timed in rounds alternating with this engine's txn_small rounds.
    var fsyncFloorNearTxn: Measurement?
}

struct PhaseRunner {
    let workload: Workload
    let policy: TimingPolicy
    let floorPath: String
    let progress: (String) -> Void

    static let bfsDepth = 3
    static let ageLow: Int64 = 30
    static let ageHigh: Int64 = 32

    private func queryID(_ i: Int) -> Int64 { workload.queryIDs[i & (Workload.queryCount - 1)] }
    private func queryName(_ i: Int) -> String { workload.queryNames[i & (Workload.queryCount - 1)] }

    func run(_ engine: any BenchEngine) -> PhaseResult {
        var result = PhaseResult(engine: engine.name)
        progress("\(engine.name): load \(workload.nodeCount) nodes, \(workload.edges.count) edges")
        do {
            let timing = try measureOnce { try engine.load(nodes: workload.nodes, edges: workload.edges) }
            let (nodes, edges) = try engine.counts()
            let check = Check(count: nodes + edges, digest: mix64(UInt64(nodes)) ^ UInt64(edges))
            result.ops[.load] = .measured(timing, check)
            try engine.close()
        } catch let unavailable as BenchUnavailable {
            result.unavailableReason = unavailable.reason
            return result
        } catch {
            result.ops[.load] = .failed("\(error)")
            return result
        }
        result.fileSizeBytes = try? engine.fileSizeBytes()
        result.ops[.open] = measureOpen(engine)
        measureQueries(engine, into: &result)
        result.ops[.txnSmall] = measureTxnSmall(engine, floor: &result.fsyncFloorNearTxn)
        try? engine.close()
        return result
    }

    private func measureOpen(_ engine: any BenchEngine) -> OpOutcome {
        progress("\(engine.name): open")
        return outcome {
            var check = Check()
            try engine.close()
            check.add(record: try engine.openAndGetNode(queryID(0)))
            let timing = try measureEach(policy, setup: { _ in try engine.close() }) { i in
                blackHole(try engine.openAndGetNode(queryID(i)))
            }
            return (timing, check)
        }
    }

    private func measureQueries(_ engine: any BenchEngine, into result: inout PhaseResult) {
        result.ops[.getNode] = op(engine, .getNode, checkQueries: 1024,
                                  { try engine.getNode(queryID($0)) }, { $0.add(record: $1) })
        result.ops[.outgoing] = op(engine, .outgoing, checkQueries: 1024,
                                   { try engine.outNeighbors(queryID($0)) }, { $0.add(ids: $1) })
        result.ops[.incoming] = op(engine, .incoming, checkQueries: 1024,
                                   { try engine.inNeighbors(queryID($0)) }, { $0.add(ids: $1) })
        result.ops[.hop2] = op(engine, .hop2, checkQueries: 256,
                               { try engine.hop2Count(queryID($0)) }, { $0.add(value: $1) })
        result.ops[.label] = op(engine, .label, checkQueries: 2,
                                { _ in try engine.nodesWithLabel("Person") }, { $0.add(ids: $1) })
        result.ops[.propEq] = op(engine, .propEq, checkQueries: 1024,
                                 { try engine.personsNamed(queryName($0)) }, { $0.add(ids: $1) })
        result.ops[.propRange] = op(engine, .propRange, checkQueries: 8,
                                    { _ in try engine.personsAged(from: Self.ageLow, below: Self.ageHigh) },
                                    { $0.add(ids: $1) })
        result.ops[.bfs] = op(engine, .bfs, checkQueries: 64,
                              { try engine.bfsCount(from: queryID($0), depth: Self.bfsDepth) },
                              { $0.add(value: $1) })
    }

    /// Check pass over the first `checkQueries` queries, then the timed loop.
    private func op<R>(_ engine: any BenchEngine, _ name: OpName, checkQueries: Int,
                       _ query: (Int) throws -> R, _ account: (inout Check, R) -> Void) -> OpOutcome {
        progress("\(engine.name): \(name.rawValue)")
        return outcome {
            var check = Check()
            for i in 0..<checkQueries { account(&check, try query(i)) }
            let timing = try measureLoop(policy) { i in blackHole(try query(i)) }
            return (timing, check)
        }
    }

    /// Check: a few transactions must add exactly one node and one edge each; then the timed loop, in rounds
    /// alternating with rounds of the fsync floor (stored in `floor`) so both see the same disk conditions.
    private func measureTxnSmall(_ engine: any BenchEngine, floor: inout Measurement?) -> OpOutcome {
        progress("\(engine.name): txn_small (alternating with the fsync floor)")
        var floorNearTxn: Measurement?
        defer { floor = floorNearTxn }
        return outcome {
            let checkTxns = 4
            let before = try engine.counts()
            for i in 0..<checkTxns { try engine.txnSmall(name: "new-\(i)", target: queryID(i)) }
            let after = try engine.counts()
            let addedNodes = after.nodes - before.nodes
            let addedEdges = after.edges - before.edges
            let check = Check(count: addedNodes + addedEdges,
                              digest: mix64(UInt64(bitPattern: Int64(addedNodes))) ^ UInt64(bitPattern: Int64(addedEdges)))
            let probe = try FsyncProbe(path: floorPath, appending: false)
            let (floorTiming, txnTiming) = try measurePaired(policy, { try probe.writePage($0) }) { i in
                try engine.txnSmall(name: "new-\(i)", target: queryID(i))
            }
            floorNearTxn = floorTiming
            return (txnTiming, check)
        }
    }

    private func outcome(_ body: () throws -> (Measurement, Check)) -> OpOutcome {
        do {
            let (timing, check) = try body()
            return .measured(timing, check)
        } catch let unavailable as BenchUnavailable {
            return .unavailable(unavailable.reason)
        } catch {
            return .failed("\(error)")
        }
    }
}
