/* xfields.c — typed fields in a Xapian database (xfields.h): the schema in
 * the metadata, a document's field values checked and turned into terms and
 * values, and a hit's values read back. The checks and the content hash are
 * those of the native writer (index/write/writer.c), so both backends take
 * and refuse the same values with the same messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyzer.h"
#include "common/date.h"
#include "common/internal.h"
#include "common/number.h"
#include "format/codec.h"
#include "xfields.h"

/* ------------------------------------------------------------ schema */

static int by_name(const void *pa, const void *pb)
{
    const nsi_xfield *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

static int type_of_name(const char *s, size_t len)
{
    for (int t = NS_FIELD_KEYWORD; t <= NS_FIELD_TEXT; t++) {
        const char *n = nsi_field_type_name(t);
        if (strlen(n) == len && !memcmp(n, s, len))
            return t;
    }
    return 0;
}

void nsi_xschema_free(nsi_xschema *s)
{
    free(s->f);
    s->f = NULL;
    s->n = s->cap = 0;
}

int nsi_xschema_find(const nsi_xschema *s, const char *name, size_t len)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) { /* binary search over names in strcmp order */
        size_t mid = (lo + hi) / 2;
        size_t ml = s->f[mid].len;
        int c = memcmp(s->f[mid].name, name, ml < len ? ml : len);
        if (!c)
            c = (ml > len) - (ml < len);
        if (!c)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int push(nsi_xschema *s, const char *name, size_t len, int type, unsigned slot)
{
    if (s->n >= NSI_COLUMNS_MAX)
        return NS_ETOOBIG;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        nsi_xfield *f = realloc(s->f, cap * sizeof *f);
        if (!f)
            return NS_ENOMEM;
        s->f = f;
        s->cap = cap;
    }
    nsi_xfield *f = &s->f[s->n++];
    memcpy(f->name, name, len);
    f->name[len] = 0;
    f->len = len;
    f->type = type;
    f->slot = slot;
    qsort(s->f, s->n, sizeof *s->f, by_name);
    return NS_OK;
}

int nsi_xschema_add(nsi_xschema *s, const char *name, size_t len, int type)
{
    if (len == 0 || len > NSI_FIELD_NAME_MAX)
        return NS_EINVAL;
    return push(s, name, len, type, NSX_SLOT_FIELD0 + (unsigned)s->n);
}

int nsi_xschema_parse(const char *p, size_t len, nsi_xschema *out)
{
    out->n = 0;
    const char *end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *sp1 = memchr(p, ' ', (size_t)(le - p));
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(le - sp1 - 1)) : NULL;
        if (!sp2 || sp1 == p || (size_t)(sp1 - p) > NSI_FIELD_NAME_MAX)
            return NS_ECORRUPT;
        int type = type_of_name(sp1 + 1, (size_t)(sp2 - sp1 - 1));
        char num[16];
        size_t nlen = (size_t)(le - sp2 - 1);
        if (!type || nlen == 0 || nlen >= sizeof num)
            return NS_ECORRUPT;
        memcpy(num, sp2 + 1, nlen);
        num[nlen] = 0;
        char *e;
        unsigned long slot = strtoul(num, &e, 10);
        if (*e || slot < NSX_SLOT_FIELD0 || slot > 0xFFFFFFF0u ||
            nsi_xschema_find(out, p, (size_t)(sp1 - p)) >= 0)
            return NS_ECORRUPT;
        int rc = push(out, p, (size_t)(sp1 - p), type, (unsigned)slot);
        if (rc)
            return rc == NS_ETOOBIG ? NS_ECORRUPT : rc;
        p = nl ? nl + 1 : end;
    }
    return NS_OK;
}

int nsi_xschema_format(const nsi_xschema *s, nsi_buf *out)
{
    nsi_buf_reset(out);
    int rc = NS_OK;
    /* in slot order, the order they were first seen */
    for (unsigned want = NSX_SLOT_FIELD0, left = (unsigned)s->n; !rc && left; want++)
        for (size_t i = 0; i < s->n; i++)
            if (s->f[i].slot == want) {
                rc = nsi_buf_printf(out, "%s %s %u\n", s->f[i].name,
                                    nsi_field_type_name(s->f[i].type), s->f[i].slot);
                left--;
            }
    return rc;
}

/* ------------------------------------------------------------ terms */

