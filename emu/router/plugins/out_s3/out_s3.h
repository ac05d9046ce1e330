/* SPDX-License-Identifier: Apache-2.0 */
/* out_s3's private context, shared by the plugin glue (out_s3.c) and the upload state machine
 * (s3_upload.c). */
#ifndef EMU_ROUTER_OUT_S3_H
#define EMU_ROUTER_OUT_S3_H

#include <stdint.h>
#include <uv.h>

#include "emu/aws/aws_creds.h"
#include "emu/router/plugin.h"
#include "emu/router/plugins/out_s3/s3_key.h"
#include "emu/router/plugins/out_s3/s3_buffer.h"

/* S3's part limits. */
#define S3_MAX_PARTS 10000
#define S3_MIN_CHUNK (5u * 1024u * 1024u)

/* An open multipart upload (one per tag). */
struct s3_mpu {
    struct s3_mpu *next;
    char *tag;
    char key[EMU_S3_KEY_MAX + 1];
    char upload_id[512];
    char (*etags)[36];     /* quoted MD5 hex of each part */
    size_t n_parts, cap;
    uint64_t bytes;
    time_t created, next_try;
    int failures;
};

struct s3_ctx {
    /* Options (Fluent Bit's names). */
    const char *bucket, *region, *endpoint, *s3_key_format, *tag_delims, *compression;
    const char *content_type, *store_dir, *json_date_key, *json_date_format, *log_key;
    const char *role_arn, *sts_endpoint, *external_id, *profile, *canned_acl, *storage_class;
    const char *format, *retry_exhausted_action;
    int64_t total_file_size, upload_chunk_size, upload_timeout, store_dir_limit_size;
    int64_t quarantine_dir_limit_size;
    int use_put_object, preserve_data_ordering, static_file_path, auto_retry_requests;
    int send_content_md5;
    /* State. */
    struct emu_router_output *ins;
    struct emu_router *r;
    const char *name;
    uv_loop_t *loop;
    struct emu_http *http;
    struct emu_aws_provider *prov;
    struct s3buf store;
    uv_timer_t timer;
    struct s3_mpu *mpus;
    struct s3_job *job;      /* the one request sequence in flight, or NULL */
    char endpoint_url[512];
    int gzip, date_fmt, retry_limit, exiting, closing, timer_inited, store_open;
    uint64_t timer_ms;
    time_t exit_deadline;
    uint64_t objects, parts, failures, dropped_records;
};

/* s3_upload.c: starts the next upload if none is running (from flushes and the timer). */
void s3_send_kick(struct s3_ctx *ctx);
/* Nonzero while anything is left to upload or complete. */
int s3_send_pending(const struct s3_ctx *ctx);
/* Seals files and multipart uploads that are due (timeout, size, or exiting). */
void s3_send_seal_due(struct s3_ctx *ctx, time_t now);
/* Frees multipart state (at exit). */
void s3_send_free_all(struct s3_ctx *ctx);

#endif
