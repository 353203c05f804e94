/* record.h — a document's stored fields as one byte record (internal).
 * A record is the six fields id, title, url, date, meta, body, each as
 * field_len varint + bytes: DOCMAP's content hash covers the whole record
 * (docs/format.md, "FIELDS"), the FIELDS section keeps the first five, and
 * STORED keeps only the body (docs/format.md, "STORED"). */
#ifndef NSI_RECORD_H
#define NSI_RECORD_H

#include <stddef.h>

#include "common/buf.h"
#include "nsearch.h"

enum { NSI_F_ID, NSI_F_TITLE, NSI_F_URL, NSI_F_DATE, NSI_F_META, NSI_F_BODY, NSI_F_COUNT };

typedef struct nsi_record {
    const char *f[NSI_F_COUNT]; /* borrowed from the record bytes */
    size_t len[NSI_F_COUNT];
} nsi_record;

int nsi_record_encode(const ns_doc *doc, nsi_buf *out);
/* The fields of rec without the body (the FIELDS section's entry). */
int nsi_record_encode_fields(const nsi_record *rec, nsi_buf *out);
/* Decodes a fields-only entry: like nsi_record_decode, with an empty body. */
int nsi_record_decode_fields(const void *rec, size_t len, nsi_record *out);
/* NS_ECORRUPT when the bytes are not a record. */
int nsi_record_decode(const void *rec, size_t len, nsi_record *out);

#endif
