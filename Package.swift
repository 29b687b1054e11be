// swift-tools-version:6.2
// Sombra: an embedded property-graph database in one file.
//
// One target per layer; a target may depend only on the layers below it:
//   SombraFormat (bytes, no I/O) -> SombraIO (file seam) -> SombraStorage (pager, cache, WAL)
//   -> SombraIndex (B+trees) -> Sombra (graph facade) -> SombraCABI / SombraCtlKit (outer shells).
import PackageDescription

let strict: [SwiftSetting] = [.strictMemorySafety()]

let package = Package(
    name: "Sombra",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Sombra", targets: ["Sombra"]),
        .library(name: "sombra", type: .dynamic, targets: ["SombraCABI"]),
        .executable(name: "sombractl", targets: ["sombractl"]),
        .executable(name: "sombra-bench", targets: ["sombra-bench"]),
        // The fuzz harness (Fuzz/ builds its libFuzzer executables on it; SombraFuzzReplayTests replays the corpus).
        .library(name: "SombraFuzzHarness", targets: ["SombraFuzzHarness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // Layer 0: bytes only.
        .target(name: "SombraFormat", dependencies: ["CZlib"], swiftSettings: strict),
        // Layer 1: the file seam.
        .target(name: "SombraIO",
                dependencies: ["SombraFormat", .product(name: "SystemPackage", package: "swift-system")],
                swiftSettings: strict),
        // Layer 2: pager (cache, WAL, checkpoint, recovery, free pages).
        .target(name: "SombraStorage", dependencies: ["SombraFormat", "SombraIO"], swiftSettings: strict),
        // Layer 3: B+trees and the indexes built from them.
        .target(name: "SombraIndex", dependencies: ["SombraStorage", "SombraFormat", "CZlib"],
                swiftSettings: strict),
        // Layer 4: the graph facade users import.
        .target(name: "Sombra",
                dependencies: ["SombraIndex", "SombraStorage", "SombraIO", "SombraFormat",
                               .product(name: "DequeModule", package: "swift-collections")],
                swiftSettings: strict),
        // Layer 5: outer shells.
        // The C ABI: the linker exports only sombra_* (the version script hides every Swift symbol).
        .target(name: "SombraCABI", dependencies: ["Sombra"], exclude: ["sombra.map"], swiftSettings: strict,
                linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/SombraCABI/sombra.map"],
                                              .when(platforms: [.linux]))]),
        .target(name: "SombraCtlKit",
                dependencies: ["Sombra", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "sombractl", dependencies: ["SombraCtlKit"], path: "Tools/sombractl"),
        .executableTarget(name: "sombra-bench", dependencies: ["Sombra", "SombraCABI", "CSQLite"], path: "Tools/sombra-bench"),

        // Test support: simulated file system with faults and crash images, model oracles.
        .target(name: "SombraTestSupport", dependencies: ["SombraIO", "SombraFormat"]),
        // Fuzz harness: each entry point takes bytes and returns an outcome; never traps on any input.
        .target(name: "SombraFuzzHarness",
                dependencies: ["Sombra", "SombraTestSupport", "SombraIndex", "SombraStorage", "SombraIO", "SombraFormat"],
                swiftSettings: strict),

        .testTarget(name: "SombraFormatTests", dependencies: ["SombraFormat"]),
        .testTarget(name: "SombraIOTests", dependencies: ["SombraIO", "SombraTestSupport"]),
        .testTarget(name: "SombraStorageTests", dependencies: ["SombraStorage", "SombraTestSupport"]),
        .testTarget(name: "SombraIndexTests", dependencies: ["SombraIndex", "SombraTestSupport"]),
        .testTarget(name: "SombraTests", dependencies: ["Sombra", "SombraTestSupport"]),
        .testTarget(name: "SombraCtlTests", dependencies: ["SombraCtlKit", "Sombra", "SombraTestSupport"]),
        .testTarget(name: "SombraFuzzReplayTests", dependencies: ["SombraFuzzHarness", "Sombra", "SombraTestSupport", "SombraCABI"]),
    ]
)
