/* print_explain.c — a hit's score broken into parts (--explain), for the
 * text and JSON outputs: what ns_results_explain returns, in query order. */
#include <string.h>

#include "cli.h"
#include "json_out.h"

int print_explain_json(FILE *out, const cli_run *run, size_t i)
{
    ns_explain *e = NULL;
    int rc = ns_results_explain(run->r, i, run->q, run->sopts, &e);
    if (rc != NS_OK)
        return rc;
    fputs(",\"explain\":{\"parts\":[", out);
    for (size_t j = 0; j < ns_explain_count(e); j++) {
        ns_explain_part p;
        ns_explain_get(e, j, &p);
        fputs(j ? ",{\"what\":" : "{\"what\":", out);
        json_out_string(out, p.what, strlen(p.what));
        fputs(",\"score\":", out);
        json_out_double(out, p.score);
        putc('}', out);
    }
    fputs("]}", out);
    ns_explain_free(e);
    return NS_OK;
}

int print_explain_text(FILE *out, const cli_run *run, size_t i, size_t indent, const term_style *st)
{
    ns_explain *e = NULL;
    int rc = ns_results_explain(run->r, i, run->q, run->sopts, &e);
    if (rc != NS_OK)
        return rc;
    for (size_t j = 0; j < ns_explain_count(e); j++) {
        ns_explain_part p;
        ns_explain_get(e, j, &p);
        fprintf(out, "%*s", (int)indent, "");
        term_sgr(out, st, TERM_DIM);
        fprintf(out, "%8.4f  ", p.score);
        term_sgr(out, st, TERM_RESET);
        term_put_text(out, p.what, strlen(p.what));
        putc('\n', out);
    }
    ns_explain_free(e);
    return NS_OK;
}
