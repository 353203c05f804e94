/* idmap.c — open-addressing map from document id to its current location.
 * Entries are never removed, only marked dead, so a probe chain is never
 * broken; an id that comes back reuses its entry. */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "write/idmap.h"

static uint32_t hash_id(const char *id, size_t len)
{
    return (uint32_t)nsi_fnv1a64(id, len, NSI_FNV_SEED);
}

/* The id bytes of an entry; an empty id in a map that holds no bytes yet
 * must not become NULL + 0, which C leaves undefined. */
static const char *id_of(const nsi_idmap *m, const nsi_identry *e)
{
    return m->ids.data ? (const char *)m->ids.data + e->id_off : "";
}

static int grow(nsi_idmap *m)
{
    uint32_t size = m->tsize ? m->tsize * 2 : 1024;
    uint32_t *t = calloc(size, sizeof *t);
    if (!t)
        return NS_ENOMEM;
    for (uint32_t i = 0; i < m->n; i++) {
        uint32_t k = hash_id(id_of(m, &m->e[i]), m->e[i].id_len) & (size - 1);
        while (t[k])
            k = (k + 1) & (size - 1);
        t[k] = i + 1;
    }
    free(m->table);
    m->table = t;
    m->tsize = size;
    return NS_OK;
}

static uint32_t *slot_of(nsi_idmap *m, const char *id, size_t len)
{
    uint32_t k = hash_id(id, len) & (m->tsize - 1);
    while (m->table[k]) {
        const nsi_identry *e = &m->e[m->table[k] - 1];
        if (e->id_len == len && memcmp(id_of(m, e), id, len) == 0)
            break;
        k = (k + 1) & (m->tsize - 1);
    }
    return &m->table[k];
}

nsi_identry *nsi_idmap_find(nsi_idmap *m, const char *id, size_t len)
{
    if (!m->tsize)
        return NULL;
    uint32_t *s = slot_of(m, id, len);
    return *s ? &m->e[*s - 1] : NULL;
}

int nsi_idmap_get(nsi_idmap *m, const char *id, size_t len, nsi_identry **out)
{
    if ((uint64_t)m->n * 2 >= m->tsize) {
        int rc = grow(m);
        if (rc)
            return rc;
    }
    uint32_t *s = slot_of(m, id, len);
    if (!*s) {
        if (m->n == m->cap) {
            uint32_t cap = m->cap ? m->cap * 2 : 1024;
            nsi_identry *e = realloc(m->e, (size_t)cap * sizeof *e);
            if (!e)
                return NS_ENOMEM;
            m->e = e;
            m->cap = cap;
        }
        if (m->ids.len + len > UINT32_MAX)
            return NS_ETOOBIG;
        nsi_identry *e = &m->e[m->n];
        memset(e, 0, sizeof *e);
        e->id_off = (uint32_t)m->ids.len;
        e->id_len = (uint32_t)len;
        int rc = nsi_buf_append(&m->ids, id, len);
        if (rc)
            return rc;
        *s = ++m->n;
    }
    *out = &m->e[*s - 1];
    return NS_OK;
}

void nsi_idmap_clear(nsi_idmap *m)
{
    m->n = 0;
    nsi_buf_reset(&m->ids);
    if (m->table)
        memset(m->table, 0, (size_t)m->tsize * sizeof *m->table);
}

void nsi_idmap_free(nsi_idmap *m)
{
    nsi_buf_free(&m->ids);
    free(m->e);
    free(m->table);
    memset(m, 0, sizeof *m);
}
