/* values.c — typed fields in a segment: names, folded keys, field terms, and
 * the reading of VALUES (segment version 5). Format: docs/format.md,
 * "VALUES" and "Field terms"; rules: docs/fields.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/fold.h"
#include "common/internal.h"
#include "common/utf8.h"
#include "format/segment.h"
#include "format/values.h"

static const char *const reserved[] = {"id", "title", "body", "url", "date", "meta"};

int nsi_field_name_check(const char *name, size_t len, int allow_date, char *err, size_t errlen)
{
    int shown = (int)(len > 80 ? 80 : len);
    if (!name || len == 0)
        return nsi_fail(err, errlen, NS_EINVAL, "empty field name");
    if (len > NSI_FIELD_NAME_MAX)
        return nsi_fail(err, errlen, NS_EINVAL, "field name '%.*s...' is longer than %d bytes",
                        shown, name, NSI_FIELD_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        int alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        int ok = alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'));
        if (!ok)
            return nsi_fail(err, errlen, NS_EINVAL,
                            "field name '%.*s': byte %zu is not allowed (names are a letter, then "
                            "letters, digits, '_', '.' or '-')",
                            shown, name, i);
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strlen(reserved[i]) == len && !memcmp(reserved[i], name, len) &&
            !(allow_date && i == 4))
            return nsi_fail(err, errlen, NS_EINVAL,
                            "field name '%.*s' is reserved (id, title, body, url, date, meta)",
                            shown, name);
    return NS_OK;
}

/* Folds the code points gathered in f and appends them to out without
 * Latin diacritics. */
static int fold_flush(nsi_fold *f, nsi_fold *scratch, nsi_buf *out)
{
    if (!f->n)
        return NS_OK;
    int has_diacritic = f->has_diacritic;
    long n = nsi_fold_finish(f, (size_t)NSI_FOLD_MAX_CPS * 4);
    if (n < 0)
        return NS_ETOOBIG;
    const uint8_t *p = (const uint8_t *)f->cp;
    if (has_diacritic) {
        n = nsi_strip_diacritics(scratch, p, (size_t)n, (size_t)NSI_FOLD_MAX_CPS * 4);
        if (n < 0)
            return NS_ETOOBIG;
        p = (const uint8_t *)scratch->cp;
    }
    int rc = nsi_buf_append(out, p, (size_t)n);
    nsi_fold_reset(f);
    return rc;
}

static int is_space(int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
           cp == 0xA0 || cp == 0x2028 || cp == 0x2029 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200A);
}

