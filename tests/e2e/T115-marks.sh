#!/usr/bin/env bash
# T115: piped output marks matched words with [ and ] by default, and with the
# text --mark-start / --mark-end give (brackets collide with brackets in the
# text). On the seed articles, for 'sever relations':
#  - every marked stretch is a form of sever or relation, with either markers;
#  - the marked text equals the default output with the markers swapped;
#  - '' removes the markers (the snippet is then the plain text);
#  - control bytes in a marker are refused (exit 2, naming the option);
#  - colour output ignores the markers (SGR only).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T115 NINDEX NSEARCH NS_SHARED_DIR

idx=$tmp/idx
index_seeds "$tmp/docs" "$idx"

ns -d "$idx" -n 5 sever relations
expect_rc 0 "sever relations"
cp "$tmp/out" "$tmp/default"
grep -q '\[relations\]' "$tmp/default" || fail "default output has no [relations]"

ns -d "$idx" -n 5 --mark-start '«' --mark-end '»' sever relations
expect_rc 0 "--mark-start «"
cp "$tmp/out" "$tmp/guillemets"
grep -q '«relations»' "$tmp/guillemets" || fail "no «relations» with --mark-start «"
# every marked stretch is a query word
bad=$(grep -o '«[^»]*»' "$tmp/guillemets" | grep -viE '^«(sever|relation)' || true)
[[ -z $bad ]] || fail "marked stretches that are not query words: $bad"
# the same output as the default with the markers swapped (the snippet lines:
# those that hold a marker in either output)
diff <(grep -F '[' "$tmp/default" | sed 's/\[/«/g; s/\]/»/g') <(grep -F '«' "$tmp/guillemets") ||
    fail "--mark-start/--mark-end output differs from the default beyond the markers"

ns -d "$idx" -n 5 --mark-start '' --mark-end '' sever relations
expect_rc 0 "empty markers"
# (all but the summary line, whose elapsed time differs from run to run)
diff <(grep -v ' matches · ' "$tmp/default" | sed 's/\[//g; s/\]//g') \
    <(grep -v ' matches · ' "$tmp/out") >/dev/null ||
    fail "empty markers: the output is not the default without its brackets"

ns -d "$idx" --mark-start $'\e[1m' sever
expect_rc 2 "an escape sequence as a marker"
err_has "--mark-start"
ns -d "$idx" --mark-end "$(printf 'x%.0s' {1..65})" sever
expect_rc 2 "a 65-byte marker"
err_has "--mark-end"

ns -d "$idx" --color always --mark-start '<<' sever relations
expect_rc 0 "colour with a marker"
! grep -qF '<<' "$tmp/out" || fail "colour output shows the marker"
grep -qF $'\e[1;31m' "$tmp/out" || fail "colour output has no match colour"
echo "T115: ok"
