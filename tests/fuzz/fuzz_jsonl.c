/* fuzz_jsonl — nindex's JSON-lines record parser (indexer/jsonl_record.c) on
 * arbitrary lines: a status for every input, an id for every record it
 * accepts, a reason for every one it refuses; an accepted record's typed
 * fields (fields.c) each have a valid name, a type, and a value that fits it,
 * and every value dropped has a reason. */
#include <string.h>

#include <json-c/json.h>

#include "fields.h"
#include "fuzz.h"
#include "input.h"

static void on_drop(void *ctx, const char *name, const char *why)
{
    (void)ctx;
    FUZZ_ASSERT(name && *name && why && *why);
}

static struct json_tokener *tok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    if (!tok)
        FUZZ_ASSERT((tok = ni_jsonl_tokener()) != NULL);
    ni_jsonl_record rec;
    memset(&rec, 0, sizeof rec);
    char why[256] = "";
    enum ni_jsonl_result r = ni_jsonl_parse(tok, (const char *)data, size, &rec, why, sizeof why);
    if (r == NI_JSONL_OK) {
        FUZZ_ASSERT(rec.doc.id && rec.doc.id_len > 0);
        ni_fields f = {0};
        FUZZ_ASSERT(ni_jsonl_fields(&rec, NULL, NULL, &f, on_drop, NULL) == NS_OK);
        const ns_field *v = ni_fields_view(&f);
        char reason[512];
        for (size_t i = 0; i < f.n; i++) {
            FUZZ_ASSERT(ni_field_name_ok(v[i].name, v[i].name_len));
            FUZZ_ASSERT(v[i].type >= NS_FIELD_KEYWORD && v[i].type <= NS_FIELD_TEXT);
            FUZZ_ASSERT(
                ni_field_value_ok(v[i].type, v[i].value, v[i].value_len, reason, sizeof reason));
        }
        int64_t secs;
        FUZZ_ASSERT(!rec.doc.date_len ||
                    ns_date_parse(rec.doc.date, rec.doc.date_len, &secs) == NS_OK);
        ni_fields_free(&f);
    } else if (r == NI_JSONL_MALFORMED || r == NI_JSONL_INVALID)
        FUZZ_ASSERT(why[0] != 0);
    ni_jsonl_record_clear(&rec);
    nsi_buf_free(&rec.meta); /* clear keeps it for the next line */
    return 0;
}
