/* fresh.c — bench_fresh: one query per process, the way a user runs a
 * search from a shell: each sample is a new process that loads its
 * libraries, opens the index, runs one query, prints its hits and exits.
 *
 *   bench_fresh --out results.csv --md fresh.md [--raw raw.csv] [--repeats R]
 *               [--label L] ENGINE=COMMANDS.tsv...
 *
 * COMMANDS.tsv has one line per query, "TYPE<TAB>QID<TAB>ARGV0<TAB>ARGV1...":
 * the command that runs that query (stdout and stderr go to /dev/null; exit
 * status 0, or 1 for "no match", is a success). Every file lists the same
 * TYPE/QID in the same order. The engines alternate: for query i and repeat
 * r the order starts at engine (i + r) mod n, so neither load drift nor
 * order favours one. Wall time is CLOCK_MONOTONIC from posix_spawn to
 * waitpid. Each query's time is its median over the repeats; a type's p50
 * and p90 are over its queries, "all" over every query.
 *
 * results.csv rows: ENGINE,fresh,TYPE,p50_us|p90_us|queries,VALUE. fresh.md:
 * the table of report.md's "One query per process" section, with the ratio
 * nsearch / peer for every engine but nsearch and "empty" (the floor: a
 * process that does nothing, /bin/true). Exits 1 when a
 * command failed (after writing what it measured), 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

#define MAX_ENGINES 8

typedef struct cmd {
    char *type, *qid;
    char **argv; /* NULL-terminated, pointing into line */
    char *line;
} cmd;

typedef struct engine {
    const char *name, *path;
    cmd *c;
    size_t n;
    double *us; /* [query * repeats + r] */
    unsigned failed;
} engine;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("bench_fresh: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static int load_commands(engine *e)
{
    FILE *f = fopen(e->path, "r");
    if (!f) {
        fprintf(stderr, "bench_fresh: %s: %s\n", e->path, strerror(errno));
        return -1;
    }
    size_t cap = 64;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    e->c = xmalloc(cap * sizeof *e->c);
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (e->n == cap)
            e->c = realloc(e->c, (cap *= 2) * sizeof *e->c);
        if (!e->c)
            exit(2);
        cmd *c = &e->c[e->n];
        c->line = strdup(line);
        size_t nf = 1;
        for (char *p = c->line; *p; p++)
            nf += *p == '\t';
        if (nf < 3) {
            fprintf(stderr, "bench_fresh: %s:%zu: not TYPE<TAB>QID<TAB>COMMAND\n", e->path,
                    e->n + 1);
            fclose(f);
            free(line);
            return -1;
        }
        char **fields = xmalloc((nf + 1) * sizeof *fields);
        size_t k = 0;
        for (char *p = c->line, *tok; (tok = strsep(&p, "\t"));)
            fields[k++] = tok;
        fields[k] = NULL;
        c->type = fields[0];
        c->qid = fields[1];
        c->argv = fields + 2;
        e->n++;
    }
    free(line);
    fclose(f);
    if (e->n == 0) {
        fprintf(stderr, "bench_fresh: %s: no commands\n", e->path);
        return -1;
    }
    return 0;
}

