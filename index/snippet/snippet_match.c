/* snippet_match.c — the snippet's query atoms and token matcher
 * (snippet_match.h): the query tree flattened into term, prefix and phrase
 * atoms, and the streaming matcher that finds them in the analysed body,
 * phrase matches included. Window choice and rendering are in snippet.c. */
#include "snippet/snippet_match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ query atoms */

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static int32_t term_find(const q_flat *f, const char *s, size_t n)
{
    if (!f->nslots)
        return -1;
    for (size_t i = hash_bytes(s, n) & (f->nslots - 1);; i = (i + 1) & (f->nslots - 1)) {
        uint32_t v = f->slots[i];
        if (!v)
            return -1;
        const q_atom *a = &f->terms[v - 1];
        if (a->len == n && memcmp(a->s, s, n) == 0)
            return (int32_t)(v - 1);
    }
}

/* Adds a term atom (once per distinct text) and returns its index. Room was
 * counted beforehand, so this cannot fail. */
static uint32_t term_intern(q_flat *f, const char *s, size_t n)
{
    size_t i = hash_bytes(s, n) & (f->nslots - 1);
    for (; f->slots[i]; i = (i + 1) & (f->nslots - 1)) {
        const q_atom *a = &f->terms[f->slots[i] - 1];
        if (a->len == n && memcmp(a->s, s, n) == 0)
            return f->slots[i] - 1;
    }
    f->terms[f->nterms] = (q_atom){s, n, 0};
    f->slots[i] = (uint32_t)++f->nterms;
    return f->slots[i] - 1;
}

static void prefix_add(q_flat *f, const char *s, size_t n)
{
    for (size_t i = 0; i < f->npre; i++)
        if (f->prefixes[i].len == n && memcmp(f->prefixes[i].s, s, n) == 0)
            return;
    f->prefixes[f->npre++] = (q_atom){s, n, 1};
}

static int is_body_leaf(const nsq_node *n, enum nsq_kind kind)
{
    return n && n->kind == kind && n->field == NSQ_FIELD_ALL && n->term && n->term_len > 0;
}

static int phrase_usable(const nsq_node *n)
{
    if (n->nkids < 2)
        return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (!n->kids[i] || n->kids[i]->kind != NSQ_TERM || !n->kids[i]->term ||
            !n->kids[i]->term_len)
            return 0;
    return 1;
}

static void count_nodes(const nsq_node *n, size_t *leaves, size_t *phrases)
{
    if (!n)
        return;
    *leaves += n->kind == NSQ_TERM || n->kind == NSQ_PREFIX;
    *phrases += n->kind == NSQ_PHRASE;
    for (size_t i = 0; i < n->nkids; i++)
        count_nodes(n->kids[i], leaves, phrases);
}

static void collect(q_flat *f, const nsq_node *n)
{
    if (!n || n->kind == NSQ_NOT)
        return;
    if ((n->kind == NSQ_PHRASE || n->kind == NSQ_NEAR) && n->field != NSQ_FIELD_ALL)
        return;
    if (n->kind == NSQ_TERM) {
        if (is_body_leaf(n, NSQ_TERM))
            f->terms[term_intern(f, n->term, n->term_len)].standalone = 1;
        return;
    }
    if (n->kind == NSQ_PREFIX) {
        if (is_body_leaf(n, NSQ_PREFIX))
            prefix_add(f, n->term, n->term_len);
        return;
    }
    if (n->kind == NSQ_PHRASE && phrase_usable(n)) {
        q_phrase *p = &f->phrases[f->nphrases++];
        p->first = f->npids;
        p->k = n->nkids;
        for (size_t i = 0; i < n->nkids; i++)
            f->pids[f->npids++] = term_intern(f, n->kids[i]->term, n->kids[i]->term_len);
        if (p->k > f->maxk)
            f->maxk = p->k;
        return;
    }
    for (size_t i = 0; i < n->nkids; i++)
        collect(f, n->kids[i]);
}

