// fuzz-wal: libFuzzer target "wal" (see SombraFuzzHarness, FuzzTarget.wal). Usage: Tools/fuzz.sh wal SECONDS;
// built without the fuzzer flag it replays files: fuzz-wal FILE|DIR...; seeds: fuzz-wal --make-seeds DIR.
import FuzzDriver
import SombraFuzzHarness

FuzzDriver.main(.wal) { FuzzTarget.wal.harness?($0) ?? FuzzOutcome() }
