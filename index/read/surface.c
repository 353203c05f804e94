/* surface.c — the native backend's spell (backend.h): the SURFACE sections
 * of a generation's segments read only where a lookup needs them. The words
 * that share the query word's first byte — the only ones the walk compares
 * (query/lexicon.h) — are merged k-way from each segment's range of them
 * (found through the section's block offsets, docs/format.md) into one
 * lexicon, their document frequencies summed, built by the first lookup
 * that walks that byte's words and kept until the generation is freed. Two
 * threads that both find it missing both build one; the first to install
 * it wins and the other frees its own.
 *
 * A lookup that cannot change anything builds nothing: a present word whose
 * df times ratio exceeds the generation's documents (deleted included, which
 * bounds every summed df: docs/format.md, SURFACE) can have no word ratio
 * times as frequent, so its df is all the answer, read from each section's
 * one block that would hold it. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "query/lexicon.h"
#include "read/reader.h"

/* Positions it at the first word of its segment that starts with byte b
 * (*at_end when there is none). */
static int first_of(nsi_surfit *it, const nsi_seg *g, char b, int *at_end)
{
    char *err = nsi_index_errbuf();
    int rc = nsi_surfit_seek(it, g, &b, 1, err, NSI_ERRMSG);
    while (!rc) {
        rc = nsi_surfit_next(it, err, NSI_ERRMSG);
        if (!rc && (uint8_t)it->word[0] >= (uint8_t)b)
            break;
    }
    *at_end = rc == 1 || (!rc && it->word[0] != b);
    return rc == 1 ? NS_OK : rc;
}

/* A k-way merge of the segments' words that start with byte b, each
 * sorted: every word once, its document frequencies summed. */
static int build(const nsi_snap *s, char b, nsi_lexicon **out)
{
    char *err = nsi_index_errbuf();
    uint32_t n = s->nsegs;
    nsi_surfit *it = calloc(n ? n : 1, sizeof *it);
    int *at_end = calloc(n ? n : 1, sizeof *at_end);
    nsi_lexicon *lx = NULL;
    int rc = it && at_end ? nsi_lexicon_new(&lx) : NS_ENOMEM;
    for (uint32_t k = 0; k < n && !rc; k++)
        rc = first_of(&it[k], s->segs[k], b, &at_end[k]);
    while (!rc) {
        const nsi_surfit *min = NULL;
        for (uint32_t k = 0; k < n; k++)
            if (!at_end[k] && (!min || strcmp(it[k].word, min->word) < 0))
                min = &it[k];
        if (!min)
            break;
        char word[sizeof min->word];
        size_t len = min->len;
        memcpy(word, min->word, len + 1);
        uint64_t df = 0;
        for (uint32_t k = 0; k < n && !rc; k++) {
            if (at_end[k] || strcmp(it[k].word, word))
                continue;
            df += it[k].df;
            rc = nsi_surfit_next(&it[k], err, NSI_ERRMSG);
            at_end[k] = rc == 1 || (!rc && it[k].word[0] != b);
            rc = rc == 1 ? NS_OK : rc;
        }
        if (!rc)
            rc = nsi_lexicon_push(lx, word, len, df);
    }
    free(it);
    free(at_end);
    if (rc) {
        nsi_lexicon_free(lx);
        return rc == NS_ECORRUPT ? rc : nsi_index_fail(rc, "spelling lexicon: %s", ns_strerror(rc));
    }
    *out = lx;
    return NS_OK;
}

/* The summed df of word[0..len) over the segments' SURFACE sections (0 when
 * absent), each read in the one block that would hold it. */
static int word_df(const nsi_snap *s, const char *word, size_t len, uint64_t *df)
{
    char *err = nsi_index_errbuf();
    *df = 0;
    for (uint32_t k = 0; k < s->nsegs; k++) {
        nsi_surfit it;
        int rc = nsi_surfit_seek(&it, s->segs[k], word, len, err, NSI_ERRMSG);
        while (!rc && !(rc = nsi_surfit_next(&it, err, NSI_ERRMSG))) {
            int c = memcmp(it.word, word, it.len < len ? it.len : len);
            c = c ? c : (it.len > len) - (it.len < len);
            if (c >= 0) {
                *df += c == 0 ? it.df : 0;
                break;
            }
        }
        if (rc < 0)
            return rc;
    }
    return NS_OK;
}

int nsi_reader_spell(ns_index *idx, const char *word, size_t len, unsigned max, uint64_t ratio,
                     struct nsi_spell *out, size_t nout, size_t *n, uint64_t *df)
{
    *n = 0;
    *df = 0;
    if (len == 0)
        return NS_OK;
    nsi_snap *s = nsi_index_acquire(idx);
    int rc = nsi_snap_sound(s);
    uint8_t b = (uint8_t)word[0];
    nsi_lexicon *lx = rc ? NULL : atomic_load(&s->lexicon[b]);
    if (!rc && !lx && ratio && !(rc = word_df(s, word, len, df)) && *df && *df > s->ndocs / ratio) {
        rc = nsi_snap_sound(s); /* no word can be ratio times as frequent: no walk */
        nsi_index_release(idx, s);
        return rc;
    }
    if (!rc && !lx && !(rc = build(s, (char)b, &lx))) {
        nsi_lexicon *none = NULL;
        if (!atomic_compare_exchange_strong(&s->lexicon[b], &none, lx)) {
            nsi_lexicon_free(lx);
            lx = none;
        }
    }
    if (!rc)
        rc = nsi_lexicon_near(lx, word, len, max, ratio, out, nout, n, df);
    if (!rc)
        rc = nsi_snap_sound(s);
    nsi_index_release(idx, s);
    return rc;
}
