/* SPDX-License-Identifier: Apache-2.0 */
/* out_s3's uploads: PutObject, or CreateMultipartUpload / UploadPart / CompleteMultipartUpload
 * (AbortMultipartUpload when a completion is given up), signed with the provider's credentials.
 *
 * DESIGN: one job runs at a time, which keeps objects in buffer order (preserve_data_ordering).
 * A job reads its buffer file, hashes and gzips it on uv_queue_work (no allocation off the loop:
 * both buffers are allocated before), gets credentials, then sends. A failed job is retried with
 * a backoff (1, 2, 4 ... 30 s) until Retry_Limit retries, then its file is quarantined (renamed
 * "*.failed") or deleted per retry_exhausted_action. Part ETags are the MD5 of the part as S3
 * computes them for unencrypted objects. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "emu/aws/sigv4.h"
#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/plugins/out_s3/out_s3.h"

enum job_kind { JOB_PUT, JOB_PART, JOB_COMPLETE };

struct s3_job {
    struct s3_ctx *ctx;
    enum job_kind kind;
    struct s3_file *f;
    struct s3_mpu *mpu;
    uv_work_t work;
    char *in, *out;
    size_t in_len, out_cap;
    long long out_len;
    int work_rc, creating, auto_retried;
    const char *body;
    size_t body_len;
    struct emu_buf xml;
    char md5_hex[33], md5_b64[32];
    char key[EMU_S3_KEY_MAX + 32];
};

static void job_send(struct s3_job *job, const struct emu_aws_creds *c);

static void job_free(struct s3_job *job)
{
    emu_free(job->in);
    emu_free(job->out);
    emu_buf_done(&job->xml);
    if (job->ctx->job == job) {
        job->ctx->job = NULL;
    }
    emu_free(job);
}

static time_t backoff(int failures)
{
    int s = failures < 5 ? 1 << (failures - 1) : 30;
    return s > 30 ? 30 : s;
}

static struct s3_mpu *mpu_for(struct s3_ctx *ctx, const char *tag)
{
    for (struct s3_mpu *m = ctx->mpus; m; m = m->next) {
        if (strcmp(m->tag, tag) == 0) {
            return m;
        }
    }
    struct s3_mpu *m = emu_calloc(1, sizeof(*m));
    if (!m || !(m->tag = emu_strdup(tag))) {
        emu_free(m);
        return NULL;
    }
    m->created = time(NULL);
    m->next = ctx->mpus;
    ctx->mpus = m;
    return m;
}

static void mpu_free(struct s3_ctx *ctx, struct s3_mpu *m)
{
    struct s3_mpu **pp = &ctx->mpus;
    while (*pp && *pp != m) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = m->next;
    }
    emu_free(m->etags);
    emu_free(m->tag);
    emu_free(m);
}

void s3_send_free_all(struct s3_ctx *ctx)
{
    while (ctx->mpus) {
        mpu_free(ctx, ctx->mpus);
    }
}

static int mpu_due(const struct s3_ctx *ctx, const struct s3_mpu *m, time_t now)
{
    return m->n_parts > 0 && m->next_try <= now &&
           (ctx->exiting || m->bytes >= (uint64_t)ctx->total_file_size ||
            now - m->created >= ctx->upload_timeout);
}

int s3_send_pending(const struct s3_ctx *ctx)
{
    if (ctx->job) {
        return 1;
    }
    for (const struct s3_file *f = ctx->store.head; f; f = f->next) {
        if (f->size > 0) {
            return 1;
        }
    }
    for (const struct s3_mpu *m = ctx->mpus; m; m = m->next) {
        if (m->n_parts > 0) {
            return 1;
        }
    }
    return 0;
}

void s3_send_seal_due(struct s3_ctx *ctx, time_t now)
{
    for (struct s3_file *f = ctx->store.head; f; f = f->next) {
        if (!f->sealed && (ctx->exiting || now - f->created >= ctx->upload_timeout)) {
            f->sealed = 1;
            f->final_part = 1;
            if (!ctx->use_put_object) {
                struct s3_mpu *m = mpu_for(ctx, f->tag);
                if (m) {
                    m->created = 0; /* complete right after this last part */
                }
            }
        }
    }
}

/* ---- the work thread: read, hash, compress --------------------------------------------- */

