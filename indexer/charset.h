/* charset.h — the encoding of a file's text, and its conversion to UTF-8.
 *
 * Readers see UTF-8 only. ni_charset_decode decides what the bytes are, in
 * this order: a byte order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE); for markup
 * (HTML, XML) a declared charset (<meta charset=...>, <meta http-equiv
 * content="...; charset=...">, <?xml ... encoding="..."?>); valid UTF-8 as
 * it is; UTF-16 by its NUL pattern; otherwise uchardet's guess. Anything but
 * UTF-8 is converted with iconv. */
#ifndef NI_CHARSET_H
#define NI_CHARSET_H

#include <stddef.h>

#include "buf.h"

/* How the encoding was chosen. */
enum ni_charset_how {
    NI_CHARSET_UTF8,     /* valid UTF-8 (or plain ASCII): nothing to do */
    NI_CHARSET_BOM,      /* a byte order mark */
    NI_CHARSET_DECLARED, /* the markup's declaration */
    NI_CHARSET_WIDE,     /* UTF-16 without a BOM, by its NUL bytes */
    NI_CHARSET_DETECTED  /* uchardet */
};

typedef struct ni_charset {
    char name[48]; /* the encoding the bytes were read as */
    enum ni_charset_how how;
    int converted; /* out holds the UTF-8 text; else the input is it */
    size_t bad;    /* input bytes that could not be decoded */
} ni_charset;

/* More undecodable bytes than 1 in NI_CHARSET_BAD_RATIO of the input: the
 * text is not in the encoding chosen, and the file is skipped (input_file.c)
 * rather than indexed as a page of U+FFFD. Fewer are each replaced by one
 * U+FFFD (or, in UTF-8 kept as it is, left for the analyzer, which reads an
 * invalid sequence as U+FFFD) and reported with their count. */
#define NI_CHARSET_BAD_RATIO 20

/* Decides the encoding of data[0..len) (markup: an HTML or XML file, whose
 * declaration counts) and, unless it is UTF-8, converts the text to UTF-8
 * into out (reset first; out->limit applies). A UTF-8 BOM stays in data for
 * the reader to skip. Returns NS_OK, NS_ENOMEM or NS_ETOOBIG; cs says what
 * was done. */
int ni_charset_decode(const char *data, size_t len, int markup, nsi_buf *out, ni_charset *cs);

/* The charset declared by markup in its first 1,024 bytes (as a browser's
 * prescan reads it), copied to name (NUL-terminated, cut to size). Returns
 * whether there was one. */
int ni_charset_declared(const char *data, size_t len, char *name, size_t size);

#endif