int nsi_xfield_term(nsi_buf *out, int kind, const char *name, size_t nlen, const char *v,
                    size_t vlen)
{
    nsi_buf t = {0};
    int rc = nsi_field_term(&t, kind, name, nlen, v, vlen);
    nsi_buf_reset(out);
    /* 0x01|0x02 name 0x00 rest -> "XK"|"XT" name ':' rest */
    if (!rc)
        rc =
            nsi_buf_append(out, kind == NSI_TERM_KEYWORD ? NSX_KEYWORD_PREFIX : NSX_TEXT_PREFIX, 2);
    if (!rc)
        rc = nsi_buf_append(out, t.data + 1, nlen);
    if (!rc)
        rc = nsi_buf_putc(out, ':');
    if (!rc)
        rc = nsi_buf_append(out, t.data + 2 + nlen, t.len - 2 - nlen);
    nsi_buf_free(&t);
    return rc;
}

/* ------------------------------------------------------------ resolving */

static int same_name(const ns_field *a, const ns_field *b)
{
    return a->name_len == b->name_len && !memcmp(a->name, b->name, a->name_len);
}

static int type_for(const nsi_xschema *s, const ns_field *f, size_t i)
{
    int k = nsi_xschema_find(s, f[i].name, f[i].name_len);
    if (k >= 0)
        return s->f[k].type;
    for (size_t j = 0; j < i; j++)
        if (same_name(&f[j], &f[i]))
            return type_for(s, f, j);
    return f[i].type == NS_FIELD_AUTO ? NS_FIELD_KEYWORD : f[i].type;
}

