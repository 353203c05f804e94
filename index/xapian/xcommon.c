/* xcommon.c — what both sides of the Xapian backend need: id terms, the
 * compressed record, and stub files (layout and grammar: xinternal.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "common/io.h"
#include "format/codec.h"
#include "xinternal.h"

size_t nsi_xap_id_term(const char *id, size_t len, char *out)
{
    out[0] = NSX_ID_PREFIX;
    if (len <= 200) {
        memcpy(out + 1, id, len);
        return len + 1;
    }
    /* Xapian refuses terms over 245 bytes: keep a readable head and tell
     * long ids apart by their hash (plain terms are never this long) */
    memcpy(out + 1, id, 200);
    snprintf(out + 201, NSX_ID_TERM_MAX - 201, "#%016llx",
             (unsigned long long)nsi_fnv1a64(id, len, NSI_FNV_SEED));
    return 218;
}

int nsi_xap_pack(const void *rec, size_t len, nsi_buf *out)
{
    nsi_buf_reset(out);
    uLong bound = compressBound((uLong)len);
    int rc = nsi_buf_put_varint(out, len);
    if (!rc)
        rc = nsi_buf_reserve(out, bound);
    if (rc)
        return rc;
    uLongf got = bound;
    if (compress2(out->data + out->len, &got, rec, (uLong)len, Z_DEFAULT_COMPRESSION) != Z_OK)
        return NS_ENOMEM;
    out->len += got;
    return NS_OK;
}

int nsi_xap_unpack(const void *data, size_t len, nsi_buf *out)
{
    const uint8_t *p = data, *end = p + len;
    uint64_t raw;
    nsi_buf_reset(out);
    /* inflate cannot make more than ~1032 bytes of one byte */
    if (nsi_varint_get(&p, end, &raw) || raw > (uint64_t)(end - p) * 1032 + 64 ||
        raw > (uint64_t)NS_MAX_DOC_BYTES * 2)
        return NS_ECORRUPT;
    int rc = nsi_buf_reserve(out, (size_t)raw + 1);
    if (rc)
        return rc;
    uLongf got = (uLongf)raw;
    uLong used = (uLong)(end - p);
    if (uncompress2(out->data, &got, p, &used) != Z_OK || got != raw)
        return NS_ECORRUPT;
    out->len = (size_t)raw;
    return NS_OK;
}

/* ------------------------------------------------------------ stubs */

char *nsi_stub_file(const char *path)
{
    struct stat st;
    if (nsi_io_stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return strdup(path);
    size_t n = strlen(path) + sizeof NSX_STUB_NAME + 2;
    char *f = malloc(n);
    if (f)
        snprintf(f, n, "%s/%s", path, NSX_STUB_NAME);
    return f;
}

void nsi_stub_free(nsi_stub_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].where);
        free(e[i].args);
        free(e[i].name);
    }
    free(e);
}

/* A relative path is relative to the folder of the stub file. */
static char *resolve(const char *stub, const char *p)
{
    if (p[0] == '/')
        return strdup(p);
    const char *slash = strrchr(stub, '/');
    size_t dl = slash ? (size_t)(slash - stub) : 1;
    size_t n = dl + strlen(p) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s/%s", (int)dl, slash ? stub : ".", p);
    return out;
}

/* Parses one line (without its newline) into e. 0, NS_ENOMEM, or 1 when the
 * line is not one of the forms Xapian 1.4 reads. */
static int parse_line(const char *stub, char *line, nsi_stub_entry *e)
{
    memset(e, 0, sizeof *e);
    char *rest = strchr(line, ' ');
    if (!rest || !rest[1])
        return 1;
    *rest++ = 0;
    if (!strcmp(line, "auto") || !strcmp(line, "glass") || !strcmp(line, "chert")) {
        e->kind = NSI_STUB_LOCAL;
        e->where = resolve(stub, rest);
        e->name = e->where ? strdup(e->where) : NULL;
        return e->where && e->name ? 0 : NS_ENOMEM;
    }
    if (strcmp(line, "remote"))
        return 1;
    e->name = strdup(rest);
    if (!e->name)
        return NS_ENOMEM;
    if (rest[0] == ':') {
        char *sp = strchr(rest, ' ');
        if (sp)
            *sp = 0;
        e->kind = NSI_STUB_PROG;
        e->where = strdup(rest + 1);
        e->args = strdup(sp ? sp + 1 : "");
        if (!e->where || !e->args)
            return NS_ENOMEM;
        return e->where[0] ? 0 : 1;
    }
    char *colon = strrchr(rest, ':');
    if (!colon || colon == rest || (rest[0] == '[' && colon[-1] != ']'))
        return 1;
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || errno || port == 0 || port > 65535)
        return 1;
    *colon = 0;
    if (rest[0] == '[') {
        rest++;
        colon[-1] = 0;
    }
    e->kind = NSI_STUB_TCP;
    e->port = (unsigned)port;
    e->where = strdup(rest);
    return e->where ? 0 : NS_ENOMEM;
}

int nsi_stub_read(const char *path, nsi_stub_entry **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return nsi_fail(err, errlen, nsi_errno_status(errno), "%s: %s", path, strerror(errno));
    nsi_stub_entry *v = NULL;
    size_t cap = 0, lineno = 0;
    char line[4200];
    int rc = NS_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        else if (!feof(f)) {
            rc = nsi_fail(err, errlen, NS_EINVAL, "%s:%zu: line too long", path, lineno);
            break;
        }
        if (!len || line[0] == '#')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            nsi_stub_entry *g = realloc(v, cap * sizeof *v);
            if (!g) {
                rc = NS_ENOMEM;
                break;
            }
            v = g;
        }
        int r = parse_line(path, line, &v[*n]);
        if (r == 0) {
            ++*n;
            continue;
        }
        free(v[*n].where);
        free(v[*n].args);
        free(v[*n].name);
        rc = r == NS_ENOMEM ? nsi_fail(err, errlen, r, "out of memory")
                            : nsi_fail(err, errlen, NS_EINVAL,
                                       "%s:%zu: not a stub line (auto PATH, remote HOST:PORT, "
                                       "remote :PROGRAM ARGS)",
                                       path, lineno);
    }
    if (!rc && ferror(f))
        rc = nsi_fail(err, errlen, NS_EIO, "%s: read error", path);
    fclose(f);
    if (!rc && *n == 0)
        rc = nsi_fail(err, errlen, NS_EINVAL, "%s: the stub lists no database", path);
    if (rc) {
        nsi_stub_free(v, *n);
        *n = 0;
        return rc;
    }
    *out = v;
    return NS_OK;
}
