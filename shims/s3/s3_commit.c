/* SPDX-License-Identifier: Apache-2.0 */
/* Offloaded writes: the job that runs copies, fsync, rename and the directory group commit on
 * the libuv thread pool for PutObject, UploadPart, CopyObject, UploadPartCopy and
 * CompleteMultipartUpload, so concurrent requests overlap their fsyncs instead of queueing
 * behind each other on the loop.
 *
 * DESIGN: the request is suspended while the job runs, so the pool thread is the only one to
 * touch the s3_call; the loop then refreshes the key index from disk (the last rename wins,
 * whatever order the jobs finish in) and answers. */
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

int s3__fill_copy(struct s3_call *c)
{
    int r = s3_writer_copy(c->w, c->src_fd, c->src_off, c->src_len, c->src_hash);
    if (r < 0) {
        return r;
    }
    c->meta.size = c->src_len;
    if (c->src_hash) {
        unsigned char md5[16];
        s3_writer_md5(c->w, md5);
        shim_hex_encode(md5, 16, c->meta.etag);
    }
    return 0;
}

static void commit_work(void *ud)
{
    struct s3_call *c = ud;
    int r = c->job_fill ? c->job_fill(c) : 0;
    char rel[80];
    if (c->job_rel[0]) {
        memcpy(rel, c->job_rel, sizeof(rel));
    }
    else {
        s3_object_path(c->key, rel);
    }
    c->job_result = r ? r : s3_writer_finish(c->w, &c->meta, rel);
}

static void commit_after(struct shim_request *req, void *ud)
{
    (void)req;
    struct s3_call *c = ud;
    if (c->src_fd >= 0) {
        close(c->src_fd);
        c->src_fd = -1;
    }
    int r = c->job_result;
    if (r == 0 && c->b->deleted) {
        r = EMU_ENOENT; /* the bucket went away while the object was being written */
    }
    if (r == 0 && !c->job_rel[0]) {
        r = s3_bucket_index_refresh(c->b, c->key);
        if (r < 0) {
            emu_log_error("s3: index of %s after writing %s: %s", c->bucket, c->key,
                          emu_strerror(r));
        }
    }
    c->job_done(c, r);
}

void s3__commit_async(struct s3_call *c, int (*fill)(struct s3_call *c), const char *rel,
                      void (*done)(struct s3_call *c, int r))
{
    c->job_fill = fill;
    c->job_done = done;
    c->job_rel[0] = '\0';
    if (rel) {
        snprintf(c->job_rel, sizeof(c->job_rel), "%s", rel);
    }
    int r = c->b->deleted ? EMU_ENOENT : 0;
    if (r == 0 && !rel) {
        r = s3_bucket_index(c->b); /* loaded on the loop, before any pool thread writes */
    }
    r = r ? r : shim_request_offload(c->req, commit_work, commit_after, c);
    if (r < 0) {
        done(c, r);
    }
}
