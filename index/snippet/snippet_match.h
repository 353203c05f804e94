/* snippet_match.h — the snippet's query atoms and token matcher (private to
 * index/snippet: snippet.c and snippet_match.c).
 *
 * The query tree is flattened into atoms (q_flat): distinct analysed body
 * terms, prefixes, and phrases as sequences of term atoms. The matcher runs
 * the analyzer over a range of the body and calls its emit function once per
 * token that matched an atom, in body order; a short ring holds the tokens
 * that may still turn out to be part of a phrase match (see snippet.c). */
#ifndef NSI_SNIPPET_MATCH_H
#define NSI_SNIPPET_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "common/deadline.h"
#include "nsearch.h"
#include "query/query.h"
#include "snippet/snippet.h"

typedef struct q_atom {
    const char *s; /* borrowed from the query tree */
    size_t len;
    int standalone; /* matches on its own, not only inside a phrase */
} q_atom;

typedef struct q_phrase {
    size_t first; /* its first atom in q_flat.pids */
    size_t k;     /* number of terms, >= 2 */
} q_phrase;

typedef struct q_flat {
    q_atom *terms;
    size_t nterms;
    q_atom *prefixes;
    size_t npre;
    uint32_t *slots; /* open addressing over terms: index + 1, 0 = empty */
    size_t nslots;   /* a power of two, more than twice nterms */
    uint32_t *pids;  /* term atoms of each phrase, phrase after phrase */
    size_t npids;
    q_phrase *phrases;
    size_t nphrases;
    size_t maxk; /* longest phrase, at least 1 */
} q_flat;

enum { HIT_PHRASE = 1u, HIT_JOIN = 2u }; /* in a phrase match; joined to the token before */

typedef struct m_hit {
    size_t start, end; /* bytes in the body */
    int32_t term;      /* term atom, or -1 */
    unsigned flags;
    uint64_t *pbits; /* prefix atoms matched, a bit each */
    uint32_t pos;    /* the token's position */
} m_hit;

typedef int (*hit_fn)(void *ctx, const m_hit *h);

typedef struct matcher {
    const q_flat *q;
    nsi_analyzer *fold; /* "none" analyzer: prefixes also match the unstemmed word */
    const char *text;   /* what is being analysed, at body + base */
    size_t base;
    size_t words; /* 64-bit words per prefix bitset */
    m_hit *ring;  /* tokens still open to a phrase match, oldest at rhead */
    uint64_t *ring_bits;
    uint64_t *scratch;
    size_t rcap, rhead, rcount;
    uint8_t *alive; /* per phrase term: the phrase's terms up to it end here */
    uint8_t *live;  /* per phrase: any alive flag set */
    size_t nlive;
    uint32_t last_pos;
    int have_pos;
    hit_fn emit;
    void *ctx;
    nsi_deadline *deadline; /* NULL: none; checked per token (deadline.h) */
    char folded[NS_MAX_TERM_BYTES];
    size_t folded_len;
} matcher;

/* Flattens the positive body leaves of q (NULL allowed) into f, which must be
 * zeroed. Free f with nsi_snip_qflat_free, also after a failure. */
int nsi_snip_qflat_build(q_flat *f, const nsq_node *q);
void nsi_snip_qflat_free(q_flat *f);

/* Prepares m (zeroed, with emit and ctx set by the caller) for the atoms of
 * q; fold is the "none" analyzer. Free m with nsi_snip_matcher_free, also
 * after a failure. */
int nsi_snip_matcher_init(matcher *m, const q_flat *q, nsi_analyzer *fold);
void nsi_snip_matcher_free(matcher *m);

/* Matches body[from, to) against the query, calling m->emit for each token
 * that matched an atom, in order. */
int nsi_snip_matcher_run(matcher *m, nsi_analyzer *an, const char *body, size_t from, size_t to);

/* The tokens of body[from, len) that match a term atom of q, found from the
 * document's positions (src) rather than by analysis (snippet_pos.c): the
 * hits the matcher would emit over that range, in order, with offsets
 * relative to body + from and phrase flags set; q must have no prefixes.
 * *hits is malloc'd (caller frees). *ok is 0 when the positions do not fit
 * the body; the caller then runs the matcher instead. */
int nsi_snip_pos_hits(const q_flat *q, nsi_analyzer *an, const char *body, size_t len, size_t from,
                      const nsi_snip_positions *src, m_hit **hits, size_t *nhits, int *ok);

/* Sets the phrase flags of h[0, n) (hits from nsi_snip_pos_hits, in order,
 * flags cleared) as the matcher would over just those tokens: every token of
 * a phrase match gets HIT_PHRASE, and all but its first HIT_JOIN. */
void nsi_snip_pos_mark(const q_flat *q, m_hit *h, size_t n);

/* Whether h counts: a standalone term, a term in a phrase match, a prefix. */
int nsi_snip_hit_counts(const q_flat *q, const m_hit *h, size_t words);

#endif
