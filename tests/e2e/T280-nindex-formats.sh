#!/usr/bin/env bash
# T280-nindex-formats: the files people have, each found by its words with
# its title. Encodings: Latin-1 text, UTF-16 with and without a BOM, UTF-32,
# HTML whose <meta charset> names its encoding (and wins over the bytes), and
# what cannot be decoded (a few bytes reported and indexed; a file of them
# skipped, named). Compressed files: .gz, .xz and .bz2 of text, HTML, Markdown
# and JSON lines (the shared corpus's docs.jsonl.gz), read as their inner
# kind; truncated and fake ones reported; a zip bomb refused at the size limit.
# PDF: pages, title from the info or the first line, the creation date;
# encrypted and damaged ones reported. E-mail: mbox (named or sniffed),
# Maildir, .eml; Subject, Message-ID, Date, From/To in the text. EPUB (spine
# order, dc:title), .odt, .docx; broken archives reported.
# The inputs are made here (printf escapes, iconv, gzip, xz, bzip2).
# Bounded: about 15 s on a loaded two-core machine (the 20newsgroups corpus
# is indexed whole, and the zip bomb is decompressed up to the limit).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T280 NINDEX NSEARCH NS_SHARED_DIR

docs="$tmp/docs"
idx="$tmp/idx"
mkdir -p "$docs"

# title_is QUERY ID TITLE: QUERY finds ID, and its title is TITLE
title_is() {
    finds "$1" "$2"
    local got
    got=$("$py" - "$tmp/sout" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if o.get("id") == sys.argv[2]:
        print(o.get("title", ""))
PY
)
    [ "$got" = "$3" ] || fail "'$1': title of $2 is '$got', expected '$3'"
}

# --- encodings
printf 'Caf\xe9 cr\xe8me\nLe caf\xe9 est tr\xe8s bon, na\xefve fa\xe7ade.\n' >"$docs/latin1.txt"
printf 'Grüße aus Köln\nDie Straße ist schön.\n' | iconv -f UTF-8 -t UTF-16 >"$docs/bom16.txt"
printf 'Noël à Québec\nJoyeux Noël, dit le bûcheron.\n' | iconv -f UTF-8 -t UTF-16BE >"$docs/be16.txt"
printf 'Ein Mädchen über Eis\nDas Mädchen läuft.\n' | iconv -f UTF-8 -t UTF-32 >"$docs/u32.text"
# the declaration wins: these bytes would be valid (other) UTF-8 text
printf '<html><head><meta charset="iso-8859-1"><title>R\xe9sum\xe9 du jour</title></head>' >"$docs/page.html"
printf '<body><p>D\xe9j\xe0 vu \x93entre guillemets\x94</p></body></html>\n' >>"$docs/page.html"
printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">' >"$docs/ru.html"
printf '<title>\xcf\xf0\xe8\xe2\xe5\xf2 \xec\xe8\xf0</title></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>\n' >>"$docs/ru.html"
# one broken byte in UTF-8 text: indexed, the byte counted
printf 'Résumé of the zanzibarian ledger\nThe ledger \xff is réel, très réel, à côté de ça.\n' >"$docs/onebad.txt"
# UTF-16 by its BOM, but a run of lone surrogates: not indexed as U+FFFD
{ printf '\xff\xfeq\0u\0'; for _ in $(seq 40); do printf '\x00\xd8'; done; } >"$docs/badwide.txt"

ni -d "$idx" "$docs"
expect_rc 1 "an undecodable file is an error"
summary "7 added"
err_has "$docs/badwide.txt: skipped: not UTF-16LE text (80 of 86 bytes cannot be decoded)"
err_has "$docs/onebad.txt: 1 bytes are not valid UTF-8; each is indexed as U+FFFD"

title_is 'café' "$docs/latin1.txt" 'Café crème'
title_is 'naïve façade' "$docs/latin1.txt" 'Café crème'
title_is 'straße' "$docs/bom16.txt" 'Grüße aus Köln'
title_is 'bûcheron' "$docs/be16.txt" 'Noël à Québec'
title_is 'mädchen' "$docs/u32.text" 'Ein Mädchen über Eis'
title_is 'déjà' "$docs/page.html" 'Résumé du jour'
title_is 'guillemets' "$docs/page.html" 'Résumé du jour'
title_is 'привет' "$docs/ru.html" 'Привет мир'
title_is 'zanzibarian' "$docs/onebad.txt" 'Résumé of the zanzibarian ledger'
# the snippet shows the converted text, curly quotes from WINDOWS-1252 included
ns -d "$idx" --color=never guillemets
grep -qF 'Déjà vu “entre [guillemets]”' "$tmp/out" || fail "snippet of page.html"
# Latin-1 bytes became letters, not U+FFFD
ns -d "$idx" --color=never crème
! grep -qF $'\xef\xbf\xbd' "$tmp/out" || fail "U+FFFD in latin1.txt's text"

