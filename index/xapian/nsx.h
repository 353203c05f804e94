/* nsx.h — a small C interface over Xapian (internal).
 *
 * nsx.cc is the only C++ in the tree. Everything Xapian offers that nsearch
 * uses goes through these functions: writable databases, documents, queries,
 * searches and their result sets, combined (sharded) and remote databases.
 *
 * Conventions (those of nsearch.h):
 *  - handles are opaque; every function that can fail returns an NS_* status;
 *  - a failure on a handle leaves a message in that handle (nsx_db_errmsg,
 *    nsx_wdb_errmsg); functions that create a handle take an errbuf;
 *  - no exception and no C++ type ever crosses this boundary: every entry
 *    point catches Xapian::Error (mapped by class, below), std::bad_alloc
 *    (NS_ENOMEM) and anything else (NS_ERROR).
 *
 * Xapian errors map to statuses as follows:
 *    DatabaseCorruptError  NS_ECORRUPT      DatabaseLockError     NS_ELOCKED
 *    DatabaseVersionError  NS_EVERSION      DatabaseNotFoundError NS_ENOTFOUND
 *    NetworkError          NS_EIO, message "shard HOST:PORT unreachable: ..."
 *    InvalidArgumentError  NS_EINVAL        FeatureUnavailable    NS_EUNSUPPORTED
 *    anything else         NS_ERROR
 * A DatabaseModifiedError (a writer committed twice while a search read an
 * old revision) is not reported: the read reopens the database and retries.
 *
 * Threads: a handle is used by one thread at a time.
 */
#ifndef NSX_H
#define NSX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nsx_wdb nsx_wdb;     /* Xapian::WritableDatabase */
typedef struct nsx_db nsx_db;       /* Xapian::Database: one, several, remote */
typedef struct nsx_doc nsx_doc;     /* Xapian::Document being built */
typedef struct nsx_query nsx_query; /* Xapian::Query */
typedef struct nsx_mset nsx_mset;   /* Xapian::MSet */

/* Receives one string (a term, a value, document data). Borrowed for the
 * call; return non-zero to stop (the walk then returns NS_OK). */
typedef int (*nsx_str_fn)(void *ctx, const char *s, size_t len);

/* ------------------------------------------------------------ writing */

enum { NSX_WAIT_FOR_LOCK = 1 };

/* Opens (creating if needed) the glass database in dir for writing, with a
 * transaction open: nothing is visible to readers before nsx_wdb_commit, and
 * nsx_wdb_close discards what was not committed (as ns_writer does).
 * Errors: NS_ELOCKED, NS_ECORRUPT, NS_EVERSION, NS_EIO... */
int nsx_wdb_open(nsx_wdb **out, const char *dir, unsigned flags, char *err, size_t errlen);

/* Discards uncommitted changes, releases the lock. Accepts NULL. */
void nsx_wdb_close(nsx_wdb *w);

const char *nsx_wdb_errmsg(const nsx_wdb *w);

/* Adds d, or replaces every document indexed by the term idterm with it. */
int nsx_wdb_replace(nsx_wdb *w, const char *idterm, size_t len, const nsx_doc *d);

/* Deletes the documents indexed by idterm; NS_ENOTFOUND when there is none. */
int nsx_wdb_delete(nsx_wdb *w, const char *idterm, size_t len);

/* Value `slot` of the document indexed by idterm (uncommitted changes
 * included) into buf (cut to buflen; *got is the full length).
 * NS_ENOTFOUND when no document has idterm. */
int nsx_wdb_value_of(nsx_wdb *w, const char *idterm, size_t len, unsigned slot, char *buf,
                     size_t buflen, size_t *got);

/* Calls fn with value `slot` of every document that has one. */
int nsx_wdb_values(nsx_wdb *w, unsigned slot, nsx_str_fn fn, void *ctx);

/* Metadata (a user key-value store inside the database). A missing key reads
 * as "" (*got = 0). */
int nsx_wdb_get_metadata(nsx_wdb *w, const char *key, char *buf, size_t buflen, size_t *got);
int nsx_wdb_set_metadata(nsx_wdb *w, const char *key, const char *val, size_t len);
/* Adds inc to the frequency of word in the spelling table (add_spelling). */
int nsx_wdb_add_spelling(nsx_wdb *w, const char *word, size_t len, unsigned inc);

uint64_t nsx_wdb_doccount(nsx_wdb *w);

/* Commits the transaction and opens the next one. */
int nsx_wdb_commit(nsx_wdb *w);

/* ------------------------------------------------------------ documents */

int nsx_doc_new(nsx_doc **out);
void nsx_doc_free(nsx_doc *d);
/* Empties d for the next document (keeps nothing of the last one). */
int nsx_doc_clear(nsx_doc *d);
/* One occurrence of term at position pos (positions start at 1), adding
 * wdfinc to its within-document frequency and to the document's length. */