int nsi_field_fold(const char *value, size_t len, nsi_buf *out)
{
    static _Thread_local nsi_fold f, scratch;
    nsi_fold_reset(&f);
    const uint8_t *p = (const uint8_t *)value, *e = p + len;
    int space = 0, any = 0, rc = NS_OK;
    while (p < e && !rc) {
        int32_t cp;
        p += nsi_utf8_decode(p, (size_t)(e - p), &cp);
        if (cp != NSI_UTF8_INVALID && is_space(cp)) {
            space = any;
            continue;
        }
        if (cp == NSI_UTF8_INVALID)
            cp = NSI_UTF8_REPLACEMENT;
        /* a starter ends what came before it; an ASCII character always
         * is one, and a long run of other characters is cut before a
         * character of its own (the buffer holds NSI_FOLD_MAX_CPS) */
        if (cp < 0x80 || space || f.n + 8 > NSI_FOLD_MAX_CPS)
            rc = fold_flush(&f, &scratch, out);
        if (!rc && space)
            rc = nsi_buf_putc(out, ' ');
        space = 0;
        any = 1;
        if (rc)
            break;
        if (cp < 0x80)
            nsi_fold_put_ascii(&f, (uint8_t)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        else
            nsi_fold_put(&f, cp);
    }
    return rc ? rc : fold_flush(&f, &scratch, out);
}

int nsi_field_term(nsi_buf *out, int kind, const char *name, size_t name_len, const char *value,
                   size_t value_len)
{
    if (kind != NSI_TERM_KEYWORD && kind != NSI_TERM_TEXT)
        return NS_EINVAL;
    int rc = nsi_buf_putc(out, (uint8_t)kind);
    if (!rc)
        rc = nsi_buf_append(out, name, name_len);
    if (!rc)
        rc = nsi_buf_putc(out, 0);
    if (rc || kind == NSI_TERM_TEXT)
        return rc ? rc : nsi_buf_append(out, value, value_len);
    size_t start = out->len;
    if ((rc = nsi_field_fold(value, value_len, out)))
        return rc;
    size_t flen = out->len - start;
    if (flen <= NSI_FIELD_TERM_VALUE_MAX)
        return NS_OK;
    uint64_t h = nsi_fnv1a64(out->data + start, flen, NSI_FNV_SEED);
    out->len = start + NSI_FIELD_TERM_VALUE_MAX - 17;
    char hex[18];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    if ((rc = nsi_buf_putc(out, 0xFF)))
        return rc;
    return nsi_buf_append(out, hex, 16);
}

/* ---- the content hash of fields */

uint64_t nsi_fields_hash_head(uint64_t h, const char *name, size_t len, int type, uint32_t nvalues)
{
    uint8_t head[10];
    head[0] = (uint8_t)len;
    head[1] = (uint8_t)type;
    nsi_put_u64le(head + 2, nvalues);
    h = nsi_fnv1a64(head, sizeof head, h);
    return nsi_fnv1a64(name, len, h);
}

uint64_t nsi_fields_hash_value(uint64_t h, const void *v, size_t len)
{
    uint8_t head[8];
    nsi_put_u64le(head, len);
    return nsi_fnv1a64(v, len, nsi_fnv1a64(head, sizeof head, h));
}

/* ---- schema */

const char *nsi_field_type_name(int type)
{
    switch (type) {
    case NS_FIELD_KEYWORD:
        return "keyword";
    case NS_FIELD_DATE:
        return "date";
    case NS_FIELD_NUMBER:
        return "number";
    case NS_FIELD_TEXT:
        return "text";
    }
    return "?";
}

static int name_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Where name is or would go. */
static size_t schema_pos(const nsi_schema *s, const char *name, size_t len, int *found)
{
    size_t lo = 0, hi = s->n;
    *found = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = name_cmp(s->f[mid].name, s->f[mid].len, name, len);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int nsi_schema_find(const nsi_schema *s, const char *name, size_t len)
{
    int found;
    size_t i = schema_pos(s, name, len, &found);
    return found ? (int)i : -1;
}

int nsi_schema_add(nsi_schema *s, const char *name, size_t len, int type, int *had)
{
    int found;
    size_t i = schema_pos(s, name, len, &found);
    if (had)
        *had = found ? s->f[i].type : 0;
    if (found)
        return NS_OK;
    if (len > NSI_FIELD_NAME_MAX)
        return NS_EINVAL;
    if (s->n >= NSI_COLUMNS_MAX)
        return NS_ETOOBIG;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        nsi_schema_field *f = realloc(s->f, cap * sizeof *f);
        if (!f)
            return NS_ENOMEM;
        s->f = f;
        s->cap = cap;
    }
    memmove(s->f + i + 1, s->f + i, (s->n - i) * sizeof *s->f);
    memcpy(s->f[i].name, name, len);
    s->f[i].name[len] = 0;
    s->f[i].len = len;
    s->f[i].type = type;
    s->n++;
    return NS_OK;
}

int nsi_schema_add_seg(nsi_schema *s, const nsi_seg *seg, char *err, size_t errlen)
{
    for (uint32_t c = 0; c < seg->nvcols; c++) {
        const nsi_vcol *v = &seg->vcols[c];
        int had, rc = nsi_schema_add(s, v->name, v->name_len, v->type, &had);
        if (rc == NS_ETOOBIG)
            return nsi_fail(err, errlen, NS_ECORRUPT, "%s: more than %d typed fields in the index",
                            seg->path, NSI_FIELD_MAX);
        if (rc)
            return nsi_fail(err, errlen, rc, "out of memory");
        if (had && had != v->type)
            return nsi_fail(err, errlen, NS_ECORRUPT,
                            "%s: field '%.*s' is a %s field here, a %s field in another segment "
                            "of the index",
                            seg->path, (int)v->name_len, v->name, nsi_field_type_name(v->type),
                            nsi_field_type_name(had));
    }
    return NS_OK;
}

int nsi_schema_copy(nsi_schema *dst, const nsi_schema *src)
{
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++) {
        int rc = nsi_schema_add(dst, src->f[i].name, src->f[i].len, src->f[i].type, NULL);
        if (rc)
            return rc;
    }
    return NS_OK;
}

void nsi_schema_free(nsi_schema *s)
{
    free(s->f);
    *s = (nsi_schema){0};
}

/* ---- building VALUES (docs/format.md, "VALUES") */

typedef struct wval {
    uint64_t off; /* in the builder's arena */
    uint32_t len;
    uint32_t used; /* documents give it (a truncated document may leave it unused) */
} wval;

typedef struct wcol {
    char name[NSI_FIELD_NAME_MAX + 1];
    size_t name_len;
    int type;
    /* keyword/text: distinct values, a hash table over them, and
     * (doc, value) pairs in document order */
    wval *vals;
    uint32_t nvals, vcap;
    uint32_t *table; /* value + 1, 0 = empty */
    uint32_t tsize;
    nsi_u32vec pair_doc, pair_val;
    /* date/number: (doc, bits) */
    uint64_t *bits;
    size_t nbits, bcap;
} wcol;

