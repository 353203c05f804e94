#!/usr/bin/env bash
# T640-serve-host: DNS rebinding. Without a token, nsearch serve answers only
# requests whose Host is localhost, 127.0.0.1, [::1] (any port, any case) or
# a name given with --allow-host; others get 421 and no data. One Host header
# only (two are a 400), none is a 400 in HTTP/1.1 and allowed in HTTP/1.0.
# With a token any Host is served (a rebinding page cannot send the token).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T640 NINDEX NSEARCH NS_SHARED_DIR

index_seeds "$tmp/docs" "$tmp/idx" 000_ 001_
doc=$(cd "$tmp/docs" && ls | head -1)
doc_url="/doc/$("$py" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$tmp/docs/$doc")"

# raw BYTES: sends BYTES (printf format) to the server, prints the status
# code of the answer (0 if none) and keeps the answer in $tmp/body.
raw() {
    "$py" - "$port" "$1" "$tmp/body" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    data += b
open(sys.argv[3], "wb").write(data)
print(int(data.split(b" ")[1]) if data.startswith(b"HTTP/") else 0)
PY
}

start_server plain -d "$tmp/idx" --allow-host Search.LAN --allow-host 192.168.7.7
req "$base$doc_url"
expect_code 200 "the document through 127.0.0.1"
grep -q '"body"' "$tmp/body" || fail "no document body"

# --- foreign names: 421, no data, on every endpoint ----------------------------------
for h in evil.example "evil.example:$port" "localhost.evil.example" "search.lan.evil" \
    "127.0.0.1.nip.io:$port" "localhost:abc" "localhost:" "[::1" "" "192.168.7.8"; do
    for path in "$doc_url" "/search?q=sever" "/stats" "/health" "/"; do
        req -H "Host: $h" "$base$path"
        expect_code 421 "Host '$h' $path"
        json_check 'd["error"] == "bad_host"'
        if grep -q '"body"\|"hits"\|"documents"\|<html' "$tmp/body"; then
            fail "Host '$h' $path: data in the answer"
        fi
    done
done
req -X OPTIONS -H "Host: evil.example" "$base/search"
expect_code 421 "preflight from a foreign Host"

# --- the loopback names and --allow-host, any port, any case -------------------------
for h in "localhost:$port" localhost LocalHost:8080 "127.0.0.1:$port" 127.0.0.1 "[::1]:$port" \
    "[::1]" search.lan SEARCH.lan:80 "192.168.7.7:$port"; do
    req -H "Host: $h" "$base$doc_url"
    expect_code 200 "Host '$h'"
    grep -q '"body"' "$tmp/body" || fail "Host '$h': no document"
done

# --- how many Host headers ----------------------------------------------------------
c=$(raw 'GET /health HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n')
[ "$c" = 400 ] || fail "two Host headers: $c"
c=$(raw 'GET /health HTTP/1.1\r\nHost: evil.example\r\nhost: localhost\r\n\r\n')
[ "$c" = 400 ] || fail "two Host headers (the bad one first): $c"
c=$(raw 'GET /health HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n')
[ "$c" = 400 ] || fail "two equal Host headers: $c"
c=$(raw 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n')
[ "$c" = 400 ] || fail "HTTP/1.1 without Host: $c"
c=$(raw 'GET /health HTTP/1.0\r\n\r\n')
[ "$c" = 200 ] || fail "HTTP/1.0 without Host: $c"
c=$(raw 'GET /health HTTP/1.0\r\nHost: evil.example\r\n\r\n')
[ "$c" = 421 ] || fail "HTTP/1.0 with a foreign Host: $c"
req "$base/health"
expect_code 200 "still serving"
stop_server
grep -q "GET /health 421" "$srv_log" || fail "421 not in the access log"

# --- with a token, any single Host is served (with the token) ------------------------
token=0123456789abcdef-token-for-T640
printf '%s\n' "$token" >"$tmp/token"
start_server token -d "$tmp/idx" --token-file "$tmp/token"
req -H "Host: search.example.org" -H "Authorization: Bearer $token" "$base$doc_url"
expect_code 200 "token, any Host"
req -H "Host: search.example.org" "$base$doc_url"
expect_code 401 "any Host still needs the token"
c=$(raw "GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nHost: evil.example\\r\\nAuthorization: Bearer $token\\r\\n\\r\\n")
[ "$c" = 400 ] || fail "two Host headers with a token: $c"
stop_server

# --- option errors ---------------------------------------------------------------
for bad in "search.lan:8080" "" "a b" "http://x" "[::1" "*"; do
    rc=0
    timeout 20 "$NSEARCH" serve -d "$tmp/idx" --allow-host "$bad" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] && grep -q -- "--allow-host wants" "$tmp/err" || fail "--allow-host '$bad': $rc"
done
"$NSEARCH" serve --help >"$tmp/out"
grep -q -- "--allow-host NAME" "$tmp/out" || fail "--help lacks --allow-host"
echo "T640 ok"
