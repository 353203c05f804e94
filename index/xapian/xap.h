/* xap.h — the Xapian backend's entries (internal): the functions that
 * backend_xapian.c lists in its backend table (index/backend.h states the
 * contract they keep). Only built with NS_WITH_XAPIAN. */
#ifndef NSI_XAP_H
#define NSI_XAP_H

#include "nsearch.h"

#include "backend.h"

typedef struct nsi_xwriter nsi_xwriter;
typedef struct nsi_xindex nsi_xindex;

/* ---- writing (xwrite.c) */
int nsi_xap_writer_open(void **out, const char *path, const ns_writer_options *opts, char *err);
void nsi_xap_writer_close(void *x);
int nsi_xap_put(void *x, const ns_doc *doc, int *outcome);
int nsi_xap_delete(void *x, const char *id, size_t id_len);
int nsi_xap_foreach_id(void *x, int (*fn)(void *ctx, const char *id, size_t id_len), void *ctx);
int nsi_xap_commit(void *x);
int nsi_xap_optimize(void *x);
int nsi_xap_put_fields(void *x, const ns_doc *doc, const ns_field *fields, size_t nfields,
                       int *outcome);
int nsi_xap_declare_field(void *x, const char *name, size_t len, int type);
int nsi_xap_field_type(void *x, const char *name, size_t len);

/* ---- reading (xread.c) */
int nsi_xap_index_open(ns_index *idx, const char *path, const ns_index_options *opts, char *err);
void nsi_xap_index_close(ns_index *idx);
int nsi_xap_refresh(ns_index *idx, int *changed);
const char *nsi_xap_language(const ns_index *idx);
int nsi_xap_stats(ns_index *idx, ns_stats *st);
struct nsi_spell;
int nsi_xap_spell(ns_index *idx, const char *word, size_t len, unsigned max, uint64_t ratio,
                  struct nsi_spell *out, size_t nout, size_t *n, uint64_t *df);
int nsi_xap_warning(ns_index *idx, char *out, size_t outlen);
size_t nsi_xap_field_count(ns_index *idx);
int nsi_xap_field(ns_index *idx, size_t i, const char **name, int *type);

/* ---- searching (xsearch.c) */
int nsi_xap_search(ns_results **out, ns_index *idx, const ns_query *q,
                   const ns_search_options *opts);
int nsi_xap_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out);
int nsi_xap_body(const ns_results *r, size_t i, nsi_buf *buf, const char **body, size_t *len);
void nsi_xap_results_release(ns_results *r);

/* ---- explaining (xexplain.c) */
int nsi_xap_explain(const ns_results *r, size_t i, const ns_query *q, const ns_search_options *opts,
                    ns_explain *out);
int nsi_xap_term_df(ns_index *idx, const char *const *terms, const size_t *lens, size_t n,
                    uint64_t *df, uint64_t *ndocs);

#endif
