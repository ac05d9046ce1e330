/* SPDX-License-Identifier: Apache-2.0 */
/* out_cloudwatch_logs and the Go plugin's name cloudwatch: each flush's records become log
 * events (the record as JSON, or the log_key value) sent to log_group_name and log_stream_name
 * (or log_stream_prefix + tag) with PutLogEvents, creating the group (auto_create_group) and the
 * stream as needed. Both names share the code; each has its upstream option table, and
 * `cloudwatch` encodes messages as the Go plugin does (cw_gojson.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/router/plugins/out_cloudwatch_logs/cw.h"

#define OFF(f) offsetof(struct cw_ctx, f)

/* Options common to both plugins. */
#define CW_COMMON_OPTIONS                                                                        \
    {EMU_ROPT_STR, "region", NULL, 0, OFF(region), "The AWS region."},                         \
    {EMU_ROPT_STR, "log_group_name", NULL, 0, OFF(log_group_name),                             \
     "CloudWatch log group to send records to."},                                               \
    {EMU_ROPT_STR, "log_stream_name", NULL, 0, OFF(log_stream_name),                           \
     "CloudWatch log stream to send records to."},                                              \
    {EMU_ROPT_STR, "log_stream_prefix", NULL, 0, OFF(log_stream_prefix),                       \
     "Prefix of the log stream name; the tag is appended."},                                    \
    {EMU_ROPT_STR, "log_key", NULL, 0, OFF(log_key), "Send only the value of this key."},     \
    {EMU_ROPT_STR, "log_format", NULL, 0, OFF(log_format),                                     \
     "x-amzn-logs-format header value, e.g. json/emf."},                                        \
    {EMU_ROPT_STR, "role_arn", NULL, 0, OFF(role_arn), "ARN of an IAM role to assume."},       \
    {EMU_ROPT_BOOL, "auto_create_group", "false", 0, OFF(auto_create_group),                   \
     "Create the log group when it does not exist."},                                           \
    {EMU_ROPT_INT, "log_retention_days", "0", 0, OFF(log_retention_days),                      \
     "Retention of a created log group, in days (0: never expire)."},                           \
    {EMU_ROPT_STR, "endpoint", NULL, 0, OFF(endpoint), "Custom CloudWatch Logs endpoint."},    \
    {EMU_ROPT_STR, "sts_endpoint", NULL, 0, OFF(sts_endpoint), "Custom STS endpoint."},        \
    {EMU_ROPT_STR, "external_id", NULL, 0, OFF(external_id), "External ID for AssumeRole."}

static const struct emu_router_option cwl_options[] = {
    CW_COMMON_OPTIONS,
    {EMU_ROPT_STR, "log_group_template", NULL, 0, OFF(log_group_template),
     "record_accessor template of the group (accepted, not supported)."},
    {EMU_ROPT_STR, "log_stream_template", NULL, 0, OFF(log_stream_template),
     "record_accessor template of the stream (accepted, not supported)."},
    {EMU_ROPT_STR, "metric_namespace", NULL, 0, OFF(metric_namespace),
     "EMF metric namespace (accepted, not supported)."},
    {EMU_ROPT_STR, "metric_dimensions", NULL, 0, OFF(metric_dimensions),
     "EMF metric dimensions (accepted, not supported)."},
    {EMU_ROPT_BOOL, "auto_retry_requests", "true", 0, OFF(auto_retry_requests),
     "Retry a request once at once after a network error."},
    {EMU_ROPT_STR, "profile", NULL, 0, OFF(profile), "AWS profile name."},
    {EMU_ROPT_STR, "extra_user_agent", NULL, 0, OFF(extra_user_agent), "User agent suffix."},
    {EMU_ROPT_STR, "log_group_class", NULL, 0, OFF(log_group_class),
     "Class of a created log group (accepted)."},
    {0, NULL, NULL, 0, 0, NULL},
};

