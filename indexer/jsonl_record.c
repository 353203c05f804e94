/* jsonl_record.c — one JSON-lines record to a document's fields.
 *
 * Pure: no I/O, no printing, so unit tests can drive it (see input.h). The
 * file loop that feeds it lives in input_jsonl.c. */
#include <json-c/json.h>
#include <json-c/json_object_iterator.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "input.h"

#define NI_JSON_DEPTH 64

struct json_tokener *ni_jsonl_tokener(void)
{
    json_tokener *tok = json_tokener_new_ex(NI_JSON_DEPTH);
    if (tok)
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    return tok;
}

void ni_jsonl_record_clear(ni_jsonl_record *rec)
{
    json_object_put(rec->obj);
    rec->obj = NULL;
    nsi_buf_reset(&rec->meta);
    memset(&rec->doc, 0, sizeof rec->doc);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* A scalar field's text: strings as they are, numbers and booleans as written,
 * null as absent. Returns 0 for objects and arrays. */
static int field_text(json_object *v, const char **s, size_t *n)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        *s = NULL;
        *n = 0;
        return 1;
    case json_type_string:
        *s = json_object_get_string(v);
        *n = (size_t)json_object_get_string_len(v);
        return 1;
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
        *s = json_object_get_string(v);
        *n = strlen(*s);
        return 1;
    default:
        return 0;
    }
}

static const char *type_name(json_object *v) { return json_type_to_name(json_object_get_type(v)); }

/* Sets the id from v; only non-empty strings and numbers identify. */
static int take_id(json_object *v, ns_doc *doc)
{
    json_type t = json_object_get_type(v);
    if (t != json_type_string && t != json_type_int && t != json_type_double)
        return 0;
    field_text(v, &doc->id, &doc->id_len);
    return doc->id_len > 0;
}

/* Files the field (key, v) into the document or, for unknown keys, into
 * meta (created on first use). Returns 0 with why set if v is unusable. */
static int take_field(ni_jsonl_record *rec, const char *key, json_object *v, json_object **meta,
                      char *why, size_t why_len)
{
    static const char *const names[] = {"title", "body", "url", "date"};
    const char **dst[] = {&rec->doc.title, &rec->doc.body, &rec->doc.url, &rec->doc.date};
    size_t *dst_len[] = {&rec->doc.title_len, &rec->doc.body_len, &rec->doc.url_len,
                         &rec->doc.date_len};
    if (!strcmp(key, "id")) {
        if (take_id(v, &rec->doc)) {
            if (!memchr(rec->doc.id, 0, rec->doc.id_len))
                return 1;
            snprintf(why, why_len, "\"id\" holds a NUL character (\\u0000), which no id may");
            return 0;
        }
        snprintf(why, why_len, "\"id\" must be a non-empty string or a number, not %s",
                 json_object_get_type(v) == json_type_string ? "an empty string" : type_name(v));
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (strcmp(key, names[i]))
            continue;
        if (field_text(v, dst[i], dst_len[i]))
            return 1;
        snprintf(why, why_len, "\"%s\" must be a string, not an %s", key, type_name(v));
        return 0;
    }
    if (!*meta && !(*meta = json_object_new_object()))
        return 0;
    return json_object_object_add(*meta, key, json_object_get(v)) == 0;
}

static enum ni_jsonl_result fill_fields(ni_jsonl_record *rec, char *why, size_t why_len)
{
    json_object *meta = NULL;
    struct json_object_iterator it = json_object_iter_begin(rec->obj);
    struct json_object_iterator end = json_object_iter_end(rec->obj);
    enum ni_jsonl_result res = NI_JSONL_OK;
    why[0] = '\0';
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        if (!take_field(rec, json_object_iter_peek_name(&it), json_object_iter_peek_value(&it),
                        &meta, why, why_len)) {
            res = why[0] ? NI_JSONL_INVALID : NI_JSONL_NOMEM;
            break;
        }
    }
    if (res == NI_JSONL_OK && !rec->doc.id_len) {
        snprintf(why, why_len, "missing \"id\"");
        res = NI_JSONL_INVALID;
    }
    if (res == NI_JSONL_OK && meta) {
        size_t n;
        const char *text = json_object_to_json_string_length(
            meta, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        rec->meta.limit = NI_LINE_MAX;
        if (!text || nsi_buf_append(&rec->meta, text, n) != NS_OK)
            res = NI_JSONL_NOMEM;
        rec->doc.meta = rec->meta.str;
        rec->doc.meta_len = rec->meta.len;
    }
    json_object_put(meta);
    return res;
}

enum ni_jsonl_result ni_jsonl_parse(struct json_tokener *tok, const char *line, size_t len,
                                    ni_jsonl_record *rec, char *why, size_t why_len)
{
    size_t lead = 0;
    while (lead < len && is_ws(line[lead]))
        lead++;
    while (len > lead && is_ws(line[len - 1]))
        len--;
    if (len == lead)
        return NI_JSONL_BLANK;
    if (len - lead > INT_MAX) {
        snprintf(why, why_len, "line longer than %d bytes", INT_MAX);
        return NI_JSONL_MALFORMED;
    }
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, line + lead, (int)(len - lead));
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t col = lead + json_tokener_get_parse_end(tok) + 1;
    if (!o) {
        if (err == json_tokener_continue)
            snprintf(why, why_len, "unexpected end of line");
        else
            snprintf(why, why_len, "%s at column %zu", json_tokener_error_desc(err), col);
        return NI_JSONL_MALFORMED;
    }
    if (col <= len) {
        snprintf(why, why_len, "unexpected text after the object at column %zu", col);
        json_object_put(o);
        return NI_JSONL_MALFORMED;
    }
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(why, why_len, "expected an object, found %s %s",
                 json_object_is_type(o, json_type_array) ? "an" : "a", type_name(o));
        json_object_put(o);
        return NI_JSONL_MALFORMED;
    }
    rec->obj = o;
    return fill_fields(rec, why, why_len);
}
