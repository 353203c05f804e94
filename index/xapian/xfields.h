/* xfields.h — typed fields in a Xapian database (internal): the schema kept
 * in the database's metadata, the terms and values a document's fields
 * become, and what a hit or a facet reads back (docs/xapian.md, "Typed
 * fields").
 *
 * Layout of a document's fields (slots beside those of xinternal.h):
 *   keyword value   boolean term "XK" name ":" folded value (the folded key
 *                   of docs/fields.md; a long one ends in '\xff' and a hash,
 *                   as natively: nsi_field_term)
 *   text value      "XT" name ":" token, with positions (a value's positions
 *                   follow the previous value's with a gap of one), wdf 1
 *   date, number    the field's slot: Xapian::sortable_serialise(seconds or
 *                   the number), for value ranges and sorting
 *   keyword field   the field's slot: the document's distinct values (by
 *                   folded key, in folded-key order), each varint(len) bytes
 *                   as given: what a ValueCountMatchSpy counts for facets
 *   value 3         every value of every field, for a hit's "fields": per
 *                   value varint(name len) name, type byte, then varint(len)
 *                   bytes (keyword, text) or 8 bytes little-endian (date:
 *                   seconds; number: IEEE 754 bits); fields in name order
 *   value 4         the exact hash (8 bytes big-endian): the collapse key
 *   value 5         the SimHash (8 bytes little-endian)
 *   value 6         never set: with dedup a match spy on it counts every
 *                   match (Xapian's count of uncollapsed matches is an
 *                   estimate)
 * Metadata nsearch.fields: one line per field, "NAME TYPE SLOT" (TYPE a
 * type name), in the order the fields were first seen; field i has slot
 * NSX_SLOT_FIELD0 + i. */
#ifndef NSI_XFIELDS_H
#define NSI_XFIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "format/values.h"
#include "nsearch.h"
#include "nsx.h"

#define NSX_SLOT_TYPED 3
#define NSX_SLOT_EXACT 4
#define NSX_SLOT_SIMHASH 5
#define NSX_SLOT_NONE 6 /* never set: a match spy on it only counts matches */
#define NSX_SLOT_FIELD0 16
#define NSX_META_FIELDS "nsearch.fields"
#define NSX_KEYWORD_PREFIX "XK"
#define NSX_TEXT_PREFIX "XT"

typedef struct nsi_xfield {
    char name[NSI_FIELD_NAME_MAX + 1];
    size_t len;
    int type;
    unsigned slot;
} nsi_xfield;

/* The fields of a database, in name order. */
typedef struct nsi_xschema {
    nsi_xfield *f;
    size_t n, cap;
} nsi_xschema;

/* Reads the metadata text s[0..len) into out (emptied first). NS_ECORRUPT
 * for a line it cannot read. */
int nsi_xschema_parse(const char *s, size_t len, nsi_xschema *out);
/* The metadata text of s (fields in slot order) into out (reset first). */
int nsi_xschema_format(const nsi_xschema *s, nsi_buf *out);
/* Index of name in s, or -1. */
int nsi_xschema_find(const nsi_xschema *s, const char *name, size_t len);
/* Adds name with type and the next slot. NS_ETOOBIG past NSI_COLUMNS_MAX. */
int nsi_xschema_add(nsi_xschema *s, const char *name, size_t len, int type);
void nsi_xschema_free(nsi_xschema *s);

/* The term of a keyword value or of a text field's token ("XK"/"XT" name
 * ':' ...) into out (reset first). kind: NSI_TERM_KEYWORD or _TEXT. */
int nsi_xfield_term(nsi_buf *out, int kind, const char *name, size_t nlen, const char *v,
                    size_t vlen);

/* One resolved value of a document (the built-in date first). */
typedef struct nsi_xfval {
    const char *name;
    size_t name_len;
    int type;
    const char *value; /* keyword, text */
    size_t value_len;
    uint64_t bits; /* date: seconds; number: IEEE 754 bits */
} nsi_xfval;

typedef struct nsi_xfvals {
    nsi_xfval *v;
    size_t n, cap;
} nsi_xfvals;

/* Checks doc's fields f[0..n) against s as the native writer does
 * (docs/fields.md: names, types, one date or number, value sizes) and
 * resolves them into out, the built-in date first when doc->date parses,
 * the others in name order (stable), continuing *hash with them as the
 * native content hash does. NS_EINVAL with a message naming the field and
 * the value in err (NSI_ERRMSG). New fields are not added to s. */
int nsi_xfields_resolve(const nsi_xschema *s, const ns_doc *doc, const ns_field *f, size_t n,
                        nsi_xfvals *out, uint64_t *hash, char *err);

/* Adds what the values become (terms, slots) to d; s must know every field.
 * an analyses text values. scratch is a work buffer. */
int nsi_xfields_add(nsx_doc *d, const nsi_xschema *s, const nsi_xfvals *v, void *an,
                    nsi_buf *scratch);

/* Calls fn for each value of a slot-3 blob (a hit's values); NS_ECORRUPT
 * when it does not decode. */
typedef int (*nsi_xfval_fn)(void *ctx, const char *name, size_t nlen, int type, const char *text,
                            size_t tlen, uint64_t bits);
int nsi_xfields_decode(const char *p, size_t len, nsi_xfval_fn fn, void *ctx);

/* Calls fn for each value of a keyword field's facet slot. */
int nsi_xfields_list(const char *p, size_t len, int (*fn)(void *ctx, const char *v, size_t len),
                     void *ctx);

#endif
