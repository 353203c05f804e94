#!/usr/bin/env bash
# T900: the installed package works for a C program. Installs the build tree
# under test into a temporary prefix, then builds tests/pkgconfig/example.c
# (1) with `pkg-config --cflags --libs nsearch` and (2) as a CMake project
# using find_package(nsearch) + nsearch::nsearch, runs both and checks that
# each indexes the example's documents and finds the expected hit and snippet;
# (3) runs the installed programs; (4) imports the installed Python package
# and indexes and searches with it.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T900 NSEARCH NS_SOURCE_DIR
build=$(cd "$(dirname "$NSEARCH")/.." && pwd) # $NSEARCH is <build>/searcher/nsearch

# Build the example the way the tree under test was built: a sanitizer build's
# library needs the sanitizer runtime in the program that loads it.
cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
cc=$(cache_get CMAKE_C_COMPILER)
san_flags=()
if [[ $(cache_get NS_SANITIZE) =~ ^(ON|1|TRUE|YES)$ ]]; then
    san_flags=("-fsanitize=address,undefined" -fno-omit-frame-pointer)
fi

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
    { cat "$tmp/install.log" >&2; fail "cmake --install $build"; }

pc=$(find "$prefix" -name nsearch.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n $pc ]] || fail "no nsearch.pc under $prefix"
libdir=$(cd "$(dirname "$pc")/.." && pwd)
[[ -e $libdir/libnsearch.so ]] || fail "no libnsearch.so beside $pc"

query="sever relations"
# The version is written once, in nsearch.h; the build takes it from there.
version=$(sed -n 's/^#define NS_VERSION_STRING "\([0-9.]*\)"$/\1/p' "$NS_SOURCE_DIR/include/nsearch.h")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no NS_VERSION_STRING in nsearch.h"
# the example indexes its three documents, then searches: one has both words
expected=$(printf '%s\n' "nsearch $version" "1 talks-1 Talks resume" \
    "  The two governments agreed to resume talks in May, after [relations] were [severed] in the spring." \
    "1 matches")
