/* docget.c — documents by id (ns_index_get_doc) and the stored body of any
 * hit (ns_results_body).
 *
 * There is no id → document table in a reader: the writer keeps one
 * (idmap.c), readers only have each segment's DOCMAP (docs/format.md,
 * "DOCMAP"). A lookup therefore walks the DOCMAPs of the pinned generation,
 * which is linear in the number of documents but touches only the small,
 * uncompressed id list, never the stored blocks. A live id occurs at most once
 * in a generation: older copies of a re-indexed document are marked in the
 * segments' deletion bitmaps, which the walk honours.
 *
 * The answer is an ordinary one-hit result set, so callers read its fields,
 * body and snippet through the same calls as a search hit's. */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "eval/search.h"
#include "format/commit.h"
#include "format/record.h"

/* Finds the live copy of id in snapshot s: NS_OK with seg and doc set,
 * NS_ENOTFOUND, or NS_ECORRUPT (message set). */
static int find_id(const nsi_snap *s, const char *id, size_t len, uint32_t *seg, uint32_t *doc)
{
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const nsi_seg *g = s->segs[i];
        const uint8_t *p = g->sec[NSI_SEC_DOCMAP].p, *end = p + g->sec[NSI_SEC_DOCMAP].len;
        char err[NSI_ERRMSG];
        if (nsi_seg_touch(g, p, (size_t)(end - p), err, sizeof err))
            return nsi_index_fail(NS_ECORRUPT, "%s", err);
        for (uint32_t d = 0; d < g->ndocs; d++) {
            uint64_t n;
            if (nsi_varint_get(&p, end, &n) || n > (uint64_t)(end - p) ||
                (uint64_t)(end - p) - n < 8)
                return nsi_index_fail(NS_ECORRUPT, "%s: section DOCMAP: malformed", g->path);
            if (n == len && memcmp(p, id, len) == 0 && !nsi_bit_get(s->deleted[i], d)) {
                *seg = i;
                *doc = d;
                return NS_OK;
            }
            p += n + 8;
        }
    }
    return NS_ENOTFOUND;
}

/* Every live id of the current generation, pinned meanwhile: what a
 * reader can list without the writer lock (nindex --list-ids). */
int nsi_reader_foreach_id(ns_index *idx, int (*fn)(void *ctx, const char *id, size_t id_len),
                          void *ctx)
{
    nsi_snap *s = nsi_index_acquire(idx);
    int rc = NS_OK, stop = 0;
    for (uint32_t i = 0; i < s->nsegs && !rc && !stop; i++) {
        const nsi_seg *g = s->segs[i];
        const uint8_t *p = g->sec[NSI_SEC_DOCMAP].p, *end = p + g->sec[NSI_SEC_DOCMAP].len;
        for (uint32_t d = 0; d < g->ndocs && !stop; d++) {
            uint64_t n;
            if (nsi_varint_get(&p, end, &n) || n > (uint64_t)(end - p) ||
                (uint64_t)(end - p) - n < 8) {
                rc = nsi_index_fail(NS_ECORRUPT, "%s: section DOCMAP: malformed", g->path);
                break;
            }
            if (!nsi_bit_get(s->deleted[i], d))
                stop = fn(ctx, (const char *)p, (size_t)n);
            p += n + 8;
        }
    }
    nsi_index_release(idx, s);
    return rc;
}

/* Fills r's single hit with the listed fields of (seg, doc) (docs/format.md,
 * "FIELDS"), laid out as search.c lays out its hits: each field
 * NUL-terminated in the arena. */
static int load_fields(ns_results *r, uint32_t seg, uint32_t doc)
{
    char err[NSI_ERRMSG];
    nsi_record f;
    nsi_hit *h = &r->hits[0];
    int rc = nsi_seg_fields(r->snap->segs[seg], doc, &f, err, sizeof err);

    if (rc)
        return nsi_index_fail(rc, "%s", err);
    h->seg = seg;
    h->doc = doc;
    h->gdoc = r->snap->base[seg] + doc;
    for (int i = 0; !rc && i < NSI_F_BODY; i++) {
        h->off[i] = r->arena.len;
        h->len[i] = f.len[i];
        if (!(rc = nsi_buf_append(&r->arena, f.f[i], f.len[i])))
            rc = nsi_buf_putc(&r->arena, 0);
    }
    return rc;
}

int nsi_reader_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out)
{
    ns_results *r;
    if (nsi_results_new(&r, idx, 1, 1))
        return NS_ENOMEM;
    r->snap = nsi_index_acquire(idx);
    uint32_t seg = 0, doc = 0;
    int rc = nsi_snap_sound(r->snap);
    if (!rc)
        rc = find_id(r->snap, id, len, &seg, &doc);
    if (rc == NS_ENOTFOUND)
        nsi_index_fail(rc, "no document with id '%.*s'", len > 200 ? 200 : (int)len, id);
    if (!rc && (rc = load_fields(r, seg, doc)) == NS_ENOMEM)
        nsi_index_fail(rc, "out of memory");
    if (rc != NS_ENOMEM && nsi_snap_sound(r->snap)) /* read zeros past a cut file? */
        rc = NS_ECORRUPT;
    if (rc) {
        ns_results_free(r);
        return rc;
    }
    r->nhits = 1;
    r->total = 1;
    *out = r;
    return NS_OK;
}

int nsi_reader_body(const ns_results *r, size_t i, nsi_buf *buf, const char **body, size_t *len)
{
    /* a STORED record is the body text itself (docs/format.md, "STORED") */
    const nsi_hit *h = &r->hits[i];
    const nsi_seg *g = r->snap->segs[h->seg];
    char err[256];
    buf->limit = (size_t)1 << 40; /* documents are capped at indexing time */
    int rc = nsi_snap_sound(r->snap);
    if (rc)
        return rc;
    rc = nsi_docstore_get(&g->store, h->doc, buf, err, sizeof err);
    if (rc == NS_ENOMEM)
        return nsi_index_fail(rc, "out of memory");
    int sound = nsi_snap_sound(r->snap); /* read zeros past a cut file? */
    if (sound)
        return sound;
    if (rc)
        return nsi_index_fail(rc, "%s: %s", g->path, err);
    *body = (const char *)buf->data;
    *len = buf->len;
    return NS_OK;
}

void nsi_reader_results_release(ns_results *r) { nsi_index_release(r->idx, r->snap); }
