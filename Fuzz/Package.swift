// swift-tools-version:6.2
// Sombra's libFuzzer targets, in a package of their own so that a plain `swift build` of the root never
// needs the sanitizers. It depends on the root package by path; the harness logic lives in the root target
// SombraFuzzHarness (it needs package-level APIs such as the simulated file system), and each executable
// here only hands bytes to it (fuzz-cabi hands them to the C harness in Sources/CABIFuzz, which links
// libsombra).
//
// Fuzzing build (Tools/fuzz.sh does this):
//   swift build --package-path Fuzz --scratch-path Fuzz/.build-fuzz \
//       -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address
// Built without those flags the same executables replay the files given as arguments.
//
// Linking uses lld (gold fails on the sanitized objects' debug info) and exports LLVMFuzzerRunDriver, which
// FuzzDriver looks up with dlsym.
import PackageDescription

let fuzzLink: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld", "-Xlinker", "--export-dynamic-symbol=LLVMFuzzerRunDriver"])]

let package = Package(
    name: "SombraFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Sombra", path: ".."),
    ],
    targets: [
        // Argument handling shared by every fuzz executable: run libFuzzer, replay files, or write seeds.
        .target(name: "FuzzDriver", dependencies: [.product(name: "SombraFuzzHarness", package: "Sombra")]),
        .executableTarget(name: "fuzz-image", dependencies: ["FuzzDriver"], linkerSettings: fuzzLink),
        .executableTarget(name: "fuzz-wal", dependencies: ["FuzzDriver"], linkerSettings: fuzzLink),
        .executableTarget(name: "fuzz-ops", dependencies: ["FuzzDriver"], linkerSettings: fuzzLink),
        // The C ABI harness, in C, against sombra.h and the libsombra.so product.
        .target(name: "CABIFuzz", dependencies: [.product(name: "sombra", package: "Sombra")],
                cSettings: [.unsafeFlags(["-I", Context.packageDirectory + "/../Sources/SombraCABI/include"])]),
        .executableTarget(name: "fuzz-cabi", dependencies: ["FuzzDriver", "CABIFuzz"], linkerSettings: fuzzLink),
    ]
)
