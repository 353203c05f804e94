#!/usr/bin/env bash
# T110-batch: nsearch --queries over the Cranfield collection. TREC run
# format, per-query ranks and scores, every query answered, stdin and JSON
# batches, and a batch that goes on past a query that fails.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T110 NINDEX NSEARCH NS_SHARED_DIR

cran="$NS_SHARED_DIR/corpora/cranfield"
idx="$tmp/idx"
"$NINDEX" -d "$idx" "$cran/docs.jsonl" >"$tmp/index.log" 2>&1 || fail "nindex failed: $(cat "$tmp/index.log")"

# Checks a TREC run: six fields, ranks 1.. per query, scores non-increasing,
# at most N hits, one block per query in file order, the docids exist, and
# the qids are exactly those expected (a file of "qid<TAB>text" lines, or
# explicit qids after it).
check_run() {
    python3 - "$@" <<'EOF'
import json, sys
run, tag, limit, docs, queries = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
want = sys.argv[6:] or [l.split("\t", 1)[0] for l in open(queries, encoding="utf-8") if l.strip()]
ids = {json.loads(l)["id"] for l in open(docs, encoding="utf-8")}
order, ranks, scores, seen = [], {}, {}, set()
for n, line in enumerate(open(run, encoding="utf-8"), 1):
    f = line.rstrip("\n").split(" ")
    assert len(f) == 6, "line %d: %r" % (n, line)
    qid, q0, docid, rank, score, t = f
    assert q0 == "Q0" and t == tag, "line %d: %r" % (n, line)
    assert docid in ids, "line %d: unknown docid %r" % (n, docid)
    if qid not in ranks:
        order.append(qid)
        ranks[qid], scores[qid] = [], []
    assert order[-1] == qid, "line %d: qid %s is not one block" % (n, qid)
    assert (qid, docid) not in seen, "line %d: %s twice for qid %s" % (n, docid, qid)
    seen.add((qid, docid))
    ranks[qid].append(int(rank))
    scores[qid].append(float(score))
for q in order:
    r, s = ranks[q], scores[q]
    assert r == list(range(1, len(r) + 1)), "qid %s ranks %r" % (q, r[:10])
    assert len(r) <= limit, "qid %s has %d hits" % (q, len(r))
    assert all(a >= b for a, b in zip(s, s[1:])), "qid %s scores rise" % q
assert order == want, "qids %r..., expected %r..." % (order[:5], want[:5])
print("%d queries, %d lines" % (len(order), sum(len(r) for r in ranks.values())))
EOF
}

# --- the Cranfield queries as a TREC run ----------------------------------
ns -d "$idx" --queries "$cran/queries.tsv" --trec T110run -n 100 --any
expect_rc 0 "the cranfield batch"
[ -s "$tmp/err" ] && fail "the cranfield batch wrote to stderr"
check_run "$tmp/out" T110run 100 "$cran/docs.jsonl" "$cran/queries.tsv" >/dev/null \
    || fail "the cranfield TREC run"
cp "$tmp/out" "$tmp/run.trec"

# The ranking is useful, not just well-formed: mean precision at 10 against
# the judgements (rel >= 1 is relevant). A sound BM25 is well above the
# floor; random or inverted rankings are near 0.01.
python3 - "$tmp/run.trec" "$cran/qrels.txt" <<'EOF' || fail "cranfield P@10"
import collections, sys
rel = collections.defaultdict(set)
for line in open(sys.argv[2]):
    q, _, d, r = line.split()
    if int(r) >= 1:
        rel[q].add(d)
top = collections.defaultdict(list)
for line in open(sys.argv[1]):
    q, _, d, rank, _, _ = line.split()
    if int(rank) <= 10:
        top[q].append(d)
p10 = [sum(d in rel[q] for d in top[q]) / 10 for q in rel]
mean = sum(p10) / len(p10)
print("P@10 = %.3f" % mean)
assert mean >= 0.15, "mean P@10 %.3f" % mean
EOF

# Standard input gives the same run.
rc=0
"$NSEARCH" -d "$idx" --queries - --trec T110run -n 100 --any <"$cran/queries.tsv" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--queries -"
cmp -s "$tmp/out" "$tmp/run.trec" || fail "--queries - differs from --queries FILE"

# JSON batch: "qid" first in every line, one summary per query.
ns -d "$idx" --queries "$cran/queries.tsv" --json -n 3
expect_rc 0 "a JSON batch"
python3 - "$tmp/out" "$cran/queries.tsv" <<'EOF' || fail "the JSON batch"
import json, sys
want = [l.split("\t", 1)[0] for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
summaries = []
for line in open(sys.argv[1], encoding="utf-8"):
    kv = json.loads(line, object_pairs_hook=lambda kv: kv)
    assert kv[0][0] == "qid", kv
    o = dict(kv)
    if "query" in o:
        assert [k for k, _ in kv] == ["qid", "query", "total", "total_exact", "returned",
                                      "elapsed_us", "snippet_us", "type"], kv
        assert o["type"] == "summary", kv
        summaries.append(o["qid"])
    else:
        assert [k for k, _ in kv][1:3] == ["rank", "id"], kv
        assert o["type"] == "hit", kv
        assert o["rank"] <= 3, o
assert summaries == want, summaries[:5]
EOF

# Text batch: each query's block ends with its summary line.
ns -d "$idx" --queries "$cran/queries.tsv" -n 2 --any
expect_rc 0 "a text batch"
n=$(grep -Ec '^(no matches|[0-9,]+ of (about )?[0-9,]+ match(es)?) ' "$tmp/out" || true)
[ "$n" -eq "$(grep -c . "$cran/queries.tsv")" ] || fail "text batch: $n summary lines"

# --- a batch with bad lines -------------------------------------------------
# Line 1 fine; 2 blank (skipped); 3 unbalanced (lenient parsing copes);
# 4 has more distinct words than a query may hold (fails, the batch goes on);
# 5 has no qid (its qid is the line number); 6 analyses to nothing (no hits,
# not an error); 7 fine.
python3 - "$tmp/bad.tsv" <<'EOF'
import itertools, string, sys
words = ("".join(p) for p in itertools.product(string.ascii_lowercase, repeat=3))
huge = " ".join("zq" + w for w in itertools.islice(words, 1500))
lines = ["a\tpressure distribution over a wing", "", "b\t((supersonic (flow \"around",
         "c\t" + huge, "heat transfer in laminar boundary layers", "d\t!!! ... ???",
         "e\tshock waves"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
ns -d "$idx" --queries "$tmp/bad.tsv" --trec bad -n 5 --any
expect_rc 2 "a batch with a failing query"
grep -q "^nsearch: query c: " "$tmp/err" || fail "the failing query is not reported by qid"
[ "$(grep -c . "$tmp/err")" -eq 1 ] || fail "only query c should fail"
check_run "$tmp/out" bad 5 "$cran/docs.jsonl" - a b 5 e >/dev/null || fail "the other queries must run"

# A malformed query alone in single-query mode is an error, but not in a batch.
printf 'x\t((supersonic flow\n' >"$tmp/one.tsv"
ns -d "$idx" --queries "$tmp/one.tsv" --trec t
expect_rc 0 "lenient batch parsing"
ns -d "$idx" "((supersonic flow"
expect_rc 2 "strict single-query parsing"

# An unreadable queries file.
ns -d "$idx" --queries "$tmp/none.tsv"
expect_rc 2 "a missing queries file"
grep -q "none.tsv" "$tmp/err" || fail "the missing queries file is not named"

echo "T110-batch: ok"