struct nsi_valw {
    wcol *cols;
    int ncols, ccap;
    nsi_buf arena;
    uint64_t *hashes; /* 2 per doc */
    uint32_t nhash;   /* documents the array covers */
    uint32_t hcap;
};

int nsi_valw_new(nsi_valw **out)
{
    nsi_valw *w = calloc(1, sizeof *w);
    if (!w)
        return NS_ENOMEM;
    w->arena.limit = (size_t)1 << 40;
    *out = w;
    return NS_OK;
}

void nsi_valw_free(nsi_valw *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->ncols; i++) {
        wcol *c = &w->cols[i];
        free(c->vals);
        free(c->table);
        nsi_u32vec_free(&c->pair_doc);
        nsi_u32vec_free(&c->pair_val);
        free(c->bits);
    }
    free(w->cols);
    nsi_buf_free(&w->arena);
    free(w->hashes);
    free(w);
}

int nsi_valw_field(nsi_valw *w, const char *name, size_t len, int type, int *col)
{
    for (int i = 0; i < w->ncols; i++)
        if (w->cols[i].name_len == len && !memcmp(w->cols[i].name, name, len)) {
            *col = i;
            return w->cols[i].type == type ? NS_OK : NS_EINVAL;
        }
    if (len == 0 || len > NSI_FIELD_NAME_MAX || type < NS_FIELD_KEYWORD || type > NS_FIELD_TEXT)
        return NS_EINVAL;
    if (w->ncols >= NSI_COLUMNS_MAX)
        return NS_ETOOBIG;
    if (w->ncols == w->ccap) {
        int cap = w->ccap ? w->ccap * 2 : 8;
        wcol *c = realloc(w->cols, (size_t)cap * sizeof *c);
        if (!c)
            return NS_ENOMEM;
        w->cols = c;
        w->ccap = cap;
    }
    wcol *c = &w->cols[w->ncols];
    memset(c, 0, sizeof *c);
    memcpy(c->name, name, len);
    c->name_len = len;
    c->type = type;
    *col = w->ncols++;
    return NS_OK;
}

static int grow_vtable(nsi_valw *w, wcol *c)
{
    uint32_t size = c->tsize ? c->tsize * 2 : 64;
    uint32_t *t = calloc(size, sizeof *t);
    if (!t)
        return NS_ENOMEM;
    for (uint32_t i = 0; i < c->nvals; i++) {
        uint32_t k =
            (uint32_t)nsi_fnv1a64(w->arena.data + c->vals[i].off, c->vals[i].len, NSI_FNV_SEED) &
            (size - 1);
        while (t[k])
            k = (k + 1) & (size - 1);
        t[k] = i + 1;
    }
    free(c->table);
    c->table = t;
    c->tsize = size;
    return NS_OK;
}

int nsi_valw_kw(nsi_valw *w, int col, uint32_t doc, const char *v, size_t len)
{
    wcol *c = &w->cols[col];
    int rc;
    if (len > NSI_FIELD_VALUE_MAX)
        return NS_ETOOBIG;
    if (c->nvals * 2 >= c->tsize && (rc = grow_vtable(w, c)))
        return rc;
    uint32_t k = (uint32_t)nsi_fnv1a64(v, len, NSI_FNV_SEED) & (c->tsize - 1), id;
    for (;;) {
        if (!c->table[k]) {
            if (c->nvals == UINT32_MAX - 1)
                return NS_ETOOBIG;
            if (c->nvals == c->vcap) {
                uint32_t cap = c->vcap ? c->vcap * 2 : 64;
                wval *nv = realloc(c->vals, (size_t)cap * sizeof *nv);
                if (!nv)
                    return NS_ENOMEM;
                c->vals = nv;
                c->vcap = cap;
            }
            c->vals[c->nvals] = (wval){w->arena.len, (uint32_t)len, 0};
            if ((rc = nsi_buf_append(&w->arena, v, len)))
                return rc;
            id = c->nvals++;
            c->table[k] = id + 1;
            break;
        }
        const wval *e = &c->vals[c->table[k] - 1];
        if (e->len == len && !memcmp(w->arena.data + e->off, v, len)) {
            id = c->table[k] - 1;
            break;
        }
        k = (k + 1) & (c->tsize - 1);
    }
    if ((rc = nsi_u32vec_push(&c->pair_doc, doc)) || (rc = nsi_u32vec_push(&c->pair_val, id)))
        return rc;
    return NS_OK;
}

