/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the compaction of pack files (s3_compact.c on the loop, s3_compact_io.c on the
 * pool): the state of one compaction. */
#ifndef SHIMS_S3_S3_COMPACT_H
#define SHIMS_S3_S3_COMPACT_H

#include <uv.h>

#include "shims/s3/s3_internal.h"

#define MAX_SOURCES 8

struct keep {
    int src;
    uint64_t off, new_off, ver, bytes;
    char *key;
};
struct del {
    int src;
    uint64_t off, ver;
    char *key;
    bool keep;
};
struct s3_compaction {
    uv_work_t work;
    struct s3_bucket *b;
    struct s3_pack *from[MAX_SOURCES]; /* the due pack, then the other idle packs of ours */
    struct s3_pack *in[MAX_SOURCES];   /* the worker's own views of them (dup'ed fds) */
    uint64_t in_end[MAX_SOURCES];
    int n_from, cur;
    int packs_fd;
    struct keep *keep; /* sorted by (source, offset) */
    size_t n_keep;
    size_t cap_keep;
    struct keep *others; /* put records no entry points at (phase 1), checked by version */
    size_t n_others, cap_others;
    struct del *dels;
    size_t n_dels, cap_dels;
    int phase;           /* 1: read the sources, 2: write the output */
    uv_loop_t *loop;     /* NULL: synchronous */
    unsigned char *out; /* write buffer */
    size_t out_len;
    int out_fd;
    uint64_t out_size, out_tomb, in_size; /* in_size: all sources */
    size_t n_copied; /* kept records found and copied: all of them, or no switch */
    char tmp[48], name[40];
    int result;
    int64_t ms;
    void (*done)(void *ud);
    void *ud;
};

#define OUT_BUF (S3_PACK_HDR + S3_PACK_MAX_META + S3_PACK_MAX_DATA) /* one record fits */

/* Order of struct keep by (source, offset). */
int s3__compact_cmp_keep_off(const void *a, const void *b);
/* Grows *arr (of size-byte items, *cap of them) to hold one more than n. */
int s3__compact_grow(void **arr, size_t *cap, size_t n, size_t size);
void s3__compaction_free(struct s3_compaction *cp);
/* Pool: phase 1 reads the sources (deletes, and the puts no entry points at); phase 2 writes
 * the kept records to the output, syncs, renames it in and removes the sources. */
void s3__compact_work(uv_work_t *w);

#endif
