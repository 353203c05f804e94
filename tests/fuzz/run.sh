#!/usr/bin/env bash
# tests/fuzz/run.sh — runs every libFuzzer target for SECONDS each (default 20)
# under ASan+UBSan, starting from its corpus (tests/fuzz/corpus/<target>, left
# unchanged: new inputs go to a scratch copy). Builds build-fuzz/ first (clang,
# -DNS_SANITIZE=ON -DNS_FUZZ=ON) unless FUZZ_BUILD names an existing one.
# A crash, leak, timeout or out-of-memory is kept in build-fuzz/artifacts/ and
# fails the run; copy it to tests/fuzz/corpus/<target>/regress-<what> with the
# fix so the normal test run replays it forever.
# FUZZ_SEED=N fixes libFuzzer's random seed: a run is then a prefix of any
# longer run with the same seed and corpus, so CI (which sets it) cannot turn
# red on a new random find that a longer local run with that seed passed.
# Campaigns leave it unset and explore from a fresh seed each time.
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(query analyze snippet codec docstore segment commit html markdown jsonl date formats)
build=${FUZZ_BUILD:-$root/build-fuzz}
mkdir -p "$build"
build=$(cd "$build" && pwd) # the targets run from a scratch folder

if [ ! -x "$build/tests/fuzz/fuzz_codec" ] || [ -z "${FUZZ_BUILD:-}" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DNS_SANITIZE=ON -DNS_FUZZ=ON \
        -DNS_BUILD_BENCH=OFF -DNS_SHARED_DIR="${NS_SHARED_DIR:-$root/../shared}" >/dev/null
    cmake --build "$build" -j "${NS_JOBS:-2}" --target fuzz_all >/dev/null
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
work=$(mktemp -d "${TMPDIR:-/tmp}/nsfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
failed=()
for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    log="$build/artifacts/$t.log"
    max_len=4096
    case $t in segment | html | jsonl | formats) max_len=65536 ;; esac
    seed_arg=()
    [ -z "${FUZZ_SEED:-}" ] || seed_arg=(-seed="$FUZZ_SEED")
    rc=0
    (cd "$work" && TMPDIR="$work" "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -max_len=$max_len -print_final_stats=1 "${seed_arg[@]}" \
        -artifact_prefix="$build/artifacts/$t-" "$work/$t" "$root/tests/fuzz/corpus/$t" \
        >"$log" 2>&1) || rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || echo 0)
    printf 'fuzz %-9s %10s executions in %ss, coverage %s, corpus %s inputs: %s\n' "$t" \
        "$execs" "$seconds" "$cov" "$(ls "$work/$t" | wc -l)" "$([ $rc = 0 ] && echo ok || echo FAILED)"
    if [ $rc != 0 ]; then
        failed+=("$t")
        grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -n 8 >&2 || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs in $build/artifacts/)" >&2
    exit 1
fi
