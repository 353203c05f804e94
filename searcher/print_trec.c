/* print_trec.c — nsearch --trec TAG: a TREC run for trec_eval.
 *
 * One line per hit: "qid Q0 docid rank score tag", score with %.6f (so the
 * printed scores keep the library's non-increasing order). The format is
 * whitespace-separated, so an id or qid is percent-encoded where it must be:
 * '%' and bytes up to 0x20 (space, controls) and 0x7F are written as %HH
 * (upper-case hex), every other byte as it is. So "a b" is a%20b and "a_b"
 * stays a_b: two ids never print the same, and URL-decoding gives the id
 * back. An empty field is written "-". */
#include <string.h>

#include "cli.h"

static void put_field(FILE *out, const char *s, size_t len)
{
    if (len == 0) {
        putc('-', out);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= ' ' || c == 0x7F || c == '%')
            fprintf(out, "%%%02X", c);
        else
            putc(c, out);
    }
}

int print_trec(FILE *out, const cli_run *run, const char *tag)
{
    size_t n = run->r != NULL ? ns_results_count(run->r) : 0;
    const char *qid = run->qid != NULL ? run->qid : "1";

    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        int rc = ns_results_hit(run->r, i, &h);

        if (rc != NS_OK)
            return rc;
        put_field(out, qid, strlen(qid));
        fputs(" Q0 ", out);
        put_field(out, h.id, h.id_len);
        fprintf(out, " %zu %.6f %s\n", h.rank, h.score, tag);
    }
    return NS_OK;
}
