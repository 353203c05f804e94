/* input_file.c — one file (or standard input) to one document.
 *
 * The kind comes from the extension: .txt/.text and no extension are text,
 * .md/.markdown Markdown, .html/.htm/.xhtml HTML, .jsonl/.ndjson JSON lines,
 * .pdf PDF (input_pdf.c), .eml an e-mail message and .mbox/.mbx an mbox
 * (input_mail.c; so are a Maildir's messages, and a file without extension
 * that starts as an mbox does); .epub, .odt and .docx (input_archive.c);
 * each also compressed, the name ending in .gz, .xz or .bz2 (decompress.c),
 * read as it decompresses. Any other file is indexed as text if it looks like text and
 * skipped as unsupported otherwise. The content decides too: a .txt holding
 * binary data is skipped. Text in another encoding than UTF-8 is converted
 * before a reader sees it (charset.c).
 *
 * A document's date is what its content says (an HTML page's metas, a
 * Markdown front matter's date:, a PDF's creation date, a message's Date:),
 * never when the file was last written: that is the field mtime of every
 * file (docs/fields.md, "Inputs"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "charset.h"
#include "decompress.h"
#include "fields.h"
#include "input.h"
#include "nindex.h"
#include "report.h"

enum kind {
    KIND_TEXT,
    KIND_MARKDOWN,
    KIND_HTML,
    KIND_JSONL,
    KIND_PDF,
    KIND_MAIL, /* one message: .eml, or a file in a Maildir's cur/ or new/ */
    KIND_MBOX,
    KIND_EPUB, /* ZIP archives of XML (input_archive.c) */
    KIND_ODT,
    KIND_DOCX,
    KIND_OTHER
};

static const char *const text_exts[] = {".txt", ".text", NULL};
static const char *const markdown_exts[] = {".md", ".markdown", ".mdown", ".mkd", NULL};
static const char *const html_exts[] = {".html", ".htm", ".xhtml", NULL};
static const char *const jsonl_exts[] = {".jsonl", ".ndjson", NULL};
static const char *const pdf_exts[] = {".pdf", NULL};
static const char *const mail_exts[] = {".eml", NULL};
static const char *const mbox_exts[] = {".mbox", ".mbx", NULL};
static const char *const epub_exts[] = {".epub", NULL};
static const char *const odt_exts[] = {".odt", NULL};
static const char *const docx_exts[] = {".docx", NULL};

static int ext_in(const char *ext, size_t len, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == len && !strncasecmp(ext, *list, len))
            return 1;
    return 0;
}

/* The kind of path by its name; *ext is its extension ("" if none; with a
 * compression's, ".tar.gz"), *comp the compression its last extension names:
 * the kind comes from the extension before that one (notes.txt.gz is text). */
static enum kind kind_of(const char *path, const char **ext, enum ni_compression *comp)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    while (*name == '.') /* ".profile" has no extension */
        name++;
    size_t stem;
    *comp = ni_compression_of(name, &stem);
    const char *dot = NULL;
    for (size_t i = 0; i < stem; i++)
        if (name[i] == '.')
            dot = name + i;
    if (*comp != NI_PLAIN && !dot) /* "notes.gz": the compressed file's own dot */
        dot = name + stem;
    *ext = dot ? dot : "";
    if (!dot || dot == name + stem)
        return KIND_TEXT;
    size_t len = (size_t)(name + stem - dot);
    if (ext_in(dot, len, jsonl_exts))
        return KIND_JSONL;
    if (ext_in(dot, len, text_exts))
        return KIND_TEXT;
    if (ext_in(dot, len, markdown_exts))
        return KIND_MARKDOWN;
    if (ext_in(dot, len, html_exts))
        return KIND_HTML;
    if (ext_in(dot, len, pdf_exts))
        return KIND_PDF;
    if (ext_in(dot, len, mail_exts))
        return KIND_MAIL;
    if (ext_in(dot, len, mbox_exts))
        return KIND_MBOX;
    if (ext_in(dot, len, epub_exts))
        return KIND_EPUB;
    if (ext_in(dot, len, odt_exts))
        return KIND_ODT;
    if (ext_in(dot, len, docx_exts))
        return KIND_DOCX;
    return KIND_OTHER;
}

