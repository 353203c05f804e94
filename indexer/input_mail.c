/* input_mail.c — e-mail messages (one file, or an mbox of many) to
 * documents, through GMime.
 *
 * GMime is the MIME library of notmuch and of GNOME's mail tools: it splits
 * an mbox at its "From " lines, decodes headers (RFC 2047 words, address
 * lists), transfer encodings and part charsets to UTF-8. A message becomes:
 * id "mid:" + its Message-ID (file ids are absolute paths and start with '/',
 * so the two cannot clash; a message without one is its PATH, mbox:PATH#N in an
 * mbox), title its Subject, date its Date, and body its From and To lines and
 * then its first text/plain part that is not an attachment, else its first
 * text/html part as text (input_html.c). GLib and GMime are linked by nindex
 * only. */
#include <glib.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "nsearch.h"

static void mail_init(void)
{
    static int done;
    if (!done) {
        g_mime_init();
        done = 1;
    }
}

typedef struct parts {
    GMimeTextPart *plain, *html;
} parts;

static void see_part(GMimeObject *parent, GMimeObject *obj, gpointer data)
{
    (void)parent;
    parts *p = data;
    if (p->plain || !GMIME_IS_TEXT_PART(obj))
        return;
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
    if (d && g_mime_content_disposition_is_attachment(d))
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    if (ct && g_mime_content_type_is_type(ct, "text", "plain"))
        p->plain = GMIME_TEXT_PART(obj);
    else if (ct && !p->html && g_mime_content_type_is_type(ct, "text", "html"))
        p->html = GMIME_TEXT_PART(obj);
}

/* The part to index: the first text/plain that is not an attachment, else
 * the first such text/html (*html set). Parts of a message are visited in
 * order, those inside multiparts included. */
static GMimeTextPart *body_part(GMimeMessage *msg, int *html)
{
    parts p = {NULL, NULL};
    g_mime_message_foreach(msg, see_part, &p);
    *html = !p.plain && p.html;
    return p.plain ? p.plain : p.html;
}

/* Appends "NAME: addresses\n" when the list is not empty. */
static int put_addresses(nsi_buf *out, const char *name, InternetAddressList *list)
{
    if (!list || internet_address_list_length(list) == 0)
        return NS_OK;
    char *s = internet_address_list_to_string(list, NULL, FALSE);
    int st = NS_OK;
    if (s && s[0]) {
        st = nsi_buf_printf(out, "%s: ", name);
        if (st == NS_OK)
            st = nsi_buf_puts(out, s);
        if (st == NS_OK)
            st = nsi_buf_putc(out, '\n');
    }
    g_free(s);
    return st;
}

/* Appends each mailbox address of list (group members too) to out, one per
 * line. */
static int put_each_address(nsi_buf *out, InternetAddressList *list)
{
    int st = NS_OK;
    for (int i = 0; list && i < internet_address_list_length(list) && st == NS_OK; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            st = put_each_address(out,
                                  internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
            continue;
        }
        if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
            continue;
        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
        if (addr && addr[0] && !strchr(addr, '\n')) {
            st = nsi_buf_puts(out, addr);
            if (st == NS_OK)
                st = nsi_buf_putc(out, '\n');
        }
    }
    return st;
}

/* Fills m from msg. Returns NS_OK or a buffer error. */
static int one_message(GMimeMessage *msg, ni_mail_msg *m)
{
    nsi_buf_reset(&m->body);
    nsi_buf_reset(&m->title);
    nsi_buf_reset(&m->id);
    nsi_buf_reset(&m->from);
    nsi_buf_reset(&m->to);
    m->date[0] = '\0';
    int sa = put_each_address(&m->from, g_mime_message_get_from(msg));
    if (sa == NS_OK)
        sa = put_each_address(&m->to, g_mime_message_get_to(msg));
    if (sa == NS_OK)
        sa = put_each_address(&m->to, g_mime_message_get_cc(msg));
    if (sa != NS_OK)
        return sa;
    int st = put_addresses(&m->body, "From", g_mime_message_get_from(msg));
    if (st == NS_OK)
        st = put_addresses(&m->body, "To", g_mime_message_get_to(msg));
    if (st == NS_OK && m->body.len)
        st = nsi_buf_putc(&m->body, '\n');
    int html = 0;
    GMimeTextPart *part = st == NS_OK ? body_part(msg, &html) : NULL;
    if (part) {
        char *text = g_mime_text_part_get_text(part);
        if (text && html) {
            nsi_buf ignored = {0};
            st = ni_html_to_text(text, strlen(text), &m->body, &ignored);
            nsi_buf_free(&ignored);
        } else if (text)
            st = nsi_buf_puts(&m->body, text);
        g_free(text);
    }
    if (st == NS_OK)
        st = nsi_buf_terminate(&m->body);
    const char *subject = g_mime_message_get_subject(msg);
    if (st == NS_OK && subject)
        st = ni_title_fit(subject, strlen(subject), &m->title);
    const char *mid = g_mime_message_get_message_id(msg);
    if (st == NS_OK && mid && mid[0])
        st = nsi_buf_printf(&m->id, "%s%s", NI_MAIL_ID_PREFIX, mid);
    GDateTime *date = g_mime_message_get_date(msg);
    if (date) {
        GDateTime *utc = g_date_time_to_utc(date);
        char *iso = utc ? g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ") : NULL;
        if (iso && strlen(iso) < sizeof m->date)
            strcpy(m->date, iso);
        g_free(iso);
        if (utc)
            g_date_time_unref(utc);
    }
    return st;
}

int ni_mail_read(const char *data, size_t len, int mbox, ni_mail_cb cb, void *ctx, ni_mail_msg *m,
                 char *why, size_t why_len)
{
    mail_init();
    if (why_len)
        why[0] = '\0';
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_object_unref(stream);
    g_mime_parser_set_format(parser, mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
    int st = NS_OK;
    m->index = 0;
    while (st == NS_OK && !g_mime_parser_eos(parser)) {
        GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
        if (!msg) {
            if (m->index == 0) {
                snprintf(why, why_len, "%s",
                         mbox ? "not an mbox (no \"From \" line first)" : "not an e-mail message");
                st = NS_EINVAL;
            }
            break;
        }
        m->index++;
        st = one_message(msg, m);
        g_object_unref(msg);
        if (st == NS_OK)
            st = cb(ctx, m);
        if (!mbox)
            break;
    }
    g_object_unref(parser);
    return st;
}
