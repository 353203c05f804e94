/* none.c — the backend seam when the library is built without Xapian
 * (NS_WITH_XAPIAN=OFF): a Xapian index is recognised and refused. No
 * ns_index or ns_writer ever gets a Xapian backend, so only the two open
 * functions can be reached. */
#include "common/internal.h"
#include "read/reader.h"
#include "xap.h"

#define NO_XAPIAN "this nsearch was built without the Xapian backend (NS_WITH_XAPIAN=OFF)"

int nsi_xap_writer_open(nsi_xwriter **out, const char *path, const ns_writer_options *opts,
                        char *errbuf, size_t errbuf_len)
{
    (void)opts;
    *out = NULL;
    return nsi_fail(errbuf, errbuf_len, NS_EUNSUPPORTED, "%s: %s", path, NO_XAPIAN);
}

int nsi_xap_index_open(ns_index **out, const char *path, const ns_index_options *opts, char *errbuf,
                       size_t errbuf_len)
{
    (void)opts;
    *out = NULL;
    return nsi_fail(errbuf, errbuf_len, NS_EUNSUPPORTED, "%s: a Xapian index, but %s", path,
                    NO_XAPIAN);
}

/* Unreachable: no handle has a Xapian backend. */
void nsi_xap_writer_close(nsi_xwriter *x) { (void)x; }
const char *nsi_xap_writer_errmsg(const nsi_xwriter *x)
{
    (void)x;
    return NO_XAPIAN;
}
int nsi_xap_put(nsi_xwriter *x, const ns_doc *doc, int *outcome)
{
    (void)x, (void)doc, (void)outcome;
    return NS_EUNSUPPORTED;
}
int nsi_xap_delete(nsi_xwriter *x, const char *id, size_t id_len)
{
    (void)x, (void)id, (void)id_len;
    return NS_EUNSUPPORTED;
}
int nsi_xap_foreach_id(nsi_xwriter *x, int (*fn)(void *, const char *, size_t), void *ctx)
{
    (void)x, (void)fn, (void)ctx;
    return NS_EUNSUPPORTED;
}
int nsi_xap_commit(nsi_xwriter *x)
{
    (void)x;
    return NS_EUNSUPPORTED;
}
int nsi_xap_optimize(nsi_xwriter *x)
{
    (void)x;
    return NS_EUNSUPPORTED;
}
void nsi_xap_index_close(nsi_xindex *x) { (void)x; }
int nsi_xap_refresh(ns_index *idx, int *changed)
{
    (void)idx, (void)changed;
    return NS_EUNSUPPORTED;
}
const char *nsi_xap_language(const nsi_xindex *x)
{
    (void)x;
    return "english";
}
int nsi_xap_stats(ns_index *idx, ns_stats *st)
{
    (void)idx, (void)st;
    return NS_EUNSUPPORTED;
}
const char *nsi_xap_warning(nsi_xindex *x)
{
    (void)x;
    return NULL;
}
int nsi_xap_search(ns_results **out, ns_index *idx, const ns_query *q,
                   const ns_search_options *opts)
{
    (void)idx, (void)q, (void)opts;
    *out = NULL;
    return NS_EUNSUPPORTED;
}
int nsi_xap_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out)
{
    (void)idx, (void)id, (void)len;
    *out = NULL;
    return NS_EUNSUPPORTED;
}
int nsi_xap_results_body(const ns_results *r, size_t i, char **out, size_t *len)
{
    (void)r, (void)i, (void)len;
    *out = NULL;
    return NS_EUNSUPPORTED;
}
int nsi_xap_snippet(ns_snippet **out, ns_index *idx, const ns_query *q, const ns_results *r,
                    size_t i, const ns_snippet_options *opts)
{
    (void)idx, (void)q, (void)r, (void)i, (void)opts;
    *out = NULL;
    return NS_EUNSUPPORTED;
}
