/* memindex.c — in-memory accumulation of postings, norms and stored records.
 *
 * Each document is analysed once; its tokens are grouped by term with a
 * counting pass (no per-document hash table, no sort), and appended to the
 * term's growing postings buffer as varints: doc, tf_title, tf_body, then the
 * title and body position lists as gaps. Terms live in one open-addressing
 * table keyed by their bytes; writing a segment sorts them once.
 *
 * One lookup per token: a title or body token that the analyzer's stem cache
 * gave (nsi_token.key, epoch) is mapped to its term through a direct array
 * indexed by the cache entry's ordinal, valid for one cache epoch and until
 * the buffer is cleared; only its first occurrence hashes the term's bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/fingerprint.h"
#include "common/internal.h"
#include "format/codec.h"
#include "format/values.h"
#include "write/memindex.h"
#include "write/surfaces.h"

typedef struct mterm {
    uint32_t off, len; /* bytes in m->arena */
    uint32_t stamp;    /* doc number + 1 of the last doc that used it */
    uint32_t slot;     /* its slot in the current doc */
    nsi_buf post;
} mterm;

typedef struct mdoc {
    uint32_t len_title, len_body;
    uint64_t hash;
    size_t id_off, id_len, rec_off, rec_len;
} mdoc;

typedef struct slot {
    uint32_t term, tft, tfb, fill;
    size_t saved; /* the term's postings length before this doc, for rollback */
} slot;

#define KEY_SLOTS 65536u /* the stem cache's most entries (analyzer.c) */

struct nsi_memindex {
    nsi_buf arena;      /* term bytes */
    uint32_t *key_term; /* stem-cache entry ordinal -> term index + 1 (0: unknown) */
    uint64_t key_epoch; /* the cache epoch key_term is for (0: none) */
    mterm *terms;
    uint32_t nterms, tcap;
    uint32_t *table; /* term index + 1, 0 = empty */
    uint32_t tsize;  /* power of two */
    mdoc *docs;
    uint32_t ndocs, dcap;
    nsi_buf ids, recs;
    size_t post_bytes;
    /* per-document scratch */
    slot *slots;
    uint32_t nslots, scap;
    nsi_u32vec tok_slot, tok_pos, positions;
    nsi_buf tok_field;
    nsi_valw *values; /* typed fields and fingerprints (VALUES) */
    nsi_fp fp;
    nsi_buf fterm;      /* a field term being built */
    nsi_u32vec endpos;  /* per field value: the position after its last token */
    nsi_surfaces *surf; /* words as written, for SURFACE */
};

int nsi_memindex_new(nsi_memindex **out)
{
    nsi_memindex *m = calloc(1, sizeof *m);
    if (!m)
        return NS_ENOMEM;
    m->recs.limit = (size_t)1 << 40;
    if (nsi_valw_new(&m->values)) {
        free(m);
        return NS_ENOMEM;
    }
    if (nsi_surfaces_new(&m->surf)) {
        nsi_valw_free(m->values);
        free(m);
        return NS_ENOMEM;
    }
    *out = m;
    return NS_OK;
}

void nsi_memindex_clear(nsi_memindex *m)
{
    for (uint32_t i = 0; i < m->nterms; i++)
        nsi_buf_free(&m->terms[i].post);
    m->nterms = 0;
    m->key_epoch = 0; /* the term indexes it holds are gone */
    if (m->table)
        memset(m->table, 0, (size_t)m->tsize * sizeof *m->table);
    nsi_buf_reset(&m->arena);
    nsi_buf_reset(&m->ids);
    nsi_surfaces_clear(m->surf);
    nsi_buf_free(&m->recs);
    m->ndocs = 0;
    m->post_bytes = 0;
    nsi_valw *v;
    if (nsi_valw_new(&v) == NS_OK) { /* else keep the old one, truncated */
        nsi_valw_free(m->values);
        m->values = v;
    } else {
        nsi_valw_truncate(m->values, 0);
    }
}

nsi_valw *nsi_memindex_values(nsi_memindex *m) { return m->values; }

