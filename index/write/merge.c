/* merge.c — merges segments: documents are renumbered in input order with
 * deleted ones dropped; the dictionaries are merged k-way and each term's
 * postings copied with positions through the same segment writer that
 * flushes new documents. The stored text is copied block by block where it
 * can be (copy_docs), so a merged segment holds the same documents, terms and
 * postings as indexing those documents afresh would, with the stored text
 * compressed as it was in its sources. The surface forms (SURFACE) are
 * merged with their document frequencies summed: deleted documents are not
 * analysed again, so a merged df is an estimate from above (docs/format.md);
 * sources older than version 6 have their live documents' words found in
 * their stored text. */
#include <stdlib.h>
#include <string.h>

#include "analysis/fingerprint.h"
#include "common/internal.h"
#include "format/commit.h"
#include "format/record.h"
#include "write/merge.h"
#include "write/surfaces.h"

typedef struct src {
    const nsi_seg *seg;
    const uint8_t *deleted;
    uint32_t *remap; /* old doc -> new doc, NSI_DOC_END when dropped */
    nsi_dictit it;
    int at_end;
} src;

/* How a source's stored text reaches the output (docs/format.md, "STORED"):
 * a source of version 4 (zstd) has its dictionaries imported, its blocks whose
 * documents all survive copied as they are, and the survivors of the other
 * blocks compressed again with the dictionary they had. Older sources (zlib)
 * and sources whose dictionaries no longer fit are compressed again with the
 * output's own dictionary, trained on them; so are sources without a
 * dictionary (segments too small to train one), so that a merge of many
 * small segments gets one. dmap[k] is the output's number
 * of the source's dictionary k (dmap[0] = 0), or NULL to compress again. */
static int import_dicts(const nsi_seg *g, nsi_docstore_writer *store, uint32_t **dmap, char *err,
                        size_t errlen)
{
    *dmap = NULL;
    /* A source without dictionaries (a segment too small to train one) is
     * compressed again: a merge of many such segments trains one. */
    if (g->store.format < 4 || g->store.ndicts == 0)
        return NS_OK;
    uint32_t *m = calloc((size_t)g->store.ndicts + 1, sizeof *m);
    if (!m)
        return nsi_fail(err, errlen, NS_ENOMEM, "merging segments: out of memory");
    for (uint32_t k = 1; k <= g->store.ndicts; k++) {
        const uint8_t *p;
        size_t len;
        nsi_docstore_dict_at(&g->store, k, &p, &len);
        int rc = nsi_docstore_import_dict(store, p, len, &m[k]);
        if (rc == NS_ETOOBIG) { /* too many dictionaries: compress again */
            free(m);
            return NS_OK;
        }
        if (rc) {
            free(m);
            return nsi_fail(err, errlen, rc, "%s: stored dictionary %u: %s", g->path, k,
                            ns_strerror(rc));
        }
    }
    *dmap = m;
    return NS_OK;
}

/* At the first document of source block b: copies the block when all its
 * documents survive (*copied = 1), else chooses its dictionary for the
 * survivors. */
static int start_block(const src *s, const uint32_t *dmap, uint32_t b, nsi_docstore_writer *store,
                       int *copied)
{
    nsi_docstore_block blk;
    nsi_docstore_block_at(&s->seg->store, b, &blk);
    *copied = 0;
    uint32_t live = 0;
    for (uint32_t d = blk.first; d < blk.first + blk.ndocs; d++)
        live += !nsi_bit_get(s->deleted, d);
    if (live == blk.ndocs) {
        *copied = 1;
        return nsi_docstore_copy_block(store, blk.data, blk.clen, blk.ulen, blk.ndocs,
                                       dmap[blk.dict]);
    }
    return nsi_docstore_use_dict(store, dmap[blk.dict]);
}