static const struct emu_router_option cw_go_options[] = {
    CW_COMMON_OPTIONS,
    {EMU_ROPT_STR, "new_log_group_tags", NULL, 0, OFF(new_log_group_tags),
     "Tags of created log groups (accepted, not sent)."},
    {EMU_ROPT_STR, "credentials_endpoint", NULL, 0, OFF(credentials_endpoint),
     "HTTP endpoint to get credentials from."},
    {EMU_ROPT_STR, "default_log_group_name", NULL, 0, OFF(default_log_group_name),
     "Group used when a template cannot be resolved (accepted)."},
    {EMU_ROPT_STR, "default_log_stream_name", NULL, 0, OFF(default_log_stream_name),
     "Stream used when a template cannot be resolved (accepted)."},
    {EMU_ROPT_BOOL, "auto_retry_requests", "true", 0, OFF(auto_retry_requests),
     "Retry a request once at once after a network error."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int cb_cw_init(struct emu_router_output *ins, void *data)
{
    struct cw_ctx *ctx = data;
    ctx->r = emu_router_output_router(ins);
    ctx->name = emu_router_output_name(ins);
    ctx->loop = emu_router_loop(ctx->r);
    if (!ctx->region || !ctx->log_group_name) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "'region' and 'log_group_name' are required");
        return EMU_EINVAL;
    }
    if (!ctx->log_stream_name && !ctx->log_stream_prefix) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "'log_stream_name' or 'log_stream_prefix' is "
                                              "required");
        return EMU_EINVAL;
    }
    if (ctx->log_stream_name && ctx->log_stream_prefix) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "either 'log_stream_name' or "
                                              "'log_stream_prefix' can be set, not both");
        return EMU_EINVAL;
    }
    if (ctx->log_group_template || ctx->log_stream_template) {
        emu_plg_log(EMU_LOG_WARN, ctx->name, "log_group_template/log_stream_template are not "
                                             "supported by emu-router, ignoring");
    }
    if (ctx->endpoint) {
        snprintf(ctx->endpoint_url, sizeof(ctx->endpoint_url), "%s", ctx->endpoint);
    }
    else {
        snprintf(ctx->endpoint_url, sizeof(ctx->endpoint_url), "https://logs.%s.amazonaws.com",
                 ctx->region);
    }
    int r = emu_http_global_init();
    r = r ? r : emu_http_new(ctx->loop, &ctx->http);
    struct emu_aws_provider_config pc = {
        .envp = emu_router_envp(ctx->r), .profile = ctx->profile, .role_arn = ctx->role_arn,
        .external_id = ctx->external_id, .sts_endpoint = ctx->sts_endpoint,
        .region = ctx->region, .credentials_endpoint = ctx->credentials_endpoint};
    r = r ? r : emu_aws_provider_new(ctx->loop, ctx->http, &pc, &ctx->prov);
    return r;
}

static int cb_cw_go_init(struct emu_router_output *ins, void *data)
{
    struct cw_ctx *ctx = data;
    ctx->go_plugin = 1;
    return cb_cw_init(ins, data);
}

static void cb_cw_flush(struct emu_router_flush *fl, const char *data, size_t len,
                        const char *tag, size_t n, struct emu_router_output *ins, void *vctx)
{
    (void)n;
    (void)ins;
    cw_put_start(vctx, fl, data, len, tag);
}

static void http_closed_cb(void *ud)
{
    struct cw_ctx *ctx = ud;
    emu_router_release(ctx->r);
}

static void cb_cw_exit(struct emu_router_output *ins, void *vctx)
{
    struct cw_ctx *ctx = vctx;
    (void)ins;
    cw_put_cancel_all(ctx);
    emu_aws_provider_free(ctx->prov);
    ctx->prov = NULL;
    if (ctx->http) {
        emu_router_hold(ctx->r);
        emu_http_close(ctx->http, http_closed_cb, ctx);
        ctx->http = NULL;
    }
}

const struct emu_router_output_plugin out_cloudwatch_logs_plugin = {
    .name = "cloudwatch_logs",
    .description = "Send logs to Amazon CloudWatch",
    .options = cwl_options,
    .ctx_size = sizeof(struct cw_ctx),
    .cb_init = cb_cw_init,
    .cb_flush = cb_cw_flush,
    .cb_exit = cb_cw_exit,
};

const struct emu_router_output_plugin out_cloudwatch_plugin = {
    .name = "cloudwatch",
    .description = "The Go plugin's name for CloudWatch Logs (amazon-cloudwatch-logs-for-"
                   "fluent-bit), served by the same code",
    .options = cw_go_options,
    .ctx_size = sizeof(struct cw_ctx),
    .cb_init = cb_cw_go_init,
    .cb_flush = cb_cw_flush,
    .cb_exit = cb_cw_exit,
};
