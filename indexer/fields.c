/* fields.c — a document's typed fields as nindex builds them (fields.h).
 *
 * The library checks every value again and fails a whole put on one that
 * does not fit; nindex checks first, so that a bad value costs only itself:
 * it is reported with its input and line and dropped, the document indexed.
 * Inference (docs/fields.md, "Inputs") looks at the first value a field ever
 * gets; from then on the index knows the type and later values must fit it. */
#include <json-c/json.h>
#include <json-c/json_object_iterator.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "input.h"

void ni_fields_reset(ni_fields *f)
{
    f->n = 0;
    nsi_buf_reset(&f->bytes);
}

void ni_fields_free(ni_fields *f)
{
    free(f->refs);
    free(f->view);
    nsi_buf_free(&f->bytes);
    memset(f, 0, sizeof *f);
}

int ni_fields_add(ni_fields *f, const char *name, size_t name_len, const char *value,
                  size_t value_len, int type)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        ni_field_ref *refs = realloc(f->refs, cap * sizeof *refs);
        if (!refs)
            return NS_ENOMEM;
        f->refs = refs;
        ns_field *view = realloc(f->view, cap * sizeof *view);
        if (!view)
            return NS_ENOMEM;
        f->view = view;
        f->cap = cap;
    }
    ni_field_ref *r = &f->refs[f->n];
    r->name_off = f->bytes.len;
    r->name_len = name_len;
    int st = nsi_buf_append(&f->bytes, name, name_len);
    r->value_off = f->bytes.len;
    r->value_len = value_len;
    if (st == NS_OK && value_len)
        st = nsi_buf_append(&f->bytes, value, value_len);
    if (st != NS_OK)
        return st;
    r->type = type;
    f->n++;
    return NS_OK;
}

const ns_field *ni_fields_view(ni_fields *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const ni_field_ref *r = &f->refs[i];
        f->view[i] = (ns_field){f->bytes.str + r->name_off, r->name_len,
                                f->bytes.str + r->value_off, r->value_len, r->type};
    }
    return f->n ? f->view : NULL;
}

void ni_fields_check(ni_fields *f, ni_field_type_fn type_of, void *tctx, ni_field_drop_fn drop,
                     void *dctx)
{
    size_t kept = 0;
    for (size_t i = 0; i < f->n; i++) {
        ni_field_ref *r = &f->refs[i];
        const char *name = f->bytes.str + r->name_off, *value = f->bytes.str + r->value_off;
        int type = type_of ? type_of(tctx, name, r->name_len) : 0;
        char why[512];
        int ok = 1;
        if (!type)
            type = r->type;
        if (!ni_field_value_ok(type, value, r->value_len, why, sizeof why))
            ok = 0;
        for (size_t j = 0; ok && j < kept && (type == NS_FIELD_DATE || type == NS_FIELD_NUMBER);
             j++)
            if (f->refs[j].name_len == r->name_len &&
                !memcmp(f->bytes.str + f->refs[j].name_off, name, r->name_len)) {
                snprintf(why, sizeof why, "a %s field takes one value; '%.*s' is a second",
                         ni_field_type_name(type), (int)(r->value_len > 80 ? 80 : r->value_len),
                         value);
                ok = 0;
            }
        if (!ok) {
            if (drop) {
                char n[72];
                snprintf(n, sizeof n, "%.*s", (int)r->name_len, name);
                drop(dctx, n, why);
            }
            continue;
        }
        r->type = type;
        f->refs[kept++] = *r;
    }
    f->n = kept;
}

/* ------------------------------------------------------------ checks */

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

int ni_field_name_ok(const char *name, size_t len)
{
    static const char *const reserved[] = {"id", "title", "body", "url", "date", "meta"};
    if (len < 1 || len > 64 || !is_alpha((unsigned char)name[0]))
        return 0;
    for (size_t i = 1; i < len; i++) {
        int c = (unsigned char)name[i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '-')
            return 0;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (strlen(reserved[i]) == len && !memcmp(name, reserved[i], len))
            return 0;
    return 1;
}

static int lower_eq(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != word[i])
            return 0;
    }
    return 1;
}

