/* check.c — nsi_check (ns_index_check): proves that an index is whole, or names the first
 * thing that is not.
 *
 * The check trusts nothing it has not verified. In order:
 *  1. COMMIT parses (magic, version, CRC, end marker) and lists each segment
 *     once;
 *  2. every segment opens (header, footer, table) and every section CRC and
 *     the whole-file CRC match;
 *  3. per document: the DOCMAP entry, the FIELDS entry (it decodes and its
 *     id is the DOCMAP id), the stored body (its block inflates), the FNV hash
 *     of the whole record equals the DOCMAP hash, and no live id appears
 *     twice in the index;
 *  4. the dictionary is strictly sorted and its postings and positions lie
 *     back to back; every term's postings decode with ascending doc numbers
 *     below ndocs, df documents, skip entries whose offsets and block maxima
 *     are exact, positions that decode, ascend and stay below the field's
 *     length; the totals equal INFO;
 *  4b. (version 5) VALUES: every column's offsets rise and end at their
 *     blob's length, ordinals are in range, values are sorted by folded key
 *     and distinct, folded keys are the values' folds, date and number
 *     columns count their present documents; the DOCMAP hash covers the
 *     document's field values as the columns give them;
 *  4c. (version 6) SURFACE decodes: words strictly ascending, of 1 to 64
 *     bytes, each df within 1..ndocs, every block's offset where its first
 *     entry (a whole word) is;
 *  5. with full, the stored title and body of every document are analysed
 *     again and must give exactly the postings (term, doc, tf_title, tf_body,
 *     positions) and norms in the segment. This catches an index that is
 *     internally consistent but no longer says what the documents say, which
 *     checksums alone cannot (a segment written by a buggy merge has valid
 *     CRCs). Documents are analysed in batches so memory stays bounded. Every
 *     surface form of a live document must be in SURFACE (version 6) with a
 *     df at least the number of live documents that hold it (a merge's df
 *     is an estimate from above: docs/format.md, SURFACE).
 *
 * A concurrent writer may delete a segment between our reading COMMIT and
 * opening it; the check then starts again on the newer COMMIT.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyzer.h"
#include "analysis/fingerprint.h"
#include "common/internal.h"
#include "format/commit.h"
#include "format/orphans.h"
#include "format/record.h"
#include "format/segment.h"
#include "read/reader.h"
#include "write/idmap.h"
#include "write/surfaces.h"

/* u32 words of expected postings one --full batch may hold (128 MiB). */
#define BATCH_WORDS ((size_t)32 << 20)
#define RESTARTS 20

typedef struct expect {
    uint32_t term; /* index into the interner */
    uint32_t doc;
    uint32_t tft, tfb;
    size_t pos; /* tft title then tfb body positions in chk.pos */
} expect;

typedef struct chk {
    char *err;
    size_t errlen;
    int full;
    nsi_analyzer *an;
    nsi_idmap live; /* ids of live documents across segments */
    nsi_u32vec pt, pb;
    /* --full batch */
    nsi_idmap terms; /* interner: entry index = term number */
    expect *ex;
    size_t nex, excap;
    nsi_u32vec pos;
    nsi_u32vec tok_term, tok_pos;
    nsi_buf tok_field;
    nsi_buf rec; /* a document's whole record, for its hash */
    uint32_t ntok;
    int an_rc;
    nsi_fp fp;         /* --full: the document's fingerprints */
    nsi_schema schema; /* the fields of the segments so far: they must agree */
    nsi_buf fterm;     /* a field term */
    uint8_t fp_on;     /* on_token feeds fp */
    const char *fname; /* text field being analysed (on_text) */
    size_t fname_len;
    nsi_surfaces *surf; /* --full: the live documents' surface forms */
    int surf_on;        /* on_token feeds surf */
    /* totals for the summary */
    uint64_t nsegs, ndocs, nlive, nterms, npostings;
} chk;

static const char *sec_name(int k)
{
    static const char *names[] = {"?",         "INFO",   "TERMS",  "TERMIDX", "POSTINGS",
                                  "POSITIONS", "NORMS",  "DOCMAP", "STORED",  "FIELDS",
                                  "CHECKS",    "VALUES", "SURFACE"};
    return k >= 1 && k <= NSI_SEC_COUNT ? names[k] : names[0];
}

static uint64_t sec_off(const nsi_seg *g, int k) { return (uint64_t)(g->sec[k].p - g->map); }