/* Runs argv once; returns its wall time in microseconds, or -1. */
static double run_once(char **argv, posix_spawn_file_actions_t *fa)
{
    pid_t pid;
    int st;
    double t0 = nb_now_us();
    int rc = posix_spawn(&pid, argv[0], fa, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "bench_fresh: %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    double t1 = nb_now_us();
    if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
        return -1;
    return t1 - t0;
}

static double median_of(double *v, size_t n)
{
    nb_sort_doubles(v, n);
    return nb_percentile(v, n, 50);
}

typedef struct stat_row {
    double p50, p90;
    size_t n;
} stat_row;

/* p50/p90 over the queries of type (NULL: all) of e's per-query medians. */
static stat_row type_stats(const engine *e, const double *med, const char *type)
{
    stat_row s = {0, 0, 0};
    double *v = xmalloc(e->n * sizeof *v);
    for (size_t i = 0; i < e->n; i++)
        if (med[i] >= 0 && (!type || !strcmp(e->c[i].type, type)))
            v[s.n++] = med[i];
    if (s.n) {
        nb_sort_doubles(v, s.n);
        s.p50 = nb_percentile(v, s.n, 50);
        s.p90 = nb_percentile(v, s.n, 90);
    }
    free(v);
    return s;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *md = NULL, *raw = NULL, *label = "corpus";
    int repeats = 3;
    engine eng[MAX_ENGINES];
    size_t ne = 0;

    memset(eng, 0, sizeof eng);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(a, "--md") && i + 1 < argc)
            md = argv[++i];
        else if (!strcmp(a, "--raw") && i + 1 < argc)
            raw = argv[++i];
        else if (!strcmp(a, "--label") && i + 1 < argc)
            label = argv[++i];
        else if (!strcmp(a, "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (a[0] != '-' && strchr(a, '=') && ne < MAX_ENGINES) {
            char *name = strdup(a);
            char *eq = strchr(name, '=');
            *eq = '\0';
            eng[ne].name = name;
            eng[ne].path = eq + 1;
            ne++;
        } else {
            fprintf(stderr,
                    "usage: bench_fresh --out results.csv --md fresh.md [--raw raw.csv] "
                    "[--repeats R] [--label L] ENGINE=COMMANDS.tsv... (at most %d)\n",
                    MAX_ENGINES);
            return 2;
        }
    }
    if (!out || !md || ne == 0 || repeats < 1) {
        fputs("bench_fresh: --out, --md, --repeats >= 1 and an engine are needed\n", stderr);
        return 2;
    }
    for (size_t j = 0; j < ne; j++) {
        if (load_commands(&eng[j]))
            return 2;
        if (eng[j].n != eng[0].n) {
            fprintf(stderr, "bench_fresh: %s has %zu queries, %s %zu\n", eng[j].path, eng[j].n,
                    eng[0].path, eng[0].n);
            return 2;
        }
        for (size_t i = 0; i < eng[j].n; i++)
            if (strcmp(eng[j].c[i].type, eng[0].c[i].type) ||
                strcmp(eng[j].c[i].qid, eng[0].c[i].qid)) {
                fprintf(stderr, "bench_fresh: %s line %zu is %s %s, %s has %s %s\n", eng[j].path,
                        i + 1, eng[j].c[i].type, eng[j].c[i].qid, eng[0].path, eng[0].c[i].type,
                        eng[0].c[i].qid);
                return 2;
            }
        eng[j].us = xmalloc(eng[j].n * (size_t)repeats * sizeof *eng[j].us);
    }

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    size_t nq = eng[0].n;
    for (size_t i = 0; i < nq; i++)
        for (int r = 0; r < repeats; r++)
            for (size_t k = 0; k < ne; k++) {
                engine *e = &eng[(i + (size_t)r + k) % ne];
                double t = run_once(e->c[i].argv, &fa);
                if (t < 0 && e->failed++ == 0)
                    fprintf(stderr, "bench_fresh: %s failed on %s %s (%s ...)\n", e->name,
                            e->c[i].type, e->c[i].qid, e->c[i].argv[0]);
                e->us[i * (size_t)repeats + (size_t)r] = t;
            }
    posix_spawn_file_actions_destroy(&fa);

    FILE *fo = fopen(out, "a"), *fm = fopen(md, "w"), *fr = raw ? fopen(raw, "a") : NULL;
    if (!fo || !fm || (raw && !fr)) {
        fprintf(stderr, "bench_fresh: cannot write %s, %s or %s\n", out, md, raw ? raw : "-");
        return 2;
    }
    /* the types, in order of first appearance */
    const char **types = xmalloc((nq + 1) * sizeof *types);
    size_t nt = 0;
    for (size_t i = 0; i < nq; i++) {
        size_t t = 0;
        while (t < nt && strcmp(types[t], eng[0].c[i].type))
            t++;
        if (t == nt)
            types[nt++] = eng[0].c[i].type;
    }
    types[nt] = NULL; /* "all" */
    stat_row *st = xmalloc(ne * (nt + 1) * sizeof *st);
    double *v = xmalloc((size_t)repeats * sizeof *v);
    for (size_t j = 0; j < ne; j++) {
        double *med = xmalloc(nq * sizeof *med);
        for (size_t i = 0; i < nq; i++) {
            size_t n = 0;
            for (int r = 0; r < repeats; r++) {
                double t = eng[j].us[i * (size_t)repeats + (size_t)r];
                if (fr)
                    fprintf(fr, "%s,fresh,%s,%s,%d,%.1f\n", eng[j].name, eng[j].c[i].type,
                            eng[j].c[i].qid, r, t);
                if (t >= 0)
                    v[n++] = t;
            }
            med[i] = n ? median_of(v, n) : -1;
        }
        for (size_t t = 0; t <= nt; t++) {
            stat_row s = type_stats(&eng[j], med, types[t]);
            const char *tn = types[t] ? types[t] : "all";
            st[j * (nt + 1) + t] = s;
            fprintf(fo, "%s,fresh,%s,p50_us,%.1f\n", eng[j].name, tn, s.p50);
            fprintf(fo, "%s,fresh,%s,p90_us,%.1f\n", eng[j].name, tn, s.p90);
            fprintf(fo, "%s,fresh,%s,queries,%zu\n", eng[j].name, tn, s.n);
        }
        free(med);
    }
    /* fresh.md: p50 per engine (ms), then nsearch / peer */
    size_t ns = ne;
    for (size_t j = 0; j < ne; j++)
        if (!strcmp(eng[j].name, "nsearch"))
            ns = j;
            /* peers: the engines besides nsearch, not the "empty" floor */
#define PEER(j) (ns < ne && (j) != ns && strcmp(eng[j].name, "empty") != 0)
    fprintf(fm,
            "%s: %zu queries, %d repeats each, engines alternating; median wall time of\n"
            "one process (ms), p50 over a type's queries",
            label, nq, repeats);
    fputs(ns < ne ? "; ratio nsearch / peer (below 1: nsearch is faster).\n\n" : ".\n\n", fm);
    fputs("| type |", fm);
    for (size_t j = 0; j < ne; j++)
        fprintf(fm, " %s |", eng[j].name);
    for (size_t j = 0; j < ne; j++)
        if (PEER(j))
            fprintf(fm, " nsearch / %s |", eng[j].name);
    fputs("\n|---|", fm);
    for (size_t j = 0; j < ne; j++)
        fputs("---:|", fm);
    for (size_t j = 0; j < ne; j++)
        if (PEER(j))
            fputs("---:|", fm);
    fputc('\n', fm);
    for (size_t t = 0; t <= nt; t++) {
        fprintf(fm, "| %s%s%s |", types[t] ? "" : "**", types[t] ? types[t] : "all",
                types[t] ? "" : "**");
        for (size_t j = 0; j < ne; j++)
            fprintf(fm, " %.2f |", st[j * (nt + 1) + t].p50 / 1000);
        for (size_t j = 0; j < ne; j++)
            if (PEER(j)) {
                double a = st[ns * (nt + 1) + t].p50, b = st[j * (nt + 1) + t].p50;
                fprintf(fm, b > 0 ? " %.2f |" : " - |", b > 0 ? a / b : 0);
            }
        fputc('\n', fm);
    }
    int status = 0;
    for (size_t j = 0; j < ne; j++)
        if (eng[j].failed) {
            fprintf(fm, "\n**%s failed on %u of %zu runs.**\n", eng[j].name, eng[j].failed,
                    nq * (size_t)repeats);
            status = 1;
        }
    fclose(fo);
    fclose(fm);
    if (fr)
        fclose(fr);
    for (size_t j = 0; j < ne; j++) {
        for (size_t i = 0; i < eng[j].n; i++) {
            free(eng[j].c[i].line);
            free(eng[j].c[i].argv - 2);
        }
        free(eng[j].c);
        free(eng[j].us);
        free((char *)eng[j].name);
    }
    free(types);
    free(st);
    free(v);
    return status;
}
