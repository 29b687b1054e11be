// fuzz-ops: libFuzzer target "ops" (see SombraFuzzHarness, FuzzTarget.ops). Usage: Tools/fuzz.sh ops SECONDS;
// built without the fuzzer flag it replays files: fuzz-ops FILE|DIR...; seeds: fuzz-ops --make-seeds DIR.
import FuzzDriver
import SombraFuzzHarness

FuzzDriver.main(.ops) { FuzzTarget.ops.harness?($0) ?? FuzzOutcome() }
