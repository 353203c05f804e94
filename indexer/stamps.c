/* stamps.c — nindex's file stamps and INDEX/nindex.stamps (see stamps.h).
 *
 * A stamp is keyed by the FNV-1a-64 hash of the file's path, not the path:
 * 10^6 files cost 48 bytes each plus a slot table. Two paths with the same
 * hash share a slot; as a match also needs the same device, inode, size and
 * mtime, a collision can only make a file read again, never skipped. */
#include "stamps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "nsearch.h"

#define STAMPS_NAME "nindex.stamps"
#define STAMPS_TMP "nindex.stamps.tmp"
#define STAMPS_MAGIC "NSSTAMPS"
#define STAMPS_VERSION 1u
#define NBIND 7 /* u64s of the binding */
#define HEAD_BYTES (8 + 4 + 4 + 8 + NBIND * 8 + 8)
#define REC_BYTES (8 * 6 + 4 + 4 + 4) /* key dev ino size msec -- mnsec ndocs flags */

typedef struct stamp {
    uint64_t key, dev, ino, size;
    int64_t sec;
    uint32_t nsec, ndocs, flags, live;
} stamp;

struct ni_stamps {
    uint64_t options;
    stamp *recs; /* records; a dropped one has live 0 */
    size_t n, cap;
    uint32_t *slots; /* 0: empty, else index + 1 into recs */
    size_t nslots;   /* a power of two, at least twice n */
};

static uint64_t path_key(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h;
}

ni_stamps *ni_stamps_new(uint64_t options)
{
    ni_stamps *s = calloc(1, sizeof *s);
    if (s)
        s->options = options;
    return s;
}

void ni_stamps_free(ni_stamps *s)
{
    if (!s)
        return;
    free(s->recs);
    free(s->slots);
    free(s);
}

/* The slot of key: its record's, or the empty one where it would go. */
static size_t find_slot(const ni_stamps *s, uint64_t key)
{
    uint64_t x = key; /* FNV's low bits cluster for similar paths: mix (murmur3's finalizer) */
    x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdULL;
    x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    size_t mask = s->nslots - 1, j = (size_t)(x ^ (x >> 33)) & mask;
    while (s->slots[j] && s->recs[s->slots[j] - 1].key != key)
        j = (j + 1) & mask;
    return j;
}

/* Grows the slot table to hold at least want records half full. */
static int grow_slots(ni_stamps *s, size_t want)
{
    size_t n = s->nslots ? s->nslots * 2 : 1024;
    while (n < want * 2)
        n *= 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return ENOMEM;
    free(s->slots);
    s->slots = slots;
    s->nslots = n;
    for (size_t i = 0; i < s->n; i++)
        s->slots[find_slot(s, s->recs[i].key)] = (uint32_t)(i + 1);
    return 0;
}

/* Adds or replaces the record with r's key. */
static int put(ni_stamps *s, const stamp *r)
{
    if (s->n >= UINT32_MAX - 1)
        return ENOMEM;
    if ((s->n + 1) * 2 > s->nslots && grow_slots(s, s->n + 1))
        return ENOMEM;
    size_t j = find_slot(s, r->key);
    if (s->slots[j]) {
        s->recs[s->slots[j] - 1] = *r;
        return 0;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        stamp *recs = realloc(s->recs, cap * sizeof *recs);
        if (!recs)
            return ENOMEM;
        s->recs = recs;
        s->cap = cap;
    }
    s->recs[s->n] = *r;
    s->slots[j] = (uint32_t)(++s->n);
    return 0;
}

static const stamp *lookup(const ni_stamps *s, const char *path, size_t len)
{
    if (!s || !s->nslots)
        return NULL;
    size_t j = find_slot(s, path_key(path, len));
    if (!s->slots[j])
        return NULL;
    const stamp *r = &s->recs[s->slots[j] - 1];
    return r->live ? r : NULL;
}

static void fill(stamp *r, const char *path, size_t len, const struct stat *st)
{
    memset(r, 0, sizeof *r);
    r->key = path_key(path, len);
    r->dev = (uint64_t)st->st_dev;
    r->ino = (uint64_t)st->st_ino;
    r->size = (uint64_t)st->st_size;
    r->sec = (int64_t)st->st_mtim.tv_sec;
    r->nsec = (uint32_t)st->st_mtim.tv_nsec;
    r->live = 1;
}

int ni_stamps_match(const ni_stamps *s, const char *path, size_t len, const struct stat *st,
                    uint32_t *ndocs)
{
    const stamp *r = lookup(s, path, len);
    stamp now;
    fill(&now, path, len, st);
    if (!r || r->dev != now.dev || r->ino != now.ino || r->size != now.size || r->sec != now.sec ||
        r->nsec != now.nsec)
        return 0;
    *ndocs = r->ndocs;
    return 1;
}

int ni_stamps_set(ni_stamps *s, const char *path, size_t len, const struct stat *st, uint32_t ndocs,
                  uint32_t flags)
{
    stamp r;
    fill(&r, path, len, st);
    r.ndocs = ndocs;
    r.flags = flags;
    return put(s, &r);
}

void ni_stamps_drop(ni_stamps *s, const char *path, size_t len)
{
    stamp *r = (stamp *)lookup(s, path, len);
    if (r)
        r->live = 0;
}

void ni_stamps_drop_foreign(ni_stamps *s)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->recs[i].flags & NI_STAMP_FOREIGN_IDS)
            s->recs[i].live = 0;
}

