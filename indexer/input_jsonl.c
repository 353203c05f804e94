/* input_jsonl.c — JSON lines (plain or gzip) to documents.
 *
 * One JSON object per line: {"id", "title", "body", "url", "date", ...}. Each
 * line stands alone, so a bad line is reported with its number and skipped
 * while the rest of the file is indexed. zlib's gz* reader passes plain files
 * through unchanged, so both spellings share one path. */
#include <errno.h>
#include <json-c/json.h>
#include <json-c/json_object_iterator.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "input.h"
#include "nindex.h"
#include "report.h"

#define NI_JSON_DEPTH 64
#define NI_CHUNK_BYTES (256u << 10)
/* A line may carry a body of NS_MAX_DOC_BYTES plus its other fields and
 * escapes; a longer one cannot make an acceptable document. */
#define NI_LINE_MAX ((size_t)NS_MAX_DOC_BYTES + (1u << 20))
/* Bad lines reported per file; the rest are counted in the summary. */
#define NI_REPORT_PER_FILE 10

struct json_tokener *ni_jsonl_tokener(void)
{
    json_tokener *tok = json_tokener_new_ex(NI_JSON_DEPTH);
    if (tok)
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    return tok;
}

void ni_jsonl_record_clear(ni_jsonl_record *rec)
{
    json_object_put(rec->obj);
    rec->obj = NULL;
    ni_buf_reset(&rec->meta);
    memset(&rec->doc, 0, sizeof rec->doc);
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A scalar field's text: strings as they are, numbers and booleans as written,
 * null as absent. Returns 0 for objects and arrays. */
static int field_text(json_object *v, const char **s, size_t *n)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        *s = NULL;
        *n = 0;
        return 1;
    case json_type_string:
        *s = json_object_get_string(v);
        *n = (size_t)json_object_get_string_len(v);
        return 1;
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
        *s = json_object_get_string(v);
        *n = strlen(*s);
        return 1;
    default:
        return 0;
    }
}

static const char *type_name(json_object *v)
{
    return json_type_to_name(json_object_get_type(v));
}

/* Sets the id from v; only non-empty strings and numbers identify. */
static int take_id(json_object *v, ns_doc *doc)
{
    json_type t = json_object_get_type(v);
    if (t != json_type_string && t != json_type_int && t != json_type_double)
        return 0;
    field_text(v, &doc->id, &doc->id_len);
    return doc->id_len > 0;
}

/* Files the field (key, v) into the document or, for unknown keys, into
 * meta (created on first use). Returns 0 with why set if v is unusable. */
static int take_field(ni_jsonl_record *rec, const char *key, json_object *v,
                      json_object **meta, char *why, size_t why_len)
{
    static const char *const names[] = {"title", "body", "url", "date"};
    const char **dst[] = {&rec->doc.title, &rec->doc.body, &rec->doc.url, &rec->doc.date};
    size_t *dst_len[] = {&rec->doc.title_len, &rec->doc.body_len, &rec->doc.url_len,
                         &rec->doc.date_len};
    if (!strcmp(key, "id")) {
        if (take_id(v, &rec->doc))
            return 1;
        snprintf(why, why_len, "\"id\" must be a non-empty string or a number, not %s",
                 json_object_get_type(v) == json_type_string ? "an empty string" : type_name(v));
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (strcmp(key, names[i]))
            continue;
        if (field_text(v, dst[i], dst_len[i]))
            return 1;
        snprintf(why, why_len, "\"%s\" must be a string, not an %s", key, type_name(v));
        return 0;
    }
    if (!*meta && !(*meta = json_object_new_object()))
        return 0;
    return json_object_object_add(*meta, key, json_object_get(v)) == 0;
}

