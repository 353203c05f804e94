/*
 * example.c — a program that uses an installed libnsearch, as a user of the
 * package would: it indexes three short documents of its own, then searches
 * them. Built by tests/e2e/T900-pkgconfig.sh twice: with
 * `pkg-config --cflags --libs nsearch` and through CMake's
 * find_package(nsearch) (CMakeLists.txt beside this file).
 *
 *   example INDEX_DIR QUERY
 *
 * prints the library version, then per hit "rank id title" and its snippet
 * with the matched words in [brackets], then "N matches".
 */
#include <nsearch.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *id, *title, *body;
} docs[] = {
    {"talks-1", "Talks resume",
     "The two governments agreed to resume talks in May, after relations were severed in the "
     "spring."},
    {"memo-2", "Trade memo",
     "Grain exports rose in March; relations between the ports stayed calm."},
    {"note-3", "Weather", "Rain is expected over the harbour tonight."},
};

static int fail(const char *what, int rc, const char *msg)
{
    fprintf(stderr, "example: %s: %s\n", what, msg && *msg ? msg : ns_strerror(rc));
    return 1;
}

/* Adds the documents and commits them (an existing index keeps them: a put
 * with the same id and fields changes nothing). */
static int build(const char *dir)
{
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    int rc = ns_writer_open(&w, dir, NULL, err, sizeof err);
    if (rc != NS_OK)
        return fail(dir, rc, err);
    for (size_t i = 0; i < sizeof docs / sizeof *docs && rc == NS_OK; i++) {
        ns_doc d = {0};
        d.id = docs[i].id;
        d.id_len = strlen(docs[i].id);
        d.title = docs[i].title;
        d.title_len = strlen(docs[i].title);
        d.body = docs[i].body;
        d.body_len = strlen(docs[i].body);
        rc = ns_writer_put(w, &d, NULL);
    }
    if (rc == NS_OK)
        rc = ns_writer_commit(w);
    if (rc != NS_OK) {
        fail(dir, rc, ns_writer_errmsg(w));
        ns_writer_close(w);
        return 1;
    }
    ns_writer_close(w);
    return 0;
}

/* Prints the snippet with its highlighted spans in brackets. */
static void print_snippet(const ns_snippet *s)
{
    size_t len, at = 0;
    const char *text = ns_snippet_text(s, &len);
    for (size_t i = 0; i < ns_snippet_span_count(s); i++) {
        size_t b, e;
        ns_snippet_span(s, i, &b, &e);
        printf("%.*s[%.*s]", (int)(b - at), text + at, (int)(e - b), text + b);
        at = e;
    }
    printf("%.*s\n", (int)(len - at), text + at);
}

static int search(const char *dir, const char *text)
{
    char err[NS_ERRBUF_SIZE];
    size_t off;
    ns_index *idx;
    ns_query *q;
    ns_results *r;
    int rc = ns_index_open(&idx, dir, err, sizeof err);
    if (rc != NS_OK)
        return fail(dir, rc, err);
    rc = ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, &off);
    if (rc != NS_OK) {
        ns_index_close(idx);
        return fail(text, rc, err);
    }
    rc = ns_search(&r, idx, q, NULL);
    if (rc != NS_OK) {
        fail(text, rc, ns_index_errmsg(idx));
        ns_query_free(q);
        ns_index_close(idx);
        return 1;
    }
    for (size_t i = 0; i < ns_results_count(r) && rc == NS_OK; i++) {
        ns_hit h;
        ns_snippet *s;
        if ((rc = ns_results_hit(r, i, &h)) != NS_OK ||
            (rc = ns_snippet_make(&s, idx, q, r, i, NULL)) != NS_OK)
            break;
        printf("%zu %.*s %.*s\n  ", h.rank, (int)h.id_len, h.id, (int)h.title_len, h.title);
        print_snippet(s);
        ns_snippet_free(s);
    }
    if (rc == NS_OK)
        printf("%llu matches\n", (unsigned long long)ns_results_total(r, NULL));
    else
        fail(text, rc, ns_index_errmsg(idx));
    ns_results_free(r);
    ns_query_free(q);
    ns_index_close(idx);
    return rc != NS_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: example INDEX_DIR QUERY\n");
        return 2;
    }
    /* The header and the shared library found at run time must agree. */
    if (strcmp(ns_version(), NS_VERSION_STRING) != 0) {
        fprintf(stderr, "example: header %s, library %s\n", NS_VERSION_STRING, ns_version());
        return 1;
    }
    printf("nsearch %s\n", ns_version());
    return build(argv[1]) || search(argv[1], argv[2]);
}
