#!/usr/bin/env bash
# Installs the Debian 12 packages nsearch needs to build and test.
# Idempotent: when every package is already installed, apt is not touched.
# Runs apt as root, or through sudo when not root.
set -euo pipefail

# Two sets: what building and running nsearch needs (scripts/demo.sh, the
# default), and with --test also what the tests, the sanitizer builds, the
# fuzzers and the benchmarks need (scripts/test.sh).
packages=(
    build-essential cmake pkgconf          # toolchain
    libstemmer-dev libutf8proc-dev         # analysis: stemming, Unicode folding
    zlib1g-dev libjson-c-dev               # stored fields (segment versions 1-3), jsonl input
    libxml2-dev                            # nindex's HTML reader
    libzstd-dev                            # stored fields (segment version 4)
    libxapian-dev                          # the Xapian backend (module)
    libmicrohttpd-dev                      # nsearch serve
    libicu-dev                             # Thai/Lao/Khmer/Myanmar words (headers; dlopen'd)
    scdoc                                  # manual pages (docs/man)
    python3                                # the Python package's test is registered at configure
    libuchardet-dev                        # nindex: the encoding of non-UTF-8 text
    liblzma-dev libbz2-dev                 # nindex: .xz and .bz2 inputs
    libpoppler-glib-dev                    # nindex: PDF
    libgmime-3.0-dev                       # nindex: e-mail (mbox, Maildir, .eml)
    libarchive-dev                         # nindex: EPUB, .odt, .docx (their ZIP container)
)
if [[ ${1-} == --test ]]; then
    packages+=(
        liblz4-dev                             # bench/codec_table.c only
        libsqlite3-dev sqlite3                 # comparison backend (FTS5), bench
        xapian-tools                           # comparison, scale-out tests (xapian-tcpsrv)
        clang libclang-rt-14-dev               # sanitizer and fuzz builds
        clang-format                           # scripts/check-format.sh
        time                                   # peak memory of the big tests (-L big)
        xz-utils bzip2                         # T280 compresses its inputs (gzip is essential)
        curl chromium                          # nsearch serve tests (API, page)
        wrk                                    # bench/serve_load.sh
        man-db bash-completion fish zsh        # tests of the pages and completions (T910)
    )
elif [[ -n ${1-} ]]; then
    echo "usage: scripts/install-deps.sh [--test]" >&2
    exit 2
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 2
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