static void md5(const void *p, size_t n, struct s3_job *job)
{
    unsigned char d[16];
    unsigned int dl = 0;
    static const char hex[] = "0123456789abcdef";
    (void)EVP_Digest(p, n, d, &dl, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++) {
        job->md5_hex[2 * i] = hex[d[i] >> 4];
        job->md5_hex[2 * i + 1] = hex[d[i] & 15];
    }
    job->md5_hex[32] = '\0';
    (void)EVP_EncodeBlock((unsigned char *)job->md5_b64, d, 16);
}

static void work_cb(uv_work_t *w)
{
    struct s3_job *job = w->data;
    job->work_rc = s3buf_read(job->f->path, job->f->data_off, job->in, job->in_len);
    if (job->work_rc < 0) {
        return;
    }
    if (job->out) {
        job->out_len = emu_s3_gzip(job->in, job->in_len, job->out, job->out_cap);
        if (job->out_len < 0) {
            job->work_rc = (int)job->out_len;
            return;
        }
        job->body = job->out;
        job->body_len = (size_t)job->out_len;
    }
    else {
        job->body = job->in;
        job->body_len = job->in_len;
    }
    md5(job->body, job->body_len, job);
}

/* ---- outcome ---------------------------------------------------------------------------- */

static void give_up_file(struct s3_ctx *ctx, struct s3_file *f)
{
    char failed[S3_STORE_PATH_MAX + 8];
    emu_plg_log(EMU_LOG_ERROR, ctx->name,
                "upload of %s (%" PRIu64 " records, tag %s) failed %d times, %s it", f->path,
                f->records, f->tag, f->failures,
                strcasecmp(ctx->retry_exhausted_action, "delete") == 0 ? "deleting"
                                                                      : "quarantining");
    ctx->dropped_records += f->records;
    if (strcasecmp(ctx->retry_exhausted_action, "delete") != 0) {
        snprintf(failed, sizeof(failed), "%s.failed", f->path);
        (void)rename(f->path, failed);
    }
    s3buf_remove(&ctx->store, f);
}

static void abort_done(int status, const struct emu_http_response *resp, void *ud)
{
    (void)status;
    (void)resp;
    (void)ud;
}

static void job_fail(struct s3_job *job, const char *why)
{
    struct s3_ctx *ctx = job->ctx;
    int *failures = job->kind == JOB_COMPLETE ? &job->mpu->failures : &job->f->failures;
    time_t now = time(NULL);
    if (job->kind != JOB_COMPLETE) {
        job->f->busy = 0;
    }
    ctx->failures++;
    (*failures)++;
    emu_plg_log(EMU_LOG_WARN, ctx->name, "%s failed (%s), attempt %d",
                job->kind == JOB_PUT ? "PutObject"
                : job->kind == JOB_COMPLETE ? "CompleteMultipartUpload"
                : job->creating ? "CreateMultipartUpload" : "UploadPart",
                why, *failures);
    int exhausted = ctx->retry_limit >= 0 && *failures > ctx->retry_limit;
    if (job->kind == JOB_COMPLETE) {
        if (exhausted) {
            const struct emu_aws_creds *c = emu_aws_provider_cached(ctx->prov);
            if (c && job->mpu->upload_id[0]) {
                char q[600], path[EMU_S3_KEY_MAX * 3 + 300];
                snprintf(q, sizeof(q), "uploadId=%s", job->mpu->upload_id);
                snprintf(path, sizeof(path), "/%s%s", ctx->bucket, job->key);
                struct emu_aws_call call = {.method = "DELETE", .endpoint = ctx->endpoint_url,
                                            .path = path, .query = q, .service = "s3",
                                            .region = ctx->region};
                (void)emu_aws_request(ctx->http, c, &call, abort_done, NULL, NULL);
            }
            emu_plg_log(EMU_LOG_ERROR, ctx->name, "giving up multipart upload of %s",
                        job->mpu->key);
            mpu_free(ctx, job->mpu);
        }
        else {
            job->mpu->next_try = now + backoff(*failures);
        }
    }
    else if (exhausted) {
        give_up_file(ctx, job->f);
    }
    else {
        job->f->next_try = now + backoff(*failures);
    }
    job_free(job);
}