void nsi_memindex_free(nsi_memindex *m)
{
    if (!m)
        return;
    nsi_memindex_clear(m);
    nsi_buf_free(&m->arena);
    nsi_buf_free(&m->ids);
    nsi_buf_free(&m->tok_field);
    nsi_buf_free(&m->fterm);
    nsi_valw_free(m->values);
    nsi_surfaces_free(m->surf);
    nsi_fp_free(&m->fp);
    nsi_u32vec_free(&m->endpos);
    nsi_u32vec_free(&m->tok_slot);
    nsi_u32vec_free(&m->tok_pos);
    nsi_u32vec_free(&m->positions);
    free(m->terms);
    free(m->key_term);
    free(m->table);
    free(m->docs);
    free(m->slots);
    free(m);
}

uint32_t nsi_memindex_ndocs(const nsi_memindex *m) { return m->ndocs; }

size_t nsi_memindex_bytes(const nsi_memindex *m)
{
    return m->post_bytes + m->arena.len + m->recs.len + m->ids.len +
           (size_t)m->nterms * sizeof(mterm) + nsi_valw_bytes(m->values) +
           nsi_surfaces_bytes(m->surf);
}

static int grow_table(nsi_memindex *m)
{
    uint32_t size = m->tsize ? m->tsize * 2 : 1024;
    uint32_t *t = calloc(size, sizeof *t);
    if (!t)
        return NS_ENOMEM;
    for (uint32_t i = 0; i < m->nterms; i++) {
        const mterm *e = &m->terms[i];
        uint32_t h = (uint32_t)nsi_fnv1a64(m->arena.data + e->off, e->len, NSI_FNV_SEED);
        uint32_t k = h & (size - 1);
        while (t[k])
            k = (k + 1) & (size - 1);
        t[k] = i + 1;
    }
    free(m->table);
    m->table = t;
    m->tsize = size;
    return NS_OK;
}

static int intern(nsi_memindex *m, const char *term, size_t len, uint32_t *id)
{
    if (m->nterms * 2 >= m->tsize) {
        int rc = grow_table(m);
        if (rc)
            return rc;
    }
    uint32_t h = (uint32_t)nsi_fnv1a64(term, len, NSI_FNV_SEED);
    uint32_t k = h & (m->tsize - 1);
    while (m->table[k]) {
        const mterm *e = &m->terms[m->table[k] - 1];
        if (e->len == len && memcmp(m->arena.data + e->off, term, len) == 0) {
            *id = m->table[k] - 1;
            return NS_OK;
        }
        k = (k + 1) & (m->tsize - 1);
    }
    if (m->nterms == m->tcap) {
        uint32_t cap = m->tcap ? m->tcap * 2 : 1024;
        mterm *t = realloc(m->terms, (size_t)cap * sizeof *t);
        if (!t)
            return NS_ENOMEM;
        m->terms = t;
        m->tcap = cap;
    }
    mterm *e = &m->terms[m->nterms];
    memset(e, 0, sizeof *e);
    e->off = (uint32_t)m->arena.len;
    e->len = (uint32_t)len;
    int rc = nsi_buf_append(&m->arena, term, len);
    if (rc)
        return rc;
    m->table[k] = m->nterms + 1;
    *id = m->nterms++;
    return NS_OK;
}

typedef struct collect_ctx {
    nsi_memindex *m;
    uint32_t stamp;
    uint8_t field; /* 0 title, 1 body, 2 a text field's value (counted as body) */
    uint32_t ntok;
    const char *text;  /* fields 0 and 1: the text analysed (surface forms) */
    const char *fname; /* field 2: the field's name */
    size_t fname_len;
    int rc;
} collect_ctx;

/* The term index of a token's term: through the stem-cache key when it has
 * one (see the top of this file), else by its bytes. */
static int term_of(nsi_memindex *m, const nsi_token *tok, uint32_t *id)
{
    if (!tok->key || tok->key > KEY_SLOTS)
        return intern(m, tok->term, tok->term_len, id);
    if (tok->epoch != m->key_epoch) {
        if (!m->key_term && !(m->key_term = malloc(KEY_SLOTS * sizeof *m->key_term)))
            return intern(m, tok->term, tok->term_len, id);
        memset(m->key_term, 0, KEY_SLOTS * sizeof *m->key_term);
        m->key_epoch = tok->epoch;
    }
    uint32_t *k = &m->key_term[tok->key - 1];
    if (*k) {
        *id = *k - 1;
        return NS_OK;
    }
    int rc = intern(m, tok->term, tok->term_len, id);
    if (!rc)
        *k = *id + 1;
    return rc;
}