/* Reads the (decompressed) stream into r->data, at most NS_MAX_DOC_BYTES.
 * With sniff, stops early once the first bytes show binary data (*binary
 * set), so a large binary file is not read in full. Returns 0, or an errno value; EFBIG
 * when too large, EILSEQ for compressed data that is not valid
 * (ni_dstream_error says why). */
static int read_all(ni_run *r, ni_dstream *ds, int sniff, int *binary)
{
    nsi_buf *b = &r->data;
    int sniffed = !sniff; /* a PDF is binary: read it whole */
    nsi_buf_reset(b);
    b->limit = NS_MAX_DOC_BYTES;
    *binary = 0;
    for (;;) {
        size_t want = b->len < NI_SNIFF_BYTES ? NI_SNIFF_BYTES : 1u << 20;
        if (want > b->limit - b->len)
            want = b->limit - b->len;
        if (want == 0) {
            /* Full up to the limit: fine if the file ends exactly here. */
            char probe;
            ssize_t n;
            while ((n = ni_dstream_read(ds, &probe, 1)) < 0 && errno == EINTR && !ni_interrupted)
                ;
            return n == 0 ? 0 : n < 0 ? (ni_interrupted ? EINTR : errno) : EFBIG;
        }
        if (nsi_buf_reserve(b, want) != NS_OK)
            return ENOMEM;
        ssize_t n = ni_dstream_read(ds, b->str + b->len, want);
        if (n < 0) {
            if (errno == EINTR && !ni_interrupted)
                continue;
            return ni_interrupted ? EINTR : errno;
        }
        b->len += (size_t)n;
        b->str[b->len] = '\0';
        if (!sniffed && (b->len >= NI_SNIFF_BYTES || n == 0)) {
            sniffed = 1;
            if ((*binary = ni_looks_binary(b->str, b->len)) != 0)
                return 0;
        }
        if (n == 0)
            return 0;
    }
}

static int all_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] > ' ')
            return 0;
    return 1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* Fills title and body from r->data according to kind. Returns NS_OK or a
 * buffer error. */
static int extract(ni_run *r, enum kind kind, const char **body, size_t *body_len)
{
    const char *d = r->data.str;
    size_t n = r->data.len;
    nsi_buf_reset(&r->title);
    if (kind == KIND_HTML) {
        nsi_buf_reset(&r->text);
        r->text.limit = NS_MAX_DOC_BYTES;
        int st = ni_html_to_text(d, n, &r->text, &r->title);
        *body = r->text.str ? r->text.str : "";
        *body_len = r->text.len;
        return st;
    }
    if (n >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3)) { /* a BOM is not content */
        d += 3;
        n -= 3;
    }
    *body = d;
    *body_len = n;
    if (kind != KIND_MARKDOWN)
        return ni_text_title(d, n, 0, &r->title);
    nsi_buf raw = {0};
    raw.limit = r->title.limit;
    nsi_buf_reset(&r->text);
    r->text.limit = NS_MAX_DOC_BYTES;
    int st = ni_text_title(d, n, 1, &raw);
    if (st == NS_OK)
        st = ni_markdown_title(raw.str ? raw.str : "", raw.len, &r->title);
    if (st == NS_OK)
        st = ni_markdown_to_text(d, n, ni_front_matter_end(d, n), &r->text);
    nsi_buf_free(&raw);
    *body = r->text.str ? r->text.str : "";
    *body_len = r->text.len;
    return st;
}

typedef struct file_drop {
    ni_run *r;
    const char *where;
} file_drop;

static void file_field_dropped(void *ctx, const char *name, const char *why)
{
    file_drop *d = ctx;
    ni_field_dropped(d->r, d->where, name, why, d->r->quiet);
}