# standard input is converted too
printf 'Stdin caf\xe9 sp\xe9cial quokkaville\n' | "$NINDEX" -d "$idx" --id=stdin-cafe - >"$tmp/out" 2>"$tmp/err" || fail "nindex -"
title_is quokkaville stdin-cafe 'Stdin café spécial quokkaville'

# --- compressed files
zd="$tmp/zdocs"
zidx="$tmp/zidx"
mkdir -p "$zd"
printf 'Gzipped quetzalcoatl notes\nThe quetzalcoatl flies over the river.\n' | gzip >"$zd/notes.txt.gz"
printf '<html><title>Axolotl page</title><body><p>An axolotl swims.</p></body></html>' |
    xz >"$zd/a.html.xz"
printf '# Capybara *notes*\n\nA capybara rests [here](http://zorbulon.example).\n' | bzip2 >"$zd/c.md.bz2"
# Latin-1 inside gzip: decompressed, then converted
printf 'Cr\xe8me br\xfbl\xe9e du jour\n' | gzip >"$zd/latin.txt.gz"
# two gzip members in one file (cat a.gz b.gz) are one text
printf 'First member of the wallaby file\n' | gzip >"$zd/two.txt.gz"
printf 'Second member mentions a numbat\n' | gzip >>"$zd/two.txt.gz"
news="$NS_SHARED_DIR/corpora/20newsgroups/docs.jsonl.gz"
cp "$news" "$zd/news.jsonl.gz"
# (whole files, not pipes into head: pipefail would see SIGPIPE)
gzip -dc "$news" >"$tmp/news.jsonl"
head -n 100 "$tmp/news.jsonl" | xz >"$zd/news100.jsonl.xz"
sed -n '101,200p' "$tmp/news.jsonl" | bzip2 >"$zd/news200.jsonl.bz2"
# what is not indexed: cut short, not gzip at all, data after the stream
seq 1 20000 >"$tmp/numbers"
gzip -c "$tmp/numbers" >"$tmp/numbers.gz"
xz -c "$tmp/numbers" >"$tmp/numbers.xz"
head -c 2000 "$tmp/numbers.gz" >"$zd/cut.txt.gz"
head -c 2000 "$tmp/numbers.xz" >"$zd/cut.txt.xz"
printf 'plain text named .gz\n' >"$zd/fake.txt.gz"
{ printf 'a member\n' | gzip; printf 'trailing junk'; } >"$zd/trail.txt.gz"
ni -d "$zidx" "$zd"
expect_rc 1 "broken compressed files are errors"
news_n=$(wc -l <"$tmp/news.jsonl")
# news100 and news200 repeat ids of news.jsonl.gz: unchanged, not added
summary "$((5 + news_n)) added, 0 updated, 200 unchanged"
err_has "$zd/cut.txt.gz: skipped: the compressed data is truncated"
err_has "$zd/cut.txt.xz: skipped: the compressed data is truncated"
err_has "$zd/fake.txt.gz: skipped: not gzip data"
err_has "$zd/trail.txt.gz: skipped: data after the end of the gzip stream"
idx=$zidx
title_is quetzalcoatl "$zd/notes.txt.gz" 'Gzipped quetzalcoatl notes'
title_is axolotl "$zd/a.html.xz" 'Axolotl page'
title_is capybara "$zd/c.md.bz2" 'Capybara notes'
finds_none zorbulon # Markdown's link target is not text, as in a plain .md
title_is brûlée "$zd/latin.txt.gz" 'Crème brûlée du jour'
title_is 'wallaby numbat' "$zd/two.txt.gz" 'First member of the wallaby file'
# every record of the corpus, by its id; the .xz and .bz2 ones are the same
"$NINDEX" --list-ids -d "$zidx" >"$tmp/zids"
[ "$(grep -vc "^$zd/" "$tmp/zids")" -eq "$news_n" ] || fail "not every news record: $(wc -l <"$tmp/zids")"
# a .xz JSON-lines file alone: its 100 records
ni -d "$tmp/xzidx" "$zd/news100.jsonl.xz"
expect_rc 0 ".jsonl.xz"
summary "100 added"

