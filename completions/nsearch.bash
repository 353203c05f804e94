# bash completion for nindex and nsearch (nsearch-project). Installed as
# share/bash-completion/completions/nsearch and .../nindex.

# Works with or without the bash-completion package (its helpers are used
# when loaded).
_nsearch_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir
    else
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

# Sets cur, prev, cword and words; an "--opt=value" word counts as "--opt"
# followed by "value" (bash splits at '=' by default).
_nsearch_words()
{
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    [[ $cur == = ]] && cur=
    if [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
}

_nsearch_serve_opts="-d --index --listen --token --token-file --insecure-public --allow-host --cors
 --port-file --threads --max-per-client --max-connections --request-timeout --query-timeout
 --timeout --quiet -h --help"

_nsearch()
{
    local cur prev words cword
    _nsearch_words

    local i serve=0
    for ((i = 1; i < cword; i++)); do
        [[ ${words[i]} == serve ]] && { serve=1; break; }
        [[ ${words[i]} == -- ]] && break
    done

    case $prev in
        -d | --index)
            _nsearch_files
            return ;;
        --queries | --token-file | --port-file)
            _nsearch_files
            return ;;
        --color)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return ;;
        --sort)
            COMPREPLY=($(compgen -W 'score date:desc date:asc' -- "$cur"))
            return ;;
        -n | --limit | --offset | --trec | --mark-start | --mark-end | --facet | --k1 | --b | --title-weight | --query-timeout | \
            --listen | --token | --allow-host | --cors | --threads | --max-per-client | \
            --max-connections | --request-timeout | --timeout)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        if ((serve)); then
            COMPREPLY=($(compgen -W "$_nsearch_serve_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W '-d --index -n --limit --offset --any --literal --json
                --color --mark-start --mark-end --queries --trec --k1 --b --title-weight --exhaustive --sort --facet --dedup --proximity --expand --explain --no-suggest
                --query-timeout --allow-partial -h --help -V --version' -- "$cur"))
        fi
        return
    fi
    if ((!serve)) && ((cword == 1)); then
        COMPREPLY=($(compgen -W 'serve' -- "$cur"))
    fi
}
complete -F _nsearch nsearch

_nindex()
{
    local cur prev words cword
    _nsearch_words

    case $prev in
        -d | --index | --files-from)
            _nsearch_files
            return ;;
        --language)
            COMPREPLY=($(compgen -W 'arabic armenian basque catalan danish dutch english
                finnish french german greek hindi hungarian indonesian irish italian
                lithuanian nepali norwegian porter portuguese romanian russian serbian
                spanish swedish tamil turkish yiddish none' -- "$cur"))
            return ;;
        --backend)
            COMPREPLY=($(compgen -W 'native xapian' -- "$cur"))
            return ;;
        --progress)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return ;;
        --shards | --exclude | --include | --field | --commit-every | --id | -j | --jobs | \
            --ram-budget)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '-d --index= --language= --backend= --shards= --exclude= --include=
            --files-from= --field= --rehash --prune --prune-orphans --delete --optimize --no-merge --watch --stats
            --check --full --list-ids -0 --null --commit-every= -j --jobs= --ram-budget= --id=
            --jsonl --wait -q --quiet --progress= -h --help -V --version' -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    _nsearch_files
}
complete -F _nindex nindex
