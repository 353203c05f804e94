/* test_decompress.c — compressed inputs (indexer/decompress.c): a seed
 * article compressed here with zlib, liblzma and libbz2 reads back whole, in
 * any read size, one member or several; the format is chosen by the first
 * bytes for NI_AUTO and checked otherwise; truncated, corrupt and trailing
 * data fail with a message. tests/CMakeLists.txt compiles decompress.c into
 * this test. */
#include <bzlib.h>
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "decompress.h"
#include "nstest.h"

static char *text;
static size_t text_len;

static void setup(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/seeds/000_3794ee979cfaf09c.txt", nst_shared_dir());
    FILE *f = fopen(path, "rb");
    if (!f) {
        nst_skip("the seed corpus is not there (NS_SHARED_DIR)");
        return;
    }
    text = malloc(1 << 20);
    CHECK(text != NULL);
    text_len = fread(text, 1, 1 << 20, f);
    fclose(f);
    CHECK(text_len > 1000);
}

static void teardown(void) { free(text); }

/* data[0..len) compressed as c into a malloc'd buffer. */
static unsigned char *compress_as(enum ni_compression c, const char *data, size_t len,
                                  size_t *out_len)
{
    size_t cap = len + len / 2 + 1024;
    unsigned char *out = malloc(cap);
    CHECK(out != NULL);
    if (c == NI_GZIP) {
        z_stream z = {0};
        CHECK(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
        *out_len = z.total_out;
        deflateEnd(&z);
    } else if (c == NI_XZ) {
        size_t pos = 0;
        CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, (const uint8_t *)data, len, out,
                                      &pos, cap) == LZMA_OK);
        *out_len = pos;
    } else {
        unsigned n = (unsigned)cap;
        CHECK(BZ2_bzBuffToBuffCompress((char *)out, &n, (char *)data, (unsigned)len, 9, 0, 0) ==
              BZ_OK);
        *out_len = n;
    }
    return out;
}