/* The date and fields the content of r->data gives (HTML metas, Markdown
 * front matter) and the file's modification time as the field mtime, into
 * date and r->fields; values that do not fit are reported and dropped. */
static int gather_fields(ni_run *r, enum kind kind, const char *where, const time_t *mtime,
                         nsi_buf *date)
{
    file_drop d = {r, where};
    ni_fields_reset(&r->fields);
    int st = NS_OK;
    if (kind == KIND_HTML)
        st = ni_html_date(r->data.str, r->data.len, date);
    else if (kind == KIND_MARKDOWN)
        st = ni_front_matter_fields(r->data.str, r->data.len, date, &r->fields);
    int64_t secs;
    if (st == NS_OK && date->len && ns_date_parse(date->str, date->len, &secs) != NS_OK) {
        char why[512];
        ni_field_value_ok(NS_FIELD_DATE, date->str, date->len, why, sizeof why);
        file_field_dropped(&d, "date", why);
        nsi_buf_reset(date);
    }
    char m[32];
    if (st == NS_OK && mtime && ns_date_format((int64_t)*mtime, m, sizeof m) == NS_OK)
        st = ni_fields_add(&r->fields, "mtime", 5, m, strlen(m), NS_FIELD_DATE);
    if (st == NS_OK)
        ni_fields_check(&r->fields, ni_field_type, r, file_field_dropped, &d);
    return st;
}

/* Turns r->data into UTF-8 when it is in another encoding (charset.c).
 * Undecodable bytes: a few are indexed as U+FFFD and reported with their
 * count; more than 1 in NI_CHARSET_BAD_RATIO and the file is skipped as
 * malformed. Returns 0 to go on, 1 when the input was skipped (reported). */
static int to_utf8(ni_run *r, enum kind kind, const char *where)
{
    ni_charset cs;
    nsi_buf_reset(&r->text);
    r->text.limit = NS_MAX_DOC_BYTES;
    int st = ni_charset_decode(r->data.str, r->data.len, kind == KIND_HTML, &r->text, &cs);
    if (st == NS_ETOOBIG) {
        ni_skip(r, NI_TOOBIG, where, "skipped: text larger than %u MiB as UTF-8 (from %s)",
                (unsigned)(NS_MAX_DOC_BYTES >> 20), cs.name);
        return 1;
    }
    if (st != NS_OK) {
        ni_skip(r, NI_UNREADABLE, where, "skipped: %s", ns_strerror(st));
        return 1;
    }
    size_t in_len = r->data.len;
    if (cs.converted) { /* the readers read r->data */
        nsi_buf t = r->data;
        r->data = r->text;
        r->text = t;
    }
    if (cs.bad > in_len / NI_CHARSET_BAD_RATIO) {
        ni_skip(r, NI_MALFORMED, where, "skipped: not %s text (%zu of %zu bytes cannot be decoded)",
                cs.name, cs.bad, in_len);
        return 1;
    }
    if (cs.bad && !r->quiet)
        ni_msg("%s: %zu bytes are not valid %s; each is indexed as U+FFFD", where, cs.bad, cs.name);
    return 0;
}

/* Indexes the content now in r->data. mtime: the file's (NULL for standard
 * input), a field, never the document's date. */
