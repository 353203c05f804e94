#!/usr/bin/env bash
# exports.sh LIBRARY: libnsearch.so exports only the public API. Every symbol
# `nm -D --defined-only` lists must be an ns_ function of nsearch.h, the
# typeinfo/typeinfo name/vtable of a Xapian exception class (_ZTI, _ZTS, _ZTV
# of Xapian::*Error, kept global by cmake/libnsearch.map), or _init/_fini.
# Anything else is listed and fails the test.
set -euo pipefail

lib=${1:?usage: exports.sh LIBRARY}
[ -e "$lib" ] || { echo "FAIL: no library $lib" >&2; exit 1; }
syms=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }') ||
    { echo "FAIL: nm -D --defined-only $lib" >&2; exit 1; }
grep -qx ns_version <<<"$syms" || { echo "FAIL: $lib does not export ns_version" >&2; exit 1; }
other=$(grep -Ev '^(ns_[A-Za-z0-9_]+|_ZT[ISV]N6Xapian[0-9]+[A-Za-z]*ErrorE|_init|_fini)$' \
    <<<"$syms" || true)
if [ -n "$other" ]; then
    echo "FAIL: $lib exports $(wc -l <<<"$other") symbol(s) outside the public API:" >&2
    sed 's/^/  /' <<<"$other" >&2
    exit 1
fi
echo "exports: $(grep -c '^ns_' <<<"$syms") ns_ functions, $(grep -vc '^ns_' <<<"$syms") Xapian exception typeinfo/_init/_fini symbols, nothing else"