/* Reports damage at byte off of section k of g (off relative to the file). */
static int bad(chk *k, const nsi_seg *g, int sec, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int bad(chk *k, const nsi_seg *g, int sec, uint64_t off, const char *fmt, ...)
{
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return nsi_fail(k->err, k->errlen, NS_ECORRUPT, "%s: section %s, offset %llu: %s", g->path,
                    sec_name(sec), (unsigned long long)off, what);
}

/* Prints at most 40 bytes of a term, enough to find it. */
#define TERM_FMT "'%.*s'"
#define TERM_ARG(t, n) (int)((n) > 40 ? 40 : (n)), (t)

/* Makes room for n values in v->v (contents undefined). */
static int grow_u32(nsi_u32vec *v, size_t n)
{
    if (v->cap >= n)
        return NS_OK;
    v->n = v->cap;
    while (v->n < n) {
        int rc = nsi_u32vec_push(v, 0);
        if (rc)
            return rc;
    }
    v->n = 0;
    return NS_OK;
}

/* ------------------------------------------------------------ checksums */

static int check_crcs(chk *k, const nsi_seg *g)
{
    for (int s = 1; s <= NSI_SEC_COUNT; s++)
        if (nsi_crc32(g->sec[s].p, g->sec[s].len) != g->sec[s].crc)
            return bad(k, g, s, sec_off(g, s), "checksum mismatch (%zu bytes)", g->sec[s].len);
    if (nsi_crc32(g->map, g->size - NSI_SEG_FOOTER_BYTES) != nsi_get_u32le(g->map + g->size - 12))
        return nsi_fail(k->err, k->errlen, NS_ECORRUPT,
                        "%s: whole-file checksum mismatch (header, padding or table, %zu bytes)",
                        g->path, g->size);
    return nsi_seg_verify(g, k->err, k->errlen); /* and, in version 3, every chunk */
}

/* ------------------------------------------------------------ documents */

typedef struct an_ctx {
    chk *k;
    uint8_t field;
    const char *text; /* what is analysed (surface forms) */
} an_ctx;

static int on_token(void *vctx, const nsi_token *tok)
{
    an_ctx *a = vctx;
    chk *k = a->k;
    nsi_identry *e;
    int rc = nsi_idmap_get(&k->terms, tok->term, tok->term_len, &e);
    if (!rc)
        rc = nsi_u32vec_push(&k->tok_term, (uint32_t)(e - k->terms.e));
    if (!rc)
        rc = nsi_u32vec_push(&k->tok_pos, tok->pos);
    if (!rc)
        rc = nsi_buf_putc(&k->tok_field, a->field);
    if (k->fp_on)
        nsi_fp_word(&k->fp, tok->term, tok->term_len, a->field == 1);
    if (!rc && k->surf_on)
        rc = nsi_surfaces_token(k->surf, a->text + tok->start, tok->end - tok->start);
    k->ntok = tok->pos + 1;
    return rc ? (k->an_rc = rc) : 0;
}

/* The fingerprints' words alone (a segment whose postings come from the old
 * analysis: its fingerprints were made with today's, as merges make them). */
static int on_fp_token(void *vctx, const nsi_token *tok)
{
    an_ctx *a = vctx;
    nsi_fp_word(&a->k->fp, tok->term, tok->term_len, a->field == 1);
    return 0;
}

/* One field term of the document (field 1: counted as body). */
static int add_term(chk *k, const char *term, size_t len, uint32_t pos)
{
    nsi_identry *e;
    int rc = nsi_idmap_get(&k->terms, term, len, &e);
    if (!rc)
        rc = nsi_u32vec_push(&k->tok_term, (uint32_t)(e - k->terms.e));
    if (!rc)
        rc = nsi_u32vec_push(&k->tok_pos, pos);
    if (!rc)
        rc = nsi_buf_putc(&k->tok_field, 1);
    return rc;
}

/* A token of a text field's value, as memindex.c indexes it. */
static int on_text(void *vctx, const nsi_token *tok)
{
    chk *k = ((an_ctx *)vctx)->k;
    nsi_buf_reset(&k->fterm);
    int rc =
        nsi_field_term(&k->fterm, NSI_TERM_TEXT, k->fname, k->fname_len, tok->term, tok->term_len);
    if (!rc)
        rc = add_term(k, (const char *)k->fterm.data, k->fterm.len, tok->pos);
    k->ntok = tok->pos + 1;
    return rc ? (k->an_rc = rc) : 0;
}

/* The field terms of document doc (docs/format.md, "Field terms"), from its
 * column values: they must be exactly the dictionary's. */
static int expect_fields(chk *k, const nsi_seg *g, uint32_t doc)
{
    int rc = NS_OK;
    for (uint32_t c = 0; c < g->nvcols && !rc; c++) {
        const nsi_vcol *vc = &g->vcols[c];
        if (vc->type != NS_FIELD_KEYWORD && vc->type != NS_FIELD_TEXT)
            continue;
        const uint8_t *ords;
        uint32_t n;
        if ((rc = nsi_values_kw_doc(g, (int)c, doc, &ords, &n, k->err, k->errlen)))
            return rc;
        uint32_t base = 0;
        for (uint32_t j = 0; j < n && !rc; j++) {
            const char *v;
            size_t len;
            if ((rc = nsi_values_kw_value(g, (int)c, nsi_values_ord(ords, j), &v, &len, NULL, NULL,
                                          k->err, k->errlen)))
                return rc;
            if (vc->type == NS_FIELD_KEYWORD) {
                nsi_buf_reset(&k->fterm);
                if ((rc = nsi_field_term(&k->fterm, NSI_TERM_KEYWORD, vc->name, vc->name_len, v,
                                         len)))
                    break;
                /* a value given twice is one posting */
                int dup = 0;
                for (uint32_t i = 0; i < j && !dup; i++)
                    dup = nsi_values_ord(ords, i) == nsi_values_ord(ords, j);
                /* two values with the same folded key: one term as well */
                if (!dup)
                    for (uint32_t i = 0; i < j && !dup; i++) {
                        const char *f1, *f2;
                        size_t l1, l2;
                        if ((rc = nsi_values_kw_value(g, (int)c, nsi_values_ord(ords, i), NULL,
                                                      NULL, &f1, &l1, k->err, k->errlen)) ||
                            (rc = nsi_values_kw_value(g, (int)c, nsi_values_ord(ords, j), NULL,
                                                      NULL, &f2, &l2, k->err, k->errlen)))
                            return rc;
                        dup = l1 == l2 && !memcmp(f1, f2, l1);
                    }
                if (!dup)
                    rc = add_term(k, (const char *)k->fterm.data, k->fterm.len, 0);
                continue;
            }
            an_ctx a = {k, 1, NULL};
            k->fname = vc->name;
            k->fname_len = vc->name_len;
            k->ntok = base;
            k->an_rc = 0;
            rc = nsi_analyze(k->an, v, len, base,
                             g->analysis < NSI_ANALYSIS_CURRENT ? NSI_AN_RUNS : 0, on_text, &a,
                             NULL);
            if (rc)
                rc = k->an_rc ? k->an_rc : rc;
            base = k->ntok + 1;
        }
    }
    if (rc && rc != NS_ECORRUPT)
        return nsi_fail(k->err, k->errlen, rc, "%s: field terms of document %u: %s", g->path, doc,
                        ns_strerror(rc));
    return rc;
}

/* Sorts a document's tokens by (term, field, position). */
static int cmp_tok(const void *x, const void *y, void *ctx)
{
    const chk *k = ctx;
    size_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    uint32_t ti = k->tok_term.v[i], tj = k->tok_term.v[j];
    if (ti != tj)
        return ti < tj ? -1 : 1;
    if (k->tok_field.data[i] != k->tok_field.data[j])
        return k->tok_field.data[i] < k->tok_field.data[j] ? -1 : 1;
    return (k->tok_pos.v[i] > k->tok_pos.v[j]) - (k->tok_pos.v[i] < k->tok_pos.v[j]);
}

static int push_expect(chk *k, expect e)
{
    if (k->nex == k->excap) {
        size_t cap = k->excap ? k->excap * 2 : 4096;
        expect *p = realloc(k->ex, cap * sizeof *p);
        if (!p)
            return NS_ENOMEM;
        k->ex = p;
        k->excap = cap;
    }
    k->ex[k->nex++] = e;
    return NS_OK;
}

/* Analyses one document as memindex.c does and appends its expected
 * postings; checks its norms. */
static int expect_doc(chk *k, const nsi_seg *g, uint32_t doc, const nsi_record *r)
{
    k->tok_term.n = k->tok_pos.n = 0;
    nsi_buf_reset(&k->tok_field);
    nsi_fp_reset(&k->fp);
    /* postings and lengths as the segment's analysis made them (INFO) */
    unsigned flags = g->analysis < NSI_ANALYSIS_CURRENT ? NSI_AN_RUNS : 0;
    k->fp_on = !flags;
    uint32_t len[2];
    for (uint8_t f = 0; f < 2; f++) {
        int fi = f ? NSI_F_BODY : NSI_F_TITLE;
        an_ctx a = {k, f, r->f[fi]};
        k->ntok = 0;
        k->an_rc = 0;
        int rc = nsi_analyze(k->an, r->f[fi], r->len[fi], 0, flags, on_token, &a, NULL);
        if (rc)
            return nsi_fail(k->err, k->errlen, k->an_rc ? k->an_rc : rc,
                            "%s: analysing document %u: %s", g->path, doc,
                            ns_strerror(k->an_rc ? k->an_rc : rc));
        len[f] = k->ntok;
    }
    if (k->surf_on)
        nsi_surfaces_doc_end(k->surf, 1);
    for (uint8_t f = 0; flags && g->hashes && f < 2; f++) {
        int fi = f ? NSI_F_BODY : NSI_F_TITLE;
        an_ctx a = {k, f, r->f[fi]};
        int rc = nsi_analyze(k->an, r->f[fi], r->len[fi], 0, 0, on_fp_token, &a, NULL);
        if (rc)
            return nsi_fail(k->err, k->errlen, rc, "%s: analysing document %u: %s", g->path, doc,
                            ns_strerror(rc));
    }
    k->fp_on = 0;
    if (g->hashes) {
        uint64_t sim, exact, want_sim, want_exact;
        int rc = nsi_values_hashes(g, doc, &sim, &exact, k->err, k->errlen);
        if (rc)
            return rc;
        if ((rc = nsi_fp_finish(&k->fp, NSI_SIMHASH_SHINGLE, &want_sim, &want_exact)))
            return nsi_fail(k->err, k->errlen, rc, "%s", ns_strerror(rc));
        /* 0 and 0: a document merged from a segment older than version 5 */
        if ((sim || exact) && (sim != want_sim || exact != want_exact))
            return bad(k, g, NSI_SEC_VALUES, (uint64_t)(g->hashes - g->map) + (uint64_t)doc * 16,
                       "document %u: fingerprints %016llx/%016llx, its stored text gives "
                       "%016llx/%016llx",
                       doc, (unsigned long long)sim, (unsigned long long)exact,
                       (unsigned long long)want_sim, (unsigned long long)want_exact);
        if ((rc = expect_fields(k, g, doc)))
            return rc;
    }
    uint32_t lt, lb;
    nsi_seg_norms(g, doc, &lt, &lb);
    if (lt != len[0] || lb != len[1])
        return bad(k, g, NSI_SEC_NORMS, sec_off(g, NSI_SEC_NORMS) + (uint64_t)doc * 8,
                   "document %u: lengths %u/%u, its stored text has %u/%u tokens", doc, lt, lb,
                   len[0], len[1]);
    size_t n = k->tok_term.n;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return NS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, n, sizeof *order, cmp_tok, k);
    int rc = NS_OK;
    for (size_t i = 0; i < n && !rc;) {
        uint32_t t = k->tok_term.v[order[i]];
        expect e = {t, doc, 0, 0, k->pos.n};
        for (; i < n && k->tok_term.v[order[i]] == t && !rc; i++) {
            if (k->tok_field.data[order[i]] == 0)
                e.tft++;
            else
                e.tfb++;
            rc = nsi_u32vec_push(&k->pos, k->tok_pos.v[order[i]]);
        }
        if (!rc)
            rc = push_expect(k, e);
    }
    free(order);
    return rc;
}