static void index_content(ni_run *r, enum kind kind, const char *where, const char *id,
                          const char *url, const time_t *mtime)
{
    const char *body;
    size_t body_len;
    char pdf_date[32] = "";
    nsi_buf *author = &r->author;
    int st;
    nsi_buf_reset(author);
    if (kind == KIND_PDF || kind == KIND_EPUB || kind == KIND_ODT || kind == KIND_DOCX) {
        char why[512];
        nsi_buf_reset(&r->title);
        nsi_buf_reset(&r->text);
        r->text.limit = NS_MAX_DOC_BYTES;
        pdf_date[0] = '\0';
        if (kind == KIND_PDF)
            st = ni_pdf_to_text(r->data.str, r->data.len, &r->text, &r->title, pdf_date,
                                sizeof pdf_date, author, why, sizeof why);
        else
            st = ni_archive_to_text(r->data.str, r->data.len,
                                    kind == KIND_EPUB  ? NI_ARCHIVE_EPUB
                                    : kind == KIND_ODT ? NI_ARCHIVE_ODT
                                                       : NI_ARCHIVE_DOCX,
                                    &r->text, &r->title, why, sizeof why);
        if (st == NS_EUNSUPPORTED || st == NS_EINVAL) {
            ni_skip(r, st == NS_EINVAL ? NI_MALFORMED : NI_UNSUPPORTED, where, "skipped: %s", why);
            return;
        }
        body = r->text.str ? r->text.str : "";
        body_len = r->text.len;
    } else {
        if (to_utf8(r, kind, where))
            return;
        st = extract(r, kind, &body, &body_len);
    }
    if (st == NS_ETOOBIG) {
        ni_skip(r, NI_TOOBIG, where, "skipped: text larger than %u MiB",
                (unsigned)(NS_MAX_DOC_BYTES >> 20));
        return;
    }
    if (st != NS_OK) {
        ni_skip(r, NI_UNREADABLE, where, "skipped: %s", ns_strerror(st));
        return;
    }
    if (all_blank(body, body_len)) {
        ni_skip(r, NI_EMPTY, where, "skipped: %s",
                kind == KIND_PDF                             ? "no text (only images?)"
                : kind == KIND_TEXT || kind == KIND_MARKDOWN ? "empty file"
                                                             : "no text");
        return;
    }
    nsi_buf date = {0};
    st = gather_fields(r, kind, where, mtime, &date);
    if (st == NS_OK && pdf_date[0]) { /* a PDF's own creation date */
        nsi_buf_reset(&date);
        st = nsi_buf_puts(&date, pdf_date);
    }
    if (st == NS_OK && author->len) { /* a PDF's Author: a keyword field */
        st = ni_fields_add(&r->fields, "author", 6, author->str, author->len, NS_FIELD_KEYWORD);
        if (st == NS_OK) {
            file_drop d = {r, where};
            ni_fields_check(&r->fields, ni_field_type, r, file_field_dropped, &d);
        }
    }
    if (st != NS_OK) {
        ni_skip(r, NI_UNREADABLE, where, "skipped: %s", ns_strerror(st));
        nsi_buf_free(&date);
        return;
    }
    /* Without a title line (only punctuation, say) the file name stands in. */
    if (r->title.len == 0 && url)
        ni_title_fit(base_name(url), strlen(base_name(url)), &r->title);
    ns_doc doc = {0};
    doc.id = id;
    doc.id_len = strlen(id);
    doc.title = r->title.str;
    doc.title_len = r->title.len;
    doc.body = body;
    doc.body_len = body_len;
    if (url) {
        doc.url = url;
        doc.url_len = strlen(url);
    }
    if (date.len) {
        doc.date = date.str;
        doc.date_len = date.len;
    }
    ni_put_fields(r, &doc, ni_fields_view(&r->fields), r->fields.n, where);
    nsi_buf_free(&date);
}

static void report_read_error(ni_run *r, const char *path, int err, const struct stat *st,
                              const ni_dstream *ds)
{
    if (err == EINTR)
        return; /* interrupted: the summary says so */
    enum ni_compression comp = ni_dstream_compression(ds);
    if (err == EFBIG && comp != NI_PLAIN) /* a zip bomb, say */
        ni_skip(r, NI_TOOBIG, path, "skipped: decompresses to more than %u MiB",
                (unsigned)(NS_MAX_DOC_BYTES >> 20));
    else if (err == EFBIG)
        ni_skip(r, NI_TOOBIG, path, "skipped: larger than %u MiB",
                (unsigned)(NS_MAX_DOC_BYTES >> 20));
    else if (err == EILSEQ)
        ni_skip(r, NI_MALFORMED, path, "skipped: %s", ni_dstream_error(ds));
    else if (err == ENOMEM)
        ni_skip(r, NI_UNREADABLE, path, "skipped: out of memory (%lld bytes)",
                (long long)st->st_size);
    else
        ni_skip(r, NI_UNREADABLE, path, "skipped: cannot read (%s)", strerror(err));
}

