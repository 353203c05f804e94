# serve_helpers.bash — shared by the T6* tests of nsearch serve (sourced,
# not a test itself). Gives: a temporary folder $tmp, fail, an index of the
# seed articles, starting and stopping servers on 127.0.0.1 with an
# ephemeral port, and curl wrappers. Every server started is killed on exit.

: "${NINDEX:?}" "${NSEARCH:?}" "${NS_SHARED_DIR:?}" "${NS_TMPDIR:?}"
mkdir -p "$NS_TMPDIR"
tmp=$(mktemp -d "$NS_TMPDIR/$(basename "${BASH_SOURCE[1]}" .sh).XXXXXX")
servers=()
# Debian's interpreter: a version manager's shim can take seconds to start.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

cleanup() {
    for p in "${servers[@]}"; do
        kill -KILL "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    for f in "$tmp"/body "$tmp"/headers "$srv_log"; do
        [ -n "$f" ] && [ -s "$f" ] && { echo "--- $f" >&2; tail -c 3000 "$f" >&2; echo >&2; }
    done
    exit 1
}

# index_seeds DIR IDX [FILES...]: copies seed .txt files (all, or those named
# by prefix, e.g. 000_ 001_) into DIR and indexes DIR into IDX.
index_seeds() {
    local dir=$1 idx=$2
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
# $base (http://HOST:PORT).
start_server() {
    local name=$1 portf
    shift
    srv_log="$tmp/$name.log"
    portf="$tmp/$name.port"
    rm -f "$portf"
    "$NSEARCH" serve --listen 127.0.0.1:0 --port-file "$portf" "$@" 2>"$srv_log" &
    srv_pid=$!
    servers+=("$srv_pid")
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
