/* xinternal.h — what the Xapian glue files share (internal): the layout of
 * an nsearch document inside Xapian (docs/xapian.md), stub files, and the
 * reader's state.
 *
 * Layout of one document:
 *   terms     every term of title and body unprefixed: title tokens at
 *             positions 1, 2, ... with wdf 2 each (the title weight of our
 *             BM25F), body tokens at NSX_BODY_BASE + 1, 2, ... with wdf 1
 *             (the gap keeps phrases and NEAR inside one field); the title
 *             terms again prefixed "S" (title:), at positions 1, 2, ...; the
 *             boolean id term "Q"+id (ids over 200 bytes: "Q", the first 200
 *             bytes, "#" and 16 hex digits of FNV-1a-64(id))
 *   data      varint(raw length) + zlib stream of the stored record
 *             (record.h: id, title, url, date, meta, body)
 *   value 0   FNV-1a-64 of the record, 8 bytes little-endian (UNCHANGED check)
 *   value 1   the id (the ids --prune walks)
 *   value 2   the record's fields without the body (nsi_record_encode_fields:
 *             id, title, url, date, meta), so that a hit never inflates the
 *             record; documents written before it have none and are read
 *             from the data
 * Database metadata: nsearch.format = "1", nsearch.language = the stemming
 * language, nsearch.shard = "I/N" in shard I of N. Typed fields (terms,
 * values 3 to 6 and 16 on, metadata nsearch.fields): xfields.h.
 */
#ifndef NSI_XINTERNAL_H
#define NSI_XINTERNAL_H

#include <pthread.h>

#include "api.h"
#include "common/buf.h"
#include "common/internal.h"
#include "eval/search.h"
#include "nsx.h"
#include "xap.h"
#include "xfields.h"

#define NSX_SLOT_HASH 0
#define NSX_SLOT_ID 1
#define NSX_SLOT_FIELDS 2
#define NSX_TITLE_PREFIX 'S'
#define NSX_ID_PREFIX 'Q'
#define NSX_FORMAT "1"
#define NSX_META_FORMAT "nsearch.format"
#define NSX_META_LANGUAGE "nsearch.language"
#define NSX_META_SHARD "nsearch.shard"
#define NSX_STUB_NAME "XAPIANDB"
#define NSX_ID_TERM_MAX 220
#define NSX_TITLE_WDF 2
#define NSX_BODY_BASE 1000000u

/* The id term of an id into out (NSX_ID_TERM_MAX bytes); returns its length. */
size_t nsi_xap_id_term(const char *id, size_t len, char *out);

/* The stored record, compressed as document data (into out), and back. */
int nsi_xap_pack(const void *rec, size_t len, nsi_buf *out);
int nsi_xap_unpack(const void *data, size_t len, nsi_buf *out);

/* ---- stub files (xstub.c): Xapian 1.4's format, one database per line:
 *   auto|glass|chert PATH    a local database (relative to the stub's folder)
 *   remote HOST:PORT         served by xapian-tcpsrv ([IPv6]:PORT too)
 *   remote :PROGRAM ARGS     spoken to through a program (xapian-progsrv)
 * Blank lines and lines starting with '#' are ignored. */

enum { NSI_STUB_LOCAL, NSI_STUB_TCP, NSI_STUB_PROG };

typedef struct nsi_stub_entry {
    int kind;
    char *where; /* LOCAL: resolved path; TCP: host; PROG: program */
    char *args;  /* PROG */
    unsigned port;
    char *name; /* for messages: the path, HOST:PORT, or the program line */
} nsi_stub_entry;

/* Reads the stub file at path. Errors: NS_ENOTFOUND, NS_EIO, NS_EINVAL
 * ("STUB:3: cannot read this line"). */
int nsi_stub_read(const char *path, nsi_stub_entry **out, size_t *n, char *err, size_t errlen);
void nsi_stub_free(nsi_stub_entry *e, size_t n);
/* The stub file of a stub path: path itself, or path/XAPIANDB. malloc'd. */
char *nsi_stub_file(const char *path);

/* ---- the reader's state (xread.c, xsearch.c) */

typedef struct nsi_xshard {
    nsi_stub_entry at;
    nsx_db *db; /* NULL once skipped (allow_partial) */
} nsi_xshard;

struct nsi_xindex {
    pthread_mutex_t mu; /* Xapian handles are not thread-safe */
    char *path;
    int stub; /* opened through a stub: messages say "shard" */
    int allow_partial;
    char language[64];
    nsi_xshard *shards;
    size_t nshards;
    nsx_db *db;         /* every reachable shard, as one database */
    nsi_buf warning;    /* skipped shards not yet reported */
    nsi_xschema schema; /* typed fields (metadata nsearch.fields), read at
                           open and refresh */
    /* The spelling table as one lexicon (query/lexicon.h), built by the first
     * spelling lookup; dropped by a refresh that changed the database. */
    struct nsi_lexicon *lexicon;
};

/* The Xapian state of an open index. */
static inline nsi_xindex *nsi_xap_of(const ns_index *idx) { return idx->impl; }

/* With x->mu held: the status and message of a failed read of x->db. An
 * unreachable shard is found and named; under allow_partial it is dropped
 * and *retry set, so that the caller runs the read again. */
int nsi_xap_read_failed(nsi_xindex *x, int rc, int *retry);

/* With x->mu held, before a read: without allow_partial, every shard must
 * be open (one found down earlier is reconnected, or the read fails). */
int nsi_xap_ensure_whole(nsi_xindex *x);

/* Formats the message of the failed call on db for shard s into the
 * thread's index error (ns_index_errmsg); returns rc. */
int nsi_xap_fail_shard(const nsi_xindex *x, const nsi_xshard *s, int rc, const char *msg);

/* ---- typed fields of a search (xhits.c) */

/* The values of hit h from its value 3 (blob, len) into r->fv. NS_ECORRUPT
 * when it does not decode (no message). */
int nsi_xap_hit_values(ns_results *r, nsi_hit *h, const char *blob, size_t len);

/* The facets req[0..nreq) of r from the match spies of m (spy i counts the
 * slot of req[i]'s field), with x->mu held. */
int nsi_xap_facets(nsi_xindex *x, const nsx_mset *m, ns_results *r, const ns_facet_request *req,
                   size_t nreq);

/* ---- queries (xsearch.c), shared with explanations (xexplain.c) */

/* The Xapian query of node n of q (its rewrite weight included), as a
 * search builds it; NULL on failure, with the status in *rc: reported with
 * nsi_index_fail, but NS_EIO, whose message stays in x->db. x->mu held. */
nsx_query *nsi_xap_build(nsi_xindex *x, const ns_query *q, const nsq_node *n,
                         const ns_search_options *o, int *rc);

/* The weighting of every ranked search: Xapian's BM25Weight with o's k1 and
 * b, k2 = 0, k3 = 1, min_normlen = 0.5 (docs/xapian.md). */
void nsi_xap_bm25(const ns_search_options *o, nsx_search_opts *so);

#endif
