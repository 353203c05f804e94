/* make_seeds.c — writes the binary seed inputs of the fuzz targets from the
 * invented documents of docs.h: segment files (with flag bytes), COMMIT files,
 * stored-fields sections and codec inputs. Usage: fuzz_make_seeds CORPUS_DIR
 * [NAME_PREFIX, default "seed"]
 * (tests/fuzz/corpus). Text seeds are written by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docs.h"
#include "format/codec.h"
#include "format/docstore.h"
#include "format/segment.h"
#include "nsearch.h"

static const char *prefix;

/* Writes corpus/target/<prefix>-name: the flags byte (unless < 0), then data. */
static void put(const char *corpus, const char *target, const char *name, int flags,
                const void *data, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s-%s", corpus, target, prefix, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (flags >= 0)
        fputc(flags, f);
    fwrite(data, 1, n, f);
    fclose(f);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n)
        exit(1);
    fclose(f);
    return b;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR [NAME_PREFIX]\n");
        return 2;
    }
    const char *corpus = argv[1];
    prefix = argc == 3 ? argv[2] : "seed";
    char dir[] = "/tmp/nsseeds.XXXXXX", err[NS_ERRBUF_SIZE], path[4200];
    if (!mkdtemp(dir))
        return 1;
    ns_writer *w;
    if (ns_writer_open(&w, dir, NULL, err, sizeof err) || fuzz_put_docs(w) || ns_writer_commit(w) ||
        ns_writer_delete(w, "d2", 2) || ns_writer_commit(w)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    ns_writer_close(w);
    size_t n;
    nsi_seg_filename(path, sizeof path, dir, 1);
    uint8_t *seg = slurp(path, &n);
    put(corpus, "segment", "plain", 0, seg, n);
    put(corpus, "segment", "repair", 1, seg, n);
    put(corpus, "segment", "merge", 6, seg, n);
    put(corpus, "segment", "repair-merge", 7, seg, n);
    nsi_seg *s;
    if (nsi_seg_open(&s, dir, 1, err, sizeof err))
        return 1;
    put(corpus, "docstore", "section", 0, s->sec[NSI_SEC_STORED].p, s->sec[NSI_SEC_STORED].len);
    const uint8_t *post = s->sec[NSI_SEC_POSTINGS].p;
    put(corpus, "codec", "postings-varints", 0, post, s->sec[NSI_SEC_POSTINGS].len);
    put(corpus, "codec", "positions", 0, s->sec[NSI_SEC_POSITIONS].p,
        s->sec[NSI_SEC_POSITIONS].len);
    nsi_seg_close(s);
    free(seg);
    snprintf(path, sizeof path, "%s/COMMIT", dir);
    uint8_t *commit = slurp(path, &n);
    put(corpus, "commit", "deletion", 0, commit, n);
    put(corpus, "commit", "deletion-repair", 1, commit, n);
    free(commit);
    /* a block of 128 values of every width, packed */
    uint32_t v[NSI_BLOCK];
    uint8_t buf[NSI_PACK128_MAX * 4];
    size_t len = 0;
    for (unsigned wbits = 1; wbits <= 32; wbits += 10) {
        for (unsigned i = 0; i < NSI_BLOCK; i++)
            v[i] = (i * 2654435761u) >> (32 - wbits);
        len += nsi_pack128(v, buf + len);
    }
    put(corpus, "codec", "blocks", 1, buf, len);
    put(corpus, "codec", "roundtrip", 2, buf, 64);
    put(corpus, "codec", "varint-roundtrip", 3, buf, 64);
    /* a section with a trained dictionary: the documents' bodies again and
     * again, each with a number, until there is enough text to train on */
    nsi_docstore_writer *dw;
    nsi_buf sec = {0}, rec = {0};
    if (nsi_docstore_writer_new(&dw))
        return 1;
    for (unsigned i = 0; i < 1200; i++) {
        const char *body = fuzz_docs[i % FUZZ_NDOCS][2];
        char num[32];
        int k = snprintf(num, sizeof num, " (%u)", i * 7919u % 1000u);
        nsi_buf_reset(&rec);
        if (nsi_buf_append(&rec, body, strlen(body)) || nsi_buf_append(&rec, num, (size_t)k) ||
            nsi_docstore_add(dw, rec.data, rec.len))
            return 1;
    }
    if (nsi_docstore_finish(dw, &sec))
        return 1;
    put(corpus, "docstore", "section-dict", 0, sec.data, sec.len);
    nsi_docstore_writer_free(dw);
    nsi_buf_free(&sec);
    nsi_buf_free(&rec);
    static const uint8_t recs[] = {5, 'h', 'e', 'l', 'l', 'o', 0, 3, 'a', 'b', 'c', 0xFF, 60};
    put(corpus, "docstore", "roundtrip", 1, recs, sizeof recs);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    return system(path) ? 1 : 0;
}
