/* xap.h — the backend seam (internal).
 *
 * writer.c, reader.c, search.c and results.c begin each public function with
 * one line that hands a Xapian index to these functions. ns_index_open finds
 * out by itself what a path holds (nsi_xap_detect); ns_writer_open uses the
 * Xapian backend for an existing Xapian index or when the options ask for it.
 * Built without Xapian (NS_WITH_XAPIAN=OFF), none.c answers every call with
 * NS_EUNSUPPORTED, so the seam costs the native backend one pointer test.
 */
#ifndef NSI_XAP_H
#define NSI_XAP_H

#include "nsearch.h"

typedef struct nsi_xwriter nsi_xwriter;
typedef struct nsi_xindex nsi_xindex;

/* What a path holds, as far as the backends are concerned. */
enum nsi_xkind {
    NSI_XKIND_OTHER = 0, /* a native index, nothing, or something unknown */
    NSI_XKIND_DB,        /* a Xapian database directory (iamglass, iamchert) */
    NSI_XKIND_STUB,      /* a Xapian stub: a file, or a directory with XAPIANDB */
    NSI_XKIND_FILE       /* a single-file Xapian database */
};

enum nsi_xkind nsi_xap_detect(const char *path);

/* ---- writing (xwrite.c) */

/* Whether ns_writer_open(path, opts) belongs to the Xapian backend. */
int nsi_xap_writer_wanted(const char *path, const ns_writer_options *opts);
int nsi_xap_writer_open(nsi_xwriter **out, const char *path, const ns_writer_options *opts,
                        char *errbuf, size_t errbuf_len);
void nsi_xap_writer_close(nsi_xwriter *x);
const char *nsi_xap_writer_errmsg(const nsi_xwriter *x);
int nsi_xap_put(nsi_xwriter *x, const ns_doc *doc, int *outcome);
int nsi_xap_delete(nsi_xwriter *x, const char *id, size_t id_len);
int nsi_xap_foreach_id(nsi_xwriter *x, int (*fn)(void *ctx, const char *id, size_t id_len),
                       void *ctx);
int nsi_xap_commit(nsi_xwriter *x);
int nsi_xap_optimize(nsi_xwriter *x);

/* ---- reading (xread.c) */

/* Opens the Xapian index at path as a new ns_index (opts may be NULL). */
int nsi_xap_index_open(ns_index **out, const char *path, const ns_index_options *opts, char *errbuf,
                       size_t errbuf_len);
/* Frees what the backend holds; ns_index_close frees the rest. Accepts NULL. */
void nsi_xap_index_close(nsi_xindex *x);
int nsi_xap_refresh(ns_index *idx, int *changed);
const char *nsi_xap_language(const nsi_xindex *x);
int nsi_xap_stats(ns_index *idx, ns_stats *st);
const char *nsi_xap_warning(nsi_xindex *x);

/* ---- searching (xsearch.c) */

/* opts: complete and already checked by ns_search. */
int nsi_xap_search(ns_results **out, ns_index *idx, const ns_query *q,
                   const ns_search_options *opts);
int nsi_xap_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out);
int nsi_xap_results_body(const ns_results *r, size_t i, char **out, size_t *len);
int nsi_xap_snippet(ns_snippet **out, ns_index *idx, const ns_query *q, const ns_results *r,
                    size_t i, const ns_snippet_options *opts);

#endif