static enum ni_jsonl_result fill_fields(ni_jsonl_record *rec, char *why, size_t why_len)
{
    json_object *meta = NULL;
    struct json_object_iterator it = json_object_iter_begin(rec->obj);
    struct json_object_iterator end = json_object_iter_end(rec->obj);
    enum ni_jsonl_result res = NI_JSONL_OK;
    why[0] = '\0';
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        if (!take_field(rec, json_object_iter_peek_name(&it), json_object_iter_peek_value(&it),
                        &meta, why, why_len)) {
            res = why[0] ? NI_JSONL_INVALID : NI_JSONL_NOMEM;
            break;
        }
    }
    if (res == NI_JSONL_OK && !rec->doc.id_len) {
        snprintf(why, why_len, "missing \"id\"");
        res = NI_JSONL_INVALID;
    }
    if (res == NI_JSONL_OK && meta) {
        size_t n;
        const char *text = json_object_to_json_string_length(
            meta, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        rec->meta.limit = NI_LINE_MAX;
        if (!text || ni_buf_append(&rec->meta, text, n) != NS_OK)
            res = NI_JSONL_NOMEM;
        rec->doc.meta = rec->meta.data;
        rec->doc.meta_len = rec->meta.len;
    }
    json_object_put(meta);
    return res;
}

enum ni_jsonl_result ni_jsonl_parse(struct json_tokener *tok, const char *line, size_t len,
                                    ni_jsonl_record *rec, char *why, size_t why_len)
{
    size_t lead = 0;
    while (lead < len && is_ws(line[lead]))
        lead++;
    while (len > lead && is_ws(line[len - 1]))
        len--;
    if (len == lead)
        return NI_JSONL_BLANK;
    if (len - lead > INT_MAX) {
        snprintf(why, why_len, "line longer than %d bytes", INT_MAX);
        return NI_JSONL_MALFORMED;
    }
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, line + lead, (int)(len - lead));
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t col = lead + json_tokener_get_parse_end(tok) + 1;
    if (!o) {
        if (err == json_tokener_continue)
            snprintf(why, why_len, "unexpected end of line");
        else
            snprintf(why, why_len, "%s at column %zu", json_tokener_error_desc(err), col);
        return NI_JSONL_MALFORMED;
    }
    if (col <= len) {
        snprintf(why, why_len, "unexpected text after the object at column %zu", col);
        json_object_put(o);
        return NI_JSONL_MALFORMED;
    }
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(why, why_len, "expected an object, found %s %s",
                 json_object_is_type(o, json_type_array) ? "an" : "a", type_name(o));
        json_object_put(o);
        return NI_JSONL_MALFORMED;
    }
    rec->obj = o;
    return fill_fields(rec, why, why_len);
}

/* ---------------------------------------------------------- file loop */

typedef struct jsonl_file {
    ni_run *r;
    const char *name;  /* for messages */
    gzFile gz;
    json_tokener *tok;
    ni_jsonl_record rec;
    uint64_t lineno;
    unsigned reported; /* bad lines reported so far */
    uint64_t unreported;
    uint64_t consumed; /* bytes read after decompression */
} jsonl_file;

static void bad_line(jsonl_file *f, enum ni_reason why, const char *fmt, const char *detail)
{
    char where[4096 + 32];
    if (f->reported >= NI_REPORT_PER_FILE) {
        f->r->skipped[why]++;
        f->unreported++;
        return;
    }
    f->reported++;
    snprintf(where, sizeof where, "%s:%llu", f->name, (unsigned long long)f->lineno);
    ni_skip(f->r, why, where, fmt, detail);
}

static void one_line(jsonl_file *f, const char *line, size_t len)
{
    char why[256];
    if (f->lineno == 1 && len >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) {
        line += 3;
        len -= 3;
    }
    switch (ni_jsonl_parse(f->tok, line, len, &f->rec, why, sizeof why)) {
    case NI_JSONL_BLANK:
        break;
    case NI_JSONL_MALFORMED:
        bad_line(f, NI_MALFORMED, "malformed JSON (%s), skipped", why);
        break;
    case NI_JSONL_INVALID:
        bad_line(f, NI_INVALID, "%s, skipped", why);
        break;
    case NI_JSONL_NOMEM:
        bad_line(f, NI_REJECTED, "%s, skipped", "out of memory");
        break;
    case NI_JSONL_OK: {
        char where[4096 + 32];
        snprintf(where, sizeof where, "%s:%llu", f->name, (unsigned long long)f->lineno);
        ni_put(f->r, &f->rec.doc, where);
        break;
    }
    }
    ni_jsonl_record_clear(&f->rec);
    if ((f->lineno & 63) == 0)
        ni_run_progress(f->r, (uint64_t)gzoffset(f->gz));
}

