#!/usr/bin/env bash
# T280-nindex-formats: the files people have, each found by its words with
# its title. Encodings: Latin-1 text, UTF-16 with and without a BOM, UTF-32,
# HTML whose <meta charset> names its encoding (and wins over the bytes), and
# what cannot be decoded (a few bytes reported and indexed; a file of them
# skipped, named). The inputs are made here (printf escapes, iconv).
# Bounded: a second or two.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T280 NINDEX NSEARCH

docs="$tmp/docs"
idx="$tmp/idx"
mkdir -p "$docs"

# title_is QUERY ID TITLE: QUERY finds ID, and its title is TITLE
title_is() {
    finds "$1" "$2"
    local got
    got=$("$py" - "$tmp/sout" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if o.get("id") == sys.argv[2]:
        print(o.get("title", ""))
PY
)
    [ "$got" = "$3" ] || fail "'$1': title of $2 is '$got', expected '$3'"
}

# --- encodings
printf 'Caf\xe9 cr\xe8me\nLe caf\xe9 est tr\xe8s bon, na\xefve fa\xe7ade.\n' >"$docs/latin1.txt"
printf 'Grüße aus Köln\nDie Straße ist schön.\n' | iconv -f UTF-8 -t UTF-16 >"$docs/bom16.txt"
printf 'Noël à Québec\nJoyeux Noël, dit le bûcheron.\n' | iconv -f UTF-8 -t UTF-16BE >"$docs/be16.txt"
printf 'Ein Mädchen über Eis\nDas Mädchen läuft.\n' | iconv -f UTF-8 -t UTF-32 >"$docs/u32.text"
# the declaration wins: these bytes would be valid (other) UTF-8 text
printf '<html><head><meta charset="iso-8859-1"><title>R\xe9sum\xe9 du jour</title></head>' >"$docs/page.html"
printf '<body><p>D\xe9j\xe0 vu \x93entre guillemets\x94</p></body></html>\n' >>"$docs/page.html"
printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">' >"$docs/ru.html"
printf '<title>\xcf\xf0\xe8\xe2\xe5\xf2 \xec\xe8\xf0</title></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>\n' >>"$docs/ru.html"
# one broken byte in UTF-8 text: indexed, the byte counted
printf 'Résumé of the zanzibarian ledger\nThe ledger \xff is réel, très réel, à côté de ça.\n' >"$docs/onebad.txt"
# UTF-16 by its BOM, but a run of lone surrogates: not indexed as U+FFFD
{ printf '\xff\xfeq\0u\0'; for _ in $(seq 40); do printf '\x00\xd8'; done; } >"$docs/badwide.txt"

ni -d "$idx" "$docs"
expect_rc 1 "an undecodable file is an error"
summary "7 added"
err_has "$docs/badwide.txt: skipped: not UTF-16LE text (80 of 86 bytes cannot be decoded)"
err_has "$docs/onebad.txt: 1 bytes are not valid UTF-8; each is indexed as U+FFFD"

title_is 'café' "$docs/latin1.txt" 'Café crème'
title_is 'naïve façade' "$docs/latin1.txt" 'Café crème'
title_is 'straße' "$docs/bom16.txt" 'Grüße aus Köln'
title_is 'bûcheron' "$docs/be16.txt" 'Noël à Québec'
title_is 'mädchen' "$docs/u32.text" 'Ein Mädchen über Eis'
title_is 'déjà' "$docs/page.html" 'Résumé du jour'
title_is 'guillemets' "$docs/page.html" 'Résumé du jour'
title_is 'привет' "$docs/ru.html" 'Привет мир'
title_is 'zanzibarian' "$docs/onebad.txt" 'Résumé of the zanzibarian ledger'
# the snippet shows the converted text, curly quotes from WINDOWS-1252 included
ns -d "$idx" --color=never guillemets
grep -qF 'Déjà vu “entre [guillemets]”' "$tmp/out" || fail "snippet of page.html"
# Latin-1 bytes became letters, not U+FFFD
ns -d "$idx" --color=never crème
! grep -qF $'\xef\xbf\xbd' "$tmp/out" || fail "U+FFFD in latin1.txt's text"

# standard input is converted too
printf 'Stdin caf\xe9 sp\xe9cial quokkaville\n' | "$NINDEX" -d "$idx" --id=stdin-cafe - >"$tmp/out" 2>"$tmp/err" || fail "nindex -"
title_is quokkaville stdin-cafe 'Stdin café spécial quokkaville'

echo "T280 ok"