# a zip bomb: 300 gzip members of 1 MB of text each, 300 MB in all, is
# refused once it decompresses past the document limit
"$py" -c 'import sys; sys.stdout.write("the same line of text again and again\n" * 27000)' |
    gzip -9 >"$tmp/member.gz"
for _ in $(seq 300); do cat "$tmp/member.gz"; done >"$tmp/bomb.txt.gz"
ni -d "$tmp/bombidx" "$tmp/bomb.txt.gz"
expect_rc 0 "a bomb is a warning"
err_has "bomb.txt.gz: skipped: decompresses to more than 256 MiB"
summary "0 added"

# --- PDF: written here by hand (objects, a text stream per page, the xref
# table with its offsets), so the test needs no PDF tool
pd="$tmp/pdfs"
mkdir -p "$pd"
"$py" - "$pd" <<'PY'
import sys
out_dir = sys.argv[1]

def pdf(pages, info=None, trailer_extra=""):
    objs = ["<< /Type /Catalog /Pages 2 0 R >>"]
    font = len(pages) * 2 + 3
    kids = " ".join("%d 0 R" % (3 + 2 * i) for i in range(len(pages)))
    objs.append("<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    for i, lines in enumerate(pages):
        objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    "/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, 4 + 2 * i))
        ops = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join("(%s) '" % l for l in lines) + " ET"
        objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(ops), ops))
    objs.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if info:
        objs.append("<< " + " ".join("/%s (%s)" % kv for kv in info.items()) + " >>")
    out = "%PDF-1.4\n"
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += "%d 0 obj\n%s\nendobj\n" % (n, o)
    xref = len(out)
    out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += "".join("%010d 00000 n \n" % o for o in offsets)
    out += "trailer\n<< /Size %d /Root 1 0 R%s%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, " /Info %d 0 R" % len(objs) if info else "", trailer_extra, xref)
    return out.encode("latin-1")

def write(name, data):
    with open(out_dir + "/" + name, "wb") as f:
        f.write(data)

write("okapi.pdf", pdf([["Okapi field report", "The okapi lives in the forest."],
                        ["Second page about the pangolin."]],
                       {"Title": "The Okapi Report", "Author": "Ada Lovelace",
                        "CreationDate": "D:20240315103000Z"}))
write("numbat.pdf", pdf([["Numbat sightings in spring", "A numbat was seen."]]))
# the standard security handler with keys no empty password opens
write("locked.pdf", pdf([["Secret quagga memo"]], trailer_extra=" /Encrypt << /Filter /Standard"
      " /V 1 /R 2 /O <" + "11" * 32 + "> /U <" + "22" * 32 + "> /P -4 >> /ID [<" + "ab" * 16 +
      "> <" + "ab" * 16 + ">]"))
write("cut.pdf", pdf([["Broken tapir file"]])[:60])
PY
gzip -c "$pd/numbat.pdf" >"$pd/numbat2.pdf.gz"
ni -d "$tmp/pidx" "$pd"
expect_rc 1 "a damaged PDF is an error"
summary "3 added"
err_has "$pd/locked.pdf: skipped: an encrypted PDF (it needs a password)"
err_has "$pd/cut.pdf: skipped: not a readable PDF: PDF document is damaged"
idx=$tmp/pidx
# the title from the document info, the date its creation date, every page
title_is okapi "$pd/okapi.pdf" 'The Okapi Report'
title_is pangolin "$pd/okapi.pdf" 'The Okapi Report'
grep -qF '"date":"2024-03-15T10:30:00Z"' "$tmp/sout" || fail "the PDF's creation date"
# the document info's Author is the keyword field author
grep -qF '"author":["Ada Lovelace"]' "$tmp/sout" || fail "the PDF's author field: $(cat "$tmp/sout")"
finds 'author:"ada lovelace"' "$pd/okapi.pdf"
# without a title in the info, the first line; compressed PDFs too
title_is numbat "$pd/numbat.pdf" 'Numbat sightings in spring'
title_is numbat "$pd/numbat2.pdf.gz" 'Numbat sightings in spring'
finds_none quagga