static void on_response(int status, const struct emu_http_response *resp, void *ud)
{
    struct s3_job *job = ud;
    struct s3_ctx *ctx = job->ctx;
    char code[128] = "", why[256];
    if (status == EMU_ECANCELED || ctx->closing) {
        job_free(job);
        return;
    }
    if (status < 0 || resp->status < 200 || resp->status > 299) {
        if (status < 0 && ctx->auto_retry_requests && !job->auto_retried) {
            const struct emu_aws_creds *c = emu_aws_provider_cached(ctx->prov);
            job->auto_retried = 1;
            if (c) {
                job_send(job, c);
                return;
            }
        }
        if (status == 0) {
            (void)emu_aws_error_parse(resp->body, resp->body_len, code, sizeof(code), NULL, 0);
        }
        if (status < 0) {
            snprintf(why, sizeof(why), "%s", emu_strerror(status));
        }
        else {
            snprintf(why, sizeof(why), "HTTP %ld %s", resp->status, code);
        }
        job_fail(job, why);
        s3_send_kick(ctx);
        return;
    }
    job->auto_retried = 0;
    if (job->kind == JOB_PART && job->creating) {
        job->creating = 0;
        if (emu_aws_xml_text(resp->body, resp->body_len, "UploadId", job->mpu->upload_id,
                             sizeof(job->mpu->upload_id)) < 0) {
            job->creating = 1;
            job_fail(job, "no UploadId in the response");
            s3_send_kick(ctx);
            return;
        }
        memcpy(job->mpu->key, job->key, sizeof(job->mpu->key) - 1);
        job->mpu->key[sizeof(job->mpu->key) - 1] = '\0';
        job_send(job, emu_aws_provider_cached(ctx->prov));
        return;
    }
    if (job->kind == JOB_PART) {
        struct s3_mpu *m = job->mpu;
        snprintf(m->etags[m->n_parts], sizeof(m->etags[0]), "\"%s\"", job->md5_hex);
        m->n_parts++;
        m->bytes += job->body_len;
        ctx->parts++;
        s3buf_remove(&ctx->store, job->f);
    }
    else if (job->kind == JOB_PUT) {
        ctx->objects++;
        emu_plg_log(EMU_LOG_INFO, ctx->name, "Successfully uploaded object %s", job->key);
        s3buf_remove(&ctx->store, job->f);
    }
    else {
        ctx->objects++;
        emu_plg_log(EMU_LOG_INFO, ctx->name, "Successfully completed multipart upload %s",
                    job->mpu->key);
        mpu_free(ctx, job->mpu);
    }
    job_free(job);
    s3_send_kick(ctx);
}

/* ---- sending ---------------------------------------------------------------------------- */

static void job_send(struct s3_job *job, const struct emu_aws_creds *c)
{
    struct s3_ctx *ctx = job->ctx;
    struct emu_buf path;
    char q[700], h[6][600];
    const char *hdrs[7];
    size_t nh = 0;
    const char *method = "PUT";
    emu_buf_init(&path, 16u * 1024u);
    int r = emu_buf_printf(&path, "/%s%s", ctx->bucket, job->key[0] == '/' ? "" : "/");
    r = r ? r : emu_sigv4_uri_encode(job->key, strlen(job->key), 1, &path);
    q[0] = '\0';
    int headers = job->kind == JOB_PUT || job->creating;
    if (headers && ctx->content_type) {
        snprintf(h[nh], sizeof(h[0]), "Content-Type: %s", ctx->content_type);
        hdrs[nh] = h[nh], nh++;
    }
    if (headers && ctx->gzip) {
        snprintf(h[nh], sizeof(h[0]), "Content-Encoding: gzip");
        hdrs[nh] = h[nh], nh++;
    }
    if (headers && ctx->canned_acl) {
        snprintf(h[nh], sizeof(h[0]), "x-amz-acl: %s", ctx->canned_acl);
        hdrs[nh] = h[nh], nh++;
    }
    if (headers && ctx->storage_class) {
        snprintf(h[nh], sizeof(h[0]), "x-amz-storage-class: %s", ctx->storage_class);
        hdrs[nh] = h[nh], nh++;
    }
    if (job->kind == JOB_PUT && ctx->send_content_md5) {
        snprintf(h[nh], sizeof(h[0]), "Content-MD5: %s", job->md5_b64);
        hdrs[nh] = h[nh], nh++;
    }
    hdrs[nh] = NULL;
    const char *body = job->body;
    size_t body_len = job->body_len;
    if (job->kind == JOB_PART && job->creating) {
        method = "POST";
        snprintf(q, sizeof(q), "uploads=");
        body = NULL;
        body_len = 0;
    }
    else if (job->kind == JOB_PART) {
        snprintf(q, sizeof(q), "partNumber=%zu&uploadId=%s", job->mpu->n_parts + 1,
                 job->mpu->upload_id);
    }
    else if (job->kind == JOB_COMPLETE) {
        method = "POST";
        snprintf(q, sizeof(q), "uploadId=%s", job->mpu->upload_id);
        body = job->xml.data;
        body_len = job->xml.len;
    }
    struct emu_aws_call call = {.method = method, .endpoint = ctx->endpoint_url,
                                .path = path.data, .query = q, .service = "s3",
                                .region = ctx->region, .headers = hdrs, .body = body,
                                .body_len = body_len};
    r = r ? r : emu_aws_request(ctx->http, c, &call, on_response, job, NULL);
    emu_buf_done(&path);
    if (r < 0) {
        job_fail(job, emu_strerror(r));
    }
}