int nsx_doc_add_posting(nsx_doc *d, const char *term, size_t len, uint32_t pos, unsigned wdfinc);
/* A term with no frequency or positions (ids, filters). */
int nsx_doc_add_boolean(nsx_doc *d, const char *term, size_t len);
int nsx_doc_set_data(nsx_doc *d, const void *data, size_t len);
int nsx_doc_set_value(nsx_doc *d, unsigned slot, const void *val, size_t len);

/* Writes a compacted copy of the committed revision of the database at src
 * into the new folder dst (Database::compact, document numbers kept). */
int nsx_compact(const char *src, const char *dst, char *err, size_t errlen);

/* ------------------------------------------------------------ reading */

/* Opens a database for reading: a glass or chert directory, a stub file or
 * stub directory (Xapian's own rules). */
int nsx_db_open(nsx_db **out, const char *path, char *err, size_t errlen);

/* Connects to a database served by xapian-tcpsrv. timeout_ms bounds each
 * operation and the connection (0: Xapian's default, 10 s). */
int nsx_db_open_tcp(nsx_db **out, const char *host, unsigned port, unsigned timeout_ms, char *err,
                    size_t errlen);

/* Runs program with args and speaks the remote protocol over its stdin and
 * stdout (xapian-progsrv, possibly through ssh). */
int nsx_db_open_prog(nsx_db **out, const char *program, const char *args, char *err, size_t errlen);

/* An empty database to which others are added (Database::add_database):
 * searches then use statistics over all of them. */
int nsx_db_new_multi(nsx_db **out, char *err, size_t errlen);
int nsx_db_add(nsx_db *db, const nsx_db *sub);

/* Releases the handle; the database closes when no handle (a combined
 * database holds its parts) uses it any more. Accepts NULL. */
void nsx_db_close(nsx_db *db);
const char *nsx_db_errmsg(const nsx_db *db);

/* Moves to the newest revision; *changed (may be NULL) says if it moved. */
int nsx_db_reopen(nsx_db *db, int *changed);

/* Checks that a remote database still answers (no-op for local ones). */
int nsx_db_keep_alive(nsx_db *db);

typedef struct nsx_info {
    uint64_t doccount;
    uint64_t total_length; /* sum of every document's length (postings added) */
    uint64_t revision;     /* of a single database; 0 for a combined one */
    uint32_t lastdocid;
} nsx_info;

int nsx_db_info(nsx_db *db, nsx_info *out);

int nsx_db_get_metadata(nsx_db *db, const char *key, char *buf, size_t buflen, size_t *got);

/* Calls fn for every term that starts with prefix, in byte order, with its
 * document frequency. */
int nsx_db_allterms(nsx_db *db, const char *prefix, size_t plen,
                    int (*fn)(void *ctx, const char *term, size_t len, uint64_t df), void *ctx);

/* Calls fn for every word of the spelling table (of every shard, summed),
 * in byte order, with its frequency (spellings_begin). */
int nsx_db_spellings(nsx_db *db, int (*fn)(void *ctx, const char *word, size_t len, uint64_t freq),
                     void *ctx);

/* The first document indexed by term (an id term): NS_ENOTFOUND if none. */
int nsx_db_first_doc(nsx_db *db, const char *term, size_t len, uint32_t *docid);

/* Calls fn once with the data of document docid. NS_ENOTFOUND if absent. */
int nsx_db_document_data(nsx_db *db, uint32_t docid, nsx_str_fn fn, void *ctx);

/* ------------------------------------------------------------ queries */

enum nsx_op {
    NSX_AND,
    NSX_OR,
    NSX_AND_NOT,   /* kids[0] AND NOT (kids[1] OR ...) */
    NSX_AND_MAYBE, /* kids[0], scored with what kids[1..] add */
    NSX_PHRASE,    /* kids are terms at consecutive positions */
    NSX_NEAR       /* kids are terms all within `window` positions */
};

int nsx_query_term(nsx_query **out, const char *term, size_t len);
int nsx_query_nothing(nsx_query **out);
/* Combines kids (which stay the caller's). window: NSX_NEAR and NSX_PHRASE
 * (0 = the number of kids). */
int nsx_query_combine(nsx_query **out, enum nsx_op op, nsx_query *const *kids, size_t n,
                      unsigned window);
/* q with every weight multiplied by factor (>= 0). */
int nsx_query_scale(nsx_query **out, const nsx_query *q, double factor);
/* Calls fn with every distinct term of q, in byte order, until it returns
 * non-zero. */
int nsx_query_terms(const nsx_query *q, nsx_str_fn fn, void *ctx);
/* Xapian's description of q, cut to fit buf. */
void nsx_query_describe(const nsx_query *q, char *buf, size_t len);
void nsx_query_free(nsx_query *q);