/* An fd that reads data[0..len). */
static int fd_of(const void *data, size_t len)
{
    int fd = memfd_create("test_decompress", MFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

/* Reads all of fd as c in reads of step bytes; returns the bytes (or NULL
 * on failure, *err its errno, why its message). */
static char *read_as(int fd, enum ni_compression c, size_t step, size_t *len, int *err, char *why)
{
    ni_dstream *s = ni_dstream_open(fd, c);
    CHECK(s != NULL);
    size_t cap = 4 << 20, n = 0;
    char *out = malloc(cap);
    ssize_t k;
    while ((k = ni_dstream_read(s, out + n, step < cap - n ? step : cap - n)) > 0)
        n += (size_t)k;
    *err = k < 0 ? errno : 0;
    snprintf(why, 160, "%s", k < 0 ? ni_dstream_error(s) : "");
    ni_dstream_close(s);
    close(fd);
    *len = n;
    if (k < 0) {
        free(out);
        return NULL;
    }
    return out;
}

static const enum ni_compression kinds[] = {NI_GZIP, NI_XZ, NI_BZIP2};

static void test_round_trip(void)
{
    static const size_t steps[] = {1, 7, 4096, 1 << 20};
    for (size_t k = 0; k < 3; k++) {
        size_t clen, len;
        int err;
        char why[160];
        unsigned char *z = compress_as(kinds[k], text, text_len, &clen);
        for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
            /* named by the extension, and told by the first bytes */
            for (int autodetect = 0; autodetect < 2; autodetect++) {
                char *got = read_as(fd_of(z, clen), autodetect ? NI_AUTO : kinds[k], steps[i], &len,
                                    &err, why);
                CHECK(got != NULL);
                CHECK_EQ_INT(len, text_len);
                CHECK(got && !memcmp(got, text, text_len));
                free(got);
            }
        }
        /* the stream reports the compressed bytes it read */
        ni_dstream *s = ni_dstream_open(fd_of(z, clen), NI_AUTO);
        char buf[256];
        CHECK(ni_dstream_read(s, buf, sizeof buf) == (ssize_t)sizeof buf);
        CHECK_EQ_INT(ni_dstream_compression(s), kinds[k]);
        while (ni_dstream_read(s, buf, sizeof buf) > 0)
            ;
        CHECK_EQ_INT(ni_dstream_consumed(s), clen);
        ni_dstream_close(s);
        free(z);
    }
    /* plain data passes NI_AUTO unchanged */
    size_t len;
    int err;
    char why[160];
    char *got = read_as(fd_of(text, text_len), NI_AUTO, 100, &len, &err, why);
    CHECK(got && len == text_len && !memcmp(got, text, len));
    free(got);
}

static void test_members(void)
{
    /* two members (cat a.gz b.gz) read as the two texts in a row */
    for (size_t k = 0; k < 3; k++) {
        size_t clen, len;
        int err;
        char why[160];
        unsigned char *z = compress_as(kinds[k], text, text_len, &clen);
        unsigned char *two = malloc(2 * clen);
        memcpy(two, z, clen);
        memcpy(two + clen, z, clen);
        char *got = read_as(fd_of(two, 2 * clen), kinds[k], 5000, &len, &err, why);
        CHECK(got != NULL);
        CHECK_EQ_INT(len, 2 * text_len);
        CHECK(got && !memcmp(got, text, text_len) && !memcmp(got + text_len, text, text_len));
        free(got);
        free(two);
        free(z);
    }
}

static void test_bad_data(void)
{
    static const char *const names[] = {"gzip", "xz", "bzip2"};
    for (size_t k = 0; k < 3; k++) {
        size_t clen, len;
        int err;
        char why[160], want[64];
        unsigned char *z = compress_as(kinds[k], text, text_len, &clen);
        /* cut in half */
        CHECK(read_as(fd_of(z, clen / 2), kinds[k], 4096, &len, &err, why) == NULL);
        CHECK_EQ_INT(err, EILSEQ);
        CHECK_EQ_STR(why, "the compressed data is truncated");
        /* not that format at all */
        CHECK(read_as(fd_of(text, text_len), kinds[k], 4096, &len, &err, why) == NULL);
        snprintf(want, sizeof want, "not %s data", names[k]);
        CHECK_EQ_STR(why, want);
        /* bytes changed in the middle: corrupt (or, for xz, a failed check) */
        unsigned char *bad = malloc(clen);
        memcpy(bad, z, clen);
        for (size_t i = clen / 3; i < clen / 3 + 16; i++)
            bad[i] ^= 0x55;
        CHECK(read_as(fd_of(bad, clen), kinds[k], 4096, &len, &err, why) == NULL);
        CHECK_EQ_INT(err, EILSEQ);
        CHECK(strstr(why, "corrupt") != NULL || strstr(why, "truncated") != NULL);
        free(bad);
        /* something after the last member that is no other member */
        unsigned char *trail = malloc(clen + 8);
        memcpy(trail, z, clen);
        memcpy(trail + clen, "garbage!", 8);
        CHECK(read_as(fd_of(trail, clen + 8), kinds[k], 4096, &len, &err, why) == NULL);
        CHECK_EQ_INT(err, EILSEQ);
        free(trail);
        free(z);
    }
    size_t len;
    int err;
    char why[160];
    /* an empty file is not an empty gzip stream */
    CHECK(read_as(fd_of("", 0), NI_GZIP, 10, &len, &err, why) == NULL);
    CHECK_EQ_STR(why, "not gzip data");
}

static void test_names(void)
{
    size_t stem;
    CHECK_EQ_INT(ni_compression_of("notes.txt.gz", &stem), NI_GZIP);
    CHECK_EQ_INT(stem, 9);
    CHECK_EQ_INT(ni_compression_of("A.HTML.XZ", &stem), NI_XZ);
    CHECK_EQ_INT(stem, 6);
    CHECK_EQ_INT(ni_compression_of("c.md.bz2", &stem), NI_BZIP2);
    CHECK_EQ_INT(stem, 4);
    CHECK_EQ_INT(ni_compression_of("plain.txt", &stem), NI_PLAIN);
    CHECK_EQ_INT(stem, 9);
    CHECK_EQ_INT(ni_compression_of(".gz", &stem), NI_PLAIN); /* a dot file, not a .gz */
    CHECK_EQ_INT(ni_compression_of("x.tgz", &stem), NI_PLAIN);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_round_trip), NST(test_members), NST(test_bad_data),
                     NST(test_names))
