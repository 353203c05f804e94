/* lexicon.h — a sorted list of words with their document frequencies, and
 * the words within a few edits of a query word (spelling suggestions;
 * internal).
 *
 * A backend builds one from what it keeps of the words as written (the
 * native engine from its segments' SURFACE sections, read/surface.c; the
 * Xapian one from its spelling table) and answers the backend's `spell` call
 * with nsi_lexicon_near. The walk is query/fuzzy.h's: the words are fed in
 * byte order, sharing the rows of their common prefix, and every word under
 * a prefix that cannot come within the budget is skipped with a binary
 * search. */
#ifndef NSI_QUERY_LEXICON_H
#define NSI_QUERY_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#include "nsearch.h"

typedef struct nsi_lexicon nsi_lexicon;

/* A word near the query word. */
typedef struct nsi_spell {
    char word[NS_MAX_TERM_BYTES + 1]; /* NUL-terminated */
    size_t len;
    unsigned dist; /* edits (Damerau, optimal string alignment) */
    uint64_t df;
} nsi_spell;

int nsi_lexicon_new(nsi_lexicon **out);
void nsi_lexicon_free(nsi_lexicon *lx);
/* Appends word[0..len) (1..NS_MAX_TERM_BYTES bytes) with df; words come in
 * strictly ascending byte order. NS_EINVAL otherwise, NS_ENOMEM. */
int nsi_lexicon_push(nsi_lexicon *lx, const char *word, size_t len, uint64_t df);
size_t nsi_lexicon_size(const nsi_lexicon *lx);

/* The df of word[0..len) itself into *df (0 when absent), and into out the
 * at most nout words other than it within max edits (max <=
 * NSI_FUZZY_MAX_DIST) that start with the same byte (as most spelling
 * checkers assume, the first letter is taken to be right: the walk covers
 * one letter's words, not the whole list), best first: fewer edits, then
 * larger df, then byte order; *n receives how many. With ratio > 0, a word
 * that is present only gets candidates one edit away in at least ratio
 * times its df (none at all, without a walk, when no word is that
 * frequent). Read-only: safe from several threads. */
int nsi_lexicon_near(const nsi_lexicon *lx, const char *word, size_t len, unsigned max,
                     uint64_t ratio, nsi_spell *out, size_t nout, size_t *n, uint64_t *df);

#endif
