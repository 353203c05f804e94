/* test_docstore.c — the STORED section (docs/format.md): writer, reader and
 * their behaviour on damaged input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "common/buf.h"
#include "corpus.h"
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
#define TRAILER 12                  /* ndicts, nblocks, ndocs */
#define EMPTY_SECTION (4 + TRAILER) /* no blocks: the dictionaries' end offset, trailer */

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
    nsi_docstore_close(&ds);
    nsi_buf_free(&out);
    free(order);
    free(sec);
}

/* The first doc and uncompressed length of every block (white box). */
static size_t read_firsts(const store *st, uint32_t *firsts, uint32_t *ulens, size_t max)
{
    nsi_docstore ds;
    char err[256];
    if (nsi_docstore_open(&ds, st->sec.data + PREFIX, st->sec.len - PREFIX, err, sizeof err))
        return 0;
    for (uint32_t i = 0; i < ds.nblocks && i < max; i++) {
        nsi_docstore_block b;
        nsi_docstore_block_at(&ds, i, &b);
        firsts[i] = b.first;
        ulens[i] = b.ulen;
    }
    size_t n = ds.nblocks;
    nsi_docstore_close(&ds);
    return n;
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
    CHECK_EQ_INT(st.sec.len, PREFIX + EMPTY_SECTION);
    size_t size;
    uint8_t *sec = tight_section(&st, &size);
    nsi_docstore ds;
    char err[128];
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.ndocs, 0);
    CHECK_EQ_INT(ds.nblocks, 0);
    nsi_buf out = {0};
    CHECK_EQ_INT(nsi_docstore_get(&ds, 0, &out, err, sizeof err), NS_EINVAL);
    nsi_docstore_close(&ds);
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
    nsi_docstore_close(&ds);
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
    nsi_docstore_close(&ds);
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
    nsi_docstore ds;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open(&ds, clean, size, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.ndicts, 1); /* the dictionary's bytes are damaged too */
    /* everything after the dictionaries: offsets, index, ulens, ids, trailer */
    size_t meta = size - (size_t)(ds.dict_offs - clean);
    nsi_docstore_block b2, b3;
    nsi_docstore_block_at(&ds, 2, &b2);
    nsi_docstore_block_at(&ds, 3, &b3);
    uint64_t off2 = (uint64_t)(b2.data - clean), off3 = (uint64_t)(b3.data - clean);
    nsi_docstore_close(&ds);
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
    uint8_t *sec = malloc(size);
    memcpy(sec, clean, size);
    sec[(off2 + off3) / 2] ^= 0x40;
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
    nsi_docstore_close(&ds);
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

/* The bodies of a real corpus (BBC news), for what depends on real text. */
static int load_bodies(tcorpus *c, size_t max)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    return tc_load(c, path, max);
}

/* Builds a section of bodies [from, to) of c, compressed with dictionary
 * mode (NSI_DOCSTORE_OWN: trained; NSI_DOCSTORE_NONE). */
static int build_bodies(const tcorpus *c, size_t from, size_t to, uint32_t mode, nsi_buf *sec)
{
    nsi_docstore_writer *w;
    int rc = nsi_docstore_writer_new(&w);
    if (rc)
        return rc;
    rc = nsi_docstore_use_dict(w, mode);
    for (size_t i = from; i < to && rc == NS_OK; i++)
        rc = nsi_docstore_add(w, c->d[i].body, c->d[i].body_len);
    if (rc == NS_OK)
        rc = nsi_docstore_finish(w, sec);
    nsi_docstore_writer_free(w);
    return rc;
}

/* Every document of ds is body i0 + doc of c, except those skip says. */
static int bodies_ok(const nsi_docstore *ds, const tcorpus *c, const size_t *which, size_t n)
{
    nsi_docstore_cache cache = {0};
    char err[256];
    int ok = ds->ndocs == n;
    for (uint32_t d = 0; ok && d < n; d++) {
        const uint8_t *rec;
        size_t len;
        const tdoc *t = &c->d[which[d]];
        ok = nsi_docstore_get_cached(ds, &cache, d, &rec, &len, err, sizeof err) == NS_OK &&
             len == t->body_len && memcmp(rec, t->body, len) == 0;
        if (!ok)
            fprintf(stderr, "doc %u (body %zu): %s\n", d, which[d], err);
    }
    nsi_docstore_cache_free(&cache);
    return ok;
}