void nsi_snip_qflat_free(q_flat *f)
{
    free(f->terms);
    free(f->prefixes);
    free(f->slots);
    free(f->pids);
    free(f->phrases);
}

int nsi_snip_qflat_build(q_flat *f, const nsq_node *q)
{
    size_t leaves = 0, nphr = 0;
    count_nodes(q, &leaves, &nphr);
    f->maxk = 1;
    if (!leaves)
        return NS_OK;
    if (leaves > UINT32_MAX / 4)
        return NS_ETOOBIG;
    f->nslots = 8;
    while (f->nslots < 2 * leaves + 1)
        f->nslots *= 2;
    f->terms = malloc(leaves * sizeof *f->terms);
    f->prefixes = malloc(leaves * sizeof *f->prefixes);
    f->slots = calloc(f->nslots, sizeof *f->slots);
    f->pids = malloc(leaves * sizeof *f->pids);
    f->phrases = malloc((nphr ? nphr : 1) * sizeof *f->phrases);
    if (!f->terms || !f->prefixes || !f->slots || !f->pids || !f->phrases)
        return NS_ENOMEM;
    collect(f, q);
    return NS_OK;
}

/* ------------------------------------------------------------ matcher */

int nsi_snip_matcher_init(matcher *m, const q_flat *q, nsi_analyzer *fold)
{
    m->q = q;
    m->fold = fold;
    m->words = (q->npre + 63) / 64;
    m->rcap = q->maxk;
    m->ring = calloc(m->rcap, sizeof *m->ring);
    m->ring_bits = calloc(m->rcap * m->words + 1, sizeof *m->ring_bits);
    m->scratch = calloc(m->words + 1, sizeof *m->scratch);
    m->alive = calloc(q->npids + 1, 1);
    m->live = calloc(q->nphrases + 1, 1);
    if (!m->ring || !m->ring_bits || !m->scratch || !m->alive || !m->live)
        return NS_ENOMEM;
    for (size_t i = 0; i < m->rcap; i++)
        m->ring[i].pbits = m->ring_bits + i * m->words;
    return NS_OK;
}

void nsi_snip_matcher_free(matcher *m)
{
    free(m->ring);
    free(m->ring_bits);
    free(m->scratch);
    free(m->alive);
    free(m->live);
}

static int ring_emit_oldest(matcher *m)
{
    int rc = m->emit(m->ctx, &m->ring[m->rhead]);
    m->rhead = (m->rhead + 1) % m->rcap;
    m->rcount--;
    return rc;
}

static int ring_flush(matcher *m)
{
    while (m->rcount) {
        int rc = ring_emit_oldest(m);
        if (rc)
            return rc;
    }
    return NS_OK;
}

static void ring_push(matcher *m, const nsi_token *t, int32_t term)
{
    m_hit *h = &m->ring[(m->rhead + m->rcount++) % m->rcap];
    h->start = m->base + t->start;
    h->end = m->base + t->end;
    h->term = term;
    h->flags = 0;
    h->pos = t->pos;
    memcpy(h->pbits, m->scratch, m->words * sizeof *h->pbits);
}

/* Marks the newest k ring entries as one phrase match. They are the phrase's
 * tokens: the ring keeps maxk >= k of them and is not flushed while a phrase
 * is alive. */
static void ring_mark_phrase(matcher *m, size_t k)
{
    for (size_t d = 0; d < k && d < m->rcount; d++) {
        m_hit *h = &m->ring[(m->rhead + m->rcount - 1 - d) % m->rcap];
        h->flags |= HIT_PHRASE | (d + 1 < k ? HIT_JOIN : 0);
    }
}

static void phrases_clear(matcher *m)
{
    memset(m->alive, 0, m->q->npids);
    memset(m->live, 0, m->q->nphrases);
    m->nlive = 0;
}

static void phrases_reset(matcher *m)
{
    if (m->nlive)
        phrases_clear(m);
}

