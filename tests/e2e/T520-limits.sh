#!/usr/bin/env bash
# T520-limits: each documented limit (nsearch.h NS_MAX_*, docs/reliability.md
# "Limits") on both sides of its boundary: at the limit it works, one past it
# there is a clear error naming the limit (or, for over-long words, the word
# is skipped and the words around it keep their positions). Every case must
# finish well within the hang guard and never crash.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T520 NINDEX NSEARCH

ns() { # ns ARGS...: nsearch on the test index, hang-guarded (not lib.sh's ns); sets rc
    rc=0
    timeout 20 "$NSEARCH" --color=never -d "$tmp/idx" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -le 3 ] || fail "nsearch died with status $rc"
}

expect() { # expect RC PATTERN WHAT
    [ "$rc" -eq "$1" ] || fail "$3: exit $rc, expected $1"
    [ -z "$2" ] || grep -q -- "$2" "$tmp/err" "$tmp/out" || fail "$3: no '$2' in the output"
}

mkdir "$tmp/docs"
w64=$(printf 'k%.0s' $(seq 64))  # NS_MAX_TERM_BYTES
w65=$(printf 'q%.0s' $(seq 65))
{
    echo "Limits"
    echo "alpha $w64 beta $w65 gamma"
    # 300 distinct words sharing the prefix "pre", for the expansion limit
    for i in $(seq 300); do printf 'pre%03d ' "$i"; done
    echo
} >"$tmp/docs/limits.txt"
# NS_MAX_DOC_BYTES: a sparse file one byte over 256 MiB costs no disk
truncate -s $((256 * 1024 * 1024 + 1)) "$tmp/docs/huge.txt"
rc=0
"$NINDEX" -d "$tmp/idx" "$tmp/docs" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect 0 "huge.txt.*larger than 256 MiB" "a document over NS_MAX_DOC_BYTES"

# NS_MAX_TERM_BYTES: a 64-byte word is indexed, a 65-byte one skipped, and
# the phrase across the skipped word keeps its gap
ns "$w64"
expect 0 "" "a word of NS_MAX_TERM_BYTES"
ns "$w65"
expect 1 "" "a word over NS_MAX_TERM_BYTES"
ns '"beta gamma"'
expect 1 "" "a phrase across a skipped word"
ns '"alpha '"$w64"' beta"'
expect 0 "" "a phrase with a word at the limit"

# NS_MAX_PREFIX_EXPANSIONS (256): 256 matching terms work, 300 do not
ns 'pre0*' # pre001..pre099: 99 terms
expect 0 "" "a prefix under the expansion limit"
ns 'pre*'
expect 2 "more than 256 terms" "a prefix over NS_MAX_PREFIX_EXPANSIONS"

# NS_MAX_QUERY_DEPTH (64)
q64="$(printf '(%.0s' $(seq 63))alpha$(printf ')%.0s' $(seq 63))"
ns "$q64"
expect 0 "" "nesting at NS_MAX_QUERY_DEPTH"
python3 -c "print('q\t' + '(' * 100000 + 'alpha' + ')' * 100000)" >"$tmp/deep.tsv"
ns --queries "$tmp/deep.tsv"
expect 2 "nesting deeper than 64" "nesting far over NS_MAX_QUERY_DEPTH"

# NS_MAX_QUERY_TERMS (1024)
python3 -c "print(' OR '.join(['alpha'] + ['t%d' % i for i in range(1023)]))" >"$tmp/q1024"
python3 -c "print(' OR '.join(['alpha'] + ['t%d' % i for i in range(1024)]))" >"$tmp/q1025"
ns -- "$(cat "$tmp/q1024")"
expect 0 "" "NS_MAX_QUERY_TERMS terms"
ns -- "$(cat "$tmp/q1025")"
expect 2 "more than 1024 terms" "a query over NS_MAX_QUERY_TERMS"

# NS_MAX_QUERY_BYTES (1 MiB), through a query file (no argv limit)
python3 -c "print('q\talpha ' + 'a' * (1 << 20))" >"$tmp/big.tsv"
ns --queries "$tmp/big.tsv"
expect 2 "over the 1048576 limit" "a query over NS_MAX_QUERY_BYTES"

# NS_MAX_RESULTS (100000): k + offset
ns -n 100000 alpha
expect 0 "" "k at NS_MAX_RESULTS"
ns -n 100000 --offset 1 alpha
expect 2 "not exceed 100000" "k + offset over NS_MAX_RESULTS"

echo "T520-limits: ok"
