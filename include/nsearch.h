/*
 * nsearch.h — the public C API of libnsearch, a full-text search engine.
 *
 * This header is the manual. Conventions (docs/api.md says more):
 *
 *  - Every function that can fail returns an int status: NS_OK (0) on success,
 *    a negative NS_E* code on failure. ns_strerror() names a code; the handle
 *    involved keeps a message naming the input and the place
 *    (ns_index_errmsg, ns_writer_errmsg). Functions that create a handle take
 *    a caller-provided errbuf because there is no handle yet to hold a message.
 *  - Ownership is stated per function: "Caller frees with X" means you own it;
 *    "Borrowed until X" means the memory belongs to the library and stays
 *    valid until X is called.
 *  - The library never prints, exits or aborts.
 *  - Every `opts` argument may be NULL, meaning the defaults (*_OPTIONS_INIT).
 *  - Every *_free and *_close function accepts NULL and then does nothing.
 *  - Memory the library hands over ("caller frees with ns_free") comes from
 *    the library's allocator: release it with ns_free, never with another
 *    allocator (ns_free is free() today, but a caller must not rely on it).
 *  - Strings are UTF-8 byte ranges (pointer + length) and need not be
 *    NUL-terminated unless stated.
 *
 * Threading:
 *  - ns_index: any number of threads may call ns_query_parse, ns_search,
 *    ns_snippet_make, ns_index_stats and ns_index_refresh on one shared
 *    ns_index at the same time. ns_index_close must not race with any of them.
 *    A search sees the generation that was current when it started; a refresh
 *    never disturbs a search in flight. The index keeps one error message per
 *    thread: ns_index_errmsg(idx) is the message of the last failed call on
 *    idx made by the calling thread, untouched by other threads and other
 *    handles.
 *  - ns_writer, ns_query, ns_results, ns_snippet: one thread at a time each.
 *    An ns_query may be searched by several threads at once (it is read-only
 *    after parsing).
 *  - Any number of readers (in any process) may use an index while one writer
 *    (one process, holding the index lock) adds documents and commits.
 */
#ifndef NSEARCH_H
#define NSEARCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(NS_BUILDING_LIBRARY) && defined(__GNUC__)
#define NS_API __attribute__((visibility("default")))
#else
#define NS_API
#endif

#define NS_VERSION_MAJOR 0
#define NS_VERSION_MINOR 1
#define NS_VERSION_PATCH 0
#define NS_VERSION_STRING "0.1.0"

/** Returns the library's version string, e.g. "0.1.0". Static storage. */
NS_API const char *ns_version(void);

/** Frees memory the library handed to the caller (ns_results_body's copy).
 *  Accepts NULL. */
NS_API void ns_free(void *p);

/* ---------------------------------------------------------------- status */

enum {
    NS_OK = 0,
    NS_ERROR = -1,         /* unclassified failure */
    NS_ENOMEM = -2,        /* out of memory */
    NS_EINVAL = -3,        /* invalid argument */
    NS_EIO = -4,           /* read/write/fsync/rename failed */
    NS_ENOSPC = -5,        /* disk full */
    NS_ENOTFOUND = -6,     /* no such index, document or file */
    NS_EEXISTS = -7,       /* already exists */
    NS_ECORRUPT = -8,      /* index data fails a checksum or invariant */
    NS_EVERSION = -9,      /* index written by an incompatible format version */
    NS_ELOCKED = -10,      /* another writer holds the index lock, or this one lost it */
    NS_ESYNTAX = -11,      /* malformed query */
    NS_ETOOBIG = -12,      /* a documented limit was hit */
    NS_EUNSUPPORTED = -13, /* feature or backend not built in */
    NS_EMERGE = -14,       /* committed, but the merge after the commit failed */
    NS_ETIMEOUT = -15      /* a search or snippet ran past its deadline (timeout) */
};

/** Returns a short static description of a status code ("index is corrupt").
 *  Unknown codes give "unknown error". Never NULL. */
NS_API const char *ns_strerror(int status);

/** Size of the errbuf that creating functions accept. Messages are cut to fit. */
#define NS_ERRBUF_SIZE 512

/* ------------------------------------------------------------ limits */

/* Named limits. Each is the default of an option field below; hitting a limit
 * is an error (NS_ETOOBIG) or a reported count, never silent truncation. */
#define NS_MAX_TERM_BYTES 64          /* longer tokens are skipped and counted */
#define NS_MAX_DOC_BYTES (256u << 20) /* a document larger than this is refused */
#define NS_MAX_WRITER_THREADS 256     /* ns_writer_options.threads */
#define NS_MAX_QUERY_BYTES (1u << 20) /* query text */
#define NS_MAX_QUERY_TERMS 1024       /* terms after analysis and expansion */
#define NS_MAX_QUERY_DEPTH 64         /* nesting of parentheses */
#define NS_MAX_PREFIX_EXPANSIONS 256  /* terms one prefix* may expand to */
#define NS_MAX_QUERY_EXPANSIONS 4096  /* terms all prefixes of one query expand to */
#define NS_MAX_RESULTS 100000         /* k + offset */
#define NS_MAX_FACETS 64              /* facet requests of one search */
#define NS_MAX_FACET_VALUES 10000     /* values one facet may return */

/* ------------------------------------------------------------ analysis */

/** Called once per token by ns_analyze. term is the indexed form (folded,
 *  stemmed), borrowed for the duration of the call. position is the token's
 *  ordinal in the text (0-based); [start, end) is its byte range in the input.
 *  Return non-zero to stop early (ns_analyze then returns NS_OK). */
typedef int (*ns_token_fn)(void *ctx, const char *term, size_t term_len, uint32_t position,
                           size_t start, size_t end);

/** Runs the analysis chain (tokenize, fold case and diacritics, stem) over a
 *  UTF-8 text. language is a libstemmer algorithm name or ISO code ("english",
 *  "en", "french"...), or "none" for no stemming. Invalid UTF-8 is treated as
 *  separators. Errors: NS_EINVAL (unknown language), NS_ENOMEM. */