static int copy_docs(src *s, size_t n, nsi_segw *w, char *err, size_t errlen)
{
    nsi_docstore_cache cache = {0};
    nsi_docstore_writer *store = nsi_segw_store(w);
    uint32_t next = 0, *dmap = NULL;
    int rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const nsi_seg *g = s[i].seg;
        s[i].remap = malloc(((size_t)g->ndocs + 1) * sizeof *s[i].remap);
        if (!s[i].remap) {
            rc = NS_ENOMEM;
            break;
        }
        free(dmap);
        if ((rc = import_dicts(g, store, &dmap, err, errlen)))
            break;
        if (!dmap && (rc = nsi_docstore_use_dict(store, NSI_DOCSTORE_OWN)))
            break;
        uint32_t b = 0, next_block = dmap && g->store.nblocks ? 0 : UINT32_MAX;
        int copied = 0;
        const uint8_t *p = g->sec[NSI_SEC_DOCMAP].p, *end = p + g->sec[NSI_SEC_DOCMAP].len;
        for (uint32_t d = 0; d < g->ndocs && !rc; d++) {
            uint64_t idlen;
            if (nsi_varint_get(&p, end, &idlen) || idlen > (uint64_t)(end - p) ||
                (uint64_t)(end - p) - idlen < 8) {
                rc = nsi_fail(err, errlen, NS_ECORRUPT, "%s: section DOCMAP: malformed", g->path);
                break;
            }
            const char *id = (const char *)p;
            uint64_t hash = nsi_get_u64le(p + idlen);
            p += idlen + 8;
            if (d == next_block) {
                if ((rc = start_block(&s[i], dmap, b, store, &copied)))
                    break;
                next_block = UINT32_MAX;
                if (++b < g->store.nblocks) {
                    nsi_docstore_block nb;
                    nsi_docstore_block_at(&g->store, b, &nb);
                    next_block = nb.first;
                }
            }
            if (nsi_bit_get(s[i].deleted, d)) {
                s[i].remap[d] = NSI_DOC_END;
                continue;
            }
            uint32_t lt, lb;
            nsi_seg_norms(g, d, &lt, &lb);
            nsi_record rec;
            if ((rc = nsi_seg_fields(g, d, &rec, err, errlen)))
                break;
            if (rec.len[NSI_F_ID] != idlen || memcmp(rec.f[NSI_F_ID], id, idlen)) {
                rc = nsi_fail(err, errlen, NS_ECORRUPT,
                              "%s: document %u: DOCMAP and FIELDS disagree on its id", g->path, d);
                break;
            }
            if (copied) {
                rc = nsi_segw_doc_copied(w, lt, lb, hash, &rec);
            } else {
                char e2[256];
                const uint8_t *body;
                size_t body_len;
                if ((rc = nsi_docstore_get_cached(&g->store, &cache, d, &body, &body_len, e2,
                                                  sizeof e2))) {
                    rc = nsi_fail(err, errlen, rc, "%s: %s", g->path, e2);
                    break;
                }
                rec.f[NSI_F_BODY] = (const char *)body;
                rec.len[NSI_F_BODY] = body_len;
                rc = nsi_segw_doc_fields(w, lt, lb, hash, &rec);
            }
            s[i].remap[d] = next++;
        }
    }
    free(dmap);
    nsi_docstore_cache_free(&cache);
    return rc;
}

typedef struct fp_ctx {
    nsi_fp *fp;
    int body;
} fp_ctx;

static int fp_token(void *vctx, const nsi_token *t)
{
    fp_ctx *c = vctx;
    nsi_fp_word(c->fp, t->term, t->term_len, c->body);
    return 0;
}

/* The fingerprints of document d of a source older than version 5, which
 * has none: computed from its stored title and body as indexing does. */
static int old_fingerprints(const nsi_seg *g, uint32_t d, nsi_analyzer *an, nsi_fp *fp,
                            nsi_docstore_cache *cache, uint64_t *sim, uint64_t *exact, char *err,
                            size_t errlen)
{
    nsi_record rec;
    int rc = nsi_seg_fields(g, d, &rec, err, errlen);
    if (rc)
        return rc;
    char e2[256];
    const uint8_t *body;
    size_t body_len;
    if ((rc = nsi_docstore_get_cached(&g->store, cache, d, &body, &body_len, e2, sizeof e2)))
        return nsi_fail(err, errlen, rc, "%s: %s", g->path, e2);
    nsi_fp_reset(fp);
    fp_ctx c = {fp, 0};
    rc = nsi_analyze(an, rec.f[NSI_F_TITLE], rec.len[NSI_F_TITLE], 0, 0, fp_token, &c, NULL);
    c.body = 1;
    if (!rc)
        rc = nsi_analyze(an, (const char *)body, body_len, 0, 0, fp_token, &c, NULL);
    if (!rc)
        rc = nsi_fp_finish(fp, NSI_SIMHASH_SHINGLE, sim, exact);
    return rc ? nsi_fail(err, errlen, rc, "%s: fingerprints of document %u: %s", g->path, d,
                         ns_strerror(rc))
              : NS_OK;
}

