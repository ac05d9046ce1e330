/* SPDX-License-Identifier: Apache-2.0 */
/* out_s3: Fluent Bit's S3 output. Flushes append records (JSON lines with json_date_key /
 * json_date_format, or the raw log_key values) to a per-tag buffer file in store_dir; a file is
 * uploaded once it reaches total_file_size (PutObject) or upload_chunk_size (one multipart
 * part), or upload_timeout passes; on exit everything left is uploaded within Grace and what
 * could not be sent stays in store_dir for the next start. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/router/format.h"
#include "emu/router/mp.h"
#include "emu/router/plugins/out_s3/out_s3.h"
#include "emu/router/router.h"

#define OFF(f) offsetof(struct s3_ctx, f)
/* A request body cannot exceed uv_curl's ceiling; larger thresholds are lowered to this. */
#define BODY_MAX (EMU_HTTP_MAX_REQUEST - 1024u * 1024u)

static const struct emu_router_option s3_options[] = {
    {EMU_ROPT_STR, "format", "json_lines", 0, OFF(format), "Output format: json_lines."},
    {EMU_ROPT_STR, "json_date_format", "iso8601", 0, OFF(json_date_format),
     "double, epoch, epoch_ms, iso8601 or java_sql_timestamp."},
    {EMU_ROPT_STR, "json_date_key", "date", 0, OFF(json_date_key),
     "Name of the time key in the output record; false to leave it out."},
    {EMU_ROPT_SIZE, "total_file_size", "100000000", 0, OFF(total_file_size),
     "Size of the objects created in S3."},
    {EMU_ROPT_SIZE, "upload_chunk_size", "5242880", 0, OFF(upload_chunk_size),
     "Size of each multipart part."},
    {EMU_ROPT_TIME, "upload_timeout", "10m", 0, OFF(upload_timeout),
     "Upload (and start a new object) when this much time has passed."},
    {EMU_ROPT_STR, "bucket", NULL, 0, OFF(bucket), "S3 bucket name."},
    {EMU_ROPT_STR, "region", "us-east-1", 0, OFF(region), "AWS region."},
    {EMU_ROPT_STR, "role_arn", NULL, 0, OFF(role_arn), "ARN of an IAM role to assume."},
    {EMU_ROPT_STR, "endpoint", NULL, 0, OFF(endpoint), "Custom endpoint for the S3 API."},
    {EMU_ROPT_STR, "sts_endpoint", NULL, 0, OFF(sts_endpoint), "Custom endpoint for STS."},
    {EMU_ROPT_STR, "canned_acl", NULL, 0, OFF(canned_acl), "Canned ACL for the objects."},
    {EMU_ROPT_STR, "compression", NULL, 0, OFF(compression), "gzip, or none."},
    {EMU_ROPT_STR, "content_type", NULL, 0, OFF(content_type), "Content-Type of the objects."},
    {EMU_ROPT_STR, "store_dir", "/tmp/fluent-bit/s3", 0, OFF(store_dir),
     "Directory to buffer data in before upload."},
    {EMU_ROPT_SIZE, "store_dir_limit_size", "0", 0, OFF(store_dir_limit_size),
     "Limit of the data buffered in store_dir (0: unlimited)."},
    {EMU_ROPT_SIZE, "quarantine_dir_limit_size", "0", 0, OFF(quarantine_dir_limit_size),
     "Limit of quarantined data (accepted, not enforced)."},
    {EMU_ROPT_STR, "s3_key_format", "/fluent-bit-logs/$TAG/%Y/%m/%d/%H/%M/%S", 0,
     OFF(s3_key_format), "Format of the object keys ($TAG, $TAG[n], $INDEX, $UUID, strftime)."},
    {EMU_ROPT_STR, "s3_key_format_tag_delimiters", ".", 0, OFF(tag_delims),
     "Characters that split the tag into $TAG[n] parts."},
    {EMU_ROPT_BOOL, "auto_retry_requests", "true", 0, OFF(auto_retry_requests),
     "Retry a request once at once after a network error."},
    {EMU_ROPT_BOOL, "use_put_object", "false", 0, OFF(use_put_object),
     "Use PutObject instead of multipart uploads."},
    {EMU_ROPT_BOOL, "send_content_md5", "false", 0, OFF(send_content_md5),
     "Send Content-MD5 with PutObject."},
    {EMU_ROPT_BOOL, "preserve_data_ordering", "true", 0, OFF(preserve_data_ordering),
     "Upload buffers strictly in order, even after failures."},
    {EMU_ROPT_STR, "retry_exhausted_action", "quarantine", 0, OFF(retry_exhausted_action),
     "delete or quarantine a buffer whose uploads failed Retry_Limit times."},
    {EMU_ROPT_STR, "log_key", NULL, 0, OFF(log_key), "Send only the value of this key."},
    {EMU_ROPT_STR, "external_id", NULL, 0, OFF(external_id), "External ID for AssumeRole."},
    {EMU_ROPT_BOOL, "static_file_path", "false", 0, OFF(static_file_path),
     "Do not append a random suffix when s3_key_format has no $UUID."},
    {EMU_ROPT_STR, "storage_class", NULL, 0, OFF(storage_class), "Storage class of objects."},
    {EMU_ROPT_STR, "profile", NULL, 0, OFF(profile), "AWS profile name."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int check_options(struct s3_ctx *ctx)
{
    if (!ctx->bucket) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "'bucket' is a required parameter");
        return EMU_EINVAL;
    }
    if (strcasecmp(ctx->format, "json_lines") != 0 && strcasecmp(ctx->format, "json") != 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "format '%s' is not supported", ctx->format);
        return EMU_ENOTSUP;
    }
    if (ctx->compression && strcasecmp(ctx->compression, "gzip") != 0 &&
        strcasecmp(ctx->compression, "none") != 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "unknown compression: %s", ctx->compression);
        return EMU_ENOTSUP;
    }
    ctx->gzip = ctx->compression && strcasecmp(ctx->compression, "gzip") == 0;
    ctx->date_fmt = emu_router_date_fmt_parse(ctx->json_date_format);
    if (ctx->date_fmt < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "invalid json_date_format '%s'",
                    ctx->json_date_format);
        return EMU_EINVAL;
    }
    if (!ctx->use_put_object && ctx->total_file_size < 2 * (int64_t)S3_MIN_CHUNK) {
        emu_plg_log(EMU_LOG_INFO, ctx->name, "total_file_size is less than 10 MB, will use "
                                             "PutObject API");
        ctx->use_put_object = 1;
    }
    if (!ctx->use_put_object) {
        if (ctx->upload_chunk_size < (int64_t)S3_MIN_CHUNK ||
            ctx->upload_chunk_size > ctx->total_file_size) {
            emu_plg_log(EMU_LOG_ERROR, ctx->name, "upload_chunk_size must be at least "
                                                  "5,242,880 bytes and at most total_file_size");
            return EMU_EINVAL;
        }
    }
    else if (ctx->total_file_size > 50000000) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "Max total_file_size is 50M when use_put_object "
                                              "is enabled");
        return EMU_EINVAL;
    }
    int64_t *unit = ctx->use_put_object ? &ctx->total_file_size : &ctx->upload_chunk_size;
    if (*unit > (int64_t)BODY_MAX) {
        emu_plg_log(EMU_LOG_WARN, ctx->name, "uploads are cut at %u bytes (emu-router's "
                                             "request ceiling)", (unsigned)BODY_MAX);
        *unit = BODY_MAX;
    }
    return 0;
}

