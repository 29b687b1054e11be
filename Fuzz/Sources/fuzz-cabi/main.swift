// fuzz-cabi: libFuzzer target "cabi": C call sequences into libsombra (Sources/CABIFuzz/cabi_fuzz.c).
// Usage: Tools/fuzz.sh cabi SECONDS; built without the fuzzer flag it replays files: fuzz-cabi FILE|DIR...
import CABIFuzz
import FuzzDriver
import SombraFuzzHarness

FuzzDriver.main(.cabi) { bytes in
    var outcome = FuzzOutcome()
    let failed = bytes.withUnsafeBufferPointer { sombra_fuzz_cabi($0.baseAddress, $0.count) }
    if failed != 0 { outcome.problem(String(cString: sombra_fuzz_cabi_problem())) }
    return outcome
}
