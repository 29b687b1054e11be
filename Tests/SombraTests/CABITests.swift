// CABITests: builds and runs the C and Python programs of Tests/CABI against the libsombra.so that
// `swift build` / `swift test` put beside the test bundle, and checks that sombra.h, the library's
// exports and the C test's coverage list name the same functions.
//
// Invariants:
//  1. The library under test is the one in this build directory (the test executable's directory);
//     nothing is installed or copied.
//  2. Each program prints one `name: value` line that ends in `failures: 0` and exits 0.
// Linux only (gcc, nm, /proc/self/exe, an ELF version script).
#if os(Linux)
import Foundation
import Testing
import SombraIO
@testable import Sombra

@Suite("C ABI")
struct CABITests {
    /// The package root (this file is Tests/SombraTests/CABITests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let header = root + "/Sources/SombraCABI/include/sombra.h"

    /// The build directory holding the test executable, and so libsombra.so (invariant 1).
    static func binDirectory() throws -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On macOS the executable sits inside a .xctest bundle; climb out of it.
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.path
    }

    /// libsombra.so of this build, built with `swift build --product sombra` if `swift test` did not make it.
    static func library() throws -> String {
        let bin = try binDirectory()
        let lib = bin + "/libsombra.so"
        if !FileManager.default.fileExists(atPath: lib) {
            let config = URL(fileURLWithPath: bin).lastPathComponent
            let r = try run("/usr/bin/env", ["swift", "build", "--product", "sombra", "-c", config], in: root)
            #expect(r.status == 0, "swift build --product sombra failed: \(r.output)")
        }
        return lib
    }

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

    static func scratch(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sombra-cabi-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Removes scratch directories (an executable path removes its directory).
    static func remove(_ paths: String...) {
        for p in paths {
            let dir = p.hasSuffix("/test_sombra") ? URL(fileURLWithPath: p).deletingLastPathComponent().path : p
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// Compiles Tests/CABI/test_sombra.c against sombra.h and the library, with the build directory as run path.
    /// `tag` names the output directory, so tests running in parallel never share an executable.
    static func compileCTest(_ tag: String) throws -> String {
        let lib = try library()
        let bin = URL(fileURLWithPath: lib).deletingLastPathComponent().path
        let out = try scratch("cc-" + tag) + "/test_sombra"
        let r = try run("/usr/bin/env", ["gcc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-pthread",
                                         "-I", root + "/Sources/SombraCABI/include", root + "/Tests/CABI/test_sombra.c",
                                         "-L", bin, "-lsombra", "-lm", "-Wl,-rpath," + bin, "-o", out])
        #expect(r.status == 0, "gcc failed:\n\(r.output)")
        return out
    }

    static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// Functions declared in sombra.h.
    static func declaredFunctions() throws -> Set<String> {
        let text = try String(contentsOfFile: header, encoding: .utf8)
        var names = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("int sombra_") {
            if let name = line.dropFirst(4).split(separator: "(").first { names.insert(String(name)) }
        }
        return names
    }

    @Test("the C test program compiles against sombra.h and passes, calling every function")
    func cProgram() throws {
        let exe = try Self.compileCTest("test")
        let dir = try Self.scratch("c")
        defer { Self.remove(dir, exe) }
        let r = try Self.run(exe, [dir])
        print(Self.lastLine(r.output))
        #expect(r.status == 0, "test_sombra failed:\n\(r.output)")
        #expect(Self.lastLine(r.output).hasSuffix("failures: 0"))
    }

    @Test("the Python ctypes program passes, calling every function")
    func pythonProgram() throws {
        let lib = try Self.library()
        let dir = try Self.scratch("py")
        defer { Self.remove(dir) }
        let r = try Self.run("/usr/bin/env", ["python3", Self.root + "/Tests/CABI/test_sombra.py", lib, dir])
        print(Self.lastLine(r.output))
        #expect(r.status == 0, "test_sombra.py failed:\n\(r.output)")
        #expect(Self.lastLine(r.output).hasSuffix("failures: 0"))
    }

    @Test("sombra.h, the library's exported symbols and the C test's coverage list name the same functions")
    func exportsMatchHeader() throws {
        let declared = try Self.declaredFunctions()
        #expect(declared.count >= 86)
        let nm = try Self.run("/usr/bin/env", ["nm", "-D", "--defined-only", try Self.library()])
        #expect(nm.status == 0)
        var exported = Set<String>()
        var others = 0
        for line in nm.output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[1] == "T" || parts[1] == "W" else { continue }
            let name = String(parts[2].split(separator: "@").first ?? parts[2])  // drop the version, @@SOMBRA_1
            if name.hasPrefix("sombra_") { exported.insert(name) } else { others += 1 }
        }
        let missing = declared.subtracting(exported).sorted(), extra = exported.subtracting(declared).sorted()
        #expect(missing.isEmpty && extra.isEmpty, "declared but not exported: \(missing); exported but not declared: \(extra)")
        #expect(others == 0, "the version script should hide every non-sombra_ function")
        let cTest = try String(contentsOfFile: Self.root + "/Tests/CABI/test_sombra.c", encoding: .utf8)
        for name in declared { #expect(cTest.contains("\"\(name)\""), "\(name) is missing from test_sombra.c's list") }
        print("cabi-exports: declared: \(declared.count) exported: \(exported.count) other-global-functions: \(others)")
    }

    @Test("one sombra_get_node through the ABI costs a measured multiple of the same read in Swift")
    func getNodeCost() throws {
        let calls = 20_000, nodes = 2_000
        // The ABI side: the C program's bench mode.
        let exe = try Self.compileCTest("bench")
        let benchDir = try Self.scratch("bench")
        let dir = try Self.scratch("swift-bench")
        defer { Self.remove(benchDir, dir, exe) }
        let r = try Self.run(exe, ["--bench", benchDir, "--calls", String(calls), "--nodes", String(nodes)])
        #expect(r.status == 0, "bench failed:\n\(r.output)")
        let abiLine = Self.lastLine(r.output)
        // The Swift side: the same workload in-process.
        var o = GraphOptions()
        o.pageSize = 4096
        o.syncMode = .off
        let db = try GraphDB.open(dir + "/bench.sombra", options: o)
        defer { try? db.close() }
        try db.write { tx in
            for i in 0..<nodes {
                try tx.createNode(labels: ["Person"], properties: ["name": .string("person \(i)"), "age": .int(Int64(i % 90)),
                                                                   "score": .double(Double(i) + 0.5)])
            }
        }
        var x: UInt64 = 88172645463325252
        var found = 0
        func pass(_ tx: ReadTransaction, _ n: Int) -> Duration {
            ContinuousClock().measure {
                for _ in 0..<n {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17
                    if let node = try? tx.node(NodeID(1 + x % UInt64(nodes))), !node.labels.isEmpty { found += 1 }
                }
            }
        }
        let elapsed = try db.read { tx in
            _ = pass(tx, calls / 10)  // warm the cache, as the C bench does
            return pass(tx, calls)
        }
        #expect(found == calls + calls / 10)
        let ns = Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9
        print("\(abiLine) swift-get-node-ns: \(Int(ns / Double(calls)))")
    }
}
#endif
