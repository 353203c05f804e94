/* merge.c — merges segments: documents are renumbered in input order with
 * deleted ones dropped; the dictionaries are merged k-way and each term's
 * postings copied with positions through the same segment writer that
 * flushes new documents, so a merged segment is byte-for-byte what indexing
 * those documents afresh would produce (up to document order). */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "format/commit.h"
#include "format/record.h"
#include "write/merge.h"

typedef struct src {
    const nsi_seg *seg;
    const uint8_t *deleted;
    uint32_t *remap; /* old doc -> new doc, NSI_DOC_END when dropped */
    nsi_dictit it;
    int at_end;
} src;

static int copy_docs(src *s, size_t n, nsi_segw *w, char *err, size_t errlen)
{
    nsi_docstore_cache cache = {0};
    uint32_t next = 0;
    int rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const nsi_seg *g = s[i].seg;
        s[i].remap = malloc(((size_t)g->ndocs + 1) * sizeof *s[i].remap);
        if (!s[i].remap) {
            rc = NS_ENOMEM;
            break;
        }
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
            if (nsi_bit_get(s[i].deleted, d)) {
                s[i].remap[d] = NSI_DOC_END;
                continue;
            }
            uint32_t lt, lb;
            nsi_seg_norms(g, d, &lt, &lb);
            char e2[256];
            const uint8_t *body;
            size_t body_len;
            nsi_record rec;
            if ((rc = nsi_seg_fields(g, d, &rec, err, errlen)))
                break;
            if ((rc = nsi_docstore_get_cached(&g->store, &cache, d, &body, &body_len, e2,
                                              sizeof e2))) {
                rc = nsi_fail(err, errlen, rc, "%s: %s", g->path, e2);
                break;
            }
            rec.f[NSI_F_BODY] = (const char *)body;
            rec.len[NSI_F_BODY] = body_len;
            if (rec.len[NSI_F_ID] != idlen || memcmp(rec.f[NSI_F_ID], id, idlen)) {
                rc = nsi_fail(err, errlen, NS_ECORRUPT,
                              "%s: document %u: DOCMAP and FIELDS disagree on its id", g->path, d);
                break;
            }
            rc = nsi_segw_doc_fields(w, lt, lb, hash, &rec);
            s[i].remap[d] = next++;
        }
    }
    nsi_docstore_cache_free(&cache);
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

int nsi_merge(const nsi_merge_in *in, size_t n, int dirfd, const char *dir, uint64_t out_id,
              uint64_t gen, uint32_t *ndocs, char *err, size_t errlen)
{
    src *s = calloc(n ? n : 1, sizeof *s);
    nsi_segw *w = NULL;
    if (!s || nsi_segw_new(&w)) {
        free(s);
        return nsi_fail(err, errlen, NS_ENOMEM, "merging segments: out of memory");
    }
    nsi_segw_set_generation(w, gen);
    for (size_t i = 0; i < n; i++) {
        s[i].seg = in[i].seg;
        s[i].deleted = in[i].deleted;
    }
    int rc = copy_docs(s, n, w, err, errlen);
    if (!rc)
        rc = merge_terms(s, n, w, err, errlen);
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
