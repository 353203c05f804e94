/* buf.h — growable byte buffer with a hard cap (internal; also built into the
 * CLIs through the nsearch_util library, so it depends on nothing but
 * nsearch.h's status codes and format/codec.h's inline varint). */
#ifndef NSI_BUF_H
#define NSI_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A buffer owns data[0..len). cap is the allocated size; limit is the most it
 * may ever hold (0 = 1 GiB). Appends past limit fail with NS_ETOOBIG and leave
 * the buffer as it was. Zero-initialise ({0}) to get an empty buffer.
 *
 * Once allocated, data always has room for cap + 1 bytes, and every function
 * below leaves data[len] == 0, so data (or str, the same bytes as char) is a
 * C string; code that changes len itself keeps the NUL if it needs it. Each
 * int function returns NS_OK, NS_ENOMEM, or NS_ETOOBIG. */
typedef struct nsi_buf {
    union {
        uint8_t *data; /* bytes */
        char *str;     /* the same, as text (the CLIs' view) */
    };
    size_t len;
    size_t cap;
    size_t limit;
} nsi_buf;

int nsi_buf_reserve(nsi_buf *b, size_t extra);
int nsi_buf_append(nsi_buf *b, const void *p, size_t n);
int nsi_buf_putc(nsi_buf *b, uint8_t c);
int nsi_buf_puts(nsi_buf *b, const char *s); /* appends strlen(s) bytes */
int nsi_buf_put_varint(nsi_buf *b, uint64_t v);
/* Ascending values as varints: the first as is, the rest as gaps from the
 * previous one (the coding of position lists, docs/format.md POSITIONS). */
int nsi_buf_put_gaps(nsi_buf *b, const uint32_t *v, uint32_t n);
int nsi_buf_put_u32le(nsi_buf *b, uint32_t v);
int nsi_buf_put_u64le(nsi_buf *b, uint64_t v);
int nsi_buf_printf(nsi_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Allocates the buffer if it is still empty, so that data is a C string
 * (data[len] == 0) even when nothing was appended. */
int nsi_buf_terminate(nsi_buf *b);
void nsi_buf_reset(nsi_buf *b); /* len = 0 (data = ""), keeps memory */
void nsi_buf_free(nsi_buf *b);  /* frees memory, back to {0} */
/* Hands data to the caller (who frees it with free()) and empties the buffer. */
uint8_t *nsi_buf_steal(nsi_buf *b, size_t *len);

static inline uint32_t nsi_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t nsi_get_u64le(const uint8_t *p)
{
    return (uint64_t)nsi_get_u32le(p) | (uint64_t)nsi_get_u32le(p + 4) << 32;
}
static inline void nsi_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void nsi_put_u64le(uint8_t *p, uint64_t v)
{
    nsi_put_u32le(p, (uint32_t)v);
    nsi_put_u32le(p + 4, (uint32_t)(v >> 32));
}

#endif