NS_API int ns_analyze(const char *language, const char *text, size_t len, ns_token_fn fn,
                      void *ctx);

/** Lists the languages ns_analyze and indexes accept, as a NULL-terminated
 *  static array of names. */
NS_API const char *const *ns_languages(void);

/* ------------------------------------------------------------ documents */

/** A document to index. All fields are byte ranges; NULL/0 means absent.
 *  id identifies the document: putting another document with the same id
 *  replaces it. meta is a JSON object text kept verbatim as stored metadata. */
typedef struct ns_doc {
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *body;
    size_t body_len;
    const char *url; /* url or path shown to the user */
    size_t url_len;
    const char *date;
    size_t date_len;
    const char *meta;
    size_t meta_len;
} ns_doc;

/* ------------------------------------------------------------ writer */

typedef struct ns_writer ns_writer;

typedef struct ns_writer_options {
    unsigned version;      /* NS_WRITER_OPTIONS_VERSION */
    const char *language;  /* for a new index; NULL = "english". An existing
                              index keeps its own; a different one is NS_EINVAL */
    int wait_for_lock;     /* non-zero: block until the lock is free */
    size_t flush_bytes;    /* buffered postings before a segment is written */
    unsigned commit_every; /* ns_writer_put commits every N docs (0 = never) */
    /* version 2 */
    int backend;     /* for a new index: NS_BACKEND_NATIVE or NS_BACKEND_XAPIAN
                        (NS_EUNSUPPORTED when built without Xapian, or
                        when its module, libnsearch-xapian, is missing). An
                        existing Xapian index is always opened as one; asking
                        for Xapian on a native index is NS_EINVAL */
    unsigned shards; /* Xapian only. 0 or 1: one database at path; N > 1: N
                        databases path/shard-0... and a stub file
                        path/XAPIANDB listing them; a document goes to shard
                        FNV-1a-64(id) mod N (docs/scale-out.md). An existing
                        index keeps its count; another N > 1 is NS_EINVAL */
    /* version 3 */
    int prune_orphans; /* native only. Non-zero: delete orphan segments (files
                          committed in a generation newer than COMMIT's, left
                          when an older COMMIT was put back) instead of
                          refusing to open (docs/format.md, "Orphans and
                          leftovers"). They are lost for good */
    /* version 4 */
    unsigned threads;  /* native only. 0 or 1: documents are analysed and
                          segments written by the thread that calls
                          ns_writer_put. N > 1: N worker threads do it, in
                          batches of the documents in the order they were
                          put; batch k becomes segment k whatever thread
                          finishes first, so the index searches the same
                          (ids, scores, order) for any N. The handle's
                          thread rules do not change: one thread at a time
                          calls the writer; its workers never call back.
                          ns_writer_put still returns each document's
                          outcome at once (a failure to build a batch is
                          returned by a later put or commit, and stops the
                          writer as any write failure does) */
    size_t ram_budget; /* native only. Bytes the buffered documents may take
                          (0: 256 MiB), shared between the workers: a
                          buffer or batch is written as a segment when its
                          share is reached, whatever flush_bytes says */
} ns_writer_options;

/* Index backends (docs/xapian.md). */
enum { NS_BACKEND_NATIVE = 0, NS_BACKEND_XAPIAN = 1 };

#define NS_WRITER_OPTIONS_VERSION 4
#define NS_WRITER_OPTIONS_INIT                                                                     \
    {                                                                                              \
        NS_WRITER_OPTIONS_VERSION, NULL, 0, 64u << 20, 0, NS_BACKEND_NATIVE, 0, 0, 1, 256u << 20   \
    }

/** Opens the index at path for writing, creating it (and its directory) if it
 *  does not exist, and takes the writer lock. On success *out is a writer the
 *  caller closes with ns_writer_close. On failure *out is NULL and errbuf (if
 *  not NULL) holds a message naming the path. Errors: NS_ELOCKED ("index is
 *  locked by pid N"), NS_ECORRUPT, NS_EVERSION, NS_EIO, NS_EINVAL.
 *  NS_ECORRUPT also when the folder holds orphan segments (committed in a
 *  generation newer than COMMIT's: an older COMMIT was put back): nothing is
 *  deleted, the message names one and how many; opts->prune_orphans deletes
 *  them instead. A dead writer's leftovers are deleted silently. */
NS_API int ns_writer_open(ns_writer **out, const char *path, const ns_writer_options *opts,
                          char *errbuf, size_t errbuf_len);

enum { NS_PUT_ADDED = 1, NS_PUT_UPDATED = 2, NS_PUT_UNCHANGED = 3 };

/** Adds a document, or replaces the committed document with the same id.
 *  A document whose fields are identical to the committed one is left alone.
 *  *outcome (may be NULL) receives NS_PUT_ADDED, NS_PUT_UPDATED or
 *  NS_PUT_UNCHANGED. The fields are copied. Not visible to readers before
 *  ns_writer_commit. Errors: NS_EINVAL (empty id, or an id holding a NUL
 *  byte: the message gives its offset), NS_ETOOBIG, NS_EIO... */
NS_API int ns_writer_put(ns_writer *w, const ns_doc *doc, int *outcome);

/* ------------------------------------------------------------ typed fields */

/* Field types (docs/fields.md). A document may carry typed fields beside its
 * title and body: keyword (exact values, filtered and faceted on, folded for
 * matching), date (UTC, second precision), number (a double) and text
 * (analysed, searchable as field:word). An index records each field's type the
 * first time it sees the field (or when it is declared) and keeps it. */
enum {
    NS_FIELD_AUTO = 0,
    NS_FIELD_KEYWORD = 1,
    NS_FIELD_DATE = 2,
    NS_FIELD_NUMBER = 3,
    NS_FIELD_TEXT = 4
};

/** One value of one field of a document. name: 1 to 64 bytes matching
 *  [A-Za-z][A-Za-z0-9_.-]*, not one of the reserved names id, title, body,
 *  url, date, meta. value: a keyword or text value as given (UTF-8), a date
 *  in any form ns_date_parse accepts, or a number as a finite decimal
 *  ("12", "-3.5", "1e6"). type: the type to record if the index does not know
 *  the field yet (NS_FIELD_AUTO records a keyword); ignored for a field the
 *  index knows. Keyword and text fields may have several values per document
 *  (one ns_field per value, their order kept); a date or number field at
 *  most one. */