/* ------------------------------------------------------------- the file */

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The index's current commit as statistics (docs/format.md, "nindex.stamps"). */
static int binding(const char *index, uint64_t b[NBIND])
{
    ns_index *idx;
    if (ns_index_open(&idx, index, NULL, 0) != NS_OK)
        return -1;
    ns_stats st;
    int rc = ns_index_stats(idx, &st);
    ns_index_close(idx);
    if (rc != NS_OK)
        return -1;
    /* not bytes_total: a Xapian database's counts every file of its folder,
     * nindex.stamps included */
    uint64_t v[NBIND] = {st.generation, st.documents, st.deleted,  st.segments,
                         st.terms,      st.postings,  st.positions};
    memcpy(b, v, sizeof v);
    return 0;
}

static int path_in(char *out, size_t size, const char *index, const char *name)
{
    return (size_t)snprintf(out, size, "%s/%s", index, name) < size ? 0 : ENAMETOOLONG;
}

size_t ni_stamps_load(ni_stamps *s, const char *index)
{
    char path[4200];
    if (path_in(path, sizeof path, index, STAMPS_NAME))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    unsigned char *data = NULL;
    size_t size = 0, got = 0;
    if (fstat(fd, &st) == 0 && st.st_size >= HEAD_BYTES + 4 && (uint64_t)st.st_size < SIZE_MAX)
        size = (size_t)st.st_size;
    if (size)
        data = malloc(size);
    while (data && got < size) {
        ssize_t k = read(fd, data + got, size - got);
        if (k <= 0 && !(k < 0 && errno == EINTR))
            break;
        if (k > 0)
            got += (size_t)k;
    }
    close(fd);
    size_t loaded = 0;
    uint64_t b[NBIND];
    if (!data || got != size || memcmp(data, STAMPS_MAGIC, 8) ||
        get32(data + 8) != STAMPS_VERSION ||
        crc32_z(0L, data, size - 4) != get32(data + size - 4) || get64(data + 16) != s->options ||
        binding(index, b))
        goto done;
    for (int i = 0; i < NBIND; i++)
        if (get64(data + 24 + 8 * i) != b[i])
            goto done;
    uint64_t n = get64(data + 24 + 8 * NBIND);
    if (n > (size - HEAD_BYTES - 4) / REC_BYTES || HEAD_BYTES + n * REC_BYTES + 4 != size)
        goto done;
    stamp *recs = malloc((size_t)n * sizeof *recs + 1);
    if (!recs || grow_slots(s, (size_t)n)) {
        free(recs);
        goto done;
    }
    free(s->recs);
    s->recs = recs;
    s->cap = (size_t)n;
    for (uint64_t i = 0; i < n; i++) {
        const unsigned char *p = data + HEAD_BYTES + i * REC_BYTES;
        stamp r = {get64(p),      get64(p + 8),           get64(p + 16),
                   get64(p + 24), (int64_t)get64(p + 32), get32(p + 40),
                   get32(p + 44), get32(p + 48),          1};
        if (put(s, &r))
            break; /* out of memory: fewer files are skipped */
        loaded++;
    }
done:
    free(data);
    return loaded;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? errno : EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int ni_stamps_save(const ni_stamps *s, const char *index, const char **what)
{
    char tmp[4200], final[4200];
    uint64_t b[NBIND];
    *what = "reading the index's statistics";
    if (binding(index, b))
        return EIO;
    *what = "naming the file";
    if (path_in(tmp, sizeof tmp, index, STAMPS_TMP) ||
        path_in(final, sizeof final, index, STAMPS_NAME))
        return ENAMETOOLONG;
    uint64_t live = 0;
    for (size_t i = 0; i < s->n; i++)
        live += s->recs[i].live;
    *what = "out of memory";
    size_t size = HEAD_BYTES + (size_t)live * REC_BYTES + 4;
    unsigned char *data = malloc(size);
    if (!data)
        return ENOMEM;
    memcpy(data, STAMPS_MAGIC, 8);
    put32(data + 8, STAMPS_VERSION);
    put32(data + 12, 0);
    put64(data + 16, s->options);
    for (int i = 0; i < NBIND; i++)
        put64(data + 24 + 8 * i, b[i]);
    put64(data + 24 + 8 * NBIND, live);
    unsigned char *p = data + HEAD_BYTES;
    for (size_t i = 0; i < s->n; i++) {
        const stamp *r = &s->recs[i];
        if (!r->live)
            continue;
        put64(p, r->key);
        put64(p + 8, r->dev);
        put64(p + 16, r->ino);
        put64(p + 24, r->size);
        put64(p + 32, (uint64_t)r->sec);
        put32(p + 40, r->nsec);
        put32(p + 44, r->ndocs);
        put32(p + 48, r->flags);
        p += REC_BYTES;
    }
    put32(p, (uint32_t)crc32_z(0L, data, size - 4));
    /* The writer lock is held: no other nindex writes the temporary file. */
    *what = "writing " STAMPS_TMP;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = fd < 0 ? errno : write_all(fd, data, size);
    free(data);
    if (!err && fsync(fd))
        err = errno;
    if (fd >= 0 && close(fd) && !err)
        err = errno;
    if (!err) {
        *what = "renaming " STAMPS_TMP;
        if (rename(tmp, final))
            err = errno;
    }
    if (err) {
        unlink(tmp);
        return err;
    }
    int dfd = open(index, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* the rename's durability; a lost one only costs hashing */
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

void ni_stamps_remove(const char *index)
{
    char path[4200];
    if (!path_in(path, sizeof path, index, STAMPS_NAME))
        unlink(path);
}
