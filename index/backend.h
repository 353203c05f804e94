/* backend.h — the one table through which the front door (api*.c) reaches a
 * storage backend (internal).
 *
 * The public functions of nsearch.h live in index/api*.c. Each checks its
 * arguments and options once, binds the handle's error message for the
 * calling thread (api.h), and calls the backend of the handle through this
 * table. A backend is a const nsi_backend: the native engine's is
 * nsi_backend_native (backend_native.c), built into libnsearch; the Xapian
 * wrapper's is nsi_backend_xapian (xapian/backend_xapian.c, only in a build
 * with NS_WITH_XAPIAN), which lives in its own module,
 * libnsearch-xapian.so.<MAJOR.MINOR>, loaded by module.c when an index needs
 * it. backend.c decides which backend a path belongs to; a build without
 * Xapian, or a missing module, answers NS_EUNSUPPORTED there, so no other
 * file knows whether Xapian was built.
 *
 * Contract for every entry:
 *  - arguments are already checked by the front door: handles are not NULL,
 *    hit numbers are in range, options are complete (defaults filled in, the
 *    version-1 tail of a struct completed) and within their documented
 *    bounds;
 *  - a failing reading call returns an NS_E* status and leaves its message
 *    with nsi_index_fail (api.h), which writes into the handle's message for
 *    this thread; a writer's message goes into the char buffer the writer was
 *    opened with (the handle's, NSI_ERRMSG bytes); an open writes into its
 *    err argument (NSI_ERRMSG bytes);
 *  - the backend's state hangs off ns_index.impl / the writer pointer it
 *    returned; the handle itself (analyzer pool, messages) belongs to the
 *    front door.
 *
 * Adding a backend call: add the member here, implement it in both tables
 * (or let the front door treat NULL as NS_EUNSUPPORTED), and call it from
 * the public function in api*.c.
 */
#ifndef NSI_BACKEND_H
#define NSI_BACKEND_H

#include "nsearch.h"

#include "common/buf.h"
#include "common/internal.h"

struct nsi_spell; /* query/lexicon.h */

typedef struct nsi_backend {
    const char *name; /* "native", "xapian" */

    /* ---- reading: an open ns_index (idx->impl is the backend's state) */

    /* Opens path into idx->impl. err: NSI_ERRMSG bytes, naming the path. */
    int (*open)(ns_index *idx, const char *path, const ns_index_options *opts, char *err);
    /* Frees idx->impl (never NULL when called). */
    void (*close)(ns_index *idx);
    int (*refresh)(ns_index *idx, int *changed);
    /* The stemming language, a canonical static name. */
    const char *(*language)(const ns_index *idx);
    int (*stats)(ns_index *idx, ns_stats *out);
    /* Copies what was skipped since the last call into out (cut to outlen),
     * returning 1, or returns 0 when nothing was. NULL: never partial. */
    int (*warning)(ns_index *idx, char *out, size_t outlen);
    /* q is not NULL; opts is complete and checked. */
    int (*search)(ns_results **out, ns_index *idx, const ns_query *q,
                  const ns_search_options *opts);
    /* id is not empty. */
    int (*get_doc)(ns_index *idx, const char *id, size_t len, ns_results **out);
    /* Calls fn for the id of every live document of the current generation
     * (pinned for the walk) until fn returns non-zero. NULL: the front door
     * answers NS_EUNSUPPORTED. */
    int (*foreach_id)(ns_index *idx, int (*fn)(void *ctx, const char *id, size_t id_len),
                      void *ctx);
    /* The stored body of hit i of r (i < r->nhits), read into buf; *body
     * points into buf, *len is its length. The caller frees buf. These are
     * the inputs of ns_results_body and of snippets. */
    int (*body)(const ns_results *r, size_t i, nsi_buf *buf, const char **body, size_t *len);
    /* Appends to out the body positions (token ordinals in the stored body,
     * ascending) of the analysed term (term, len) in hit i of r; none when
     * the document lacks the term; NS_ETOOBIG (no message), appending
     * nothing, when it has more than max. Snippets use them to find the
     * matches without analysing the body. NULL: the backend has none to
     * offer, and snippets analyse the body. */
    int (*positions)(const ns_results *r, size_t i, const char *term, size_t len, size_t max,
                     nsi_u32vec *out);
    /* Releases what r holds of the backend (a pinned generation). */
    void (*results_release)(ns_results *r);
    /* Verifies the index at path (ns_index_check). NULL: not supported. */
    int (*check)(const char *path, int full, char *err, size_t errlen);
    /* Appends to out (eval/explain.h) the parts of the score of hit i of r,
     * which q and opts (complete) produced. NULL: the front door answers
     * NS_EUNSUPPORTED. */
    int (*explain)(const ns_results *r, size_t i, const ns_query *q, const ns_search_options *opts,
                   ns_explain *out);
    /* The document frequency of each analysed term terms[i] (lens[i] bytes)
     * in the current generation into df[i], and the documents BM25 counts
     * (deleted ones included, as for IDF) into *ndocs. NULL: the front door
     * answers NS_EUNSUPPORTED (ns_query_expand). */
    int (*term_df)(ns_index *idx, const char *const *terms, const size_t *lens, size_t n,
                   uint64_t *df, uint64_t *ndocs);
    /* Spelling (ns_suggest): among the words of the current generation as
     * written (folded, unstemmed: analysis/surface.h), the document frequency
     * of word[0..len) (a surface form) into *df, 0 when absent, and into
     * out[0..nout) the other words within max edits (<= 2) with its first
     * byte, best first; a present word only those one edit away in ratio
     * times its df or more (nsi_lexicon_near, query/lexicon.h), *n of them.
     * An index that keeps no such words answers df 0 and none. NULL: the
     * front door answers NS_EUNSUPPORTED. */
    int (*spell)(ns_index *idx, const char *word, size_t len, unsigned max, uint64_t ratio,
                 struct nsi_spell *out, size_t nout, size_t *n, uint64_t *df);

    /* ---- writing: the backend's writer state is an opaque pointer */

    /* Opens (creating) the index at path for writing. opts is complete
     * (version 2); err is the handle's message buffer (NSI_ERRMSG bytes),
     * which the writer keeps using for every later message. */
    int (*w_open)(void **w, const char *path, const ns_writer_options *opts, char *err);
    int (*w_put)(void *w, const ns_doc *doc, int *outcome);
    int (*w_delete)(void *w, const char *id, size_t id_len);
    int (*w_foreach_id)(void *w, int (*fn)(void *ctx, const char *id, size_t id_len), void *ctx);
    int (*w_commit)(void *w);
    int (*w_optimize)(void *w);
    /* Commits, then merges what this writer wrote (ns_writer_tidy). NULL:
     * the backend merges on its own, and tidy is a commit. */
    int (*w_tidy)(void *w);
    void (*w_close)(void *w);

    /* ---- typed fields (docs/fields.md). NULL: the backend has none, and
     * the front door answers NS_EUNSUPPORTED ("typed fields are not
     * supported by the X backend yet"), or 0 fields / type 0 */

    /* The schema of the current generation: field count, and field i (< the
     * count, in name order; name borrowed until close or refresh). */
    size_t (*field_count)(ns_index *idx);
    int (*field)(ns_index *idx, size_t i, const char **name, int *type);
    /* w_put with fields (nfields > 0; names and values not yet checked:
     * the backend checks them against its schema). */
    int (*w_put_fields)(void *w, const ns_doc *doc, const ns_field *fields, size_t nfields,
                        int *outcome);
    /* name not yet checked; type is one of NS_FIELD_KEYWORD.._TEXT. */
    int (*w_declare_field)(void *w, const char *name, size_t len, int type);
    /* NS_FIELD_* or 0 when unknown. */
    int (*w_field_type)(void *w, const char *name, size_t len);
} nsi_backend;