typedef struct ns_field {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
    int type;
} ns_field;

/** Parses a date: ISO 8601 ("1987-03-02", "1987-03-02T14:31:00Z", with an
 *  offset), RFC 2822 ("Mon, 02 Mar 1987 14:31:00 +0000") and common archive
 *  forms such as Reuters' ("26-FEB-1987 15:01:01.79"); docs/fields.md lists
 *  them. *secs receives seconds since 1970-01-01T00:00:00Z (UTC). Errors:
 *  NS_EINVAL (not a date; *secs untouched). Thread-safe. */
NS_API int ns_date_parse(const char *text, size_t len, int64_t *secs);

/** Formats secs as ISO 8601 UTC, "1987-03-02T14:31:00Z", NUL-terminated, into
 *  out (out_len >= 21). Errors: NS_EINVAL (out too small, or a year outside
 *  0..9999). Thread-safe. */
NS_API int ns_date_format(int64_t secs, char *out, size_t out_len);

/** ns_writer_put with typed fields: fields[0..nfields) (may be NULL when
 *  nfields is 0; ns_writer_put(w, d, o) is ns_writer_put_fields(w, d, NULL,
 *  0, o)). The fields are copied and become part of the document's content:
 *  putting the same document with a changed field value is NS_PUT_UPDATED,
 *  with the same values NS_PUT_UNCHANGED. A field the index does not know yet
 *  is recorded with fields[i].type. The built-in date field (type date) is
 *  filled from doc->date when ns_date_parse accepts it; an unparseable
 *  doc->date is still stored as text, with no date value.
 *  Errors: NS_EINVAL, failing the whole put (nothing is added), when a value
 *  does not fit its field's type (a date ns_date_parse refuses, a number that
 *  is not a finite decimal, a second value of a date or number field) or a
 *  name is bad or reserved; the message names the field and the value
 *  ("field 'price': '12 dollars' is not a number"). Callers that want to keep
 *  the document check values first (ns_writer_field_type, ns_date_parse) and
 *  drop the bad ones themselves. Both backends store fields (a Xapian
 *  index as terms and values: docs/xapian.md, "Typed fields"). Otherwise as
 *  ns_writer_put. */
NS_API int ns_writer_put_fields(ns_writer *w, const ns_doc *doc, const ns_field *fields,
                                size_t nfields, int *outcome);

/** Records field name (len bytes) with type (NS_FIELD_KEYWORD, _DATE,
 *  _NUMBER or _TEXT) before any document has it; it is written into every
 *  segment the writer writes from now on, so it persists once a segment is
 *  committed. Declaring a field again with its own type is NS_OK.
 *  Errors: NS_EINVAL (the index already has the field with another type,
 *  naming both; a bad or reserved name; an unknown type), NS_EUNSUPPORTED
 *  (a Xapian index). */
NS_API int ns_writer_declare_field(ns_writer *w, const char *name, size_t len, int type);

/** The type of field name as the writer knows it (committed segments,
 *  declarations and documents put so far): NS_FIELD_KEYWORD, _DATE, _NUMBER,
 *  _TEXT, or 0 when the field is unknown (0 also for NULL arguments). The
 *  built-in date field is NS_FIELD_DATE. */
NS_API int ns_writer_field_type(ns_writer *w, const char *name, size_t len);

/** The name of a field type: "keyword", "date", "number" or "text" (static
 *  storage); "?" for anything else. */
NS_API const char *ns_field_type_name(int type);

/** Deletes the document with this id. NS_ENOTFOUND if there is none. An id
 *  holding a NUL byte is accepted here (ns_writer_put refuses such ids now,
 *  but an index written before may hold one, and this is how to remove it). */
NS_API int ns_writer_delete(ns_writer *w, const char *id, size_t id_len);

/** Calls fn for the id of every live document (committed or pending), in no
 *  particular order. The id is borrowed for the call. fn returning non-zero
 *  stops the walk. Deleting from inside fn is allowed. */
NS_API int ns_writer_foreach_id(ns_writer *w, int (*fn)(void *ctx, const char *id, size_t id_len),
                                void *ctx);

/** Makes every put and delete so far durable and visible to readers that
 *  refresh: writes pending segments, then atomically replaces the commit file.
 *  On failure the previous commit stays intact. After the commit the merge
 *  policy runs (in the same call).
 *
 *  NS_EMERGE: the commit succeeded (every put and delete so far is durable
 *  and visible) but the merge after it failed; the message is "committed,
 *  but the merge after it failed: <cause>". The index is sound and the merge
 *  is retried by the next commit of a writer opened anew. Like any failure,
 *  it stops this writer (docs/reliability.md, "Writer failures").
 *
 *  NS_ELOCKED: this writer no longer owns the index: its folder was moved,
 *  deleted or replaced (the path names another directory, or none), or LOCK
 *  was removed or replaced, since ns_writer_open. The writer works in the
 *  directory it opened, never by path, so nothing was written to a new folder
 *  at that path; the message names what changed ("idx: the index folder was
 *  replaced while this writer ran; nothing was committed to the new one").
 *  The check runs just before COMMIT is replaced and after any failure; the
 *  writer stops. A Xapian writer checks its shards' folders and flintlocks
 *  before each commit the same way (docs/xapian.md, "Writing"). (ns_writer_put can return the same
 * when a flush or a commit_every commit meets it.) */
NS_API int ns_writer_commit(ns_writer *w);

/** Commits, then merges all segments into one. NS_EMERGE as for
 *  ns_writer_commit when the policy's merge after the first commit failed; a
 *  failure of the merge into one segment is reported with its own status
 *  (the commit before it stays). */
NS_API int ns_writer_optimize(ns_writer *w);

