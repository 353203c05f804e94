/* test_docstore.c — the STORED section (docs/format.md): writer, reader and
 * their behaviour on damaged input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/buf.h"
#include "format/codec.h"
#include "format/docstore.h"
#include "nsearch.h"
#include "nstest.h"

static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

/* Record contents are a function of (doc, len), so any record can be checked
 * without keeping them all: text-like (compressible) for even docs, random
 * bytes for odd ones. */
static void make_record(uint32_t doc, size_t len, uint8_t *out)
{
    uint64_t s = (uint64_t)doc * 0x9e3779b97f4a7c15u + len + 1;
    for (size_t i = 0; i < len; i++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        uint64_t r = s * 0x2545f4914f6cdd1du;
        out[i] = doc % 2 ? (uint8_t)(r >> 56) : (uint8_t)("etaoin shrdlu\n"[(r >> 40) % 14]);
    }
}

typedef struct store {
    size_t n;
    size_t *lens;
    nsi_buf sec; /* the section, after PREFIX bytes of something else */
} store;

/* The section is appended to a buffer that already holds bytes, as a segment
 * writer would; readers get a pointer into the middle. */
#define PREFIX 13
#define TRAILER 12 /* dict_len, nblocks, ndocs */

static int build(store *st, const size_t *lens, size_t n)
{
    memset(st, 0, sizeof *st);
    st->n = n;
    st->lens = malloc((n ? n : 1) * sizeof *lens);
    if (n)
        memcpy(st->lens, lens, n * sizeof *lens);
    nsi_docstore_writer *w;
    int rc = nsi_docstore_writer_new(&w);
    if (rc)
        return rc;
    size_t maxlen = 1;
    for (size_t i = 0; i < n; i++)
        maxlen = lens[i] > maxlen ? lens[i] : maxlen;
    uint8_t *rec = malloc(maxlen);
    for (size_t i = 0; i < n && rc == NS_OK; i++) {
        make_record((uint32_t)i, lens[i], rec);
        rc = nsi_docstore_add(w, rec, lens[i]);
    }
    free(rec);
    for (int i = 0; i < PREFIX && rc == NS_OK; i++)
        rc = nsi_buf_putc(&st->sec, (uint8_t)(0xc0 + i));
    if (rc == NS_OK)
        rc = nsi_docstore_finish(w, &st->sec);
    nsi_docstore_writer_free(w);
    return rc;
}

static void store_free(store *st)
{
    free(st->lens);
    nsi_buf_free(&st->sec);
}

/* A heap copy of the section with nothing after it, for ASan. */
static uint8_t *tight_section(const store *st, size_t *size)
{
    *size = st->sec.len - PREFIX;
    uint8_t *p = malloc(*size ? *size : 1);
    memcpy(p, st->sec.data + PREFIX, *size);
    return p;
}

static int record_ok(const store *st, uint32_t doc, const nsi_buf *got)
{
    size_t len = st->lens[doc];
    if (got->len != len)
        return 0;
    uint8_t *want = malloc(len ? len : 1);
    make_record(doc, len, want);
    int same = len == 0 || memcmp(want, got->data, len) == 0;
    free(want);
    return same;
}

/* Opens the section and reads every record in a random order. */
static void check_all(const store *st)
{
    size_t size;
    uint8_t *sec = tight_section(st, &size);
    nsi_docstore ds;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.ndocs, st->n);
    uint32_t *order = malloc((st->n ? st->n : 1) * sizeof *order);
    for (uint32_t i = 0; i < st->n; i++)
        order[i] = i;
    for (size_t i = st->n; i > 1; i--) {
        size_t j = rnd() % i;
        uint32_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    nsi_buf out = {0};
    int bad = 0;
    for (size_t i = 0; i < st->n && !bad; i++) {
        int rc = nsi_docstore_get(&ds, order[i], &out, err, sizeof err);
        if (rc != NS_OK || !record_ok(st, order[i], &out)) {
            fprintf(stderr, "doc %u: rc %d, %s\n", order[i], rc, err);
            bad = 1;
        }
    }
    CHECK(!bad);
    CHECK_EQ_INT(nsi_docstore_get(&ds, (uint32_t)st->n, &out, err, sizeof err), NS_EINVAL);
    nsi_buf_free(&out);
    free(order);
    free(sec);
}

