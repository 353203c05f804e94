/* fuzz_formats — nindex's file layers before the readers, on arbitrary bytes.
 * The first byte chooses the layer, the rest is the file:
 *   0: the encoding of text (indexer/charset.c), 1: of markup (its declared
 *   charset counts);
 *   2: a compressed file (indexer/decompress.c), the format by its first
 *   bytes; 3, 4, 5: named gzip, xz, bzip2;
 *   6: a PDF (indexer/input_pdf.c, poppler-glib);
 *   7, 8: an e-mail message, an mbox (indexer/input_mail.c, GMime);
 *   9, 10, 11: an EPUB, .odt, .docx (indexer/input_archive.c, libarchive).
 * Checks: a status for every input; converted text is valid UTF-8 and within
 * its limit; undecodable bytes are never more than the input; a stream ends
 * or fails with a message, reads no more than asked, and never counts more
 * compressed bytes than the file has; a PDF gives text within its limit, a
 * title of at most NI_TITLE_MAX bytes and its ellipsis, or a reason; mail
 * messages are numbered from 1 in order, with ids that carry the prefix and
 * bodies within their limit; an archive's text stays within its limit. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "charset.h"
#include "decompress.h"
#include "fuzz.h"
#include "input.h"

/* Decompressed output read per input, at most: enough for every path, small
 * enough that a bomb costs little. */
#define FUZZ_OUT_MAX (4u << 20)

static void fuzz_decompress(const char *d, size_t n, enum ni_compression c)
{
    int fd = memfd_create("fuzz_formats", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (write(fd, d, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return;
    }
    ni_dstream *s = ni_dstream_open(fd, c);
    if (s) {
        static char buf[65536];
        size_t total = 0, step = 1;
        ssize_t k;
        while (total < FUZZ_OUT_MAX && (k = ni_dstream_read(s, buf, step)) > 0) {
            FUZZ_ASSERT((size_t)k <= step);
            total += (size_t)k;
            step = step * 3 % sizeof buf + 1; /* read sizes vary: 1, 4, 13, ... */
        }
        if (k < 0) {
            FUZZ_ASSERT(errno == EILSEQ || errno == ENOMEM);
            FUZZ_ASSERT(ni_dstream_error(s)[0] != '\0');
        }
        FUZZ_ASSERT(ni_dstream_consumed(s) <= n);
        ni_dstream_close(s);
    }
    close(fd);
}

static void fuzz_charset(const char *d, size_t n, int markup)
{
    nsi_buf out = {0};
    out.limit = 4 * n + 64;
    ni_charset cs;
    int rc = ni_charset_decode(d, n, markup, &out, &cs);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ENOMEM || rc == NS_ETOOBIG);
    FUZZ_ASSERT(cs.bad <= n);
    FUZZ_ASSERT(memchr(cs.name, '\0', sizeof cs.name) != NULL);
    if (rc == NS_OK && cs.converted) {
        FUZZ_ASSERT(out.len <= out.limit);
        /* iconv's output and the U+FFFD put for each bad byte */
        FUZZ_ASSERT(fuzz_utf8_valid(out.str, out.len));
    }
    nsi_buf_free(&out);
}

static void fuzz_pdf(const char *d, size_t n)
{
    nsi_buf body = {0}, title = {0};
    body.limit = 1u << 20;
    char date[32], why[256];
    nsi_buf author = {0};
    int rc = ni_pdf_to_text(d, n, &body, &title, date, sizeof date, &author, why, sizeof why);
    nsi_buf_free(&author);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ENOMEM || rc == NS_ETOOBIG || rc == NS_EINVAL ||
                rc == NS_EUNSUPPORTED);
    if (rc == NS_EINVAL || rc == NS_EUNSUPPORTED)
        FUZZ_ASSERT(why[0] != '\0');
    if (rc == NS_OK) {
        FUZZ_ASSERT(body.len <= body.limit);
        FUZZ_ASSERT(title.len <= NI_TITLE_MAX + 3);
        FUZZ_ASSERT(strlen(date) < sizeof date);
    }
    nsi_buf_free(&body);
    nsi_buf_free(&title);
}

static int see_message(void *ctx, const ni_mail_msg *m)
{
    unsigned *seen = ctx;
    FUZZ_ASSERT(m->index == ++*seen);
    FUZZ_ASSERT(m->id.len == 0 || !strncmp(m->id.str, NI_MAIL_ID_PREFIX, 4));
    FUZZ_ASSERT(m->body.len <= m->body.limit);
    FUZZ_ASSERT(m->title.len <= NI_TITLE_MAX + 3);
    FUZZ_ASSERT(strlen(m->date) < sizeof m->date);
    return NS_OK;
}

static void fuzz_mail(const char *d, size_t n, int mbox)
{
    ni_mail_msg m = {0};
    m.body.limit = 1u << 20;
    unsigned seen = 0;
    char why[256];
    int rc = ni_mail_read(d, n, mbox, see_message, &seen, &m, why, sizeof why);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ENOMEM || rc == NS_ETOOBIG || rc == NS_EINVAL);
    FUZZ_ASSERT(rc != NS_EINVAL || (seen == 0 && why[0]));
    FUZZ_ASSERT(mbox || seen <= 1);
    nsi_buf_free(&m.id);
    nsi_buf_free(&m.title);
    nsi_buf_free(&m.body);
    nsi_buf_free(&m.from);
    nsi_buf_free(&m.to);
}

static void fuzz_archive(const char *d, size_t n, enum ni_archive_kind kind)
{
    nsi_buf body = {0}, title = {0};
    body.limit = 1u << 20;
    char why[256];
    int rc = ni_archive_to_text(d, n, kind, &body, &title, why, sizeof why);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ENOMEM || rc == NS_ETOOBIG || rc == NS_EINVAL);
    FUZZ_ASSERT(rc != NS_EINVAL || why[0]);
    FUZZ_ASSERT(body.len <= body.limit);
    FUZZ_ASSERT(title.len <= NI_TITLE_MAX + 3);
    nsi_buf_free(&body);
    nsi_buf_free(&title);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    static const enum ni_compression named[] = {NI_AUTO, NI_GZIP, NI_XZ, NI_BZIP2};
    switch (data[0] % 12) {
    case 0:
    case 1:
        fuzz_charset(d, n, data[0] % 12);
        break;
    case 6:
        fuzz_pdf(d, n);
        break;
    case 9:
    case 10:
    case 11:
        fuzz_archive(d, n, (enum ni_archive_kind)(data[0] % 12 - 9));
        break;
    case 7:
    case 8:
        fuzz_mail(d, n, data[0] % 12 == 8);
        break;
    default:
        fuzz_decompress(d, n, named[data[0] % 12 - 2]);
        break;
    }
    return 0;
}
