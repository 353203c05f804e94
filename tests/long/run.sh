#!/usr/bin/env bash
# tests/long/run.sh — the long reliability runs (not in CTest; results go in
# the issue notes). Usage: tests/long/run.sh [BUILD_DIR]
# Environment: NS_KILLS (default 2000), NS_CORRUPT_SCALE (default 10),
# NS_FUZZ_SECONDS (default 600 per target, 0 to skip fuzzing).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
export NINDEX=$build/indexer/nindex NSEARCH=$build/searcher/nsearch
export NS_SHARED_DIR=${NS_SHARED_DIR:-$root/../shared} NS_SOURCE_DIR=$root
export NS_TMPDIR=${NS_TMPDIR:-$build/tests/tmp-long}
mkdir -p "$NS_TMPDIR"

echo "== kill -9 loop: ${NS_KILLS:=2000} kills"
NS_KILLS=$NS_KILLS NS_KILL_SEED=${NS_KILL_SEED:-$RANDOM} bash "$root/tests/e2e/T510-kill.sh"

echo "== corruption sweep, scale ${NS_CORRUPT_SCALE:=10}"
NS_CORRUPT_SCALE=$NS_CORRUPT_SCALE "$build/tests/test_corrupt" | grep -v '^ok'

echo "== fault loops, every I/O call, both modes"
NS_FAULT_LONG=1 "$build/tests/test_faults" | grep -v '^ok'

echo "== concurrency, 60 s"
NS_CONCURRENCY_SECONDS=60 "$build/tests/test_concurrency" | grep -v '^ok'

if [ "${NS_FUZZ_SECONDS:=600}" != 0 ]; then
    echo "== fuzzing, $NS_FUZZ_SECONDS s per target"
    "$root/tests/fuzz/run.sh" "$NS_FUZZ_SECONDS"
fi