static int cmp_val_names(const nsi_xfval *a, const nsi_xfval *b)
{
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

#define DOCID(d) (int)((d)->id_len > 200 ? 200 : (d)->id_len), (d)->id

int nsi_xfields_resolve(const nsi_xschema *s, const ns_doc *doc, const ns_field *f, size_t n,
                        nsi_xfvals *out, uint64_t *hash, char *err)
{
    if (out->cap < n + 1) {
        nsi_xfval *v = realloc(out->v, (n + 1) * sizeof *v);
        if (!v)
            return nsi_fail(err, NSI_ERRMSG, NS_ENOMEM, "out of memory");
        out->v = v;
        out->cap = n + 1;
    }
    size_t k = 0;
    int64_t secs;
    if (doc->date_len && nsi_date_parse(doc->date, doc->date_len, &secs) == NS_OK)
        out->v[k++] = (nsi_xfval){"date", 4, NS_FIELD_DATE, NULL, 0, (uint64_t)secs};
    for (size_t i = 0; i < n; i++) {
        char msg[NSI_ERRMSG];
        int shown = (int)(f[i].value_len > 100 ? 100 : f[i].value_len);
        const char *val = f[i].value ? f[i].value : "";
        if (nsi_field_name_check(f[i].name, f[i].name_len, 0, msg, sizeof msg))
            return nsi_fail(err, NSI_ERRMSG, NS_EINVAL, "document %.*s: %s", DOCID(doc), msg);
        int type = type_for(s, f, i);
        if (type < NS_FIELD_KEYWORD || type > NS_FIELD_TEXT)
            return nsi_fail(err, NSI_ERRMSG, NS_EINVAL,
                            "document %.*s: field '%.*s': unknown type %d", DOCID(doc),
                            (int)f[i].name_len, f[i].name, f[i].type);
        nsi_xfval *m = &out->v[k++];
        *m = (nsi_xfval){f[i].name, f[i].name_len, type, val, f[i].value_len, 0};
        if (type == NS_FIELD_DATE || type == NS_FIELD_NUMBER)
            for (size_t j = 0; j < i; j++)
                if (same_name(&f[j], &f[i]))
                    return nsi_fail(err, NSI_ERRMSG, NS_EINVAL,
                                    "document %.*s: field '%.*s': a second value '%.*s' (a %s "
                                    "field holds one value)",
                                    DOCID(doc), (int)f[i].name_len, f[i].name, shown, val,
                                    nsi_field_type_name(type));
        if (type == NS_FIELD_DATE) {
            if (nsi_date_parse(val, f[i].value_len, &secs))
                return nsi_fail(err, NSI_ERRMSG, NS_EINVAL,
                                "document %.*s: field '%.*s': cannot parse date '%.*s'", DOCID(doc),
                                (int)f[i].name_len, f[i].name, shown, val);
            m->bits = (uint64_t)secs;
        } else if (type == NS_FIELD_NUMBER) {
            double d;
            if (nsi_number_parse(val, f[i].value_len, &d))
                return nsi_fail(err, NSI_ERRMSG, NS_EINVAL,
                                "document %.*s: field '%.*s': '%.*s' is not a number", DOCID(doc),
                                (int)f[i].name_len, f[i].name, shown, val);
            memcpy(&m->bits, &d, sizeof d);
        } else if (f[i].value_len == 0 || f[i].value_len > NSI_FIELD_VALUE_MAX) {
            return nsi_fail(err, NSI_ERRMSG, NS_EINVAL,
                            "document %.*s: field '%.*s': a %s value must have 1 to %d bytes, "
                            "not %zu",
                            DOCID(doc), (int)f[i].name_len, f[i].name, nsi_field_type_name(type),
                            NSI_FIELD_VALUE_MAX, f[i].value_len);
        }
    }
    out->n = k;
    size_t first = k - n; /* after the built-in date: stable order by name */
    for (size_t i = first + 1; i < k; i++)
        for (size_t j = i; j > first && cmp_val_names(&out->v[j - 1], &out->v[j]) > 0; j--) {
            nsi_xfval t = out->v[j];
            out->v[j] = out->v[j - 1];
            out->v[j - 1] = t;
        }
    for (size_t i = first; i < k;) {
        size_t j = i;
        while (j < k && !cmp_val_names(&out->v[i], &out->v[j]))
            j++;
        *hash = nsi_fields_hash_head(*hash, out->v[i].name, out->v[i].name_len, out->v[i].type,
                                     (uint32_t)(j - i));
        for (; i < j; i++) {
            const nsi_xfval *m = &out->v[i];
            uint8_t b[8];
            nsi_put_u64le(b, m->bits);
            *hash = m->type == NS_FIELD_DATE || m->type == NS_FIELD_NUMBER
                        ? nsi_fields_hash_value(*hash, b, 8)
                        : nsi_fields_hash_value(*hash, m->value, m->value_len);
        }
    }
    return NS_OK;
}

/* ------------------------------------------------------------ a document */

typedef struct text_ctx {
    nsx_doc *d;
    nsi_buf term;
    const nsi_xfval *v;
    uint32_t next; /* the position after the last token */
    int rc;
} text_ctx;

static int add_text_token(void *vc, const nsi_token *t)
{
    text_ctx *c = vc;
    int rc =
        nsi_xfield_term(&c->term, NSI_TERM_TEXT, c->v->name, c->v->name_len, t->term, t->term_len);
    if (!rc)
        rc = nsx_doc_add_posting(c->d, (const char *)c->term.data, c->term.len, t->pos + 1, 1);
    c->next = t->pos + 1;
    return c->rc = rc;
}

typedef struct kwv {
    const char *v;
    size_t len;
    size_t foff, flen; /* folded key in the fold buffer */
} kwv;

static _Thread_local const nsi_buf *sort_fold; /* qsort has no context */

static int by_fold(const void *pa, const void *pb)
{
    const kwv *a = pa, *b = pb;
    size_t n = a->flen < b->flen ? a->flen : b->flen;
    int c = memcmp(sort_fold->data + a->foff, sort_fold->data + b->foff, n);
    if (!c)
        c = (a->flen > b->flen) - (a->flen < b->flen);
    return c;
}

/* A keyword field's facet slot: its distinct values by folded key. */
static int facet_list(nsx_doc *d, unsigned slot, const nsi_xfval *v, size_t n, nsi_buf *out)
{
    kwv *k = malloc(n * sizeof *k);
    nsi_buf fold = {0};
    int rc = k ? NS_OK : NS_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        k[i] = (kwv){v[i].value, v[i].value_len, fold.len, 0};
        rc = nsi_field_fold(v[i].value, v[i].value_len, &fold);
        k[i].flen = fold.len - k[i].foff;
    }
    if (!rc) {
        sort_fold = &fold;
        /* stable: equal keys keep the first value given */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && by_fold(&k[j - 1], &k[j]) > 0; j--) {
                kwv t = k[j];
                k[j] = k[j - 1];
                k[j - 1] = t;
            }
        nsi_buf_reset(out);
        for (size_t i = 0; !rc && i < n; i++) {
            if (i && !by_fold(&k[i - 1], &k[i]))
                continue;
            if (!(rc = nsi_buf_put_varint(out, k[i].len)))
                rc = nsi_buf_append(out, k[i].v, k[i].len);
        }
        sort_fold = NULL;
    }
    if (!rc)
        rc = nsx_doc_set_value(d, slot, out->data, out->len);
    free(k);
    nsi_buf_free(&fold);
    return rc;
}