/* Handles the line gathered in line (or the one too long to gather). */
static void end_line(jsonl_file *f, ni_buf *line, int overlong)
{
    if (overlong) {
        char limit[32];
        snprintf(limit, sizeof limit, "%u MiB", (unsigned)(NI_LINE_MAX >> 20));
        bad_line(f, NI_TOOBIG, "record larger than %s, skipped", limit);
    } else
        one_line(f, line->data, line->len);
    ni_buf_reset(line);
}

/* Splits the stream into lines. A line longer than NI_LINE_MAX is skipped
 * (reported once) without being held in memory. */
static void read_lines(jsonl_file *f)
{
    ni_buf line = {0};
    line.limit = NI_LINE_MAX;
    int overlong = 0;
    char *chunk = malloc(NI_CHUNK_BYTES);
    if (!chunk) {
        ni_skip(f->r, NI_UNREADABLE, f->name, "skipped: out of memory");
        return;
    }
    int n;
    while (!ni_stopping(f->r) && (n = gzread(f->gz, chunk, NI_CHUNK_BYTES)) > 0) {
        f->consumed += (uint64_t)n;
        const char *p = chunk, *e = chunk + n;
        while (p < e && !ni_stopping(f->r)) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            const char *stop = nl ? nl : e;
            if (!overlong && line.len == 0 && nl) {
                f->lineno++;
                one_line(f, p, (size_t)(stop - p)); /* whole line in the chunk: no copy */
            } else {
                if (!overlong && ni_buf_append(&line, p, (size_t)(stop - p)) != NS_OK) {
                    overlong = 1;
                    ni_buf_free(&line);
                }
                if (nl) {
                    f->lineno++;
                    end_line(f, &line, overlong);
                    overlong = 0;
                }
            }
            p = nl ? nl + 1 : e;
        }
    }
    if (!ni_stopping(f->r) && (line.len || overlong)) { /* last line without '\n' */
        f->lineno++;
        end_line(f, &line, overlong);
    }
    ni_buf_free(&line);
    free(chunk);
}

/* Reports a read error of the gz stream, if any. */
static void check_stream(jsonl_file *f)
{
    int errnum = Z_OK;
    const char *msg = gzerror(f->gz, &errnum);
    if (errnum == Z_OK || errnum == Z_STREAM_END)
        return;
    if (errnum == Z_ERRNO)
        msg = strerror(errno);
    else if (errnum == Z_BUF_ERROR)
        msg = "the compressed data is truncated";
    ni_skip(f->r, NI_UNREADABLE, f->name, "read error after line %llu (%s)",
            (unsigned long long)f->lineno, msg);
}

void ni_index_jsonl(ni_run *r, const char *path, const char *shown)
{
    int use_stdin = !strcmp(path, "-");
    jsonl_file f = {0};
    f.r = r;
    f.name = use_stdin ? "<stdin>" : shown;
    if (use_stdin) {
        int fd = dup(STDIN_FILENO);
        f.gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!f.gz && fd >= 0)
            close(fd);
    } else
        f.gz = gzopen(path, "rb");
    if (!f.gz) {
        ni_skip(r, NI_UNREADABLE, f.name, "skipped: cannot open (%s)",
                errno ? strerror(errno) : "out of memory");
        return;
    }
    gzbuffer(f.gz, NI_CHUNK_BYTES);
    f.tok = ni_jsonl_tokener();
    if (!f.tok) {
        ni_skip(r, NI_UNREADABLE, f.name, "skipped: out of memory");
    } else {
        read_lines(&f);
        check_stream(&f);
    }
    if (f.unreported)
        ni_msg("%s: %llu more bad lines not shown", f.name, (unsigned long long)f.unreported);
    /* Bytes of the file (compressed, as the progress total counts them);
     * a pipe has no offset to ask for, so it counts what was read. */
    struct stat st;
    if (!use_stdin && !ni_stopping(r) && stat(path, &st) == 0)
        r->bytes += (uint64_t)st.st_size;
    else if (!use_stdin && gzoffset(f.gz) > 0)
        r->bytes += (uint64_t)gzoffset(f.gz);
    else
        r->bytes += f.consumed;
    ni_buf_free(&f.rec.meta);
    json_tokener_free(f.tok);
    gzclose(f.gz);
    ni_run_progress(r, 0);
}
