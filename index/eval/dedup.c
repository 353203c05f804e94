/* dedup.c — collapsing near-duplicate hits (collect.h, nsi_dedup).
 *
 * Every document of a version-5 segment carries two fingerprints computed
 * when it was indexed (format/values.h): a 64-bit hash of its normalised
 * body, equal for exact copies, and a 64-bit SimHash of its title and body
 * over word shingles, which differs in few bits between near copies (a
 * changed headline, a trailing credit line). Two matches are duplicates when
 * their exact hashes are equal or their SimHashes are at most
 * NSI_DEDUP_DISTANCE bits apart (docs/fields.md, "Duplicates"). Collapsing
 * therefore costs a lookup per candidate and a comparison with each hit kept
 * so far, never a comparison of texts. The best-ranked member of a group is
 * the one shown; the others only count. */
#include <stdlib.h>

#include "analysis/fingerprint.h"
#include "eval/collect.h"
#include "format/values.h"

/* SimHash bits two near copies may differ in (measured: docs/fields.md) */
#define NSI_DEDUP_DISTANCE NSI_SIMHASH_DISTANCE

typedef struct fp {
    uint64_t sim, exact;
    int has;
} fp;

static int fingerprint(const nsi_snap *s, uint64_t gdoc, fp *out, char *err, size_t errlen)
{
    uint32_t doc, seg = nsi_snap_locate(s, gdoc, &doc);
    int rc = nsi_values_hashes(s->segs[seg], doc, &out->sim, &out->exact, err, errlen);
    out->has = rc == NS_OK;
    return rc == NS_ENOTFOUND ? NS_OK : rc;
}

static int duplicate(const fp *a, const fp *b)
{
    return a->has && b->has &&
           (a->exact == b->exact || __builtin_popcountll(a->sim ^ b->sim) <= NSI_DEDUP_DISTANCE);
}

/* The kept match that c duplicates, or -1. */
static long find_dup(const fp *kept, size_t nkept, const fp *c)
{
    for (size_t i = 0; i < nkept; i++)
        if (duplicate(&kept[i], c))
            return (long)i;
    return -1;
}

int nsi_dedup(const nsi_snap *s, nsi_match *cand, size_t n, size_t m, size_t want, uint64_t *dups,
              size_t *kept, int *more, char *err, size_t errlen)
{
    *kept = 0;
    *more = 0;
    if (m > n)
        m = n;
    fp *k = malloc((want ? want : 1) * sizeof *k);
    if (!k)
        return NS_ENOMEM;
    int rc = NS_OK;
    size_t nk = 0, i = 0;
    for (; i < m && nk < want && !rc; i++) {
        fp f;
        if ((rc = fingerprint(s, cand[i].gdoc, &f, err, errlen)))
            break;
        long d = find_dup(k, nk, &f);
        if (d >= 0) {
            dups[d]++;
            continue;
        }
        dups[nk] = 0;
        k[nk] = f;
        /* a swap, not a copy: with *more the caller ranks them all again */
        nsi_match t = cand[nk];
        cand[nk++] = cand[i];
        cand[i] = t;
    }
    if (!rc && nk < want && m < n) {
        *more = 1;
    } else {
        /* the rest only count towards the kept ones */
        for (; i < n && !rc; i++) {
            fp f;
            if ((rc = fingerprint(s, cand[i].gdoc, &f, err, errlen)))
                break;
            long d = find_dup(k, nk, &f);
            if (d >= 0)
                dups[d]++;
        }
    }
    free(k);
    *kept = nk;
    return rc;
}
