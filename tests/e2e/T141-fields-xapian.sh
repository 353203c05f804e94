#!/usr/bin/env bash
# T141-fields-xapian: T140's checks of typed fields (issue 12's "done when":
# keyword filters, date ranges, NOT, --sort, --facet, --dedup, "fields" and
# the errors), each asserted against T140's scan of the corpus, on the Xapian
# backend: one database, two shards, and two shards served by xapian-tcpsrv
# (t141-remote-hook.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T140_BACKEND=xapian bash "$here/T140-fields-query.sh"
T140_BACKEND=xapian T140_SHARDS=2 bash "$here/T140-fields-query.sh"
T140_BACKEND=xapian T140_SHARDS=2 T140_HOOK="$here/t141-remote-hook.sh" \
    bash "$here/T140-fields-query.sh"
