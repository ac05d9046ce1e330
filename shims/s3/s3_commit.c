/* SPDX-License-Identifier: Apache-2.0 */
/* Offloaded writes and UploadPartCopy: the directory group commit, and the job that runs copies,
 * fsync and rename on the libuv thread pool for PutObject, UploadPart, CopyObject,
 * UploadPartCopy and CompleteMultipartUpload, so concurrent requests overlap their fsyncs
 * instead of queueing behind each other on the loop.
 *
 * DESIGN: the request is suspended while the job runs, so the pool thread is the only one to
 * touch the s3_call; the loop then refreshes the key index from disk (the last rename wins,
 * whatever order the jobs finish in) and answers. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/s3/s3_internal.h"

/* Directory group commit: a rename is durable once its directory is fsynced. Threads queue
 * the directory they renamed into; whoever finds no sync running takes the whole queue and
 * fsyncs each distinct directory in it once, so one round covers every rename done before it
 * started. The fds stay owned by the waiting callers. (syncfs rounds that also covered the
 * data fsyncs measured no faster here and would flush unrelated writers' data too.) */
#define GROUP_MAX 64

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t queued; /* tickets handed out */
    uint64_t synced; /* every ticket up to this one is durable */
    bool busy;
    int fds[GROUP_MAX];
    size_t n;
    int round_err;       /* result of the last finished round */
    uint64_t failed_upto; /* tickets up to here were in a round that failed */
    uint64_t failed_from;
} gs = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, false, {0}, 0, 0, 0, 0};

/* fsyncs the distinct directories of fds; 0 or the first -errno. */
static int sync_round(const int *fds, size_t n)
{
    struct stat seen[GROUP_MAX];
    size_t n_seen = 0;
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (fstat(fds[i], &st) < 0) {
            r = r ? r : -errno;
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < n_seen && !dup; k++) {
            dup = seen[k].st_dev == st.st_dev && seen[k].st_ino == st.st_ino;
        }
        if (dup) {
            continue;
        }
        seen[n_seen++] = st;
        if (fsync(fds[i]) < 0) {
            r = r ? r : -errno;
        }
    }
    return r;
}

/* Returns once the entries of directory fd as of the call are durable: 0 or -errno. */
int s3__dir_group_sync(int fd)
{
    pthread_mutex_lock(&gs.mu);
    while (gs.n == GROUP_MAX) {
        pthread_cond_wait(&gs.cv, &gs.mu);
    }
    gs.fds[gs.n++] = fd;
    uint64_t ticket = ++gs.queued;
    while (gs.synced < ticket) {
        if (gs.busy) {
            pthread_cond_wait(&gs.cv, &gs.mu);
            continue;
        }
        int batch[GROUP_MAX];
        size_t n = gs.n;
        uint64_t from = gs.synced + 1, upto = gs.queued;
        memcpy(batch, gs.fds, n * sizeof(int));
        gs.n = 0;
        gs.busy = true;
        pthread_mutex_unlock(&gs.mu);
        int r = sync_round(batch, n);
        pthread_mutex_lock(&gs.mu);
        if (r < 0) {
            gs.round_err = r;
            gs.failed_from = from;
            gs.failed_upto = upto;
        }
        gs.synced = upto;
        gs.busy = false;
        pthread_cond_broadcast(&gs.cv); /* waiters, and room in the queue again */
    }
    int r = ticket >= gs.failed_from && ticket <= gs.failed_upto ? gs.round_err : 0;
    pthread_mutex_unlock(&gs.mu);
    return r;
}

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
    if (c->pack) {
        size_t len = 0;
        const void *data = s3_writer_mem(c->w, &len);
        c->job_result = s3_pack_put_object(c->pack, &c->meta, data, len, &c->pack_off,
                                           &c->pack_meta_len);
        return;
    }
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
    if (r == 0 && c->pack) {
        r = s3_index_put_pack(c->b, &c->meta, c->pack, c->pack_off, c->pack_meta_len);
    }
    else if (r == 0 && !c->job_rel[0]) {
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
        c->meta.ver = s3_version_next();
    }
    size_t len = 0;
    s3_pack_release(c->pack);
    c->pack = NULL;
    if (r == 0 && !rel && !fill && s3_writer_mem(c->w, &len) &&
        s3_bucket_pack_mine(c->b, &c->pack) < 0) {
        c->pack = NULL; /* no pack here: the object gets its own file */
    }
    r = r ? r : shim_request_offload(c->req, commit_work, commit_after, c);
    if (r < 0) {
        done(c, r);
    }
}