/* On real text the writer trains one dictionary on its first records; every
 * block names it, frames carry no dictionary id, and the section is smaller
 * than without a dictionary even counting the dictionary. A small section
 * carries none (it would cost more than it saves). */
static void test_trained_dictionary(void)
{
    tcorpus c;
    if (load_bodies(&c, 1500) != 0) {
        CHECK(!"the BBC corpus is readable");
        return;
    }
    size_t *all = malloc(c.n * sizeof *all);
    for (size_t i = 0; i < c.n; i++)
        all[i] = i;
    nsi_buf with = {0}, without = {0};
    CHECK_EQ_INT(build_bodies(&c, 0, c.n, NSI_DOCSTORE_OWN, &with), NS_OK);
    CHECK_EQ_INT(build_bodies(&c, 0, c.n, NSI_DOCSTORE_NONE, &without), NS_OK);
    nsi_docstore ds, dn;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open(&ds, with.data, with.len, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsi_docstore_open(&dn, without.data, without.len, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.ndicts, 1);
    CHECK_EQ_INT(dn.ndicts, 0);
    const uint8_t *dict;
    size_t dict_len;
    nsi_docstore_dict_at(&ds, 1, &dict, &dict_len);
    CHECK(dict_len > 1024 && dict_len <= NSI_DOCSTORE_DICT);
    CHECK(with.len < without.len);
    fprintf(stderr, "  %zu bodies: %zu bytes with a %zu-byte dictionary, %zu without\n", c.n,
            with.len, dict_len, without.len);
    CHECK(ds.nblocks > 100);
    int named = 1;
    for (uint32_t b = 0; b < ds.nblocks; b++) {
        nsi_docstore_block blk;
        nsi_docstore_block_at(&ds, b, &blk);
        named &= blk.dict == 1 && ZSTD_getDictID_fromFrame(blk.data, blk.clen) == 0 &&
                 ZSTD_getFrameContentSize(blk.data, blk.clen) == blk.ulen;
    }
    CHECK(named);
    CHECK(bodies_ok(&ds, &c, all, c.n));
    CHECK(bodies_ok(&dn, &c, all, c.n));
    nsi_docstore_close(&ds);
    nsi_docstore_close(&dn);

    /* a damaged dictionary: each read is right or NS_ECORRUPT naming its
     * block, and some reads fail (the frames' checksums see the damage) */
    const size_t at = (size_t)(dict - with.data);
    for (size_t i = dict_len / 2; i < dict_len; i += 7)
        with.data[at + i] ^= 0x20;
    int rc = nsi_docstore_open(&ds, with.data, with.len, err, sizeof err);
    if (rc == NS_OK) {
        nsi_buf out = {0};
        int failed = 0, wrong = 0;
        for (uint32_t d = 0; d < ds.ndocs; d++) {
            rc = nsi_docstore_get(&ds, d, &out, err, sizeof err);
            if (rc == NS_ECORRUPT && strncmp(err, "stored block ", 13) == 0)
                failed++;
            else if (rc != NS_OK || out.len != c.d[d].body_len ||
                     memcmp(out.data, c.d[d].body, out.len))
                wrong++;
        }
        CHECK(failed > 0);
        CHECK_EQ_INT(wrong, 0);
        nsi_docstore_close(&ds);
        nsi_buf_free(&out);
    } else {
        CHECK_EQ_INT(rc, NS_ECORRUPT);
    }
    nsi_buf_free(&with);
    nsi_buf_free(&without);

    /* 20 short bodies: too little text for a dictionary */
    CHECK_EQ_INT(build_bodies(&c, 0, 20, NSI_DOCSTORE_OWN, &with), NS_OK);
    CHECK_EQ_INT(nsi_docstore_open(&ds, with.data, with.len, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.ndicts, 0);
    CHECK(bodies_ok(&ds, &c, all, 20));
    nsi_docstore_close(&ds);
    nsi_buf_free(&with);
    free(all);
    tc_free(&c);
}

/* What a merge does (write/merge.c): blocks of two sections copied as they
 * are with their dictionaries (a dictionary met twice is kept once), the
 * survivors of a block that lost a document compressed again with its
 * dictionary, and documents of an old section compressed with the writer's
 * own. Every document reads back. */
static void test_copy_blocks(void)
{
    tcorpus c;
    if (load_bodies(&c, 0) != 0 || c.n < 2000) {
        CHECK(!"the BBC corpus is readable");
        return;
    }
    const size_t half = 1000, end = 2000;
    nsi_buf a = {0}, b = {0}, out = {0};
    CHECK_EQ_INT(build_bodies(&c, 0, half, NSI_DOCSTORE_OWN, &a), NS_OK);
    CHECK_EQ_INT(build_bodies(&c, half, end, NSI_DOCSTORE_OWN, &b), NS_OK);
    nsi_docstore da, db;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open(&da, a.data, a.len, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsi_docstore_open(&db, b.data, b.len, err, sizeof err), NS_OK);
    CHECK(da.ndicts == 1 && db.ndicts == 1 && db.nblocks > 4);

    size_t *which = malloc((2 * end + 300) * sizeof *which), n = 0;
    nsi_docstore_writer *w;
    CHECK_EQ_INT(nsi_docstore_writer_new(&w), NS_OK);
    const nsi_docstore *srcs[3] = {&da, &db, &da};
    const size_t base[3] = {0, half, 0};
    /* db's last but one block loses a document, and its last block is added
     * record by record too, so the open block holds records of db's
     * dictionary when the own dictionary's records come */
    uint32_t dropped_block = db.nblocks - 2, dropped_doc = 0;
    size_t own_first = 0;
    for (int s = 0; s < 3; s++) {
        const nsi_docstore *ds = srcs[s];
        const uint8_t *dict;
        size_t dict_len;
        uint32_t id = 0;
        nsi_docstore_dict_at(ds, 1, &dict, &dict_len);
        CHECK_EQ_INT(nsi_docstore_import_dict(w, dict, dict_len, &id), NS_OK);
        CHECK_EQ_INT(id, s == 1 ? 2 : 1); /* da's dictionary again: its number */
        nsi_docstore_cache cache = {0};
        for (uint32_t k = 0; k < ds->nblocks; k++) {
            nsi_docstore_block blk;
            nsi_docstore_block_at(ds, k, &blk);
            if (s != 1 || k < dropped_block) {
                CHECK_EQ_INT(
                    nsi_docstore_copy_block(w, blk.data, blk.clen, blk.ulen, blk.ndocs, id), NS_OK);
                for (uint32_t d = blk.first; d < blk.first + blk.ndocs; d++)
                    which[n++] = base[s] + d;
                continue;
            }
            /* the dropped block loses its first document */
            if (k == dropped_block)
                dropped_doc = blk.first;
            CHECK_EQ_INT(nsi_docstore_use_dict(w, id), NS_OK);
            for (uint32_t d = blk.first + (k == dropped_block); d < blk.first + blk.ndocs; d++) {
                const uint8_t *rec;
                size_t len;
                CHECK_EQ_INT(nsi_docstore_get_cached(ds, &cache, d, &rec, &len, err, sizeof err),
                             NS_OK);
                CHECK_EQ_INT(nsi_docstore_add(w, rec, len), NS_OK);
                which[n++] = base[s] + d;
            }
        }
        nsi_docstore_cache_free(&cache);
        if (s == 1) { /* an old-format source: its bodies go through the own dictionary */
            own_first = n;
            CHECK_EQ_INT(nsi_docstore_use_dict(w, NSI_DOCSTORE_OWN), NS_OK);
            for (size_t i = 0; i < 300; i++) {
                CHECK_EQ_INT(nsi_docstore_add(w, c.d[i].body, c.d[i].body_len), NS_OK);
                which[n++] = i;
            }
        }
    }
    CHECK_EQ_INT(nsi_docstore_finish(w, &out), NS_OK);
    nsi_docstore_writer_free(w);
    nsi_docstore dm;
    CHECK_EQ_INT(nsi_docstore_open(&dm, out.data, out.len, err, sizeof err), NS_OK);
    CHECK_EQ_INT(dm.ndicts, 3); /* da's, db's, and the own one trained on the 300 */
    /* the own dictionary's records start a block of their own */
    int own_block = 0;
    for (uint32_t k = 0; k < dm.nblocks; k++) {
        nsi_docstore_block blk;
        nsi_docstore_block_at(&dm, k, &blk);
        if (blk.first <= own_first && own_first < blk.first + blk.ndocs)
            own_block = blk.first == own_first && blk.dict == 3;
    }
    CHECK(own_block);
    CHECK(bodies_ok(&dm, &c, which, n));
    CHECK(dropped_doc > 0 && n == 2 * half + (end - half) - 1 + 300);
    /* the copied blocks are byte for byte those of the sources */
    nsi_docstore_block b0, m0;
    nsi_docstore_block_at(&da, 0, &b0);
    nsi_docstore_block_at(&dm, 0, &m0);
    CHECK(b0.clen == m0.clen && memcmp(b0.data, m0.data, b0.clen) == 0 && m0.dict == 1);
    nsi_docstore_close(&dm);
    nsi_docstore_close(&da);
    nsi_docstore_close(&db);
    nsi_buf_free(&a);
    nsi_buf_free(&b);
    nsi_buf_free(&out);
    free(which);
    tc_free(&c);

    /* the writer refuses what would make a section it cannot read */
    CHECK_EQ_INT(nsi_docstore_writer_new(&w), NS_OK);
    CHECK_EQ_INT(nsi_docstore_use_dict(w, 1), NS_EINVAL);
    CHECK_EQ_INT(nsi_docstore_copy_block(w, (const uint8_t *)"x", 1, 1, 1, 1), NS_EINVAL);
    uint32_t id;
    CHECK_EQ_INT(nsi_docstore_import_dict(w, (const uint8_t *)"tiny", 4, &id), NS_EINVAL);
    nsi_docstore_writer_free(w);
}

/* Format 2 sections (zlib with a preset dictionary) still read, made here as
 * the format 2 writer made them. */
static void test_format2_section(void)
{
    uint8_t dict[4096];
    for (size_t i = 0; i < sizeof dict; i++)
        dict[i] = (uint8_t) "the quick brown fox jumps over "[i % 31];
    const char *recs[] = {"the quick brown fox", "", "jumps over the lazy dog"};
    nsi_buf block = {0};
    for (int i = 0; i < 3; i++) {
        nsi_buf_put_varint(&block, strlen(recs[i]));
        nsi_buf_append(&block, recs[i], strlen(recs[i]));
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    CHECK_EQ_INT(deflateInit(&zs, Z_DEFAULT_COMPRESSION), Z_OK);
    CHECK_EQ_INT(deflateSetDictionary(&zs, dict, sizeof dict), Z_OK);
    uint8_t z[256];
    zs.next_in = block.data;
    zs.avail_in = (uInt)block.len;
    zs.next_out = z;
    zs.avail_out = sizeof z;
    CHECK_EQ_INT(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t zlen = zs.total_out;
    deflateEnd(&zs);
    CHECK(z[1] & 0x20); /* FDICT */
    nsi_buf sec = {0};
    nsi_buf_append(&sec, z, zlen);
    nsi_buf_append(&sec, dict, sizeof dict);
    nsi_buf_put_u64le(&sec, 0);
    nsi_buf_put_u32le(&sec, 0);
    nsi_buf_put_u32le(&sec, (uint32_t)block.len);
    nsi_buf_put_u32le(&sec, sizeof dict);
    nsi_buf_put_u32le(&sec, 1);
    nsi_buf_put_u32le(&sec, 3);
    nsi_docstore ds;
    char err[256] = "";
    /* segment version 3 (CHECKS) keeps version 2's zlib section */
    CHECK_EQ_INT(nsi_docstore_open_format(&ds, 3, sec.data, sec.len, NULL, NULL, err, sizeof err),
                 NS_OK);
    CHECK_EQ_INT(ds.format, 2);
    nsi_docstore_close(&ds);
    CHECK_EQ_INT(nsi_docstore_open_format(&ds, 2, sec.data, sec.len, NULL, NULL, err, sizeof err),
                 NS_OK);
    CHECK_EQ_INT(ds.dict_len, sizeof dict);
    nsi_buf out = {0};
    for (uint32_t d = 0; d < 3; d++) {
        CHECK_EQ_INT(nsi_docstore_get(&ds, d, &out, err, sizeof err), NS_OK);
        CHECK(out.len == strlen(recs[d]) && memcmp(out.data, recs[d], out.len) == 0);
    }
    nsi_docstore_close(&ds);
    /* another dictionary is damage, named */
    sec.data[zlen + 100] ^= 1;
    CHECK_EQ_INT(nsi_docstore_open_v2(&ds, sec.data, sec.len, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsi_docstore_get(&ds, 0, &out, err, sizeof err), NS_ECORRUPT);
    CHECK(strncmp(err, "stored block 0: inflate failed", 30) == 0);
    nsi_docstore_close(&ds);
    nsi_buf_free(&out);
    nsi_buf_free(&sec);
    nsi_buf_free(&block);
}

/* A zstd block must be one frame of exactly its bytes that says it holds
 * the block's recorded length. */
static void test_frame_checks(void)
{
    const size_t lens[] = {50, 60, 70};
    store st;
    CHECK_EQ_INT(build(&st, lens, 3), NS_OK);
    size_t size;
    uint8_t *sec = tight_section(&st, &size);
    nsi_docstore ds;
    char err[256] = "";
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ds.nblocks, 1);
    /* the ulen in the index one less than the frame's content size */
    uint8_t *ulen = (uint8_t *)(uintptr_t)ds.ulens;
    nsi_put_u32le(ulen, nsi_get_u32le(ulen) - 1);
    nsi_buf out = {0};
    CHECK_EQ_INT(nsi_docstore_get(&ds, 0, &out, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, "stored block 0: not one zstd frame") != NULL);
    nsi_put_u32le(ulen, nsi_get_u32le(ulen) + 1);
    CHECK_EQ_INT(nsi_docstore_get(&ds, 2, &out, err, sizeof err), NS_OK);
    /* a flipped byte inside the frame: the checksum or the decoder */
    nsi_docstore_block blk;
    nsi_docstore_block_at(&ds, 0, &blk);
    sec[blk.clen / 2] ^= 0x10;
    CHECK_EQ_INT(nsi_docstore_get(&ds, 1, &out, err, sizeof err), NS_ECORRUPT);
    CHECK(strncmp(err, "stored block 0: ", 16) == 0);
    nsi_docstore_close(&ds);
    /* a block naming a dictionary the section does not have */
    sec[size - TRAILER - 2] = 1;
    CHECK_EQ_INT(nsi_docstore_open(&ds, sec, size, err, sizeof err), NS_ECORRUPT);
    CHECK_EQ_STR(err, "stored block 0: dictionary 1 of 0");
    nsi_buf_free(&out);
    free(sec);
    store_free(&st);
}

NS_TEST_MAIN(NST(test_empty_store), NST(test_odd_sizes), NST(test_greedy_blocks),
             NST(test_many_small_records), NST(test_writer_contract), NST(test_damage),
             NST(test_overrun_message), NST(test_format1_section), NST(test_trained_dictionary),
             NST(test_copy_blocks), NST(test_format2_section), NST(test_frame_checks))
