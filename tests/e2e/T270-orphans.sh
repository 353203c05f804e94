#!/usr/bin/env bash
# T270-orphans: what ties an index's files together, through the real tools
# (docs/format.md, "COMMIT", "Orphans and leftovers", CHECKS), on 400 BBC News
# articles:
#  - an older COMMIT put back: --check reports the newer segment as an orphan
#    (exit 1), nindex refuses and deletes nothing, the newer COMMIT put back
#    has all 400 documents, --prune-orphans deletes the orphan;
#  - a segment copied from another index (same number, same document count)
#    is refused by nsearch (exit 3) and --check (exit 1), naming the file;
#  - a byte flipped inside the postings of the most frequent term: nsearch
#    still answers a term stored elsewhere, and exits 3 naming the file for
#    the damaged one; --check finds it.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T270 NINDEX NSEARCH NS_SHARED_DIR

src=$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl
[ -r "$src" ] || { echo "T270: no $src" >&2; exit 77; }
head -n 200 "$src" >"$tmp/a.jsonl"
sed -n 201,400p "$src" >"$tmp/b.jsonl"
idx=$tmp/idx
seg2=seg-0000000000000002.nss

ids() { # the number of live documents of $1 (read-only: nindex --stats)
    "$NINDEX" -d "$1" --stats | awk '$1 == "documents" { print $2 }'
}

ni -d "$idx" "$tmp/a.jsonl"
expect_rc 0 "indexing the first 200"
cp "$idx/COMMIT" "$tmp/COMMIT.1"
ni -d "$idx" "$tmp/b.jsonl"
expect_rc 0 "indexing the next 200"
cp "$idx/COMMIT" "$tmp/COMMIT.2"
[ "$(ids "$idx")" -eq 400 ] || fail "400 documents expected"

# The older COMMIT put back.
cp "$tmp/COMMIT.1" "$idx/COMMIT"
ni -d "$idx" --check
expect_rc 1 "--check with an orphan"
err_has "$seg2"
err_has "orphan"
err_has "generation 2"
ns -d "$idx" the
expect_rc 0 "nsearch serves what COMMIT names"
[ "$(ids "$idx")" -eq 200 ] || fail "COMMIT 1 names 200 documents"
ni -d "$idx" "$tmp/b.jsonl"
[ "$rc" -ne 0 ] || fail "nindex wrote on top of an older COMMIT with orphans"
err_has "$seg2"
err_has "--prune-orphans"
[ -e "$idx/$seg2" ] || fail "nindex deleted the orphan $seg2"
cmp -s "$idx/COMMIT" "$tmp/COMMIT.1" || fail "nindex changed COMMIT"
# nothing was lost: the newer COMMIT back
cp "$tmp/COMMIT.2" "$idx/COMMIT"
ni -d "$idx" --check --full
expect_rc 0 "--check with the newer COMMIT back"
[ "$(ids "$idx")" -eq 400 ] || fail "the newer COMMIT lost documents"
# or, on request, the orphans go
cp "$tmp/COMMIT.1" "$idx/COMMIT"
ni -d "$idx" --prune-orphans
expect_rc 0 "--prune-orphans"
[ ! -e "$idx/$seg2" ] || fail "--prune-orphans left $seg2"
ni -d "$idx" --check --full
expect_rc 0 "--check after --prune-orphans"
[ "$(ids "$idx")" -eq 200 ] || fail "200 documents expected after pruning"

# A segment from another index, same number and document count.
ni -d "$tmp/other" "$tmp/b.jsonl"
expect_rc 0 "indexing the other index"
cp -r "$idx" "$tmp/foreign"
cp "$tmp/other/seg-0000000000000001.nss" "$tmp/foreign/"
ns -d "$tmp/foreign" the
expect_rc 3 "nsearch on a foreign segment"
err_has "seg-0000000000000001.nss: not the segment COMMIT names"
ni -d "$tmp/foreign" --check
expect_rc 1 "--check on a foreign segment"
err_has "seg-0000000000000001.nss: not the segment COMMIT names"

# A byte flipped in the middle of the most frequent term's postings.
cp -r "$idx" "$tmp/flip"
seg=$tmp/flip/seg-0000000000000001.nss
read -r term at other < <($py - "$seg" <<'PY'
# docs/format.md, "Segment file": the footer's table, TERMIDX, TERMS.
import struct, sys
b = open(sys.argv[1], "rb").read()
toff = struct.unpack_from("<Q", b, len(b) - 24)[0]
nsec = struct.unpack_from("<I", b, 28)[0]
sec = {}
for k in range(nsec):
    kind, _crc, off, ln = struct.unpack_from("<IIQQ", b, toff + 24 * k)
    sec[kind] = (off, ln)
def varint(p):
    v = s = 0
    while True:
        c = b[p]; p += 1
        v |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return v, p
tidx, terms, post = sec[3][0], sec[2][0], sec[4][0]
nblocks = struct.unpack_from("<I", b, tidx)[0]
best = None
allterms = []
for blk in range(nblocks):
    doff, poff, _q = struct.unpack_from("<IQQ", b, tidx + 8 + 20 * blk)
    end = struct.unpack_from("<I", b, tidx + 8 + 20 * (blk + 1))[0] if blk + 1 < nblocks else sec[2][1]
    p, t, po = terms + doff, b"", poff
    while p < terms + end:
        pre, p = varint(p); sl, p = varint(p)
        t = t[:pre] + b[p:p + sl]; p += sl
        df, p = varint(p); pl, p = varint(p); ql, p = varint(p)
        allterms.append((t, post + po, pl))
        if t.isalpha() and (best is None or pl > best[2]):
            best = (t, post + po, pl)
        po += pl
t, off, pl = best
at = off + pl // 2
# a term whose postings lie more than a chunk away, spelt as a query finds it
far = [x for x in allterms if x[0] in (b"music", b"film", b"football", b"election")
       and abs(x[1] - at) > 8192]
print(t.decode(), at, far[0][0].decode() if far else "")
PY
)
[ -n "$term" ] && [ -n "$other" ] || fail "could not find the terms in the dictionary"
$py - "$seg" "$at" <<'PY'
import sys
f = open(sys.argv[1], "r+b"); at = int(sys.argv[2])
f.seek(at); c = f.read(1); f.seek(at); f.write(bytes([c[0] ^ 0x5a]))
PY
ns -d "$tmp/flip" "$other"
expect_rc 0 "nsearch '$other' (postings far from the damage)"
ns -d "$tmp/flip" "$term"
expect_rc 3 "nsearch '$term' on its damaged postings"
err_has "seg-0000000000000001.nss"
ni -d "$tmp/flip" --check
expect_rc 1 "--check on a flipped postings byte"
err_has "seg-0000000000000001.nss"

echo "T270-orphans: ok"
