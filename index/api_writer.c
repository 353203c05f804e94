/* api_writer.c — the front door of ns_writer. Options are completed here
 * (a version-1 caller's struct ends before backend, a version-2 caller's
 * before prune_orphans, a version-3 caller's before threads), documents
 * are checked
 * here, and the writer's backend does the rest; its messages go to the
 * handle's buffer. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int ns_writer_open(ns_writer **out, const char *path, const ns_writer_options *opts, char *errbuf,
                   size_t errbuf_len)
{
    *out = NULL;
    if (!path || !*path)
        return nsi_fail(errbuf, errbuf_len, NS_EINVAL, "no index path given");
    ns_writer_options o = NS_WRITER_OPTIONS_INIT;
    if (opts)
        memcpy(&o, opts,
               opts->version >= 4   ? sizeof *opts
               : opts->version == 3 ? offsetof(ns_writer_options, threads)
               : opts->version == 2 ? offsetof(ns_writer_options, prune_orphans)
                                    : offsetof(ns_writer_options, backend));
    o.version = NS_WRITER_OPTIONS_VERSION;
    if (!o.flush_bytes)
        o.flush_bytes = ((ns_writer_options)NS_WRITER_OPTIONS_INIT).flush_bytes;
    if (!o.ram_budget)
        o.ram_budget = ((ns_writer_options)NS_WRITER_OPTIONS_INIT).ram_budget;
    if (!o.threads)
        o.threads = 1;
    if (o.threads > NS_MAX_WRITER_THREADS)
        return nsi_fail(errbuf, errbuf_len, NS_EINVAL, "%s: %u writer threads, more than %u", path,
                        o.threads, NS_MAX_WRITER_THREADS);
    ns_writer *w = calloc(1, sizeof *w);
    if (!w)
        return nsi_fail(errbuf, errbuf_len, NS_ENOMEM, "out of memory");
    int rc;
    if (!(w->ops = nsi_backend_for_writer(path, &o, &rc, w->err)) ||
        (rc = w->ops->w_open(&w->impl, path, &o, w->err))) {
        nsi_fail(errbuf, errbuf_len, rc, "%s", w->err);
        free(w);
        return rc;
    }
    *out = w;
    return NS_OK;
}

/* The checks every document passes before its backend sees it. */
static int check_doc(ns_writer *w, const ns_doc *doc)
{
    if (!doc || !doc->id || doc->id_len == 0)
        return nsi_fail(w->err, sizeof w->err, NS_EINVAL, "document has no id");
    /* a NUL cannot pass through the CLIs' ids (argv, --list-ids lines), so
     * such a document could never be named again */
    const char *nul = memchr(doc->id, 0, doc->id_len);
    if (nul)
        return nsi_fail(w->err, sizeof w->err, NS_EINVAL,
                        "document id '%.*s...' holds a NUL byte at offset %zu; ids may not",
                        (int)(nul - doc->id > 200 ? 200 : nul - doc->id), doc->id,
                        (size_t)(nul - doc->id));
    if (doc->body_len > NS_MAX_DOC_BYTES)
        return nsi_fail(
            w->err, sizeof w->err, NS_ETOOBIG, "document %.*s: %zu bytes, over the %u-byte limit",
            (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id, doc->body_len, NS_MAX_DOC_BYTES);
    return NS_OK;
}

int ns_writer_put(ns_writer *w, const ns_doc *doc, int *outcome)
{
    if (!w)
        return NS_EINVAL;
    int rc = check_doc(w, doc);
    return rc ? rc : w->ops->w_put(w->impl, doc, outcome);
}

/* A backend without typed fields (the Xapian one, for now). */
static int no_fields(ns_writer *w)
{
    return nsi_fail(w->err, sizeof w->err, NS_EUNSUPPORTED,
                    "typed fields are not supported by the %s backend yet", w->ops->name);
}

int ns_writer_put_fields(ns_writer *w, const ns_doc *doc, const ns_field *fields, size_t nfields,
                         int *outcome)
{
    if (!w)
        return NS_EINVAL;
    if (nfields == 0)
        return ns_writer_put(w, doc, outcome);
    if (!fields)
        return nsi_fail(w->err, sizeof w->err, NS_EINVAL, "%zu fields given, but no array",
                        nfields);
    int rc = check_doc(w, doc);
    if (rc)
        return rc;
    if (!w->ops->w_put_fields)
        return no_fields(w);
    for (size_t i = 0; i < nfields; i++)
        if ((!fields[i].name && fields[i].name_len) || (!fields[i].value && fields[i].value_len))
            return nsi_fail(w->err, sizeof w->err, NS_EINVAL,
                            "field %zu of document %.*s: NULL name or value with a length", i,
                            (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id);
    return w->ops->w_put_fields(w->impl, doc, fields, nfields, outcome);
}

int ns_writer_declare_field(ns_writer *w, const char *name, size_t len, int type)
{
    if (!w)
        return NS_EINVAL;
    if (!w->ops->w_declare_field)
        return no_fields(w);
    if (type < NS_FIELD_KEYWORD || type > NS_FIELD_TEXT)
        return nsi_fail(w->err, sizeof w->err, NS_EINVAL,
                        "field '%.*s': unknown type %d (keyword, date, number or text)",
                        (int)(name && len < 80 ? len : 0), name ? name : "", type);
    if (!name && len)
        return nsi_fail(w->err, sizeof w->err, NS_EINVAL, "no field name given");
    return w->ops->w_declare_field(w->impl, name ? name : "", len, type);
}

int ns_writer_field_type(ns_writer *w, const char *name, size_t len)
{
    if (!w || !name || !w->ops->w_field_type)
        return 0;
    return w->ops->w_field_type(w->impl, name, len);
}

int ns_writer_delete(ns_writer *w, const char *id, size_t id_len)
{
    if (!w)
        return NS_EINVAL;
    if (!id && id_len)
        return nsi_fail(w->err, sizeof w->err, NS_EINVAL, "no document id given");
    return w->ops->w_delete(w->impl, id ? id : "", id_len);
}

int ns_writer_foreach_id(ns_writer *w, int (*fn)(void *ctx, const char *id, size_t id_len),
                         void *ctx)
{
    if (!w)
        return NS_EINVAL;
    if (!fn)
        return nsi_fail(w->err, sizeof w->err, NS_EINVAL, "no callback given");
    return w->ops->w_foreach_id(w->impl, fn, ctx);
}

int ns_writer_commit(ns_writer *w) { return w ? w->ops->w_commit(w->impl) : NS_EINVAL; }

int ns_writer_optimize(ns_writer *w) { return w ? w->ops->w_optimize(w->impl) : NS_EINVAL; }

int ns_writer_tidy(ns_writer *w)
{
    if (!w)
        return NS_EINVAL;
    return w->ops->w_tidy ? w->ops->w_tidy(w->impl) : w->ops->w_commit(w->impl);
}

void ns_writer_close(ns_writer *w)
{
    if (!w)
        return;
    w->ops->w_close(w->impl);
    free(w);
}

const char *ns_writer_errmsg(const ns_writer *w) { return w ? w->err : "no writer"; }
