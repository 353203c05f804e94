#!/usr/bin/env bash
# T910: the manual pages and shell completions are installed and work, and
# they know every option the programs' --help lists.
#  (1) `cmake --install` puts nindex.1, nsearch.1 and nsearch-query.7 under
#      share/man, and `man -l` renders each with its NAME section;
#  (2) every long option that `nindex --help`, `nsearch --help` and
#      `nsearch serve --help` print appears in the page and in the bash, zsh
#      and fish completions (so a new option cannot be forgotten there);
#  (3) bash: after sourcing the installed file, `complete -p nsearch` names
#      the function, and it completes options, option values and `serve`;
#  (4) fish completes the same through `complete -C`; zsh parses its file.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T910 NSEARCH NINDEX NS_SOURCE_DIR
build=$(cd "$(dirname "$NSEARCH")/.." && pwd)

for tool in man bash; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
done

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
    { cat "$tmp/install.log" >&2; fail "cmake --install $build"; }

# (1) the pages
for page in man1/nindex.1 man1/nsearch.1 man7/nsearch-query.7; do
    f=$(find "$prefix" -path "*/man/$page" | head -n 1)
    [[ -n $f ]] || fail "no $page installed under $prefix/share/man"
    out=$(MANWIDTH=80 man -l "$f" 2>&1) || fail "man -l $f failed: $out"
    name=${page#*/}
    name=${name%.*}
    grep -q '^NAME' <<<"$out" || fail "$page has no NAME section"
    grep -q "^ *$name - " <<<"$out" || fail "$page: NAME does not start with '$name - '"
done
echo "T910: pages render"

comp_bash=$prefix/share/bash-completion/completions
comp_zsh=$prefix/share/zsh/site-functions/_nsearch
comp_fish=$prefix/share/fish/vendor_completions.d
for f in "$comp_bash/nsearch" "$comp_bash/nindex" "$comp_zsh" "$comp_fish/nsearch.fish" \
    "$comp_fish/nindex.fish"; do
    [[ -f $f ]] || fail "completion file $f not installed"
done

# (2) every long option of --help is documented and completed
long_opts() { grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
check_opts() { # check_opts WHAT PAGE HELP-TEXT
    local what=$1 page=$2 help=$3 opt missing=()
    while read -r opt; do
        grep -q -- "\\*$opt\\*\\|\\*$opt=" "$page" || missing+=("$opt in $(basename "$page")")
        grep -q -- "$opt\\b" "$comp_bash/nsearch" || missing+=("$opt in bash completion")
        grep -q -- "'[^']*$opt\\b\\|{[^}]*,$opt=*}" "$comp_zsh" || missing+=("$opt in zsh completion")
        grep -q -- "-l ${opt#--}\\b" "$comp_fish/nsearch.fish" || missing+=("$opt in fish completion")
    done < <(long_opts <<<"$help")
    ((${#missing[@]} == 0)) || fail "$what: options not documented or completed: ${missing[*]}"
}
check_opts nindex "$NS_SOURCE_DIR/docs/man/nindex.1.scd" "$("$NINDEX" --help)"
check_opts nsearch "$NS_SOURCE_DIR/docs/man/nsearch.1.scd" "$("$NSEARCH" --help)"
check_opts "nsearch serve" "$NS_SOURCE_DIR/docs/man/nsearch.1.scd" "$("$NSEARCH" serve --help)"
echo "T910: every option of --help is in the pages and the completions"

# (3) bash
bash_complete() { # bash_complete FILE WORD... -> the completions, one line
    bash -c '
        source "$1"; shift
        complete -p "$1" >/dev/null || exit 9
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
        fn=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
        "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        echo "${COMPREPLY[*]}"' _ "$@"
}
got=$(bash -c 'source "$1"; complete -p nsearch' _ "$comp_bash/nsearch")
[[ $got == "complete -F "*" nsearch" ]] || fail "bash: complete -p nsearch gave '$got'"
expect_bash() { # expect_bash EXPECTED FILE WORD...
    local want=$1 got
    shift
    got=$(bash_complete "$@") || fail "bash completion of '${*:2}' failed"
    [[ $got == "$want" ]] || fail "bash: '${*:2}' completed to '$got', expected '$want'"
}
expect_bash "--limit --literal" "$comp_bash/nsearch" nsearch --li
expect_bash "auto always" "$comp_bash/nsearch" nsearch --color a
expect_bash "serve" "$comp_bash/nsearch" nsearch ser
expect_bash "--listen" "$comp_bash/nsearch" nsearch serve --lis
expect_bash "french" "$comp_bash/nindex" nindex --language fr
expect_bash "xapian" "$comp_bash/nindex" nindex --backend = x
echo "T910: bash completes"

# (4) fish and zsh
if command -v fish >/dev/null; then
    got=$(fish --no-config -c "source $comp_fish/nsearch.fish; complete -C 'nsearch --li'" | cut -f1 |
        sort | tr '\n' ' ')
    [[ $got == "--limit --literal " ]] || fail "fish: 'nsearch --li' completed to '$got'"
    got=$(fish --no-config -c "source $comp_fish/nindex.fish; complete -C 'nindex --backend '" |
        cut -f1 | sort | tr '\n' ' ')
    [[ $got == "native xapian " ]] || fail "fish: 'nindex --backend ' completed to '$got'"
    echo "T910: fish completes"
else
    fail "fish is not installed (scripts/install-deps.sh installs it)"
fi
if command -v zsh >/dev/null; then
    zsh -n "$comp_zsh" || fail "zsh cannot parse $comp_zsh"
    echo "T910: zsh parses its completion"
else
    fail "zsh is not installed (scripts/install-deps.sh installs it)"
fi
echo "T910: ok"
