/* codec_table.c — the stored-text codec table of docs/benchmarks.md: ratio,
 * compression and decompression time per block of the documents' bodies, for
 * zlib with a sampled preset dictionary (segment format 2), zstd with a
 * dictionary trained by ZDICT, and lz4 with a dictionary.
 *
 *   bench_codec_table [--segment MIB] [--repeats R] CORPUS.jsonl[.gz]...
 *
 * The bodies are laid out as the docstore writer lays them out: `rec_len
 * varint + body` of consecutive documents, cut into blocks of at most B bytes
 * (a larger record is a block of its own). Every SEGMENT MiB of records is one
 * "segment" with its own dictionary, built from the segment's first records
 * the way each codec would build it at indexing time; the ratio counts the
 * dictionaries. Decompression reuses one context and one digested dictionary
 * per segment, as a reader would; each block is decompressed R times and the
 * best round is kept per block, to lessen the noise of a shared machine. */
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zdict.h>
#include <zlib.h>
#include <zstd.h>

#include "common.h"

typedef struct blockset {
    uint8_t *raw; /* all records, varint-prefixed, back to back */
    size_t raw_len;
    size_t *start; /* block i is raw[start[i], start[i + 1]) */
    size_t nblocks;
} blockset;

typedef struct segment {
    size_t first, last; /* blocks [first, last) */
} segment;

enum codec { C_ZLIB, C_ZSTD, C_LZ4 };

typedef struct config {
    enum codec codec;
    int level;         /* zlib/zstd level; lz4 acceleration */
    size_t dict_bytes; /* 0: no dictionary */
    size_t sample;     /* bytes of records ZDICT trains on; 0: 100 times dict_bytes */
    const char *name;
} config;

typedef struct result {
    double ratio, c_us, d_us, train_ms;
} result;

static size_t put_varint(uint8_t *p, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_codec_table: out of memory\n");
        exit(2);
    }
    return p;
}

static void layout(const nb_corpus *c, size_t block, blockset *bs)
{
    size_t total = 0;
    for (size_t i = 0; i < c->n; i++)
        total += c->docs[i].body_len + 10;
    bs->raw = xmalloc(total);
    bs->start = xmalloc((c->n + 2) * sizeof *bs->start);
    bs->nblocks = 0;
    size_t len = 0, cur = 0;
    for (size_t i = 0; i < c->n; i++) {
        uint8_t hdr[10];
        size_t h = put_varint(hdr, c->docs[i].body_len);
        if (len > cur && len - cur + h + c->docs[i].body_len > block) {
            bs->start[bs->nblocks++] = cur;
            cur = len;
        }
        memcpy(bs->raw + len, hdr, h);
        memcpy(bs->raw + len + h, c->docs[i].body, c->docs[i].body_len);
        len += h + c->docs[i].body_len;
    }
    if (len > cur)
        bs->start[bs->nblocks++] = cur;
    bs->start[bs->nblocks] = len;
    bs->raw_len = len;
}

/* Today's zlib dictionary (docstore.c of format 2): 256-byte slices at even
 * intervals over the first 128 KiB of records. */
static size_t zlib_dict(const uint8_t *seg, size_t len, size_t want, uint8_t *out)
{
    size_t sample = len < (128u << 10) ? len : (128u << 10);
    if (sample < (64u << 10))
        return 0;
    size_t n = want / 256, stride = sample / n;
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * 256, seg + i * stride, 256);
    return n * 256;
}

/* A trained dictionary: ZDICT over the segment's first records (each record
 * a sample), about 100 times the dictionary's size as zstd advises, at most
 * the segment. */
static size_t trained_dict(const blockset *bs, const segment *s, size_t want, size_t sample,
                           uint8_t *out)
{
    size_t from = bs->start[s->first], to = bs->start[s->last];
    size_t cap = sample ? sample : want * 100;
    if (to - from > cap)
        to = from + cap;
    size_t *sizes = xmalloc((to - from + 1) * sizeof *sizes); /* a sample is >= 1 byte */
    size_t ns = 0;
    const uint8_t *p = bs->raw + from, *end = bs->raw + to;
    while (p < end) {
        uint64_t v = 0;
        int sh = 0;
        const uint8_t *q = p;
        while (*q & 0x80) {
            v |= (uint64_t)(*q++ & 0x7f) << sh;
            sh += 7;
        }
        v |= (uint64_t)*q++ << sh;
        size_t n = (size_t)(q - p) + (size_t)v;
        if (n > (size_t)(end - p))
            break;
        sizes[ns++] = n;
        p += n;
    }
    size_t r = ns >= 8 ? ZDICT_trainFromBuffer(out, want, bs->raw + from, sizes, (unsigned)ns) : 0;
    free(sizes);
    return ZDICT_isError(r) ? 0 : r;
}

