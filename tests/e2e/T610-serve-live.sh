#!/usr/bin/env bash
# T610-serve-live: the server follows nindex without a restart. New, changed
# and removed documents show within a second or two while searches keep
# running (none fails); SIGTERM lets a request in flight finish.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T610 NINDEX NSEARCH NS_SHARED_DIR

index_seeds "$tmp/docs" "$tmp/idx" 000_ 001_ 002_
start_server live -d "$tmp/idx"

req "$base/search?q=sever+relations&any=1"
json_check 'd["total"] == 3'
gen0=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' \
    <(curl -s "$base/health"))

# A steady stream of searches while nindex commits (until $tmp/stop exists,
# at most 30 s): every answer must be a 200 with well-formed JSON.
"$py" - "$port" "$tmp/stop" >"$tmp/stream.out" 2>&1 <<'EOF' &
import http.client, json, os, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
n, totals, end = 0, set(), time.time() + 30
while not os.path.exists(stop) and time.time() < end:
    conn.request("GET", "/search?q=sever+relations&any=1&n=20")
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("status %d: %r" % (r.status, body[:300]))
    d = json.loads(body)
    assert len(d["hits"]) == d["returned"] == min(d["total"], 20), d
    totals.add(d["total"])
    n += 1
print("searches", n, "totals", sorted(totals))
EOF
stream=$!

# wait_for JSON_CHECK URL: polls URL until the check holds; prints seconds.
wait_for() {
    local start=$EPOCHREALTIME
    for _ in $(seq 100); do
        req "$2"
        if "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
            "$tmp/body" 2>/dev/null; then
            "$py" -c "print(round($EPOCHREALTIME - $start, 2))"
            return 0
        fi
        sleep 0.05
    done
    fail "never saw $1 at $2"
}

# --- new documents ----------------------------------------------------------------
index_seeds "$tmp/docs" "$tmp/idx" 003_ 004_
took=$(wait_for 'd["documents"] == 5' "$base/health")
echo "new generation served after ${took}s"
"$py" -c "import sys; sys.exit(0 if $took < 3 else 1)" || fail "refresh took ${took}s"
grep -q "now serving generation" "$srv_log" || fail "no refresh line in the log"
req "$base/search?q=sever+relations&any=1"
json_check 'd["total"] == 5 and any("/004_" in h["id"] for h in d["hits"])'
req "$base/search?q=sever+relations"
json_check 'd["total"] == 4'

# --- a changed document: its new words are found, its old copy is gone ----------
f=$(ls "$tmp"/docs/003_*.txt)
printf 'Quokka census\nA zyzzyva and a quokka were counted on the island.\n' >"$f"
"$NINDEX" -d "$tmp/idx" "$tmp/docs" >"$tmp/nindex.log" 2>&1 || fail "nindex update"
wait_for 'd["total"] == 1' "$base/search?q=zyzzyva+quokka" >/dev/null
json_check 'd["hits"][0]["title"] == "Quokka census" and d["hits"][0]["highlights"] != []'
enc=$("$py" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$f")
req "$base/doc/$enc"
expect_code 200 "/doc of the changed document"
json_check '"zyzzyva" in d["body"]'

# --- a removed document: --prune, then /doc answers 404 ------------------------
rm "$f"
"$NINDEX" -d "$tmp/idx" --prune "$tmp/docs" >"$tmp/nindex.log" 2>&1 || fail "nindex --prune"
wait_for 'd["documents"] == 4' "$base/health" >/dev/null
req "$base/doc/$enc"
expect_code 404 "/doc of a pruned document"
req "$base/search?q=zyzzyva"
json_check 'd["total"] == 0'

# --- a damaged COMMIT: the last good generation is still served, /health
# says what is wrong, and all is well again once COMMIT is repaired --------
cp "$tmp/idx/COMMIT" "$tmp/COMMIT.good"
printf 'this is not a commit file\n' >"$tmp/COMMIT.bad"
mv "$tmp/COMMIT.bad" "$tmp/idx/COMMIT"
wait_for 'd["status"] == "degraded"' "$base/health" >/dev/null
json_check 'd["documents"] == 4 and "COMMIT" in d["refresh_error"]'
req "$base/search?q=sever+relations&any=1"
expect_code 200 "search on a damaged index"
json_check 'd["total"] == 4'
grep -q "cannot refresh the index (still serving the last generation)" "$srv_log" ||
    fail "refresh failure not logged"
mv "$tmp/COMMIT.good" "$tmp/idx/COMMIT"
wait_for 'd["status"] == "ok" and "refresh_error" not in d' "$base/health" >/dev/null
grep -q "the index can be refreshed again" "$srv_log" || fail "recovery not logged"

touch "$tmp/stop"
wait "$stream" || fail "searches during re-indexing: $(cat "$tmp/stream.out")"
echo "$(cat "$tmp/stream.out") while re-indexing"
grep -Eq '^searches [0-9]{2,}' "$tmp/stream.out" || fail "too few searches ran"
req "$base/health"
json_check "d['generation'] > $gen0 and d['status'] == 'ok'"

# --- SIGTERM finishes a request in flight -------------------------------------
# The request line and headers are sent, the final blank line only after the
# signal: the server must wait for it, answer, then exit 0.
"$py" - "$port" "$srv_pid" "$tmp/inflight" <<'EOF' || fail "request in flight at SIGTERM"
import os, signal, socket, sys, time
port, pid, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"GET /search?q=sever HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n")
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
# still accepting nothing new, but this request goes on
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    print("a new connection was accepted after SIGTERM", file=sys.stderr)
    sys.exit(1)
except OSError:
    pass
s.sendall(b"\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
open(out, "wb").write(data)
head, _, body = data.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 200"), head[:100]
assert b'"total":' in body, body[:200]
EOF
rc=0
wait "$srv_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "server exit $rc after draining"
grep -q "GET /search?q=sever 200" "$srv_log" || fail "the drained request is not in the log"
echo "T610 ok"
