/* values.h — typed fields in a segment: the VALUES section (segment version
 * 5) and the field terms of the inverted index (internal).
 * Format: docs/format.md, "VALUES"; types and names: docs/fields.md.
 *
 * VALUES holds, per segment, a field table (name, type) and one column per
 * field, read in place from the map, plus two 64-bit fingerprints per
 * document for near-duplicate collapsing. Segments of versions 1 to 4 have
 * no VALUES: every nsi_values_* call then answers "no such field"/"absent".
 *
 * Lazy verification: the section's head and field table are verified when the
 * segment is opened (they are small and the reader's schema needs them);
 * every other byte is verified (nsi_seg_touch) by the call that first reads
 * it, so a damaged column is NS_ECORRUPT naming the file and chunk, never a
 * wrong value.
 *
 * Thread rules: all read calls are safe from several threads on one segment.
 * Errors (< 0) leave a message in err (errlen bytes; err may be NULL).
 */
#ifndef NSI_VALUES_H
#define NSI_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "nsearch.h"

struct nsi_seg;

/* Limits (docs/fields.md). */
#define NSI_FIELD_NAME_MAX 64               /* bytes of a field name */
#define NSI_FIELD_MAX 256                   /* fields of one index, the built-in date aside */
#define NSI_COLUMNS_MAX (NSI_FIELD_MAX + 1) /* a field table: the fields and date */
#define NSI_FIELD_VALUE_MAX 65535           /* bytes of one keyword or text value */
#define NSI_FIELD_TERM_VALUE_MAX 96         /* folded bytes a keyword term keeps whole */
#define NSI_VALUES_HEAD 16                  /* nfields, ndocs, table_len, flags */
#define NSI_VALUES_ENTRY 40                 /* field table entry */

/* The first byte of a field term (docs/format.md, "Field terms"). Both sort
 * before every word (words start with a letter, digit or mark), so prefix
 * expansion and word listings never meet them. */
#define NSI_TERM_KEYWORD '\x01'
#define NSI_TERM_TEXT '\x02'

/* ---- names, values, terms (shared by the writer and the query side) */

/* NS_OK when name[0..len) is a valid field name (1 to 64 bytes,
 * [A-Za-z][A-Za-z0-9_.-]*) that is not reserved (id title body url date
 * meta); NS_EINVAL with a message naming it otherwise. allow_date: the
 * built-in date field is accepted (the query side may name it). */
int nsi_field_name_check(const char *name, size_t len, int allow_date, char *err, size_t errlen);

/* The folded key of a keyword value: Unicode case folding with compatibility
 * decomposition and Latin diacritics removed, as the analyzer folds a token,
 * over the whole value (no tokenizing, no stemming); runs of white space
 * become one space and leading and trailing white space goes; invalid UTF-8
 * becomes U+FFFD. Appended to out. NS_ENOMEM/NS_ETOOBIG (out's cap). */
int nsi_field_fold(const char *value, size_t len, nsi_buf *out);

/* The term of a field value, appended to out:
 *   kind NSI_TERM_KEYWORD: 0x01 name 0x00 folded value (value is folded here;
 *     a folded value longer than NSI_FIELD_TERM_VALUE_MAX bytes keeps its
 *     first NSI_FIELD_TERM_VALUE_MAX - 17 bytes, then 0xFF and 16 lower-case
 *     hex digits of its FNV-1a-64, so the term stays short and distinct);
 *   kind NSI_TERM_TEXT: 0x02 name 0x00 value (an analysed, stemmed token).
 * NS_EINVAL for another kind. */
int nsi_field_term(nsi_buf *out, int kind, const char *name, size_t name_len, const char *value,
                   size_t value_len);

/* The content hash of a document's typed fields continues its record's
 * (DOCMAP hash; docs/format.md, "VALUES"): the fields in ascending name
 * order (the built-in date excluded: it is in the record), each as its
 * head (name, type, number of values) then its values in their order (a
 * keyword or text value's bytes, a date's or number's 8 bytes). So the
 * writer and nindex --check, which sees only the columns, agree. */
uint64_t nsi_fields_hash_head(uint64_t h, const char *name, size_t len, int type, uint32_t nvalues);
uint64_t nsi_fields_hash_value(uint64_t h, const void *v, size_t len);

/* ---- a schema: fields and their types, in ascending name order */

typedef struct nsi_schema_field {
    char name[NSI_FIELD_NAME_MAX + 1]; /* NUL-terminated */
    size_t len;
    int type;
} nsi_schema_field;

typedef struct nsi_schema {
    nsi_schema_field *f;
    size_t n, cap;
} nsi_schema;

/* Index of field name in s, or -1. */
int nsi_schema_find(const nsi_schema *s, const char *name, size_t len);
/* Adds name with type unless s has it. *had (may be NULL) receives the type
 * s already had, or 0. NS_ETOOBIG past NSI_COLUMNS_MAX fields, NS_ENOMEM. The
 * name is not checked here. */
int nsi_schema_add(nsi_schema *s, const char *name, size_t len, int type, int *had);
/* Adds seg's fields to s: NS_ECORRUPT, naming the file and the field, when
 * one has another type in s than in seg. */
int nsi_schema_add_seg(nsi_schema *s, const struct nsi_seg *seg, char *err, size_t errlen);
int nsi_schema_copy(nsi_schema *dst, const nsi_schema *src);
void nsi_schema_free(nsi_schema *s);
/* "keyword", "date", "number", "text", or "?" */
const char *nsi_field_type_name(int type);

/* ---- building VALUES: documents in ascending order (a document may have
 * no call at all: every value absent, fingerprints 0) */