static void timer_cb(uv_timer_t *t);

static int cb_s3_init(struct emu_router_output *ins, void *data)
{
    struct s3_ctx *ctx = data;
    ctx->ins = ins;
    ctx->r = emu_router_output_router(ins);
    ctx->name = emu_router_output_name(ins);
    ctx->loop = emu_router_loop(ctx->r);
    ctx->retry_limit = emu_router_output_retry_limit(ins);
    int r = check_options(ctx);
    if (r < 0) {
        return r;
    }
    if (ctx->endpoint) {
        snprintf(ctx->endpoint_url, sizeof(ctx->endpoint_url), "%s", ctx->endpoint);
    }
    else {
        snprintf(ctx->endpoint_url, sizeof(ctx->endpoint_url), "https://s3.%s.amazonaws.com",
                 ctx->region);
    }
    r = s3buf_open(&ctx->store, ctx->store_dir, ctx->bucket,
                      (uint64_t)ctx->store_dir_limit_size);
    if (r < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot open store_dir %s: %s", ctx->store_dir,
                    strerror(-r));
        return r;
    }
    ctx->store_open = 1;
    if (ctx->store.head) {
        emu_plg_log(EMU_LOG_INFO, ctx->name, "Sending locally buffered data from previous "
                                             "executions to S3; buffer=%s", ctx->store.dir);
    }
    r = emu_http_global_init();
    r = r ? r : emu_http_new(ctx->loop, &ctx->http);
    struct emu_aws_provider_config pc = {
        .envp = emu_router_envp(ctx->r), .profile = ctx->profile, .role_arn = ctx->role_arn,
        .external_id = ctx->external_id, .sts_endpoint = ctx->sts_endpoint,
        .region = ctx->region};
    r = r ? r : emu_aws_provider_new(ctx->loop, ctx->http, &pc, &ctx->prov);
    if (r < 0) {
        return r;
    }
    ctx->timer_ms = (uint64_t)ctx->upload_timeout * 1000u / 6u;
    ctx->timer_ms = ctx->timer_ms < 500 ? 500 : ctx->timer_ms > 5000 ? 5000 : ctx->timer_ms;
    uv_timer_init(ctx->loop, &ctx->timer);
    ctx->timer.data = ctx;
    ctx->timer_inited = 1;
    uv_timer_start(&ctx->timer, timer_cb, ctx->timer_ms, ctx->timer_ms);
    s3_send_kick(ctx);
    return 0;
}

