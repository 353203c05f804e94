/* surface.c — the native backend's spell (backend.h): the SURFACE sections
 * of a generation's segments merged k-way into one lexicon (query/lexicon.h), their
 * document frequencies summed, built by the first lookup that needs a walk
 * and kept until the generation is freed. Two threads that both find it
 * missing both build one; the first to install it wins and the other frees
 * its own.
 *
 * A lookup that cannot change anything builds nothing: a present word whose
 * df times ratio exceeds the generation's documents (deleted included, which
 * bounds every summed df: docs/format.md, SURFACE) can have no word ratio
 * times as frequent, so its df is all the answer, read from the sections
 * without a lexicon. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "query/lexicon.h"
#include "read/reader.h"

/* A k-way merge of the segments' SURFACE sections, each sorted: every word
 * once, its document frequencies summed. */
static int build(const nsi_snap *s, nsi_lexicon **out)
{
    char *err = nsi_index_errbuf();
    uint32_t n = s->nsegs;
    nsi_surfit *it = calloc(n ? n : 1, sizeof *it);
    int *at_end = calloc(n ? n : 1, sizeof *at_end);
    nsi_lexicon *lx = NULL;
    int rc = it && at_end ? nsi_lexicon_new(&lx) : NS_ENOMEM;
    for (uint32_t k = 0; k < n && !rc; k++) {
        if (!(rc = nsi_surfit_start(&it[k], s->segs[k], err, NSI_ERRMSG)))
            rc = nsi_surfit_next(&it[k], err, NSI_ERRMSG);
        at_end[k] = rc == 1;
        rc = rc == 1 ? NS_OK : rc;
    }
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
            at_end[k] = rc == 1;
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
 * absent), each read only up to where the word would be. */
static int word_df(const nsi_snap *s, const char *word, size_t len, uint64_t *df)
{
    char *err = nsi_index_errbuf();
    *df = 0;
    for (uint32_t k = 0; k < s->nsegs; k++) {
        nsi_surfit it;
        int rc = nsi_surfit_start(&it, s->segs[k], err, NSI_ERRMSG);
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
    nsi_snap *s = nsi_index_acquire(idx);
    int rc = nsi_snap_sound(s);
    nsi_lexicon *lx = rc ? NULL : atomic_load(&s->lexicon);
    if (!rc && !lx && ratio && !(rc = word_df(s, word, len, df)) && *df && *df > s->ndocs / ratio) {
        *n = 0; /* no word can be ratio times as frequent: no walk */
        rc = nsi_snap_sound(s);
        nsi_index_release(idx, s);
        return rc;
    }
    if (!rc && !lx && !(rc = build(s, &lx))) {
        nsi_lexicon *none = NULL;
        if (!atomic_compare_exchange_strong(&s->lexicon, &none, lx)) {
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
