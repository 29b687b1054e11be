// What one small durable transaction costs in I/O (issue #9, the benchmark's `txn_small`): one new node
// (label, three properties, two indexed) and one edge, in `full` sync mode with the default page size and a
// 4 MiB checkpoint threshold, on the simulated file system. Counted per commit over a run long enough to include
// checkpoints and log restarts: pages appended to the log, log bytes (most frames are deltas), syncs of every
// kind, and commits that changed the log file's size (a sync must then also persist the size). Also the bulk load's log bytes.
import Foundation
import Testing
import SombraFormat
import SombraIO
import SombraStorage
import SombraTestSupport
@testable import Sombra

@Suite("Small transaction I/O")
struct TxnSmallIOTests {
    @Test("a small durable transaction costs one log sync and, once the log has restarted, never changes the log's size")
    func txnSmallIO() throws {
        let fs = SimulatedFileSystem()
        var o = GraphOptions()
        o.cacheBytes = 8 << 20
        // Small enough that the run below restarts the log a few times (a commit logs about one page).
        o.checkpointThresholdBytes = 4 << 20
        let path = "t.sombra"
        let db = try GraphDB.open(path: path, options: o, fileSystem: fs)
        try db.write { tx in
            try tx.createIndex(label: "Person", key: "name")
            try tx.createIndex(label: "Person", key: "age")
        }
        let nodes = 6000
        fs.resetCounters()
        try db.bulkLoad { loader in
            var ids: [NodeID] = []
            for i in 0..<nodes {
                ids.append(try loader.addNode(labels: ["Person"], properties: [
                    "name": .string("p\(i)"), "age": .int(Int64(i % 90)), "score": .double(1.5)]))
            }
            for i in 0..<nodes * 5 { try loader.addEdge(from: ids[(i * 7) % nodes], to: ids[(i * 13 + 1) % nodes], type: "KNOWS") }
        }
        let load = fs.counters
        let walPath = path + "-wal"
        // Run until the log has restarted twice, so the figures include checkpoints and reuse of the log.
        let commits = 1200
        var sizeChanges = 0
        var restartsSeen = 0
        var framesBefore = db.pager.stats.walFrames
        var pages = 0
        fs.resetCounters()
        for i in 0..<commits {
            let before = fs.contents(of: walPath)?.count ?? 0
            let restartsBefore = db.pager.stats.walRestarts
            try db.write { tx in
                let n = try tx.createNode(labels: ["Person"], properties: ["name": .string("new-\(i)"), "age": 33, "score": 1.5])
                try tx.createEdge(from: n, to: NodeID(UInt64((i * 31) % nodes + 1)), type: "KNOWS")
            }
            let stats = db.pager.stats
            if stats.walRestarts == restartsBefore { pages += Int(stats.walFrames - framesBefore) } else { restartsSeen += 1 }
            framesBefore = stats.walFrames
            // After the first restart the log has room: a commit must not change its size.
            if restartsSeen > 0, stats.walRestarts == restartsBefore, (fs.contents(of: walPath)?.count ?? 0) != before {
                sizeChanges += 1
            }
        }
        let c = fs.counters
        let frameBytes = WALFrameHeader.frameSize(pageSize: o.pageSize)
        let perCommit = { (x: Int) in Double(x) / Double(commits) }
        let logBytes = c.bytesWrittenByPath[walPath] ?? 0
        let syncs = c.syncsByPath.values.reduce(0, +) + c.directorySyncs
        print("txn-small: commits: \(commits) pages: \(String(format: "%.2f", Double(pages) / Double(commits - restartsSeen))) log-bytes: \(String(format: "%.0f", perCommit(logBytes))) log-frame-bytes: \(frameBytes) syncs: \(String(format: "%.3f", perCommit(syncs))) log-syncs: \(c.syncs(walPath)) file-syncs: \(c.syncs(path)) dir-syncs: \(c.directorySyncs) file-bytes: \(String(format: "%.0f", perCommit(c.bytesWrittenByPath[path] ?? 0))) restarts: \(restartsSeen) size-changing-commits-after-restart: \(sizeChanges)")
        print("bulk-load-io: nodes: \(nodes) edges: \(nodes * 5) log-bytes: \(load.bytesWrittenByPath[walPath] ?? 0) file-bytes: \(load.bytesWrittenByPath[path] ?? 0) file-syncs: \(load.syncs(path)) log-syncs: \(load.syncs(walPath))")
        #expect(restartsSeen >= 2)
        #expect(sizeChanges == 0)
        #expect(c.syncs(walPath) <= commits + 2 * restartsSeen)
        // Delta frames: the pages a commit changes go as their changed bytes, except the first change of a
        // page in a log generation (here mostly the edge target's incoming-adjacency leaf). All whole, a
        // commit would log about nine frames.
        #expect(perCommit(logBytes) < 2.5 * Double(frameBytes))
        try db.close()
    }
}