/* Continues *h with doc's typed fields as the columns give them
 * (nsi_fields_hash_head: the writer's content hash). */
static int fields_hash(chk *k, const nsi_seg *g, uint32_t doc, uint64_t *h)
{
    for (uint32_t c = 0; c < g->nvcols; c++) {
        const nsi_vcol *vc = &g->vcols[c];
        if (vc->name_len == 4 && !memcmp(vc->name, "date", 4))
            continue; /* the built-in date: in the record */
        int rc;
        if (vc->type == NS_FIELD_DATE || vc->type == NS_FIELD_NUMBER) {
            int64_t date = 0;
            double num = 0;
            int got = nsi_values_num(g, (int)c, doc, &date, &num, k->err, k->errlen);
            if (got < 0)
                return got;
            if (!got)
                continue;
            uint8_t b[8];
            uint64_t bits = (uint64_t)date;
            if (vc->type == NS_FIELD_NUMBER)
                memcpy(&bits, &num, 8);
            nsi_put_u64le(b, bits);
            *h = nsi_fields_hash_head(*h, vc->name, vc->name_len, vc->type, 1);
            *h = nsi_fields_hash_value(*h, b, 8);
            continue;
        }
        const uint8_t *ords;
        uint32_t n;
        if ((rc = nsi_values_kw_doc(g, (int)c, doc, &ords, &n, k->err, k->errlen)))
            return rc;
        if (n)
            *h = nsi_fields_hash_head(*h, vc->name, vc->name_len, vc->type, n);
        for (uint32_t j = 0; j < n; j++) {
            const char *v;
            size_t len;
            if ((rc = nsi_values_kw_value(g, (int)c, nsi_values_ord(ords, j), &v, &len, NULL, NULL,
                                          k->err, k->errlen)))
                return rc;
            *h = nsi_fields_hash_value(*h, v, len);
        }
    }
    return NS_OK;
}

static int termcmp(const char *a, size_t al, const char *b, size_t bl);

/* VALUES (version 5): the structure of every column (docs/format.md,
 * "VALUES"); the head and table were checked when the segment opened. */
