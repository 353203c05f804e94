#!/usr/bin/env bash
# T130-corrupt: a damaged index gives exit status 3 and a message naming the
# damaged file, whether the damage shows when opening or when searching.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T130 NINDEX NSEARCH NS_SHARED_DIR

"$NINDEX" -d "$tmp/idx" "$NS_SHARED_DIR/corpora/seeds/"*.txt >"$tmp/index.log" 2>&1 \
    || fail "nindex failed: $(cat "$tmp/index.log")"
ns -d "$tmp/idx" sever
[ "$rc" -eq 0 ] || fail "the intact index: exit $rc"

# A truncated COMMIT file.
cp -r "$tmp/idx" "$tmp/c1"
truncate -s 12 "$tmp/c1/COMMIT"
for mode in "" --json; do
    ns -d "$tmp/c1" $mode sever
    [ "$rc" -eq 3 ] || fail "truncated COMMIT ${mode:-text}: exit $rc, expected 3"
    grep -q "^nsearch: .*COMMIT" "$tmp/err" || fail "the message does not name COMMIT"
done

# A segment cut in half.
cp -r "$tmp/idx" "$tmp/c2"
seg=$(ls -S "$tmp/c2"/seg-*.nss | head -n 1)
truncate -s $(($(stat -c %s "$seg") / 2)) "$seg"
ns -d "$tmp/c2" sever relations
[ "$rc" -eq 3 ] || fail "truncated segment: exit $rc, expected 3"
grep -q "^nsearch: .*$(basename "$seg")" "$tmp/err" || fail "the message does not name $(basename "$seg")"

# A batch stops at corruption with status 3.
printf 'a\tsever\nb\trelations\n' >"$tmp/q.tsv"
ns -d "$tmp/c2" --queries "$tmp/q.tsv" --trec t
[ "$rc" -eq 3 ] || fail "batch on a truncated segment: exit $rc, expected 3"

echo "T130-corrupt: ok"