/* The first doc of every block, read from the index (white box). */
static size_t read_firsts(const store *st, uint32_t *firsts, uint32_t *ulens, size_t max)
{
    const uint8_t *sec = st->sec.data + PREFIX;
    size_t size = st->sec.len - PREFIX;
    uint32_t nblocks = nsi_get_u32le(sec + size - 8);
    const uint8_t *index = sec + size - TRAILER - 16 * (size_t)nblocks;
    for (uint32_t i = 0; i < nblocks && i < max; i++) {
        firsts[i] = nsi_get_u32le(index + 12 * i + 8);
        ulens[i] = nsi_get_u32le(index + 12 * (size_t)nblocks + 4 * i);
    }
    return nblocks;
}

static size_t varint_len(size_t v)
{
    uint8_t t[10];
    return nsi_varint_put(t, v);
}

/* ------------------------------------------------------------------ tests */

static void test_empty_store(void)
{
    store st;
    CHECK_EQ_INT(build(&st, NULL, 0), NS_OK);
    CHECK_EQ_INT(st.sec.len, PREFIX + TRAILER);
    size_t size;
    uint8_t *sec = tight_section(&st, &size);
    nsi_docstore ds;
    char err[128];
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.ndocs, 0);
    CHECK_EQ_INT(ds.nblocks, 0);
    nsi_buf out = {0};
    CHECK_EQ_INT(nsi_docstore_get(&ds, 0, &out, err, sizeof err), NS_EINVAL);
    free(sec);
    store_free(&st);
}

static void test_odd_sizes(void)
{
    const size_t B = NSI_DOCSTORE_BLOCK;
    const size_t lens[] = {
        0,          1,
        0,          0,
        7,          B - varint_len(B),     /* exactly one block with its length */
        1,          B - varint_len(B) + 1, /* one byte too many: still alone */
        0,          200 * 1000,            /* much larger than a block */
        3,          0,
        B / 2,      B / 2, /* the second does not fit with the first */
        B,          5,
        200 * 1000, 0,
    };
    store st;
    CHECK_EQ_INT(build(&st, lens, sizeof lens / sizeof lens[0]), NS_OK);
    check_all(&st);
    store_free(&st);
}

/* Blocks are filled greedily: a block is closed exactly when the next record
 * would take it past NSI_DOCSTORE_BLOCK, and ulens match. */
static void test_greedy_blocks(void)
{
    enum { N = 2000 };
    size_t *lens = malloc(N * sizeof *lens);
    for (size_t i = 0; i < N; i++) {
        uint64_t r = rnd() % 100;
        lens[i] = r < 5    ? 0
                  : r < 90 ? rnd() % 2000
                  : r < 99 ? rnd() % 40000
                           : 100000 + rnd() % 150000;
    }
    store st;
    CHECK_EQ_INT(build(&st, lens, N), NS_OK);
    /* expected layout */
    uint32_t want_first[N], want_ulen[N];
    size_t nb = 0, cur = 0;
    for (size_t i = 0; i < N; i++) {
        size_t need = varint_len(lens[i]) + lens[i];
        if (cur && cur + need > NSI_DOCSTORE_BLOCK)
            cur = 0;
        if (cur == 0) {
            want_first[nb] = (uint32_t)i;
            want_ulen[nb++] = 0;
        }
        cur += need;
        want_ulen[nb - 1] = (uint32_t)cur;
    }
    uint32_t firsts[N], ulens[N];
    size_t got = read_firsts(&st, firsts, ulens, N);
    CHECK_EQ_INT(got, nb);
    CHECK(got == nb && memcmp(firsts, want_first, nb * 4) == 0);
    CHECK(got == nb && memcmp(ulens, want_ulen, nb * 4) == 0);
    check_all(&st);
    store_free(&st);
    free(lens);
}

