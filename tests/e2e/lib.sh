# tests/e2e/lib.sh — sourced by every end-to-end script (not a test itself):
# their scratch folder, failure report, the nindex/nsearch wrappers they
# assert with, and at the end the helpers of the nsearch serve tests (T6*).
#
#   set -euo pipefail
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   e2e_init T200 NINDEX NSEARCH NS_SHARED_DIR   # name, then required variables
#
# After e2e_init: $tmp is a fresh folder under $NS_TMPDIR (physical path),
# removed on exit together with whatever the script lists in e2e_on_exit
# (commands run first, e.g. killing servers). Output of the last wrapped run
# is in $tmp/out and $tmp/err (nindex) or $tmp/sout, $tmp/serr (ns_ids), its
# status in $rc.

e2e_on_exit=()
# Debian's interpreter: a version manager's shim can take seconds to start.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

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

# Prints the reason and the captured output (the start of the last run's
# output; the end of the last HTTP response and of the server's log), and
# ends the test.
fail() {
    echo "FAIL: $*" >&2
    local f
    for f in "$tmp"/out "$tmp"/err "$tmp"/sout "$tmp"/serr; do
        [ -s "$f" ] && { echo "--- $f" >&2; head -c 3000 "$f" | cat -v >&2; echo >&2; }
    done
    for f in "$tmp"/body "$tmp"/headers "${srv_log:-}"; do
        [ -n "$f" ] && [ -s "$f" ] && { echo "--- $f" >&2; tail -c 3000 "$f" >&2; echo >&2; }
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

# ---------------------------------------------------------------- nsearch serve
# The T6* tests: an index of the seed articles, servers on 127.0.0.1 with an
# ephemeral port (every server started is killed on exit), curl wrappers.

# index_seeds DIR IDX [FILES...]: copies seed .txt files (all, or those named
# by prefix, e.g. 000_ 001_) into DIR and indexes DIR into IDX.
index_seeds() {
    local dir=$1 idx=$2 p
    shift 2
    mkdir -p "$dir"
    if (($# == 0)); then
        cp "$NS_SHARED_DIR"/corpora/seeds/*.txt "$dir/"
    else
        for p in "$@"; do cp "$NS_SHARED_DIR"/corpora/seeds/"$p"*.txt "$dir/"; done
    fi
    "$NINDEX" -d "$idx" "$dir" >"$tmp/nindex.log" 2>&1 || fail "nindex: $(cat "$tmp/nindex.log")"
}

# start_server NAME [OPTIONS...]: nsearch serve on 127.0.0.1:0 (a --listen
# in OPTIONS wins); waits for its port and sets $srv_pid, $srv_log, $port and
# $base (http://HOST:PORT). The server is killed on exit if still running.
start_server() {
    local name=$1 portf
    shift
    srv_log="$tmp/$name.log"
    portf="$tmp/$name.port"
    rm -f "$portf"
    "$NSEARCH" serve --listen 127.0.0.1:0 --port-file "$portf" "$@" 2>"$srv_log" &
    srv_pid=$!
    e2e_on_exit+=("kill -KILL $srv_pid 2>/dev/null")
    for _ in $(seq 200); do
        [ -s "$portf" ] && break
        kill -0 "$srv_pid" 2>/dev/null || fail "server $name exited at start"
        sleep 0.05
    done
    [ -s "$portf" ] || fail "server $name wrote no port file"
    port=$(cat "$portf")
    # "nsearch: serving on http://HOST:PORT/ (...)"; a wildcard host is
    # reached through loopback.
    base=$(sed -n 's|^nsearch: serving on \(http://.*:[0-9]*\)/ .*|\1|p' "$srv_log")
    [[ $base == *":$port" ]] || fail "no 'serving on' line with port $port"
    base=${base/0.0.0.0/127.0.0.1}
    base=${base/\[::\]/[::1]}
}
# stop_server: SIGTERM, then the server must exit 0 by itself (under ASan
# this also proves it freed everything).
stop_server() {
    local rc=0
    kill -TERM "$srv_pid"
    wait "$srv_pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "server exited with $rc after SIGTERM"
    grep -q "finishing requests and stopping" "$srv_log" || fail "no shutdown message"
}

# req [CURL ARGS...] URL: body in $tmp/body, headers in $tmp/headers, status
# in $code.
req() {
    code=$(curl -s --max-time 20 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@") ||
        fail "curl $* failed"
}

expect_code() {
    [ "$code" = "$1" ] || fail "expected HTTP $1, got $code: $2"
}

# header NAME: the value of a response header (last response), or "".
header() {
    grep -i "^$1:" "$tmp/headers" | head -1 | sed 's/^[^:]*: *//; s/\r$//'
}

# json_check PYTHON: runs a Python expression-check with d = the JSON body.
json_check() {
    "$py" - "$tmp/body" "$1" <<'EOF' || fail "JSON check failed: $1"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ok = eval("(" + sys.argv[2] + "\n)")
if not ok:
    print("body:", json.dumps(d)[:1500], file=sys.stderr)
    sys.exit(1)
EOF
}
