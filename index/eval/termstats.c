/* termstats.c — document frequencies of analysed terms over the current
 * generation (the native backend's term_df, backend.h), for pseudo-relevance
 * feedback (api_rank.c). The same sums the planner makes for IDF (plan.c). */
#include "api.h"
#include "eval/search.h"
#include "read/reader.h"

int nsi_native_term_df(ns_index *idx, const char *const *terms, const size_t *lens, size_t n,
                       uint64_t *df, uint64_t *ndocs)
{
    nsi_snap *s = nsi_index_acquire(idx);
    char *err = nsi_index_errbuf();
    int rc = nsi_snap_sound(s);
    *ndocs = s->ndocs;
    for (size_t i = 0; !rc && i < n; i++) {
        df[i] = 0;
        for (uint32_t k = 0; !rc && k < s->nsegs; k++) {
            nsi_terminfo ti;
            int r = nsi_seg_lookup(s->segs[k], terms[i], lens[i], &ti, err, NSI_ERRMSG);
            if (r == NS_OK)
                df[i] += ti.df;
            else if (r != NS_ENOTFOUND)
                rc = r;
        }
    }
    nsi_index_release(idx, s);
    return rc;
}