/** Commits, then merges the segments this writer has written since it was
 *  opened into one when there are several: what nindex does at the end of a
 *  run, so that an index built in one run searches as fast as an optimized
 *  one, while a run that adds a little to a large index merges only its own
 *  new segments (cheaper than ns_writer_optimize). Call it once, at the end;
 *  calling it after every batch would merge everything written so far each
 *  time. Errors as for ns_writer_commit (NS_EMERGE when the merge failed
 *  after the commit: the changes are durable). A Xapian index commits (Xapian
 *  merges on its own). */
NS_API int ns_writer_tidy(ns_writer *w);

/** Releases the lock and frees the writer. Uncommitted changes are discarded
 *  (call ns_writer_commit first to keep them). Accepts NULL. */
NS_API void ns_writer_close(ns_writer *w);

/** Message for the writer's last failure (the writer is used by one thread
 *  at a time, so it keeps one message). Borrowed until the next call on w. */
NS_API const char *ns_writer_errmsg(const ns_writer *w);

/* ------------------------------------------------------------ reading */

typedef struct ns_index ns_index;

/** Opens the index at path for reading (the newest commit). On success *out
 *  is an index the caller closes with ns_index_close. On failure *out is NULL
 *  and errbuf holds a message naming the path and the damaged file. The kind
 *  of index is recognised: a native index folder, a Xapian database folder,
 *  or a Xapian stub (see ns_index_open_with).
 *  Errors: NS_ENOTFOUND (no index there), NS_ECORRUPT, NS_EVERSION, NS_EIO,
 *  NS_EUNSUPPORTED (a Xapian index, and the library was built without it or
 *  its module libnsearch-xapian.so.MAJOR.MINOR is missing: the message names
 *  it and where it was looked for, $NSEARCH_MODULE_DIR first). */
NS_API int ns_index_open(ns_index **out, const char *path, char *errbuf, size_t errbuf_len);

/** Frees the index. Accepts NULL. */
NS_API void ns_index_close(ns_index *idx);

typedef struct ns_index_options {
    unsigned version;  /* NS_INDEX_OPTIONS_VERSION */
    int allow_partial; /* a sharded (Xapian stub) index: search the shards that
                          can be reached and skip the others, reporting them
                          through ns_index_warning, instead of failing with
                          NS_EIO. Ignored by other indexes */
} ns_index_options;

#define NS_INDEX_OPTIONS_VERSION 1
#define NS_INDEX_OPTIONS_INIT                                                                      \
    {                                                                                              \
        NS_INDEX_OPTIONS_VERSION, 0                                                                \
    }

/** ns_index_open with options (NULL = defaults). path may also be a Xapian
 *  database, or a Xapian stub file (or a folder holding one, XAPIANDB) that
 *  lists local and remote shards (docs/scale-out.md). Without allow_partial,
 *  a shard that cannot be reached fails the open with NS_EIO and a message
 *  naming the shard. */
NS_API int ns_index_open_with(ns_index **out, const char *path, const ns_index_options *opts,
                              char *errbuf, size_t errbuf_len);

/** What allow_partial skipped since the last call: one line per shard
 *  ("shard 127.0.0.1:3001 unreachable: ...; results are partial"), or NULL
 *  when nothing was skipped. Shards are skipped at open and by a search that
 *  loses one. Borrowed until the next call on idx from this thread. */
NS_API const char *ns_index_warning(ns_index *idx);

/** What ns_index_refresh loaded (*changed); 0 when it kept the generation. */
enum {
    NS_REFRESH_NEWER = 1,    /* a newer commit of the same index */
    NS_REFRESH_REPLACED = 2, /* another index at the same path (the folder was
                                deleted and rebuilt, or another moved over
                                it): its generation may be lower */
    NS_REFRESH_RELOADED = 3  /* the same generation again, after a file of it
                                changed in place (repaired, restored) */
};

/** Switches to what the index's path holds now if it changed since the index
 *  was opened or last refreshed; searches already running keep their
 *  generation. *changed (may be NULL) is set to an NS_REFRESH_* value when
 *  another generation was loaded, else 0 (native indexes; a Xapian index
 *  sets 1 for a newer revision).
 *
 *  A native index notices, reading COMMIT and with one stat of the folder,
 *  COMMIT and each segment:
 *  - a new commit (NS_REFRESH_NEWER);
 *  - another index at the path (NS_REFRESH_REPLACED): the folder is another
 *    directory, or COMMIT is another file with a generation not above the
 *    current one. It is loaded whatever its generation, so generation
 *    numbers go backwards only then;
 *  - a segment file written in place (its size or times differ from when it
 *    was mapped: cp or rsync --inplace over it, truncation, a file system
 *    error). The generation is loaded again and verified: NS_REFRESH_RELOADED
 *    when it is sound; otherwise the refresh fails with NS_ECORRUPT naming
 *    the file, and from then on every search, ns_index_get_doc,
 *    ns_results_body and snippet on that generation fails with NS_ECORRUPT
 *    (naming the file) without reading it, until a later refresh loads a
 *    sound index (the file restored, or a new commit).
 *  When loading fails for any other reason (the index deleted, a new commit
 *  damaged), the refresh fails and the current generation, whose files are
 *  intact, stays in use. Refreshes of one handle run one at a time.
 *
 *  A search already running when a segment file shrinks may read past its
 *  end, which raises SIGBUS and kills the process unless
 *  ns_fault_guard_install was called. Damage that does not change a file's
 *  size or times is not seen by a refresh. */
NS_API int ns_index_refresh(ns_index *idx, int *changed);

/** Opt-in, process-wide: installs a SIGBUS handler that turns a read past the
 *  end of a segment file that shrank under an open index into NS_ECORRUPT
 *  for the call that read it (and for every later call on that generation),
 *  instead of killing the process. The handler replaces the pages past the
 *  fault with zero pages in that index's mapping, marks the segment, and
 *  lets the read go on; the call then fails naming the file. Only mappings
 *  of ns_index handles are covered (never a writer's). A SIGBUS at any other
 *  address is passed to the action installed before this call (its handler,
 *  or the default, which ends the process). Call it once, before other
 *  threads install SIGBUS handlers; later calls do nothing. A handler the
 *  application installs afterwards replaces it (chain to it to keep it).
 *  Returns NS_OK, or a status for sigaction's failure. */