/* Appends the records of a chunk as the object's lines. */
static int format_records(struct s3_ctx *ctx, const char *data, size_t len, struct emu_buf *out,
                          time_t *ret_first)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    int r = 0, first = 1;
    if (!ctx->log_key) {
        int64_t sec = 0;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (len && emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) == 0) {
            *ret_first = (time_t)sec;
        }
        return emu_router_format_json(data, len, EMU_JSON_FMT_LINES, ctx->json_date_key,
                                      ctx->date_fmt, out);
    }
    while (r == 0 && m.off < m.len) {
        int64_t sec;
        uint32_t nsec, n;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            return EMU_EBADMSG;
        }
        if (first) {
            *ret_first = (time_t)sec;
            first = 0;
        }
        struct emu_mp rm = {.p = rec, .len = rec_len};
        if (emu_mp_read_map(&rm, &n) < 0) {
            return EMU_EBADMSG;
        }
        int found = 0;
        for (uint32_t i = 0; r == 0 && i < n; i++) {
            const char *k;
            uint32_t kl;
            const uint8_t *v;
            size_t vl;
            if (emu_mp_read_strbin(&rm, &k, &kl) < 0 || emu_mp_next(&rm, &v, &vl) < 0) {
                return EMU_EBADMSG;
            }
            if (found || kl != strlen(ctx->log_key) || memcmp(k, ctx->log_key, kl) != 0) {
                continue;
            }
            found = 1;
            struct emu_mp vm = {.p = v, .len = vl};
            const char *s;
            uint32_t sl;
            if (emu_mp_read_strbin(&vm, &s, &sl) == 0) {
                r = emu_buf_append(out, s, sl);
            }
            else {
                r = emu_mp_to_json(v, vl, out);
            }
            r = r ? r : emu_buf_putc(out, '\n');
        }
        if (!found) {
            emu_plg_log(EMU_LOG_DEBUG, ctx->name, "Could not find log_key '%s' in record",
                        ctx->log_key);
        }
    }
    return r;
}