static void test_many_small_records(void)
{
    enum { N = 5000 };
    size_t *lens = malloc(N * sizeof *lens);
    for (size_t i = 0; i < N; i++)
        lens[i] = rnd() % 300;
    store st;
    CHECK_EQ_INT(build(&st, lens, N), NS_OK);
    check_all(&st);
    /* text-like records compress: the section is well below the raw size */
    size_t raw = 0;
    for (size_t i = 0; i < N; i++)
        raw += lens[i];
    CHECK(st.sec.len < raw);
    store_free(&st);
    free(lens);
}

static void test_writer_contract(void)
{
    nsi_docstore_writer *w;
    CHECK_EQ_INT(nsi_docstore_writer_new(&w), NS_OK);
    CHECK_EQ_INT(nsi_docstore_add(w, "abc", 3), NS_OK);
    CHECK_EQ_INT(nsi_docstore_add(w, NULL, 0), NS_OK);
    /* out too small: an error, and out keeps what it had */
    nsi_buf small = {.limit = 16};
    CHECK_EQ_INT(nsi_buf_append(&small, "hello", 5), NS_OK);
    CHECK_EQ_INT(nsi_docstore_finish(w, &small), NS_ETOOBIG);
    CHECK_EQ_INT(small.len, 5);
    nsi_buf out = {0};
    CHECK_EQ_INT(nsi_docstore_finish(w, &out), NS_OK);
    CHECK_EQ_INT(nsi_docstore_add(w, "x", 1), NS_EINVAL);
    CHECK_EQ_INT(nsi_docstore_finish(w, &out), NS_EINVAL);
    nsi_docstore_writer_free(w);
    nsi_docstore_writer_free(NULL);

    nsi_docstore ds;
    char err[128];
    CHECK_EQ_INT(nsi_docstore_open(&ds, out.data, out.len, err, sizeof err), NS_OK);
    nsi_buf rec = {0};
    CHECK_EQ_INT(nsi_docstore_get(&ds, 0, &rec, err, sizeof err), NS_OK);
    CHECK(rec.len == 3 && memcmp(rec.data, "abc", 3) == 0);
    CHECK_EQ_INT(nsi_docstore_get(&ds, 1, &rec, err, sizeof err), NS_OK);
    CHECK_EQ_INT(rec.len, 0);
    /* a NULL err is allowed */
    CHECK_EQ_INT(nsi_docstore_get(&ds, 2, &rec, NULL, 0), NS_EINVAL);
    nsi_buf_free(&rec);
    nsi_buf_free(&out);
    nsi_buf_free(&small);
}

/* Opens a damaged copy and reads a sample of docs (every STRIDE-th, so each
 * block is visited a few times): each read either succeeds with the right
 * bytes or fails with NS_ECORRUPT and a message. */
#define STRIDE 5

static void read_damaged(const store *st, const uint8_t *sec, size_t size, int *bad)
{
    nsi_docstore ds;
    char err[256];
    err[0] = 0;
    int rc = nsi_docstore_open(&ds, sec, size, err, sizeof err);
    if (rc != NS_OK) {
        if (rc != NS_ECORRUPT || !err[0])
            *bad = 1;
        return;
    }
    nsi_buf out = {0};
    for (uint32_t d = (uint32_t)(rnd() % STRIDE); d < ds.ndocs; d += STRIDE) {
        err[0] = 0;
        rc = nsi_docstore_get(&ds, d, &out, err, sizeof err);
        if (rc == NS_OK ? d >= st->n || !record_ok(st, d, &out) : rc != NS_ECORRUPT || !err[0]) {
            fprintf(stderr, "damaged: doc %u rc %d (%s)\n", d, rc, err);
            *bad = 1;
        }
    }
    nsi_buf_free(&out);
}

