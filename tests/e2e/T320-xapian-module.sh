#!/usr/bin/env bash
# T320-xapian-module: the Xapian backend is a module (libnsearch-xapian.so.N,
# index/module.c) that a process loads only when an index is a Xapian one.
#  - neither nsearch nor libnsearch links libxapian or libstdc++, nindex no
#    libxapian (ldd; its PDF, encoding and HTML readers bring libstdc++);
#  - a search of a native index never maps the module; one of a Xapian index
#    does, from libnsearch's folder (LD_DEBUG=files);
#  - with the module missing ($NSEARCH_MODULE_DIR naming an empty folder, or
#    libnsearch copied to a folder without it), reading or writing a Xapian
#    index fails (nsearch: exit 2, nindex: 1) with a message naming the module and where it was
#    looked for, and the index is left as it was; so does a file that is not
#    the module under its name (not a library, no entry, an entry refusing).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T320 NINDEX NSEARCH NS_SHARED_DIR

libdir=$(dirname "$(ldd "$NSEARCH" | sed -n 's/^\s*libnsearch\.so[^ ]* => \(.*\) (.*/\1/p')")
[[ -n $libdir && -d $libdir ]] || fail "ldd does not show where libnsearch is"
# A sanitizer build's programs link libstdc++ for ASan's sake (CMakeLists.txt):
# there only libxapian is looked for in the programs.
build=$(cd "$(dirname "$NSEARCH")/.." && pwd) # $NSEARCH is <build>/searcher/nsearch
unwanted='libxapian|libstdc\+\+'
grep -Eq '^NS_SANITIZE:[A-Z]*=(ON|1|TRUE|YES)$' "$build/CMakeCache.txt" 2>/dev/null &&
    unwanted=libxapian
ldd "$libdir"/libnsearch.so >"$tmp/ldd" || fail "ldd libnsearch.so"
! grep -E 'libxapian|libstdc\+\+' "$tmp/ldd" || fail "libnsearch.so links Xapian or libstdc++"
ldd "$NSEARCH" >"$tmp/ldd" || fail "ldd $NSEARCH"
! grep -E "$unwanted" "$tmp/ldd" || fail "$NSEARCH links Xapian or libstdc++"
# nindex's file readers are C++ underneath (poppler for PDF, uchardet for
# encodings, Debian's libxml2 through ICU), so it has libstdc++; Xapian it
# never links.
ldd "$NINDEX" >"$tmp/ldd" || fail "ldd $NINDEX"
! grep -E libxapian "$tmp/ldd" || fail "$NINDEX links Xapian"
ni --backend=xapian -d "$tmp/probe" "$NS_SHARED_DIR"/corpora/seeds/000_*.txt
if [ "$rc" -ne 0 ] && grep -q "without the Xapian backend" "$tmp/err"; then
    echo "SKIPPED: built without Xapian (NS_WITH_XAPIAN=OFF): no module to load"
    exit 77
fi
expect_rc 0 "nindex --backend=xapian"
module=$(ls "$libdir"/libnsearch-xapian.so.*) || fail "no Xapian module beside $libdir/libnsearch.so"