NS_API int ns_fault_guard_install(void);

/** Message for the last failed call on idx (or on a result set or snippet of
 *  idx) made by this thread; other threads and other handles keep their own.
 *  Borrowed until the next call on idx from this thread. */
NS_API const char *ns_index_errmsg(const ns_index *idx);

/** The index's stemming language (static storage). */
NS_API const char *ns_index_language(const ns_index *idx);

typedef struct ns_stats {
    uint64_t generation;
    uint64_t documents; /* live documents */
    uint64_t deleted;   /* deleted, not yet merged away */
    uint64_t segments;
    uint64_t terms;          /* distinct terms summed over segments */
    uint64_t postings;       /* (term, document) pairs */
    uint64_t positions;      /* token occurrences */
    uint64_t bytes_dict;     /* term dictionary */
    uint64_t bytes_postings; /* doc ids, frequencies, skip and block-max data */
    uint64_t bytes_positions;
    uint64_t bytes_norms;      /* per-document field lengths and id map, and
                                  (segment version 5) the typed fields'
                                  columns and duplicate fingerprints (VALUES) */
    uint64_t bytes_stored;     /* compressed stored fields */
    uint64_t bytes_raw_stored; /* stored fields before compression */
    uint64_t bytes_total;      /* every file of the generation */
} ns_stats;

/** Fills *out with what the current generation holds. The byte counts are
 *  those of the native format's sections; a Xapian index reports documents,
 *  terms and postings, and its table files as bytes_total (docs/xapian.md).
 *  Safe to call from several threads, like ns_search.
 *  Errors: NS_EINVAL (NULL argument), NS_EIO (a Xapian shard is unreachable;
 *  message in ns_index_errmsg). */
NS_API int ns_index_stats(ns_index *idx, ns_stats *out);

/** Number of typed fields the current generation knows (the union of its
 *  segments' field tables, the built-in date field included when a segment
 *  has it; on a Xapian index, the fields its metadata records). 0 for NULL
 *  and for an index without fields. */
NS_API size_t ns_index_field_count(ns_index *idx);

/** Field i (< ns_index_field_count) of the current generation, in name
 *  order: *name (NUL-terminated) and *type (NS_FIELD_*), either may be NULL.
 *  The name is borrowed until ns_index_close (a refresh, even in another
 *  thread, does not free it). Errors:
 *  NS_EINVAL (no field i). */
NS_API int ns_index_field(ns_index *idx, size_t i, const char **name, int *type);

/** Verifies the index at path without changing it: COMMIT, every section
 *  checksum and the whole-file checksum of every segment, and the structure
 *  (sorted dictionary, postings and positions that decode within bounds,
 *  counts that agree, stored records that inflate and match the doc map, no
 *  document id live twice). With full non-zero it also analyses every stored
 *  document again and requires the postings and field lengths to be exactly
 *  what that analysis gives. Safe while a writer commits (it restarts on the
 *  newer commit). Returns NS_OK with a one-line summary in errbuf, or
 *  NS_ECORRUPT with a message naming the file, section, byte offset and what
 *  is wrong; NS_ENOTFOUND (no index), NS_EIO, NS_ENOMEM for other failures. */
NS_API int ns_index_check(const char *path, int full, char *errbuf, size_t errbuf_len);

/* ------------------------------------------------------------ queries */

typedef struct ns_query ns_query;

typedef struct ns_query_options {
    unsigned version;        /* NS_QUERY_OPTIONS_VERSION */
    int any;                 /* bare words joined by OR instead of AND */
    int literal;             /* the text is only words: no operators or syntax */
    int lenient;             /* on a syntax error, fall back to literal words,
                                keeping -w, NOT w and +w (query-language.md) */
    unsigned max_terms;      /* NS_MAX_QUERY_TERMS */
    unsigned max_depth;      /* NS_MAX_QUERY_DEPTH */
    unsigned max_expansions; /* NS_MAX_PREFIX_EXPANSIONS: terms one prefix may
                                expand to at search time (0: the default) */
} ns_query_options;

#define NS_QUERY_OPTIONS_VERSION 1
#define NS_QUERY_OPTIONS_INIT                                                                      \
    {                                                                                              \
        NS_QUERY_OPTIONS_VERSION, 0, 0, 0, NS_MAX_QUERY_TERMS, NS_MAX_QUERY_DEPTH,                 \
            NS_MAX_PREFIX_EXPANSIONS                                                               \
    }

/** Parses a query (language: docs/query-language.md) and analyses its words
 *  with the index's language. idx may be NULL (then "english" is used and
 *  prefixes are expanded at search time). On success *out is a query the caller
 *  frees with ns_query_free. On failure *out is NULL, errbuf holds the message
 *  ("unbalanced '(' at 14") and *err_offset (may be NULL) the byte offset of the
 *  problem. Errors: NS_ESYNTAX, NS_ETOOBIG (a limit), NS_EINVAL, NS_ENOMEM. */
NS_API int ns_query_parse(ns_query **out, ns_index *idx, const char *text, size_t len,
                          const ns_query_options *opts, char *errbuf, size_t errbuf_len,
                          size_t *err_offset);

/** The query as parsed, in a canonical form with analysed terms, e.g.
 *  (AND sever relat). Borrowed until ns_query_free. */
NS_API const char *ns_query_string(const ns_query *q);

/** Whether the query can match any document at all (false when every word
 *  analysed to nothing, e.g. only punctuation). */
NS_API int ns_query_is_empty(const ns_query *q);

/** Frees the query. Accepts NULL. */
NS_API void ns_query_free(ns_query *q);

