// sombra-bench: runs the standard "social" workload on Sombra and on SQLite in one process and prints a
// table of per-op times side by side (ratio = Sombra / SQLite), the fsync floor, and with --json one line
// of JSON. Method: shared/guides/benchmarks.md. Layer: benchmark tool only.
//
// Flow: parse flags -> scratch directory -> generate the workload once -> fsync floor -> Sombra phase (load,
// open, query checks; peak RSS read after it) -> reset the peak -> SQLite phase -> queries timed in rounds
// alternating between the engines -> txn_small, alternating between the engines and the fsync floor ->
// report -> remove the bench files.
import Foundation

func progress(_ message: String) {
    FileHandle.standardError.write(Data(("[bench] " + message + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("sombra-bench: " + message + "\n").utf8))
    exit(2)
}

let options: Options
do {
    guard let parsed = try Options.parse(Array(CommandLine.arguments.dropFirst())) else {
        print(Options.usage)
        exit(0)
    }
    options = parsed
} catch {
    fail("\(error)\n\(Options.usage)")
}

// Scratch directory: ours (removed whole at the end) or the caller's (only our files are removed).
let fileManager = FileManager.default
let ownsDirectory = options.directory == nil
let directory = options.directory
    ?? fileManager.temporaryDirectory.appendingPathComponent("sombra-bench-\(UUID().uuidString)").path
do {
    try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
} catch {
    fail("cannot create \(directory): \(error)")
}
let sombraPath = directory + "/bench.sombra"
let sqlitePath = directory + "/bench.sqlite"
let benchFiles = [sombraPath, sombraPath + "-wal", sqlitePath, sqlitePath + "-wal", sqlitePath + "-shm",
                  sqlitePath + "-journal", directory + "/fsync-floor.bin"]

func removeBenchFiles() {
    if options.keep && !ownsDirectory { return }
    if ownsDirectory {
        try? fileManager.removeItem(atPath: directory)
    } else {
        for file in benchFiles { try? fileManager.removeItem(atPath: file) }
    }
}

let policy = TimingPolicy(rounds: options.rounds, minSeconds: options.minSeconds)
let cacheBytes = options.cacheMB << 20

progress("generating workload: \(options.nodeCount) nodes, seed \(options.seed)")
let workload = Workload(nodeCount: options.nodeCount, seed: options.seed)
let baselineRSS = ProcessMemory.currentBytes()

func fsyncFloor(appending: Bool) -> Measurement? {
    progress(appending ? "fsync floor, appending" : "fsync floor")
    do {
        return try measureFsyncFloor(path: directory + "/fsync-floor.bin", policy: policy, appending: appending)
    } catch {
        progress("fsync floor failed: \(error)")
        return nil
    }
}
let overwriteFloor = fsyncFloor(appending: false)
let appendFloor = fsyncFloor(appending: true)

let runner = PhaseRunner(workload: workload, policy: policy, floorPath: directory + "/fsync-floor.bin",
                         progress: progress)

// With both engines, the queries are timed after both phases, in rounds alternating between them.
let paired = options.only == nil
let sombraEngine = SombraEngine(path: sombraPath, cacheBytes: cacheBytes, pageSize: options.pageSize)
let sqliteEngine = SQLiteEngine(path: sqlitePath, cacheBytes: cacheBytes)

var sombraResult: PhaseResult?
if options.only != .sqlite {
    var result = runner.run(sombraEngine, timeQueries: !paired)
    result.peakRSSBytes = ProcessMemory.peakBytes()
    sombraResult = result
}

// The cost of one call through the C ABI next to the same call in Swift (issue 7), on the loaded database.
var abiLine: String?
if options.only != .sqlite {
    do {
        let cost = try ABICost.measure(path: sombraPath, nodes: workload.nodeCount, calls: 200_000, seed: options.seed)
        abiLine = String(format: "abi: get-node-ns-abi: %.0f get-node-ns-swift: %.0f abi-over-swift: %.2f errors: %d",
                         cost.abiNs, cost.swiftNs, cost.abiNs / max(cost.swiftNs, 1), cost.errors)
    } catch {
        abiLine = "abi: not measured (\(error))"
    }
}

var sqliteResult: PhaseResult?
if options.only != .sombra {
    let wasReset = ProcessMemory.resetPeak()
    var result = runner.run(sqliteEngine, timeQueries: !paired)
    result.peakRSSBytes = ProcessMemory.peakBytes()
    result.peakWasReset = wasReset
    sqliteResult = result
}

if paired, var s = sombraResult, var q = sqliteResult, s.unavailableReason == nil, q.unavailableReason == nil {
    runner.reloadPaired(sombraEngine, sqliteEngine, &s, &q)
    runner.timeQueriesPaired(sombraEngine, sqliteEngine, &s, &q)
    runner.runTxnSmallPaired(sombraEngine, sqliteEngine, &s, &q)
    sombraResult = s
    sqliteResult = q
} else {
    if var result = sombraResult, result.unavailableReason == nil {
        runner.runTxnSmall(sombraEngine, into: &result)
        sombraResult = result
    }
    if var result = sqliteResult, result.unavailableReason == nil {
        runner.runTxnSmall(sqliteEngine, into: &result)
        sqliteResult = result
    }
}

removeBenchFiles()

let report = Report(context: RunContext(
    nodeCount: workload.nodeCount, edgeCount: workload.edges.count, seed: options.seed,
    cacheBytes: Int64(cacheBytes), policy: policy, fsyncFloor: overwriteFloor, appendFloor: appendFloor, baselineRSSBytes: baselineRSS,
    sombra: sombraResult, sqlite: sqliteResult))
print(report.table())
if let abiLine { print(abiLine) }
if options.json {
    print(report.json().rendered)
}
