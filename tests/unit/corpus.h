/* corpus.h — test helpers: read a docs.jsonl(.gz) corpus from ../shared and
 * make temporary index directories. */
#ifndef NS_TEST_CORPUS_H
#define NS_TEST_CORPUS_H

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

typedef struct tdoc {
    char *id, *title, *body;
    size_t id_len, title_len, body_len;
} tdoc;

typedef struct tcorpus {
    tdoc *d;
    size_t n;
} tcorpus;

static inline char *tc_dup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static inline void tc_field(json_object *o, const char *key, char **out, size_t *len)
{
    json_object *v;
    if (json_object_object_get_ex(o, key, &v)) {
        const char *s = json_object_get_string(v);
        *len = (size_t)json_object_get_string_len(v);
        *out = tc_dup(s ? s : "", *len);
    } else {
        *out = tc_dup("", 0);
        *len = 0;
    }
}

/* Reads up to max docs (0 = all) of a corpus file, gzip or not. */
static inline int tc_load(tcorpus *c, const char *path, size_t max)
{
    memset(c, 0, sizeof *c);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    int k;
    while ((k = gzread(f, buf + len, (unsigned)(cap - len))) > 0) {
        len += (size_t)k;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    gzclose(f);
    size_t dcap = 1024;
    c->d = malloc(dcap * sizeof *c->d);
    for (size_t i = 0; i < len && (!max || c->n < max);) {
        char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        json_tokener *tok = json_tokener_new();
        json_object *o = json_tokener_parse_ex(tok, buf + i, (int)(end - i));
        json_tokener_free(tok);
        if (o) {
            if (c->n == dcap)
                c->d = realloc(c->d, (dcap *= 2) * sizeof *c->d);
            tdoc *d = &c->d[c->n++];
            tc_field(o, "id", &d->id, &d->id_len);
            tc_field(o, "title", &d->title, &d->title_len);
            tc_field(o, "body", &d->body, &d->body_len);
            json_object_put(o);
        }
        i = end + 1;
    }
    free(buf);
    return 0;
}

static inline void tc_free(tcorpus *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->d[i].id);
        free(c->d[i].title);
        free(c->d[i].body);
    }
    free(c->d);
    memset(c, 0, sizeof *c);
}

/* A fresh empty directory under $NS_TMPDIR (or /tmp). Static storage. */
static inline const char *tc_tmpdir(const char *name)
{
    static char path[4096];
    const char *base = getenv("NS_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    mkdir(base, 0755);
    snprintf(path, sizeof path, "%s/%s.XXXXXX", base, name);
    if (!mkdtemp(path))
        return NULL;
    return path;
}

static inline void tc_rmdir(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

#endif