/** Filters built in code, ANDed into q (docs/query-language.md, "Typed
 *  fields"): they never change a score, and a query made only of filters
 *  (an empty text and filters added) matches every document passing them.
 *
 *  ns_query_add_keyword: the documents whose keyword field `field`
 *  (NUL-terminated) has value[0..len) (folded, whole value; any element of a
 *  list). ns_query_add_range: the documents whose date or number field is
 *  within the bounds: lo[0..lo_len) and hi[0..hi_len) are ends as in the
 *  language (a date: YYYY, YYYY-MM, YYYY-MM-DD or a timestamp; a number: a
 *  decimal); NULL is an open end; lo_incl/hi_incl say whether an end is
 *  included (an included date end given as a month counts the whole month).
 *  The field's type is looked up when q was parsed with an index, else at
 *  search time. Errors: NS_EINVAL (bad name or value, message in errbuf of
 *  nothing: check with ns_search's NS_EINVAL too), NS_ENOMEM. */
NS_API int ns_query_add_keyword(ns_query *q, const char *field, const char *value, size_t len);
NS_API int ns_query_add_range(ns_query *q, const char *field, const char *lo, size_t lo_len,
                              int lo_incl, const char *hi, size_t hi_len, int hi_incl);

/* ------------------------------------------------------------ search */

typedef struct ns_search_options {
    unsigned version;    /* NS_SEARCH_OPTIONS_VERSION */
    size_t k;            /* hits to return (default 10) */
    size_t offset;       /* hits to skip first */
    double k1;           /* BM25 k1 (default 1.2) */
    double b;            /* BM25 b (default 0.75) */
    double title_weight; /* BM25F weight of the title field (default 2.0) */
    int exhaustive;      /* non-zero: score every match, no dynamic pruning;
                            the total is then always exact */
    /* version 2 (a version-1 struct ends here and gets the defaults below) */
    double timeout;                /* seconds the search may run (monotonic clock); past it
                                      ns_search fails with NS_ETIMEOUT. 0: no deadline
                                      (default); negative or NaN: NS_EINVAL */
    unsigned max_total_expansions; /* terms all the prefixes of the query may
                                      expand to together (NS_MAX_QUERY_EXPANSIONS;
                                      0 means the default); more is NS_ETOOBIG */
    /* version 3: typed fields (docs/fields.md). A version-2 struct ends here
     * and gets the defaults below (by score, no facets, no dedup). */
    const char *sort_field;                /* NULL or "score": by score (default). Otherwise a date
                                              or number field (or "date", the built-in one): hits
                                              ordered by its value over ALL matches, documents
                                              without it last, ties by score then id
                                              (bytewise), on both backends. Unknown
                                              field or another type: NS_EINVAL */
    int sort_desc;                         /* with sort_field: 1 newest / largest first */
    const struct ns_facet_request *facets; /* nfacets keyword fields to count */
    size_t nfacets;                        /* values over ALL matches (at most 64) */
    int dedup;                             /* near-duplicates collapsed to the best-ranked member
                                              (ns_results_duplicates; docs/fields.md, "Duplicates") */
} ns_search_options;

/** A facet to count: the values of keyword field `field` (NUL-terminated)
 *  over every match of the query, exact; the limit most frequent are kept
 *  (0: 10). */
typedef struct ns_facet_request {
    const char *field;
    size_t limit;
} ns_facet_request;

#define NS_SEARCH_OPTIONS_VERSION 3
#define NS_SEARCH_OPTIONS_INIT                                                                     \
    {                                                                                              \
        NS_SEARCH_OPTIONS_VERSION, 10, 0, 1.2, 0.75, 2.0, 0, 0.0, NS_MAX_QUERY_EXPANSIONS, NULL,   \
            0, NULL, 0, 0                                                                          \
    }

typedef struct ns_results ns_results;

/** Runs q on idx and keeps the best k hits after offset, by BM25F score
 *  (ties: lower document number first). On success *out is a result set the
 *  caller frees with ns_results_free. Errors: NS_ECORRUPT (message names the
 *  segment), NS_ETOOBIG (k + offset, a prefix expanding to more than the
 *  query's max_expansions terms, or all prefixes together to more than
 *  max_total_expansions: "query prefixes expand to more than 4096 terms"),
 *  NS_ETIMEOUT (opts->timeout passed: "query ran past its 0.05 s deadline";
 *  no partial result is returned), NS_EINVAL, NS_ENOMEM.
 *
 *  The deadline is checked between steps of bounded cost (every 1,024
 *  documents scored or skipped, terms looked up, tokens matched), so a search
 *  overruns it by at most one such step plus opening the result. The Xapian
 *  backend bounds its match with Xapian's own time limit and then fails the
 *  same way (docs/xapian.md). */
NS_API int ns_search(ns_results **out, ns_index *idx, const ns_query *q,
                     const ns_search_options *opts);

/** Number of hits held (at most k). */
NS_API size_t ns_results_count(const ns_results *r);

/** Number of matching documents. *exact (may be NULL) is 1 when the number is
 *  exact, 0 when it is a lower-bound estimate because pruning skipped
 *  documents that could not enter the top k. */
NS_API uint64_t ns_results_total(const ns_results *r, int *exact);

/** A hit. The strings are borrowed until ns_results_free; absent fields have
 *  length 0 and a non-NULL pointer to "". */
typedef struct ns_hit {
    size_t rank; /* 1-based, offset included */
    double score;
    uint64_t docnum; /* internal document number in the searched generation */
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *url;
    size_t url_len;
    const char *date;
    size_t date_len;
    const char *meta;
    size_t meta_len;
} ns_hit;

/** Fills *hit with hit i (0-based, < ns_results_count). */
NS_API int ns_results_hit(const ns_results *r, size_t i, ns_hit *hit);

/** Frees the result set (and lets go of the generation it pinned). Accepts
 *  NULL. */
NS_API void ns_results_free(ns_results *r);

/** One typed-field value of a hit (docs/fields.md). name and text are
 *  borrowed until ns_results_free (NUL-terminated). text: a keyword or text
 *  value as given; a date as ISO 8601 UTC ("1987-03-02T14:31:00Z"); a number
 *  in the shortest %.17g form that reads back the same. date: seconds since
 *  the epoch (date fields), number: the value (number fields); 0 otherwise. */