/* Whether path is a message of a Maildir: in its cur/ or new/ folder, beside
 * which tmp/, cur/ and new/ all are. The last Maildir seen is remembered, as
 * a walk reads its messages one after the other. */
static int in_maildir(const char *path)
{
    static char last[4096];
    static int last_is;
    const char *slash = strrchr(path, '/');
    if (!slash || slash - path < 5)
        return 0;
    const char *folder = slash - 4; /* "/cur" or "/new" before the name */
    if (memcmp(folder, "/cur", 4) && memcmp(folder, "/new", 4))
        return 0;
    size_t root = (size_t)(folder - path);
    if (root >= sizeof last - 8)
        return 0;
    if (strlen(last) == root && !memcmp(last, path, root))
        return last_is;
    memcpy(last, path, root);
    last[root] = '\0';
    char sub[sizeof last];
    struct stat st;
    last_is = 1;
    for (const char *const *d = (const char *const[]){"/cur", "/new", "/tmp", NULL}; *d; d++) {
        snprintf(sub, sizeof sub, "%s%s", last, *d);
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            last_is = 0;
    }
    return last_is;
}

/* Whether text without a known extension is an mbox: a "From " line, then
 * a header line ("Name: value"). */
static int looks_mbox(const char *d, size_t n)
{
    if (n < 5 || memcmp(d, "From ", 5))
        return 0;
    const char *nl = memchr(d, '\n', n);
    if (!nl)
        return 0;
    const char *h = nl + 1, *e = d + n;
    const char *p = h;
    while (p < e && *p != ':' && *p > ' ' && *p < 0x7F)
        p++;
    return p > h && p < e && *p == ':';
}

typedef struct mail_put {
    ni_run *r;
    const char *path, *shown, *mtime;
    int mbox;
} mail_put;

static int put_message(void *ctx, const ni_mail_msg *m)
{
    mail_put *c = ctx;
    char id[4200], where[4200];
    const char *doc_id = m->id.len ? m->id.str : c->path;
    if (!m->id.len && c->mbox) { /* the Nth message, for want of an id; not a path,
                                  * so that --prune, which stats ids that start
                                  * with '/', leaves it alone */
        snprintf(id, sizeof id, "%s%s#%u", NI_MBOX_ID_PREFIX, c->path, m->index);
        doc_id = id;
    }
    if (c->mbox)
        snprintf(where, sizeof where, "%s: message %u", c->shown, m->index);
    else
        snprintf(where, sizeof where, "%s", c->shown);
    ns_doc doc = {0};
    doc.id = doc_id;
    doc.id_len = strlen(doc_id);
    doc.title = m->title.len ? m->title.str : "(no subject)";
    doc.title_len = m->title.len ? m->title.len : strlen(doc.title);
    doc.body = m->body.str ? m->body.str : "";
    doc.body_len = m->body.len;
    doc.url = c->path;
    doc.url_len = strlen(c->path);
    const char *date = m->date[0] ? m->date : c->mtime;
    if (date && date[0]) {
        doc.date = date;
        doc.date_len = strlen(date);
    }
    /* From, To and Cc addresses: keyword fields from and to */
    ni_run *r = c->r;
    ni_fields_reset(&r->fields);
    int st = NS_OK;
    for (int k = 0; k < 2 && st == NS_OK; k++) {
        const nsi_buf *b = k ? &m->to : &m->from;
        for (size_t i = 0; i < b->len && st == NS_OK;) {
            const char *nl = memchr(b->str + i, '\n', b->len - i);
            size_t e = nl ? (size_t)(nl - b->str) : b->len;
            if (e > i)
                st = ni_fields_add(&r->fields, k ? "to" : "from", k ? 2 : 4, b->str + i, e - i,
                                   NS_FIELD_KEYWORD);
            i = e + 1;
        }
    }
    if (st != NS_OK)
        return st;
    file_drop d = {r, where};
    ni_fields_check(&r->fields, ni_field_type, r, file_field_dropped, &d);
    ni_put_fields(r, &doc, ni_fields_view(&r->fields), r->fields.n, where);
    return ni_stopping(c->r) ? 1 : NS_OK; /* 1: stop reading the mbox */
}

