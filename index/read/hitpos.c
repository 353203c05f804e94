/* hitpos.c — a term's body positions in one hit (the native backend's
 * positions, backend.h), so that a snippet finds its matches without
 * analysing the body (snippet/snippet_pos.c).
 *
 * The term is looked up in the dictionary of the hit's segment and its
 * postings are sought to the hit's document through the skip entries; only
 * the one block that holds the document is decoded, and its positions read
 * (docs/format.md, "POSITIONS": title positions, then body positions). */
#include <stdlib.h>

#include "common/internal.h"
#include "eval/search.h"
#include "read/reader.h"

int nsi_reader_positions(const ns_results *r, size_t i, const char *term, size_t len, size_t max,
                         nsi_u32vec *out)
{
    const nsi_hit *h = &r->hits[i];
    const nsi_seg *g = r->snap->segs[h->seg];
    /* positions counted with runs of Han, kana, Thai... as one token do not
     * match a scan of today's analysis: let the snippet analyse the body */
    if (g->analysis < NSI_ANALYSIS_CURRENT)
        return NS_ETOOBIG;
    char err[NSI_ERRMSG];
    nsi_terminfo ti;
    int rc = nsi_seg_lookup(g, term, len, &ti, err, sizeof err);
    if (rc == NS_ENOTFOUND)
        return NS_OK;
    if (rc)
        return nsi_index_fail(rc, "%s", err);
    nsi_pcur *c = malloc(sizeof *c);
    if (!c)
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    rc = nsi_pcur_init(c, g, &ti);
    if (!rc && c->doc < h->doc)
        rc = nsi_pcur_seek(c, h->doc);
    if (rc || c->doc != h->doc)
        goto done;
    uint32_t nt = nsi_pcur_tf_title(c), nb = nsi_pcur_tf_body(c);
    if (nb > max) {
        free(c);
        return NS_ETOOBIG;
    }
    /* each position takes at least one byte: a larger count is damage */
    if ((uint64_t)nt + nb > (uint64_t)(c->pos_end - c->pos_base)) {
        rc = NS_ECORRUPT;
        goto done;
    }
    uint32_t *v = malloc(((size_t)nt + nb + 1) * sizeof *v);
    if (!v) {
        rc = NS_ENOMEM;
        goto done;
    }
    rc = nsi_pcur_positions(c, v, v + nt);
    for (uint32_t k = 0; !rc && k < nb; k++)
        rc = nsi_u32vec_push(out, v[nt + k]);
    free(v);
done:
    free(c);
    if (rc == NS_ENOMEM)
        return nsi_index_fail(rc, "out of memory");
    if (rc)
        return nsi_index_fail(rc, "%s: positions of a hit: damaged postings", g->path);
    return NS_OK;
}