# The shared library's SONAME carries MAJOR.MINOR of that version.
soname=$(readelf -d "$libdir/libnsearch.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[[ $soname == "libnsearch.so.${version%.*}" ]] ||
    fail "SONAME is '$soname', not libnsearch.so.${version%.*} (nsearch.h says $version)"

check_run() { # check_run WHAT PROGRAM
    local out
    out=$(LD_LIBRARY_PATH=$libdir "$2" "$tmp/example-idx-$1" "$query") || fail "$1: example exited with $?"
    [[ $out == "$expected" ]] ||
        fail "$1: output differs"$'\n'"--- expected"$'\n'"$expected"$'\n'"--- got"$'\n'"$out"
    echo "T900: $1 ok"
}

# (1) pkg-config. The .pc must point into the prefix it was installed to.
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
incdir=$(pkg-config --variable=includedir nsearch) || fail "pkg-config cannot read $pc"
[[ $(realpath -m "$incdir") == "$(realpath "$prefix")"/* ]] ||
    fail "nsearch.pc includedir is $incdir, not under the install prefix $prefix"
pc_version=$(pkg-config --modversion nsearch)
[[ $pc_version == "$version" ]] || fail "nsearch.pc says version $pc_version, nsearch.h $version"
read -ra pc_flags <<<"$(pkg-config --cflags --libs nsearch)"
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror "${san_flags[@]}" \
    -o "$tmp/example-pc" "$NS_SOURCE_DIR/tests/pkgconfig/example.c" "${pc_flags[@]}" ||
    fail "compiling example.c with pkg-config flags: ${pc_flags[*]}"
check_run pkg-config "$tmp/example-pc"

# (2) CMake: find_package(nsearch VERSION EXACT) and nsearch::nsearch.
if ! {
    cmake -S "$NS_SOURCE_DIR/tests/pkgconfig" -B "$tmp/consumer" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DNS_EXPECT_VERSION="$version" \
        -DCMAKE_C_FLAGS="${san_flags[*]}" -DCMAKE_EXE_LINKER_FLAGS="${san_flags[*]}" &&
        cmake --build "$tmp/consumer"
} >"$tmp/consumer.log" 2>&1; then
    cat "$tmp/consumer.log" >&2
    fail "CMake consumer project did not build"
fi
check_run cmake "$tmp/consumer/example"

# (3) The installed programs find what they load at run time: the Xapian
# module beside the installed libnsearch (index/module.c), nsearch-serve
# beside the installed nsearch (searcher/nsearch.c).
bindir=$prefix/bin
[[ -x $bindir/nsearch && -x $bindir/nindex ]] || fail "no nsearch and nindex in $bindir"
run_installed() { LD_LIBRARY_PATH=$libdir NSEARCH_MODULE_DIR= "$@"; }
if [[ $(cache_get NS_WITH_XAPIAN) =~ ^(ON|1|TRUE|YES)$ ]]; then
    ls "$libdir"/libnsearch-xapian.so.* >/dev/null 2>&1 ||
        fail "the Xapian module is not installed beside libnsearch in $libdir"
    mkdir "$tmp/docs"
    printf 'Sever the relations\n\nThe relations were severed.\n' >"$tmp/docs/a.txt"
    run_installed "$bindir/nindex" --backend=xapian -d "$tmp/xidx" "$tmp/docs" 2>"$tmp/err" ||
        fail "installed nindex --backend=xapian: $(cat "$tmp/err")"
    out=$(LD_DEBUG=files run_installed "$bindir/nsearch" -d "$tmp/xidx" --json relations 2>"$tmp/ld") ||
        fail "installed nsearch on a Xapian index: $(grep -v '^ *[0-9]*:' "$tmp/ld")"
    [[ $out == *'"id":"'"$tmp/docs/a.txt"'"'* ]] || fail "installed nsearch did not find a.txt: $out"
    grep -q "file=$libdir/libnsearch-xapian.so" "$tmp/ld" ||
        fail "installed nsearch did not load the module from $libdir"
    echo "T900: Xapian module ok"
fi
if [[ $(cache_get NS_WITH_SERVE) =~ ^(ON|1|TRUE|YES)$ ]]; then
    [[ -x $bindir/nsearch-serve ]] || fail "nsearch-serve is not installed beside nsearch"
    run_installed "$bindir/nsearch" serve --help >"$tmp/help" 2>&1 ||
        fail "installed nsearch serve --help: $(cat "$tmp/help")"
    grep -q -- "--listen" "$tmp/help" || fail "installed nsearch serve --help: no --listen"
    echo "T900: nsearch serve ok"
fi

# (4) The Python package: `import nsearch` with the prefix's dist-packages on
# PYTHONPATH finds the installed libnsearch by itself (no LD_LIBRARY_PATH,
# no NSEARCH_LIBRARY), then indexes and searches.
pydir=$prefix/lib/python3/dist-packages
[[ -f $pydir/nsearch/__init__.py ]] || fail "the Python package is not installed in $pydir/nsearch"
py_env=(env -u NSEARCH_LIBRARY -u LD_LIBRARY_PATH PYTHONPATH="$pydir" PYTHONDONTWRITEBYTECODE=1)
if [[ $(cache_get NS_SANITIZE) =~ ^(ON|1|TRUE|YES)$ ]]; then
    rt=libasan.so
    [[ $cc == *clang* ]] && rt=libclang_rt.asan-x86_64.so
    py_env+=(LD_PRELOAD="$("$cc" -print-file-name=$rt)" ASAN_OPTIONS=detect_leaks=0)
fi
out=$("${py_env[@]}" python3 - "$tmp/py-idx" <<'PY' 2>&1
import sys, nsearch
with nsearch.Writer(sys.argv[1]) as w:
    w.add("talks-1", title="Talks resume",
          body="The two governments agreed to resume talks in May, after relations were severed in the spring.")
    w.add("trade-2", title="Trade", body="Exports of grain rose.")
    w.commit()
with nsearch.Index(sys.argv[1]) as idx:
    for h in idx.search("sever relations"):
        print(h.rank, h.id, h.title)
        print(" ", h.marked())
print(nsearch._library.load()._name)
PY
) || fail "python3 with the installed package: $out"
expected="1 talks-1 Talks resume
  The two governments agreed to resume talks in May, after [relations] were [severed] in the spring."
[[ $out == "$expected"$'\n'"$libdir/"* ]] ||
    fail "installed Python package: output differs"$'\n'"--- expected"$'\n'"$expected"$'\n'"(then the library path under $libdir)"$'\n'"--- got"$'\n'"$out"
echo "T900: Python package ok"