/* "bytes=first-last" within size: 1 and the span, 0 when absent, -EINVAL malformed, -ERANGE
 * outside the source. */
static int copy_range(const char *h, uint64_t size, uint64_t *ret_off, uint64_t *ret_len)
{
    if (!h) {
        return 0;
    }
    char *end = NULL;
    if (strncmp(h, "bytes=", 6) != 0 || h[6] < '0' || h[6] > '9') {
        return EMU_EINVAL;
    }
    unsigned long long first = strtoull(h + 6, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9') {
        return EMU_EINVAL;
    }
    unsigned long long last = strtoull(end + 1, &end, 10);
    if (*end || last < first) {
        return EMU_EINVAL;
    }
    if (last >= size) {
        return EMU_ERANGE;
    }
    *ret_off = first;
    *ret_len = last - first + 1;
    return 1;
}

static void part_copy_committed(struct s3_call *c, int r)
{
    if (r < 0) {
        emu_log_error("s3: UploadPartCopy %s/%s: %s", c->bucket, c->key, emu_strerror(r));
        s3_error(c->req, r == EMU_ENOENT ? S3E_NO_SUCH_UPLOAD : S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    char date[40];
    shim_iso8601(c->meta.mtime_ms, date);
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    r = s3_xml_start(&b, "CopyPartResult");
    r = r ? r : emu_buf_printf(&b, "<LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag>"
                                   "</CopyPartResult>",
                               date, c->meta.etag);
    if (r < 0) {
        emu_buf_done(&b);
        s3_error(c->req, S3E_INTERNAL, NULL, NULL, NULL);
        return;
    }
    shim_respond_buf(c->req, 200, "application/xml", &b);
}

void s3_op_upload_part_copy(struct s3_call *c)
{
    struct shim_request *req = c->req;
    const char *pn = shim_request_query(req, "partNumber");
    char *end = NULL;
    long n = pn ? strtol(pn, &end, 10) : 0;
    if (!pn || !*pn || *end || n < 1 || n > S3_MAX_PARTS) {
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL,
                 "Part number must be an integer between 1 and 10000, inclusive");
        return;
    }
    const char *id = shim_request_query(req, "uploadId");
    if (s3_upload_open(c->b, id, c->key, &c->meta) < 0) {
        s3_error(req, S3E_NO_SUCH_UPLOAD, NULL, NULL, NULL);
        return;
    }
    memcpy(c->upload_id, id, 33);
    c->part_number = (unsigned)n;
    int fd = -1;
    struct s3_meta src = {0};
    bool same = false;
    if (!s3__copy_source_open(c, &fd, &src, &same)) {
        return;
    }
    uint64_t off = 0, len = src.size;
    int r = copy_range(shim_request_header(req, "x-amz-copy-source-range"), src.size, &off, &len);
    if (r < 0) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 r == EMU_ERANGE ? "Range specified is not valid for source object of size: %llu"
                                 : "The x-amz-copy-source-range value must be of the form "
                                   "bytes=first-last where first and last are the zero-based "
                                   "offsets of the first and last bytes to copy",
                 (unsigned long long)src.size);
        s3_error(req, S3E_INVALID_ARGUMENT, NULL, NULL, msg);
        close(fd);
        s3_meta_done(&src);
        return;
    }
    off += src.data_off; /* where the source's bytes start in fd */
    s3_meta_done(&src);
    char zero[48] = {0};
    r = s3__part_meta(c, len, zero);
    r = r ? r : s3_writer_open(c->b, len, &c->w);
    if (r < 0) {
        close(fd);
        s3_error(req, S3E_SLOW_DOWN, NULL, NULL, NULL);
        return;
    }
    c->src_fd = fd;
    c->src_off = off;
    c->src_len = len;
    c->src_hash = true;
    char rel[64];
    s3_upload_part_path(c->upload_id, c->part_number, rel);
    s3__commit_async(c, s3__fill_copy, rel, part_copy_committed);
}
