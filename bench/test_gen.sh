#!/usr/bin/env bash
# bench/test_gen.sh GEN SHARED_DIR — checks of bench/gen (CTest: bench.gen):
# same seed and inputs give the same bytes, another seed other bytes, N lines
# of {"id","title","body"}, and bad arguments are refused with status 2.
set -euo pipefail
gen=$1 corp=$2/corpora
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
in=("$corp/cranfield/docs.jsonl" "$corp/cisi/docs.jsonl")
fail() { echo "FAIL: $*" >&2; exit 1; }

"$gen" --n 500 --seed 42 --out "$tmp/a.jsonl" "${in[@]}" 2>/dev/null
"$gen" --n 500 --seed 42 "${in[@]}" >"$tmp/b.jsonl" 2>/dev/null
"$gen" --n 500 --seed 43 --out "$tmp/c.jsonl" "${in[@]}" 2>/dev/null
cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl" || fail "same seed, different output"
cmp -s "$tmp/a.jsonl" "$tmp/c.jsonl" && fail "another seed, same output"
[[ $(wc -l <"$tmp/a.jsonl") == 500 ]] || fail "not 500 lines"
bad=$(grep -cvE '^\{"id":"syn-[0-9]{7}","title":"([^"\\]|\\.)*","body":"([^"\\]|\\.)+"\}$' "$tmp/a.jsonl" || true)
[[ $bad == 0 ]] || fail "$bad lines are not {id,title,body} objects"
[[ $(head -1 "$tmp/a.jsonl") == '{"id":"syn-0000001",'* ]] || fail "first id"
[[ $(tail -1 "$tmp/a.jsonl") == '{"id":"syn-0000500",'* ]] || fail "last id"

for args in "" "--n 0 ${in[0]}" "--n 5" "--n x ${in[0]}" "--n 5 --seed -1 ${in[0]}" \
    "--n 5 --backoff 1.5 ${in[0]}" "--n 5 --bogus ${in[0]}" "--n 5 $tmp/missing.jsonl" \
    "--n 5 --out $tmp/no/such/dir/x ${in[0]}"; do
    rc=0
    # shellcheck disable=SC2086
    "$gen" $args >/dev/null 2>"$tmp/err" || rc=$?
    [[ $rc == 2 && -s $tmp/err ]] || fail "gen $args: status $rc, message '$(cat "$tmp/err")'"
done
echo "bench/gen: ok"
