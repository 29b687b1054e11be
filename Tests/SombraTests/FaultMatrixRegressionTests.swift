// Regressions for engine bugs the fuzzers found (each input is also kept in Fuzz/Corpus/<target>/crash-*).
// Docs/RELIABILITY.md lists them with the commit that fixed each.
import Testing
import SombraFormat
import SombraTestSupport
@testable import Sombra

@Suite("Fault matrix: regressions found by fuzzing")
struct FaultMatrixRegressionTests {
    @Test("a log left behind by an open that failed is synced with its directory before the first acknowledged commit")
    func logLeftByFailedOpen() throws {
        let fs = SimulatedFileSystem()
        var db = try GraphTest.open(fs)
        try db.close()  // the clean close removes the log
        let wal = GraphTest.dbPath + "-wal"
        #expect(!fs.exists(wal))
        // The open creates the log, then fails writing its header: the file stays, its entry not durable.
        fs.faultPlan = .ioError(at: 1, persistent: false, operations: [.write], pathSuffix: "-wal")
        #expect(throws: SombraError.self) { _ = try GraphTest.open(fs) }
        fs.faultPlan = nil
        #expect(fs.exists(wal) && !fs.durablePaths().contains(wal))
        // The next open adopts (and refreshes) that file; a commit acknowledged on it must survive power loss.
        db = try GraphTest.open(fs)
        let node = try db.write { tx in try tx.createNode(labels: ["Acknowledged"]) }
        #expect(fs.durablePaths().contains(wal), "the commit was acknowledged while the log's name was not durable")
        let image = fs.durableImage()
        let recovered = try GraphTest.open(image)
        let survived = try recovered.read { try $0.node(node) } != nil
        try recovered.close()
        try db.close()
        print("regression-log-entry-after-failed-open: acknowledged: 1 lost: \(survived ? 0 : 1)")
        #expect(survived)
    }
}