# --- loaded when needed, and only then -------------------------------------------
mkdir "$tmp/docs"
cp "$NS_SHARED_DIR"/corpora/seeds/*.txt "$tmp/docs/"
nat=$tmp/native xap=$tmp/xapian
ni -d "$nat" "$tmp/docs"
expect_rc 0 "native index"
ni --backend=xapian -d "$xap" "$tmp/docs"
expect_rc 0 "Xapian index"
loads() { # INDEX: the files the dynamic loader opens for one search, in $tmp/ld
    rc=0
    LD_DEBUG=files "$NSEARCH" -d "$1" --json relations >"$tmp/out" 2>"$tmp/ld" || rc=$?
}
loads "$nat"
expect_rc 0 "search of the native index"
! grep -E "file=.*(libnsearch-xapian|$unwanted)" "$tmp/ld" ||
    fail "a search of a native index loaded the Xapian backend"
loads "$xap"
expect_rc 0 "search of the Xapian index"
grep -qF "file=$module " "$tmp/ld" || fail "the Xapian search did not load $module"
grep '"rank":' "$tmp/out" >"$tmp/xap.hits" || fail "the Xapian search found nothing"

# --- the module missing ------------------------------------------------------------
snapshot() { (cd "$xap" && find . -type f -exec cksum {} + | sort) >"$1"; }
snapshot "$tmp/before"
mkdir "$tmp/empty"
rc=0
NSEARCH_MODULE_DIR=$tmp/empty "$NSEARCH" -d "$xap" relations >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 2 "search with NSEARCH_MODULE_DIR naming an empty folder"
err_has "$xap: a Xapian index, but the xapian backend module ${module##*/} is not in $tmp/empty"
err_has "NSEARCH_MODULE_DIR"
[ ! -s "$tmp/out" ] || fail "printed results without the module"
rc=0
NSEARCH_MODULE_DIR=$tmp/empty "$NINDEX" -d "$xap" "$tmp/docs" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 1 "nindex with the module missing (a runtime error)"
err_has "${module##*/} is not in $tmp/empty"
# a new index asked for with --backend=xapian is not created either
rc=0
NSEARCH_MODULE_DIR=$tmp/empty "$NINDEX" --backend=xapian -d "$tmp/new" "$tmp/docs" \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 1 "nindex --backend=xapian with the module missing"
err_has "${module##*/} is not in $tmp/empty"
[ ! -e "$tmp/new/iamglass" ] || fail "a Xapian database was created without the module"

# Something else under the module's name: a file that is no library, a
# library without the entry, one whose entry refuses this nsearch. Each is
# named in the message, and the search fails as with no module.
fake_module() { # WHAT: the search with $tmp/fake holding the file must fail naming it
    rc=0
    NSEARCH_MODULE_DIR=$tmp/fake "$NSEARCH" -d "$xap" relations >"$tmp/out" 2>"$tmp/err" || rc=$?
    expect_rc 2 "search with $1 as the module"
    err_has "$xap: a Xapian index, but "
    err_has "$tmp/fake/${module##*/}"
}
mkdir "$tmp/fake"
printf 'not a library\n' >"$tmp/fake/${module##*/}"
fake_module "a text file"
err_has "cannot be loaded"
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
if [[ -n $cc ]] && command -v "$cc" >/dev/null; then
    printf 'int nothing_here(void);\nint nothing_here(void) { return 0; }\n' >"$tmp/none.c"
    "$cc" -shared -fPIC -o "$tmp/fake/${module##*/}" "$tmp/none.c" || fail "cc -shared"
    fake_module "a library without the entry"
    err_has "is not an nsearch backend module (no nsearch_backend_module)"
    cat >"$tmp/refuse.c" <<'C'
#include <stdio.h>
struct host { unsigned abi; const char *version; char *(*errbuf)(void); };
const void *nsearch_backend_module(const struct host *h, char *err);
const void *nsearch_backend_module(const struct host *h, char *err)
{
    snprintf(err, 512, "built for another nsearch, not %s", h->version);
    return NULL;
}
C
    "$cc" -shared -fPIC -o "$tmp/fake/${module##*/}" "$tmp/refuse.c" || fail "cc -shared"
    fake_module "a module that refuses this nsearch"
    err_has "built for another nsearch, not $("$NSEARCH" --version | awk '{ print $2; exit }')"
    echo "T320: libraries under the module's name refused"
else
    echo "T320: note: no C compiler in $build/CMakeCache.txt, only the text file tried"
fi

# libnsearch copied to a folder without the module: looked for beside it
# (dladdr), then in the install libdir.
mkdir "$tmp/lib"
cp -L "$libdir"/libnsearch.so.* "$tmp/lib/"
rc=0
LD_LIBRARY_PATH=$tmp/lib "$NSEARCH" -d "$xap" relations >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 0 ]; then
    # only when the install libdir holds a module of this very version
    grep -q "is in neither" "$tmp/err" && fail "exit 0 but a message"
    echo "T320: note: the installed module answered (libnsearch in $tmp/lib)"
else
    expect_rc 2 "search with libnsearch in a folder without the module"
    err_has "is in neither $tmp/lib nor "
fi

snapshot "$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "the Xapian index changed while the module was missing"
# and it is still whole: the same search answers as before
loads "$xap"
expect_rc 0 "search after the failures"
grep '"rank":' "$tmp/out" >"$tmp/hits" || true
cmp -s "$tmp/hits" "$tmp/xap.hits" || fail "the Xapian index answers differently after the failures"
echo "T320: ok"
