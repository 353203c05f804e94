/* decompress.c — compressed input files read as a stream of their
 * decompressed bytes (decompress.h).
 *
 * One loop serves the three formats: compressed bytes are read from the file
 * in chunks, and a step of the format's decoder turns them into the caller's
 * buffer. The libraries are the reference implementations Debian ships and
 * nindex already links or nearly so: zlib (gzip, also the stored-text codec of
 * segment versions 1-3), liblzma from xz-utils (xz) and libbz2 (bzip2). A
 * stream ends at the end of the file; a file may hold several gzip members,
 * xz streams or bzip2 streams in a row (what `cat a.gz b.gz` or pbzip2
 * make), and data after a member that is not another one is an error, not
 * ignored. Decompressed sizes are the caller's to limit (input_file.c stops
 * at NS_MAX_DOC_BYTES, so a zip bomb is refused after that much). */
#include "decompress.h"

#include <bzlib.h>
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (64u << 10)

struct ni_dstream {
    int fd;
    enum ni_compression c;
    int started;    /* the magic was checked and the decoder set up */
    int member_end; /* a member or stream ended: another may follow */
    int in_eof;
    int failed;
    unsigned char *in;
    size_t in_pos, in_len;
    uint64_t consumed;
    z_stream z;
    lzma_stream x;
    bz_stream b;
    int z_init, x_init, b_init;
    char why[160];
};

static const struct {
    enum ni_compression c;
    const char *ext;
    const char *name;
    const char *magic;
    size_t magic_len;
} formats[] = {
    {NI_GZIP, ".gz", "gzip", "\x1F\x8B", 2},
    {NI_XZ, ".xz", "xz",
     "\xFD"
     "7zXZ\0",
     6},
    {NI_BZIP2, ".bz2", "bzip2", "BZh", 3},
};
#define NFORMATS (sizeof formats / sizeof *formats)

enum ni_compression ni_compression_of(const char *name, size_t *stem_len)
{
    size_t len = strlen(name);
    *stem_len = len;
    for (size_t i = 0; i < NFORMATS; i++) {
        size_t e = strlen(formats[i].ext);
        if (len > e && !strcasecmp(name + len - e, formats[i].ext)) {
            *stem_len = len - e;
            return formats[i].c;
        }
    }
    return NI_PLAIN;
}

const char *ni_compression_name(enum ni_compression c)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].c == c)
            return formats[i].name;
    return "plain";
}

ni_dstream *ni_dstream_open(int fd, enum ni_compression c)
{
    ni_dstream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->in = malloc(CHUNK);
    if (!s->in) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->c = c;
    return s;
}

void ni_dstream_close(ni_dstream *s)
{
    if (!s)
        return;
    if (s->z_init)
        inflateEnd(&s->z);
    if (s->x_init)
        lzma_end(&s->x);
    if (s->b_init)
        BZ2_bzDecompressEnd(&s->b);
    free(s->in);
    free(s);
}

const char *ni_dstream_error(const ni_dstream *s) { return s->why; }
uint64_t ni_dstream_consumed(const ni_dstream *s) { return s->consumed; }
enum ni_compression ni_dstream_compression(const ni_dstream *s) { return s->c; }

static ssize_t fail(ni_dstream *s, int err, const char *fmt, const char *detail)
{
    snprintf(s->why, sizeof s->why, fmt, detail ? detail : "");
    s->failed = err;
    errno = err;
    return -1;
}

/* Refills the input buffer when it is empty. Returns 0, or -1 (errno). */
static int fill(ni_dstream *s)
{
    if (s->in_pos < s->in_len || s->in_eof)
        return 0;
    ssize_t n = read(s->fd, s->in, CHUNK);
    if (n < 0)
        return -1;
    s->in_pos = 0;
    s->in_len = (size_t)n;
    s->in_eof = n == 0;
    s->consumed += (uint64_t)n;
    return 0;
}

