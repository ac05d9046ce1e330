/* SPDX-License-Identifier: Apache-2.0 */
/* The CloudWatch Logs outputs' private context (cloudwatch_logs and the Go plugin's name
 * cloudwatch share it) and the API sequence in cw_api.c. */
#ifndef EMU_ROUTER_CW_H
#define EMU_ROUTER_CW_H

#include <stdint.h>
#include <uv.h>

#include "emu/aws/aws_creds.h"
#include "emu/base/buf.h"
#include "emu/router/plugin.h"
#include "emu/router/plugins/out_cloudwatch_logs/cw_batch.h"

#define CW_MAX_KNOWN_STREAMS 1024

struct cw_ctx {
    /* Options. */
    const char *region, *log_group_name, *log_stream_name, *log_stream_prefix, *log_key;
    const char *log_format, *role_arn, *endpoint, *sts_endpoint, *external_id, *profile;
    const char *log_group_template, *log_stream_template, *metric_namespace;
    const char *metric_dimensions, *extra_user_agent, *log_group_class, *new_log_group_tags;
    const char *credentials_endpoint, *default_log_group_name, *default_log_stream_name;
    int auto_create_group, auto_retry_requests;
    int go_plugin; /* registered as `cloudwatch`: the Go plugin's message encoding */
    int64_t log_retention_days;
    /* State. */
    struct emu_router *r;
    const char *name;
    uv_loop_t *loop;
    struct emu_http *http;
    struct emu_aws_provider *prov;
    char endpoint_url[512];
    int group_ready;
    char *streams[CW_MAX_KNOWN_STREAMS]; /* created (or found existing) streams */
    size_t n_streams;
    struct cw_put *busy;  /* flushes in flight (for exit) */
    uint64_t calls, events_sent;
};

/* One flush: the events of a chunk sent with CreateLogGroup / CreateLogStream as needed and
 * one PutLogEvents per batch. Calls emu_router_flush_done once. */
void cw_put_start(struct cw_ctx *ctx, struct emu_router_flush *fl, const char *data, size_t len,
                  const char *tag);
/* Cancels what is in flight (at exit): their flushes complete with RETRY. */
void cw_put_cancel_all(struct cw_ctx *ctx);

/* Pure: the events of a chunk (messages appended to msgs) per log_key. go_style: the Go
 * plugin's encoding (cw_go_json, messages trimmed of surrounding white space). Returns the
 * number of events or a negative code; *ret_events is emu_malloc'd. */
long cw_events_from_chunk(const char *data, size_t len, const char *log_key, int go_style,
                          struct emu_buf *msgs, struct cw_event **ret_events);

/* Pure: one MessagePack value as Go's encoding/json writes it (sorted keys, HTML-safe escapes).
 * Returns 0, -EBADMSG, -E2BIG or -ENOMEM. */
int cw_go_json(const uint8_t *rec, size_t len, struct emu_buf *out);
int cw_go_json_string(struct emu_buf *out, const char *s, size_t len);

/* Pure: the PutLogEvents JSON body for ev[start..end). */
int cw_put_body(const char *group, const char *stream, const struct cw_event *ev, size_t start,
                size_t end, const char *msgs, struct emu_buf *out);

#endif
