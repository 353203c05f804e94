/* stats.c — nindex --stats (see stats.h). */
#include "stats.h"

#include <inttypes.h>

#include "nindex.h"
#include "nsearch.h"
#include "report.h"

static void part(FILE *out, const char *name, uint64_t bytes, uint64_t total)
{
    char human[32];
    ni_human_bytes(bytes, human, sizeof human);
    fprintf(out, "  %-12s %14" PRIu64 "  %10s  %5.1f%%\n", name, bytes, human,
            total ? (double)bytes * 100 / (double)total : 0.0);
}

/* "fields       topics keyword, price number": the schema, in the index's
 * order (docs/fields.md); nothing when the index has no fields. */
static void print_fields(FILE *out, ns_index *idx)
{
    size_t n = ns_index_field_count(idx);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        int type;
        if (ns_index_field(idx, i, &name, &type) != NS_OK)
            break;
        fprintf(out, "%s%s %s", i ? ", " : "fields       ", name, ns_field_type_name(type));
    }
    if (n)
        fputc('\n', out);
}

static void print(FILE *out, const char *path, ns_index *idx, const ns_stats *s)
{
    fprintf(out, "index        %s\n", path);
    fprintf(out, "language     %s\n", ns_index_language(idx));
    fprintf(out, "generation   %" PRIu64 "\n", s->generation);
    fprintf(out, "documents    %" PRIu64 "\n", s->documents);
    fprintf(out, "deleted      %" PRIu64 "\n", s->deleted);
    fprintf(out, "segments     %" PRIu64 "\n", s->segments);
    fprintf(out, "terms        %" PRIu64 "\n", s->terms);
    fprintf(out, "postings     %" PRIu64 "\n", s->postings);
    fprintf(out, "positions    %" PRIu64 "\n", s->positions);
    fprintf(out, "size\n");
    uint64_t t = s->bytes_total;
    part(out, "dictionary", s->bytes_dict, t);
    part(out, "postings", s->bytes_postings, t);
    part(out, "positions", s->bytes_positions, t);
    part(out, "norms", s->bytes_norms, t);
    part(out, "stored", s->bytes_stored, t);
    uint64_t parts =
        s->bytes_dict + s->bytes_postings + s->bytes_positions + s->bytes_norms + s->bytes_stored;
    /* Headers, footers and COMMIT belong to no part. */
    part(out, "other", t > parts ? t - parts : 0, t);
    part(out, "total", t, t);
    if (s->bytes_stored && s->bytes_raw_stored) {
        char raw[32];
        ni_human_bytes(s->bytes_raw_stored, raw, sizeof raw);
        fprintf(out, "stored fields: %s before compression (%.1fx smaller)\n", raw,
                (double)s->bytes_raw_stored / (double)s->bytes_stored);
    }
    print_fields(out, idx);
}

int ni_print_stats(const char *path, FILE *out)
{
    char err[NS_ERRBUF_SIZE] = "";
    ns_index *idx = NULL;
    int st = ns_index_open(&idx, path, err, sizeof err);
    if (st != NS_OK) {
        ni_msg("%s", err[0] ? err : ns_strerror(st));
        return ni_exit_for(st);
    }
    ns_stats s;
    st = ns_index_stats(idx, &s);
    if (st != NS_OK) {
        const char *m = ns_index_errmsg(idx);
        ni_msg("%s", m && *m ? m : ns_strerror(st));
        ns_index_close(idx);
        return ni_exit_for(st);
    }
    print(out, path, idx, &s);
    ns_index_close(idx);
    return fflush(out) == 0 ? NI_EXIT_OK : NI_EXIT_FAILED;
}
