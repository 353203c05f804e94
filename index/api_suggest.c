/* api_suggest.c — ns_suggest: "did you mean", from the index's own words as
 * written (docs/query-language.md, "Did you mean").
 *
 * The words of the query text are its runs of ASCII letters that stand
 * alone as tokens (not a field name before ':', a prefix before '*', a fuzzy
 * term before '~', an operator AND OR NOT NEAR, nor a run glued to a digit,
 * an apostrophe or a non-ASCII letter), of at least NSI_SUGGEST_MIN_LEN
 * letters. Each is looked up, folded, in the backend's spelling lexicon
 * (backend.h, spell) with a budget of 1 edit, 2 from NSI_SUGGEST_LONG
 * letters (a transposition is one edit), among the words that share its
 * first letter. A word is replaced when
 *  - it is absent and a word within the budget is present: the best of
 *    those, by (edits, document frequency);
 *  - or it is present, but a word one edit away is in at least
 *    NSI_SUGGEST_RATIO times as many documents: the best such word.
 * The suggested query keeps the text around the words (operators, quotes,
 * other words) and each word's case pattern. It must itself match: it is
 * counted (a search for no hits, with the same query options) and, when it
 * matches nothing, the next candidates of each replaced word are tried in
 * turn, at most NSI_SUGGEST_TRIES counts in all; none matching, no
 * suggestion. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "query/lexicon.h"

#define NSI_SUGGEST_MIN_LEN 3
#define NSI_SUGGEST_LONG 8
#define NSI_SUGGEST_RATIO 50u
#define NSI_SUGGEST_CANDS 8
#define NSI_SUGGEST_WORDS 32
#define NSI_SUGGEST_TRIES 16

typedef struct sword {
    size_t start, len;                 /* in the query text */
    nsi_spell cand[NSI_SUGGEST_CANDS]; /* usable replacements, best first */
    size_t ncand;
    size_t pick; /* the candidate in use */
} sword;

static int is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A byte that would join the run into a longer token. */
static int is_glue(char c)
{
    return (c >= '0' && c <= '9') || c == '\'' || (unsigned char)c >= 0x80;
}

static int is_operator(const char *w, size_t n)
{
    static const char *ops[] = {"AND", "OR", "NOT", "NEAR"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strlen(ops[i]) == n && !memcmp(ops[i], w, n))
            return 1;
    return 0;
}

/* The next word of text at or after *at: its start and length, or 0. */
static int next_word(const char *text, size_t len, size_t *at, size_t *start, size_t *n)
{
    size_t i = *at;
    while (i < len) {
        if (!is_letter(text[i])) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && is_letter(text[i]))
            i++;
        char after = i < len ? text[i] : ' ';
        char before = s ? text[s - 1] : ' ';
        if (is_glue(after) || is_glue(before) || after == ':' || after == '*' || after == '~' ||
            i - s < NSI_SUGGEST_MIN_LEN || i - s > NS_MAX_TERM_BYTES ||
            is_operator(text + s, i - s))
            continue;
        *start = s;
        *n = i - s;
        *at = i;
        return 1;
    }
    *at = i;
    return 0;
}