int nsi_xfields_add(nsx_doc *d, const nsi_xschema *s, const nsi_xfvals *vals, void *an,
                    nsi_buf *scratch)
{
    nsi_buf typed = {0}, term = {0};
    int rc = NS_OK;
    const nsi_xfval *v = vals->v;
    size_t n = vals->n;
    /* value 3: every value, fields in name order (the built-in date among them) */
    size_t *order = malloc((n + 1) * sizeof *order);
    if (!order)
        return NS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        order[i] = i;
        while (j > 0 && cmp_val_names(&v[order[j - 1]], &v[order[j]]) > 0) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
            j--;
        }
    }
    for (size_t oi = 0; !rc && oi < n; oi++) {
        const nsi_xfval *x = &v[order[oi]];
        if ((rc = nsi_buf_put_varint(&typed, x->name_len)) ||
            (rc = nsi_buf_append(&typed, x->name, x->name_len)) ||
            (rc = nsi_buf_putc(&typed, (uint8_t)x->type)))
            break;
        if (x->type == NS_FIELD_DATE || x->type == NS_FIELD_NUMBER) {
            uint8_t b[8];
            nsi_put_u64le(b, x->bits);
            rc = nsi_buf_append(&typed, b, 8);
        } else if (!(rc = nsi_buf_put_varint(&typed, x->value_len))) {
            rc = nsi_buf_append(&typed, x->value, x->value_len);
        }
    }
    free(order);
    if (!rc && n)
        rc = nsx_doc_set_value(d, NSX_SLOT_TYPED, typed.data, typed.len);
    /* per field (values of one field are neighbours: resolved in name order) */
    for (size_t i = 0; !rc && i < n;) {
        size_t j = i;
        while (j < n && !cmp_val_names(&v[i], &v[j]))
            j++;
        int k = nsi_xschema_find(s, v[i].name, v[i].name_len);
        if (k < 0) {
            rc = NS_EINVAL;
            break;
        }
        unsigned slot = s->f[k].slot;
        if (v[i].type == NS_FIELD_DATE || v[i].type == NS_FIELD_NUMBER) {
            double x;
            if (v[i].type == NS_FIELD_DATE)
                x = (double)(int64_t)v[i].bits;
            else
                memcpy(&x, &v[i].bits, sizeof x);
            char b[16];
            size_t bl = nsx_sortable(x, b);
            rc = nsx_doc_set_value(d, slot, b, bl);
        } else if (v[i].type == NS_FIELD_KEYWORD) {
            for (size_t m = i; !rc && m < j; m++)
                if (!(rc = nsi_xfield_term(&term, NSI_TERM_KEYWORD, v[m].name, v[m].name_len,
                                           v[m].value, v[m].value_len)))
                    rc = nsx_doc_add_boolean(d, (const char *)term.data, term.len);
            if (!rc)
                rc = facet_list(d, slot, v + i, j - i, scratch);
        } else {
            text_ctx c = {.d = d, .rc = NS_OK};
            for (size_t m = i; !rc && m < j; m++) {
                c.v = &v[m];
                uint32_t base = m > i ? c.next + 1 : 0; /* no phrase spans two values */
                c.next = base;
                rc = nsi_analyze(an, v[m].value, v[m].value_len, base, 0, add_text_token, &c, NULL);
                if (rc)
                    rc = c.rc ? c.rc : rc;
            }
            nsi_buf_free(&c.term);
        }
        i = j;
    }
    nsi_buf_free(&typed);
    nsi_buf_free(&term);
    return rc;
}

/* ------------------------------------------------------------ reading */

int nsi_xfields_decode(const char *s, size_t len, nsi_xfval_fn fn, void *ctx)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        uint64_t nl, tl;
        if (nsi_varint_get(&p, end, &nl) || nl > (uint64_t)(end - p) || nl == 0 ||
            nl > NSI_FIELD_NAME_MAX)
            return NS_ECORRUPT;
        const char *name = (const char *)p;
        p += nl;
        if (p >= end)
            return NS_ECORRUPT;
        int type = *p++;
        int rc;
        if (type == NS_FIELD_DATE || type == NS_FIELD_NUMBER) {
            if (end - p < 8)
                return NS_ECORRUPT;
            rc = fn(ctx, name, (size_t)nl, type, NULL, 0, nsi_get_u64le(p));
            p += 8;
        } else if (type == NS_FIELD_KEYWORD || type == NS_FIELD_TEXT) {
            if (nsi_varint_get(&p, end, &tl) || tl > (uint64_t)(end - p))
                return NS_ECORRUPT;
            rc = fn(ctx, name, (size_t)nl, type, (const char *)p, (size_t)tl, 0);
            p += tl;
        } else {
            return NS_ECORRUPT;
        }
        if (rc)
            return rc;
    }
    return NS_OK;
}

int nsi_xfields_list(const char *s, size_t len, int (*fn)(void *ctx, const char *v, size_t len),
                     void *ctx)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        uint64_t l;
        if (nsi_varint_get(&p, end, &l) || l > (uint64_t)(end - p))
            return NS_ECORRUPT;
        int rc = fn(ctx, (const char *)p, (size_t)l);
        if (rc)
            return rc;
        p += l;
    }
    return NS_OK;
}