static void run(const blockset *bs, const segment *segs, size_t nsegs, const config *cf,
                int repeats, result *res)
{
    size_t maxb = 0;
    for (size_t i = 0; i < bs->nblocks; i++)
        if (bs->start[i + 1] - bs->start[i] > maxb)
            maxb = bs->start[i + 1] - bs->start[i];
    size_t cap = ZSTD_compressBound(maxb) + compressBound((uLong)maxb) +
                 (size_t)LZ4_compressBound((int)maxb) + 64;
    uint8_t *cbuf = xmalloc(cap), *dbuf = xmalloc(maxb + 1);
    uint8_t *dict = xmalloc(cf->dict_bytes + 1);
    size_t *clen = xmalloc(bs->nblocks * sizeof *clen);
    uint8_t **cdata = xmalloc(bs->nblocks * sizeof *cdata);
    double csum = 0, dsum = 0, train = 0;
    size_t total = 0;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    for (size_t g = 0; g < nsegs; g++) {
        const segment *s = &segs[g];
        size_t dlen = 0;
        double t0 = nb_thread_cpu_us();
        if (cf->dict_bytes && cf->codec == C_ZLIB)
            dlen = zlib_dict(bs->raw + bs->start[s->first],
                             bs->start[s->last] - bs->start[s->first], cf->dict_bytes, dict);
        else if (cf->dict_bytes)
            dlen = trained_dict(bs, s, cf->dict_bytes, cf->sample, dict);
        ZSTD_CDict *cd = NULL;
        ZSTD_DDict *dd = NULL;
        if (cf->codec == C_ZSTD && dlen) {
            cd = ZSTD_createCDict(dict, dlen, cf->level);
            dd = ZSTD_createDDict(dict, dlen);
        }
        train += nb_thread_cpu_us() - t0;
        total += dlen;
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (cf->codec == C_ZLIB)
            deflateInit(&zs, cf->level);
        LZ4_stream_t *ls = cf->codec == C_LZ4 ? LZ4_createStream() : NULL;
        t0 = nb_thread_cpu_us();
        for (size_t b = s->first; b < s->last; b++) {
            const uint8_t *in = bs->raw + bs->start[b];
            size_t n = bs->start[b + 1] - bs->start[b], out = 0;
            if (cf->codec == C_ZLIB) {
                if (dlen)
                    deflateSetDictionary(&zs, dict, (uInt)dlen);
                zs.next_in = (Bytef *)(uintptr_t)in;
                zs.avail_in = (uInt)n;
                zs.next_out = cbuf;
                zs.avail_out = (uInt)cap;
                deflate(&zs, Z_FINISH);
                out = zs.total_out;
                deflateReset(&zs);
            } else if (cf->codec == C_ZSTD) {
                out = cd ? ZSTD_compress_usingCDict(cc, cbuf, cap, in, n, cd)
                         : ZSTD_compressCCtx(cc, cbuf, cap, in, n, cf->level);
            } else {
                LZ4_resetStream_fast(ls);
                if (dlen)
                    LZ4_loadDict(ls, (const char *)dict, (int)dlen);
                out = (size_t)LZ4_compress_fast_continue(ls, (const char *)in, (char *)cbuf, (int)n,
                                                         (int)cap, cf->level);
            }
            clen[b] = out;
            cdata[b] = xmalloc(out);
            memcpy(cdata[b], cbuf, out);
            total += out;
        }
        csum += nb_thread_cpu_us() - t0;
        for (size_t b = s->first; b < s->last; b++) {
            size_t n = bs->start[b + 1] - bs->start[b];
            double best = 1e18;
            for (int r = 0; r < repeats; r++) {
                double t1 = nb_thread_cpu_us();
                size_t got = 0;
                if (cf->codec == C_ZLIB) {
                    z_stream is;
                    memset(&is, 0, sizeof is);
                    inflateInit(&is);
                    is.next_in = cdata[b];
                    is.avail_in = (uInt)clen[b];
                    is.next_out = dbuf;
                    is.avail_out = (uInt)n;
                    int z = inflate(&is, Z_FINISH);
                    if (z == Z_NEED_DICT) {
                        inflateSetDictionary(&is, dict, (uInt)dlen);
                        inflate(&is, Z_FINISH);
                    }
                    got = n - is.avail_out;
                    inflateEnd(&is);
                } else if (cf->codec == C_ZSTD) {
                    got = dd ? ZSTD_decompress_usingDDict(dc, dbuf, n, cdata[b], clen[b], dd)
                             : ZSTD_decompressDCtx(dc, dbuf, n, cdata[b], clen[b]);
                } else {
                    int k = dlen ? LZ4_decompress_safe_usingDict((const char *)cdata[b],
                                                                 (char *)dbuf, (int)clen[b], (int)n,
                                                                 (const char *)dict, (int)dlen)
                                 : LZ4_decompress_safe((const char *)cdata[b], (char *)dbuf,
                                                       (int)clen[b], (int)n);
                    got = k < 0 ? 0 : (size_t)k;
                }
                double t = nb_thread_cpu_us() - t1;
                if (t < best)
                    best = t;
                if (got != n || memcmp(dbuf, bs->raw + bs->start[b], n)) {
                    fprintf(stderr, "bench_codec_table: %s: block %zu does not round-trip\n",
                            cf->name, b);
                    exit(2);
                }
            }
            dsum += best;
            free(cdata[b]);
        }
        if (cf->codec == C_ZLIB)
            deflateEnd(&zs);
        if (ls)
            LZ4_freeStream(ls);
        ZSTD_freeCDict(cd);
        ZSTD_freeDDict(dd);
    }
    ZSTD_freeCCtx(cc);
    ZSTD_freeDCtx(dc);
    res->ratio = (double)total / (double)bs->raw_len;
    res->c_us = csum / (double)bs->nblocks;
    res->d_us = dsum / (double)bs->nblocks;
    res->train_ms = train / 1000.0 / (double)nsegs;
    free(cbuf);
    free(dbuf);
    free(dict);
    free(clen);
    free(cdata);
}