/* ------------------------------------------------------------ searching */

typedef struct nsx_search_opts {
    double k1, k2, k3, b, min_normlen; /* BM25Weight */
    size_t offset, k;                  /* the window of the ranking to return */
    size_t check_at_least;             /* count at least this many matches exactly */
    int tiebreak_slot;                 /* equal weights: ascending value of this
                                          slot; < 0: ascending docid */
    double time_limit;                 /* seconds, Enquire::set_time_limit: ends
                                          the check_at_least count early (0:
                                          none); does not stop the match */
    int bool_weight;                   /* every match weighs 0 (Xapian::BoolWeight,
                                          no BM25 statistics): for a count */
    /* typed fields (docs/xapian.md, "Typed fields"); all 0: none */
    unsigned sort_slot1;       /* slot + 1 of a sortable_serialise'd value to sort
                                  by, then by weight, then ascending docid; a
                                  document without it has the empty value, the
                                  smallest (first ascending, last descending) */
    int sort_desc;             /* with sort_slot1: largest value first */
    unsigned collapse_slot1;   /* slot + 1: keep the best of each value */
    const unsigned *spy_slots; /* a ValueCountMatchSpy per slot, over every */
    size_t nspy;               /* match (needs check_at_least = doccount) */
} nsx_search_opts;

int nsx_search(nsx_db *db, const nsx_query *q, const nsx_search_opts *o, nsx_mset **out);

size_t nsx_mset_size(const nsx_mset *m);
/* Estimated number of matches with its bounds (exact when lower == upper). */
void nsx_mset_counts(const nsx_mset *m, uint64_t *lower, uint64_t *estimated, uint64_t *upper);
void nsx_mset_item(const nsx_mset *m, size_t i, uint32_t *docid, double *weight);
/* Asks for every document of m at once (remote shards answer in one round). */
int nsx_mset_fetch(nsx_db *db, nsx_mset *m);
/* Calls fn with the data of the document of item i. */
int nsx_mset_data(nsx_db *db, const nsx_mset *m, size_t i, nsx_str_fn fn, void *ctx);
/* Calls fn with value slot `slot` of the document of item i (empty when the
 * document has none), without reading its data. direct: read by docid from
 * db without opening the document (DOC_ASSUME_VALID: no length lookup; for
 * local databases, where m need not be fetched); else through m (fetched:
 * remote databases answer in one round). */
int nsx_mset_value(nsx_db *db, const nsx_mset *m, size_t i, unsigned slot, int direct,
                   nsx_str_fn fn, void *ctx);
void nsx_mset_free(nsx_mset *m);
/* How many matches were collapsed into item i (collapse_slot1). */
uint64_t nsx_mset_collapsed(const nsx_mset *m, size_t i);
/* The number of matches spy j saw (every match, collapsed ones included). */
uint64_t nsx_mset_spy_total(const nsx_mset *m, size_t j);
/* Calls fn(ctx, value, len, count) for every value spy j (< nspy) saw. */
int nsx_mset_spy(nsx_db *db, const nsx_mset *m, size_t j,
                 int (*fn)(void *ctx, const char *v, size_t len, uint64_t count), void *ctx);

/* ------------------------------------------------------------ typed fields */

/* Xapian::sortable_serialise(v) into out (at least 10 bytes); its length. */
size_t nsx_sortable(double v, char *out);
/* Every document (Query::MatchAll). */
int nsx_query_all(nsx_query **out);
/* The documents whose value in slot is within [lo, hi] (byte order of
 * sortable_serialise'd values); lo or hi NULL: open end. */
int nsx_query_value_range(nsx_query **out, unsigned slot, const char *lo, size_t lolen,
                          const char *hi, size_t hilen);

/* ------------------------------------------------------------ statistics */

/* The document frequency of each term terms[i] (lens[i] bytes) into df[i],
 * and the number of documents into *doccount. */
int nsx_db_termfreqs(nsx_db *db, const char *const *terms, const size_t *lens, size_t n,
                     uint64_t *df, uint64_t *doccount);

/* What q gives document docid (the one indexed by idterm) under o's BM25
 * weighting: *matched says whether q matches it, *weight is its weight then
 * (Xapian computes it: q filtered to that one document, so the statistics
 * are those of the whole database, as in nsx_search). */
int nsx_doc_weight(nsx_db *db, const nsx_query *q, const char *idterm, size_t idlen, uint32_t docid,
                   const nsx_search_opts *o, int *matched, double *weight);

/* The within-document frequency of term in docid (0 when absent), its
 * document frequency and the document's length. */
int nsx_doc_term(nsx_db *db, uint32_t docid, const char *term, size_t len, uint32_t *wdf,
                 uint64_t *df, uint64_t *doclen);

#ifdef __cplusplus
}
#endif
#endif
