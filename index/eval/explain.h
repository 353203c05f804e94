/* explain.h — a hit's score broken into parts (ns_results_explain), shared by
 * the front door (api_explain.c) and the backends that explain (internal). */
#ifndef NSI_EVAL_EXPLAIN_H
#define NSI_EVAL_EXPLAIN_H

#include <stddef.h>

#include "common/buf.h"
#include "nsearch.h"

typedef struct nsi_part {
    size_t what; /* offset of its NUL-terminated text in text */
    double score;
} nsi_part;

struct ns_explain {
    nsi_part *parts;
    size_t n, cap;
    nsi_buf text;
};

/* Appends a part whose text is printf(fmt, ...). NS_ENOMEM. */
int nsi_explain_add(ns_explain *e, double score, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The native backend's explanation of hit i of r (backend.h, explain). */
int nsi_native_explain(const ns_results *r, size_t i, const ns_query *q,
                       const ns_search_options *opts, ns_explain *out);

#endif
