#!/usr/bin/env bash
# T510-kill: SIGKILL nindex at random moments while it indexes a corpus with
# small commits and merges (tiered merges plus --optimize at the end of each
# run), then, before anything else touches the index:
#   nindex --check --full   passes (or there is no index yet: killed before
#                           the first commit);
#   the live document ids   are exactly the first m documents of the input,
#                           where m is a commit boundary of the run that was
#                           killed (a multiple of --commit-every past where it
#                           started, or everything) and never less than the
#                           previous survivor: an acknowledged document is
#                           never lost, a half batch never shows;
#   nsearch                 answers.
# Every other run uses -j 2 (worker threads write the segments), the others
# -j 1. The next run starts from the survivor (like a user re-running nindex); a
# finished index starts over empty.
# NS_KILLS (default 50) sets the number of kills; tests/long/kill.sh runs many.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T510 NINDEX NSEARCH NS_SHARED_DIR

python3 - "$NINDEX" "$NSEARCH" "$tmp" "$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl" \
    "${NS_KILLS:-50}" "${NS_KILL_SEED:-510}" <<'EOF'
import json, os, random, shutil, signal, subprocess, sys, time

nindex, nsearch, tmp, corpus, kills, seed = sys.argv[1:7]
kills, seed = int(kills), int(seed)
K = 5  # --commit-every
# the first 500 articles keep one uninterrupted run around a second
lines = open(corpus, encoding="utf-8").readlines()[:500]
corpus = os.path.join(tmp, "docs.jsonl")
open(corpus, "w", encoding="utf-8").writelines(lines)
ids = [json.loads(line)["id"] for line in lines]
total = len(ids)
pos = {d: i for i, d in enumerate(ids)}
idx = os.path.join(tmp, "idx")
cmd = [nindex, "-q", "--progress=never", f"--commit-every={K}", "--optimize", "-d", idx, corpus]
# every other run writes its segments on worker threads (-j 2), the others
# on nindex's own (-j 1)
def jobs(n):
    return cmd[:1] + [f"-j{1 + n % 2}"] + cmd[1:]
rng = random.Random(seed)
start = time.monotonic()

def fail(msg):
    sys.exit(f"FAIL: {msg} (seed {seed})")

def survivors():
    """Number m of documents committed, checking every invariant."""
    if not os.path.exists(os.path.join(idx, "COMMIT")):
        return 0
    c = subprocess.run([nindex, "--check", "--full", "-d", idx], capture_output=True, text=True)
    if c.returncode != 0:
        shutil.copytree(idx, os.path.join(os.environ.get("NS_TMPDIR", "/tmp"), "T510-failed"),
                        dirs_exist_ok=True)
        fail(f"nindex --check exit {c.returncode}: {c.stderr.strip()}")
    s = subprocess.run([nsearch, "-d", idx, "the"], capture_output=True)
    if s.returncode not in (0, 1):
        fail(f"nsearch exit {s.returncode}: {s.stderr!r}")
    l = subprocess.run([nindex, "--list-ids", "-d", idx], capture_output=True, text=True)
    if l.returncode != 0:
        fail(f"nindex --list-ids exit {l.returncode}: {l.stderr.strip()}")
    live = l.stdout.split("\n")[:-1]
    m = len(live)
    if sorted(pos.get(d, -1) for d in live) != list(range(m)):
        fail(f"the {m} live documents are not the first {m} of the input")
    return m

# how long an uninterrupted run takes, to spread the kills over it
t0 = time.monotonic()
subprocess.run(jobs(0), check=True)
full_run = time.monotonic() - t0
if survivors() != total:
    fail("an uninterrupted run did not index everything")
shutil.rmtree(idx)

m = 0
killed = completed = 0
boundaries = 0
while killed < kills:
    base = m
    p = subprocess.Popen(jobs(killed + completed), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    delay = rng.uniform(0, full_run * (1.1 - base / total))
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
    if p.returncode == -signal.SIGKILL:
        killed += 1
    elif p.returncode == 0:
        completed += 1
    else:
        fail(f"nindex exit {p.returncode}: {p.stderr.read()!r}")
    p.stderr.close()
    m = survivors()
    if m < base:
        fail(f"{base - m} committed documents lost (had {base}, now {m})")
    if m != total and (m - base) % K:
        fail(f"a partial batch is visible: {m - base} documents since {base}, batches of {K}")
    boundaries += m > base
    if m == total:
        shutil.rmtree(idx)
        m = 0

print(f"T510: {killed} kills survived ({completed} runs finished first, "
      f"{boundaries} runs committed more), full run {full_run:.2f} s, "
      f"{time.monotonic() - start:.0f} s in all")
EOF
echo "T510-kill: ok"