/* One occurrence of term id at pos in the current document. once: a keyword
 * term, whose second occurrence adds nothing. */
static int add_term(collect_ctx *c, uint32_t id, uint32_t pos, int once)
{
    nsi_memindex *m = c->m;
    int rc;
    mterm *e = &m->terms[id];
    if (e->stamp != c->stamp) {
        if (m->nslots == m->scap) {
            uint32_t cap = m->scap ? m->scap * 2 : 256;
            slot *s = realloc(m->slots, (size_t)cap * sizeof *s);
            if (!s)
                return c->rc = NS_ENOMEM;
            m->slots = s;
            m->scap = cap;
        }
        e->stamp = c->stamp;
        e->slot = m->nslots;
        m->slots[m->nslots++] = (slot){id, 0, 0, 0, 0};
    } else if (once) {
        return 0;
    }
    slot *s = &m->slots[e->slot];
    if (c->field == 0)
        s->tft++;
    else
        s->tfb++;
    if ((rc = nsi_u32vec_push(&m->tok_slot, e->slot)) || (rc = nsi_u32vec_push(&m->tok_pos, pos)) ||
        (rc = nsi_buf_putc(&m->tok_field, c->field)))
        return c->rc = rc;
    return 0;
}

static int add_token(collect_ctx *c, const char *term, size_t len, uint32_t pos, int once)
{
    uint32_t id;
    int rc = intern(c->m, term, len, &id);
    if (rc)
        return c->rc = rc;
    return add_term(c, id, pos, once);
}

static int collect(void *vctx, const nsi_token *tok)
{
    collect_ctx *c = vctx;
    uint32_t id;
    int rc = term_of(c->m, tok, &id);
    if (rc)
        return c->rc = rc;
    if (add_term(c, id, tok->pos, 0))
        return c->rc;
    rc = nsi_surfaces_token(c->m->surf, c->text + tok->start, tok->end - tok->start);
    if (rc)
        return c->rc = rc;
    nsi_fp_word(&c->m->fp, tok->term, tok->term_len, c->field == 1);
    c->ntok = tok->pos + 1;
    return 0;
}

/* A token of a text field's value: its term is 0x02 name 0x00 token. */
static int collect_text(void *vctx, const nsi_token *tok)
{
    collect_ctx *c = vctx;
    nsi_buf_reset(&c->m->fterm);
    int rc = nsi_field_term(&c->m->fterm, NSI_TERM_TEXT, c->fname, c->fname_len, tok->term,
                            tok->term_len);
    if (rc)
        return c->rc = rc;
    if (add_token(c, (const char *)c->m->fterm.data, c->m->fterm.len, tok->pos, 0))
        return c->rc;
    c->ntok = tok->pos + 1;
    return 0;
}

/* The document's typed fields: field terms and column values. */
static int add_fields(nsi_memindex *m, nsi_analyzer *an, collect_ctx *c, uint32_t dn,
                      const nsi_mfield *f, size_t n, nsi_analyze_stats *stats)
{
    int rc = NS_OK;
    c->field = 2;
    m->endpos.n = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = nsi_u32vec_push(&m->endpos, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        int col;
        if ((rc = nsi_valw_field(m->values, f[i].name, f[i].name_len, f[i].type, &col)))
            break;
        if (f[i].type == NS_FIELD_DATE || f[i].type == NS_FIELD_NUMBER) {
            rc = nsi_valw_num(m->values, col, dn, f[i].bits);
            continue;
        }
        if ((rc = nsi_valw_kw(m->values, col, dn, f[i].value, f[i].value_len)))
            break;
        if (f[i].type == NS_FIELD_KEYWORD) {
            nsi_buf_reset(&m->fterm);
            if (!(rc = nsi_field_term(&m->fterm, NSI_TERM_KEYWORD, f[i].name, f[i].name_len,
                                      f[i].value, f[i].value_len)) &&
                add_token(c, (const char *)m->fterm.data, m->fterm.len, 0, 1))
                rc = c->rc;
            continue;
        }
        /* a text value's positions follow the same field's previous value
         * with a gap of one, so no phrase spans two values */
        uint32_t base = 0;
        for (size_t j = 0; j < i; j++)
            if (f[j].type == NS_FIELD_TEXT && f[j].name_len == f[i].name_len &&
                !memcmp(f[j].name, f[i].name, f[i].name_len))
                base = m->endpos.v[j] + 1;
        c->fname = f[i].name;
        c->fname_len = f[i].name_len;
        c->ntok = base;
        rc = nsi_analyze(an, f[i].value, f[i].value_len, base, 0, collect_text, c, stats);
        if (rc)
            rc = c->rc ? c->rc : rc;
        else
            m->endpos.v[i] = c->ntok;
    }
    return rc;
}