# --- e-mail: an mbox of two messages (a quoted-printable Latin-1 one with an
# encoded Subject, an HTML-only one), the same mbox without an extension, a
# Maildir (cur/, new/, tmp/), an .eml, and a file that is no message
md="$tmp/mail"
mkdir -p "$md/Maildir/cur" "$md/Maildir/new" "$md/Maildir/tmp"
cat >"$md/inbox.mbox" <<'MBOX'
From alice@example.org Mon Mar  4 10:00:00 2024
From: Alice Liddell <alice@example.org>
To: Bob <bob@example.org>
Subject: =?UTF-8?Q?Caf=C3=A9_plans_for_the_wombat_meeting?=
Date: Mon, 04 Mar 2024 10:00:00 +0100
Message-ID: <wombat-1@example.org>
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

We meet at the caf=E9 to discuss the wombat census.

From bob@example.org Tue Mar  5 11:00:00 2024
From: Bob <bob@example.org>
To: Alice Liddell <alice@example.org>
Subject: Re: the wombat meeting
Date: Tue, 05 Mar 2024 11:00:00 +0000
Message-ID: <wombat-2@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<html><body><p>Only HTML here: the <b>bandicoot</b> agrees.</p></body></html>
--b1--
MBOX
sed 's/wombat/quokka/g' "$md/inbox.mbox" >"$md/archive"
printf '\nFrom gus@example.org Thu Mar  7 09:00:00 2024\nFrom: Gus <gus@example.org>\nSubject: No id about the potoroo\n\nA potoroo hops.\n' \
    >>"$md/archive"
printf 'From: Carol <carol@example.org>\nTo: dave@example.org\nSubject: Kiwi report\nDate: Wed, 06 Mar 2024 12:00:00 +0000\n\nThe kiwi population grows.\n' \
    >"$md/Maildir/cur/1709726400.M1P1.host:2,S"
printf 'From: Eve <eve@example.org>\nSubject: Emu news\nMessage-ID: <emu@example.org>\n\nThe emu is fast.\n' \
    >"$md/Maildir/new/1709726401.M2P2.host"
printf 'From: Fay <fay@example.org>\nSubject: Dingo sighting\n\nA dingo crossed the road.\n' >"$md/note.eml"
printf 'just some words about a numbat, no headers\n' >"$md/bad.eml"
ni -d "$tmp/midx" "$md"
expect_rc 1 "a .eml that is no message"
summary "8 added"
err_has "$md/bad.eml: skipped: not an e-mail message"
idx=$tmp/midx
# Subject (RFC 2047 decoded) is the title, Message-ID the id, Date the date
title_is 'wombat census' 'mid:wombat-1@example.org' 'Café plans for the wombat meeting'
grep -qF '"date":"2024-03-04T09:00:00Z"' "$tmp/sout" || fail "the message's Date in UTC"
grep -qF "\"url\":\"$md/inbox.mbox\"" "$tmp/sout" || fail "the message's url is its mbox"
title_is café 'mid:wombat-1@example.org' 'Café plans for the wombat meeting'
# the HTML part when there is no text/plain; From and To are searchable
title_is bandicoot 'mid:wombat-2@example.org' 'Re: the wombat meeting'
finds 'alice@example.org' 'mid:wombat-1@example.org' 'mid:wombat-2@example.org'
# the addresses are keyword fields: from (From) and to (To and Cc)
ns_ids 'from:bob@example.org' # his message, in inbox.mbox and its copy
[[ $(sort "$tmp/ids" | tr '\n' ' ') == 'mid:quokka-2@example.org mid:wombat-2@example.org ' ]] ||
    fail "from:bob: $(cat "$tmp/ids")"
grep -qF '"to":["alice@example.org"]' "$tmp/sout" || fail "the to field: $(cat "$tmp/sout")"
ns_ids 'to:alice@example.org'
[[ $(sort "$tmp/ids" | tr '\n' ' ') == 'mid:quokka-2@example.org mid:wombat-2@example.org ' ]] ||
    fail "to:alice: $(cat "$tmp/ids")"
