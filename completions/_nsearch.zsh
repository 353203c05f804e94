#compdef nsearch nindex
# zsh completion for nsearch and nindex. Installed as
# share/zsh/site-functions/_nsearch; the #compdef line covers both commands.

_nsearch_serve() {
  _arguments -s \
    '(-d --index)'{-d,--index}'[index directory]:index:_files' \
    '--listen[HOST:PORT, \[IPv6\]:PORT or PORT to listen on]:address:' \
    '--token[require this bearer token on the API]:token:' \
    '--token-file[read the token from the first line of FILE]:file:_files' \
    '--insecure-public[allow a non-loopback address without a token]' \
    '*--allow-host[also serve requests for this Host]:name:' \
    '--cors[allow browser pages from ORIGIN]:origin:' \
    '--port-file[write the port listened on to FILE]:file:_files' \
    '--threads[request threads]:count:' \
    '--max-per-client[concurrent connections per client]:count:' \
    '--max-connections[concurrent connections in all]:count:' \
    '--request-timeout[seconds to send a whole request]:seconds:' \
    '--query-timeout[seconds a search may run]:seconds:' \
    '--timeout[close connections idle this long]:seconds:' \
    '--quiet[no access log]' \
    '(-h --help)'{-h,--help}'[show the help]'
}

_nsearch_search() {
  if [[ $CURRENT == 2 && $words[2] == serve ]]; then
    return
  fi
  if (( ${words[(I)serve]} == 2 )); then
    shift words; (( CURRENT-- ))
    _nsearch_serve
    return
  fi
  _arguments -s \
    '(-d --index)'{-d,--index}'[index directory]:index:_files' \
    '(-n --limit)'{-n,--limit}'[show N hits]:count:' \
    '--offset[skip the first N hits]:count:' \
    '--any[bare words match if any is present]' \
    '--literal[the query is plain words]' \
    '--json[one JSON object per hit, then a summary]' \
    '--color[colour]:when:(auto always never)' \
    '--mark-start[without colour, text before each match]:text:' \
    '--mark-end[without colour, text after each match]:text:' \
    '--queries[one query per line of FILE]:file:_files' \
    '--trec[write a TREC run with this tag]:tag:' \
    '--k1[BM25 k1]:value:' \
    '--b[BM25 b]:value:' \
    '--title-weight[weight of title words]:value:' \
    '--exhaustive[score every match]' \
    '--sort[order by a date or number field]:order:(score date\:desc date\:asc)' \
    '*--facet[count the values of a keyword field]:field:' \
    '--dedup[collapse near-duplicates]' \
    '--proximity[rank close words higher]' \
    '--expand[pseudo-relevance feedback]' \
    '--explain[show each score in parts]' \
    '--no-suggest[no spelling suggestion]' \
    '--query-timeout[seconds a query may run]:seconds:' \
    '--allow-partial[search the shards that answer]' \
    '(- *)'{-h,--help}'[show the help]' \
    '(- *)'{-V,--version}'[show the version]' \
    '1:query or serve:(serve)' \
    '*:query:'
}

_nindex() {
  _arguments -s \
    '(-d --index)'{-d,--index=}'[index folder]:index:_files -/' \
    '--language=[stemming language of a new index]:language:(arabic armenian basque catalan danish dutch english finnish french german greek hindi hungarian indonesian irish italian lithuanian nepali norwegian porter portuguese romanian russian serbian spanish swedish tamil turkish yiddish none)' \
    '--backend=[engine of a new index]:backend:(native xapian)' \
    '--shards=[Xapian databases to spread over]:count:' \
    '*--exclude=[skip paths matching GLOB]:glob:' \
    '*--include=[index only files matching GLOB]:glob:' \
    '--files-from=[also index the paths listed in FILE]:file:_files' \
    '*--field=[record a field with a type]:NAME\:TYPE:' \
    '--rehash[read every file, even one with its last stamp]' \
    '--prune[remove documents whose file is gone]' \
    '--prune-orphans[delete orphan segments]' \
    '--delete[the operands are ids to delete]' \
    '--optimize[merge the index into one segment]' \
    '--no-merge[leave the segments this run wrote]' \
    '--watch[keep indexing changes to the folders]' \
    '--stats[print what the index holds]' \
    '--check[verify the index]' \
    '--full[with --check: analyse every document again]' \
    '--list-ids[print the id of every document]' \
    '(-0 --null)'{-0,--null}'[with --list-ids: NUL-terminated ids]' \
    '--commit-every=[commit after every N documents]:count:' \
    '(-j --jobs)'{-j+,--jobs=}'[analyse and write segments on N threads]:threads:' \
    '--ram-budget=[memory for documents not yet written, in MB]:megabytes:' \
    '--id=[id of the document read from -]:id:' \
    '--jsonl[read - as JSON lines]' \
    '--wait[wait for another writer]' \
    '(-q --quiet)'{-q,--quiet}'[print only errors]' \
    '--progress=[progress line]:when:(auto always never)' \
    '(- *)'{-h,--help}'[show the help]' \
    '(- *)'{-V,--version}'[show the version]' \
    '*:path:_files'
}

case $service in
  nindex) _nindex "$@" ;;
  *) _nsearch_search "$@" ;;
esac
