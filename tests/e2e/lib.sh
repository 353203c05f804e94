# tests/e2e/lib.sh — sourced by the end-to-end scripts: their scratch folder,
# failure report, and the nindex/nsearch wrappers they all assert with.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   e2e_init T200 NINDEX NSEARCH NS_SHARED_DIR   # name, then required variables
#
# After e2e_init: $tmp is a fresh folder under $NS_TMPDIR (physical path),
# removed on exit together with whatever the script lists in e2e_on_exit
# (commands run first, e.g. killing servers). Output of the last wrapped run
# is in $tmp/out and $tmp/err (nindex) or $tmp/sout, $tmp/serr (ns_ids), its
# status in $rc.

e2e_on_exit=()

e2e_init() {
    local name=$1 v
    shift
    for v in NS_TMPDIR "$@"; do
        [ -n "${!v:-}" ] || { echo "$name: $v is not set (run it through CTest)" >&2; exit 2; }
    done
    mkdir -p "$NS_TMPDIR"
    tmp=$(mktemp -d "$NS_TMPDIR/$name.XXXXXX")
    tmp=$(cd "$tmp" && pwd -P)
    trap e2e_exit EXIT
}

e2e_exit() {
    local c
    for c in "${e2e_on_exit[@]}"; do eval "$c" || true; done
    # Tests make folders unreadable on purpose; rm needs them back.
    chmod -R u+rwx "$tmp" 2>/dev/null || true
    rm -rf "$tmp"
}

# Prints the reason and the captured output, and ends the test.
fail() {
    echo "FAIL: $*" >&2
    local f
    for f in "$tmp"/out "$tmp"/err "$tmp"/sout "$tmp"/serr; do
        [ -s "$f" ] && { echo "--- $f" >&2; head -c 3000 "$f" | cat -v >&2; echo >&2; }
    done
    exit 1
}

expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc: $2"; }
err_has() { grep -qF -- "$1" "$tmp/err" || fail "stderr lacks '$1'"; }
out_has() { grep -qF -- "$1" "$tmp/out" || fail "stdout lacks '$1'"; }
# nindex's summary line starts with the counts.
summary() { grep -qF -- "nindex: $1" "$tmp/err" || fail "summary is not '$1'"; }

# nindex with stdout in $tmp/out, stderr in $tmp/err, status in $rc; a run
# that hangs fails the test instead of the CTest timeout.
ni() { e2e_nindex "$@"; }
e2e_nindex() {
    rc=0
    timeout 120 "$NINDEX" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -ne 124 ] || fail "nindex $* did not finish in 120 s"
}

# nsearch with stdout in $tmp/out, stderr in $tmp/err, status in $rc.
ns() {
    rc=0
    "$NSEARCH" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# nsearch -d $idx --json; the hit ids go to $tmp/ids, status in $rc.
ns_ids() {
    rc=0
    "$NSEARCH" -d "$idx" --json "$@" >"$tmp/sout" 2>"$tmp/serr" || rc=$?
    python3 - "$tmp/sout" >"$tmp/ids" <<'PY' || fail "nsearch --json output"
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if isinstance(o, dict) and "id" in o:
        print(o["id"])
PY
}

finds() { # QUERY ID...: the query has hits, among them every ID
    local q=$1
    shift
    ns_ids "$q"
    [ "$rc" -eq 0 ] || fail "'$q' found nothing (exit $rc)"
    local id
    for id in "$@"; do
        grep -qxF -- "$id" "$tmp/ids" || fail "'$q' does not find $id"
    done
}
finds_none() {
    ns_ids "$1"
    [ "$rc" -eq 1 ] || fail "'$1' should find nothing (exit $rc)"
}
lacks() { ! grep -qxF -- "$1" "$tmp/ids" || fail "unexpected hit $1"; }
