/* input_jsonl.c — JSON lines (plain or gzip) to documents.
 *
 * One JSON object per line: {"id", "title", "body", "url", "date", ...}; the
 * other members become typed fields (fields.c). Each
 * line stands alone, so a bad line is reported with its number and skipped
 * while the rest of the file is indexed. zlib's gz* reader passes plain files
 * through unchanged, so both spellings share one path. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "input.h"
#include "nindex.h"
#include "report.h"

#define NI_CHUNK_BYTES (256u << 10)
/* Bad lines reported per file; the rest are counted in the summary. */
#define NI_REPORT_PER_FILE 10

typedef struct jsonl_file {
    ni_run *r;
    const char *name; /* for messages */
    gzFile gz;
    json_tokener *tok;
    ni_jsonl_record rec;
    uint64_t lineno;
    unsigned reported; /* bad lines reported so far */
    uint64_t unreported;
    unsigned reported_fields; /* dropped field values reported so far */
    uint64_t unreported_fields;
    const char *where; /* "FILE:LINE" of the record being read */
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

/* A field value of the current record that does not fit (ni_field_drop_fn). */
static void field_dropped(void *ctx, const char *name, const char *why)
{
    jsonl_file *f = ctx;
    int quiet = f->r->quiet || f->reported_fields >= NI_REPORT_PER_FILE;
    if (quiet && !f->r->quiet)
        f->unreported_fields++;
    else if (!quiet)
        f->reported_fields++;
    ni_field_dropped(f->r, f->where, name, why, quiet);
}

/* The record's typed fields, then the document. */
static void put_record(jsonl_file *f, const char *where)
{
    ni_run *r = f->r;
    ni_fields_reset(&r->fields);
    f->where = where;
    if (ni_jsonl_fields(&f->rec, ni_field_type, r, &r->fields, field_dropped, f) != NS_OK) {
        bad_line(f, NI_REJECTED, "%s, skipped", "out of memory");
        return;
    }
    ni_put_fields(r, &f->rec.doc, ni_fields_view(&r->fields), r->fields.n, where);
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
        put_record(f, where);
        break;
    }
    }
    ni_jsonl_record_clear(&f->rec);
    if ((f->lineno & 63) == 0)
        ni_run_progress(f->r, (uint64_t)gzoffset(f->gz));
}

/* Handles the line gathered in line (or the one too long to gather). */
static void end_line(jsonl_file *f, nsi_buf *line, int overlong)
{
    if (overlong) {
        char limit[32];
        snprintf(limit, sizeof limit, "%u MiB", (unsigned)(NI_LINE_MAX >> 20));
        bad_line(f, NI_TOOBIG, "record larger than %s, skipped", limit);
    } else
        one_line(f, line->str, line->len);
    nsi_buf_reset(line);
}

/* Splits the stream into lines. A line longer than NI_LINE_MAX is skipped
 * (reported once) without being held in memory. */
static void read_lines(jsonl_file *f)
{
    nsi_buf line = {0};
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
                if (!overlong && nsi_buf_append(&line, p, (size_t)(stop - p)) != NS_OK) {
                    overlong = 1;
                    nsi_buf_free(&line);
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
    nsi_buf_free(&line);
    free(chunk);
}

/* Reports a read error of the gz stream, if any. */
static void check_stream(jsonl_file *f)
{
    int errnum = Z_OK;
    const char *msg = gzerror(f->gz, &errnum);
    if (errnum == Z_OK || errnum == Z_STREAM_END || ni_interrupted)
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
    if (f.unreported_fields)
        ni_msg("%s: %llu more dropped field values not shown", f.name,
               (unsigned long long)f.unreported_fields);
    /* Bytes of the file (compressed, as the progress total counts them);
     * a pipe has no offset to ask for, so it counts what was read. */
    struct stat st;
    if (!use_stdin && !ni_stopping(r) && stat(path, &st) == 0)
        r->bytes += (uint64_t)st.st_size;
    else if (!use_stdin && gzoffset(f.gz) > 0)
        r->bytes += (uint64_t)gzoffset(f.gz);
    else
        r->bytes += f.consumed;
    nsi_buf_free(&f.rec.meta);
    json_tokener_free(f.tok);
    gzclose(f.gz);
    ni_run_progress(r, 0);
}