int nsi_valw_num(nsi_valw *w, int col, uint32_t doc, uint64_t bits)
{
    wcol *c = &w->cols[col];
    if (c->nbits + 2 > c->bcap) {
        size_t cap = c->bcap ? c->bcap * 2 : 128;
        uint64_t *b = realloc(c->bits, cap * sizeof *b);
        if (!b)
            return NS_ENOMEM;
        c->bits = b;
        c->bcap = cap;
    }
    c->bits[c->nbits++] = doc;
    c->bits[c->nbits++] = bits;
    return NS_OK;
}

int nsi_valw_hashes(nsi_valw *w, uint32_t doc, uint64_t simhash, uint64_t exact)
{
    if (doc >= w->hcap) {
        uint32_t cap = w->hcap ? w->hcap : 256;
        while (cap <= doc)
            cap *= 2;
        uint64_t *h = realloc(w->hashes, (size_t)cap * 16);
        if (!h)
            return NS_ENOMEM;
        w->hashes = h;
        w->hcap = cap;
    }
    if (doc >= w->nhash) {
        memset(w->hashes + (size_t)w->nhash * 2, 0, ((size_t)doc + 1 - w->nhash) * 16);
        w->nhash = doc + 1;
    }
    w->hashes[(size_t)doc * 2] = simhash;
    w->hashes[(size_t)doc * 2 + 1] = exact;
    return NS_OK;
}

size_t nsi_valw_bytes(const nsi_valw *w)
{
    size_t n = w->arena.len + (size_t)w->nhash * 16;
    for (int i = 0; i < w->ncols; i++) {
        const wcol *c = &w->cols[i];
        n += (size_t)c->nvals * (sizeof(wval) + 8) + c->pair_doc.n * 8 + c->nbits * 8;
    }
    return n;
}

void nsi_valw_truncate(nsi_valw *w, uint32_t doc)
{
    for (int i = 0; i < w->ncols; i++) {
        wcol *c = &w->cols[i];
        while (c->pair_doc.n && c->pair_doc.v[c->pair_doc.n - 1] >= doc) {
            c->pair_doc.n--;
            c->pair_val.n--;
        }
        while (c->nbits && c->bits[c->nbits - 2] >= doc)
            c->nbits -= 2;
    }
    if (w->nhash > doc)
        w->nhash = doc;
}

static int pad8(nsi_buf *b)
{
    static const uint8_t zero[8];
    return nsi_buf_append(b, zero, (8 - b->len % 8) % 8);
}

typedef struct sortctx {
    const nsi_valw *w;
    const wcol *c;
    const nsi_buf *fold;
    const uint32_t *foff; /* per value: folded key offset, length */
} sortctx;

static int cmp_vals(const void *a, const void *b, void *vctx)
{
    const sortctx *x = vctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    int c = name_cmp((const char *)x->fold->data + x->foff[2 * i], x->foff[2 * i + 1],
                     (const char *)x->fold->data + x->foff[2 * j], x->foff[2 * j + 1]);
    if (c)
        return c;
    return name_cmp((const char *)x->w->arena.data + x->c->vals[i].off, x->c->vals[i].len,
                    (const char *)x->w->arena.data + x->c->vals[j].off, x->c->vals[j].len);
}