/* Indexes the message (or, for an mbox, every message) now in r->data. */
static void index_mail(ni_run *r, enum kind kind, const char *path, const char *shown,
                       const char *mtime)
{
    mail_put c = {r, path, shown, mtime, kind == KIND_MBOX};
    ni_mail_msg m = {0};
    m.body.limit = NS_MAX_DOC_BYTES;
    m.title.limit = 4 * NI_TITLE_MAX;
    char why[256];
    int st = ni_mail_read(r->data.str, r->data.len, c.mbox, put_message, &c, &m, why, sizeof why);
    if (st == NS_EINVAL)
        ni_skip(r, NI_MALFORMED, shown, "skipped: %s", why);
    else if (st == NS_ETOOBIG)
        ni_skip(r, NI_TOOBIG, shown, "skipped: message %u has more than %u MiB of text", m.index,
                (unsigned)(NS_MAX_DOC_BYTES >> 20));
    else if (st != NS_OK && st != 1)
        ni_skip(r, NI_UNREADABLE, shown, "skipped: %s", ns_strerror(st));
    nsi_buf_free(&m.id);
    nsi_buf_free(&m.title);
    nsi_buf_free(&m.body);
    nsi_buf_free(&m.from);
    nsi_buf_free(&m.to);
}

static void index_file(ni_run *r, const char *path, const char *shown, const struct stat *st)
{
    const char *ext;
    enum ni_compression comp;
    enum kind kind = kind_of(path, &ext, &comp);
    if (in_maildir(path)) /* its names end in flags (":2,S"), not extensions */
        kind = KIND_MAIL;
    if (kind == KIND_JSONL) {
        ni_index_jsonl(r, path, shown);
        return;
    }
    int regular = S_ISREG(st->st_mode);
    if (regular && st->st_size == 0) {
        ni_skip(r, NI_EMPTY, shown, "skipped: empty file");
        return;
    }
    if (regular && (uint64_t)st->st_size > NS_MAX_DOC_BYTES) {
        ni_skip(r, NI_TOOBIG, shown, "skipped: larger than %u MiB",
                (unsigned)(NS_MAX_DOC_BYTES >> 20));
        r->passed += (uint64_t)st->st_size;
        return;
    }
    /* O_NONBLOCK: a regular file ignores it, and a FIFO swapped in after the
     * walk's stat cannot hang us; named pipes given explicitly block as
     * expected. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (regular ? O_NONBLOCK : 0));
    if (fd < 0) {
        ni_skip(r, NI_UNREADABLE, shown, "skipped: cannot open (%s)", strerror(errno));
        return;
    }
    ni_dstream *ds = ni_dstream_open(fd, comp);
    if (!ds) {
        close(fd);
        ni_skip(r, NI_UNREADABLE, shown, "skipped: out of memory");
        return;
    }
    int whole = kind == KIND_PDF || kind == KIND_EPUB || kind == KIND_ODT || kind == KIND_DOCX;
    int binary, err = read_all(r, ds, !whole, &binary); /* binary formats: no sniffing */
    /* bytes of the file (compressed), as the progress total counts them */
    uint64_t consumed = ni_dstream_consumed(ds);
    r->bytes += consumed;
    if (regular && (uint64_t)st->st_size > consumed)
        r->passed += (uint64_t)st->st_size - consumed; /* binary: only sniffed */
    if (err)
        report_read_error(r, shown, err, st, ds);
    ni_dstream_close(ds);
    close(fd);
    if (err)
        return;
    if (r->data.len == 0)
        ni_skip(r, NI_EMPTY, shown, "skipped: empty file");
    else if (binary && kind == KIND_OTHER)
        ni_skip(r, NI_UNSUPPORTED, shown, "skipped: unsupported file type (%s)", ext);
    else if (binary)
        ni_skip(r, NI_BINARY, shown, "skipped: binary file");
    else {
        if ((kind == KIND_OTHER || (kind == KIND_TEXT && !ext[0])) &&
            looks_mbox(r->data.str, r->data.len))
            kind = KIND_MBOX; /* ~/mail/inbox has no extension */
        if (kind == KIND_MAIL || kind == KIND_MBOX)
            index_mail(r, kind, path, shown, NULL); /* a message's date is its Date: */
        else
            index_content(r, kind == KIND_OTHER ? KIND_TEXT : kind, shown, path, path,
                          &st->st_mtime);
    }
    ni_run_progress(r, 0);
}