int ni_field_name_datelike(const char *name, size_t len)
{
    static const char *const whole[] = {"time",    "timestamp", "datetime", "published",
                                        "updated", "created",   "modified", "issued",
                                        "pubdate", "mtime",     "ctime"};
    static const char *const endings[] = {"date", "_at", "_time", "-time", "_on", "time"};
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        if (lower_eq(name, len, whole[i]))
            return 1;
    for (size_t i = 0; i < sizeof endings / sizeof *endings; i++) {
        size_t n = strlen(endings[i]);
        if (len > n && lower_eq(name + len - n, n, endings[i]))
            return 1;
    }
    return 0;
}

int ni_field_value_textlike(const char *v, size_t len)
{
    if (len > NI_KEYWORD_INFER_MAX || memchr(v, '\n', len) || memchr(v, '\r', len))
        return 1;
    /* two sentence ends: ". " (or ! ?) before a capital letter */
    int breaks = 0;
    for (size_t i = 0; i + 2 < len; i++)
        if ((v[i] == '.' || v[i] == '!' || v[i] == '?') && v[i + 1] == ' ' && v[i + 2] >= 'A' &&
            v[i + 2] <= 'Z')
            breaks++;
    return breaks >= 2;
}

int ni_field_number_ok(const char *v, size_t len)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf || strspn(v, "0123456789+-.eE") < len)
        return 0;
    memcpy(buf, v, len);
    buf[len] = '\0';
    char *end;
    double d = strtod(buf, &end);
    return end == buf + len && isfinite(d) &&
           (is_digit(buf[0]) || buf[0] == '-' || buf[0] == '+' || buf[0] == '.');
}

/* The value as shown in a message: cut at 80 bytes. */
static void quote(const char *v, size_t len, char *out, size_t out_len)
{
    int n = len > 80 ? 80 : (int)len;
    snprintf(out, out_len, "'%.*s%s'", n, v, len > 80 ? "..." : "");
}

int ni_field_value_ok(int type, const char *v, size_t len, char *why, size_t why_len)
{
    char q[128];
    int64_t secs;
    quote(v, len, q, sizeof q);
    switch (type) {
    case NS_FIELD_DATE:
        if (ns_date_parse(v, len, &secs) == NS_OK)
            return 1;
        snprintf(why, why_len, "cannot parse date %s", q);
        return 0;
    case NS_FIELD_NUMBER:
        if (ni_field_number_ok(v, len))
            return 1;
        snprintf(why, why_len, "%s is not a number", q);
        return 0;
    default:
        if (len <= NI_FIELD_VALUE_MAX)
            return 1;
        snprintf(why, why_len, "value of %zu bytes, longer than %u, dropped: %s", len,
                 NI_FIELD_VALUE_MAX, q);
        return 0;
    }
}

int ni_field_type_parse(const char *s, size_t len)
{
    for (int t = NS_FIELD_KEYWORD; t <= NS_FIELD_TEXT; t++)
        if (lower_eq(s, len, ni_field_type_name(t)))
            return t;
    return 0;
}

const char *ni_field_type_name(int type)
{
    return type == NS_FIELD_AUTO ? "auto" : ns_field_type_name(type);
}

/* ---------------------------------------------------------- JSON lines */

typedef struct mapping {
    const char *name;
    size_t name_len;
    int type; /* known or inferred */
    ni_fields *out;
    ni_field_drop_fn drop;
    void *dctx;
} mapping;

static int is_scalar(json_object *v)
{
    json_type t = json_object_get_type(v);
    return t == json_type_string || t == json_type_int || t == json_type_double ||
           t == json_type_boolean;
}

static const char *json_text(json_object *v, size_t *len)
{
    const char *s = json_object_get_string(v);
    *len = json_object_is_type(v, json_type_string) ? (size_t)json_object_get_string_len(v)
                                                    : strlen(s);
    return s;
}

static void drop(mapping *m, const char *why)
{
    if (m->drop)
        m->drop(m->dctx, m->name, why);
}

/* One scalar value of the field: checked against its type, then added. */
static int one_value(mapping *m, json_object *v)
{
    size_t len;
    const char *s = json_text(v, &len);
    char why[512];
    if (len == 0)
        return NS_OK; /* "" is no value, whatever the field's type */
    if (m->type == NS_FIELD_DATE && !json_object_is_type(v, json_type_string)) {
        char q[128];
        quote(s, len, q, sizeof q);
        snprintf(why, sizeof why, "cannot parse date %s (a date is a string)", q);
        drop(m, why);
        return NS_OK;
    }
    if (m->type == NS_FIELD_NUMBER && json_object_is_type(v, json_type_boolean)) {
        snprintf(why, sizeof why, "'%s' is not a number", s);
        drop(m, why);
        return NS_OK;
    }
    if (!ni_field_value_ok(m->type, s, len, why, sizeof why)) {
        drop(m, why);
        return NS_OK;
    }
    return ni_fields_add(m->out, m->name, m->name_len, s, len, m->type);
}