typedef struct ns_field_value {
    const char *name;
    size_t name_len;
    int type; /* NS_FIELD_KEYWORD, _DATE, _NUMBER or _TEXT */
    const char *text;
    size_t text_len;
    int64_t date;
    double number;
} ns_field_value;

/** Number of field values of hit i (0 for no hit i): every value of every
 *  typed field the document has, the built-in date field included, in field
 *  table order and, within a field, in the order given. */
NS_API size_t ns_results_field_count(const ns_results *r, size_t i);

/** Fills *out with value j (< ns_results_field_count) of hit i.
 *  Errors: NS_EINVAL (no such hit or value). */
NS_API int ns_results_field(const ns_results *r, size_t i, size_t j, ns_field_value *out);

/** With ns_search_options.dedup: how many matches were collapsed into hit i
 *  (0 otherwise, and for no hit i). */
NS_API uint64_t ns_results_duplicates(const ns_results *r, size_t i);

/** Number of facets (one per ns_search_options.facets entry, in order). */
NS_API size_t ns_results_facet_count(const ns_results *r);

/** Facet f: *field (the requested name, borrowed until ns_results_free) and
 *  *nvalues (at most its limit). Either pointer may be NULL. Errors:
 *  NS_EINVAL (no facet f). */
NS_API int ns_results_facet(const ns_results *r, size_t f, const char **field, size_t *nvalues);

/** Value j of facet f: *value and *len (borrowed until ns_results_free,
 *  NUL-terminated; the first original form met of values that fold alike)
 *  and *count, the number of matching documents that have it. Values come
 *  by count descending, ties by their folded key bytewise. Errors:
 *  NS_EINVAL. */
NS_API int ns_results_facet_value(const ns_results *r, size_t f, size_t j, const char **value,
                                  size_t *len, uint64_t *count);

/** Copies the body (the stored text) of hit i of r, as stored in the
 *  generation r was made on. *out is a NUL-terminated copy that the caller
 *  frees with ns_free(); *len (may be NULL) receives its length in bytes.
 *  Errors: NS_EINVAL (no hit i), NS_ECORRUPT, NS_ENOMEM (message in
 *  ns_index_errmsg). */
NS_API int ns_results_body(const ns_results *r, size_t i, char **out, size_t *len);

/* ------------------------------------------------------------ ranking rewrites */

/** Adds proximity clauses to q (docs/query-language.md, "Ranking"): every
 *  two neighbouring words of the query become an optional clause "both
 *  within window words, in either order" whose BM25F score counts weight
 *  times, so documents where the query's words stand close together rank
 *  higher; nothing stops or starts matching. The canonical form shows the
 *  clauses ((NEAR/8 a b)^0.1). A query of one word, or whose top is not a
 *  plain AND, OR or +required list of words, is left as it is. Errors:
 *  NS_EINVAL (NULL q, weight not in 0..100, window not in 1..1000),
 *  NS_ENOMEM. */
NS_API int ns_query_add_proximity(ns_query *q, double weight, unsigned window);

/* The weight and window of `nsearch --proximity`: the setting two of the
 * three cross-validation folds of bench/tune.sh chose (docs/benchmarks.md). */
#define NS_PROXIMITY_WEIGHT 0.2
#define NS_PROXIMITY_WINDOW 4u

typedef struct ns_expand_options {
    unsigned version; /* NS_EXPAND_OPTIONS_VERSION */
    unsigned docs;    /* hits taken as relevant (1..1000; default 10) */
    unsigned terms;   /* terms added at most (default 20; 0: none) */
    double weight;    /* weight of the best added term (default 0.4); the
                         others are weighted down in proportion */
} ns_expand_options;

#define NS_EXPAND_OPTIONS_VERSION 1
#define NS_EXPAND_OPTIONS_INIT                                                                     \
    {                                                                                              \
        NS_EXPAND_OPTIONS_VERSION, 10, 20, 0.4                                                     \
    }

/** Pseudo-relevance feedback: runs q on idx with sopts (NULL: defaults;
 *  k and offset are ignored), takes its first opts->docs hits as relevant and
 *  makes *out, q with the opts->terms terms most typical of them (IDF times
 *  their mean share of the hits' text; present in at least two hits) added as
 *  optional weighted terms (docs/query-language.md, "Ranking"). Search *out
 *  as any query; the caller frees it with ns_query_free (q is unchanged).
 *  Costs one search plus analysing the hits' text (at most 64 KiB of each
 *  body). Safe from several threads on one ns_index, like ns_search.
 *  Errors: those of ns_search, NS_EINVAL (bad options), NS_ENOMEM (message
 *  in ns_index_errmsg). Both backends expand by the same rule. */
NS_API int ns_query_expand(ns_query **out, ns_index *idx, const ns_query *q,
                           const ns_search_options *sopts, const ns_expand_options *opts);

/* ------------------------------------------------------------ spelling */

/** "Did you mean": a corrected query text from the index's own words as
 *  written (folded, unstemmed; docs/query-language.md, "Did you mean").
 *  Each word of text[0..len) of ASCII letters (3 or more; not a field name,
 *  prefix, fuzzy term or operator) that is absent from the index, or much
 *  rarer than a word one edit away, is replaced by the best word within 1
 *  edit (2 from 8 letters; a transposition is one edit), by edits then
 *  document frequency, keeping the rest of the text and the word's case.
 *  The suggestion must itself match documents with opts (NULL: defaults;
 *  pass the options the query was parsed with, e.g. `any`): it is counted,
 *  and other candidates are tried when it matches nothing. On success *out
 *  is the suggested text (NUL-terminated; the caller frees it with ns_free),
 *  or NULL when the query needs none or no correction matches. Segments
 *  written before format version 6 hold no words as written and give no
 *  suggestions until merged. Costs a lookup per word (a word too frequent
 *  to be replaced reads one block of each segment's word list; another
 *  walks the words that share its first letter, a list built by the first
 *  call that needs it after each open or refresh) and one count per tried
 *  correction. Safe from several threads on one ns_index, like
 *  ns_search. Errors: NS_EINVAL (NULL idx or out), NS_ETOOBIG (len over
 *  NS_MAX_QUERY_BYTES), NS_EUNSUPPORTED (a backend without spelling data),
 *  those of ns_search (NS_ECORRUPT...), NS_ENOMEM; message in
 *  ns_index_errmsg. */