/* The typed fields and fingerprints of the live documents (VALUES): each
 * source column's values of each surviving document, by its new number.
 * Sources older than version 5 have no fields, and their documents'
 * fingerprints are computed from their stored text when an analyzer is
 * given (else 0: unknown; docs/fields.md, "Duplicates"). */
static int copy_values(const src *s, size_t n, const nsi_schema *schema, nsi_analyzer *an,
                       nsi_segw *w, char *err, size_t errlen)
{
    nsi_fp fp = {0};
    nsi_docstore_cache cache = {0};
    nsi_valw *v = nsi_segw_values(w);
    int col, rc = nsi_valw_field(v, "date", 4, NS_FIELD_DATE, &col);
    for (size_t i = 0; schema && i < schema->n && !rc; i++)
        rc = nsi_valw_field(v, schema->f[i].name, schema->f[i].len, schema->f[i].type, &col);
    if (rc)
        return nsi_fail(err, errlen, rc, "merging segments: %s", ns_strerror(rc));
    int *cmap = NULL;
    for (size_t i = 0; i < n && !rc; i++) {
        const nsi_seg *g = s[i].seg;
        free(cmap);
        cmap = calloc(g->nvcols + 1, sizeof *cmap);
        if (!cmap)
            return nsi_fail(err, errlen, NS_ENOMEM, "merging segments: out of memory");
        for (uint32_t c = 0; c < g->nvcols && !rc; c++) {
            const nsi_vcol *vc = &g->vcols[c];
            if ((rc = nsi_valw_field(v, vc->name, vc->name_len, vc->type, &cmap[c])))
                rc = nsi_fail(err, errlen, rc == NS_EINVAL ? NS_ECORRUPT : rc,
                              "%s: field '%.*s' is a %s field here, not in another segment",
                              g->path, (int)vc->name_len, vc->name, nsi_field_type_name(vc->type));
        }
        for (uint32_t d = 0; d < g->ndocs && !rc; d++) {
            uint32_t nd = s[i].remap[d];
            if (nd == NSI_DOC_END)
                continue;
            uint64_t sim, exact;
            if (g->hashes)
                rc = nsi_values_hashes(g, d, &sim, &exact, err, errlen);
            else if (an)
                rc = old_fingerprints(g, d, an, &fp, &cache, &sim, &exact, err, errlen);
            if (!rc && (g->hashes || an))
                rc = nsi_valw_hashes(v, nd, sim, exact);
            if (rc)
                break;
            for (uint32_t c = 0; c < g->nvcols && !rc; c++) {
                int type = g->vcols[c].type;
                if (type == NS_FIELD_DATE || type == NS_FIELD_NUMBER) {
                    int64_t date = 0;
                    double num = 0;
                    int got = nsi_values_num(g, (int)c, d, &date, &num, err, errlen);
                    uint64_t bits = (uint64_t)date;
                    if (type == NS_FIELD_NUMBER)
                        memcpy(&bits, &num, sizeof bits);
                    rc = got < 0 ? got : got ? nsi_valw_num(v, cmap[c], nd, bits) : NS_OK;
                    continue;
                }
                const uint8_t *ords;
                uint32_t no;
                if ((rc = nsi_values_kw_doc(g, (int)c, d, &ords, &no, err, errlen)))
                    break;
                for (uint32_t k = 0; k < no && !rc; k++) {
                    const char *val;
                    size_t len;
                    if (!(rc = nsi_values_kw_value(g, (int)c, nsi_values_ord(ords, k), &val, &len,
                                                   NULL, NULL, err, errlen)))
                        rc = nsi_valw_kw(v, cmap[c], nd, val, len);
                }
            }
        }
    }
    free(cmap);
    nsi_fp_free(&fp);
    nsi_docstore_cache_free(&cache);
    if (rc && err && !err[0])
        nsi_fail(err, errlen, rc, "merging segments: %s", ns_strerror(rc));
    return rc;
}