static void test_damage(void)
{
    enum { N = 300 };
    size_t lens[N];
    for (size_t i = 0; i < N; i++)
        lens[i] = i % 100 == 7 ? 40000 : rnd() % 600;
    store st;
    CHECK_EQ_INT(build(&st, lens, N), NS_OK);
    size_t size;
    uint8_t *clean = tight_section(&st, &size);
    uint32_t nblocks = nsi_get_u32le(clean + size - 8);
    size_t meta = 16 * (size_t)nblocks + TRAILER;
    size_t step = size / 400 + 1;
    int bad = 0;

    /* flipped bytes: every byte of the index, ulens and trailer, and about
     * 400 positions spread over the compressed blocks */
    for (size_t pos = 0; pos < size; pos += pos + meta >= size ? 1 : 1 + rnd() % (2 * step)) {
        uint8_t *sec = malloc(size);
        memcpy(sec, clean, size);
        sec[pos] ^= (uint8_t)(1 + rnd() % 255);
        read_damaged(&st, sec, size, &bad);
        free(sec);
    }
    /* truncations, from nothing to one byte short */
    for (size_t cut = 0; cut < size; cut += cut + meta + 64 >= size ? 1 : 1 + rnd() % (2 * step)) {
        uint8_t *sec = malloc(cut ? cut : 1);
        memcpy(sec, clean, cut);
        read_damaged(&st, sec, cut, &bad);
        free(sec);
    }
    CHECK(!bad);

    /* damage inside one block leaves the other blocks readable */
    uint32_t firsts[N], ulens[N];
    read_firsts(&st, firsts, ulens, N);
    const uint8_t *index = clean + size - meta;
    uint64_t off2 = nsi_get_u64le(index + 2 * 12), off3 = nsi_get_u64le(index + 3 * 12);
    uint8_t *sec = malloc(size);
    memcpy(sec, clean, size);
    sec[(off2 + off3) / 2] ^= 0x40;
    nsi_docstore ds;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_OK);
    nsi_buf out = {0};
    for (uint32_t d = 0; d < N; d++) {
        int rc = nsi_docstore_get(&ds, d, &out, err, sizeof err);
        if (d >= firsts[2] && d < firsts[3]) {
            CHECK_EQ_INT(rc, NS_ECORRUPT);
            CHECK(strncmp(err, "stored block 2:", 15) == 0);
        } else {
            CHECK(rc == NS_OK && record_ok(&st, d, &out));
        }
    }
    nsi_buf_free(&out);
    free(sec);
    free(clean);
    store_free(&st);
}

/* Hand-made section whose block holds a record longer than the block. */
static void test_overrun_message(void)
{
    uint8_t raw[4] = {0x05, 'a', 'b', 'c'}; /* claims 5 bytes, has 3 */
    uint8_t z[64];
    uLongf zlen = sizeof z;
    CHECK_EQ_INT(compress2(z, &zlen, raw, sizeof raw, Z_DEFAULT_COMPRESSION), Z_OK);
    nsi_buf sec = {0};
    nsi_buf_append(&sec, z, zlen);
    nsi_buf_put_u64le(&sec, 0);
    nsi_buf_put_u32le(&sec, 0);
    nsi_buf_put_u32le(&sec, sizeof raw);
    nsi_buf_put_u32le(&sec, 1);
    nsi_buf_put_u32le(&sec, 1);
    /* that is a format 1 section (no dictionary length) */
    nsi_docstore ds;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open_v1(&ds, sec.data, sec.len, err, sizeof err), NS_OK);
    nsi_buf out = {0};
    CHECK_EQ_INT(nsi_docstore_get(&ds, 0, &out, err, sizeof err), NS_ECORRUPT);
    CHECK_EQ_STR(err, "stored block 0: record 0 overruns block");
    nsi_buf_free(&out);
    nsi_buf_free(&sec);
}

