/* backend_xapian.c — the Xapian backend's table (index/backend.h). */
#include "xap.h"

const nsi_backend nsi_backend_xapian = {
    .name = "xapian",
    .open = nsi_xap_index_open,
    .close = nsi_xap_index_close,
    .refresh = nsi_xap_refresh,
    .language = nsi_xap_language,
    .stats = nsi_xap_stats,
    .warning = nsi_xap_warning,
    .search = nsi_xap_search,
    .get_doc = nsi_xap_get_doc,
    .foreach_id = NULL, /* the ids are read through a writer (ns_writer_foreach_id) */
    .body = nsi_xap_body,
    .results_release = nsi_xap_results_release,
    .check = NULL, /* xapian-check verifies Xapian databases */
    .explain = nsi_xap_explain,
    .term_df = nsi_xap_term_df,
    .spell = nsi_xap_spell,
    .w_open = nsi_xap_writer_open,
    .w_put = nsi_xap_put,
    .w_delete = nsi_xap_delete,
    .w_foreach_id = nsi_xap_foreach_id,
    .w_commit = nsi_xap_commit,
    .w_optimize = nsi_xap_optimize,
    .w_close = nsi_xap_writer_close,
    .field_count = nsi_xap_field_count,
    .field = nsi_xap_field,
    .w_put_fields = nsi_xap_put_fields,
    .w_declare_field = nsi_xap_declare_field,
    .w_field_type = nsi_xap_field_type,
};
