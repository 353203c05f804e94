#!/usr/bin/env bash
# Installs dependencies, builds nsearch in build/, indexes the sample articles
# in samples/ into the default index and runs a search on them:
#   nindex samples/  then  nsearch "sever relations"
# The default index is $NSEARCH_INDEX, else $XDG_DATA_HOME/nsearch/index,
# else ~/.local/share/nsearch/index. Running it again is cheap: the build is
# incremental and so is indexing (unchanged files are skipped).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/install-deps.sh
scripts/build.sh "$root/build"

echo
echo "\$ nindex samples/"
build/indexer/nindex samples/
echo
echo "\$ nsearch \"sever relations\""
build/searcher/nsearch "sever relations"
