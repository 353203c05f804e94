/* writer.h — the native backend's writer (internal): the entries that
 * backend_native.c lists in the backend table (backend.h states the
 * contract they keep). */
#ifndef NSI_WRITER_H
#define NSI_WRITER_H

#include "nsearch.h"

int nsi_writer_open(void **out, const char *path, const ns_writer_options *opts, char *err);
int nsi_writer_put(void *w, const ns_doc *doc, int *outcome);
int nsi_writer_put_fields(void *w, const ns_doc *doc, const ns_field *fields, size_t nfields,
                          int *outcome);
int nsi_writer_declare_field(void *w, const char *name, size_t len, int type);
int nsi_writer_field_type(void *w, const char *name, size_t len);
int nsi_writer_delete(void *w, const char *id, size_t id_len);
int nsi_writer_foreach_id(void *w, int (*fn)(void *ctx, const char *id, size_t id_len), void *ctx);
int nsi_writer_commit(void *w);
int nsi_writer_optimize(void *w);
int nsi_writer_tidy(void *w);
void nsi_writer_close(void *w);

#endif