NS_API int ns_suggest(char **out, ns_index *idx, const char *text, size_t len,
                      const ns_query_options *opts);

/* ------------------------------------------------------------ explanations */

typedef struct ns_explain ns_explain;

/** One part of a hit's score: what it is (e.g. "body:sever tf=2 idf=1.83
 *  norm=0.71", "title:relat tf=1 idf=2.10 norm=1.05 weight=2") and what it
 *  adds. */
typedef struct ns_explain_part {
    const char *what; /* borrowed until ns_explain_free */
    double score;
} ns_explain_part;

/** Explains the score of hit i of r, which ns_search made from q and opts:
 *  pass the same query and options again (opts NULL: the defaults). The hit
 *  is scored again on the generation r pinned, and its score is split into
 *  parts, one per query term and field that matched it (a fuzzy term's or a
 *  prefix's expansions each count as a term), whose scores add up to the
 *  hit's score (up to rounding: the sum is computed in another order, so it
 *  agrees to about 1e-12 relative). On success *out is an explanation the
 *  caller frees with ns_explain_free. Safe to call from several threads on
 *  different result sets; a result set belongs to one thread at a time.
 *  On a Xapian index the parts are Xapian's own BM25 weights, one per
 *  matching term, prefix, fuzzy term, phrase or clause (docs/xapian.md).
 *  Errors: NS_EINVAL (no hit i, NULL q or out, bad options), NS_ENOTFOUND
 *  (a Xapian hit that no longer matches: search again), NS_ECORRUPT,
 *  NS_ETOOBIG (expansion caps, as the search), NS_ENOMEM (message in
 *  ns_index_errmsg). */
NS_API int ns_results_explain(const ns_results *r, size_t i, const ns_query *q,
                              const ns_search_options *opts, ns_explain **out);

/** Number of parts of e (0 for NULL). */
NS_API size_t ns_explain_count(const ns_explain *e);

/** Fills *part with part j (0-based, < ns_explain_count), in query order.
 *  NS_EINVAL when there is no part j. */
NS_API int ns_explain_get(const ns_explain *e, size_t j, ns_explain_part *part);

/** Frees the explanation. Accepts NULL. */
NS_API void ns_explain_free(ns_explain *e);

/* ------------------------------------------------------------ documents by id */

/** Looks up the live document with this id in the current generation and
 *  returns it as a one-hit result set (rank 1, score 0, total 1): read its
 *  stored fields with ns_results_hit, its body with ns_results_body, and make
 *  a snippet with ns_snippet_make (q may then be NULL for the start of the
 *  body). Caller frees with ns_results_free. Walks the id list of every
 *  segment: linear in the number of documents, without reading stored text.
 *  Safe to call from several threads on one ns_index, like ns_search.
 *  Errors: NS_ENOTFOUND (no live document has this id), NS_EINVAL (empty
 *  id), NS_ECORRUPT, NS_ENOMEM (message in ns_index_errmsg). */
NS_API int ns_index_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out);

/** Calls fn for the id of every live document of the current generation, in
 *  no particular order, until fn returns non-zero. The generation is pinned
 *  for the walk, so a writer committing meanwhile changes nothing it sees;
 *  no lock is taken and nothing is written (works on a read-only folder).
 *  The id is borrowed for the call. Safe from several threads on one
 *  ns_index. Errors: NS_EINVAL (NULL fn), NS_ECORRUPT (message names the
 *  segment), NS_EUNSUPPORTED (a Xapian index: use ns_writer_foreach_id). */
NS_API int ns_index_foreach_id(ns_index *idx, int (*fn)(void *ctx, const char *id, size_t id_len),
                               void *ctx);

/* ------------------------------------------------------------ snippets */

typedef struct ns_snippet ns_snippet;

typedef struct ns_snippet_options {
    unsigned version; /* NS_SNIPPET_OPTIONS_VERSION */
    size_t max_bytes; /* window size, default 260 */
    /* version 2 */
    double timeout; /* seconds the snippet may take (matching the body against
                       the query); past it NS_ETIMEOUT. 0: none (default) */
} ns_snippet_options;

#define NS_SNIPPET_OPTIONS_VERSION 2
#define NS_SNIPPET_OPTIONS_INIT                                                                    \
    {                                                                                              \
        NS_SNIPPET_OPTIONS_VERSION, 260, 0.0                                                       \
    }

/** Builds a snippet for hit i of r: the window of the body that holds the most
 *  distinct query terms, cut at word boundaries, with the byte spans of every
 *  matched token (a phrase match is one span). Caller frees with
 *  ns_snippet_free. Errors: NS_EINVAL (no hit i, a negative timeout),
 *  NS_ETIMEOUT (opts->timeout passed while matching the body; checked every
 *  1,024 tokens), NS_ECORRUPT, NS_ENOMEM (message in ns_index_errmsg). */
NS_API int ns_snippet_make(ns_snippet **out, ns_index *idx, const ns_query *q, const ns_results *r,
                           size_t i, const ns_snippet_options *opts);

/** The snippet text (valid UTF-8). Borrowed until ns_snippet_free. */
NS_API const char *ns_snippet_text(const ns_snippet *s, size_t *len);

/** Whether the window starts / ends inside the body (an ellipsis is due). */
NS_API int ns_snippet_cut_before(const ns_snippet *s);
NS_API int ns_snippet_cut_after(const ns_snippet *s);

/** Highlighted spans, ascending and disjoint, as byte offsets into the text. */
NS_API size_t ns_snippet_span_count(const ns_snippet *s);
NS_API void ns_snippet_span(const ns_snippet *s, size_t i, size_t *start, size_t *end);

/** Frees the snippet. Accepts NULL. */
NS_API void ns_snippet_free(ns_snippet *s);

#ifdef __cplusplus
}
#endif
#endif /* NSEARCH_H */