/* Groups the document's tokens by slot and appends one posting per term. */
static int emit_postings(nsi_memindex *m, uint32_t doc)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < m->nslots; i++) {
        m->slots[i].fill = total;
        total += m->slots[i].tft + m->slots[i].tfb;
    }
    m->positions.n = 0;
    for (uint32_t i = 0; i < total; i++) {
        int rc = nsi_u32vec_push(&m->positions, 0);
        if (rc)
            return rc;
    }
    /* title tokens were collected first, so each slot gets its title
     * positions, then its body positions, each ascending */
    for (size_t t = 0; t < m->tok_slot.n; t++)
        m->positions.v[m->slots[m->tok_slot.v[t]].fill++] = m->tok_pos.v[t];
    uint32_t start = 0;
    for (uint32_t i = 0; i < m->nslots; i++) {
        slot *s = &m->slots[i];
        mterm *e = &m->terms[s->term];
        size_t before = s->saved = e->post.len;
        /* room for the whole posting at once (a u32 varint is at most 5
         * bytes), then the varints written straight in: the same bytes as
         * nsi_buf_put_varint and nsi_buf_put_gaps, one capacity check */
        int rc = nsi_buf_reserve(&e->post, ((size_t)3 + s->tft + s->tfb) * 5);
        if (rc) {
            for (uint32_t j = 0; j < i; j++) /* leave no trace of this doc */
                m->terms[m->slots[j].term].post.len = m->slots[j].saved;
            return rc;
        }
        uint8_t *p = e->post.data + e->post.len;
        p += nsi_varint_put(p, doc);
        p += nsi_varint_put(p, s->tft);
        p += nsi_varint_put(p, s->tfb);
        const uint32_t *v = m->positions.v + start;
        for (uint32_t f = 0, k = 0; f < 2; f++) {
            uint32_t prev = 0, end = k + (f ? s->tfb : s->tft);
            for (; k < end; k++) {
                p += nsi_varint_put(p, v[k] - prev);
                prev = v[k];
            }
        }
        e->post.len = (size_t)(p - e->post.data);
        e->post.data[e->post.len] = 0; /* nsi_buf's terminator (cap + 1 allocated) */
        m->post_bytes += e->post.len - before;
        start += s->tft + s->tfb;
    }
    return NS_OK;
}

