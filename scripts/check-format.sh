#!/usr/bin/env bash
# Checks that every C, C++ and header file of the repository is formatted as
# .clang-format says (clang-format 14, Debian 12). Lists the files that are
# not and exits 1; `clang-format -i FILE` fixes one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cf=${CLANG_FORMAT:-clang-format}
command -v "$cf" >/dev/null || { echo "check-format: $cf not found" >&2; exit 2; }
bad=()
while IFS= read -r f; do
    "$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.c' '*.h' '*.cc' '*.cpp')
if ((${#bad[@]})); then
    printf 'not formatted (clang-format -i): %s\n' "${bad[@]}" >&2
    exit 1
fi
echo "check-format: $(git ls-files '*.c' '*.h' '*.cc' '*.cpp' | wc -l) files formatted"
