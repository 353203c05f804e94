/* input.h — turning the bytes of a file into the fields of a document.
 *
 * These are pure functions over memory (no I/O, no printing), so the unit
 * tests can drive them directly. Reading files and records lives in
 * input_file.c and input_jsonl.c. */
#ifndef NI_INPUT_H
#define NI_INPUT_H

#include <stddef.h>

#include "buf.h"
#include "nsearch.h"

/* Longest title kept, in bytes. A first line can be a whole paragraph (or a
 * 1 MB token); results show titles on one line, so longer ones are cut at a
 * word boundary and end with "…". */
#define NI_TITLE_MAX 200

/* How many leading bytes ni_looks_binary inspects. */
#define NI_SNIFF_BYTES 8192

/* Whether data (the start of a file) looks like binary rather than text: not
 * UTF-16/32 (ni_text_wide) and a NUL byte, or more than 30% of bytes that are control characters or
 * not valid UTF-8 within the first NI_SNIFF_BYTES. Text in a legacy 8-bit encoding (a few accented
 * letters) still counts as text. */
int ni_looks_binary(const char *data, size_t len);

/* Whether data starts as UTF-16 or UTF-32 text rather than binary: by a byte
 * order mark (*bom set to its length) or, for UTF-16 without one, by the NUL
 * byte that each ASCII character carries in the same half of every pair
 * (*bom = 0). Returns the iconv name ("UTF-16LE", "UTF-32BE", ...) or NULL.
 * ni_looks_binary calls text that this names text. */
const char *ni_text_wide(const char *data, size_t len, size_t *bom);

/* Appends to title the title of a plain-text (markdown = 0) or Markdown
 * document: the first line with a letter or digit, trimmed, for Markdown
 * without its leading '#'s, or the "title:" of a YAML front matter block.
 * Cut to NI_TITLE_MAX. Returns NS_OK or NS_ENOMEM. */
int ni_text_title(const char *text, size_t len, int markdown, nsi_buf *title);

/* Appends s[0..len) to title with whitespace runs folded to one space and
 * cut to NI_TITLE_MAX at a word (else character) boundary. */
int ni_title_fit(const char *s, size_t len, nsi_buf *title);

/* The offset past a YAML front matter block at the start of t, else 0. */
size_t ni_front_matter_end(const char *t, size_t len);

/* Appends the text a reader sees in Markdown t[from..len) to out
 * (input_markdown.c says what goes). Returns NS_OK or a buffer error. */
int ni_markdown_to_text(const char *t, size_t len, size_t from, nsi_buf *out);
/* The same for a title: emphasis, code and link markup removed. */
int ni_markdown_title(const char *title, size_t len, nsi_buf *out);

/* Converts HTML to plain text: tags removed; script, style, noscript,
 * template, svg and head content dropped; entities decoded; block elements
 * become line breaks and whitespace is folded (except in <pre>). The title is
 * the <title>, else the first <h1>, else the first line of the text. html is
 * UTF-8 (a declared charset is not applied again); an invalid sequence or a
 * NUL byte becomes U+FFFD. Parsed by libxml2's HTML parser through SAX
 * callbacks, without a tree, so any nesting depth or malformed markup is
 * fine. Thread-safe. body and title are appended to. Returns NS_OK,
 * NS_ENOMEM or NS_ETOOBIG (body->limit, or html of 2 GiB or more). */
int ni_html_to_text(const char *html, size_t len, nsi_buf *body, nsi_buf *title);

/* Appends s[0..len) to out with HTML character references decoded (an
 * attribute's value). Returns NS_OK or a buffer error. */
int ni_html_unescape(const char *s, size_t len, nsi_buf *out);

/* ---------------------------------------------------------- metadata */

/* A document's date as its content gives it (input_meta.c): for HTML, the
 * first of these that ns_date_parse accepts, in this order: <meta> with
 * property or name article:published_time, og:published_time or
 * og:article:published_time, dc.date, dc.date.issued, dcterms.date,
 * dcterms.issued or dcterms.created, date, pubdate or publishdate,
 * itemprop datePublished; JSON-LD "datePublished"; the first <time
 * datetime>. When none parses, the first one found (so the caller can report
 * it). date is appended to; nothing when the page has none. */
int ni_html_date(const char *html, size_t len, nsi_buf *date);

struct ni_fields;

/* A Markdown file's YAML front matter (between "---" lines at the start):
 * date: is appended to date (quotes removed); tags: and author: (also
 * authors:, categories:) become keyword values in fields, as a flow list
 * ([a, b]), a block list ("- a" lines), or one value. Returns NS_OK or
 * NS_ENOMEM. */
int ni_front_matter_fields(const char *text, size_t len, nsi_buf *date, struct ni_fields *fields);

/* ----------------------------------------------------------------- PDF */

/* Extracts the text of the PDF data[0..len) (input_pdf.c, poppler-glib):
 * pages in order, a blank line between pages, appended to body (body->limit
 * applies). title gets the document info's Title, else the text's first
 * line; date (date_len >= 21) the creation date, else the modification
 * date, as ISO 8601 UTC ("" when it has neither); author (may be NULL) is
 * appended the document info's Author. Returns NS_OK, NS_ENOMEM,
 * NS_ETOOBIG, NS_EUNSUPPORTED (encrypted: a password is needed) or
 * NS_EINVAL (not a PDF poppler can read); why (NUL-terminated) then says so. */
