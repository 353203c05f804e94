#!/usr/bin/env bash
# T235: text in scripts written without spaces is found by its words and the
# match is highlighted: Chinese (关系 inside 中美关系紧张, as the phrase of its
# ideographs), Japanese (Kanji, Hiragana, a Katakana word), Thai (words from
# ICU's dictionary, when the library was built with ICU), and a Latin word
# glued to Chinese (iPhone手机). `nindex --check --full` re-analyses every
# document and agrees. The documents are written by the test.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T235 NINDEX NSEARCH NS_SOURCE_DIR

mkdir -p "$tmp/docs"
printf '中美关系紧张\n\n分析人士说，中美关系紧张的局面短期内难以缓和。\n' >"$tmp/docs/zh.txt"
printf '東京の天気\n\n明日の東京は晴れ。コンピューターで天気予報を見ました。\n' >"$tmp/docs/ja.txt"
printf 'ข่าวภาษาไทย\n\nภาษาไทยง่ายนิดเดียว\n' >"$tmp/docs/th.txt"
printf 'New phones\n\nThe iPhone手机 sold well in Shanghai.\n' >"$tmp/docs/mix.txt"
printf 'Relations\n\nRelations between the two countries are tense.\n' >"$tmp/docs/en.txt"
idx=$tmp/idx
ni -d "$idx" "$tmp/docs"
expect_rc 0 "indexing"
summary "5 added"

finds_only() { # QUERY FILE: the query's hits are exactly FILE
    ns -d "$idx" --json -- "$1"
    expect_rc 0 "'$1'"
    local ids
    ids=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o.get("type")=="hit": print(o["id"])' "$tmp/out")
    [[ $ids == "$tmp/docs/$2" ]] || fail "'$1' found '$ids', not $2"
}
marks() { # QUERY TEXT: piped output has [TEXT]
    ns -d "$idx" --color never -- "$1"
    grep -qF "[$2]" "$tmp/out" || fail "'$1': no [$2] in: $(cat "$tmp/out")"
}

finds_only 关系 zh.txt
marks 关系 关系
finds_only 紧张 zh.txt
finds_only 天気 ja.txt
finds_only コンピューター ja.txt
marks コンピューター コンピューター
finds_only 手机 mix.txt
finds_only iphone mix.txt
finds_only relations en.txt
# a word that is not in the text, though its ideographs are: 系关
ns -d "$idx" -- 系关
expect_rc 1 "'系关' (the ideographs of 关系 swapped)"
if [[ ${NS_WITH_ICU:-0} == 1 ]]; then # the build found ICU (tests/CMakeLists.txt)
    finds_only ไทย th.txt
    finds_only ภาษา th.txt
    marks ภาษา ภาษา
    echo "T235: Thai words through ICU ok"
else
    echo "T235: built without ICU: Thai runs are one token each, not tested"
fi

ni -d "$idx" --check --full
expect_rc 0 "--check --full"
echo "T235: ok"
