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

/* Whether data (the start of a file) looks like binary rather than text: a NUL
 * byte, or more than 30% of bytes that are control characters or not valid
 * UTF-8 within the first NI_SNIFF_BYTES. Text in a legacy 8-bit encoding
 * (a few accented letters) still counts as text. */
int ni_looks_binary(const char *data, size_t len);

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