static int check_values(chk *k, const nsi_seg *g)
{
    for (uint32_t c = 0; c < g->nvcols; c++) {
        const nsi_vcol *vc = &g->vcols[c];
        uint64_t at = (uint64_t)(vc->p - g->map);
        if (vc->type == NS_FIELD_DATE || vc->type == NS_FIELD_NUMBER) {
            uint32_t n = 0;
            for (uint32_t d = 0; d < g->ndocs; d++)
                n += vc->present[d / 8] >> (d % 8) & 1;
            for (uint32_t d = g->ndocs; d < (g->ndocs + 63) / 64 * 64; d++)
                if (vc->present[d / 8] >> (d % 8) & 1)
                    return bad(k, g, NSI_SEC_VALUES, at,
                               "field '%.*s': presence bit set past the last document",
                               (int)vc->name_len, vc->name);
            if (n != vc->nvalues)
                return bad(k, g, NSI_SEC_VALUES, at,
                           "field '%.*s': %u documents have a value, the table says %u",
                           (int)vc->name_len, vc->name, n, vc->nvalues);
            for (uint32_t d = 0; vc->type == NS_FIELD_NUMBER && d < g->ndocs; d++) {
                double x;
                uint64_t bits = nsi_get_u64le(vc->vals + (size_t)d * 8);
                memcpy(&x, &bits, 8);
                if ((vc->present[d / 8] >> (d % 8) & 1) && !(x == x && x - x == 0))
                    return bad(k, g, NSI_SEC_VALUES, at + (uint64_t)(vc->vals - vc->p) + d * 8ull,
                               "field '%.*s', document %u: not a finite number", (int)vc->name_len,
                               vc->name, d);
            }
            continue;
        }
        const uint8_t *arrs[3] = {vc->raw_offs, vc->fold_offs, vc->doc_offs};
        uint32_t counts[3] = {vc->nvalues, vc->nvalues, g->ndocs};
        uint32_t ends[3] = {vc->raw_len, vc->fold_len, vc->nords};
        for (int a = 0; a < 3; a++) {
            uint32_t prev = 0;
            for (uint32_t i = 0; i <= counts[a]; i++) {
                uint32_t o = nsi_get_u32le(arrs[a] + (size_t)i * 4);
                if ((i == 0 && o != 0) || o < prev || (i == counts[a] && o != ends[a]))
                    return bad(k, g, NSI_SEC_VALUES, at + (uint64_t)(arrs[a] - vc->p) + i * 4ull,
                               "field '%.*s': offsets out of order", (int)vc->name_len, vc->name);
                prev = o;
            }
        }
        for (uint32_t i = 0; i < vc->nords; i++)
            if (nsi_values_ord(vc->ords, i) >= vc->nvalues)
                return bad(k, g, NSI_SEC_VALUES, at + (uint64_t)(vc->ords - vc->p) + i * 4ull,
                           "field '%.*s': value ordinal out of range", (int)vc->name_len, vc->name);
        nsi_buf fold = {0};
        const char *pv = NULL, *pf = NULL;
        size_t pvl = 0, pfl = 0;
        int rc = NS_OK;
        for (uint32_t j = 0; j < vc->nvalues && !rc; j++) {
            const char *v, *f;
            size_t vl, fl;
            if ((rc = nsi_values_kw_value(g, (int)c, j, &v, &vl, &f, &fl, k->err, k->errlen)))
                break;
            nsi_buf_reset(&fold);
            if ((rc = nsi_field_fold(v, vl, &fold)))
                break;
            if (fold.len != fl || memcmp(fold.data, f, fl)) {
                rc = bad(k, g, NSI_SEC_VALUES, at, "field '%.*s', value %u: folded key is wrong",
                         (int)vc->name_len, vc->name, j);
                break;
            }
            int cf = j ? termcmp(pf, pfl, f, fl) : -1;
            if (cf > 0 || (cf == 0 && termcmp(pv, pvl, v, vl) >= 0)) {
                rc = bad(k, g, NSI_SEC_VALUES, at,
                         "field '%.*s', value %u: values not sorted or not distinct",
                         (int)vc->name_len, vc->name, j);
                break;
            }
            pv = v, pvl = vl, pf = f, pfl = fl;
        }
        nsi_buf_free(&fold);
        if (rc)
            return rc;
    }
    return NS_OK;
}

/* Walks DOCMAP, FIELDS, STORED and NORMS together for docs [from, ndocs); with
 * k->full, stops after the batch of expected postings is full and returns the
 * next doc in *next. */
static int check_docs(chk *k, const nsi_seg *g, const nsi_commit_seg *cs, uint32_t from,
                      uint32_t *next, const uint8_t **dm, nsi_docstore_cache *cache)
{
    const uint8_t *end = g->sec[NSI_SEC_DOCMAP].p + g->sec[NSI_SEC_DOCMAP].len;
    int rc = NS_OK;
    uint32_t d = from;
    for (; d < g->ndocs && !rc; d++) {
        if (k->full && k->pos.n + k->nex * 6 >= BATCH_WORDS)
            break;
        uint64_t at = (uint64_t)(*dm - g->map), idlen;
        const uint8_t *p = *dm;
        if (nsi_varint_get(&p, end, &idlen) || idlen == 0 || idlen > (uint64_t)(end - p) ||
            (uint64_t)(end - p) - idlen < 8)
            return bad(k, g, NSI_SEC_DOCMAP, at, "entry of document %u is malformed", d);
        const char *id = (const char *)p;
        uint64_t hash = nsi_get_u64le(p + idlen);
        *dm = p + idlen + 8;
        nsi_record r;
        if ((rc = nsi_seg_fields(g, d, &r, k->err, k->errlen)))
            return rc;
        if (r.len[NSI_F_ID] != idlen || memcmp(r.f[NSI_F_ID], id, idlen))
            return bad(k, g, NSI_SEC_FIELDS, sec_off(g, NSI_SEC_FIELDS),
                       "document %u: its id differs from the DOCMAP id", d);
        char e2[256] = "";
        const uint8_t *body;
        size_t body_len;
        if ((rc = nsi_docstore_get_cached(&g->store, cache, d, &body, &body_len, e2, sizeof e2)))
            return rc == NS_ECORRUPT
                       ? bad(k, g, NSI_SEC_STORED, sec_off(g, NSI_SEC_STORED), "%s", e2)
                       : nsi_fail(k->err, k->errlen, rc, "%s: %s", g->path, ns_strerror(rc));
        r.f[NSI_F_BODY] = (const char *)body;
        r.len[NSI_F_BODY] = body_len;
        /* the DOCMAP hash covers the whole record, as the writer encoded it */
        ns_doc doc = {r.f[NSI_F_ID],   r.len[NSI_F_ID],   r.f[NSI_F_TITLE], r.len[NSI_F_TITLE],
                      r.f[NSI_F_BODY], r.len[NSI_F_BODY], r.f[NSI_F_URL],   r.len[NSI_F_URL],
                      r.f[NSI_F_DATE], r.len[NSI_F_DATE], r.f[NSI_F_META],  r.len[NSI_F_META]};
        if ((rc = nsi_record_encode(&doc, &k->rec)))
            return nsi_fail(k->err, k->errlen, rc, "%s: %s", g->path, ns_strerror(rc));
        uint64_t want = nsi_fnv1a64(k->rec.data, k->rec.len, NSI_FNV_SEED);
        if ((rc = fields_hash(k, g, d, &want)))
            return rc;
        if (want != hash)
            return bad(k, g, NSI_SEC_DOCMAP, at, "document %u: content hash differs", d);
        if (!nsi_bit_get(cs->deleted, d)) {
            nsi_identry *e;
            if ((rc = nsi_idmap_get(&k->live, id, (size_t)idlen, &e)))
                return nsi_fail(k->err, k->errlen, rc, "%s", ns_strerror(rc));
            if (e->live)
                return bad(k, g, NSI_SEC_DOCMAP, at, "document id '%.*s' is live twice",
                           (int)(idlen > 200 ? 200 : idlen), id);
            e->live = 1;
        }
        if (k->full) {
            k->surf_on =
                k->surf && g->version >= NSI_SEG_VERSION_SURFACE && !nsi_bit_get(cs->deleted, d);
            rc = expect_doc(k, g, d, &r);
            k->surf_on = 0;
        }
    }
    if (!rc && d == g->ndocs && *dm != end)
        return bad(k, g, NSI_SEC_DOCMAP, (uint64_t)(*dm - g->map), "trailing bytes");
    *next = d;
    return rc;
}

