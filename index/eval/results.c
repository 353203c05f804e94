/* results.c — result sets, hits and snippets of the public API. */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "format/record.h"
#include "eval/search.h"
#include "snippet/snippet.h"
#include "xapian/xap.h"

size_t ns_results_count(const ns_results *r) { return r ? r->nhits : 0; }

uint64_t ns_results_total(const ns_results *r, int *exact)
{
    if (exact)
        *exact = r ? r->exact : 1;
    return r ? r->total : 0;
}

int ns_results_hit(const ns_results *r, size_t i, ns_hit *hit)
{
    if (!r || !hit || i >= r->nhits)
        return NS_EINVAL;
    const nsi_hit *h = &r->hits[i];
    const char *a = (const char *)r->arena.data;
    hit->rank = r->first_rank + i;
    hit->score = h->score;
    hit->docnum = h->gdoc;
    hit->id = a + h->off[NSI_F_ID];
    hit->id_len = h->len[NSI_F_ID];
    hit->title = a + h->off[NSI_F_TITLE];
    hit->title_len = h->len[NSI_F_TITLE];
    hit->url = a + h->off[NSI_F_URL];
    hit->url_len = h->len[NSI_F_URL];
    hit->date = a + h->off[NSI_F_DATE];
    hit->date_len = h->len[NSI_F_DATE];
    hit->meta = a + h->off[NSI_F_META];
    hit->meta_len = h->len[NSI_F_META];
    return NS_OK;
}

void ns_results_free(ns_results *r)
{
    if (!r)
        return;
    nsi_index_release(r->idx, r->snap);
    free(r->hits);
    nsi_buf_free(&r->arena);
    free(r);
}

int ns_snippet_make(ns_snippet **out, ns_index *idx, const ns_query *q, const ns_results *r,
                    size_t i, const ns_snippet_options *opts)
{
    *out = NULL;
    if (idx && idx->xap)
        return nsi_xap_snippet(out, idx, q, r, i, opts);
    if (!r || i >= r->nhits)
        return nsi_index_fail(NS_EINVAL, "no hit %zu", i);
    ns_snippet_options o = NS_SNIPPET_OPTIONS_INIT;
    if (opts)
        o = *opts;
    if (o.max_bytes < 16)
        o.max_bytes = 16;
    const nsi_hit *h = &r->hits[i];
    const nsi_seg *seg = r->snap->segs[h->seg];
    nsi_buf rec = {0};
    rec.limit = (size_t)1 << 40;
    char e2[256];
    int rc = nsi_docstore_get(&seg->store, h->doc, &rec, e2, sizeof e2);
    if (rc) {
        nsi_buf_free(&rec);
        return nsi_index_fail(rc, "%s: %s", seg->path, e2);
    }
    ns_snippet *s = calloc(1, sizeof *s);
    nsi_analyzer *an = NULL;
    if (!s || (rc = nsi_index_analyzer(idx, &an))) {
        free(s);
        nsi_buf_free(&rec);
        return rc ? rc : nsi_index_fail(NS_ENOMEM, "out of memory");
    }
    const char *body = (const char *)rec.data;
    size_t skip = nsi_snippet_skip_title(body, rec.len, (const char *)r->arena.data +
                                                            h->off[NSI_F_TITLE],
                                         h->len[NSI_F_TITLE]);
    rc = nsi_snippet_build(an, body + skip, rec.len - skip, q ? q->root : NULL, o.max_bytes,
                           &s->s);
    nsi_index_analyzer_put(idx, an);
    nsi_buf_free(&rec);
    if (rc) {
        free(s);
        return nsi_index_fail(rc, "snippet: %s", ns_strerror(rc));
    }
    *out = s;
    return NS_OK;
}

const char *ns_snippet_text(const ns_snippet *s, size_t *len)
{
    if (len)
        *len = s->s.len;
    return s->s.text ? s->s.text : "";
}

int ns_snippet_cut_before(const ns_snippet *s) { return s->s.cut_before; }
int ns_snippet_cut_after(const ns_snippet *s) { return s->s.cut_after; }
size_t ns_snippet_span_count(const ns_snippet *s) { return s->s.nspans; }

void ns_snippet_span(const ns_snippet *s, size_t i, size_t *start, size_t *end)
{
    *start = i < s->s.nspans ? s->s.spans[i].start : 0;
    *end = i < s->s.nspans ? s->s.spans[i].end : 0;
}

void ns_snippet_free(ns_snippet *s)
{
    if (!s)
        return;
    nsi_snip_free(&s->s);
    free(s);
}
