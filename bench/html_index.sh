#!/usr/bin/env bash
# bench/html_index.sh — how fast nindex reads HTML: writes PAGES HTML pages
# from the BBC corpus's bodies (a head with metas, a style and a script, a
# navigation list, the body's paragraphs with entities), then times
# `nindex -d INDEX PAGES_DIR` for each given nindex, alternating them RUNS
# times in the same loop so that load on the machine hits all alike, and
# prints each one's median CPU time (user + system) and wall time.
#
#   bench/html_index.sh SHARED_DIR RUNS NINDEX [NINDEX...]
#   (PAGES defaults to 2000: PAGES=500 bench/html_index.sh ...)
set -euo pipefail

shared=${1:?usage: html_index.sh SHARED_DIR RUNS NINDEX [NINDEX...]}
runs=${2:?usage: html_index.sh SHARED_DIR RUNS NINDEX [NINDEX...]}
shift 2
(($# >= 1)) || { echo "html_index.sh: no nindex given" >&2; exit 2; }
src=$shared/corpora/bbc_news/docs.jsonl
[[ -r $src ]] || { echo "html_index.sh: cannot read $src" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$src" "$tmp/pages" "${PAGES:-2000}" <<'PY'
import html, json, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out)
with open(src, encoding="utf-8") as f:
    docs = [json.loads(l) for l in f]
for i in range(n):
    d = docs[i % len(docs)]
    paras = "".join("<p>%s</p>\n" % html.escape(p.strip()).replace("\u00a3", "&pound;")
                    for p in d["body"].split("\n") if p.strip())
    page = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            '<title>%s</title>\n<meta name="date" content="2005-0%d-1%dT10:00:00Z">\n'
            '<style>body{font:16px/1.4 serif} nav li{display:inline}</style>\n'
            '<script>window.dataLayer=[{"page":"%d","a":1<2}];</script>\n</head>\n'
            '<body><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>'
            '<li><a href="/sport">Sport</a></li></ul></nav>\n<main><article><h1>%s</h1>\n%s'
            '</article></main><footer>&copy; BBC &mdash; all rights reserved</footer>'
            '</body></html>\n' % (html.escape(d["title"]), 1 + i % 9, i % 10, i,
                                   html.escape(d["title"]), paras))
    with open(os.path.join(out, "p%05d.html" % i), "w", encoding="utf-8") as f:
        f.write(page)
PY

((BASH_VERSINFO[0] >= 5)) || { echo "html_index.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 2; }
# CPU time of this shell's children so far, in microseconds (sets cpu_us)
children_cpu_us() {
    local t
    times >"$tmp/times"
    t=$(tail -n 1 "$tmp/times")
    cpu_us=0
    [[ $t =~ ^([0-9]+)m([0-9]+)[.,]([0-9]+)s\ ([0-9]+)m([0-9]+)[.,]([0-9]+)s$ ]] || return 0
    cpu_us=$(((10#${BASH_REMATCH[1]} * 60 + 10#${BASH_REMATCH[2]}) * 1000000 + 10#${BASH_REMATCH[3]} * 1000 +
        (10#${BASH_REMATCH[4]} * 60 + 10#${BASH_REMATCH[5]}) * 1000000 + 10#${BASH_REMATCH[6]} * 1000))
}
for ((r = 0; r < runs; r++)); do
    for ((k = 1; k <= $#; k++)); do
        rm -rf "$tmp/index"
        children_cpu_us
        c0=$cpu_us
        t0=$EPOCHREALTIME
        "${!k}" -q -d "$tmp/index" "$tmp/pages" >/dev/null
        t1=$EPOCHREALTIME
        children_cpu_us
        echo "$((cpu_us - c0)) $(((${t1/./} - ${t0/./}) / 1000))" >>"$tmp/t$k"
    done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "$(ls "$tmp/pages" | wc -l) pages, $(du -sk "$tmp/pages" | cut -f1) KiB; median of $runs runs:"
for ((k = 1; k <= $#; k++)); do
    printf '  %-50s cpu %5d ms  wall %5d ms\n' "${!k}" \
        "$(cut -d' ' -f1 "$tmp/t$k" | median | awk '{ print int($1 / 1000) }')" \
        "$(cut -d' ' -f2 "$tmp/t$k" | median)"
done
