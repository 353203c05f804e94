#!/usr/bin/env bash
# T100-seeds: nsearch on the five seed articles. Which documents match, the
# text and JSON outputs, highlights, colour rules, exit codes and errors.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T100 NINDEX NSEARCH NS_SHARED_DIR

# Runs nsearch on a pseudo-terminal (stdout, stderr and stdin), all output
# in $tmp/out, status in $rc. Extra environment comes as NAME=VALUE words
# before "--".
ns_tty() {
    rc=0
    python3 - "$tmp/out" "$NSEARCH" "$@" <<'EOF' || rc=$?
import os, pty, subprocess, sys
out, prog, args = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ)
env.pop("NO_COLOR", None)
env["TERM"] = "xterm"
env["COLUMNS"] = "100"
while args and args[0] != "--":
    k, v = args.pop(0).split("=", 1)
    env[k] = v
args.pop(0)
m, s = pty.openpty()
p = subprocess.Popen([prog] + args, stdin=s, stdout=s, stderr=s, env=env)
os.close(s)
data = b""
while True:
    try:
        chunk = os.read(m, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
os.close(m)
open(out, "wb").write(data)
sys.exit(p.wait())
EOF
}

seeds="$NS_SHARED_DIR/corpora/seeds"
mkdir "$tmp/docs"
cp "$seeds"/*.txt "$tmp/docs/"
"$NINDEX" -d "$tmp/idx" "$tmp/docs" >"$tmp/index.log" 2>&1 || fail "nindex failed: $(cat "$tmp/index.log")"
idx="$tmp/idx"

# --- JSON: exactly the four seeds, well-formed lines, true highlights -------
ns -d "$idx" --json "sever relations"
expect_rc 0 "sever relations has hits"
python3 - "$tmp/out" "$tmp/docs" 000_ 001_ 002_ 004_ <<'EOF' || fail "JSON of 'sever relations'"
import json, os, sys
path, docs, want = sys.argv[1], sys.argv[2], set(sys.argv[3:])
lines = open(path, "rb").read().decode("utf-8").splitlines()
hit_keys = ["rank", "id", "score", "title", "url", "date", "fields", "snippet", "highlights", "type"]
sum_keys = ["query", "total", "total_exact", "returned", "elapsed_us", "snippet_us", "type"]
objs = [json.loads(l, object_pairs_hook=lambda kv: kv) for l in lines]
hits, summary = objs[:-1], dict(objs[-1])
assert [k for k, _ in objs[-1]] == sum_keys, objs[-1]
got = set()
words = {"sever", "severed", "severance", "relations"}
prev = None
for i, kv in enumerate(hits):
    # "date" is there only when the document has a date (a date field)
    assert [k for k, _ in kv] in (hit_keys, [k for k in hit_keys if k != "date"]), kv
    h = dict(kv)
    assert h["type"] == "hit" and h["rank"] == i + 1, h
    assert prev is None or h["score"] <= prev, (prev, h["score"])
    prev = h["score"]
    ident = h["id"]
    # The id of a file is its absolute path.
    name = os.path.basename(ident)
    assert os.path.isabs(ident) and name in os.listdir(docs), ident
    assert os.path.samefile(ident, os.path.join(docs, name)), ident
    got.add(name[:4])
    snip = h["snippet"].encode("utf-8")
    assert h["highlights"], "no highlight in %s" % ident
    end = 0
    for s, e in h["highlights"]:
        assert end <= s < e <= len(snip), (s, e, len(snip))
        end = e
        w = snip[s:e].decode("utf-8").lower()
        assert w in words, "highlight %r in %s" % (w, ident)
assert got == want, got
assert summary["total"] == 4 and summary["total_exact"] is True, summary
assert summary["returned"] == 4 and summary["type"] == "summary", summary
assert isinstance(summary["elapsed_us"], int) and summary["elapsed_us"] >= 0, summary
assert isinstance(summary["snippet_us"], int) and summary["snippet_us"] >= 0, summary
assert "sever" in summary["query"] and "relat" in summary["query"], summary
EOF
cp "$tmp/out" "$tmp/hits.json"

# --any: the fifth seed (relations only) joins.
ns -d "$idx" --any --json "sever relations"
expect_rc 0 "--any has hits"
python3 - "$tmp/out" <<'EOF' || fail "--any should return all five seeds"
import json, os, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
got = sorted(os.path.basename(o["id"])[:4] for o in objs[:-1])
assert got == ["000_", "001_", "002_", "003_", "004_"], got
assert objs[-1]["total"] == 5, objs[-1]
EOF

# --- text output when piped: no colour, [ ] around the highlights ----------
ns -d "$idx" "sever" "relations"
expect_rc 0 "words joined into one query"
LC_ALL=C grep -q $'\033' "$tmp/out" && fail "escape sequences in piped output"
python3 - "$tmp/out" "$tmp/hits.json" <<'EOF' || fail "piped text output"
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
hits = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")][:-1]
for h in hits:
    assert h["id"] in text or h["url"] in text, h["id"]
    snip = h["snippet"].encode("utf-8")
    for s, e in h["highlights"]:
        w = snip[s:e].decode("utf-8")
        assert "[" + w + "]" in text, "highlight [%s] missing" % w
for rank in range(1, 5):
    assert re.search(r"^\s*%d\. " % rank, text, re.M), "rank %d" % rank
last = text.rstrip("\n").split("\n")[-1]
assert re.match(r"^4 of 4 matches \u00b7 [0-9.]+ m?s$", last), last
EOF

ns -d "$idx" --color=never "sever relations"
expect_rc 0 "--color=never"
grep -q '\[' "$tmp/out" || fail "--color=never must bracket highlights"
LC_ALL=C grep -q $'\033' "$tmp/out" && fail "--color=never wrote escapes"

# --- colour --------------------------------------------------------------
ns -d "$idx" --color=always "sever relations"
expect_rc 0 "--color=always"
LC_ALL=C grep -q $'\033\\[' "$tmp/out" || fail "--color=always wrote no SGR sequence"
python3 - "$tmp/out" <<'EOF' || fail "every coloured line must end reset"
import re, sys
for line in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    seqs = re.findall(r"\x1b\[[0-9;]*m", line)
    assert "\x1b" not in re.sub(r"\x1b\[[0-9;]*m", "", line), repr(line)
    assert not seqs or seqs[-1] == "\x1b[0m", repr(line)
EOF

ns_tty -- -d "$idx" "sever relations"
expect_rc 0 "on a terminal"
LC_ALL=C grep -q $'\033\\[' "$tmp/out" || fail "no colour on a terminal"
ns_tty NO_COLOR=1 -- -d "$idx" "sever relations"
expect_rc 0 "NO_COLOR on a terminal"
LC_ALL=C grep -q $'\033' "$tmp/out" && fail "NO_COLOR=1 still coloured"
grep -q '\[' "$tmp/out" || fail "NO_COLOR=1 must bracket highlights"
ns_tty NO_COLOR= -- -d "$idx" "sever relations"
LC_ALL=C grep -q $'\033\\[' "$tmp/out" || fail "an empty NO_COLOR must not disable colour"
ns_tty NO_COLOR=1 -- -d "$idx" --color=always "sever relations"
LC_ALL=C grep -q $'\033\\[' "$tmp/out" || fail "--color=always must win over NO_COLOR"
ns_tty -- -d "$idx" --json "sever relations"
LC_ALL=C grep -q $'\033' "$tmp/out" && fail "JSON must never be coloured"

# --- paging -------------------------------------------------------------
ns -d "$idx" --json -n 2 "sever relations"
expect_rc 0 "-n 2"
python3 - "$tmp/out" "$tmp/hits.json" 1 <<'EOF' || fail "-n 2"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
full = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")][:-1]
first = int(sys.argv[3])
assert [h["rank"] for h in got[:-1]] == [first, first + 1], got
assert [h["id"] for h in got[:-1]] == [h["id"] for h in full[first - 1:first + 1]]
assert got[-1]["returned"] == 2 and got[-1]["total"] == 4, got[-1]
EOF
ns -d "$idx" --json -n 2 --offset 2 "sever relations"
expect_rc 0 "--offset 2"
python3 - "$tmp/out" "$tmp/hits.json" 3 <<'EOF' || fail "-n 2 --offset 2"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
full = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")][:-1]
first = int(sys.argv[3])
assert [h["rank"] for h in got[:-1]] == [first, first + 1], got
assert [h["id"] for h in got[:-1]] == [h["id"] for h in full[first - 1:first + 1]]
EOF

# --- no hits, errors ---------------------------------------------------------
ns -d "$idx" "xylophonequartz"
expect_rc 1 "a query without hits"
grep -q "no matches" "$tmp/out" || fail "no-hit summary"
ns -d "$idx" --json "xylophonequartz"
expect_rc 1 "a JSON query without hits"
python3 - "$tmp/out" <<'EOF' || fail "no-hit JSON summary"
import json, sys
o = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(o) == 1 and o[0]["total"] == 0 and o[0]["returned"] == 0, o
EOF

ns -d "$idx" "(sever"
expect_rc 2 "a malformed query"
grep -Eq "^nsearch: query: .*unbalanced.* at [0-9]+" "$tmp/err" || fail "malformed query message"
[ -s "$tmp/out" ] && fail "a malformed query printed results"
ns_tty -- -d "$idx" "relations (sever"
expect_rc 2 "a malformed query on a terminal"
grep -q '\^' "$tmp/out" || fail "no caret under the error on a terminal"

ns -d "$idx" --literal "(sever"
expect_rc 0 "--literal takes '(' as text"

ns -d "$tmp/nothere" "sever"
expect_rc 2 "a missing index"
grep -q "no index at $tmp/nothere" "$tmp/err" || fail "missing index message"

ns -d "$idx"
expect_rc 2 "no query"
ns -d "$idx" --no-such-option x
expect_rc 2 "an unknown option"
grep -q "no-such-option" "$tmp/err" || fail "unknown option not named"
ns -d "$idx" -n lots x
expect_rc 2 "a bad -n"
ns -d "$idx" --color=sometimes x
expect_rc 2 "a bad --color"
ns --help
expect_rc 0 "--help"
grep -q NSEARCH_INDEX "$tmp/out" || fail "--help must document the default index"
grep -q "\.local/share/nsearch/index" "$tmp/out" || fail "--help must give the fallback index"
ns -V
expect_rc 0 "--version"
grep -Eq "^nsearch [0-9]+\.[0-9]+" "$tmp/out" || fail "--version"

# --- the default index location --------------------------------------------
rc=0
NSEARCH_INDEX="$idx" "$NSEARCH" "sever relations" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "\$NSEARCH_INDEX"
mkdir -p "$tmp/xdg/nsearch"
ln -s "$idx" "$tmp/xdg/nsearch/index"
rc=0
env -u NSEARCH_INDEX XDG_DATA_HOME="$tmp/xdg" "$NSEARCH" "sever relations" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "\$XDG_DATA_HOME/nsearch/index"
mkdir -p "$tmp/home/.local/share/nsearch"
ln -s "$idx" "$tmp/home/.local/share/nsearch/index"
rc=0
env -u NSEARCH_INDEX -u XDG_DATA_HOME HOME="$tmp/home" "$NSEARCH" "sever relations" \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "~/.local/share/nsearch/index"
rc=0
env -u NSEARCH_INDEX -u XDG_DATA_HOME HOME="$tmp/nohome" "$NSEARCH" "sever" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 2 "a missing default index"
grep -q "no index at $tmp/nohome/.local/share/nsearch/index" "$tmp/err" || fail "default path not named"

echo "T100-seeds: ok"
