#!/usr/bin/env bash
# T690-serve-program: the server is its own program, nsearch-serve, which
# `nsearch serve` execs (searcher/nsearch.c), so that a search in a terminal
# does not load libmicrohttpd and what it pulls in.
#  - nsearch links no libmicrohttpd, GnuTLS, Xapian or libstdc++ (ldd);
#    nsearch-serve, beside it, links libmicrohttpd;
#  - `nsearch serve --help` is nsearch-serve's help, and `nsearch serve` with
#    a bad option fails as nsearch-serve does;
#  - nsearch copied to a folder without nsearch-serve says it is missing and
#    where it looked (unless an installed one answers).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T690 NSEARCH

ldd "$NSEARCH" >"$tmp/ldd" || fail "ldd $NSEARCH"
# (a sanitizer build's programs link libstdc++ for ASan's sake: CMakeLists.txt)
build=$(cd "$(dirname "$NSEARCH")/.." && pwd) # $NSEARCH is <build>/searcher/nsearch
unwanted='libmicrohttpd|libgnutls|libxapian|libstdc\+\+'
grep -Eq '^NS_SANITIZE:[A-Z]*=(ON|1|TRUE|YES)$' "$build/CMakeCache.txt" 2>/dev/null &&
    unwanted='libmicrohttpd|libgnutls|libxapian'
! grep -E "$unwanted" "$tmp/ldd" || fail "nsearch links the server's or Xapian's libraries"
serve=$(dirname "$NSEARCH")/nsearch-serve
[ -x "$serve" ] || fail "no nsearch-serve beside $NSEARCH"
ldd "$serve" >"$tmp/ldd-serve" || fail "ldd $serve"
grep -q libmicrohttpd "$tmp/ldd-serve" || fail "nsearch-serve does not link libmicrohttpd"

rc=0
"$NSEARCH" serve --help >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "nsearch serve --help"
"$serve" --help >"$tmp/direct" 2>&1 || fail "nsearch-serve --help"
cmp -s "$tmp/out" "$tmp/direct" || fail "nsearch serve --help is not nsearch-serve's help"
out_has "--listen"
rc=0
"$NSEARCH" serve --no-such-option >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 2 "nsearch serve --no-such-option"
err_has "no-such-option"

mkdir "$tmp/bin"
cp "$NSEARCH" "$tmp/bin/nsearch"
rc=0
"$tmp/bin/nsearch" serve --help >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 0 ]; then
    echo "T690: note: an installed nsearch-serve answered"
else
    expect_rc 2 "nsearch serve without nsearch-serve"
    err_has "nsearch serve: the server program nsearch-serve is not installed: looked in $tmp/bin and "
    [ ! -s "$tmp/out" ] || fail "printed something on stdout"
fi
echo "T690: ok"
