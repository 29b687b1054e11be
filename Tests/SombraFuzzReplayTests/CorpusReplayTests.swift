// CorpusReplayTests: every file of Fuzz/Corpus/<target>/ replayed through the fuzz harness on each test
// run (reliability guide F2 and M1 on the kept inputs), plus the harness's own base images. The C ABI
// corpus is replayed by compiling the C harness against this build's libsombra.so (Linux, gcc).
//
// Invariants:
//  1. A replayed input must give a FuzzOutcome without problems (the fuzz executables trap on the same).
//  2. Each target prints one line `fuzz-replay-<target>: files: N problems: 0 ...`.
import Foundation
import Testing
import SombraFuzzHarness

enum Corpus {
    /// The package root (this file is Tests/SombraFuzzReplayTests/CorpusReplayTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func files(_ target: FuzzTarget) -> [String] {
        let dir = root + "/Fuzz/Corpus/" + target.rawValue
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }
}

@Suite("Fuzz corpus replay")
struct CorpusReplayTests {
    @Test("the harness's base images are deterministic, verify clean and read back as built")
    func baseImages() {
        let problems = FuzzBaseImages.selfCheck()
        print("fuzz-base-images: bases: \(FuzzBaseImages.all.count) problems: \(problems.count)")
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("every kept input of the Swift fuzz targets replays without a problem",
          arguments: [FuzzTarget.image, .wal, .ops])
    func replay(_ target: FuzzTarget) throws {
        let harness = try #require(target.harness)
        let files = Corpus.files(target)
        #expect(!files.isEmpty, "Fuzz/Corpus/\(target.rawValue) is empty")
        var problems = 0
        var counters: [String: Int] = [:]
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let outcome = harness(bytes)
            for (k, v) in outcome.counters { counters[k, default: 0] += v }
            if !outcome.isOK {
                problems += 1
                Issue.record("\(file): \(outcome.problems)")
            }
        }
        let figures = ["mutations", "commits", "opens", "faults-surfaced", "pooled-compares", "reads", "repaired"]
            .compactMap { k in counters[k].map { "\(k): \($0)" } }.joined(separator: " ")
        print("fuzz-replay-\(target.rawValue): files: \(files.count) problems: \(problems) \(figures)")
    }
}