/* ------------------------------------------------------------ postings */

static size_t packed_size(const uint8_t *p) { return 1 + (size_t)16 * p[0]; }

/* Checks the skip entry of the block the cursor just entered. */
static int check_block(chk *k, const nsi_pcur *c, const char *term, size_t tlen, uint64_t *data_run,
                       uint64_t at)
{
    const nsi_seg *g = c->s;
    if (c->block >= c->full) {
        if ((uint64_t)(c->tail - c->data) != *data_run)
            return bad(k, g, NSI_SEC_POSTINGS, at, "term " TERM_FMT ": tail misplaced",
                       TERM_ARG(term, tlen));
        return NS_OK;
    }
    nsi_skip sk;
    nsi_pcur_skip(c, c->block, &sk);
    uint32_t max_tb = 0, max_tt = 0, min_lb = UINT32_MAX, min_lt = UINT32_MAX;
    for (uint32_t j = 0; j < c->n; j++) {
        uint32_t lt, lb;
        nsi_seg_norms(g, c->docs[j], &lt, &lb);
        if (c->tfb[j] > max_tb)
            max_tb = c->tfb[j];
        if (c->tft[j] > max_tt)
            max_tt = c->tft[j];
        if (c->tfb[j] && lb < min_lb)
            min_lb = lb;
        if (c->tft[j] && lt < min_lt)
            min_lt = lt;
    }
    if (sk.data_off != *data_run || sk.max_tf_body != max_tb || sk.max_tf_title != max_tt ||
        sk.min_len_body != (max_tb ? min_lb : 0) || sk.min_len_title != (max_tt ? min_lt : 0))
        return bad(k, g, NSI_SEC_POSTINGS, at + (uint64_t)c->block * NSI_SKIP_ENTRY,
                   "term " TERM_FMT ": skip entry %u disagrees with its block",
                   TERM_ARG(term, tlen), c->block);
    const uint8_t *p = c->data + sk.data_off;
    for (int a = 0; a < 3; a++)
        p += packed_size(p);
    *data_run = (uint64_t)(p - c->data);
    return NS_OK;
}

/* Decodes every posting and position of one term. */
static int check_term(chk *k, const nsi_seg *g, const char *term, size_t tlen,
                      const nsi_terminfo *ti)
{
    uint64_t at = sec_off(g, NSI_SEC_POSTINGS) + ti->post_off;
    uint64_t pat = sec_off(g, NSI_SEC_POSITIONS) + ti->pos_off;
    nsi_pcur c;
    if (nsi_pcur_init(&c, g, ti))
        return bad(k, g, NSI_SEC_POSTINGS, at, "term " TERM_FMT ": postings do not decode",
                   TERM_ARG(term, tlen));
    uint32_t n = 0, block = UINT32_MAX;
    uint64_t data_run = 0;
    const uint8_t *pos_run = c.pos_base;
    int rc;
    while (c.doc != NSI_DOC_END) {
        if (c.block != block) {
            block = c.block;
            if (c.pblock != pos_run)
                return bad(k, g, NSI_SEC_POSITIONS, pat,
                           "term " TERM_FMT ": positions of block %u misplaced",
                           TERM_ARG(term, tlen), block);
            if ((rc = check_block(k, &c, term, tlen, &data_run, at)))
                return rc;
        }
        uint32_t tt = nsi_pcur_tf_title(&c), tb = nsi_pcur_tf_body(&c), lt, lb;
        if ((rc = grow_u32(&k->pt, tt)) || (rc = grow_u32(&k->pb, tb)))
            return nsi_fail(k->err, k->errlen, rc, "%s", ns_strerror(rc));
        if (nsi_pcur_positions(&c, k->pt.v, k->pb.v))
            return bad(k, g, NSI_SEC_POSITIONS, pat,
                       "term " TERM_FMT ", document %u: positions do not decode",
                       TERM_ARG(term, tlen), c.doc);
        nsi_seg_norms(g, c.doc, &lt, &lb);
        /* a field term (docs/format.md, "Field terms") has body positions
         * of its own field, not counted in NORMS */
        int field_term = tlen && (term[0] == NSI_TERM_KEYWORD || term[0] == NSI_TERM_TEXT);
        if (field_term && (tt || (term[0] == NSI_TERM_KEYWORD && (tb != 1 || k->pb.v[0]))))
            return bad(k, g, NSI_SEC_POSTINGS, at,
                       "field term " TERM_FMT ", document %u: frequencies %u/%u",
                       TERM_ARG(term, tlen), c.doc, tt, tb);
        if (field_term)
            lb = UINT32_MAX;
        if ((tt && k->pt.v[tt - 1] >= lt) || (tb && k->pb.v[tb - 1] >= lb))
            return bad(k, g, NSI_SEC_POSITIONS, pat,
                       "term " TERM_FMT ", document %u: position beyond the field's length",
                       TERM_ARG(term, tlen), c.doc);
        pos_run = c.pp;
        k->npostings++;
        n++;
        if (nsi_pcur_next(&c))
            return bad(k, g, NSI_SEC_POSTINGS, at, "term " TERM_FMT ": postings do not decode",
                       TERM_ARG(term, tlen));
    }
    if (n != ti->df)
        return bad(k, g, NSI_SEC_POSTINGS, at,
                   "term " TERM_FMT ": %u postings, the dictionary says %u", TERM_ARG(term, tlen),
                   n, ti->df);
    if (pos_run != c.pos_end)
        return bad(k, g, NSI_SEC_POSITIONS, pat,
                   "term " TERM_FMT ": positions do not fill their %llu bytes",
                   TERM_ARG(term, tlen), (unsigned long long)ti->pos_len);
    return NS_OK;
}

