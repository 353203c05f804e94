/* merge.h — merging segments into one (internal). */
#ifndef NSI_MERGE_H
#define NSI_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "format/segment.h"

typedef struct nsi_merge_in {
    const nsi_seg *seg;
    const uint8_t *deleted; /* bitmap, may be NULL */
} nsi_merge_in;

/* Writes segment out_id in dir (relative to the open directory dirfd; -1: by
 * path) holding the live documents of in[0..n) in
 * order (deleted documents are dropped), for commit generation gen (CHECKS
 * gen). Its field table is schema's fields (may be NULL), the built-in date
 * and the inputs' fields; its columns hold the live documents' values. The
 * documents of inputs older than version 5 get their fingerprints computed
 * with an (the index's analyzer; NULL: left unknown, 0). *ndocs receives its
 * size. */
int nsi_merge(const nsi_merge_in *in, size_t n, const nsi_schema *schema, nsi_analyzer *an,
              int dirfd, const char *dir, uint64_t out_id, uint64_t gen, uint32_t *ndocs, char *err,
              size_t errlen);

#endif
