/* fuzz_jsonl — nindex's JSON-lines record parser (indexer/jsonl_record.c) on
 * arbitrary lines: a status for every input, an id for every record it
 * accepts, a reason for every one it refuses. */
#include <string.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "input.h"

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
    if (r == NI_JSONL_OK)
        FUZZ_ASSERT(rec.doc.id && rec.doc.id_len > 0);
    else if (r == NI_JSONL_MALFORMED || r == NI_JSONL_INVALID)
        FUZZ_ASSERT(why[0] != 0);
    ni_jsonl_record_clear(&rec);
    nsi_buf_free(&rec.meta); /* clear keeps it for the next line */
    return 0;
}
