#!/usr/bin/env bash
# Configures and builds nsearch (warnings are errors) in a build directory.
#   scripts/build.sh [BUILD_DIR [extra cmake arguments...]]
# BUILD_DIR defaults to build/ at the top of the repository. The shared test
# corpora are ../shared beside the repository unless NS_SHARED_DIR says else.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-$root/build}
shift || true
shared=${NS_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}
jobs=${NS_JOBS:-$(nproc 2>/dev/null || echo 2)}

cmake -S "$root" -B "$build_dir" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNS_WERROR=ON \
    -DNS_SHARED_DIR="$shared" \
    "$@"
cmake --build "$build_dir" -j "$jobs"