static uint64_t problems(const ni_run *r)
{
    uint64_t n = r->dropped + (uint64_t)r->had_errors + (r->fatal != NS_OK);
    for (int i = 0; i < NI_NREASONS; i++)
        n += r->skipped[i];
    return n;
}

/* A file whose stamp (size, mtime, inode, device) is that of the last run
 * is counted unchanged without being opened (stamps.h), unless --rehash. A
 * file read again gets a new stamp when every document it gave was put
 * without a problem (a skip, a dropped field value, an error: reported
 * again next time). */
void ni_index_file(ni_run *r, const char *path, const char *shown, const struct stat *st)
{
    size_t len = strlen(path);
    uint32_t ndocs;
    if (r->stamps && !r->rehash && ni_stamps_match(r->stamps, path, len, st, &ndocs)) {
        r->unchanged += ndocs;
        r->passed += (uint64_t)st->st_size;
        ni_run_progress(r, 0);
        return;
    }
    if (!r->stamps) {
        index_file(r, path, shown, st);
        return;
    }
    ni_stamps_drop(r->stamps, path, len);
    uint64_t before = problems(r), docs = r->added + r->updated + r->unchanged;
    r->cur_file = path;
    r->cur_file_len = len;
    r->foreign_ids = 0;
    index_file(r, path, shown, st);
    r->cur_file = NULL;
    docs = r->added + r->updated + r->unchanged - docs;
    if (docs && docs <= UINT32_MAX && problems(r) == before && !ni_stopping(r) &&
        ni_stamps_set(r->stamps, path, len, st, (uint32_t)docs,
                      r->foreign_ids ? NI_STAMP_FOREIGN_IDS : 0)) {
        ni_msg("out of memory: file stamps are not kept");
        ni_stamps_free(r->stamps);
        r->stamps = NULL;
    }
}

void ni_index_stdin_text(ni_run *r, const char *id)
{
    ni_dstream *ds = ni_dstream_open(STDIN_FILENO, NI_PLAIN);
    if (!ds) {
        ni_skip(r, NI_UNREADABLE, "-", "skipped: out of memory");
        return;
    }
    int binary, err = read_all(r, ds, 1, &binary);
    ni_dstream_close(ds);
    r->bytes += r->data.len;
    if (err == EINTR)
        return;
    if (err == EFBIG)
        ni_skip(r, NI_TOOBIG, "-", "skipped: larger than %u MiB",
                (unsigned)(NS_MAX_DOC_BYTES >> 20));
    else if (err)
        ni_skip(r, NI_UNREADABLE, "-", "skipped: cannot read standard input (%s)", strerror(err));
    else if (r->data.len == 0)
        ni_skip(r, NI_EMPTY, "-", "skipped: empty input");
    else if (binary)
        ni_skip(r, NI_BINARY, "-", "skipped: binary input");
    else
        index_content(r, KIND_TEXT, "-", id, NULL, NULL);
}
