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
//  4. Order: load, file size (closed), open, get_node, out, in, hop2, label, prop_eq, prop_range, bfs, then
//     peak RSS; with both engines, the query ops are timed after both phases in rounds alternating between
//     the engines (timeQueriesPaired), and txn_small last (it grows the graph), in rounds alternating
//     between the engines and the fsync floor (runTxnSmallPaired).

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

    /// Load, file size, open, then every query op: its check pass, and its timed loop unless `timeQueries`
    /// is false (the queries are then timed later, alternating with the other engine: `timeQueriesPaired`).
    /// Leaves the database closed; txn_small is separate (`runTxnSmall`), since it grows the graph.
    func run(_ engine: any BenchEngine, timeQueries: Bool) -> PhaseResult {
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
        for query in queries {
            result.ops[query.name] = op(engine, query, timed: timeQueries)
        }
        try? engine.close()
        return result
    }

    /// txn_small on a loaded engine (last: it grows the graph), then closes it.
    func runTxnSmall(_ engine: any BenchEngine, into result: inout PhaseResult) {
        do {
            _ = try engine.openAndGetNode(queryID(0))
        } catch {
            result.ops[.txnSmall] = .failed("cannot reopen: \(error)")
            return
        }
        result.ops[.txnSmall] = measureTxnSmall(engine, floor: &result.fsyncFloorNearTxn)
        try? engine.close()
    }

    /// Loads both engines again, alternately (a, b, a, b, ...), until each has loaded `policy.rounds` times,
    /// so that `load` is the median of several runs like every other figure (a load is too long to repeat
    /// within one round). Each reload must give the phase's check; the engines are left closed.
    func reloadPaired(_ a: any BenchEngine, _ b: any BenchEngine, _ resultA: inout PhaseResult,
                      _ resultB: inout PhaseResult) {
        guard policy.rounds > 1, case .measured(let firstA, let checkA)? = resultA.ops[.load],
              case .measured(let firstB, let checkB)? = resultB.ops[.load] else { return }
        var timesA = firstA.perOpNanosByRound, timesB = firstB.perOpNanosByRound
        for round in 2...policy.rounds {
            for (engine, expected) in [(a, checkA), (b, checkB)] {
                progress("\(engine.name): load again (\(round) of \(policy.rounds), alternating)")
                do {
                    let timing = try measureOnce { try engine.load(nodes: workload.nodes, edges: workload.edges) }
                    let (nodes, edges) = try engine.counts()
                    try engine.close()
                    guard Check(count: nodes + edges, digest: mix64(UInt64(nodes)) ^ UInt64(edges)) == expected else {
                        let failure = OpOutcome.failed("reload \(round) counted \(nodes) nodes and \(edges) edges")
                        if engine === a { resultA.ops[.load] = failure } else { resultB.ops[.load] = failure }
                        return
                    }
                    if engine === a { timesA += timing.perOpNanosByRound } else { timesB += timing.perOpNanosByRound }
                } catch {
                    if engine === a { resultA.ops[.load] = .failed("reload: \(error)") } else { resultB.ops[.load] = .failed("reload: \(error)") }
                    return
                }
            }
        }
        resultA.ops[.load] = .measured(Measurement(perOpNanosByRound: timesA, iterations: timesA.count), checkA)
        resultB.ops[.load] = .measured(Measurement(perOpNanosByRound: timesB, iterations: timesB.count), checkB)
    }

    /// Times every query op on both engines in rounds alternating between them (a, b, a, b, ...), so that
    /// both figures of a ratio see the same machine conditions; the times replace those of the phases. Each
    /// op first repeats its check pass on both engines (untimed; it warms the reopened caches), and a check
    /// that differs from the phase's is reported as a failure.
    func timeQueriesPaired(_ a: any BenchEngine, _ b: any BenchEngine, _ resultA: inout PhaseResult,
                       _ resultB: inout PhaseResult) {
        do {
            _ = try a.openAndGetNode(queryID(0))
            _ = try b.openAndGetNode(queryID(0))
        } catch {
            for query in queries {
                resultA.ops[query.name] = .failed("not timed: cannot reopen for the paired timing: \(error)")
                resultB.ops[query.name] = .failed("not timed: cannot reopen for the paired timing: \(error)")
            }
            return
        }
        for query in queries {
            guard let checkA = resultA.ops[query.name]?.check, let checkB = resultB.ops[query.name]?.check else { continue }
            progress("\(a.name) / \(b.name): \(query.name.rawValue), alternating rounds")
            do {
                let againA = try checkPass(a, query), againB = try checkPass(b, query)
                guard againA == checkA, againB == checkB else {
                    let failure = OpOutcome.failed("check changed between the phase and the paired timing")
                    resultA.ops[query.name] = failure
                    resultB.ops[query.name] = failure
                    continue
                }
                var none: Check? = nil
                let (timeA, timeB) = try measurePaired(policy, { i in try query.run(a, i, &none) },
                                                                  { i in try query.run(b, i, &none) })
                resultA.ops[query.name] = .measured(timeA, checkA)
                resultB.ops[query.name] = .measured(timeB, checkB)
            } catch {
                resultA.ops[query.name] = .failed("paired timing: \(error)")
                resultB.ops[query.name] = .failed("paired timing: \(error)")
            }
        }
        try? a.close()
        try? b.close()
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

    /// One query operation: `run(engine, i, &check)` answers query `i`, adding the answer to `check` when
    /// one is given (the check pass) and only keeping it alive otherwise (the timed loop).
    struct Query {
        let name: OpName
        let checkQueries: Int
        let run: (any BenchEngine, Int, inout Check?) throws -> Void
    }

    /// The query ops, in table order (invariant 4).
    var queries: [Query] {
        [Query(name: .getNode, checkQueries: 1024) { e, i, c in
            let r = try e.getNode(queryID(i)); c?.add(record: r); blackHole(r) },
         Query(name: .outgoing, checkQueries: 1024) { e, i, c in
            let r = try e.outNeighbors(queryID(i)); c?.add(ids: r); blackHole(r) },
         Query(name: .incoming, checkQueries: 1024) { e, i, c in
            let r = try e.inNeighbors(queryID(i)); c?.add(ids: r); blackHole(r) },
         Query(name: .hop2, checkQueries: 256) { e, i, c in
            let r = try e.hop2Count(queryID(i)); c?.add(value: r); blackHole(r) },
         Query(name: .label, checkQueries: 2) { e, _, c in
            let r = try e.nodesWithLabel("Person"); c?.add(ids: r); blackHole(r) },
         Query(name: .propEq, checkQueries: 1024) { e, i, c in
            let r = try e.personsNamed(queryName(i)); c?.add(ids: r); blackHole(r) },
         Query(name: .propRange, checkQueries: 8) { e, _, c in
            let r = try e.personsAged(from: Self.ageLow, below: Self.ageHigh); c?.add(ids: r); blackHole(r) },
         Query(name: .bfs, checkQueries: 64) { e, i, c in
            let r = try e.bfsCount(from: queryID(i), depth: Self.bfsDepth); c?.add(value: r); blackHole(r) }]
    }

    /// The untimed check pass of `query` over its first `checkQueries` queries.
    private func checkPass(_ engine: any BenchEngine, _ query: Query) throws -> Check {
        var check: Check? = Check()
        for i in 0..<query.checkQueries { try query.run(engine, i, &check) }
        return check ?? Check()
    }

    /// Check pass, then (when `timed`) the timed loop; untimed ops get a placeholder time that
    /// `timeQueriesPaired` replaces.
    private func op(_ engine: any BenchEngine, _ query: Query, timed: Bool) -> OpOutcome {
        progress("\(engine.name): \(query.name.rawValue)\(timed ? "" : " (check only; timed later)")")
        return outcome {
            let check = try checkPass(engine, query)
            guard timed else { return (Measurement(perOpNanosByRound: [], iterations: 0), check) }
            var none: Check? = nil
            let timing = try measureLoop(policy) { i in try query.run(engine, i, &none) }
            return (timing, check)
        }
    }

    /// The txn_small check: a few transactions must add exactly one node and one edge each.
    private func txnSmallCheck(_ engine: any BenchEngine) throws -> Check {
        let checkTxns = 4
        let before = try engine.counts()
        for i in 0..<checkTxns { try engine.txnSmall(name: "new-\(i)", target: queryID(i)) }
        let after = try engine.counts()
        let addedNodes = after.nodes - before.nodes
        let addedEdges = after.edges - before.edges
        return Check(count: addedNodes + addedEdges,
                     digest: mix64(UInt64(bitPattern: Int64(addedNodes))) ^ UInt64(bitPattern: Int64(addedEdges)))
    }

    /// Check, then the timed loop, in rounds alternating with rounds of the fsync floor (stored in `floor`)
    /// so both see the same disk conditions.
    private func measureTxnSmall(_ engine: any BenchEngine, floor: inout Measurement?) -> OpOutcome {
        progress("\(engine.name): txn_small (alternating with the fsync floor)")
        var floorNearTxn: Measurement?
        defer { floor = floorNearTxn }
        return outcome {
            let check = try txnSmallCheck(engine)
            let probe = try FsyncProbe(path: floorPath, appending: false)
            let (floorTiming, txnTiming) = try measurePaired(policy, { try probe.writePage($0) }) { i in
                try engine.txnSmall(name: "new-\(i)", target: queryID(i))
            }
            floorNearTxn = floorTiming
            return (txnTiming, check)
        }
    }

    /// txn_small on both engines in one sequence of rounds: floor, `a`, floor, `b`, floor, `a`, ... so the
    /// two engines and the floor next to each see the same minutes of the disk. Then closes both.
    func runTxnSmallPaired(_ a: any BenchEngine, _ b: any BenchEngine, _ resultA: inout PhaseResult,
                           _ resultB: inout PhaseResult) {
        defer {
            try? a.close()
            try? b.close()
        }
        progress("\(a.name) / \(b.name): txn_small, alternating with each other and the fsync floor")
        do {
            _ = try a.openAndGetNode(queryID(0))
            _ = try b.openAndGetNode(queryID(0))
            let checkA = try txnSmallCheck(a), checkB = try txnSmallCheck(b)
            let probe = try FsyncProbe(path: floorPath, appending: false)
            let timings = try measureAlternating(policy, [
                { try probe.writePage($0) },
                { i in try a.txnSmall(name: "new-\(i)", target: queryID(i)) },
                { try probe.writePage($0) },
                { i in try b.txnSmall(name: "new-\(i)", target: queryID(i)) },
            ])
            resultA.fsyncFloorNearTxn = timings[0]
            resultA.ops[.txnSmall] = .measured(timings[1], checkA)
            resultB.fsyncFloorNearTxn = timings[2]
            resultB.ops[.txnSmall] = .measured(timings[3], checkB)
        } catch {
            resultA.ops[.txnSmall] = .failed("\(error)")
            resultB.ops[.txnSmall] = .failed("\(error)")
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