int ni_pdf_to_text(const char *data, size_t len, nsi_buf *body, nsi_buf *title, char *date,
                   size_t date_len, nsi_buf *author, char *why, size_t why_len);

/* ------------------------------------------------- EPUB, .odt, .docx */

enum ni_archive_kind { NI_ARCHIVE_EPUB, NI_ARCHIVE_ODT, NI_ARCHIVE_DOCX };

/* Extracts the text of a ZIP-based document (input_archive.c, libarchive):
 * an EPUB's content files in spine order (each through ni_html_to_text), an
 * .odt's content.xml or a .docx's word/document.xml, a line per paragraph,
 * appended to body (body->limit also bounds the bytes decompressed). title
 * gets the metadata's dc:title, else the text's first line. Returns NS_OK,
 * NS_ENOMEM, NS_ETOOBIG, or NS_EINVAL (not such a document; why says so). */
int ni_archive_to_text(const char *data, size_t len, enum ni_archive_kind kind, nsi_buf *body,
                       nsi_buf *title, char *why, size_t why_len);

/* -------------------------------------------------------------- e-mail */

/* A message's id is this prefix and its Message-ID: a file's id is its
 * absolute path, which starts with '/', so the two never clash. */
#define NI_MAIL_ID_PREFIX "mid:"
/* A message of an mbox without a Message-ID: this prefix, the mbox's path,
 * '#' and the message's number (from 1). */
#define NI_MBOX_ID_PREFIX "mbox:"

/* One message as ni_mail_read hands it over; the buffers are reused from
 * one message to the next (the caller zeroes the struct once, frees them). */
typedef struct ni_mail_msg {
    nsi_buf id;     /* NI_MAIL_ID_PREFIX + Message-ID; empty without one */
    nsi_buf title;  /* the Subject, cut to NI_TITLE_MAX; may be empty */
    nsi_buf body;   /* "From: ...", "To: ..." lines, a blank line, the text */
    nsi_buf from;   /* the From addresses (user@host), one per line */
    nsi_buf to;     /* the To and Cc addresses, one per line */
    char date[32];  /* the Date as ISO 8601 UTC, or "" */
    unsigned index; /* 1 for the first message of the file */
} ni_mail_msg;

/* Called for each message; a status other than NS_OK stops the reading and
 * is returned by ni_mail_read. */
typedef int (*ni_mail_cb)(void *ctx, const ni_mail_msg *m);

/* Reads the e-mail message in data[0..len) (mbox = 0: one RFC 5322 message,
 * a Maildir or .eml file) or every message of an mbox (mbox = 1), and calls
 * cb for each (input_mail.c, GMime): the body is the first text/plain part
 * that is not an attachment, else the first text/html part as text. Returns
 * NS_OK, NS_EINVAL when not even one message could be read (why says so),
 * or what cb or a buffer returned. m's buffers' limits apply. */
int ni_mail_read(const char *data, size_t len, int mbox, ni_mail_cb cb, void *ctx, ni_mail_msg *m,
                 char *why, size_t why_len);

/* ---------------------------------------------------------- JSON lines */

/* A line may carry a body of NS_MAX_DOC_BYTES plus its other fields and
 * escapes; a longer one cannot make an acceptable document. */
#define NI_LINE_MAX ((size_t)NS_MAX_DOC_BYTES + (1u << 20))

struct json_tokener;
struct json_object;

/* One parsed JSON-lines record. doc's fields point into obj and meta, so
 * they stay valid until ni_jsonl_record_clear. */
typedef struct ni_jsonl_record {
    struct json_object *obj;
    ns_doc doc;
    nsi_buf meta; /* the other fields, as a JSON object text */
} ni_jsonl_record;

enum ni_jsonl_result {
    NI_JSONL_OK,
    NI_JSONL_BLANK,     /* an empty or whitespace-only line: ignore */
    NI_JSONL_MALFORMED, /* not JSON, or not an object */
    NI_JSONL_INVALID,   /* JSON, but no usable id or a field of the wrong type */
    NI_JSONL_NOMEM
};

/* Parses one line (without its line break) into rec, which the caller zeroes
 * once and clears after each use. Fields: id (string or number, required),
 * title, body, url, date (strings; numbers are taken as their text, null as
 * absent); every other field goes to doc.meta as a JSON object. On failure,
 * why (at least 128 bytes) says what is wrong and where ("unexpected
 * character at column 17"). tok is reused between calls. */
enum ni_jsonl_result ni_jsonl_parse(struct json_tokener *tok, const char *line, size_t len,
                                    ni_jsonl_record *rec, char *why, size_t why_len);
void ni_jsonl_record_clear(ni_jsonl_record *rec);

/* A tokener set up for strict JSON with UTF-8 validation. NULL on ENOMEM. */
struct json_tokener *ni_jsonl_tokener(void);

#endif
