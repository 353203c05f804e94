#!/usr/bin/env bash
# T220-nindex-bad-inputs: binary, empty, unsupported, unreadable and missing
# files, FIFOs, sockets and devices in a folder, symbolic link loops, a 1 MB single-token file, invalid UTF-8, HTML,
# hidden files. Each is reported as it should be, with the right exit status,
# and the documents indexed before stay searchable.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T220 NINDEX NSEARCH
# The document indexed first must survive every bad input.
still_there() { finds pangolinberry "$tmp/docs/good.txt"; }

idx="$tmp/idx"
mkdir "$tmp/docs" "$tmp/bad"
printf 'Good document\nThe pangolinberry is indexed first.\n' >"$tmp/docs/good.txt"
ni -d "$idx" "$tmp/docs"
expect_rc 0 "good document"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
still_there

# --- binary: a NUL byte, or mostly invalid bytes: a warning, exit 0 ---------
printf 'looks like text\0but has a NUL' >"$tmp/bad/nul.txt"
ni -d "$idx" "$tmp/bad/nul.txt"
expect_rc 0 "binary .txt"
err_has "nindex: $tmp/bad/nul.txt: skipped: binary file"
summary "0 added, 0 updated, 0 unchanged, 0 deleted, 1 skipped (1 binary)"
still_there
head -c 6000 /dev/urandom | tr -d '\000' | tr '\011\012\015\040-\176' '\200-\277' >"$tmp/bad/noise"
ni -d "$idx" "$tmp/bad/noise"
expect_rc 0 "binary without extension"
err_has "nindex: $tmp/bad/noise: skipped: binary file"
still_there

# --- a FIFO, a socket and a device in a folder: each reported, none opened --
# (opening the FIFO would block the run: the walk only stats it)
mkdir "$tmp/special"
printf 'Special folder\nthe okapiberry lives beside odd files\n' >"$tmp/special/note.txt"
mkfifo "$tmp/special/pipe"
"$py" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/special/sock"
ln -s /dev/null "$tmp/special/null"
ni -d "$idx" "$tmp/special"
expect_rc 0 "special files are warnings"
err_has "nindex: $tmp/special/pipe: skipped: a named pipe (FIFO), not a file"
err_has "nindex: $tmp/special/sock: skipped: a socket, not a file"
err_has "nindex: $tmp/special/null: skipped: a character device, not a file"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 3 skipped (3 unsupported)"
finds okapiberry "$tmp/special/note.txt"
rm -r "$tmp/special"
still_there

# --- an unknown extension: binary is unsupported, text is indexed -----------
printf '%%PDF-1.4\n\0\0\0binary stream' >"$tmp/bad/paper.dvi"
ni -d "$idx" "$tmp/bad/paper.dvi"
expect_rc 0 "unsupported"
err_has "nindex: $tmp/bad/paper.dvi: skipped: unsupported file type (.dvi)"
summary "0 added, 0 updated, 0 unchanged, 0 deleted, 1 skipped (1 unsupported)"
# a .pdf is read by poppler: a damaged one is malformed, an error
mv "$tmp/bad/paper.dvi" "$tmp/bad/paper.pdf"
ni -d "$idx" "$tmp/bad/paper.pdf"
expect_rc 1 "a damaged PDF"
err_has "nindex: $tmp/bad/paper.pdf: skipped: not a readable PDF: PDF document is damaged"
summary "0 added, 0 updated, 0 unchanged, 0 deleted, 1 skipped (1 malformed)"
mv "$tmp/bad/paper.pdf" "$tmp/bad/paper.dvi" # the run of all bad inputs below: unsupported
printf 'Build log\nthe armadillian step passed\n' >"$tmp/bad/build.log"
ni -d "$idx" "$tmp/bad/build.log"
expect_rc 0 "text with an unknown extension"
summary "1 added"
finds armadillian "$tmp/bad/build.log"
still_there

# --- empty files (or only blanks): skipped with a reason, exit 0 ------------
: >"$tmp/bad/empty.txt"
printf ' \n\t\n' >"$tmp/bad/blank.md"
ni -d "$idx" "$tmp/bad/empty.txt" "$tmp/bad/blank.md"
expect_rc 0 "empty files"
err_has "nindex: $tmp/bad/empty.txt: skipped: empty file"
err_has "nindex: $tmp/bad/blank.md: skipped: empty file"
summary "0 added, 0 updated, 0 unchanged, 0 deleted, 2 skipped (2 empty)"
still_there

# --- missing and unreadable: an error (exit 1), the rest still indexed ------
printf 'Next\nthe coatimundian file\n' >"$tmp/docs/next.txt"
ni -d "$idx" "$tmp/nonexistent.txt" "$tmp/docs"
expect_rc 1 "a missing file"
err_has "nindex: $tmp/nonexistent.txt: No such file or directory"
summary "1 added, 0 updated, 1 unchanged, 0 deleted, 1 skipped (1 not found)"
finds coatimundian "$tmp/docs/next.txt"
still_there
printf 'Secret\nthe unreachable tamarinish file\n' >"$tmp/bad/secret.txt"
chmod 000 "$tmp/bad/secret.txt"
if [ -r "$tmp/bad/secret.txt" ]; then
    echo "SKIP: unreadable file check (running as a user who can read mode 000 files)"