static int termcmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Walks the dictionary: order, layout, and (check_term) every posting. */
static int check_dict(chk *k, const nsi_seg *g)
{
    nsi_dictit it;
    char prev[sizeof it.term];
    size_t prev_len = 0;
    uint64_t count = 0, post_run = 0, pos_run = 0, npost0 = k->npostings;
    int rc = nsi_dictit_seek(&it, g, "", 0, k->err, k->errlen);
    while (rc == 0) {
        uint64_t at = sec_off(g, NSI_SEC_TERMS) + (uint64_t)(it.p - g->sec[NSI_SEC_TERMS].p);
        if (count && termcmp(prev, prev_len, it.term, it.term_len) >= 0)
            return bad(k, g, NSI_SEC_TERMS, at, "term " TERM_FMT " out of order",
                       TERM_ARG(it.term, it.term_len));
        if (it.ti.post_off != post_run || it.ti.pos_off != pos_run)
            return bad(k, g, NSI_SEC_TERMIDX, sec_off(g, NSI_SEC_TERMIDX),
                       "term " TERM_FMT ": postings or positions not back to back",
                       TERM_ARG(it.term, it.term_len));
        post_run += it.ti.post_len;
        pos_run += it.ti.pos_len;
        if ((rc = check_term(k, g, it.term, it.term_len, &it.ti)))
            return rc;
        memcpy(prev, it.term, it.term_len);
        prev_len = it.term_len;
        count++;
        if ((it.in_block == NSI_DICT_BLOCK || count == g->nterms) && it.p != it.end)
            return bad(k, g, NSI_SEC_TERMS, at, "dictionary block %u has trailing bytes", it.block);
        rc = nsi_dictit_next(&it, k->err, k->errlen);
    }
    if (rc != 1)
        return rc;
    if (count != g->nterms)
        return bad(k, g, NSI_SEC_INFO, sec_off(g, NSI_SEC_INFO),
                   "%llu terms, the dictionary holds %llu", (unsigned long long)g->nterms,
                   (unsigned long long)count);
    if (post_run != g->sec[NSI_SEC_POSTINGS].len || pos_run != g->sec[NSI_SEC_POSITIONS].len)
        return bad(k, g, NSI_SEC_POSTINGS, sec_off(g, NSI_SEC_POSTINGS),
                   "the terms' postings or positions do not fill their sections");
    if (k->npostings - npost0 != g->npostings)
        return bad(k, g, NSI_SEC_INFO, sec_off(g, NSI_SEC_INFO),
                   "%llu postings, the terms hold %llu", (unsigned long long)g->npostings,
                   (unsigned long long)(k->npostings - npost0));
    k->nterms += count;
    return NS_OK;
}

/* ------------------------------------------------------------ --full */

static int cmp_expect(const void *x, const void *y, void *ctx)
{
    const chk *k = ctx;
    const expect *a = x, *b = y;
    if (a->term != b->term) {
        const nsi_identry *ea = &k->terms.e[a->term], *eb = &k->terms.e[b->term];
        return termcmp((const char *)k->terms.ids.data + ea->id_off, ea->id_len,
                       (const char *)k->terms.ids.data + eb->id_off, eb->id_len);
    }
    return (a->doc > b->doc) - (a->doc < b->doc);
}

static const char *term_of(const chk *k, const expect *e, size_t *len)
{
    const nsi_identry *t = &k->terms.e[e->term];
    *len = t->id_len;
    return (const char *)k->terms.ids.data + t->id_off;
}

/* Compares the postings of one term for docs [lo, hi) with the expected
 * ones ex[*i...] for that term. */
static int compare_term(chk *k, const nsi_seg *g, const nsi_dictit *it, uint32_t lo, uint32_t hi,
                        size_t *i)
{
    uint64_t at = sec_off(g, NSI_SEC_POSTINGS) + it->ti.post_off;
    nsi_pcur c;
    int rc = nsi_pcur_init(&c, g, &it->ti);
    if (!rc && c.doc < lo)
        rc = nsi_pcur_seek(&c, lo);
    for (; !rc && c.doc < hi; rc = nsi_pcur_next(&c)) {
        size_t tl;
        const expect *e = *i < k->nex ? &k->ex[*i] : NULL;
        const char *t = e ? term_of(k, e, &tl) : NULL;
        if (!e || termcmp(t, tl, it->term, it->term_len) || e->doc != c.doc)
            return bad(k, g, NSI_SEC_POSTINGS, at,
                       "term " TERM_FMT " is indexed for document %u, whose stored text "
                       "does not contain it",
                       TERM_ARG(it->term, it->term_len), c.doc);
        uint32_t tt = nsi_pcur_tf_title(&c), tb = nsi_pcur_tf_body(&c);
        if (tt != e->tft || tb != e->tfb)
            return bad(k, g, NSI_SEC_POSTINGS, at,
                       "term " TERM_FMT ", document %u: frequencies %u/%u, the stored text "
                       "gives %u/%u",
                       TERM_ARG(it->term, it->term_len), c.doc, tt, tb, e->tft, e->tfb);
        if ((rc = grow_u32(&k->pt, tt)) || (rc = grow_u32(&k->pb, tb)))
            return nsi_fail(k->err, k->errlen, rc, "%s", ns_strerror(rc));
        if ((rc = nsi_pcur_positions(&c, k->pt.v, k->pb.v)))
            break;
        if ((tt && memcmp(k->pt.v, k->pos.v + e->pos, tt * sizeof(uint32_t))) ||
            (tb && memcmp(k->pb.v, k->pos.v + e->pos + tt, tb * sizeof(uint32_t))))
            return bad(k, g, NSI_SEC_POSITIONS, sec_off(g, NSI_SEC_POSITIONS) + it->ti.pos_off,
                       "term " TERM_FMT ", document %u: positions differ from the stored text",
                       TERM_ARG(it->term, it->term_len), c.doc);
        (*i)++;
    }
    if (rc)
        return bad(k, g, NSI_SEC_POSTINGS, at, "term " TERM_FMT ": postings do not decode",
                   TERM_ARG(it->term, it->term_len));
    size_t tl;
    const expect *e = *i < k->nex ? &k->ex[*i] : NULL;
    const char *t = e ? term_of(k, e, &tl) : NULL;
    if (e && !termcmp(t, tl, it->term, it->term_len))
        return bad(k, g, NSI_SEC_POSTINGS, at,
                   "term " TERM_FMT " of document %u's stored text is missing from its postings",
                   TERM_ARG(it->term, it->term_len), e->doc);
    return NS_OK;
}

