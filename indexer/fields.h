/* fields.h — the typed fields nindex gives a document (docs/fields.md,
 * "Inputs"): a growable list of values, how a value is checked against its
 * field's type, and how the type of a field seen for the first time is
 * inferred. Pure (no I/O, no printing, no writer), so unit tests drive it. */
#ifndef NI_FIELDS_H
#define NI_FIELDS_H

#include <stddef.h>

#include "buf.h"
#include "nsearch.h"

/* Longest keyword or text value the library takes (docs/fields.md, "Names"). */
#define NI_FIELD_VALUE_MAX 65535u
/* Strings longer than this, or with line breaks or several sentences, are
 * inferred as text rather than keyword. */
#define NI_KEYWORD_INFER_MAX 128u

/* One document's field values. Names and values are copied into bytes;
 * ni_fields_view gives them as ns_field. Zero-initialise; reset per document;
 * free once. */
typedef struct ni_field_ref {
    size_t name_off, name_len, value_off, value_len;
    int type;
} ni_field_ref;

typedef struct ni_fields {
    ni_field_ref *refs;
    ns_field *view;
    size_t n, cap;
    nsi_buf bytes;
} ni_fields;

void ni_fields_reset(ni_fields *f);
void ni_fields_free(ni_fields *f);
/* Appends one value (copied). NS_OK or NS_ENOMEM. */
int ni_fields_add(ni_fields *f, const char *name, size_t name_len, const char *value,
                  size_t value_len, int type);
/* The values as ns_field, valid until the next add, reset or free. */
const ns_field *ni_fields_view(ni_fields *f);

/* The type of a field as the index (and this run) knows it, or 0 when the
 * field is new: a writer lookup, or a table in tests. */
typedef int (*ni_field_type_fn)(void *ctx, const char *name, size_t len);

/* Called for every value dropped because it does not fit: the field and why
 * ("cannot parse date '31-MAR-1987 605:12:19.12'"). */
typedef void (*ni_field_drop_fn)(void *ctx, const char *name, const char *why);

/* Drops the values that do not fit their field's type (type_of, else the
 * value's own type), and second values of a date or number field, passing
 * each to drop; the others keep their order and get the known type. */
void ni_fields_check(ni_fields *f, ni_field_type_fn type_of, void *tctx, ni_field_drop_fn drop,
                     void *dctx);

/* Whether name can be a field: 1..64 bytes of [A-Za-z][A-Za-z0-9_.-]*, not
 * one of the reserved names (id title body url date meta). */
int ni_field_name_ok(const char *name, size_t len);

/* Whether name looks like a date's ("date", "published", "updated_at",
 * "pubDate", ...): only such fields are inferred as dates. */
int ni_field_name_datelike(const char *name, size_t len);

/* Whether a string value reads as running text (longer than
 * NI_KEYWORD_INFER_MAX, a line break, or two sentences) rather than a keyword. */
int ni_field_value_textlike(const char *v, size_t len);

/* Whether v is a finite decimal number ("12", "-3.5", "1e6"; no hex, inf,
 * nan or white space). */
int ni_field_number_ok(const char *v, size_t len);

/* Whether value fits type; when not, why (why_len bytes) says so, naming the
 * value ("cannot parse date 'x'", "'x' is not a number"). */
int ni_field_value_ok(int type, const char *v, size_t len, char *why, size_t why_len);

/* "keyword", "date", "number", "text" → NS_FIELD_*, else 0. */
int ni_field_type_parse(const char *s, size_t len);
const char *ni_field_type_name(int type);

/* ---------------------------------------------------------- JSON lines */

struct ni_jsonl_record;

/* The fields of a parsed JSON-lines record (docs/fields.md, "Inputs"): every
 * member but id, title, body, url and date whose name can be a field. A
 * member of a known type (type_of) gives values of that type; a new one's
 * type is inferred from the member. Values that do not fit are dropped and
 * passed to drop. The record's date is checked too: one ns_date_parse refuses
 * is dropped (rec->doc.date cleared) and passed to drop as field "date".
 * Every member also stays in the record's meta. NS_OK or NS_ENOMEM. */
int ni_jsonl_fields(struct ni_jsonl_record *rec, ni_field_type_fn type_of, void *tctx,
                    ni_fields *out, ni_field_drop_fn drop, void *dctx);

#endif
