/* surfaces.c — surface forms of buffered documents (surfaces.h).
 *
 * One open-addressing table of words keyed by their bytes; each word keeps
 * the number of documents that hold it and a stamp of the last document that
 * met it, so a document counts once per word. The words of the current
 * document are listed until it ends, to be counted (or not) then. */
#include <stdlib.h>
#include <string.h>

#include "analysis/surface.h"
#include "common/internal.h"
#include "write/surfaces.h"

typedef struct sword {
    uint32_t off, len; /* bytes in arena */
    uint32_t stamp;    /* document number + 1 of the last document that met it */
    uint32_t df;
} sword;

struct nsi_surfaces {
    nsi_buf arena;
    sword *words;
    uint32_t n, cap;
    uint32_t *table; /* word index + 1, 0 = empty */
    uint32_t tsize;  /* power of two */
    uint32_t stamp;  /* the current document's */
    nsi_u32vec cur;  /* words the current document met */
};

int nsi_surfaces_new(nsi_surfaces **out)
{
    nsi_surfaces *s = calloc(1, sizeof *s);
    if (!s)
        return NS_ENOMEM;
    s->stamp = 1;
    *out = s;
    return NS_OK;
}

void nsi_surfaces_clear(nsi_surfaces *s)
{
    s->n = 0;
    if (s->table)
        memset(s->table, 0, (size_t)s->tsize * sizeof *s->table);
    nsi_buf_reset(&s->arena);
    s->cur.n = 0;
    s->stamp = 1;
}

void nsi_surfaces_free(nsi_surfaces *s)
{
    if (!s)
        return;
    nsi_buf_free(&s->arena);
    nsi_u32vec_free(&s->cur);
    free(s->words);
    free(s->table);
    free(s);
}

size_t nsi_surfaces_bytes(const nsi_surfaces *s)
{
    return s->arena.len + (size_t)s->n * sizeof(sword); /* as memindex counts its terms */
}

static uint32_t hash(const char *w, size_t len)
{
    return (uint32_t)nsi_fnv1a64(w, len, NSI_FNV_SEED);
}

static int grow(nsi_surfaces *s)
{
    uint32_t size = s->tsize ? s->tsize * 2 : 1024;
    uint32_t *t = calloc(size, sizeof *t);
    if (!t)
        return NS_ENOMEM;
    for (uint32_t i = 0; i < s->n; i++) {
        uint32_t k =
            hash((const char *)s->arena.data + s->words[i].off, s->words[i].len) & (size - 1);
        while (t[k])
            k = (k + 1) & (size - 1);
        t[k] = i + 1;
    }
    free(s->table);
    s->table = t;
    s->tsize = size;
    return NS_OK;
}

/* The word w[0..n)'s index, added when new; *added says whether it was. */
static int intern(nsi_surfaces *s, const char *w, size_t n, uint32_t *id)
{
    int rc;
    if (s->n * 2 >= s->tsize && (rc = grow(s)))
        return rc;
    uint32_t k = hash(w, n) & (s->tsize - 1);
    while (s->table[k]) {
        const sword *e = &s->words[s->table[k] - 1];
        if (e->len == n && !memcmp(s->arena.data + e->off, w, n)) {
            *id = s->table[k] - 1;
            return NS_OK;
        }
        k = (k + 1) & (s->tsize - 1);
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 1024;
        sword *v = realloc(s->words, (size_t)cap * sizeof *v);
        if (!v)
            return NS_ENOMEM;
        s->words = v;
        s->cap = cap;
    }
    if ((rc = nsi_buf_append(&s->arena, w, n)))
        return rc;
    s->words[s->n] = (sword){(uint32_t)(s->arena.len - n), (uint32_t)n, 0, 0};
    s->table[k] = s->n + 1;
    *id = s->n++;
    return NS_OK;
}

int nsi_surfaces_token(nsi_surfaces *s, const char *span, size_t len)
{
    char w[NS_MAX_TERM_BYTES];
    size_t n = nsi_surface_form(span, len, w);
    uint32_t id;
    int rc;
    if (!n)
        return NS_OK;
    if ((rc = intern(s, w, n, &id)))
        return rc;
    if (s->words[id].stamp == s->stamp)
        return NS_OK;
    s->words[id].stamp = s->stamp;
    return nsi_u32vec_push(&s->cur, id);
}

int nsi_surfaces_add(nsi_surfaces *s, const char *word, size_t len, uint64_t df)
{
    uint32_t id;
    int rc = len && len <= NS_MAX_TERM_BYTES ? intern(s, word, len, &id) : NS_EINVAL;
    if (!rc)
        s->words[id].df =
            df > UINT32_MAX - s->words[id].df ? UINT32_MAX : s->words[id].df + (uint32_t)df;
    return rc;
}

void nsi_surfaces_doc_end(nsi_surfaces *s, int done)
{
    for (size_t i = 0; done && i < s->cur.n; i++)
        s->words[s->cur.v[i]].df++;
    s->cur.n = 0;
    s->stamp++;
}

static int cmp_words(const void *a, const void *b, void *ctx)
{
    const nsi_surfaces *s = ctx;
    const sword *x = &s->words[*(const uint32_t *)a], *y = &s->words[*(const uint32_t *)b];
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(s->arena.data + x->off, s->arena.data + y->off, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

int nsi_surfaces_foreach(const nsi_surfaces *s,
                         int (*fn)(void *ctx, const char *word, size_t len, uint64_t df), void *ctx)
{
    uint32_t *order = malloc(((size_t)s->n + 1) * sizeof *order);
    if (!order)
        return NS_ENOMEM;
    for (uint32_t i = 0; i < s->n; i++)
        order[i] = i;
    qsort_r(order, s->n, sizeof *order, cmp_words, (void *)s);
    int rc = NS_OK;
    for (uint32_t i = 0; i < s->n && !rc; i++) {
        const sword *e = &s->words[order[i]];
        if (e->df)
            rc = fn(ctx, (const char *)s->arena.data + e->off, e->len, e->df);
    }
    free(order);
    return rc;
}

static int write_one(void *ctx, const char *word, size_t len, uint64_t df)
{
    return nsi_segw_surface(ctx, word, len, df);
}

int nsi_surfaces_write(const nsi_surfaces *s, nsi_segw *w)
{
    return nsi_surfaces_foreach(s, write_one, w);
}
