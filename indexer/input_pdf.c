/* input_pdf.c — a PDF's text, title and date, through poppler-glib.
 *
 * Poppler is the PDF library of Debian's desktop (evince, pdftotext); its
 * GLib binding is its stable C API. Only nindex links it (with GLib and
 * cairo): the library and nsearch never do. Pages are read in order, each
 * page's text as poppler lays it out (reading order, lines kept), with a blank
 * line between pages so that a page break is a paragraph break. Poppler
 * reports syntax errors of broken files through GLib's log at debug level,
 * which is silent unless G_MESSAGES_DEBUG asks for it. */
#include <glib.h>
#include <poppler.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "input.h"
#include "nsearch.h"

static void set_why(char *why, size_t why_len, const char *what, const char *detail)
{
    if (why_len)
        snprintf(why, why_len, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

/* The creation date (else the modification date) as ISO 8601 UTC. */
static void doc_date(PopplerDocument *doc, char *date, size_t date_len)
{
    time_t t = poppler_document_get_creation_date(doc);
    if (t <= 0)
        t = poppler_document_get_modification_date(doc);
    struct tm tm;
    if (t <= 0 || !gmtime_r(&t, &tm) || !strftime(date, date_len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        date[0] = '\0';
}

int ni_pdf_to_text(const char *data, size_t len, nsi_buf *body, nsi_buf *title, char *date,
                   size_t date_len, nsi_buf *author, char *why, size_t why_len)
{
    GError *err = NULL;
    if (date_len)
        date[0] = '\0';
    /* the bytes stay the caller's: poppler reads them in place */
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    if (!doc) {
        int encrypted = err && err->domain == POPPLER_ERROR && err->code == POPPLER_ERROR_ENCRYPTED;
        if (encrypted)
            set_why(why, why_len, "an encrypted PDF (it needs a password)", NULL);
        else
            set_why(why, why_len, "not a readable PDF", err ? err->message : NULL);
        g_clear_error(&err);
        g_bytes_unref(bytes);
        return encrypted ? NS_EUNSUPPORTED : NS_EINVAL;
    }
    int st = NS_OK;
    int pages = poppler_document_get_n_pages(doc);
    for (int i = 0; i < pages && st == NS_OK; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        char *text = poppler_page_get_text(page);
        if (text && text[0]) {
            if (body->len)
                st = nsi_buf_puts(body, "\n\n");
            if (st == NS_OK)
                st = nsi_buf_puts(body, text);
        }
        g_free(text);
        g_object_unref(page);
    }
    if (st == NS_OK)
        st = nsi_buf_terminate(body);
    char *t = poppler_document_get_title(doc);
    if (st == NS_OK && t && t[0])
        st = ni_title_fit(t, strlen(t), title);
    g_free(t);
    /* without a title in the document info, the text's first line */
    if (st == NS_OK && title->len == 0 && body->len)
        st = ni_text_title(body->str, body->len, 0, title);
    if (st == NS_OK && date_len)
        doc_date(doc, date, date_len);
    char *a = author ? poppler_document_get_author(doc) : NULL;
    if (st == NS_OK && a && a[0])
        st = nsi_buf_puts(author, a);
    g_free(a);
    g_object_unref(doc);
    g_bytes_unref(bytes);
    return st;
}