static void creds_cb(int status, const struct emu_aws_creds *c, void *ud)
{
    struct s3_job *job = ud;
    if (status == EMU_ECANCELED || job->ctx->closing) {
        job_free(job);
        return;
    }
    if (status < 0) {
        emu_plg_log(EMU_LOG_ERROR, job->ctx->name, "cannot get AWS credentials: %s",
                    emu_strerror(status));
        job_fail(job, "no credentials");
        return;
    }
    job_send(job, c);
}

static void with_creds(struct s3_job *job)
{
    const struct emu_aws_creds *c = emu_aws_provider_cached(job->ctx->prov);
    if (c) {
        job_send(job, c);
        return;
    }
    if (emu_aws_provider_get(job->ctx->prov, creds_cb, job) < 0) {
        job_fail(job, "out of memory");
    }
}

static void after_work_cb(uv_work_t *w, int status)
{
    struct s3_job *job = w->data;
    struct s3_ctx *ctx = job->ctx;
    emu_router_release(ctx->r);
    if (status < 0 || ctx->closing) {
        job_free(job);
        return;
    }
    if (job->work_rc < 0) {
        job_fail(job, "cannot read or compress the buffer file");
        s3_send_kick(ctx);
        return;
    }
    if (job->kind == JOB_PART && job->body_len < S3_MIN_CHUNK && !job->f->final_part) {
        /* A compressed part under S3's 5 MiB minimum that is not the last one: take in the
         * tag's later buffers, or keep buffering, until it compresses to enough. */
        struct s3_file *f = job->f, *g = f->next;
        while (g && (strcmp(g->tag, f->tag) != 0 || g->busy)) {
            g = g->next;
        }
        f->busy = 0;
        if (g && s3buf_merge(&ctx->store, f, g) == 0) {
            f->sealed = 1;
        }
        else {
            f->sealed = 0;
            f->seal_at = f->size + f->size / 2 + 1;
        }
        job_free(job);
        s3_send_kick(ctx);
        return;
    }
    with_creds(job);
}

/* ---- choosing the next job -------------------------------------------------------------- */

static int make_key(struct s3_ctx *ctx, struct s3_file *f, char *out, size_t out_len)
{
    char uuid[EMU_S3_UUID_LEN + 1], rnd[EMU_S3_UUID_LEN + 1];
    struct emu_buf k;
    emu_buf_init(&k, EMU_S3_KEY_MAX + 32);
    int r = emu_s3_random_alnum(uuid, EMU_S3_UUID_LEN);
    r = r ? r
          : emu_s3_key_format(ctx->s3_key_format, f->tag, ctx->tag_delims, ctx->store.index,
                              uuid, f->first_time, &k);
    if (r == 0 && ctx->use_put_object &&
        emu_s3_key_needs_suffix(ctx->s3_key_format, ctx->static_file_path)) {
        r = emu_s3_random_alnum(rnd, EMU_S3_UUID_LEN);
        r = r ? r : emu_buf_printf(&k, "-object%s", rnd);
    }
    if (r == 0) {
        snprintf(out, out_len, "%s", k.data ? k.data : "");
        if (strstr(ctx->s3_key_format, "$INDEX")) {
            ctx->store.index++;
            (void)s3buf_save_index(&ctx->store);
        }
    }
    emu_buf_done(&k);
    return r;
}

