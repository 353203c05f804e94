/* api.c — the front door's shared part: version, status names, analysis,
 * dates (common/date.c), and the handles' error messages and analyzer pool
 * (api.h). The other public functions are in api_index.c, api_writer.c,
 * api_query.c and api_search.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/date.h"
#include "format/values.h"

const char *ns_version(void) { return NS_VERSION_STRING; }

const char *ns_strerror(int status)
{
    switch (status) {
    case NS_OK:
        return "success";
    case NS_ERROR:
        return "error";
    case NS_ENOMEM:
        return "out of memory";
    case NS_EINVAL:
        return "invalid argument";
    case NS_EIO:
        return "input/output error";
    case NS_ENOSPC:
        return "no space left on device";
    case NS_ENOTFOUND:
        return "not found";
    case NS_EEXISTS:
        return "already exists";
    case NS_ECORRUPT:
        return "index is corrupt";
    case NS_EVERSION:
        return "unsupported index format version";
    case NS_ELOCKED:
        return "index is locked by another writer";
    case NS_ESYNTAX:
        return "query syntax error";
    case NS_ETOOBIG:
        return "a limit was exceeded";
    case NS_EUNSUPPORTED:
        return "not supported";
    case NS_EMERGE:
        return "committed, but the merge after it failed";
    case NS_ETIMEOUT:
        return "the query ran past its deadline";
    default:
        return "unknown error";
    }
}

int ns_analyze(const char *language, const char *text, size_t len, ns_token_fn fn, void *ctx)
{
    if (!fn || (!text && len))
        return NS_EINVAL;
    return nsi_analyze_text(language, text, len, fn, ctx);
}

const char *const *ns_languages(void) { return nsi_language_list(); }

int ns_date_parse(const char *text, size_t len, int64_t *secs)
{
    if ((!text && len) || !secs)
        return NS_EINVAL;
    return nsi_date_parse(text, len, secs);
}

int ns_date_format(int64_t secs, char *out, size_t out_len)
{
    return nsi_date_format(secs, out, out_len);
}

/* ------------------------------------------------------------ messages */

/* The handle this thread's failures are reported to, and where: the slot is
 * cached, and valid while the handle with that serial is open. A failure
 * with no handle bound (or no memory for a slot) lands in tls_fallback. */
static __thread const ns_index *tls_idx;
static __thread uint64_t tls_serial;
static __thread nsi_msgslot *tls_slot;
static __thread char tls_fallback[NSI_ERRMSG];

nsi_msgslot *nsi_index_slot(const ns_index *idx)
{
    if (idx == tls_idx && tls_slot && idx->serial == tls_serial)
        return tls_slot;
    ns_index *mut = (ns_index *)idx;
    pthread_t self = pthread_self();
    pthread_mutex_lock(&mut->mu);
    nsi_msgslot *s = mut->slots;
    while (s && !pthread_equal(s->thread, self))
        s = s->next;
    if (!s && (s = calloc(1, sizeof *s))) {
        s->thread = self;
        s->next = mut->slots;
        mut->slots = s;
    }
    pthread_mutex_unlock(&mut->mu);
    if (s) {
        tls_idx = idx;
        tls_serial = idx->serial;
        tls_slot = s;
    }
    return s;
}

void nsi_index_bind(const ns_index *idx)
{
    nsi_msgslot *s = idx ? nsi_index_slot(idx) : NULL;
    if (!s) {
        tls_idx = NULL;
        tls_slot = NULL;
    }
    nsi_index_errbuf()[0] = 0;
}

void nsi_index_unbind(const ns_index *idx)
{
    if (tls_idx == idx) {
        tls_idx = NULL;
        tls_slot = NULL;
    }
}

/* In a backend module (module.c), the copy of this file the module carries
 * reports into the loading library's messages: that library bound them. */
static char *(*host_errbuf)(void);

void nsi_index_errbuf_from(char *(*errbuf)(void)) { host_errbuf = errbuf; }

char *nsi_index_errbuf(void)
{
    if (host_errbuf)
        return host_errbuf();
    return tls_slot && tls_idx ? tls_slot->msg : tls_fallback;
}

int nsi_index_fail(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nsi_index_errbuf(), NSI_ERRMSG, fmt, ap);
    va_end(ap);
    return rc;
}

const char *ns_index_errmsg(const ns_index *idx)
{
    if (!idx)
        return "no index";
    nsi_msgslot *s = nsi_index_slot(idx);
    return s ? s->msg : "out of memory";
}

/* ------------------------------------------------------------ analyzers */

int nsi_index_analyzer(ns_index *idx, nsi_analyzer **out)
{
    char lang[64]; /* the backend may take its own lock */
    snprintf(lang, sizeof lang, "%s", idx->ops->language(idx));
    pthread_mutex_lock(&idx->mu);
    nsi_analyzer *a = idx->npool ? idx->pool[--idx->npool] : NULL;
    pthread_mutex_unlock(&idx->mu);
    if (a) {
        *out = a;
        return NS_OK;
    }
    int rc = nsi_analyzer_new(out, lang);
    return rc ? nsi_index_fail(rc, "cannot create the %s analyzer", lang) : NS_OK;
}

void nsi_index_analyzer_put(ns_index *idx, nsi_analyzer *a)
{
    pthread_mutex_lock(&idx->mu);
    if (idx->npool == idx->pool_cap) {
        size_t cap = idx->pool_cap ? idx->pool_cap * 2 : 4;
        nsi_analyzer **p = realloc(idx->pool, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&idx->mu);
            nsi_analyzer_free(a);
            return;
        }
        idx->pool = p;
        idx->pool_cap = cap;
    }
    idx->pool[idx->npool++] = a;
    pthread_mutex_unlock(&idx->mu);
}

const char *ns_field_type_name(int type) { return nsi_field_type_name(type); }