else
    printf 'Third\nthe marmosetian file\n' >"$tmp/docs/third.txt"
    ni -d "$idx" "$tmp/bad/secret.txt" "$tmp/docs"
    expect_rc 1 "an unreadable file"
    err_has "nindex: $tmp/bad/secret.txt: skipped: cannot open (Permission denied)"
    summary "1 added, 0 updated, 2 unchanged, 0 deleted, 1 skipped (1 unreadable)"
    finds marmosetian "$tmp/docs/third.txt"
    finds_none tamarinish
    mkdir "$tmp/bad/closed"
    chmod 000 "$tmp/bad/closed"
    ni -d "$idx" "$tmp/bad"
    expect_rc 1 "an unreadable folder"
    err_has "nindex: $tmp/bad/closed: skipped: cannot read folder (Permission denied)"
    still_there
    chmod 755 "$tmp/bad/closed"
fi
rm -f "$tmp/bad/secret.txt"

# --- symbolic links: loops end, broken links are warnings ---------------------
mkdir -p "$tmp/loop/a/b"
printf 'Loop\nthe capybarite file\n' >"$tmp/loop/a/b/f.txt"
ln -s .. "$tmp/loop/a/b/up"
ln -s ../.. "$tmp/loop/a/b/upup"
ln -s "$tmp/loop" "$tmp/loop/a/root"
ln -s self "$tmp/loop/self"
ln -s ghost "$tmp/loop/dangling"
ni -d "$idx" "$tmp/loop"
expect_rc 0 "symbolic link loops"
err_has "symbolic link loop"
err_has "nindex: $tmp/loop/dangling: skipped: broken symbolic link"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 2 skipped (2 broken link)"
finds capybarite "$tmp/loop/a/b/f.txt"
still_there

# --- one 1 MB token, and a title that long ---------------------------------------
{ head -c 1048576 /dev/zero | tr '\0' a; printf '\nhugefileword after it\n'; } >"$tmp/bad/huge.txt"
ni -d "$idx" "$tmp/bad/huge.txt"
expect_rc 0 "1 MB token"
summary "1 added"
finds hugefileword "$tmp/bad/huge.txt"
still_there

# --- invalid UTF-8 in a text file is indexed ------------------------------------
printf 'Invalid \xff\xfe title\nthe \xc3\x28 ocelotine word \x80 here \xe2\x82\n' >"$tmp/bad/invalid.txt"
ni -d "$idx" "$tmp/bad/invalid.txt"
expect_rc 0 "invalid UTF-8"
summary "1 added"
finds ocelotine "$tmp/bad/invalid.txt"
still_there

# --- HTML: text and title, not scripts; malformed markup is fine --------------
cat >"$tmp/bad/page.html" <<'HTML'
<!DOCTYPE html><html><head><title>Page &amp; Title</title>
<script>var hiddenscriptword = "<p>";</script><style>.x{}</style></head>
<body><div><p>The tapirish paragraph &lt;here&gt;</p><p>unclosed <b>bold <i>deep
HTML
for _ in $(seq 2000); do printf '<div><span>' >>"$tmp/bad/page.html"; done
printf 'nested tayraword <a href="x>' >>"$tmp/bad/page.html"
ni -d "$idx" "$tmp/bad/page.html"
expect_rc 0 "HTML"
summary "1 added"
finds tapirish "$tmp/bad/page.html"
finds tayraword "$tmp/bad/page.html"
finds_none hiddenscriptword
still_there

# --- hidden files and folders inside a folder are not indexed ----------------
mkdir -p "$tmp/dir2/.git"
printf 'x\nhiddenfileword\n' >"$tmp/dir2/.secret.txt"
printf 'x\nhiddendirword\n' >"$tmp/dir2/.git/config.txt"
printf 'Visible\nthe visiblefileword\n' >"$tmp/dir2/v.txt"
ni -d "$idx" "$tmp/dir2"
expect_rc 0 "hidden files"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
finds_none hiddenfileword
finds_none hiddendirword
finds visiblefileword "$tmp/dir2/v.txt"

# --- the index inside the indexed folder is not indexed ----------------------
mkdir "$tmp/self"
printf 'Self\nthe selfindexword\n' >"$tmp/self/a.txt"
ni -d "$tmp/self/idx" "$tmp/self"
expect_rc 0 "index inside the folder"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
ni -d "$tmp/self/idx" "$tmp/self"
summary "0 added, 0 updated, 1 unchanged, 0 deleted, 0 skipped"

# --- everything at once: one summary, warnings do not fail the run ----------
ni -d "$idx" "$tmp/bad" "$tmp/docs"
expect_rc 0 "all the bad inputs together"
grep -qE 'skipped \(.*binary.*empty.*unsupported' "$tmp/err" || fail "reasons in the summary"
still_there

echo "T220 ok"