/* Gathers at least want bytes (or all there are) at the buffer's start, for
 * a magic check. */
static int peek(ni_dstream *s, size_t want)
{
    if (s->in_pos > 0) {
        memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
        s->in_len -= s->in_pos;
        s->in_pos = 0;
    }
    while (s->in_len < want && !s->in_eof) {
        ssize_t n = read(s->fd, s->in + s->in_len, CHUNK - s->in_len);
        if (n < 0)
            return -1;
        s->in_eof = n == 0;
        s->in_len += (size_t)n;
        s->consumed += (uint64_t)n;
    }
    return 0;
}

static int has_magic(const ni_dstream *s, enum ni_compression c)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].c == c)
            return s->in_len - s->in_pos >= formats[i].magic_len &&
                   !memcmp(s->in + s->in_pos, formats[i].magic, formats[i].magic_len);
    return 0;
}

/* (Re)starts the decoder for the next member. Returns 0 or -1. */
static ssize_t start_member(ni_dstream *s)
{
    switch (s->c) {
    case NI_GZIP:
        if (s->z_init ? inflateReset(&s->z) : inflateInit2(&s->z, 16 + MAX_WBITS))
            return fail(s, ENOMEM, "out of memory%s", NULL);
        s->z_init = 1;
        break;
    case NI_XZ:
        if (s->x_init)
            lzma_end(&s->x);
        s->x = (lzma_stream)LZMA_STREAM_INIT;
        s->x_init = 0;
        if (lzma_stream_decoder(&s->x, NI_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
            return fail(s, ENOMEM, "out of memory%s", NULL);
        s->x_init = 1;
        break;
    case NI_BZIP2:
        if (s->b_init)
            BZ2_bzDecompressEnd(&s->b);
        memset(&s->b, 0, sizeof s->b);
        s->b_init = 0;
        if (BZ2_bzDecompressInit(&s->b, 0, 0) != BZ_OK)
            return fail(s, ENOMEM, "out of memory%s", NULL);
        s->b_init = 1;
        break;
    default:
        break;
    }
    s->member_end = 0;
    return 0;
}

/* Checks the magic (choosing the format for NI_AUTO) and sets up the
 * decoder. Returns 0 or -1. */
static ssize_t start(ni_dstream *s)
{
    if (peek(s, 6) < 0)
        return -1;
    if (s->c == NI_AUTO) {
        s->c = NI_PLAIN;
        for (size_t i = 0; i < NFORMATS; i++)
            if (has_magic(s, formats[i].c))
                s->c = formats[i].c;
    } else if (s->c != NI_PLAIN && !has_magic(s, s->c))
        return fail(s, EILSEQ, "not %s data", ni_compression_name(s->c));
    s->started = 1;
    return start_member(s);
}

/* One decoder step over the buffered input into out[0..n): *made bytes.
 * Returns 0 (go on), 1 (the member or stream ended) or -1 (failure). */
static int step(ni_dstream *s, unsigned char *out, size_t n, size_t *made)
{
    size_t avail_in = s->in_len - s->in_pos;
    const unsigned char *next_in = s->in + s->in_pos;
    size_t left = 0;
    int end = 0;
    switch (s->c) {
    case NI_GZIP: {
        /* uInt counts: a step takes at most CHUNK in and 1 GiB out */
        uInt out_n = n > (1u << 30) ? 1u << 30 : (uInt)n;
        s->z.next_in = (Bytef *)next_in;
        s->z.avail_in = (uInt)avail_in;
        s->z.next_out = out;
        s->z.avail_out = out_n;
        int rc = inflate(&s->z, Z_NO_FLUSH);
        *made = out_n - s->z.avail_out;
        left = s->z.avail_in;
        if (rc == Z_STREAM_END)
            end = 1;
        else if (rc == Z_MEM_ERROR)
            return (int)fail(s, ENOMEM, "out of memory%s", NULL);
        else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR)
            return (int)fail(s, EILSEQ, "corrupt gzip data (%s)",
                             s->z.msg ? s->z.msg : "invalid data");
        break;
    }
    case NI_XZ: {
        s->x.next_in = next_in;
        s->x.avail_in = avail_in;
        s->x.next_out = out;
        s->x.avail_out = n;
        lzma_ret rc = lzma_code(&s->x, s->in_eof && !avail_in ? LZMA_FINISH : LZMA_RUN);
        *made = n - s->x.avail_out;
        left = s->x.avail_in;
        if (rc == LZMA_STREAM_END)
            end = 1;
        else if (rc == LZMA_MEM_ERROR)
            return (int)fail(s, ENOMEM, "out of memory%s", NULL);
        else if (rc == LZMA_MEMLIMIT_ERROR) {
            char limit[32];
            snprintf(limit, sizeof limit, "%u MiB", (unsigned)(NI_XZ_MEMLIMIT >> 20));
            return (int)fail(s, EILSEQ, "xz data that needs more than %s of memory to decompress",
                             limit);
        } else if (rc == LZMA_BUF_ERROR)
            return (int)fail(s, EILSEQ, "the compressed data is truncated%s", NULL);
        else if (rc != LZMA_OK)
            return (int)fail(s, EILSEQ, "corrupt xz data%s",
                             rc == LZMA_FORMAT_ERROR ? " (not the xz format)" : NULL);
        break;
    }
    case NI_BZIP2: {
        unsigned out_n = n > (1u << 30) ? 1u << 30 : (unsigned)n;
        s->b.next_in = (char *)next_in;
        s->b.avail_in = (unsigned)avail_in;
        s->b.next_out = (char *)out;
        s->b.avail_out = out_n;
        int rc = BZ2_bzDecompress(&s->b);
        *made = out_n - s->b.avail_out;
        left = s->b.avail_in;
        if (rc == BZ_STREAM_END)
            end = 1;
        else if (rc == BZ_MEM_ERROR)
            return (int)fail(s, ENOMEM, "out of memory%s", NULL);
        else if (rc != BZ_OK)
            return (int)fail(s, EILSEQ, "corrupt bzip2 data%s", NULL);
        break;
    }
    default:
        return (int)fail(s, EINVAL, "no decoder%s", NULL);
    }
    s->in_pos = s->in_len - left;
    return end;
}

ssize_t ni_dstream_read(ni_dstream *s, void *buf, size_t n)
{
    if (s->failed) {
        errno = s->failed;
        return -1;
    }
    if (!s->started && start(s) < 0)
        return -1;
    if (n == 0)
        return 0;
    if (s->c == NI_PLAIN) {
        if (s->in_pos < s->in_len) { /* what the magic check read */
            size_t k = s->in_len - s->in_pos < n ? s->in_len - s->in_pos : n;
            memcpy(buf, s->in + s->in_pos, k);
            s->in_pos += k;
            return (ssize_t)k;
        }
        ssize_t k = read(s->fd, buf, n);
        if (k > 0)
            s->consumed += (uint64_t)k;
        return k;
    }
    unsigned char *out = buf;
    size_t made = 0;
    while (made == 0) {
        if (s->member_end) {
            /* Another member, or the end of the file. */
            if (peek(s, 6) < 0)
                return -1;
            if (s->in_pos == s->in_len)
                return 0;
            if (!has_magic(s, s->c))
                return fail(s, EILSEQ, "data after the end of the %s stream",
                            ni_compression_name(s->c));
            if (start_member(s) < 0)
                return -1;
        }
        if (fill(s) < 0)
            return -1;
        int at_eof = s->in_eof && s->in_pos == s->in_len;
        size_t k = 0;
        int rc = step(s, out, n, &k);
        if (rc < 0)
            return -1;
        made += k;
        if (rc == 1)
            s->member_end = 1;
        else if (at_eof && k == 0)
            return fail(s, EILSEQ, "the compressed data is truncated%s", NULL);
    }
    return (ssize_t)made;
}
