#!/usr/bin/env bash
# T660-serve-slow: slow clients cannot starve nsearch serve. Connections that
# dribble a request byte by byte are closed at the request deadline
# (--request-timeout), whatever they send; while they fill the pool
# (--max-connections), /health is answered from the reserve and other
# endpoints say 503; --max-per-client refuses a client's connection past the
# limit at once. Bounded: about 15 s.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T660 NINDEX NSEARCH NS_SHARED_DIR

index_seeds "$tmp/docs" "$tmp/idx" 000_ 001_

# --- slowloris: 40 connections from 4 addresses, one byte a second ----------------
# The pool holds 24; the 16 others are refused at once (their clients already
# hold connections, so the reserve is not theirs). A probe from 127.0.0.1
# reaches /health through the reserve; every slow connection is closed about
# 4 s after it opened.
start_server slow -d "$tmp/idx" --max-connections 24 --max-per-client 100 --request-timeout 4 \
    --timeout 60
"$py" - "$port" >"$tmp/out" <<'PY' || fail "slowloris run"
import json, socket, sys, time

port = int(sys.argv[1])
NSLOW, KEYS, PROBES = 40, 4, 8


def connect(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def get(path, src="127.0.0.1"):
    t0 = time.monotonic()
    s = connect(src)
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % path).encode())
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except OSError:
            break
        if not b:
            break
        data += b
    s.close()
    code = int(data.split(b" ")[1]) if data.startswith(b"HTTP/") else 0
    return code, time.monotonic() - t0


t_open = time.monotonic()
slow = []
for i in range(NSLOW):
    s = connect("127.0.0.%d" % (2 + i % KEYS))
    s.setblocking(False)
    s.send(b"G")
    slow.append([s, None])
rest = b"ET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 10000
pos, codes, worst, busy, last = 0, [], 0.0, None, 0.0
while time.monotonic() - t_open < 20:
    now = time.monotonic()
    for e in slow:
        if e[1] is not None:
            continue
        try:
            e[0].recv(100)  # end of file, or an answer: either ends it
            e[1] = now - t_open
        except BlockingIOError:
            try:
                e[0].send(rest[pos : pos + 1])
            except OSError:
                e[1] = now - t_open
        except OSError:
            e[1] = now - t_open
    pos += 1
    # Probes start once the pool is full: the 16 connections past it refused.
    refused = sum(1 for e in slow if e[1] is not None)
    if len(codes) < PROBES and refused >= NSLOW - 24 and now - last > 0.3:
        code, took = get("/health")
        codes.append(code)
        worst = max(worst, took)
        last = time.monotonic()
        if busy is None:
            busy = get("/search?q=sever", "127.0.0.6")[0]
    if len(codes) >= PROBES and all(e[1] is not None for e in slow):
        break
    time.sleep(0.25)
closed = sorted(e[1] if e[1] is not None else 99.0 for e in slow)
print(json.dumps({"probes": codes, "worst_probe_s": round(worst, 3), "search_while_full": busy,
                  "held": sum(1 for c in closed if c >= 2.5), "closed_at": [round(c, 1) for c in closed],
                  "after": get("/search?q=sever")[0]}))
PY
cat "$tmp/out"
"$py" - "$tmp/out" <<'PY' || fail "slowloris: $(cat "$tmp/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["probes"] == [200] * 8, "every /health probe is answered"
assert d["worst_probe_s"] < 2.0, "each within 2 s"
assert d["search_while_full"] == 503, "the reserve serves /health only"
assert d["held"] == 24, "the pool held 24 slow connections for a while"
assert max(d["closed_at"]) < 12, "every slow connection closed by the deadline (4 s)"
assert min(c for c in d["closed_at"] if c >= 2.5) >= 3.5, "not before the deadline"
assert d["after"] == 200, "the pool is free again"
PY
grep -q "closed 24 connections that did not send a whole request in time\|closed [0-9]* connection" \
    "$srv_log" || fail "no log line for the closed connections"
stop_server

# --- --max-per-client: per address (IPv4), per /64 (IPv6) ----------------------------
start_server perclient -d "$tmp/idx" --max-per-client 3
"$py" - "$port" >"$tmp/out" <<'PY' || fail "per-client: $(cat "$tmp/out")"
import socket, sys, time

port = int(sys.argv[1])


def refused(family, src, dst):
    s = socket.socket(family)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((dst, port))
    try:
        return s.recv(100) == b""  # closed at once, no answer
    except socket.timeout:
        return False  # still open
    except OSError:
        return True
    finally:
        s.close()


def health(family, src, dst):
    s = socket.socket(family)
    s.bind((src, 0))
    s.settimeout(10)
    s.connect((dst, port))
    s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
    data = s.recv(100)
    s.close()
    return data.split(b" ")[1] == b"200"


def served(s):  # one request on a kept-alive connection: the server holds it
    s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    return s.recv(100).startswith(b"HTTP/1.1 200")


held = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    assert served(s), "one of the first 3 connections from 127.0.0.2"
    held.append(s)
assert refused(socket.AF_INET, "127.0.0.2", "127.0.0.1"), "a 4th connection from 127.0.0.2"
assert health(socket.AF_INET, "127.0.0.3", "127.0.0.1"), "another address is served"
print("ok")
PY
stop_server

# IPv6 (when the machine has it): ::1 is counted with its /64, ::/64.
if "$py" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    start_server perclient6 -d "$tmp/idx" --max-per-client 2 --listen '[::1]:0'
    "$py" - "$port" >"$tmp/out" <<'PY' || fail "per-client IPv6: $(cat "$tmp/out")"
import socket, sys, time

port = int(sys.argv[1])
held = [socket.create_connection(("::1", port), timeout=10) for _ in range(2)]
for h in held:
    h.sendall(b"GET /health HTTP/1.1\r\nHost: [::1]\r\n\r\n")
    assert h.recv(100).startswith(b"HTTP/1.1 200"), "one of the first 2 from ::1"
s = socket.create_connection(("::1", port), timeout=5)
try:
    assert s.recv(100) == b"", "a 3rd connection from ::1 is answered"
except socket.timeout:
    raise SystemExit("a 3rd connection from ::1 stays open")
except ConnectionResetError:
    pass
print("ok")
PY
    stop_server
fi
echo "T660 ok"