static int termcmp(const nsi_dictit *a, const nsi_dictit *b)
{
    size_t n = a->term_len < b->term_len ? a->term_len : b->term_len;
    int c = memcmp(a->term, b->term, n);
    return c ? c : (a->term_len > b->term_len) - (a->term_len < b->term_len);
}

static int copy_postings(src *s, const nsi_dictit *it, nsi_segw *w, nsi_u32vec *pt, nsi_u32vec *pb)
{
    nsi_pcur c;
    int rc = nsi_pcur_init(&c, s->seg, &it->ti);
    for (; !rc && c.doc != NSI_DOC_END; rc = nsi_pcur_next(&c)) {
        uint32_t nd = s->remap[c.doc];
        if (nd == NSI_DOC_END)
            continue;
        uint32_t tt = nsi_pcur_tf_title(&c), tb = nsi_pcur_tf_body(&c);
        pt->n = pb->n = 0;
        for (uint32_t k = 0; k < tt && !rc; k++)
            rc = nsi_u32vec_push(pt, 0);
        for (uint32_t k = 0; k < tb && !rc; k++)
            rc = nsi_u32vec_push(pb, 0);
        if (!rc)
            rc = nsi_pcur_positions(&c, pt->v, pb->v);
        if (!rc)
            rc = nsi_segw_posting(w, nd, tt, tb, pt->v, pb->v);
    }
    return rc;
}

static int merge_terms(src *s, size_t n, nsi_segw *w, char *err, size_t errlen)
{
    int rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = nsi_dictit_seek(&s[i].it, s[i].seg, "", 0, err, errlen);
        s[i].at_end = rc == 1;
        if (rc == 1)
            rc = NS_OK;
    }
    nsi_u32vec pt = {0}, pb = {0};
    while (!rc) {
        const nsi_dictit *min = NULL;
        for (size_t i = 0; i < n; i++)
            if (!s[i].at_end && (!min || termcmp(&s[i].it, min) < 0))
                min = &s[i].it;
        if (!min)
            break;
        char term[sizeof min->term];
        size_t tlen = min->term_len;
        memcpy(term, min->term, tlen);
        if ((rc = nsi_segw_term(w, term, tlen)))
            break;
        for (size_t i = 0; i < n && !rc; i++) {
            if (s[i].at_end || s[i].it.term_len != tlen || memcmp(s[i].it.term, term, tlen))
                continue;
            if ((rc = copy_postings(&s[i], &s[i].it, w, &pt, &pb))) {
                rc =
                    nsi_fail(err, errlen, rc, "%s: postings of a term are damaged", s[i].seg->path);
                break;
            }
            rc = nsi_dictit_next(&s[i].it, err, errlen);
            s[i].at_end = rc == 1;
            if (rc == 1)
                rc = NS_OK;
        }
    }
    nsi_u32vec_free(&pt);
    nsi_u32vec_free(&pb);
    return rc;
}

typedef struct surf_ctx {
    nsi_surfaces *acc;
    const char *text;
} surf_ctx;

static int surf_token(void *vctx, const nsi_token *t)
{
    surf_ctx *c = vctx;
    return nsi_surfaces_token(c->acc, c->text + t->start, t->end - t->start);
}

/* The surface forms of the live documents of a source older than version 6,
 * which has none: from their stored title and body, tokenized as indexing
 * does. */