/* The word's candidates that would replace it (see the top). */
static int candidates(ns_index *idx, const char *text, sword *w)
{
    char folded[NS_MAX_TERM_BYTES];
    for (size_t i = 0; i < w->len; i++) {
        char c = text[w->start + i];
        folded[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    unsigned max = w->len >= NSI_SUGGEST_LONG ? 2 : 1;
    nsi_spell all[NSI_SUGGEST_CANDS];
    size_t n;
    uint64_t df;
    int rc = idx->ops->spell(idx, folded, w->len, max, NSI_SUGGEST_RATIO, all, NSI_SUGGEST_CANDS,
                             &n, &df);
    if (rc)
        return rc;
    w->ncand = 0;
    for (size_t i = 0; i < n; i++)
        if (df == 0 || (all[i].dist == 1 && all[i].df >= NSI_SUGGEST_RATIO * df))
            w->cand[w->ncand++] = all[i];
    return NS_OK;
}

/* text with each word that has candidates replaced by its pick, in the
 * word's case pattern, into b (NUL-terminated). */
static int build(const char *text, size_t len, const sword *w, size_t nw, nsi_buf *b)
{
    nsi_buf_reset(b);
    size_t at = 0;
    int rc = NS_OK;
    for (size_t i = 0; i < nw && !rc; i++) {
        if (!w[i].ncand)
            continue;
        const nsi_spell *c = &w[i].cand[w[i].pick];
        const char *orig = text + w[i].start;
        int upper =
            w[i].len > 1 && orig[0] >= 'A' && orig[0] <= 'Z' && orig[1] >= 'A' && orig[1] <= 'Z';
        int cap = orig[0] >= 'A' && orig[0] <= 'Z';
        if ((rc = nsi_buf_append(b, text + at, w[i].start - at)))
            break;
        for (size_t k = 0; k < c->len && !rc; k++) {
            char ch = c->word[k];
            if (upper || (cap && k == 0))
                ch = (char)(ch - 'a' + 'A');
            rc = nsi_buf_putc(b, ch);
        }
        at = w[i].start + w[i].len;
    }
    if (!rc)
        rc = nsi_buf_append(b, text + at, len - at);
    return rc ? rc : nsi_buf_terminate(b);
}

/* Whether the query b holds matches anything (*yes). */
static int matches(ns_index *idx, const nsi_buf *b, const ns_query_options *opts, int *yes)
{
    ns_query *q;
    char err[NS_ERRBUF_SIZE];
    *yes = 0;
    int rc = ns_query_parse(&q, idx, (const char *)b->data, b->len, opts, err, sizeof err, NULL);
    if (rc)
        return rc == NS_ENOMEM ? rc : NS_OK; /* not a query: not a suggestion */
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 0;
    ns_results *r = NULL;
    rc = ns_search(&r, idx, q, &so);
    if (!rc)
        *yes = ns_results_total(r, NULL) > 0;
    ns_results_free(r);
    ns_query_free(q);
    return rc;
}

int ns_suggest(char **out, ns_index *idx, const char *text, size_t len,
               const ns_query_options *opts)
{
    if (!idx)
        return NS_EINVAL;
    nsi_index_bind(idx);
    if (!out || (!text && len))
        return nsi_index_fail(NS_EINVAL, "ns_suggest needs an index, a query and out");
    *out = NULL;
    if (len > NS_MAX_QUERY_BYTES)
        return nsi_index_fail(NS_ETOOBIG, "query longer than %u bytes", NS_MAX_QUERY_BYTES);
    if (!idx->ops->spell)
        return nsi_index_fail(NS_EUNSUPPORTED, "a %s index has no spelling suggestions",
                              idx->ops->name);
    sword *w = calloc(NSI_SUGGEST_WORDS, sizeof *w);
    if (!w)
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    size_t nw = 0, at = 0, changed = 0;
    int rc = NS_OK;
    while (nw < NSI_SUGGEST_WORDS && next_word(text, len, &at, &w[nw].start, &w[nw].len)) {
        if ((rc = candidates(idx, text, &w[nw])))
            break;
        changed += w[nw].ncand > 0;
        nw++;
    }
    nsi_buf b = {0};
    b.limit = (size_t)NS_MAX_QUERY_BYTES * 2;
    int found = 0;
    /* the best picks, then each replaced word's next candidates in turn */
    for (size_t tries = 0, i = 0; !rc && changed && tries < NSI_SUGGEST_TRIES; tries++) {
        if ((rc = build(text, len, w, nw, &b)) || (rc = matches(idx, &b, opts, &found)) || found)
            break;
        while (i < nw && (!w[i].ncand || w[i].pick + 1 >= w[i].ncand)) {
            w[i].pick = 0; /* back to its best while the next word varies */
            i++;
        }
        if (i == nw)
            break;
        w[i].pick++;
    }
    free(w);
    if (!rc && found)
        *out = (char *)nsi_buf_steal(&b, NULL);
    nsi_buf_free(&b);
    if (rc == NS_ENOMEM)
        return nsi_index_fail(rc, "out of memory");
    return rc;
}
