/* idmap.h — external document id -> location, for the writer (internal). */
#ifndef NSI_IDMAP_H
#define NSI_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define NSI_IDMAP_MEM UINT32_MAX /* location: the in-memory buffer */

typedef struct nsi_identry {
    uint64_t hash; /* content hash of the stored record */
    uint32_t seg;  /* index in the writer's segment list, or NSI_IDMAP_MEM */
    uint32_t doc;  /* local doc number */
    uint32_t id_off, id_len;
    int live;
} nsi_identry;

typedef struct nsi_idmap {
    nsi_buf ids;
    nsi_identry *e;
    uint32_t n, cap;
    uint32_t *table; /* entry index + 1 */
    uint32_t tsize;
} nsi_idmap;

/* Finds the entry for id (live or not); NULL when none. */
nsi_identry *nsi_idmap_find(nsi_idmap *m, const char *id, size_t len);
/* Finds or creates the entry for id; a new entry is not live. */
int nsi_idmap_get(nsi_idmap *m, const char *id, size_t len, nsi_identry **out);
void nsi_idmap_clear(nsi_idmap *m);
void nsi_idmap_free(nsi_idmap *m);

#endif
