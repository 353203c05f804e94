#!/usr/bin/env bash
# exports.sh LIBRARY: libnsearch.so exports only the public API. Every symbol
# `nm -D --defined-only` lists must be an ns_ function of nsearch.h, or
# _init/_fini.
# exports.sh --module MODULE: the Xapian backend module exports its entry,
# nsearch_backend_module (index/module.c), and besides it only the
# typeinfo/typeinfo name/vtable of Xapian exception classes (_ZTI, _ZTS, _ZTV
# of Xapian::*Error, kept global by cmake/libnsearch-xapian.map) and
# _init/_fini.
# Anything else is listed and fails the test.
set -euo pipefail

module=0
if [[ ${1:-} == --module ]]; then
    module=1
    shift
fi
lib=${1:?usage: exports.sh [--module] LIBRARY}
[ -e "$lib" ] || { echo "FAIL: no library $lib" >&2; exit 1; }
syms=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }') ||
    { echo "FAIL: nm -D --defined-only $lib" >&2; exit 1; }
if ((module)); then
    must=nsearch_backend_module
    allowed='^(nsearch_backend_module|_ZT[ISV]N6Xapian[0-9]+[A-Za-z]*ErrorE|_init|_fini)$'
else
    must=ns_version
    allowed='^(ns_[A-Za-z0-9_]+|_init|_fini)$'
fi
grep -qx "$must" <<<"$syms" || { echo "FAIL: $lib does not export $must" >&2; exit 1; }
other=$(grep -Ev "$allowed" <<<"$syms" || true)
if [ -n "$other" ]; then
    echo "FAIL: $lib exports $(wc -l <<<"$other") symbol(s) it should not:" >&2
    sed 's/^/  /' <<<"$other" >&2
    exit 1
fi
if ((module)); then
    echo "exports: nsearch_backend_module and $(grep -vc '^nsearch_backend_module$' <<<"$syms") Xapian exception typeinfo/_init/_fini symbols, nothing else"
else
    echo "exports: $(grep -c '^ns_' <<<"$syms") ns_ functions, $(grep -vc '^ns_' <<<"$syms") _init/_fini symbols, nothing else"
fi