# the extensionless mbox: its ids are its own Message-IDs, rewritten by sed
title_is quokka 'mid:quokka-1@example.org' 'Café plans for the quokka meeting'
# Maildir: a message with no Message-ID is its path; with one, mid:
title_is kiwi "$md/Maildir/cur/1709726400.M1P1.host:2,S" 'Kiwi report'
title_is emu 'mid:emu@example.org' 'Emu news'
title_is dingo "$md/note.eml" 'Dingo sighting'
# a message of an mbox without a Message-ID: mbox:PATH#N, which --prune keeps
title_is potoroo "mbox:$md/archive#3" 'No id about the potoroo'
ni -d "$tmp/midx" --prune
expect_rc 0 "--prune"
summary "0 added, 0 updated, 0 unchanged, 0 deleted"

# --- EPUB, .odt, .docx: ZIP archives written here with python3's zipfile
ad="$tmp/arch"
mkdir -p "$ad"
"$py" - "$ad" <<'PY'
import sys, zipfile
out_dir = sys.argv[1]

def archive(name, files, mimetype=None):
    with zipfile.ZipFile(out_dir + "/" + name, "w", zipfile.ZIP_DEFLATED) as f:
        if mimetype:  # stored first, as the EPUB and OpenDocument rules say
            f.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        for n, c in files:
            f.writestr(n, c)

xhtml = '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>%s</title></head><body>%s</body></html>'
# the manifest lists chapter two first, the archive holds it first: the spine decides
archive("book.epub", [
    ("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" '
     'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
     '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
     '</rootfiles></container>'),
    ("OEBPS/text/ch2.xhtml", xhtml % ("Two", "<p>Chapter two: the narwhal dives &amp; sings.</p>")),
    ("OEBPS/content.opf", '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
     'version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
     '<dc:title>The Voyage of the Narwhal</dc:title></metadata><manifest>'
     '<item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/>'
     '<item id="c1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/></manifest>'
     '<spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>'),
    ("OEBPS/text/ch1.xhtml", xhtml % ("One", "<h1>Chapter one</h1><p>A beluga appears.</p>")),
], "application/epub+zip")
archive("report.odt", [
    ("content.xml", '<?xml version="1.0"?><office:document-content xmlns:office="o" '
     'xmlns:text="t"><office:body><office:text><text:h text:outline-level="1">Lemur census'
     '</text:h><text:p>The lemur<text:s/>count rose &amp; fell.</text:p>'
     '<text:p>Second paragraph on the aye&#45;aye.</text:p></office:text></office:body>'
     '</office:document-content>'),
    ("meta.xml", '<?xml version="1.0"?><office:document-meta xmlns:office="o" xmlns:dc="d">'
     '<office:meta><dc:title>Lemur Census 2024</dc:title></office:meta></office:document-meta>'),
], "application/vnd.oasis.opendocument.text")
archive("memo.docx", [
    ("[Content_Types].xml", "<Types/>"),
    ("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="w"><w:body>'
     '<w:p><w:r><w:t>Tapir memo</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">The tapir '
     '</w:t></w:r><w:r><w:t>eats fruit.</w:t></w:r><w:r><w:instrText>HYPERLINK zebu'
     '</w:instrText></w:r></w:p></w:body></w:document>'),
])
archive("empty.docx", [("[Content_Types].xml", "<Types/>")])
PY
printf 'not a zip\n' >"$ad/fake.epub"
ni -d "$tmp/aidx" "$ad"
expect_rc 1 "broken archives are errors"
summary "3 added"
err_has "$ad/fake.epub: skipped: not a ZIP archive"
err_has "$ad/empty.docx: skipped: no word/document.xml in the archive"
idx=$tmp/aidx
# titles from the metadata; the spine's order: chapter one's text comes first
title_is narwhal "$ad/book.epub" 'The Voyage of the Narwhal'
title_is beluga "$ad/book.epub" 'The Voyage of the Narwhal'
ns -d "$idx" --json '"beluga appears chapter two"'
grep -qF "$ad/book.epub" "$tmp/out" || fail "the spine's order: chapter one, then two"
title_is 'aye-aye' "$ad/report.odt" 'Lemur Census 2024'
title_is 'count rose' "$ad/report.odt" 'Lemur Census 2024'
# a .docx without a title in its properties: the first paragraph
title_is 'tapir eats' "$ad/memo.docx" 'Tapir memo'
finds_none zebu # field codes are not text

echo "T280 ok"