/* The keyword/text column c; *meta gets nvalues, nords, raw_len, fold_len. */
static int build_kw(const nsi_valw *w, wcol *c, uint32_t ndocs, nsi_buf *out, uint32_t meta[4])
{
    int rc = NS_OK;
    nsi_buf fold = {0};
    fold.limit = (size_t)1 << 40;
    uint32_t *foff = malloc(((size_t)c->nvals * 2 + 1) * sizeof *foff);
    uint32_t *order = malloc(((size_t)c->nvals + 1) * sizeof *order);
    uint32_t *ord_of = malloc(((size_t)c->nvals + 1) * sizeof *ord_of);
    if (!foff || !order || !ord_of) {
        rc = NS_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < c->nvals; i++)
        c->vals[i].used = 0;
    for (size_t k = 0; k < c->pair_val.n; k++)
        c->vals[c->pair_val.v[k]].used = 1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->nvals && !rc; i++) {
        if (!c->vals[i].used)
            continue;
        size_t before = fold.len;
        rc = nsi_field_fold((const char *)w->arena.data + c->vals[i].off, c->vals[i].len, &fold);
        if (fold.len > UINT32_MAX)
            rc = NS_ETOOBIG;
        foff[2 * i] = (uint32_t)before;
        foff[2 * i + 1] = (uint32_t)(fold.len - before);
        order[n++] = i;
    }
    if (rc)
        goto out;
    sortctx sc = {w, c, &fold, foff};
    qsort_r(order, n, sizeof *order, cmp_vals, &sc);
    for (uint32_t k = 0; k < n; k++)
        ord_of[order[k]] = k;
    uint64_t raw_len = 0, fold_len = 0;
    for (uint32_t k = 0; k < n && !rc; k++)
        rc = nsi_buf_put_u32le(out, (uint32_t)raw_len), raw_len += c->vals[order[k]].len;
    if (!rc)
        rc = nsi_buf_put_u32le(out, (uint32_t)raw_len);
    for (uint32_t k = 0; k < n && !rc; k++)
        rc = nsi_buf_put_u32le(out, (uint32_t)fold_len), fold_len += foff[2 * order[k] + 1];
    if (!rc)
        rc = nsi_buf_put_u32le(out, (uint32_t)fold_len);
    if (raw_len > UINT32_MAX || fold_len > UINT32_MAX || c->pair_doc.n > UINT32_MAX)
        rc = NS_ETOOBIG;
    size_t k = 0;
    for (uint32_t d = 0; d <= ndocs && !rc; d++) {
        rc = nsi_buf_put_u32le(out, (uint32_t)k);
        while (k < c->pair_doc.n && c->pair_doc.v[k] == d)
            k++;
    }
    for (k = 0; k < c->pair_val.n && !rc; k++)
        rc = nsi_buf_put_u32le(out, ord_of[c->pair_val.v[k]]);
    for (uint32_t j = 0; j < n && !rc; j++)
        rc = nsi_buf_append(out, w->arena.data + c->vals[order[j]].off, c->vals[order[j]].len);
    for (uint32_t j = 0; j < n && !rc; j++)
        rc = nsi_buf_append(out, fold.data + foff[2 * order[j]], foff[2 * order[j] + 1]);
    meta[0] = n;
    meta[1] = (uint32_t)c->pair_val.n;
    meta[2] = (uint32_t)raw_len;
    meta[3] = (uint32_t)fold_len;
out:
    free(foff);
    free(order);
    free(ord_of);
    nsi_buf_free(&fold);
    return rc;
}

static int build_num(const wcol *c, uint32_t ndocs, nsi_buf *out, uint32_t meta[4])
{
    size_t words = ((size_t)ndocs + 63) / 64, start = out->len;
    int rc = nsi_buf_reserve(out, words * 8 + (size_t)ndocs * 8);
    if (rc)
        return rc;
    memset(out->data + start, 0, words * 8 + (size_t)ndocs * 8);
    out->len = start + words * 8 + (size_t)ndocs * 8;
    uint8_t *present = out->data + start, *vals = present + words * 8;
    uint32_t n = 0;
    for (size_t k = 0; k < c->nbits; k += 2) {
        uint32_t d = (uint32_t)c->bits[k];
        if (d >= ndocs)
            return NS_EINVAL;
        n += !(present[d / 8] >> (d % 8) & 1);
        present[d / 8] |= (uint8_t)(1u << (d % 8));
        nsi_put_u64le(vals + (size_t)d * 8, c->bits[k + 1]);
    }
    meta[0] = n;
    meta[1] = meta[2] = meta[3] = 0;
    return NS_OK;
}

static int cmp_cols(const void *a, const void *b, void *ctx)
{
    const wcol *cols = ctx;
    const wcol *x = &cols[*(const int *)a], *y = &cols[*(const int *)b];
    return name_cmp(x->name, x->name_len, y->name, y->name_len);
}