extern const nsi_backend nsi_backend_native;
#ifdef NS_WITH_XAPIAN
extern const nsi_backend nsi_backend_xapian; /* in the module, and in libnsearch.a's users' tests */
#endif

/* ---- backend modules (module.c) */

/* The layout of nsi_backend and of the structs it passes: a module built
 * against another layout is refused. Bump it when any of them changes. */
#define NSI_BACKEND_ABI                                                                            \
    6u /* 4: ns_search_options v3, fields, facets, dups; 5: explain, fuzzy; 6: spell */

/* What the library hands a module when it loads it: the state that must
 * be the library's, not the module's own copy of it (the module carries a
 * hidden copy of the internals it calls). */
typedef struct nsi_module_host {
    unsigned abi;                /* NSI_BACKEND_ABI of the library */
    const char *version;         /* NS_VERSION_STRING of the library */
    char *(*index_errbuf)(void); /* the library's nsi_index_errbuf (api.c) */
} nsi_module_host;

/* A module exports one function, named NSI_MODULE_ENTRY: it checks host
 * (same table ABI and nsearch version, else NULL with a message in err,
 * NSI_ERRMSG bytes), attaches to it and returns its backend table, whose
 * name is the module's. */
#define NSI_MODULE_ENTRY "nsearch_backend_module"
const nsi_backend *nsearch_backend_module(const nsi_module_host *host, char *err);

/* The backend of module name ("xapian"): libnsearch-<name>.so.<MAJOR.MINOR>,
 * loaded on the first call (thread-safe; module.c says where it is looked
 * for, $NSEARCH_MODULE_DIR first). NULL with NS_EUNSUPPORTED in *rc and a
 * message naming the module and where it was looked for in err
 * (NSI_ERRMSG). */
const nsi_backend *nsi_module_backend(const char *name, int *rc, char *err);

/* What a path holds, as far as choosing a backend is concerned. */
enum nsi_kind {
    NSI_KIND_NATIVE = 0,  /* a native index, nothing yet, or something unknown */
    NSI_KIND_XAPIAN_DB,   /* a Xapian database directory (iamglass, iamchert) */
    NSI_KIND_XAPIAN_STUB, /* a Xapian stub: a file, or a directory with XAPIANDB */
    NSI_KIND_XAPIAN_FILE, /* a single-file Xapian database */
    NSI_KIND_NOT_INDEX    /* a text file that is no stub (a corpus given as -d) */
};

/* Looks at path (backend.c). Reads at most 512 bytes of a file. */
enum nsi_kind nsi_backend_detect(const char *path);

/* The backend that reads path, or NULL with NS_EUNSUPPORTED in *rc and a
 * message in err (NSI_ERRMSG) when it was not built in. */
const nsi_backend *nsi_backend_for_index(const char *path, int *rc, char *err);

/* The backend that writes path with opts (complete), as for_index. */
const nsi_backend *nsi_backend_for_writer(const char *path, const ns_writer_options *opts, int *rc,
                                          char *err);

#endif
