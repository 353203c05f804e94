/* search.h — query objects and result sets shared by the front door
 * (api_query.c, api_search.c), the native evaluator and every backend
 * (internal). */
#ifndef NSI_SEARCH_H
#define NSI_SEARCH_H

#include "common/buf.h"
#include "query/query.h"
#include "read/reader.h"
#include "snippet/snippet.h"

struct ns_query {
    nsq_node *root; /* NULL when nothing is left to match */
    char *text;     /* canonical form */
    char language[64];
    unsigned max_expansions; /* per prefix (ns_query_options) */
};

typedef struct nsi_hit {
    double score;
    uint64_t gdoc; /* document number in the generation */
    uint32_t seg, doc;
    size_t off[6], len[6]; /* id, title, url, date, meta in r->arena (body unused) */
    size_t fv_first, fv_n; /* its typed-field values: r->fv[fv_first..+fv_n) */
    uint64_t dups;         /* matches collapsed into it (dedup) */
} nsi_hit;

/* A typed-field value of a hit (ns_field_value), strings in r->arena. */
typedef struct nsi_fval {
    size_t name_off, name_len;
    int type;
    size_t text_off, text_len;
    int64_t date;
    double number;
} nsi_fval;

/* A facet: its name and values r->facet_values[first..+n). */
typedef struct nsi_facet {
    size_t name_off, name_len;
    size_t first, n;
} nsi_facet;

typedef struct nsi_facet_value {
    size_t off, len; /* in r->arena */
    uint64_t count;
} nsi_facet_value;

struct ns_results {
    ns_index *idx;
    nsi_snap *snap;
    nsi_hit *hits;
    size_t nhits;
    size_t first_rank; /* rank of hits[0] (offset + 1) */
    uint64_t total;
    int exact;
    nsi_buf arena;
    nsi_fval *fv; /* typed-field values of every hit */
    size_t nfv, cap_fv;
    nsi_facet *facets;
    size_t nfacets;
    nsi_facet_value *facet_values;
    size_t nfacet_values;
};

struct ns_snippet {
    nsi_snip s;
};

/* A new empty result set of idx whose first hit has rank first_rank, with
 * room for nhits hits (none when 0), exact until said otherwise (the
 * backends' one way to make one; api_search.c). NS_ENOMEM with the message
 * set. */
int nsi_results_new(ns_results **out, ns_index *idx, size_t first_rank, size_t nhits);

/* p[0..len) and a NUL appended to r's arena, its offset in *off
 * (api_search.c). NS_ENOMEM, no message. */
int nsi_results_add_string(ns_results *r, const char *p, size_t len, size_t *off);

/* v appended to r's typed values (api_search.c). NS_ENOMEM, no message. */
int nsi_results_add_fval(ns_results *r, nsi_fval v);

/* The options of a search (defaults for NULL, a version-1 struct completed),
 * checked once for every backend (api_search.c); NS_EINVAL or NS_ETOOBIG with
 * the message set. */
int nsi_search_options(const ns_query *q, const ns_search_options *opts, ns_search_options *o);

/* The native backend's term_df (backend.h; termstats.c). */
int nsi_native_term_df(ns_index *idx, const char *const *terms, const size_t *lens, size_t n,
                       uint64_t *df, uint64_t *ndocs);

/* The native backend's search (backend.h: opts complete and checked). */
int nsi_native_search(ns_results **out, ns_index *idx, const ns_query *q,
                      const ns_search_options *opts);

#endif
