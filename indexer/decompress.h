/* decompress.h — compressed input files (.gz, .xz, .bz2) read as a stream of
 * their decompressed bytes, so every reader takes them as it takes the plain
 * file: notes.txt.gz is a .txt, docs.jsonl.xz JSON lines. */
#ifndef NI_DECOMPRESS_H
#define NI_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ni_compression {
    NI_PLAIN,
    NI_GZIP,  /* zlib */
    NI_XZ,    /* liblzma */
    NI_BZIP2, /* libbz2 */
    NI_AUTO   /* by the first bytes: one of the above, plain if none */
};

/* The compression a file name's extension names (.gz, .xz, .bz2, any case),
 * and in *stem_len the length of the name without that extension. NI_PLAIN
 * (and *stem_len the whole length) for any other name. */
enum ni_compression ni_compression_of(const char *name, size_t *stem_len);

/* The extension of a compression, for messages ("gzip", "xz", "bzip2"). */
const char *ni_compression_name(enum ni_compression c);

/* An xz stream may ask for a dictionary of up to 1.5 GiB; one that needs
 * more memory than this to decode is refused. */
#define NI_XZ_MEMLIMIT (256u << 20)

typedef struct ni_dstream ni_dstream;

/* A stream of fd's bytes decompressed as c (not NI_PLAIN data: the first
 * bytes must be that format's magic, or the first read fails, "not xz
 * data"); NI_AUTO chooses by the first bytes. fd stays the caller's, open
 * until ni_dstream_close. NULL when out of memory. */
ni_dstream *ni_dstream_open(int fd, enum ni_compression c);

/* Reads up to n decompressed bytes into buf. Returns how many (0 only at the
 * end of the data), or -1 with errno set: EINTR (a signal: call again to go
 * on), ENOMEM, EILSEQ (the data is not valid in its format, or is cut short:
 * ni_dstream_error says how), or the error of read(2). Concatenated gzip
 * members, xz streams and bzip2 streams are read one after the other. */
ssize_t ni_dstream_read(ni_dstream *s, void *buf, size_t n);

/* What went wrong, after ni_dstream_read returned -1 with EILSEQ or ENOMEM
 * ("corrupt xz data (...)", "the compressed data is truncated"). */
const char *ni_dstream_error(const ni_dstream *s);

/* Bytes read from fd so far (compressed), for progress. */
uint64_t ni_dstream_consumed(const ni_dstream *s);

/* The compression found (after the first read for NI_AUTO). */
enum ni_compression ni_dstream_compression(const ni_dstream *s);

void ni_dstream_close(ni_dstream *s);

#endif