int nsi_valw_finish(nsi_valw *w, uint32_t ndocs, nsi_buf *out)
{
    int order[NSI_COLUMNS_MAX], rc = NS_OK;
    size_t names_len = 0;
    for (int i = 0; i < w->ncols; i++) {
        order[i] = i;
        names_len += w->cols[i].name_len;
    }
    qsort_r(order, (size_t)w->ncols, sizeof *order, cmp_cols, w->cols);
    size_t start = out->len, table_len = (size_t)w->ncols * NSI_VALUES_ENTRY + names_len;
    if ((rc = nsi_buf_put_u32le(out, (uint32_t)w->ncols)) || (rc = nsi_buf_put_u32le(out, ndocs)) ||
        (rc = nsi_buf_put_u32le(out, (uint32_t)table_len)) || (rc = nsi_buf_put_u32le(out, 0)))
        return rc;
    size_t table = out->len;
    if ((rc = nsi_buf_reserve(out, table_len)))
        return rc;
    memset(out->data + table, 0, table_len);
    out->len += table_len;
    size_t noff = 0;
    for (int i = 0; i < w->ncols; i++) {
        const wcol *c = &w->cols[order[i]];
        memcpy(out->data + table + (size_t)w->ncols * NSI_VALUES_ENTRY + noff, c->name,
               c->name_len);
        uint8_t *e = out->data + table + (size_t)i * NSI_VALUES_ENTRY;
        e[32] = (uint8_t)c->type;
        e[33] = (uint8_t)c->name_len;
        nsi_put_u32le(e + 36, (uint32_t)noff);
        noff += c->name_len;
    }
    if ((rc = pad8(out)))
        return rc;
    for (uint32_t d = 0; d < ndocs && !rc; d++) {
        int have = d < w->nhash;
        if (!(rc = nsi_buf_put_u64le(out, have ? w->hashes[(size_t)d * 2] : 0)))
            rc = nsi_buf_put_u64le(out, have ? w->hashes[(size_t)d * 2 + 1] : 0);
    }
    for (int i = 0; i < w->ncols && !rc; i++) {
        wcol *c = &w->cols[order[i]];
        if ((rc = pad8(out)))
            break;
        size_t col_off = out->len;
        uint32_t meta[4];
        rc = c->type == NS_FIELD_KEYWORD || c->type == NS_FIELD_TEXT
                 ? build_kw(w, c, ndocs, out, meta)
                 : build_num(c, ndocs, out, meta);
        if (rc)
            break;
        uint8_t *e = out->data + table + (size_t)i * NSI_VALUES_ENTRY;
        nsi_put_u64le(e, col_off - start);
        nsi_put_u64le(e + 8, out->len - col_off);
        nsi_put_u32le(e + 16, meta[0]);
        nsi_put_u32le(e + 20, meta[1]);
        nsi_put_u32le(e + 24, meta[2]);
        nsi_put_u32le(e + 28, meta[3]);
    }
    return rc;
}

/* ---- reading (segment version 5) */

static int vcorrupt(const nsi_seg *s, char *err, size_t errlen, const char *what)
{
    return nsi_fail(err, errlen, NS_ECORRUPT, "%s: section VALUES: %s", s->path, what);
}

/* The column's expected length from its counts (0 when they overflow). */
static size_t col_size(int type, uint32_t ndocs, const uint32_t m[4])
{
    if (type == NS_FIELD_DATE || type == NS_FIELD_NUMBER)
        return ((size_t)ndocs + 63) / 64 * 8 + (size_t)ndocs * 8;
    return ((size_t)m[0] + 1) * 8 + ((size_t)ndocs + 1) * 4 + (size_t)m[1] * 4 + m[2] + m[3];
}

int nsi_values_open(nsi_seg *s, char *err, size_t errlen)
{
    const uint8_t *v = s->sec[NSI_SEC_VALUES].p;
    size_t len = s->sec[NSI_SEC_VALUES].len;
    if (len < NSI_VALUES_HEAD)
        return vcorrupt(s, err, errlen, "too short");
    int rc = nsi_seg_touch(s, v, NSI_VALUES_HEAD, err, errlen);
    if (rc)
        return rc;
    uint32_t nf = nsi_get_u32le(v), nd = nsi_get_u32le(v + 4), tlen = nsi_get_u32le(v + 8);
    if (nd != s->ndocs || nf > NSI_COLUMNS_MAX || nsi_get_u32le(v + 12) != 0 ||
        tlen < (size_t)nf * NSI_VALUES_ENTRY || tlen > len - NSI_VALUES_HEAD)
        return vcorrupt(s, err, errlen, "head malformed");
    if ((rc = nsi_seg_touch(s, v + NSI_VALUES_HEAD, tlen, err, errlen)))
        return rc;
    size_t hashes = (NSI_VALUES_HEAD + (size_t)tlen + 7) / 8 * 8;
    size_t pos = hashes + (size_t)nd * 16;
    if (hashes > len || pos > len)
        return vcorrupt(s, err, errlen, "fingerprints overrun the section");
    s->hashes = v + hashes;
    s->vcols = calloc(nf ? nf : 1, sizeof *s->vcols);
    if (!s->vcols)
        return nsi_fail(err, errlen, NS_ENOMEM, "%s: out of memory", s->path);
    const uint8_t *names = v + NSI_VALUES_HEAD + (size_t)nf * NSI_VALUES_ENTRY;
    size_t names_len = tlen - (size_t)nf * NSI_VALUES_ENTRY;
    for (uint32_t i = 0; i < nf; i++) {
        const uint8_t *e = v + NSI_VALUES_HEAD + (size_t)i * NSI_VALUES_ENTRY;
        nsi_vcol *c = &s->vcols[i];
        uint64_t off = nsi_get_u64le(e), clen = nsi_get_u64le(e + 8);
        uint32_t m[4] = {nsi_get_u32le(e + 16), nsi_get_u32le(e + 20), nsi_get_u32le(e + 24),
                         nsi_get_u32le(e + 28)};
        c->type = e[32];
        c->name_len = e[33];
        uint32_t noff = nsi_get_u32le(e + 36);
        char what[160];
        if (c->type < NS_FIELD_KEYWORD || c->type > NS_FIELD_TEXT || (e[34] | e[35]) ||
            noff > names_len || c->name_len > names_len - noff) {
            snprintf(what, sizeof what, "field %u: type or name malformed", i);
            return vcorrupt(s, err, errlen, what);
        }
        c->name = (const char *)names + noff;
        if (nsi_field_name_check(c->name, c->name_len, 1, NULL, 0) ||
            (i &&
             name_cmp(s->vcols[i - 1].name, s->vcols[i - 1].name_len, c->name, c->name_len) >= 0)) {
            snprintf(what, sizeof what, "field %u: bad name, or names not ascending", i);
            return vcorrupt(s, err, errlen, what);
        }
        int num = c->type == NS_FIELD_DATE || c->type == NS_FIELD_NUMBER;
        if (off < pos || off % 8 || off > len || clen > len - off ||
            clen != col_size(c->type, nd, m) || (num && (m[0] > nd || m[1] || m[2] || m[3]))) {
            snprintf(what, sizeof what, "field '%.*s': column malformed", (int)c->name_len,
                     c->name);
            return vcorrupt(s, err, errlen, what);
        }
        pos = off + clen;
        c->nvalues = m[0];
        c->nords = m[1];
        c->raw_len = m[2];
        c->fold_len = m[3];
        c->p = v + off;
        c->len = (size_t)clen;
        if (num) {
            c->present = c->p;
            c->vals = c->p + ((size_t)nd + 63) / 64 * 8;
        } else {
            c->raw_offs = c->p;
            c->fold_offs = c->raw_offs + ((size_t)c->nvalues + 1) * 4;
            c->doc_offs = c->fold_offs + ((size_t)c->nvalues + 1) * 4;
            c->ords = c->doc_offs + ((size_t)nd + 1) * 4;
            c->raw = c->ords + (size_t)c->nords * 4;
            c->fold = c->raw + c->raw_len;
        }
        s->nvcols = i + 1;
    }
    if (pos != len)
        return vcorrupt(s, err, errlen, "bytes after the last column");
    return NS_OK;
}