/* Format 1 sections (segment version 1: no dictionary, 8-byte trailer) still
 * read; the same bytes are not a format 2 section. */
static void test_format1_section(void)
{
    const char *recs[] = {"first record", "", "third"};
    nsi_buf block = {0};
    for (int i = 0; i < 3; i++) {
        nsi_buf_put_varint(&block, strlen(recs[i]));
        nsi_buf_append(&block, recs[i], strlen(recs[i]));
    }
    uint8_t z[128];
    uLongf zlen = sizeof z;
    CHECK_EQ_INT(compress2(z, &zlen, block.data, block.len, Z_DEFAULT_COMPRESSION), Z_OK);
    nsi_buf sec = {0};
    nsi_buf_append(&sec, z, zlen);
    nsi_buf_put_u64le(&sec, 0);
    nsi_buf_put_u32le(&sec, 0);
    nsi_buf_put_u32le(&sec, (uint32_t)block.len);
    nsi_buf_put_u32le(&sec, 1);
    nsi_buf_put_u32le(&sec, 3);
    nsi_docstore ds;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open_v1(&ds, sec.data, sec.len, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.dict_len, 0);
    nsi_buf out = {0};
    for (uint32_t d = 0; d < 3; d++) {
        CHECK_EQ_INT(nsi_docstore_get(&ds, d, &out, err, sizeof err), NS_OK);
        CHECK(out.len == strlen(recs[d]) && memcmp(out.data, recs[d], out.len) == 0);
    }
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec.data, sec.len, err, sizeof err), NS_ECORRUPT);
    nsi_buf_free(&out);
    nsi_buf_free(&sec);
    nsi_buf_free(&block);
}

/* A section with enough text carries a preset dictionary, sampled from its
 * records, and every block of it needs the dictionary to inflate; a small
 * one carries none (it would cost more than it saves). */
static void test_dictionary(void)
{
    enum { N = 400 };
    size_t lens[N];
    for (size_t i = 0; i < N; i++)
        lens[i] = 300 + rnd() % 900;
    store st;
    CHECK_EQ_INT(build(&st, lens, N), NS_OK);
    size_t size;
    uint8_t *sec = tight_section(&st, &size);
    nsi_docstore ds;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.dict_len, NSI_DOCSTORE_DICT);
    CHECK(ds.nblocks > 20);
    check_all(&st);
    /* a block's zlib header announces the dictionary (FDICT, RFC 1950) */
    for (uint32_t b = 0; b < ds.nblocks; b++)
        CHECK(sec[nsi_get_u64le(ds.index + 12 * (size_t)b)] == 0x78 &&
              (sec[nsi_get_u64le(ds.index + 12 * (size_t)b) + 1] & 0x20));
    /* a different dictionary is damage, named */
    uint8_t *dict = (uint8_t *)(uintptr_t)ds.dict;
    dict[100] ^= 1;
    nsi_buf out = {0};
    CHECK_EQ_INT(nsi_docstore_get(&ds, 5, &out, err, sizeof err), NS_ECORRUPT);
    CHECK(strncmp(err, "stored block 0: inflate failed", 30) == 0);
    nsi_buf_free(&out);
    free(sec);
    store_free(&st);

    size_t small[3] = {100, 2000, 50};
    CHECK_EQ_INT(build(&st, small, 3), NS_OK);
    sec = tight_section(&st, &size);
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.dict_len, 0);
    check_all(&st);
    free(sec);
    store_free(&st);
}

NS_TEST_MAIN(NST(test_empty_store), NST(test_odd_sizes), NST(test_greedy_blocks),
             NST(test_many_small_records), NST(test_writer_contract), NST(test_damage),
             NST(test_overrun_message), NST(test_format1_section), NST(test_dictionary))
