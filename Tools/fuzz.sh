#!/usr/bin/env bash
# Tools/fuzz.sh TARGET SECONDS [libFuzzer options...]
#
# Builds the Fuzz package with libFuzzer and the address sanitizer and runs fuzz-TARGET (image, wal, ops,
# cabi) for SECONDS on its committed corpus (Fuzz/Corpus/TARGET, read) plus a work corpus
# (Fuzz/.fuzz-work/TARGET/corpus, where new inputs go). Crash, timeout, leak and out-of-memory inputs go to
# Fuzz/.fuzz-work/TARGET/artifacts/. Prints one line parsed from libFuzzer's output:
#   fuzz: target: T seconds: S execs: N corpus: C crashes: K
# Environment: FUZZ_CONFIG=debug|release (default debug), FUZZ_TIMEOUT (seconds per input, default 60).
# To keep what a run found: merge the work corpus into the committed one (minimized):
#   Fuzz/.build-fuzz/debug/fuzz-T -merge=1 Fuzz/Corpus/T Fuzz/.fuzz-work/T/corpus
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: Tools/fuzz.sh image|wal|ops|cabi SECONDS [libFuzzer options...]" >&2; exit 2; fi
target=$1
seconds=$2
shift 2
case "$target" in image|wal|ops|cabi) ;; *) echo "unknown target: $target" >&2; exit 2;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
config=${FUZZ_CONFIG:-debug}
scratch="$root/Fuzz/.build-fuzz"
work="$root/Fuzz/.fuzz-work/$target"
mkdir -p "$work/corpus" "$work/artifacts"
# SwiftPM keeps the build plan of the root package (a path dependency) and misses source files added to it
# since; dropping the plan makes it read the sources again (compilation stays incremental).
rm -f "$scratch/$config/description.json" "$scratch/$config.yaml"
if ! swift build --package-path "$root/Fuzz" --scratch-path "$scratch" -c "$config" --product "fuzz-$target" \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >"$work/build.log" 2>&1; then
    grep -v "Cannot export local symbol" "$work/build.log" | tail -40 >&2
    echo "build failed (full log: $work/build.log)" >&2
    exit 1
fi
bin="$scratch/$config/fuzz-$target"
log="$work/last-run.log"
before=$(ls "$work/artifacts" | wc -l)
# Swift's backtracer would trip the sanitizer on a crash; libFuzzer reports crashes itself.
SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-60}" -rss_limit_mb=3072 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$root/Fuzz/Corpus/$target" "$@" \
    >"$log" 2>&1 || true
after=$(ls "$work/artifacts" | wc -l)
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
if [ -z "$execs" ]; then execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true); fi
corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
crashes=$((after - before))
grep -E "^==[0-9]+==ERROR|^SUMMARY|Fatal error|fuzz problem|^artifact_prefix|Test unit written" "$log" | head -20 >&2 || true
echo "fuzz: target: $target seconds: $seconds execs: ${execs:-0} corpus: ${corpus:-0} crashes: $crashes"
