// CABICorpusReplayTests: the C ABI fuzz corpus (Fuzz/Corpus/cabi) replayed through the C harness
// (Fuzz/Sources/CABIFuzz/cabi_fuzz.c and cabi_replay_main.c), compiled with gcc and
// -DSOMBRA_FUZZ_REPLAY_MAIN against the libsombra.so of this build directory. Linux only (gcc, /proc/self/exe).
//
// Invariants:
//  1. The library under test is the one beside the test executable (built with `swift build --product
//     sombra` when `swift test` did not make it); nothing is installed.
//  2. The replay program prints `fuzz-replay: target: cabi files: N problems: K calls: M` and exits 0
//     only when K is 0.
#if os(Linux)
import Foundation
import Testing
import SombraFuzzHarness

@Suite("Fuzz corpus replay: C ABI")
struct CABICorpusReplayTests {
    static func run(_ tool: String, _ args: [String], in dir: String? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// libsombra.so of this build (invariant 1).
    static func library() throws -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        let lib = dir.path + "/libsombra.so"
        if !FileManager.default.fileExists(atPath: lib) {
            let r = try run("/usr/bin/env", ["swift", "build", "--product", "sombra", "-c", dir.lastPathComponent], in: Corpus.root)
            #expect(r.status == 0, "swift build --product sombra failed: \(r.output)")
        }
        return lib
    }

    @Test("every kept input of the C ABI fuzz target replays without a problem")
    func replay() throws {
        let lib = try Self.library()
        let bin = URL(fileURLWithPath: lib).deletingLastPathComponent().path
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sombra-cabi-replay-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let exe = work + "/cabi-replay"
        let root = Corpus.root
        let cc = try Self.run("/usr/bin/env", [
            "gcc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-DSOMBRA_FUZZ_REPLAY_MAIN",
            "-I", root + "/Sources/SombraCABI/include", "-I", root + "/Fuzz/Sources/CABIFuzz/include",
            root + "/Fuzz/Sources/CABIFuzz/cabi_fuzz.c", root + "/Fuzz/Sources/CABIFuzz/cabi_replay_main.c", "-L", bin, "-lsombra", "-lm", "-Wl,-rpath," + bin, "-o", exe,
        ])
        try #require(cc.status == 0, "gcc failed:\n\(cc.output)")
        let files = Corpus.files(.cabi)
        #expect(!files.isEmpty)
        let r = try Self.run(exe, [root + "/Fuzz/Corpus/cabi"])
        let last = r.output.split(separator: "\n").last.map(String.init) ?? ""
        print(last.replacingOccurrences(of: "fuzz-replay: target: cabi", with: "fuzz-replay-cabi:"))
        #expect(r.status == 0, "replay failed:\n\(r.output.suffix(4000))")
        #expect(last.contains("files: \(files.count) problems: 0"), "\(last)")
    }
}
#endif