int nsi_memindex_add(nsi_memindex *m, nsi_analyzer *an, const ns_doc *doc, const void *rec,
                     size_t rec_len, uint64_t hash, const nsi_mfield *fields, size_t nfields,
                     uint32_t *docnum, nsi_analyze_stats *stats)
{
    if (m->ndocs == m->dcap) {
        uint32_t cap = m->dcap ? m->dcap * 2 : 256;
        mdoc *d = realloc(m->docs, (size_t)cap * sizeof *d);
        if (!d)
            return NS_ENOMEM;
        m->docs = d;
        m->dcap = cap;
    }
    uint32_t dn = m->ndocs;
    m->nslots = 0;
    m->tok_slot.n = m->tok_pos.n = 0;
    nsi_buf_reset(&m->tok_field);
    nsi_fp_reset(&m->fp);
    collect_ctx c = {m, dn + 1, 0, 0, doc->title ? doc->title : "", NULL, 0, 0};
    int rc =
        nsi_analyze(an, doc->title ? doc->title : "", doc->title_len, 0, 0, collect, &c, stats);
    uint32_t len_title = c.ntok;
    if (!rc) {
        c.field = 1;
        c.ntok = 0;
        c.text = doc->body ? doc->body : "";
        rc = nsi_analyze(an, doc->body ? doc->body : "", doc->body_len, 0, 0, collect, &c, stats);
    }
    uint32_t len_body = c.ntok;
    uint64_t sim = 0, exact = 0;
    if (!rc)
        rc = nsi_fp_finish(&m->fp, NSI_SIMHASH_SHINGLE, &sim, &exact);
    if (!rc)
        rc = nsi_valw_hashes(m->values, dn, sim, exact);
    if (!rc)
        rc = add_fields(m, an, &c, dn, fields, nfields, stats);
    if (rc) {
        nsi_valw_truncate(m->values, dn);
        nsi_surfaces_doc_end(m->surf, 0);
        return c.rc ? c.rc : rc;
    }
    mdoc *d = &m->docs[dn];
    d->len_title = len_title;
    d->len_body = len_body;
    d->hash = hash;
    d->id_off = m->ids.len;
    d->id_len = doc->id_len;
    d->rec_off = m->recs.len;
    d->rec_len = rec_len;
    if ((rc = nsi_buf_append(&m->ids, doc->id, doc->id_len)) ||
        (rc = nsi_buf_append(&m->recs, rec, rec_len)) || (rc = emit_postings(m, dn))) {
        m->ids.len = d->id_off; /* the buffer stays as it was before the call */
        m->recs.len = d->rec_off;
        nsi_valw_truncate(m->values, dn);
        nsi_surfaces_doc_end(m->surf, 0);
        return rc;
    }
    nsi_surfaces_doc_end(m->surf, 1);
    m->ndocs++;
    *docnum = dn;
    return NS_OK;
}

static int cmp_terms(const void *a, const void *b, void *ctx)
{
    const nsi_memindex *sort_m = ctx;
    const mterm *x = &sort_m->terms[*(const uint32_t *)a];
    const mterm *y = &sort_m->terms[*(const uint32_t *)b];
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(sort_m->arena.data + x->off, sort_m->arena.data + y->off, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

int nsi_memindex_write(const nsi_memindex *m, nsi_segw *w)
{
    int rc = nsi_segw_use_values(w, m->values);
    for (uint32_t i = 0; i < m->ndocs && !rc; i++) {
        const mdoc *d = &m->docs[i];
        rc = nsi_segw_doc(w, d->len_title, d->len_body, (const char *)m->ids.data + d->id_off,
                          d->id_len, d->hash, m->recs.data + d->rec_off, d->rec_len);
    }
    if (rc)
        return rc;
    uint32_t *order = malloc(((size_t)m->nterms + 1) * sizeof *order);
    nsi_u32vec pos = {0};
    if (!order)
        return NS_ENOMEM;
    for (uint32_t i = 0; i < m->nterms; i++)
        order[i] = i;
    qsort_r(order, m->nterms, sizeof *order, cmp_terms, (void *)m);
    for (uint32_t i = 0; i < m->nterms && !rc; i++) {
        const mterm *e = &m->terms[order[i]];
        if (e->post.len == 0)
            continue;
        if ((rc = nsi_segw_term(w, (const char *)m->arena.data + e->off, e->len)))
            break;
        const uint8_t *p = e->post.data, *end = p + e->post.len;
        while (p < end && !rc) {
            uint32_t doc, tft, tfb;
            if (nsi_varint_get32(&p, end, &doc) || nsi_varint_get32(&p, end, &tft) ||
                nsi_varint_get32(&p, end, &tfb)) {
                rc = NS_ERROR;
                break;
            }
            pos.n = 0;
            uint32_t prev = 0;
            for (uint32_t k = 0; k < tft + tfb && !rc; k++) {
                uint32_t g;
                if (k == tft)
                    prev = 0;
                if (nsi_varint_get32(&p, end, &g)) {
                    rc = NS_ERROR;
                    break;
                }
                prev += g;
                rc = nsi_u32vec_push(&pos, prev);
            }
            if (!rc)
                rc = nsi_segw_posting(w, doc, tft, tfb, pos.v, pos.v ? pos.v + tft : NULL);
        }
    }
    nsi_u32vec_free(&pos);
    free(order);
    return rc ? rc : nsi_surfaces_write(m->surf, w);
}
