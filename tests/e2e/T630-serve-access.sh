#!/usr/bin/env bash
# T630-serve-access: who may talk to nsearch serve. Loopback by default; a
# public address needs a token or --insecure-public; the bearer token;
# CORS only when asked; --quiet; option errors and --help.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T630 NINDEX NSEARCH NS_SHARED_DIR

index_seeds "$tmp/docs" "$tmp/idx" 000_ 001_

# run_serve ARGS...: a serve that must exit by itself (option errors);
# stderr in $tmp/err, status in $rc.
run_serve() {
    rc=0
    timeout 20 "$NSEARCH" serve "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# --- refusals at start ---------------------------------------------------------
run_serve -d "$tmp/idx" --listen 0.0.0.0:0
[ "$rc" -eq 2 ] || fail "public address without a token: exit $rc"
grep -q "not a loopback address" "$tmp/err" || fail "public address message: $(cat "$tmp/err")"
run_serve -d "$tmp/idx" --listen '[::]:0'
[ "$rc" -eq 2 ] || fail "public IPv6 address without a token: exit $rc"
run_serve -d "$tmp/idx" --token short
[ "$rc" -eq 2 ] && grep -q "16 to 512" "$tmp/err" || fail "short token accepted"
run_serve -d "$tmp/idx" --token "$(printf 'x%.0s' $(seq 20)) y"
[ "$rc" -eq 2 ] || fail "token with a space accepted"
for args in "--threads 0" "--threads x" "--max-per-client 0" "--timeout 0" \
    "--max-connections 0" "--max-connections 100001" "--request-timeout 0" "--request-timeout x" "--listen nope" \
    "--listen 1.2.3.4:99999" "--listen [::1]8080" "--bogus" "--listen" "extra-word" "--cors="; do
    # shellcheck disable=SC2086
    run_serve -d "$tmp/idx" $args
    [ "$rc" -eq 2 ] || fail "serve $args: exit $rc"
    grep -q "^nsearch serve: " "$tmp/err" || fail "serve $args: message: $(cat "$tmp/err")"
done
run_serve -d "$tmp/nowhere"
[ "$rc" -eq 2 ] && grep -q "no index at" "$tmp/err" || fail "missing index: $rc $(cat "$tmp/err")"
run_serve --help
[ "$rc" -eq 0 ] && grep -q -- "--listen ADDR" "$tmp/out" || fail "--help"
NSEARCH_INDEX="$tmp/idx" run_serve --listen 127.0.0.1:0 --token-file "$tmp/missing"
[ "$rc" -eq 2 ] || fail "missing token file: exit $rc"

# --- a public address with --insecure-public binds (only loopback is used) -----
start_server public -d "$tmp/idx" --listen 0.0.0.0:0 --insecure-public
req "$base/health"
expect_code 200 "health on 0.0.0.0"
grep -q "serving on http://0.0.0.0:$port/" "$srv_log" || fail "wildcard URL"
stop_server

# --- the bearer token ------------------------------------------------------------
token=0123456789abcdef-token-for-T630
printf '%s\n' "$token" >"$tmp/token"
start_server token -d "$tmp/idx" --token-file "$tmp/token"
for path in "/search?q=sever" "/stats" "/doc/x"; do
    req "$base$path"
    expect_code 401 "$path without a token"
    [ "$(header WWW-Authenticate)" = 'Bearer realm="nsearch"' ] || fail "401 challenge"
    json_check 'd["error"] == "unauthorized"'
    req -H "Authorization: Bearer ${token}x" "$base$path"
    expect_code 401 "$path with a longer token"
    req -H "Authorization: Bearer ${token%?}" "$base$path"
    expect_code 401 "$path with a shorter token"
    req -H "Authorization: Basic $token" "$base$path"
    expect_code 401 "$path with another scheme"
done
req -H "Authorization: Bearer $token" "$base/search?q=sever+relations"
expect_code 200 "search with the token"
json_check 'd["total"] == 2'
req -H "Authorization: bearer $token" "$base/stats"
expect_code 200 "the scheme is case-insensitive"
req "$base/"
expect_code 200 "the page needs no token"
req "$base/health"
expect_code 200 "health needs no token"
req -X OPTIONS "$base/search"
expect_code 204 "preflight needs no token"
if grep -q "$token" "$srv_log"; then fail "the token is in the log"; fi
stop_server

# --- CORS -----------------------------------------------------------------------
start_server cors -d "$tmp/idx" --cors https://example.org
req -H "Origin: https://example.org" "$base/search?q=sever"
expect_code 200 "CORS search"
[ "$(header Access-Control-Allow-Origin)" = "https://example.org" ] || fail "ACAO"
[ "$(header Vary)" = "Origin" ] || fail "Vary: Origin"
req -X OPTIONS -H "Origin: https://example.org" -H "Access-Control-Request-Method: GET" \
    -H "Access-Control-Request-Headers: authorization" "$base/search"
expect_code 204 "preflight"
[ "$(header Access-Control-Allow-Methods)" = "GET, HEAD, OPTIONS" ] || fail "preflight methods"
[ "$(header Access-Control-Allow-Headers)" = "Authorization" ] || fail "preflight headers"
stop_server

# --- --quiet: no access log, still the start line ---------------------------------
start_server quiet -d "$tmp/idx" --quiet --threads 1
req "$base/search?q=sever"
expect_code 200 "quiet search (one thread)"
stop_server
if grep -q "GET /search" "$srv_log"; then fail "--quiet still logs requests"; fi

# --- IPv6 loopback, when the machine has it --------------------------------------
if "$py" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    start_server v6 -d "$tmp/idx" --listen '[::1]:0'
    [ "$base" = "http://[::1]:$port" ] || fail "IPv6 URL: $base"
    req -g "$base/health"
    expect_code 200 "IPv6 health"
    stop_server
fi
echo "T630 ok"