/* Matches one batch of expected postings (docs [lo, hi)) against the index. */
static int compare_batch(chk *k, const nsi_seg *g, uint32_t lo, uint32_t hi)
{
    qsort_r(k->ex, k->nex, sizeof *k->ex, cmp_expect, k);
    size_t i = 0;
    nsi_dictit it;
    int rc = nsi_dictit_seek(&it, g, "", 0, k->err, k->errlen);
    while (rc == 0) {
        size_t tl;
        while (i < k->nex) {
            const char *t = term_of(k, &k->ex[i], &tl);
            if (termcmp(t, tl, it.term, it.term_len) >= 0)
                break;
            return bad(k, g, NSI_SEC_TERMS, sec_off(g, NSI_SEC_TERMS),
                       "term " TERM_FMT " of document %u's stored text is not indexed",
                       TERM_ARG(t, tl), k->ex[i].doc);
        }
        if ((rc = compare_term(k, g, &it, lo, hi, &i)))
            return rc;
        rc = nsi_dictit_next(&it, k->err, k->errlen);
    }
    if (rc != 1)
        return rc;
    if (i < k->nex) {
        size_t tl;
        const char *t = term_of(k, &k->ex[i], &tl);
        return bad(k, g, NSI_SEC_TERMS, sec_off(g, NSI_SEC_TERMS),
                   "term " TERM_FMT " of document %u's stored text is not indexed", TERM_ARG(t, tl),
                   k->ex[i].doc);
    }
    return NS_OK;
}

static void batch_reset(chk *k)
{
    nsi_idmap_clear(&k->terms);
    k->nex = 0;
    k->pos.n = 0;
}

/* ------------------------------------------------------------ segments */

/* SURFACE (version 6): every entry decodes (nsi_surfit checks order,
 * lengths and df). */
static int check_surface(chk *k, const nsi_seg *g)
{
    nsi_surfit it;
    int rc = nsi_surfit_start(&it, g, k->err, k->errlen);
    while (!rc)
        rc = nsi_surfit_next(&it, k->err, k->errlen);
    return rc == 1 ? NS_OK : rc;
}

typedef struct surf_cmp {
    chk *k;
    const nsi_seg *g;
    nsi_surfit it;
    int at_end;
} surf_cmp;

/* One word of the live documents (ascending): the segment must list it with
 * at least that df. */
static int surf_expect(void *vctx, const char *word, size_t len, uint64_t df)
{
    surf_cmp *c = vctx;
    int rc = NS_OK;
    while (!c->at_end && !rc) {
        size_t m = len < c->it.len ? len : c->it.len;
        int d = memcmp(c->it.word, word, m);
        if (!d)
            d = (c->it.len > len) - (c->it.len < len);
        if (d > 0)
            break;
        if (d == 0)
            return c->it.df >= df
                       ? NS_OK
                       : bad(c->k, c->g, NSI_SEC_SURFACE, sec_off(c->g, NSI_SEC_SURFACE),
                             "word '%.*s': df %llu, but %llu live documents hold it", (int)len,
                             word, (unsigned long long)c->it.df, (unsigned long long)df);
        rc = nsi_surfit_next(&c->it, c->k->err, c->k->errlen);
        c->at_end = rc == 1;
        rc = rc == 1 ? NS_OK : rc;
    }
    return rc ? rc
              : bad(c->k, c->g, NSI_SEC_SURFACE, sec_off(c->g, NSI_SEC_SURFACE),
                    "word '%.*s' of the stored text is missing", (int)len, word);
}

static int compare_surface(chk *k, const nsi_seg *g)
{
    surf_cmp c = {k, g, {0}, 0};
    int rc = nsi_surfit_start(&c.it, g, k->err, k->errlen);
    if (!rc)
        rc = nsi_surfit_next(&c.it, k->err, k->errlen);
    c.at_end = rc == 1;
    if (rc == 1)
        rc = NS_OK;
    return rc ? rc : nsi_surfaces_foreach(k->surf, surf_expect, &c);
}

static int check_segment(chk *k, const nsi_seg *g, const nsi_commit_seg *cs)
{
    int rc = check_crcs(k, g);
    if (rc)
        return rc;
    uint64_t sum_t = 0, sum_b = 0;
    for (uint32_t d = 0; d < g->ndocs; d++) {
        uint32_t lt, lb;
        nsi_seg_norms(g, d, &lt, &lb);
        sum_t += lt;
        sum_b += lb;
    }
    if (sum_t != g->sum_len_title || sum_b != g->sum_len_body)
        return bad(k, g, NSI_SEC_INFO, sec_off(g, NSI_SEC_INFO),
                   "field length totals disagree with NORMS");
    if ((rc = check_dict(k, g)) || (rc = check_values(k, g)) || (rc = check_surface(k, g)) ||
        (rc = nsi_schema_add_seg(&k->schema, g, k->err, k->errlen)))
        return rc;
    nsi_docstore_cache cache = {0};
    const uint8_t *dm = g->sec[NSI_SEC_DOCMAP].p;
    uint32_t lo = 0, hi = 0;
    do {
        batch_reset(k);
        rc = check_docs(k, g, cs, lo, &hi, &dm, &cache);
        if (!rc && k->full)
            rc = compare_batch(k, g, lo, hi);
        lo = hi;
    } while (!rc && hi < g->ndocs);
    nsi_docstore_cache_free(&cache);
    if (!rc && k->surf && g->version >= NSI_SEG_VERSION_SURFACE)
        rc = compare_surface(k, g);
    if (k->surf)
        nsi_surfaces_clear(k->surf);
    batch_reset(k);
    k->ndocs += g->ndocs;
    k->nlive += g->ndocs - cs->ndeleted;
    k->nsegs++;
    return rc;
}

