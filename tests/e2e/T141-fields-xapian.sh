#!/usr/bin/env bash
# T141-fields-xapian: T140's checks of typed fields (issue 12's "done when":
# keyword filters, date ranges, --sort, --facet, --dedup, "fields" and the
# errors), each asserted against T140's scan of the corpus, on the Xapian
# backend: one database, then two shards.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
T140_BACKEND=xapian bash "$here/T140-fields-query.sh"
T140_BACKEND=xapian T140_SHARDS=2 bash "$here/T140-fields-query.sh"