static void cb_s3_flush(struct emu_router_flush *fl, const char *data, size_t len,
                        const char *tag, size_t n, struct emu_router_output *ins, void *vctx)
{
    struct s3_ctx *ctx = vctx;
    struct emu_buf out;
    struct s3_file *f = NULL;
    time_t first = time(NULL);
    (void)ins;
    emu_buf_init(&out, 256u * 1024u * 1024u);
    int r = format_records(ctx, data, len, &out, &first);
    if (r < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot format records: %s", emu_strerror(r));
        emu_buf_done(&out);
        emu_router_flush_done(fl, EMU_FLUSH_ERROR);
        return;
    }
    r = out.len ? s3buf_append(&ctx->store, tag, out.data, out.len, n, first, &f) : 0;
    emu_buf_done(&out);
    if (r < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot buffer %zu records in %s: %s", n,
                    ctx->store.dir, strerror(-r));
        emu_router_flush_done(fl, r == -ENOSPC ? EMU_FLUSH_ERROR : EMU_FLUSH_RETRY);
        return;
    }
    int64_t unit = ctx->use_put_object ? ctx->total_file_size : ctx->upload_chunk_size;
    if (f && (int64_t)f->size >= unit && f->size >= f->seal_at) {
        f->sealed = 1;
    }
    s3_send_kick(ctx);
    emu_router_flush_done(fl, EMU_FLUSH_OK);
}

static void release_cb(uv_handle_t *h)
{
    struct s3_ctx *ctx = h->data;
    emu_router_release(ctx->r);
}

static void http_closed_cb(void *ud)
{
    struct s3_ctx *ctx = ud;
    emu_router_release(ctx->r);
}

static void close_all(struct s3_ctx *ctx)
{
    if (ctx->closing) {
        return;
    }
    ctx->closing = 1;
    if (s3_send_pending(ctx)) {
        emu_plg_log(EMU_LOG_WARN, ctx->name, "data left in %s for the next start",
                    ctx->store.dir);
    }
    emu_aws_provider_free(ctx->prov);
    ctx->prov = NULL;
    if (ctx->http) {
        emu_router_hold(ctx->r);
        emu_http_close(ctx->http, http_closed_cb, ctx);
        ctx->http = NULL;
    }
    if (ctx->timer_inited) {
        emu_router_hold(ctx->r);
        uv_close((uv_handle_t *)&ctx->timer, release_cb);
    }
    s3_send_free_all(ctx);
    if (ctx->store_open) {
        s3buf_close(&ctx->store);
    }
    if (ctx->exiting) {
        emu_router_release(ctx->r); /* the hold taken in cb_s3_exit */
    }
}

static void timer_cb(uv_timer_t *t)
{
    struct s3_ctx *ctx = t->data;
    time_t now = time(NULL);
    s3_send_seal_due(ctx, now);
    s3_send_kick(ctx);
    if (ctx->exiting && (!s3_send_pending(ctx) || now >= ctx->exit_deadline)) {
        close_all(ctx);
    }
}

static void cb_s3_exit(struct emu_router_output *ins, void *vctx)
{
    struct s3_ctx *ctx = vctx;
    (void)ins;
    if (!ctx->timer_inited || !ctx->http || !ctx->prov) {
        close_all(ctx);
        return;
    }
    ctx->exiting = 1;
    ctx->exit_deadline = time(NULL) + emu_router_get_service(ctx->r)->grace;
    emu_router_hold(ctx->r);
    if (s3_send_pending(ctx)) {
        emu_plg_log(EMU_LOG_INFO, ctx->name, "Sending all locally buffered data to S3");
    }
    s3_send_seal_due(ctx, time(NULL));
    s3_send_kick(ctx);
    uv_timer_start(&ctx->timer, timer_cb, 50, 200);
}

const struct emu_router_output_plugin out_s3_plugin = {
    .name = "s3",
    .description = "Send to S3",
    .options = s3_options,
    .ctx_size = sizeof(struct s3_ctx),
    .cb_init = cb_s3_init,
    .cb_flush = cb_s3_flush,
    .cb_exit = cb_s3_exit,
};