static int old_surfaces(const src *s, nsi_analyzer *an, nsi_surfaces *acc, char *err, size_t errlen)
{
    const nsi_seg *g = s->seg;
    nsi_docstore_cache cache = {0};
    int rc = NS_OK;
    for (uint32_t d = 0; d < g->ndocs && !rc; d++) {
        if (s->remap[d] == NSI_DOC_END)
            continue;
        nsi_record rec;
        const uint8_t *body;
        size_t body_len;
        char e2[256];
        if ((rc = nsi_seg_fields(g, d, &rec, err, errlen)))
            break;
        if ((rc = nsi_docstore_get_cached(&g->store, &cache, d, &body, &body_len, e2, sizeof e2))) {
            rc = nsi_fail(err, errlen, rc, "%s: %s", g->path, e2);
            break;
        }
        surf_ctx c = {acc, rec.f[NSI_F_TITLE]};
        rc = nsi_analyze_scan(an, rec.f[NSI_F_TITLE], rec.len[NSI_F_TITLE], 0, surf_token, &c);
        c.text = (const char *)body;
        if (!rc)
            rc = nsi_analyze_scan(an, (const char *)body, body_len, 0, surf_token, &c);
        nsi_surfaces_doc_end(acc, !rc);
    }
    nsi_docstore_cache_free(&cache);
    return rc;
}

typedef struct surf_out {
    nsi_segw *w;
    uint64_t ndocs;
} surf_out;

static int surf_write(void *vctx, const char *word, size_t len, uint64_t df)
{
    surf_out *o = vctx;
    return nsi_segw_surface(o->w, word, len, df < o->ndocs ? df : o->ndocs);
}

/* SURFACE of the output: the sources' entries with their document
 * frequencies summed (deleted documents included: an estimate from above,
 * cut at the output's document count), and the live documents' words of
 * sources older than version 6 (an: NULL leaves them out). */
static int merge_surfaces(const src *s, size_t n, nsi_analyzer *an, nsi_segw *w, char *err,
                          size_t errlen)
{
    nsi_surfaces *acc;
    if (nsi_surfaces_new(&acc))
        return NS_ENOMEM;
    int rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (s[i].seg->version < NSI_SEG_VERSION_SURFACE) {
            if (an)
                rc = old_surfaces(&s[i], an, acc, err, errlen);
            continue;
        }
        nsi_surfit it;
        rc = nsi_surfit_start(&it, s[i].seg, err, errlen);
        while (!rc && !(rc = nsi_surfit_next(&it, err, errlen)))
            rc = nsi_surfaces_add(acc, it.word, it.len, it.df);
        if (rc == 1)
            rc = NS_OK;
    }
    surf_out o = {w, nsi_segw_ndocs(w)};
    if (!rc && o.ndocs)
        rc = nsi_surfaces_foreach(acc, surf_write, &o);
    nsi_surfaces_free(acc);
    return rc;
}

int nsi_merge(const nsi_merge_in *in, size_t n, const nsi_schema *schema, nsi_analyzer *an,
              int dirfd, const char *dir, uint64_t out_id, uint64_t gen, uint32_t *ndocs, char *err,
              size_t errlen)
{
    src *s = calloc(n ? n : 1, sizeof *s);
    nsi_segw *w = NULL;
    if (!s || nsi_segw_new(&w)) {
        free(s);
        return nsi_fail(err, errlen, NS_ENOMEM, "merging segments: out of memory");
    }
    nsi_segw_set_generation(w, gen);
    unsigned analysis = NSI_ANALYSIS_CURRENT;
    for (size_t i = 0; i < n; i++) {
        s[i].seg = in[i].seg;
        s[i].deleted = in[i].deleted;
        if (in[i].seg->analysis < analysis) /* its positions are copied as they are */
            analysis = in[i].seg->analysis;
    }
    nsi_segw_set_analysis(w, analysis);
    int rc = copy_docs(s, n, w, err, errlen);
    if (!rc)
        rc = copy_values(s, n, schema, an, w, err, errlen);
    if (!rc)
        rc = merge_terms(s, n, w, err, errlen);
    if (!rc)
        rc = merge_surfaces(s, n, an, w, err, errlen);
    if (!rc) {
        *ndocs = nsi_segw_ndocs(w);
        rc = nsi_segw_finish_at(w, dirfd, dir, out_id, err, errlen);
    } else if (rc > 0 || (err && !err[0])) {
        rc = nsi_fail(err, errlen, rc > 0 ? NS_ECORRUPT : rc, "merging segments: %s",
                      ns_strerror(rc > 0 ? NS_ECORRUPT : rc));
    }
    nsi_segw_free(w);
    for (size_t i = 0; i < n; i++)
        free(s[i].remap);
    free(s);
    return rc;
}
