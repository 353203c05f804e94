#!/usr/bin/env bash
# T500-corrupt-cli: damaged index files seen through the real tools.
# For every file of a small index (the seeds, three segments) and a sample of
# truncations and byte flips (the exhaustive sweep is tests/unit/test_corrupt):
#   nindex --check    exits 1 and names the damaged file, every time;
#   nsearch           exits 3 naming the file, or prints exactly what it
#                     printed on the intact index: never a wrong hit.
# Prints the counts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T500 NINDEX NSEARCH NS_SHARED_DIR

"$NINDEX" -q --no-merge --commit-every=2 -d "$tmp/idx" "$NS_SHARED_DIR/corpora/seeds/"*.txt \
    || fail "nindex failed"
"$NINDEX" -q -d "$tmp/idx" --delete "$NS_SHARED_DIR/corpora/seeds/002_8fc900d5885d7d82.txt" \
    || fail "nindex --delete failed"
"$NINDEX" --check --full -d "$tmp/idx" >"$tmp/check.out" || fail "intact index fails the check"
grep -q "ok: generation 4: 3 segments, 5 documents (4 live)" "$tmp/check.out" \
    || fail "unexpected summary: $(cat "$tmp/check.out")"
rc=0
"$NINDEX" --check -d "$tmp/none" 2>"$tmp/check.err" || rc=$?
[ "$rc" = 2 ] && grep -q "no index" "$tmp/check.err" \
    || fail "--check on no index: exit $rc, $(cat "$tmp/check.err")"

python3 - "$NINDEX" "$NSEARCH" "$tmp/idx" <<'EOF'
import os, random, re, subprocess, sys

nindex, nsearch, idx = sys.argv[1:4]
queries = [["sever", "relations"], ['"foreign ministry"'], ["--any", "russia", "washington"],
           ["mosc*"], ["--json", "title:russia"]]
files = sorted(f for f in os.listdir(idx) if f == "COMMIT" or f.startswith("seg-"))

def run(args):
    p = subprocess.run(args, capture_output=True, timeout=60)
    if p.returncode < 0 or p.returncode > 3:
        sys.exit(f"FAIL: {args} died with status {p.returncode}: {p.stderr[-500:]!r}")
    return p

def search(q):
    p = run([nsearch, "--color=never", "-d", idx] + q)
    # the only varying part of the output is how long the search took
    p.stdout = re.sub(rb"[0-9.]+ ms\n$|\"elapsed_us\":[0-9]+", b"", p.stdout)
    return p

ref = [search(q) for q in queries]
assert all(r.returncode == 0 for r in ref), "the intact index does not answer"

rng = random.Random(500)
counts = dict(cases=0, check=0, exit3=0, same=0, wrong=0)

def judge(name, what):
    counts["cases"] += 1
    c = run([nindex, "--check", "-d", idx])
    if c.returncode == 1 and name.encode() in c.stderr:
        counts["check"] += 1
    else:
        print(f"FAIL: {name} {what}: nindex --check exit {c.returncode}: {c.stderr!r}")
    for q, r in zip(queries, ref):
        s = search(q)
        if s.returncode == 3 and name.encode() in s.stderr:
            counts["exit3"] += 1
        elif s.returncode == r.returncode and s.stdout == r.stdout:
            counts["same"] += 1
        else:
            counts["wrong"] += 1
            print(f"FAIL: {name} {what}: nsearch {q} exit {s.returncode}: {s.stderr[-300:]!r}")

for name in files:
    path = os.path.join(idx, name)
    data = open(path, "rb").read()
    n = len(data)
    lengths = sorted({0, 1, 8, 31, 32, n // 2, max(n - 25, 0), max(n - 24, 0), n - 12, n - 1}
                     | {rng.randrange(n) for _ in range(6)})
    for ln in lengths:
        os.truncate(path, ln)
        judge(name, f"truncated to {ln}")
        with open(path, "r+b") as f:
            f.seek(ln)
            f.write(data[ln:])
    offs = sorted({0, 8, n - 1, n - 12, n - 20} | {rng.randrange(n) for _ in range(16)})
    for off in offs:
        with open(path, "r+b") as f:
            f.seek(off)
            f.write(bytes([data[off] ^ (1 << rng.randrange(8))]))
        judge(name, f"bit flip at {off}")
        with open(path, "r+b") as f:
            f.seek(off)
            f.write(data[off:off + 1])

print("T500: {cases} damaged indexes: nindex --check detected {check}; nsearch runs: "
      "{exit3} exit 3 naming the file, {same} identical to the intact index, {wrong} wrong"
      .format(**counts))
if counts["check"] != counts["cases"] or counts["wrong"]:
    sys.exit(1)
EOF
"$NINDEX" --check --full -d "$tmp/idx" >/dev/null || fail "the index was not restored"
echo "T500-corrupt-cli: ok"