/* Segments that a COMMIT newer than this one named (docs/format.md, "Orphans
 * and leftovers"): COMMIT went backwards. A dead writer's leftovers are not
 * damage. 1 when COMMIT changed during the scan (the caller starts again). */
static int check_orphans(chk *k, const char *dir, const nsi_commit *c)
{
    uint64_t high = nsi_lock_peek_generation(dir);
    if (high <= c->generation)
        return NS_OK;
    uint64_t *listed = calloc(c->nsegs ? c->nsegs : 1, sizeof *listed);
    if (!listed)
        return nsi_fail(k->err, k->errlen, NS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < c->nsegs; i++)
        listed[i] = c->segs[i].id;
    nsi_orphans_seen o = {0};
    int rc =
        nsi_unlisted_scan(-1, dir, listed, c->nsegs, c->generation, high, nsi_orphans_note, &o);
    free(listed);
    if (rc)
        return nsi_fail(k->err, k->errlen, rc, "%s: cannot list the index folder", dir);
    if (!o.n)
        return NS_OK;
    nsi_commit c2;
    if (nsi_commit_read(&c2, dir, NULL, 0) != NS_OK)
        return 1;
    int moved = c2.generation != c->generation;
    nsi_commit_free(&c2);
    if (moved) /* a writer committed meanwhile: its mark was ahead of our COMMIT */
        return 1;
    return nsi_fail(k->err, k->errlen, NS_ECORRUPT,
                    "%s/%s: orphan: not in COMMIT but committed in generation %llu, newer than "
                    "COMMIT's %llu (%u such segment%s: an older COMMIT was put back?); put the "
                    "newer COMMIT back, or delete them with nindex --prune-orphans",
                    dir, o.first, (unsigned long long)o.gen, (unsigned long long)c->generation, o.n,
                    o.n == 1 ? "" : "s");
}

/* One pass over the commit. 1 when a listed segment vanished and COMMIT
 * changed meanwhile (the caller starts again). */
static int check_once(chk *k, const char *dir)
{
    nsi_commit c;
    int rc = nsi_commit_read(&c, dir, k->err, k->errlen);
    if (rc == NS_ENOTFOUND)
        return nsi_fail(k->err, k->errlen, NS_ENOTFOUND, "%s: no index there (no COMMIT file)",
                        dir);
    if (rc)
        return rc;
    k->nsegs = k->ndocs = k->nlive = k->nterms = k->npostings = 0;
    nsi_idmap_clear(&k->live);
    k->schema.n = 0;
    if (!k->an && (rc = nsi_analyzer_new(&k->an, c.language))) {
        nsi_commit_free(&c);
        return nsi_fail(k->err, k->errlen, NS_ECORRUPT, "%s/COMMIT: unknown language '%s'", dir,
                        c.language);
    }
    for (uint32_t i = 0; i < c.nsegs && !rc; i++)
        for (uint32_t j = 0; j < i && !rc; j++)
            if (c.segs[i].id == c.segs[j].id)
                rc = nsi_fail(k->err, k->errlen, NS_ECORRUPT,
                              "%s/COMMIT: segment %016llx listed twice", dir,
                              (unsigned long long)c.segs[i].id);
    for (uint32_t i = 0; i < c.nsegs && !rc; i++) {
        nsi_seg *g;
        rc = nsi_seg_open(&g, dir, c.segs[i].id, k->err, k->errlen);
        if (rc == NS_ENOTFOUND) {
            nsi_commit c2;
            int moved = 1;
            if (nsi_commit_read(&c2, dir, NULL, 0) == NS_OK) {
                moved = c2.generation != c.generation;
                nsi_commit_free(&c2);
            }
            rc = moved ? 1
                       : nsi_fail(k->err, k->errlen, NS_ECORRUPT,
                                  "%s/seg-%016llx.nss: listed in COMMIT but missing", dir,
                                  (unsigned long long)c.segs[i].id);
            break;
        }
        if (rc)
            break;
        if (g->ndocs != c.segs[i].ndocs)
            rc = nsi_fail(k->err, k->errlen, NS_ECORRUPT, "%s: holds %u documents, COMMIT says %u",
                          g->path, g->ndocs, c.segs[i].ndocs);
        else if (c.version >= 2 &&
                 (rc = nsi_seg_identity(g, c.segs[i].uid, c.segs[i].table_crc, k->err, k->errlen)))
            ;
        else
            rc = check_segment(k, g, &c.segs[i]);
        nsi_seg_close(g);
    }
    if (!rc)
        rc = check_orphans(k, dir, &c);
    if (!rc)
        nsi_fail(k->err, k->errlen, NS_OK,
                 "generation %llu: %llu segments, %llu documents (%llu live), %llu terms, "
                 "%llu postings%s",
                 (unsigned long long)c.generation, (unsigned long long)k->nsegs,
                 (unsigned long long)k->ndocs, (unsigned long long)k->nlive,
                 (unsigned long long)k->nterms, (unsigned long long)k->npostings,
                 k->full ? ", postings match the stored text" : "");
    nsi_commit_free(&c);
    return rc;
}

int nsi_check(const char *path, int full, char *errbuf, size_t errlen)
{
    chk k;
    memset(&k, 0, sizeof k);
    k.err = errbuf;
    k.errlen = errlen;
    k.full = full;
    if (full && nsi_surfaces_new(&k.surf))
        return nsi_fail(errbuf, errlen, NS_ENOMEM, "%s: out of memory", path);
    int rc = 1;
    for (int i = 0; rc == 1 && i < RESTARTS; i++)
        rc = check_once(&k, path);
    if (rc == 1)
        rc = nsi_fail(errbuf, errlen, NS_EIO, "%s: the index kept changing during the check", path);
    nsi_analyzer_free(k.an);
    nsi_idmap_free(&k.live);
    nsi_idmap_free(&k.terms);
    nsi_u32vec_free(&k.pt);
    nsi_u32vec_free(&k.pb);
    nsi_u32vec_free(&k.pos);
    nsi_u32vec_free(&k.tok_term);
    nsi_u32vec_free(&k.tok_pos);
    nsi_buf_free(&k.tok_field);
    nsi_buf_free(&k.rec);
    nsi_buf_free(&k.fterm);
    nsi_fp_free(&k.fp);
    nsi_schema_free(&k.schema);
    nsi_surfaces_free(k.surf);
    free(k.ex);
    return rc;
}
