// FuzzDriver: what every fuzz executable does with its arguments. Built with `-sanitize=fuzzer`, the
// executable finds libFuzzer's `LLVMFuzzerRunDriver` (looked up at run time, so the same code links without
// libFuzzer) and hands it the target's check; built without it, it replays the files and directories given
// as arguments. `--make-seeds DIR` writes the target's seed inputs into DIR; `--make-bases DIR` writes the base images
// (FuzzBaseImages) the image and log targets patch.
//
// Invariants:
//  1. A check's `problems` are turned into a trap (fatalError) only here, under libFuzzer, so libFuzzer
//     records the input as a crash; in replay mode they are printed and the exit status is 1.
//  2. Replay prints one line `fuzz-replay: target: T files: N problems: K`.
#if canImport(Glibc)
import Glibc
#endif
import SombraFuzzHarness

public enum FuzzDriver {
    /// The running target's check (libFuzzer's callback is a C function and cannot capture it).
    nonisolated(unsafe) static var check: (([UInt8]) -> FuzzOutcome)? = nil

    typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    typealias RunDriver = @convention(c) (UnsafeMutablePointer<Int32>?,
                                          UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>?,
                                          Callback) -> Int32

    /// Runs `target` with `check` according to the command line (see the file comment).
    public static func main(_ target: FuzzTarget, check: @escaping ([UInt8]) -> FuzzOutcome) -> Never {
        self.check = check
        let args = Array(CommandLine.arguments.dropFirst())
        if let i = args.firstIndex(of: "--make-seeds"), i + 1 < args.count {
            exit(makeSeeds(target, directory: args[i + 1]))
        }
        if let i = args.firstIndex(of: "--make-bases"), i + 1 < args.count {
            mkdir(args[i + 1], 0o755)
            do {
                let files = try FuzzBaseImages.write(to: args[i + 1])
                print("fuzz-bases: files: \(files.count)")
                exit(0)
            } catch {
                print("cannot write the base images: \(error)")
                exit(1)
            }
        }
        if !args.contains("--replay"), let symbol = dlsym(dlopen(nil, RTLD_NOW), "LLVMFuzzerRunDriver") {
            let driver = unsafeBitCast(symbol, to: RunDriver.self)
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(driver(&argc, &argv, fuzzOne))
        }
        FuzzHarness.trace = args.contains("--trace")
        exit(replay(target, args.filter { !$0.hasPrefix("--") }))
    }

    /// libFuzzer's callback (invariant 1).
    static let fuzzOne: Callback = { data, size in
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        let outcome = FuzzDriver.check?(bytes) ?? FuzzOutcome()
        if !outcome.isOK { fatalError("fuzz problem:\n\(outcome.problems.joined(separator: "\n"))") }
        return 0
    }

    static func makeSeeds(_ target: FuzzTarget, directory: String) -> Int32 {
        mkdir(directory, 0o755)
        var written = 0
        for (name, bytes) in FuzzSeeds.seeds(target) {
            guard writeFile(directory + "/" + name, bytes) else {
                print("cannot write \(directory)/\(name)")
                return 1
            }
            written += 1
        }
        print("fuzz-seeds: target: \(target.rawValue) files: \(written)")
        return 0
    }

    /// Replays files (directories are expanded one level) through the check (invariant 2).
    static func replay(_ target: FuzzTarget, _ paths: [String]) -> Int32 {
        var files = 0, problems = 0
        for path in paths.flatMap(expand) {
            guard let bytes = readFile(path) else {
                print("cannot read \(path)")
                problems += 1
                continue
            }
            files += 1
            let outcome = check?(bytes) ?? FuzzOutcome()
            if !outcome.isOK {
                problems += 1
                print("\(path):\n  " + outcome.problems.joined(separator: "\n  "))
            }
        }
        print("fuzz-replay: target: \(target.rawValue) files: \(files) problems: \(problems)")
        return problems == 0 ? 0 : 1
    }

    static func expand(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n <= 0 { break }
            out += buffer.prefix(n)
        }
        return out
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
        guard let f = fopen(path, "wb") else { return false }
        defer { fclose(f) }
        return bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) } == bytes.count
    }
}

/// Some linkers pull libFuzzer's own `main` from its archive, which references this symbol; the
/// executable's `main` (SwiftPM's) is the one that runs and calls LLVMFuzzerRunDriver.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { 0 }
