/* backend_native.c — the native engine's table (backend.h): reading in
 * read/, searching in eval/, writing in write/. */
#include "backend.h"
#include "eval/explain.h"
#include "eval/search.h"
#include "read/reader.h"
#include "write/writer.h"

const nsi_backend nsi_backend_native = {
    .name = "native",
    .open = nsi_reader_open,
    .close = nsi_reader_close,
    .refresh = nsi_reader_refresh,
    .language = nsi_reader_language,
    .stats = nsi_reader_stats,
    .warning = NULL, /* one folder: never partial */
    .search = nsi_native_search,
    .get_doc = nsi_reader_get_doc,
    .foreach_id = nsi_reader_foreach_id,
    .body = nsi_reader_body,
    .positions = nsi_reader_positions,
    .results_release = nsi_reader_results_release,
    .check = nsi_check,
    .explain = nsi_native_explain,
    .term_df = nsi_native_term_df,
    .spell = nsi_reader_spell,
    .w_open = nsi_writer_open,
    .w_put = nsi_writer_put,
    .w_delete = nsi_writer_delete,
    .w_foreach_id = nsi_writer_foreach_id,
    .w_commit = nsi_writer_commit,
    .w_optimize = nsi_writer_optimize,
    .w_tidy = nsi_writer_tidy,
    .w_close = nsi_writer_close,
    .field_count = nsi_reader_field_count,
    .field = nsi_reader_field,
    .w_put_fields = nsi_writer_put_fields,
    .w_declare_field = nsi_writer_declare_field,
    .w_field_type = nsi_writer_field_type,
};
