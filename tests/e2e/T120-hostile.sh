#!/usr/bin/env bash
# T120-hostile: documents with control characters, escape sequences and
# invalid UTF-8 must not reach the terminal raw, and --json must stay valid.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T120 NINDEX NSEARCH

mkdir "$tmp/docs"
# Escape sequences (SGR, OSC title, clear screen), BEL, DEL, C1 CSI, a tab.
cat >"$tmp/docs/evil.jsonl" <<'EOF'
{"id": "evil", "title": "Evil \u001b[31mred\u001b]0;pwned\u0007 title\twith \u009b31m tab", "body": "They threaten to sever \u001b[2J\u001b[H all relations \u0001\u007f\u009b2J now. Second sentence about relations."}
EOF
# Invalid UTF-8: a stray continuation byte, a truncated sequence, 0xff.
printf 'Bad \xff\xfe title\nWe may sever \xc3\x28 relations \xe2\x82 and \x80 more \x1b[5m blink.\n' >"$tmp/docs/bad.txt"
"$NINDEX" -d "$tmp/idx" "$tmp/docs/evil.jsonl" "$tmp/docs/bad.txt" >"$tmp/index.log" 2>&1 \
    || fail "nindex failed: $(cat "$tmp/index.log")"
idx="$tmp/idx"

# Text output: strict UTF-8, no control character but the line breaks, and
# with colour no escape sequence other than SGR.
check_text() {
    python3 - "$tmp/out" "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")  # strict
if sys.argv[2] == "color":
    assert "\x1b[" in text, "no colour"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) < 0xa0]
assert not bad, "control characters %r" % sorted(set(bad))
EOF
}

ns -d "$idx" --any sever relations
[ "$rc" -eq 0 ] || fail "exit $rc"
check_text plain || fail "plain text output is not terminal-safe"
ns -d "$idx" --color=always --any sever relations
[ "$rc" -eq 0 ] || fail "exit $rc"
check_text color || fail "coloured text output is not terminal-safe"

ns -d "$idx" --json --any sever relations
[ "$rc" -eq 0 ] || fail "exit $rc"
python3 - "$tmp/out" <<'EOF' || fail "--json output is not valid"
import json, sys
raw = open(sys.argv[1], "rb").read()
assert all(b >= 0x20 for b in raw.replace(b"\n", b"")), "raw control bytes in JSON"
lines = raw.decode("utf-8").splitlines()  # strict: invalid UTF-8 was replaced
objs = [json.loads(l) for l in lines]
hits = objs[:-1]
assert len(hits) == 2, hits
for h in hits:
    snip = h["snippet"].encode("utf-8")
    assert h["highlights"], h
    for s, e in h["highlights"]:
        w = snip[s:e].decode("utf-8").lower()
        assert w in ("sever", "relations"), (w, h["snippet"])
EOF

# TREC lines keep six fields whatever the ids hold.
printf 'q 1\tsever\n' >"$tmp/q.tsv"
ns -d "$idx" --queries "$tmp/q.tsv" --trec tag
[ "$rc" -eq 0 ] || fail "exit $rc"
awk 'NF != 6 { exit 1 }' "$tmp/out" || fail "a TREC line without six fields"

echo "T120-hostile: ok"
