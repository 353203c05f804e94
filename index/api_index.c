/* api_index.c — the front door of ns_index: open, close, refresh, stats,
 * documents by id, the index check, and the opt-in bus-error guard. Each function checks its
 * arguments, binds the handle's message (api.h) and calls the handle's backend. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/guard.h"

static atomic_uint_fast64_t next_serial = 1;

int ns_index_open_with(ns_index **out, const char *path, const ns_index_options *opts, char *errbuf,
                       size_t errbuf_len)
{
    *out = NULL;
    if (!path || !*path)
        return nsi_fail(errbuf, errbuf_len, NS_EINVAL, "no index path given");
    ns_index_options o = NS_INDEX_OPTIONS_INIT;
    if (opts)
        o.allow_partial = opts->allow_partial;
    char err[NSI_ERRMSG] = "";
    int rc;
    const nsi_backend *ops = nsi_backend_for_index(path, &rc, err);
    if (!ops)
        return nsi_fail(errbuf, errbuf_len, rc, "%s", err);
    ns_index *idx = calloc(1, sizeof *idx);
    if (!idx)
        return nsi_fail(errbuf, errbuf_len, NS_ENOMEM, "out of memory");
    idx->ops = ops;
    idx->serial = atomic_fetch_add(&next_serial, 1);
    pthread_mutex_init(&idx->mu, NULL);
    nsi_index_bind(idx);
    if ((rc = ops->open(idx, path, &o, err))) {
        ns_index_close(idx);
        return nsi_fail(errbuf, errbuf_len, rc, "%s", err);
    }
    *out = idx;
    return NS_OK;
}

int ns_index_open(ns_index **out, const char *path, char *errbuf, size_t errbuf_len)
{
    return ns_index_open_with(out, path, NULL, errbuf, errbuf_len);
}

void ns_index_close(ns_index *idx)
{
    if (!idx)
        return;
    nsi_index_unbind(idx);
    if (idx->impl)
        idx->ops->close(idx);
    for (size_t i = 0; i < idx->npool; i++)
        nsi_analyzer_free(idx->pool[i]);
    free(idx->pool);
    for (nsi_msgslot *s = idx->slots, *next; s; s = next) {
        next = s->next;
        free(s);
    }
    pthread_mutex_destroy(&idx->mu);
    free(idx);
}

const char *ns_index_warning(ns_index *idx)
{
    if (!idx || !idx->ops->warning)
        return NULL;
    nsi_msgslot *s = nsi_index_slot(idx);
    if (!s)
        return NULL;
    return idx->ops->warning(idx, s->warning, sizeof s->warning) ? s->warning : NULL;
}

int ns_index_refresh(ns_index *idx, int *changed)
{
    if (changed)
        *changed = 0;
    if (!idx)
        return NS_EINVAL;
    nsi_index_bind(idx);
    return idx->ops->refresh(idx, changed);
}

int ns_fault_guard_install(void) { return nsi_guard_install(); }

const char *ns_index_language(const ns_index *idx)
{
    return idx ? idx->ops->language(idx) : "english";
}

int ns_index_stats(ns_index *idx, ns_stats *out)
{
    if (!idx || !out)
        return NS_EINVAL;
    nsi_index_bind(idx);
    return idx->ops->stats(idx, out);
}

int ns_index_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out)
{
    *out = NULL;
    if (!idx)
        return NS_EINVAL;
    nsi_index_bind(idx);
    if (!id || len == 0)
        return nsi_index_fail(NS_EINVAL, "no document id given");
    return idx->ops->get_doc(idx, id, len, out);
}

int ns_index_foreach_id(ns_index *idx, int (*fn)(void *ctx, const char *id, size_t id_len),
                        void *ctx)
{
    if (!idx)
        return NS_EINVAL;
    nsi_index_bind(idx);
    if (!fn)
        return nsi_index_fail(NS_EINVAL, "no callback given");
    if (!idx->ops->foreach_id)
        return nsi_index_fail(NS_EUNSUPPORTED,
                              "a %s index lists its ids through a writer (ns_writer_foreach_id)",
                              idx->ops->name);
    return idx->ops->foreach_id(idx, fn, ctx);
}

int ns_index_check(const char *path, int full, char *errbuf, size_t errbuf_len)
{
    if (!path || !*path)
        return nsi_fail(errbuf, errbuf_len, NS_EINVAL, "no index path given");
    char err[NSI_ERRMSG] = "";
    int rc;
    const nsi_backend *ops = nsi_backend_for_index(path, &rc, err);
    if (!ops)
        return nsi_fail(errbuf, errbuf_len, rc, "%s", err);
    if (!ops->check)
        return nsi_fail(errbuf, errbuf_len, NS_EUNSUPPORTED,
                        "%s: a %s index; nsearch checks only its native indexes", path, ops->name);
    return ops->check(path, full, errbuf, errbuf_len);
}

size_t ns_index_field_count(ns_index *idx)
{
    if (!idx || !idx->ops->field_count)
        return 0;
    nsi_index_bind(idx);
    return idx->ops->field_count(idx);
}

int ns_index_field(ns_index *idx, size_t i, const char **name, int *type)
{
    if (!idx)
        return NS_EINVAL;
    nsi_index_bind(idx);
    if (!idx->ops->field || i >= ns_index_field_count(idx))
        return nsi_index_fail(NS_EINVAL, "no field %zu (the index has %zu)", i,
                              ns_index_field_count(idx));
    return idx->ops->field(idx, i, name, type);
}
