#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test twice: once with the
# default compiler (gcc, RelWithDebInfo, -Werror) in build/, once with
# clang + AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/, then
# runs each libFuzzer target briefly (build-fuzz/; NS_FUZZ_SECONDS=0 skips it).
# This is exactly what CI runs (.ci/run). Exits non-zero if anything fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${NS_JOBS:-2}
failed=()
summary=()

phase() { # phase NAME COMMAND...: runs and times one step, remembering failure
    local name=$1 start=$SECONDS rc=0
    shift
    echo
    echo "==== $name"
    "$@" || rc=$?
    summary+=("$(printf '%-26s %-10s %5ds' "$name" "$([ $rc = 0 ] && echo ok || echo "FAILED($rc)")" $((SECONDS - start)))")
    ((rc == 0)) || failed+=("$name")
    return $rc
}

run_ctest() { # run_ctest BUILD_DIR [CTEST ARGS...]
    local dir=$1
    shift
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" "$@"
}

finish() {
    echo
    echo "==== summary"
    printf '%s\n' "${summary[@]}"
    if ((${#failed[@]})); then
        echo "FAILED: ${failed[*]}"
        exit 1
    fi
    echo "all passed"
}

# A build failure ends the run (nothing to test); a test failure does not, so
# one run reports both test suites.
phase "install dependencies" scripts/install-deps.sh --test || finish
phase "format (clang-format)" scripts/check-format.sh || true
phase "build (gcc)" scripts/build.sh "$root/build" || finish
phase "test (gcc)" run_ctest "$root/build" || true

phase "build (clang asan+ubsan)" scripts/build.sh "$root/build-asan" \
    -DCMAKE_C_COMPILER=clang -DNS_SANITIZE=ON || finish
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# -LE big: the tests labelled "big" (a 200 MB document, 10^6 files; minutes
# and gigabytes each) run in the gcc phase only; under the sanitizers they
# would take many times longer and find nothing the small tests do not.
phase "test (clang asan+ubsan)" run_ctest "$root/build-asan" -LE big || true

# ThreadSanitizer on the concurrency test (threads sharing an ns_index while a
# writer process commits and merges) and on the writer's worker threads
# (test_writer_threads: batches built by 2 and 4 threads).
tsan_concurrency() {
    local shared=${NS_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}
    cmake -S "$root" -B "$root/build-tsan" -DCMAKE_C_COMPILER=clang -DNS_BUILD_BENCH=OFF \
        -DCMAKE_C_FLAGS="-fsanitize=thread -g" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
        -DNS_SHARED_DIR="$shared" >/dev/null &&
        cmake --build "$root/build-tsan" -j "$jobs" --target test_concurrency test_writer_threads \
            >/dev/null &&
        NS_SHARED_DIR="$shared" NS_TMPDIR="$root/build-tsan/tests/tmp" TSAN_OPTIONS=halt_on_error=1 \
            "$root/build-tsan/tests/test_concurrency" &&
        NS_SHARED_DIR="$shared" NS_TMPDIR="$root/build-tsan/tests/tmp" TSAN_OPTIONS=halt_on_error=1 \
            "$root/build-tsan/tests/test_writer_threads"
}
phase "concurrency (clang tsan)" tsan_concurrency || true

# libFuzzer smoke run: every fuzz target for NS_FUZZ_SECONDS (default 60, as the reliability issue asks) from
# its corpus under ASan+UBSan, in build-fuzz/ (tests/fuzz/run.sh), with a
# fixed seed so the run is reproducible (campaigns use fresh seeds).
fuzz_seconds=${NS_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" != 0 ]; then
    phase "fuzz (${fuzz_seconds} s per target)" env FUZZ_SEED="${FUZZ_SEED:-20261123}" \
        tests/fuzz/run.sh "$fuzz_seconds" || true
fi

finish