/* The type a field seen for the first time gets from its value (v not null,
 * not an object); 0 when it gives none (an empty list or string, a list of
 * objects): the field waits for a later value. */
static int infer(const char *name, size_t name_len, json_object *v)
{
    json_type t = json_object_get_type(v);
    if (t == json_type_int || t == json_type_double)
        return NS_FIELD_NUMBER;
    if (t == json_type_boolean)
        return NS_FIELD_KEYWORD;
    if (t == json_type_string) {
        size_t len = (size_t)json_object_get_string_len(v);
        const char *s = json_object_get_string(v);
        int64_t secs;
        if (len == 0)
            return 0;
        if (ni_field_name_datelike(name, name_len) && ns_date_parse(s, len, &secs) == NS_OK)
            return NS_FIELD_DATE;
        return ni_field_value_textlike(s, len) ? NS_FIELD_TEXT : NS_FIELD_KEYWORD;
    }
    if (t == json_type_array) { /* a list: keyword values (text if they read as text) */
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (!e)
                continue;
            if (!is_scalar(e))
                return 0;
            size_t len;
            const char *s = json_text(e, &len);
            if (len)
                return json_object_is_type(e, json_type_string) && ni_field_value_textlike(s, len)
                           ? NS_FIELD_TEXT
                           : NS_FIELD_KEYWORD;
        }
    }
    return 0;
}

static int one_member(mapping *m, json_object *v)
{
    json_type t = json_object_get_type(v);
    if (t == json_type_null)
        return NS_OK;
    char why[128];
    if (t == json_type_object) {
        snprintf(why, sizeof why, "an object is not a %s value", ni_field_type_name(m->type));
        drop(m, why);
        return NS_OK;
    }
    if (t != json_type_array)
        return one_value(m, v);
    size_t n = json_object_array_length(v), scalars = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (e && !is_scalar(e)) {
            snprintf(why, sizeof why, "a list of %s is not a field's values",
                     json_object_is_type(e, json_type_array) ? "lists" : "objects");
            drop(m, why);
            return NS_OK;
        }
        scalars += e != NULL;
    }
    if ((m->type == NS_FIELD_DATE || m->type == NS_FIELD_NUMBER) && scalars > 1) {
        snprintf(why, sizeof why, "a %s field takes one value, not a list of %zu",
                 ni_field_type_name(m->type), scalars);
        drop(m, why);
        return NS_OK;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        int st = e ? one_value(m, e) : NS_OK;
        if (st != NS_OK)
            return st;
    }
    return NS_OK;
}

int ni_jsonl_fields(ni_jsonl_record *rec, ni_field_type_fn type_of, void *tctx, ni_fields *out,
                    ni_field_drop_fn drop_fn, void *dctx)
{
    int64_t secs;
    if (rec->doc.date_len && ns_date_parse(rec->doc.date, rec->doc.date_len, &secs) != NS_OK) {
        char q[128], why[256];
        quote(rec->doc.date, rec->doc.date_len, q, sizeof q);
        snprintf(why, sizeof why, "cannot parse date %s", q);
        if (drop_fn)
            drop_fn(dctx, "date", why);
        rec->doc.date = NULL;
        rec->doc.date_len = 0;
    }
    struct json_object_iterator it = json_object_iter_begin(rec->obj);
    struct json_object_iterator end = json_object_iter_end(rec->obj);
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *name = json_object_iter_peek_name(&it);
        size_t name_len = strlen(name);
        if (!ni_field_name_ok(name, name_len))
            continue; /* a built-in field, or a name no field can have: meta only */
        json_object *v = json_object_iter_peek_value(&it);
        mapping m = {name, name_len, type_of ? type_of(tctx, name, name_len) : 0,
                     out,  drop_fn,  dctx};
        json_type t = json_object_get_type(v);
        if (!m.type && (t == json_type_null || t == json_type_object || /* meta only */
                        !(m.type = infer(name, name_len, v))))
            continue;
        int st = one_member(&m, v);
        if (st != NS_OK)
            return st;
    }
    return NS_OK;
}
