#!/usr/bin/env bash
# T250-two-writers: while nindex writes (a commit every 5 documents, so it
# commits and merges all the time), the index is taken from under it at a
# random moment, as users do:
#   lock    rm -f idx/LOCK, then a second nindex on idx
#   rmrf    rm -rf idx, then a second nindex builds idx anew
#   mv      mv idx idx.old, then a second nindex builds idx anew
# Then, whatever the timing:
#   - the first writer exits 0 (it was done before the change), or exits 1
#     with a message saying its folder or LOCK changed "while this writer
#     ran", and no other error;
#   - the second writer exits 0 and idx holds exactly the whole input:
#     `nindex --check --full` passes, nsearch answers;
#   - idx.old (mv), where it has a COMMIT, checks clean and holds the first m
#     documents of the input, m a commit boundary of the first writer: it
#     stopped at its last commit before the move, and nothing of it went into
#     the new idx.
# NS_RACE_RUNS (default 4) runs per scenario; NS_RACE_SEED the delays' seed.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T250 NINDEX NSEARCH NS_SHARED_DIR

python3 - "$NINDEX" "$NSEARCH" "$tmp" "$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl" \
    "${NS_RACE_RUNS:-4}" "${NS_RACE_SEED:-250}" <<'EOF'
import json, os, random, shutil, subprocess, sys, time

nindex, nsearch, tmp, corpus, runs, seed = sys.argv[1:7]
runs, seed = int(runs), int(seed)
K = 5  # --commit-every
lines = open(corpus, encoding="utf-8").readlines()[:400]
corpus = os.path.join(tmp, "docs.jsonl")
open(corpus, "w", encoding="utf-8").writelines(lines)
ids = [json.loads(line)["id"] for line in lines]
total = len(ids)
pos = {d: i for i, d in enumerate(ids)}
idx = os.path.join(tmp, "idx")
old = idx + ".old"
cmd = [nindex, "--progress=never", f"--commit-every={K}", "-d", idx, corpus]
rng = random.Random(seed)
NAMED = "while this writer ran"

def fail(msg):
    sys.exit(f"FAIL: {msg} (seed {seed})")

def live_ids(d, what):
    """Checks d fully and returns its live ids (None: no COMMIT there)."""
    if not os.path.exists(os.path.join(d, "COMMIT")):
        return None
    c = subprocess.run([nindex, "--check", "--full", "-d", d], capture_output=True, text=True)
    if c.returncode != 0:
        shutil.copytree(d, os.path.join(os.environ.get("NS_TMPDIR", "/tmp"), "T250-failed"),
                        dirs_exist_ok=True)
        fail(f"{what}: nindex --check exit {c.returncode}: {c.stderr.strip()}")
    s = subprocess.run([nsearch, "-d", d, "the"], capture_output=True)
    if s.returncode not in (0, 1):
        fail(f"{what}: nsearch exit {s.returncode}: {s.stderr!r}")
    l = subprocess.run([nindex, "--list-ids", "-d", d], capture_output=True, text=True)
    if l.returncode != 0:
        fail(f"{what}: nindex --list-ids exit {l.returncode}: {l.stderr.strip()}")
    return l.stdout.split("\n")[:-1]

def rm_rf(d):
    # the first writer may create a file while rm runs: try again
    for _ in range(50):
        r = subprocess.run(["rm", "-rf", d], capture_output=True)
        if r.returncode == 0 and not os.path.exists(d):
            return
        time.sleep(0.01)
    fail(f"could not remove {d}")

# how long one uninterrupted run takes, to spread the changes over it
t0 = time.monotonic()
subprocess.run(cmd, check=True, capture_output=True)
full_run = time.monotonic() - t0
if sorted(live_ids(idx, "uninterrupted run")) != sorted(ids):
    fail("an uninterrupted run did not index everything")

counts = {}
for scenario in ("lock", "rmrf", "mv"):
    hit = done = 0
    for run in range(runs):
        for d in (idx, old):
            if os.path.exists(d):
                rm_rf(d)
        p1 = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.05, 0.8) * full_run)
        if p1.poll() is None:
            hit += 1
        else:
            done += 1
        if scenario == "lock":
            try:
                os.unlink(os.path.join(idx, "LOCK"))
            except FileNotFoundError:
                pass
        elif scenario == "rmrf":
            rm_rf(idx)
        else:
            if os.path.exists(idx):
                os.rename(idx, old)
        p2 = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        err1 = p1.communicate(timeout=60)[1]
        what = f"{scenario} run {run + 1}"
        # the first writer: done before the change, or stopped naming it
        if p1.returncode not in (0, 1):
            fail(f"{what}: first writer exit {p1.returncode}: {err1.strip()}")
        if p1.returncode == 1 and NAMED not in err1:
            fail(f"{what}: first writer failed without naming the change: {err1.strip()}")
        # the second writer: a whole, sound index at the path
        if p2.returncode != 0:
            fail(f"{what}: second writer exit {p2.returncode}: {p2.stderr.strip()}")
        live = live_ids(idx, what + ", idx")
        if live is None or sorted(live) != sorted(ids):
            fail(f"{what}: idx does not hold exactly the {total} documents")
        if scenario == "mv" and os.path.exists(old):
            live = live_ids(old, what + ", idx.old")
            if live is not None:
                m = len(live)
                if sorted(pos.get(d, -1) for d in live) != list(range(m)):
                    fail(f"{what}: idx.old's {m} live documents are not the first {m}")
                if m % K and m != total:
                    fail(f"{what}: idx.old holds {m} documents, not a commit boundary")
        counts[scenario] = (hit, done)
for s, (hit, done) in counts.items():
    print(f"{s}: {hit + done} runs, all clean; the first writer was running at the change "
          f"in {hit}, done before it in {done}")
EOF