static int start_file_job(struct s3_ctx *ctx, struct s3_file *f)
{
    struct s3_job *job = emu_calloc(1, sizeof(*job));
    if (!job) {
        return EMU_ENOMEM;
    }
    job->ctx = ctx;
    job->f = f;
    job->kind = ctx->use_put_object ? JOB_PUT : JOB_PART;
    emu_buf_init(&job->xml, 1);
    if (job->kind == JOB_PART) {
        job->mpu = mpu_for(ctx, f->tag);
        if (job->mpu && job->mpu->n_parts >= job->mpu->cap) {
            size_t cap = job->mpu->cap ? job->mpu->cap * 2 : 16;
            void *p = cap <= S3_MAX_PARTS ? emu_realloc(job->mpu->etags, cap * 36) : NULL;
            if (p) {
                job->mpu->etags = p;
                job->mpu->cap = cap;
            }
        }
        if (!job->mpu || job->mpu->n_parts >= job->mpu->cap) {
            emu_free(job);
            return EMU_ENOMEM;
        }
        job->creating = job->mpu->upload_id[0] == '\0';
        if (!job->creating) {
            memcpy(job->key, job->mpu->key, sizeof(job->mpu->key));
        }
    }
    if ((job->kind == JOB_PUT || job->creating) &&
        make_key(ctx, f, job->key, sizeof(job->key)) < 0) {
        emu_free(job);
        return EMU_E2BIG;
    }
    job->in_len = f->size;
    job->in = emu_malloc(f->size ? f->size : 1);
    if (ctx->gzip) {
        job->out_cap = emu_s3_gzip_bound(f->size);
        job->out = emu_malloc(job->out_cap);
    }
    if (!job->in || (ctx->gzip && !job->out)) {
        job_free(job);
        return EMU_ENOMEM;
    }
    f->busy = 1;
    ctx->job = job;
    job->work.data = job;
    emu_router_hold(ctx->r);
    if (uv_queue_work(ctx->loop, &job->work, work_cb, after_work_cb) < 0) {
        emu_router_release(ctx->r);
        f->busy = 0;
        job_free(job);
        return EMU_EIO;
    }
    return 0;
}

static int start_complete_job(struct s3_ctx *ctx, struct s3_mpu *m)
{
    struct s3_job *job = emu_calloc(1, sizeof(*job));
    if (!job) {
        return EMU_ENOMEM;
    }
    job->ctx = ctx;
    job->mpu = m;
    job->kind = JOB_COMPLETE;
    memcpy(job->key, m->key, sizeof(m->key));
    emu_buf_init(&job->xml, 2u * 1024u * 1024u);
    int r = emu_buf_puts(&job->xml, "<CompleteMultipartUpload>");
    for (size_t i = 0; r == 0 && i < m->n_parts; i++) {
        r = emu_buf_printf(&job->xml, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>",
                           i + 1, m->etags[i]);
    }
    r = r ? r : emu_buf_puts(&job->xml, "</CompleteMultipartUpload>");
    if (r < 0) {
        job_free(job);
        return r;
    }
    ctx->job = job;
    with_creds(job);
    return 0;
}

void s3_send_kick(struct s3_ctx *ctx)
{
    time_t now = time(NULL);
    while (!ctx->job && !ctx->closing) {
        struct s3_file *pick = NULL;
        struct s3_mpu *due = NULL;
        for (struct s3_file *f = ctx->store.head; f; f = f->next) {
            if (!f->sealed || f->busy) {
                continue;
            }
            if (f->next_try <= now) {
                pick = f;
                break;
            }
            if (ctx->preserve_data_ordering) {
                break;
            }
        }
        for (struct s3_mpu *m = ctx->mpus; !pick && m; m = m->next) {
            if (m->upload_id[0] && mpu_due(ctx, m, now)) {
                due = m;
                break;
            }
        }
        if (!pick && !due) {
            return;
        }
        int r = pick ? start_file_job(ctx, pick) : start_complete_job(ctx, due);
        if (r < 0) {
            emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot start an upload: %s", emu_strerror(r));
            if (pick) {
                pick->next_try = now + 1;
            }
            else {
                due->next_try = now + 1;
            }
        }
    }
}