typedef struct nsi_valw nsi_valw;
int nsi_valw_new(nsi_valw **out);
void nsi_valw_free(nsi_valw *w);
/* The column of field name (added with type when new); *col its number. */
int nsi_valw_field(nsi_valw *w, const char *name, size_t len, int type, int *col);
/* A keyword or text value of doc (values of one doc in their order). */
int nsi_valw_kw(nsi_valw *w, int col, uint32_t doc, const char *v, size_t len);
/* A date (seconds) or number (IEEE 754 bits) of doc. */
int nsi_valw_num(nsi_valw *w, int col, uint32_t doc, uint64_t bits);
int nsi_valw_hashes(nsi_valw *w, uint32_t doc, uint64_t simhash, uint64_t exact);
/* Bytes the builder holds (for the writer's flush threshold). */
size_t nsi_valw_bytes(const nsi_valw *w);
/* Forgets every value of documents >= doc (a document that failed). */
void nsi_valw_truncate(nsi_valw *w, uint32_t doc);
/* Appends the VALUES section of ndocs documents to out. */
int nsi_valw_finish(nsi_valw *w, uint32_t ndocs, nsi_buf *out);

/* ---- reading a segment's VALUES (format/values.c) */

/* One column as the reader sees it (parsed at open from the field table). */
typedef struct nsi_vcol {
    const char *name;
    uint32_t name_len;
    int type;
    uint32_t nvalues, nords, raw_len, fold_len;
    const uint8_t *p; /* the column */
    size_t len;
    /* keyword/text */
    const uint8_t *raw_offs, *fold_offs, *doc_offs, *ords, *raw, *fold;
    /* date/number */
    const uint8_t *present, *vals;
} nsi_vcol;

/* Parses the head and field table of s's VALUES (called when a version 5
 * segment is opened; verifies their chunks). Fills s->vcols, s->nvcols,
 * s->hashes. NS_ECORRUPT naming the file. */
int nsi_values_open(struct nsi_seg *s, char *err, size_t errlen);

/* Number of fields in s's field table (0 before version 5). */
int nsi_values_nfields(const struct nsi_seg *s);
/* Field col's name (not NUL-terminated, borrowed while s is open) and type. */
void nsi_values_field(const struct nsi_seg *s, int col, const char **name, size_t *len, int *type);
/* The column of field name, or -1 when s has no such field. */
int nsi_values_col(const struct nsi_seg *s, const char *name, size_t len);
/* NS_FIELD_* of column col. */
int nsi_values_type(const struct nsi_seg *s, int col);

/* Keyword and text columns: the distinct values of the segment, sorted by
 * folded key then by bytes, numbered 0..count-1 (ordinals). */
uint32_t nsi_values_kw_count(const struct nsi_seg *s, int col);
/* Value ord of column col: *v and *len the bytes as given, *folded and *flen its
 * folded key (nsi_field_fold); borrowed while s is open. Either pair may be
 * NULL. NS_OK, NS_EINVAL (no such ordinal), NS_ECORRUPT. */
int nsi_values_kw_value(const struct nsi_seg *s, int col, uint32_t ord, const char **v, size_t *len,
                        const char **folded, size_t *flen, char *err, size_t errlen);
/* The ordinals of doc's values in column col, in the order they were given:
 * *n values, *ords points at n little-endian u32 in the map (read each with
 * nsi_values_ord). *n is 0 when doc has none. NS_OK, NS_EINVAL (doc out of
 * range), NS_ECORRUPT (an ordinal out of range, offsets out of order). */
int nsi_values_kw_doc(const struct nsi_seg *s, int col, uint32_t doc, const uint8_t **ords,
                      uint32_t *n, char *err, size_t errlen);
static inline uint32_t nsi_values_ord(const uint8_t *ords, uint32_t i)
{
    const uint8_t *p = ords + (size_t)i * 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Date and number columns: doc's value. A date column fills *date (seconds
 * since the epoch, UTC), a number column *num; the other pointer is left
 * alone, either may be NULL. Returns 1 (present), 0 (absent, or col is not a
 * date/number column) or < 0 (NS_EINVAL doc out of range, NS_ECORRUPT). */
int nsi_values_num(const struct nsi_seg *s, int col, uint32_t doc, int64_t *date, double *num,
                   char *err, size_t errlen);

/* A date or number column read whole, for loops over many documents (the
 * range cursor, sorting by a field): verifies the column's bytes at once
 * (nsi_seg_touch; a no-op once done) and gives *present, the presence
 * bitmap (bit doc % 8 of byte doc / 8), and *vals, ndocs little-endian
 * 64-bit values (a date's seconds as int64, a number's IEEE 754 bits),
 * borrowed while s is open; read them with nsi_values_num_get. NS_OK;
 * NS_EINVAL (col is not a date or number column); NS_ECORRUPT. */
int nsi_values_num_column(const struct nsi_seg *s, int col, const uint8_t **present,
                          const uint8_t **vals, char *err, size_t errlen);
/* doc's value from such a column into *bits: 1 present, 0 absent. */
static inline int nsi_values_num_get(const uint8_t *present, const uint8_t *vals, uint32_t doc,
                                     uint64_t *bits)
{
    if (!(present[doc / 8] >> (doc % 8) & 1))
        return 0;
    const uint8_t *p = vals + (size_t)doc * 8;
    *bits = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
            (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
            (uint64_t)p[7] << 56;
    return 1;
}

/* doc's fingerprints: the 64-bit SimHash of its title and body over word
 * shingles, and the 64-bit hash of its normalised body (docs/fields.md,
 * "Duplicates"). NS_OK; NS_ENOTFOUND before version 5 (no fingerprints);
 * NS_EINVAL; NS_ECORRUPT. */
int nsi_values_hashes(const struct nsi_seg *s, uint32_t doc, uint64_t *simhash, uint64_t *exact,
                      char *err, size_t errlen);

#endif
