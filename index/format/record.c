/* record.c — encodes and decodes the stored record of a document. */
#include "format/record.h"

#include "format/codec.h"

int nsi_record_encode(const ns_doc *doc, nsi_buf *out)
{
    const char *f[NSI_F_COUNT] = {doc->id, doc->title, doc->url, doc->date, doc->meta, doc->body};
    size_t l[NSI_F_COUNT] = {doc->id_len,   doc->title_len, doc->url_len,
                             doc->date_len, doc->meta_len,  doc->body_len};
    nsi_buf_reset(out);
    for (int i = 0; i < NSI_F_COUNT; i++) {
        size_t n = f[i] ? l[i] : 0;
        int rc = nsi_buf_put_varint(out, n);
        if (!rc)
            rc = nsi_buf_append(out, f[i], n);
        if (rc)
            return rc;
    }
    return NS_OK;
}

int nsi_record_encode_fields(const nsi_record *rec, nsi_buf *out)
{
    for (int i = 0; i < NSI_F_BODY; i++) {
        int rc = nsi_buf_put_varint(out, rec->len[i]);
        if (!rc)
            rc = nsi_buf_append(out, rec->f[i], rec->len[i]);
        if (rc)
            return rc;
    }
    return NS_OK;
}

static int decode_n(const void *rec, size_t len, nsi_record *out, int nfields)
{
    const uint8_t *p = rec, *end = p + len;
    out->f[NSI_F_BODY] = "";
    out->len[NSI_F_BODY] = 0;
    for (int i = 0; i < nfields; i++) {
        uint64_t n;
        if (nsi_varint_get(&p, end, &n) || n > (uint64_t)(end - p))
            return NS_ECORRUPT;
        out->f[i] = (const char *)p;
        out->len[i] = (size_t)n;
        p += n;
    }
    return p == end ? NS_OK : NS_ECORRUPT;
}

int nsi_record_decode(const void *rec, size_t len, nsi_record *out)
{
    return decode_n(rec, len, out, NSI_F_COUNT);
}

int nsi_record_decode_fields(const void *rec, size_t len, nsi_record *out)
{
    return decode_n(rec, len, out, NSI_F_BODY);
}
