/* analyzer.h — the analysis chain: tokenize, fold, stem (internal).
 *
 * One chain is shared by indexing, query parsing and snippets, so the three
 * always agree on what a term is. Rules (docs/architecture.md, "Analysis"):
 *  - Input is UTF-8; invalid byte sequences act as separators (never a crash).
 *  - A token is a run of Unicode letters (L*), marks (M*) and digits (N*).
 *    Inside a run these join rather than split:
 *      apostrophe (U+0027 or U+2019) between letters: removed ("don't" -> dont),
 *        except a final 's, which is dropped ("Russia's" -> russia);
 *      comma between digits followed by exactly three digits: removed
 *        ("21,000" -> 21000);
 *      period between digits: kept ("5.93" -> 5.93);
 *      single letters separated by periods form an acronym ("U.S." -> us).
 *    Everything else (hyphens, other punctuation, spaces) separates tokens:
 *    "vis-a-vis" -> vis, a, vis at consecutive positions.
 *  - Scripts written without spaces (script.h): a Han ideograph or a kana is
 *    a token alone, a Katakana run one token, a Thai/Lao/Khmer/Myanmar run is
 *    split into words by ICU; such a letter after others starts a token.
 *  - Folding: Unicode case folding with compatibility decomposition (NFKC
 *    casefold via utf8proc), then Latin/Greek/Cyrillic diacritics (U+0300..U+036F
 *    after decomposition) are removed: "Détente" -> detente. Marks that are
 *    part of other scripts (Devanagari vowel signs...) are kept.
 *  - Stemming with Snowball (libstemmer) in the chosen language; "none" skips
 *    it. Stems are cached per analyzer (stemming is the slowest step).
 *  - Tokens longer than NS_MAX_TERM_BYTES after folding are skipped but still
 *    take a position, and are counted.
 *  - Positions are token ordinals starting at first_pos.
 *
 * An analyzer is not thread-safe: use one per thread.
 */
#ifndef NSI_ANALYZER_H
#define NSI_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "nsearch.h"

typedef struct nsi_analyzer nsi_analyzer;

typedef struct nsi_token {
    const char *term; /* analysed form; borrowed for the callback only */
    size_t term_len;
    uint32_t pos; /* ordinal position */
    size_t start; /* [start, end): bytes of the token in the input */
    size_t end;
    /* Where the term came from, so a consumer can map it to its own slot
     * without hashing its bytes again (memindex.c): key is 1 + the ordinal
     * of the stem-cache entry that gave it (0: none), valid with this epoch.
     * Within one epoch (unique in the process: a new analyzer or a cleared
     * cache takes a new one) one key always gives the same term. */
    uint32_t key;
    uint64_t epoch;
} nsi_token;

/* Return non-zero to stop the walk; nsi_analyze then returns that value. */
typedef int (*nsi_token_cb)(void *ctx, const nsi_token *tok);

typedef struct nsi_analyze_stats {
    uint64_t tokens;       /* tokens emitted */
    uint64_t long_skipped; /* tokens over NS_MAX_TERM_BYTES, skipped */
    uint64_t invalid_utf8; /* invalid byte sequences met */
} nsi_analyze_stats;

/* Flags for nsi_analyze. */
#define NSI_AN_NOSTEM 1u /* fold only (for prefix queries) */
#define NSI_AN_RUNS                                                                                \
    2u /* scripts without spaces as runs: the analysis of                                          \
          segments with NSI_ANALYSIS_RUNS (check --full) */

/* Creates an analyzer for language: a libstemmer algorithm name
 * ("english"), an ISO 639 code libstemmer knows ("en"), or "none".
 * NULL means "english". NS_EINVAL for an unknown language, NS_ENOMEM. */
int nsi_analyzer_new(nsi_analyzer **out, const char *language);
void nsi_analyzer_free(nsi_analyzer *a);

/* The canonical algorithm name ("english" for "en"), or "none". */
const char *nsi_analyzer_language(const nsi_analyzer *a);

/* Canonical name for a language string, or NULL when unknown. Static. */
const char *nsi_language_canonical(const char *language);

/* NULL-terminated list of accepted languages (canonical names + "none"). */
const char *const *nsi_language_list(void);

/* ns_analyze without its argument checks: a new analyzer for language runs
 * over text and hands each token to fn. */
int nsi_analyze_text(const char *language, const char *text, size_t len, ns_token_fn fn, void *ctx);

/* Runs the chain over text, calling cb for each token in order.
 * Returns NS_OK, NS_ENOMEM, or the callback's non-zero value.
 * stats may be NULL; when given, it is added to (not reset). */
int nsi_analyze(nsi_analyzer *a, const char *text, size_t len, uint32_t first_pos, unsigned flags,
                nsi_token_cb cb, void *ctx, nsi_analyze_stats *stats);

/* The tokenize-only walk: calls cb for each token of text exactly where
 * nsi_analyze gives it a position (tokens nsi_analyze skips, too long or
 * folded to nothing, included, since they take a position too), without
 * folding or stemming: tok->term is NULL and term_len 0. It maps the
 * positions the index stores to byte offsets (snippets) at a fraction of
 * the cost of analysis. Returns NS_OK or the callback's non-zero value. */
int nsi_analyze_scan(nsi_analyzer *a, const char *text, size_t len, uint32_t first_pos,
                     nsi_token_cb cb, void *ctx);

#endif