int nsi_values_nfields(const nsi_seg *s) { return (int)s->nvcols; }

void nsi_values_field(const nsi_seg *s, int col, const char **name, size_t *len, int *type)
{
    *name = s->vcols[col].name;
    *len = s->vcols[col].name_len;
    *type = s->vcols[col].type;
}

int nsi_values_col(const nsi_seg *s, const char *name, size_t len)
{
    size_t lo = 0, hi = s->nvcols;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = name_cmp(s->vcols[mid].name, s->vcols[mid].name_len, name, len);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int nsi_values_type(const nsi_seg *s, int col)
{
    return col >= 0 && (uint32_t)col < s->nvcols ? s->vcols[col].type : 0;
}

static const nsi_vcol *kwcol(const nsi_seg *s, int col)
{
    if (col < 0 || (uint32_t)col >= s->nvcols)
        return NULL;
    const nsi_vcol *c = &s->vcols[col];
    return c->type == NS_FIELD_KEYWORD || c->type == NS_FIELD_TEXT ? c : NULL;
}

uint32_t nsi_values_kw_count(const nsi_seg *s, int col)
{
    const nsi_vcol *c = kwcol(s, col);
    return c ? c->nvalues : 0;
}

/* Bytes [a, b) of a blob through its offsets array at entry i. */
static int blob_at(const nsi_seg *s, const nsi_vcol *c, const uint8_t *offs, const uint8_t *blob,
                   uint32_t blob_len, uint32_t i, const char **p, size_t *n, char *err,
                   size_t errlen)
{
    int rc = nsi_seg_touch(s, offs + (size_t)i * 4, 8, err, errlen);
    if (rc)
        return rc;
    uint32_t a = nsi_get_u32le(offs + (size_t)i * 4), b = nsi_get_u32le(offs + (size_t)i * 4 + 4);
    if (a > b || b > blob_len) {
        char what[160];
        snprintf(what, sizeof what, "field '%.*s': value %u: offsets out of order",
                 (int)c->name_len, c->name, i);
        return vcorrupt(s, err, errlen, what);
    }
    if ((rc = nsi_seg_touch(s, blob + a, b - a, err, errlen)))
        return rc;
    *p = (const char *)blob + a;
    *n = b - a;
    return NS_OK;
}

int nsi_values_kw_value(const nsi_seg *s, int col, uint32_t ord, const char **v, size_t *len,
                        const char **folded, size_t *flen, char *err, size_t errlen)
{
    const nsi_vcol *c = kwcol(s, col);
    if (!c || ord >= c->nvalues)
        return nsi_fail(err, errlen, NS_EINVAL, "%s: no value %u in field column %d", s->path, ord,
                        col);
    int rc = NS_OK;
    if (v)
        rc = blob_at(s, c, c->raw_offs, c->raw, c->raw_len, ord, v, len, err, errlen);
    if (!rc && folded)
        rc = blob_at(s, c, c->fold_offs, c->fold, c->fold_len, ord, folded, flen, err, errlen);
    return rc;
}

int nsi_values_kw_doc(const nsi_seg *s, int col, uint32_t doc, const uint8_t **ords, uint32_t *n,
                      char *err, size_t errlen)
{
    const nsi_vcol *c = kwcol(s, col);
    *n = 0;
    if (!c || doc >= s->ndocs)
        return nsi_fail(err, errlen, NS_EINVAL, "%s: no document %u in field column %d", s->path,
                        doc, col);
    const uint8_t *o = c->doc_offs + (size_t)doc * 4;
    int rc = nsi_seg_touch(s, o, 8, err, errlen);
    if (rc)
        return rc;
    uint32_t a = nsi_get_u32le(o), b = nsi_get_u32le(o + 4);
    if (a > b || b > c->nords)
        goto bad;
    if ((rc = nsi_seg_touch(s, c->ords + (size_t)a * 4, (size_t)(b - a) * 4, err, errlen)))
        return rc;
    for (uint32_t i = a; i < b; i++)
        if (nsi_values_ord(c->ords, i) >= c->nvalues)
            goto bad;
    *ords = c->ords + (size_t)a * 4;
    *n = b - a;
    return NS_OK;
bad:;
    char what[160];
    snprintf(what, sizeof what, "field '%.*s': values of document %u out of range",
             (int)c->name_len, c->name, doc);
    return vcorrupt(s, err, errlen, what);
}

int nsi_values_num(const nsi_seg *s, int col, uint32_t doc, int64_t *date, double *num, char *err,
                   size_t errlen)
{
    if (col < 0 || (uint32_t)col >= s->nvcols)
        return 0;
    const nsi_vcol *c = &s->vcols[col];
    if (c->type != NS_FIELD_DATE && c->type != NS_FIELD_NUMBER)
        return 0;
    if (doc >= s->ndocs)
        return nsi_fail(err, errlen, NS_EINVAL, "%s: no document %u", s->path, doc);
    int rc = nsi_seg_touch(s, c->present + doc / 8, 1, err, errlen);
    if (rc)
        return rc;
    if (!(c->present[doc / 8] >> (doc % 8) & 1))
        return 0;
    if ((rc = nsi_seg_touch(s, c->vals + (size_t)doc * 8, 8, err, errlen)))
        return rc;
    uint64_t bits = nsi_get_u64le(c->vals + (size_t)doc * 8);
    if (c->type == NS_FIELD_DATE) {
        if (date)
            *date = (int64_t)bits;
    } else if (num) {
        memcpy(num, &bits, sizeof *num);
    }
    return 1;
}

int nsi_values_num_column(const nsi_seg *s, int col, const uint8_t **present, const uint8_t **vals,
                          char *err, size_t errlen)
{
    if (col < 0 || (uint32_t)col >= s->nvcols ||
        (s->vcols[col].type != NS_FIELD_DATE && s->vcols[col].type != NS_FIELD_NUMBER))
        return nsi_fail(err, errlen, NS_EINVAL, "%s: column %d is no date or number column",
                        s->path, col);
    const nsi_vcol *c = &s->vcols[col];
    int rc = nsi_seg_touch(s, c->present, (s->ndocs + 7) / 8, err, errlen);
    if (!rc)
        rc = nsi_seg_touch(s, c->vals, (size_t)s->ndocs * 8, err, errlen);
    if (rc)
        return rc;
    *present = c->present;
    *vals = c->vals;
    return NS_OK;
}

int nsi_values_hashes(const nsi_seg *s, uint32_t doc, uint64_t *simhash, uint64_t *exact, char *err,
                      size_t errlen)
{
    if (!s->hashes)
        return nsi_fail(err, errlen, NS_ENOTFOUND,
                        "%s: no duplicate fingerprints (segment version %u)", s->path, s->version);
    if (doc >= s->ndocs)
        return nsi_fail(err, errlen, NS_EINVAL, "%s: no document %u", s->path, doc);
    const uint8_t *h = s->hashes + (size_t)doc * 16;
    int rc = nsi_seg_touch(s, h, 16, err, errlen);
    if (rc)
        return rc;
    *simhash = nsi_get_u64le(h);
    *exact = nsi_get_u64le(h + 8);
    return NS_OK;
}
