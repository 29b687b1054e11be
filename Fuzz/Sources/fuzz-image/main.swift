// fuzz-image: libFuzzer target "image" (see SombraFuzzHarness, FuzzTarget.image). Usage: Tools/fuzz.sh image SECONDS;
// built without the fuzzer flag it replays files: fuzz-image FILE|DIR...; seeds: fuzz-image --make-seeds DIR.
import FuzzDriver
import SombraFuzzHarness

FuzzDriver.main(.image) { FuzzTarget.image.harness?($0) ?? FuzzOutcome() }