int main(int argc, char **argv)
{
    size_t seg_mib = 16;
    int repeats = 3, i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc)
            break;
        if (!strcmp(argv[i], "--segment"))
            seg_mib = (size_t)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--repeats"))
            repeats = atoi(argv[i + 1]);
        else
            break;
    }
    if (i >= argc || seg_mib == 0 || repeats < 1) {
        fprintf(stderr, "usage: bench_codec_table [--segment MIB] [--repeats R] "
                        "CORPUS.jsonl[.gz]...\n");
        return 2;
    }
    nb_corpus c;
    if (nb_corpus_load(&c, argv + i, (size_t)(argc - i)))
        return 2;
    double body = 0;
    for (size_t d = 0; d < c.n; d++)
        body += (double)c.docs[d].body_len;
    static const config configs[] = {
        {C_ZLIB, 6, 16u << 10, 0, "zlib-6 + 16 KiB sampled dict (format 2)"},
        {C_ZLIB, 6, 0, 0, "zlib-6, no dict"},
        {C_ZSTD, 1, 16u << 10, 0, "zstd-1 + 16 KiB dict (1.6 MB sample)"},
        {C_ZSTD, 1, 32u << 10, 0, "zstd-1 + 32 KiB dict (3.2 MB sample)"},
        {C_ZSTD, 3, 16u << 10, 0, "zstd-3 + 16 KiB dict (1.6 MB sample)"},
        {C_ZSTD, 3, 16u << 10, 1u << 20, "zstd-3 + 16 KiB dict (1 MiB sample)"},
        {C_ZSTD, 3, 32u << 10, 0, "zstd-3 + 32 KiB dict (3.2 MB sample)"},
        {C_ZSTD, 3, 32u << 10, 1u << 20, "zstd-3 + 32 KiB dict (1 MiB sample)"},
        {C_ZSTD, 3, 32u << 10, 512u << 10, "zstd-3 + 32 KiB dict (512 KiB sample)"},
        {C_ZSTD, 3, 64u << 10, 0, "zstd-3 + 64 KiB dict (6.4 MB sample)"},
        {C_ZSTD, 6, 32u << 10, 1u << 20, "zstd-6 + 32 KiB dict (1 MiB sample)"},
        {C_ZSTD, 9, 32u << 10, 1u << 20, "zstd-9 + 32 KiB dict (1 MiB sample)"},
        {C_ZSTD, 3, 0, 0, "zstd-3, no dict"},
        {C_LZ4, 1, 64u << 10, 1u << 20, "lz4 + 64 KiB dict (1 MiB sample)"},
        {C_LZ4, 1, 0, 0, "lz4, no dict"},
    };
    static const size_t blocks[] = {8u << 10, 16u << 10, 32u << 10};
    printf("%zu documents, %.1f MB of stored bodies, a dictionary per %zu MiB segment, "
           "best of %d decompressions\n\n",
           c.n, body / 1e6, seg_mib, repeats);
    printf(
        "| block | codec | ratio | compress µs/block | decompress µs/block | dict ms/segment |\n");
    printf("|---:|---|---:|---:|---:|---:|\n");
    for (size_t bi = 0; bi < sizeof blocks / sizeof *blocks; bi++) {
        blockset bs;
        layout(&c, blocks[bi], &bs);
        size_t seg_bytes = seg_mib << 20, nsegs = 0;
        segment *segs = xmalloc((bs.raw_len / seg_bytes + 2) * sizeof *segs);
        for (size_t b = 0; b < bs.nblocks;) {
            size_t e = b;
            while (e < bs.nblocks && bs.start[e + 1] - bs.start[b] <= seg_bytes)
                e++;
            if (e == b)
                e++;
            segs[nsegs++] = (segment){b, e};
            b = e;
        }
        for (size_t k = 0; k < sizeof configs / sizeof *configs; k++) {
            result r;
            run(&bs, segs, nsegs, &configs[k], repeats, &r);
            printf("| %zu KiB | %s | %.3f | %.1f | %.1f | %.1f |\n", blocks[bi] >> 10,
                   configs[k].name, r.ratio, r.c_us, r.d_us, r.train_ms);
            fflush(stdout);
        }
        free(segs);
        free(bs.raw);
        free(bs.start);
    }
    nb_corpus_free(&c);
    return 0;
}
