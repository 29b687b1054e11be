// A cut or damaged log tail (reliability guide C4): after a clean workload (a checkpoint that restarts the log,
// then more commits), the log is cut at every byte of its last two pages' worth, at every frame boundary and inside
// its header, or its tail from that byte on is replaced by zeros or by garbage. Recovery must keep exactly the
// commits whose commit frame lies wholly before the cut (counted here from the frame layout), on top of the
// state the checkpoint left in the database file.
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

@Suite("Log cut and damaged tail")
struct WALCutTests {
    enum Damage: CaseIterable { case cut, zeros, garbage }

    @Test("a log cut or overwritten from any byte of its last two frames or any frame boundary keeps exactly the whole commits")
    func walCut() throws {
        let fs = SimulatedFileSystem()
        var config = WorkloadConfig(seed: 41, steps: 8)
        config.checkpointPercent = 0
        config.readerPercent = 0
        config.closeAtEnd = false
        let driver = ModelDriver(fs: fs, config: config)
        driver.runUntilError()
        let pager = try #require(driver.pager)
        #expect(try pager.checkpoint().logRestarted)
        let fileTxID = driver.acked
        try driver.run(steps: 14)
        let base = fs.snapshotAllApplied()
        abandon(pager)
        let log = try #require(base.contents(of: walPath))
        let pageSize = config.options.pageSize
        let frameSize = WALFrameHeader.frameSize(pageSize: pageSize)
        // The frame layout: where each frame starts, where each commit frame ends and which transaction it
        // commits. Many frames after the restart are deltas (FORMAT.md, "Delta frames").
        let layout = WALFrameHeader.layout(of: log, pageSize: pageSize)
        let frames = layout.count
        #expect(log.count == (layout.last.map { $0.offset + WALFrameHeader.size + $0.payloadBytes } ?? WALHeader.size))
        #expect(layout.filter { $0.payloadBytes < pageSize }.count >= frames / 4)
        var commits: [(end: Int, txID: UInt64)] = []
        for (at, payloadBytes) in layout where log.loadLE(UInt64.self, at: at + 16) != 0 {
            commits.append((at + WALFrameHeader.size + payloadBytes, log.loadLE(UInt64.self, at: at + 8)))
        }
        #expect(UInt64(commits.count) == driver.acked - fileTxID)
        let boundaries = layout.map(\.offset) + [log.count]
        var offsets = Set([0, 1, 24, 47])
        offsets.formUnion(boundaries)
        offsets.formUnion(max(0, log.count - 2 * frameSize)...log.count)
        // Zeroed and garbage tails: from every frame boundary, every byte of the last two frame headers and
        // every 16th byte of their payloads (a cut is tried at every byte of the last two pages' worth).
        var overwriteOffsets = Set(boundaries)
        for (at, payloadBytes) in layout.suffix(2) {
            overwriteOffsets.formUnion(at..<(at + WALFrameHeader.size))
            overwriteOffsets.formUnion(stride(from: at, to: at + WALFrameHeader.size + payloadBytes, by: 16))
        }
        var random = SeededRandom(seed: 41)
        let garbage = (0..<(log.count + 7) / 8).flatMap { _ -> [UInt8] in
            var b: [UInt8] = []
            b.appendLE(random.next())
            return b
        }
        var tally = ImageTally()
        var wrongCount = 0
        var cases = 0
        for c in offsets.sorted() {
            for damage in Damage.allCases where damage == .cut || (c < log.count && overwriteOffsets.contains(c)) {
                let image = base.snapshotAllApplied()
                var tail: [UInt8] = []
                switch damage {
                case .cut: try image.truncateFile(path: walPath, to: c)
                case .zeros: tail = [UInt8](repeating: 0, count: log.count - c)
                case .garbage: tail = Array(garbage[c..<log.count])
                }
                if !tail.isEmpty { try image.overwrite(path: walPath, byteOffset: c, with: tail) }
                // A commit is fully present when every byte up to the end of its commit frame is unchanged
                // (a zeroed tail may leave the zero bytes at the end of a commit frame's header page as they were).
                var firstChanged = c
                while firstChanged < log.count, damage != .cut, tail[firstChanged - c] == log[firstChanged] {
                    firstChanged += 1
                }
                let expected = commits.last(where: { $0.end <= firstChanged })?.txID ?? fileTxID
                cases += 1
                let state = checkImage(image, driver: driver, context: "log \(damage) at byte \(c)", tally: &tally,
                                       allowed: expected...expected)
                if state?.txID != expected { wrongCount += 1 }
            }
        }
        print("wal-cut: offsets: \(offsets.count) cases: \(cases) wrong-commit-count: \(wrongCount) frames: \(frames) commits-in-log: \(commits.count) partial-txns: \(tally.partial) leaked-pages: \(tally.leaked)")
        for f in tally.failures { Issue.record(Comment(rawValue: f)) }
        #expect(offsets.count >= min(log.count, 2 * frameSize))
        #expect(wrongCount == 0)
        #expect(tally.violations == 0)
    }
}
