#!/usr/bin/env bash
# T620-serve-hostile: bad requests get a 4xx (with a JSON body when the
# request got as far as the server's own code) and the server stays up:
# huge targets and headers, invalid UTF-8, NUL bytes, broken escapes, huge n,
# deep nesting, too many terms or parameters, raw garbage, path tricks, too
# many connections from one client, and a client that stops sending.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T620 NINDEX NSEARCH NS_SHARED_DIR

index_seeds "$tmp/docs" "$tmp/idx"
start_server hostile -d "$tmp/idx" --max-per-client 4 --timeout 1

# bad URL_SUFFIX STATUS ERROR_CODE [MESSAGE_PART]: a JSON error answer.
bad() {
    req "$base$1"
    expect_code "$2" "${1:0:80}"
    json_check "d['status'] == $2 and d['error'] == '$3' and '${4:-}' in d['message']"
}

long=$(head -c 9000 /dev/zero | tr '\0' a)
bad "/search?q=$long" 414 uri_too_long "8192"
bad "/search?q=%FFabc" 400 bad_param "UTF-8"
bad "/search?q=abc%C3" 400 bad_param "UTF-8"
bad "/search?q=%ED%A0%80" 400 bad_param "UTF-8" # a surrogate
bad "/search?q=a%00b" 400 bad_param "UTF-8"
bad "/search?q=%G1" 400 bad_param "percent"
bad "/search?q=abc%" 400 bad_param "percent"
bad "/search?q=abc%4" 400 bad_param "percent"
bad "/search?q=a&q=b" 400 bad_param "more than once"
bad "/search?q=sever&n=1000000000" 400 bad_param "1000"
bad "/search?q=sever&n=99999999999999999999999" 400 bad_param "1000"
bad "/search?q=sever&offset=4294967297" 400 bad_param "10000"
many=$(for i in $(seq 40); do printf 'p%d=1&' "$i"; done)
bad "/search?${many}q=sever" 400 bad_param "parameters"
deep=$(printf '(%.0s' $(seq 200))sever$(printf ')%.0s' $(seq 200))
bad "/search?q=$deep" 400 bad_query
terms=$("$py" -c 'import itertools as it
print("+".join("".join(w) for w in it.islice(it.product("abcdefghij", repeat=4), 1100)))')
[ ${#terms} -lt 8192 ] || fail "test setup: the term list is too long for the target limit"
bad "/search?q=$terms" 400 bad_query
bad "/search?q=NEAR/999999999(a+b)" 400 bad_query
bad "/doc/%2" 400 bad_request
# no path ever reaches the filesystem: these are ids, and unknown ones
bad "/doc/..%2F..%2F..%2Fetc%2Fpasswd" 404 not_found
bad "/doc/../../etc/passwd" 404 not_found
req --path-as-is "$base/../../etc/passwd"
expect_code 404 "dot-dot path"

# Targets past what libmicrohttpd buffers, oversized headers: a 4xx from the
# library itself.
huge=$(head -c 100000 /dev/zero | tr '\0' b)
req "$base/search?q=$huge"
[[ $code == 4* ]] || fail "100 kB target: HTTP $code"
req -H "X-Big: $huge" "$base/health"
[[ $code == 4* ]] || fail "100 kB header: HTTP $code"

# Raw bytes on the socket: garbage request lines, a bare LF, binary.
"$py" - "$port" <<'EOF' || fail "raw garbage"
import socket, sys
port = int(sys.argv[1])
for junk in [b"BLAH\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
             b"GET /search?q=a b HTTP/1.1\r\nHost: localhost\r\n\r\n",
             b"\x00\xff\xfe\x01" * 64 + b"\r\n\r\n",
             b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n",
             b"GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(junk)
    data = b""
    try:
        while len(data) < 1 << 20:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    if data and not (data.startswith(b"HTTP/1.1 4") or data.startswith(b"HTTP/1.0 4")
                     or data.startswith(b"HTTP/1.1 5")):
        sys.exit("junk %r answered %r" % (junk[:30], data[:80]))
EOF

# One client may hold --max-per-client connections; the next is turned away.
# Idle connections are closed after --timeout seconds.
"$py" - "$port" <<'EOF' || fail "per-client limit or idle timeout"
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
extra = socket.create_connection(("127.0.0.1", port), timeout=5)
extra.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
try:
    got = extra.recv(100)
except ConnectionResetError:
    got = b""
if got:
    sys.exit("a fifth connection was served: %r" % got[:60])
time.sleep(2.5)
for s in held:
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        if s.recv(100):
            sys.exit("an idle connection outlived --timeout")
    except (BrokenPipeError, ConnectionResetError):
        pass
# half a request, then silence: dropped after the timeout too
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GET /search?q=sever HTTP/1.1\r\nHost: localhost\r\n")
start = time.time()
try:
    data = s.recv(100)
except ConnectionResetError:
    data = b""
if data or time.time() - start > 4:
    sys.exit("a stalled request was not dropped in time")
EOF

# Still serving, and correctly.
req "$base/search?q=sever+relations"
expect_code 200 "after the abuse"
json_check 'd["total"] == 4'
kill -0 "$srv_pid" || fail "server died"
grep -q "uri_too_long\|414" "$srv_log" || fail "414 not logged"
stop_server
echo "T620 ok"
