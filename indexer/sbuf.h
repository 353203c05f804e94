/* sbuf.h — the CLI's growable byte buffer with a hard cap.
 *
 * The indexer may use only the public API, so it cannot borrow index/buf.h;
 * this is the same idea, kept small. */
#ifndef NI_SBUF_H
#define NI_SBUF_H

#include <stddef.h>

/* Owns data[0..len); data is always NUL-terminated once anything was
 * appended (the NUL is not counted in len). limit is the most it may hold
 * (0 = 1 GiB). Zero-initialise ({0}) for an empty buffer. */
typedef struct ni_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
} ni_buf;

/* Each returns NS_OK, NS_ENOMEM, or NS_ETOOBIG (past limit; the buffer is
 * then left as it was). */
int ni_buf_reserve(ni_buf *b, size_t extra);
int ni_buf_append(ni_buf *b, const void *p, size_t n);
int ni_buf_puts(ni_buf *b, const char *s);
int ni_buf_putc(ni_buf *b, char c);
void ni_buf_reset(ni_buf *b); /* len = 0, keeps memory */
void ni_buf_free(ni_buf *b);  /* frees memory, back to {0} */

#endif