/* Advances every phrase by one token with term atom term. */
static void phrases_step(matcher *m, int32_t term)
{
    const q_flat *q = m->q;
    for (size_t j = 0; j < q->nphrases; j++) {
        const uint32_t *ids = q->pids + q->phrases[j].first;
        uint8_t *a = m->alive + q->phrases[j].first;
        size_t k = q->phrases[j].k;
        if (!m->live[j] && ids[0] != (uint32_t)term)
            continue;
        int any = 0;
        for (size_t i = k - 1; i > 0; i--) {
            a[i] = a[i - 1] && ids[i] == (uint32_t)term;
            any |= a[i];
        }
        a[0] = ids[0] == (uint32_t)term;
        any |= a[0];
        if (a[k - 1])
            ring_mark_phrase(m, k);
        m->nlive += (size_t)any - m->live[j];
        m->live[j] = (uint8_t)any;
    }
}

static int on_folded(void *ctx, const nsi_token *t)
{
    matcher *m = ctx;
    m->folded_len = t->term_len <= sizeof m->folded ? t->term_len : 0;
    memcpy(m->folded, t->term, m->folded_len);
    return 1; /* the first token is the word */
}

static int starts_with(const char *s, size_t n, const q_atom *p)
{
    return n >= p->len && memcmp(s, p->s, p->len) == 0;
}

/* Sets m->scratch to the prefixes token t matches, by its stem or by its
 * unstemmed folded form; returns whether any matched, or an error. */
static int prefix_match(matcher *m, const nsi_token *t)
{
    const q_flat *q = m->q;
    int any = 0, missed = 0;
    memset(m->scratch, 0, m->words * sizeof *m->scratch);
    for (size_t i = 0; i < q->npre; i++) {
        if (starts_with(t->term, t->term_len, &q->prefixes[i])) {
            m->scratch[i / 64] |= (uint64_t)1 << (i % 64);
            any = 1;
        } else {
            missed = 1;
        }
    }
    if (!missed || !m->fold)
        return any;
    m->folded_len = 0;
    int rc = nsi_analyze(m->fold, m->text + t->start, t->end - t->start, 0, NSI_AN_NOSTEM,
                         on_folded, m, NULL);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < q->npre; i++) {
        if (starts_with(m->folded, m->folded_len, &q->prefixes[i])) {
            m->scratch[i / 64] |= (uint64_t)1 << (i % 64);
            any = 1;
        }
    }
    return any;
}

static int on_token(void *ctx, const nsi_token *t)
{
    matcher *m = ctx;
    if (nsi_deadline_tick(m->deadline))
        return NS_ETIMEOUT;
    int32_t term = term_find(m->q, t->term, t->term_len);
    int pre = m->q->npre ? prefix_match(m, t) : 0;
    if (pre < 0)
        return pre;
    if (m->have_pos && t->pos != m->last_pos + 1)
        phrases_reset(m); /* a skipped (over-long) token breaks phrases */
    m->have_pos = 1;
    m->last_pos = t->pos;
    if (term < 0 && !pre) {
        phrases_reset(m);
        return ring_flush(m);
    }
    if (m->rcount == m->rcap) {
        int rc = ring_emit_oldest(m);
        if (rc)
            return rc;
    }
    ring_push(m, t, term);
    if (term >= 0)
        phrases_step(m, term);
    else
        phrases_reset(m);
    return m->nlive ? NS_OK : ring_flush(m);
}

int nsi_snip_matcher_run(matcher *m, nsi_analyzer *an, const char *body, size_t from, size_t to)
{
    m->text = body + from;
    m->base = from;
    m->rhead = m->rcount = 0;
    m->have_pos = 0;
    phrases_clear(m);
    int rc = nsi_analyze(an, body + from, to - from, 0, 0, on_token, m, NULL);
    return rc ? rc : ring_flush(m);
}

int nsi_snip_hit_counts(const q_flat *q, const m_hit *h, size_t words)
{
    if (h->term >= 0 && (q->terms[h->term].standalone || (h->flags & HIT_PHRASE)))
        return 1;
    for (size_t w = 0; w < words; w++)
        if (h->pbits[w])
            return 1;
    return 0;
}
