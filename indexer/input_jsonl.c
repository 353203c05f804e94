/* input_jsonl.c — JSON lines (plain or compressed) to documents.
 *
 * One JSON object per line: {"id", "title", "body", "url", "date", ...}; the
 * other members become typed fields (fields.c). Each
 * line stands alone, so a bad line is reported with its number and skipped
 * while the rest of the file is indexed. A .gz, .xz or .bz2 file is read as
 * it decompresses (decompress.c); a plain name, or standard input, may still
 * hold gzip, xz or bzip2 data, told by its first bytes. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decompress.h"
#include "input.h"
#include "nindex.h"
#include "report.h"

#define NI_CHUNK_BYTES (256u << 10)
/* Bad lines reported per file; the rest are counted in the summary. */
#define NI_REPORT_PER_FILE 10

typedef struct jsonl_file {
    ni_run *r;
    const char *name; /* for messages */
    int fd;
    ni_dstream *ds;
    int read_errno; /* the stream's errno when a read failed */
    json_tokener *tok;
    ni_jsonl_record rec;
    uint64_t lineno;
    unsigned reported; /* bad lines reported so far */
    uint64_t unreported;
    unsigned reported_fields; /* dropped field values reported so far */
    uint64_t unreported_fields;
    const char *where; /* "FILE:LINE" of the record being read */
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
        ni_run_progress(f->r, ni_dstream_consumed(f->ds));
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

/* The next decompressed bytes: their count, 0 at the end, -1 on failure
 * (f->read_errno). A signal's EINTR is retried unless it stops the run. */
static ssize_t read_chunk(jsonl_file *f, char *chunk)
{
    ssize_t n;
    while ((n = ni_dstream_read(f->ds, chunk, NI_CHUNK_BYTES)) < 0 && errno == EINTR &&
           !ni_interrupted)
        ;
    if (n < 0)
        f->read_errno = errno;
    return n;
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
    ssize_t n;
    while (!ni_stopping(f->r) && (n = read_chunk(f, chunk)) > 0) {
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

/* Reports a read error of the stream, if any. */
static void check_stream(jsonl_file *f)
{
    int err = f->read_errno;
    if (!err || err == EINTR || ni_interrupted)
        return;
    const char *msg = err == EILSEQ || err == ENOMEM ? ni_dstream_error(f->ds) : strerror(err);
    ni_skip(f->r, NI_UNREADABLE, f->name, "read error after line %llu (%s)",
            (unsigned long long)f->lineno, msg);
}

void ni_index_jsonl(ni_run *r, const char *path, const char *shown)
{
    int use_stdin = !strcmp(path, "-");
    jsonl_file f = {0};
    f.r = r;
    f.name = use_stdin ? "<stdin>" : shown;
    size_t stem;
    enum ni_compression comp = use_stdin ? NI_PLAIN : ni_compression_of(path, &stem);
    f.fd = use_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (f.fd < 0) {
        ni_skip(r, NI_UNREADABLE, f.name, "skipped: cannot open (%s)", strerror(errno));
        return;
    }
    f.ds = ni_dstream_open(f.fd, comp == NI_PLAIN ? NI_AUTO : comp);
    if (!f.ds) {
        close(f.fd);
        ni_skip(r, NI_UNREADABLE, f.name, "skipped: out of memory");
        return;
    }
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
    else
        r->bytes += ni_dstream_consumed(f.ds);
    nsi_buf_free(&f.rec.meta);
    json_tokener_free(f.tok);
    ni_dstream_close(f.ds);
    close(f.fd);
    ni_run_progress(r, 0);
}
