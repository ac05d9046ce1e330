/* SPDX-License-Identifier: Apache-2.0 */
/* out_http: POSTs each flush to http[s]://Host:Port/URI as json, json_lines, json_stream (with
 * json_date_key / json_date_format) or msgpack, with the configured Header lines, optional
 * basic auth and header_tag; a 2xx answer is OK, anything else (or no answer) RETRY. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/base/uv_curl.h"
#include "emu/router/format.h"
#include "emu/router/plugin.h"

#define MAX_HEADERS 40

struct http_ctx {
    const char *host, *uri, *format, *json_date_key, *json_date_format, *http_user, *http_passwd;
    const char *header_tag, *compress, *proxy, *log_response_payload_str;
    int64_t port;
    int allow_dup_headers;
    struct emu_router_strlist headers;
    const char *name;
    struct emu_router *r;
    struct emu_http *http;
    int fmt, date_fmt, msgpack, tls, tls_verify;
    const char *tls_ca_file;
    char url[1024];
};

#define OFF(f) offsetof(struct http_ctx, f)

static const struct emu_router_option http_options[] = {
    {EMU_ROPT_STR, "host", "127.0.0.1", 0, OFF(host), "Target host."},
    {EMU_ROPT_INT, "port", "80", 0, OFF(port), "Target port."},
    {EMU_ROPT_STR, "uri", "/", 0, OFF(uri), "Target path."},
    {EMU_ROPT_STR, "format", "msgpack", 0, OFF(format),
     "msgpack, json, json_lines or json_stream."},
    {EMU_ROPT_STR, "json_date_key", "date", 0, OFF(json_date_key),
     "Name of the time key in JSON; false to leave it out."},
    {EMU_ROPT_STR, "json_date_format", "double", 0, OFF(json_date_format),
     "double, epoch, epoch_ms, iso8601 or java_sql_timestamp."},
    {EMU_ROPT_STR, "header", NULL, EMU_ROPT_MULT, OFF(headers),
     "An extra HTTP header: 'Name value' (may repeat)."},
    {EMU_ROPT_STR, "http_user", NULL, 0, OFF(http_user), "Basic auth user."},
    {EMU_ROPT_STR, "http_passwd", "", 0, OFF(http_passwd), "Basic auth password."},
    {EMU_ROPT_STR, "header_tag", NULL, 0, OFF(header_tag), "Header that carries the tag."},
    {EMU_ROPT_BOOL, "allow_duplicated_headers", "true", 0, OFF(allow_dup_headers),
     "Allow repeated header names."},
    {EMU_ROPT_STR, "compress", NULL, 0, OFF(compress), "gzip (not supported)."},
    {EMU_ROPT_STR, "proxy", NULL, 0, OFF(proxy), "HTTP proxy (not supported)."},
    {EMU_ROPT_STR, "log_response_payload", "true", 0, OFF(log_response_payload_str),
     "Log the response body of failed requests."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int cb_http_init(struct emu_router_output *ins, void *data)
{
    struct http_ctx *ctx = data;
    ctx->name = emu_router_output_name(ins);
    ctx->r = emu_router_output_router(ins);
    ctx->msgpack = strcasecmp(ctx->format, "msgpack") == 0;
    ctx->fmt = ctx->msgpack ? 0 : emu_router_json_fmt_parse(ctx->format);
    ctx->date_fmt = emu_router_date_fmt_parse(ctx->json_date_format);
    if (ctx->fmt < 0 || ctx->date_fmt < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "unrecognized format '%s' or json_date_format "
                                              "'%s'", ctx->format, ctx->json_date_format);
        return EMU_EINVAL;
    }
    if ((ctx->compress && strcasecmp(ctx->compress, "none") != 0) || ctx->proxy) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "compress and proxy are not supported by "
                                              "emu-router");
        return EMU_ENOTSUP;
    }
    ctx->tls = emu_router_output_tls(ins, &ctx->tls_verify, &ctx->tls_ca_file);
    int w = snprintf(ctx->url, sizeof(ctx->url), "http%s://%s:%lld%s%s", ctx->tls ? "s" : "",
                     ctx->host, (long long)ctx->port, ctx->uri[0] == '/' ? "" : "/", ctx->uri);
    if (w < 0 || (size_t)w >= sizeof(ctx->url) || ctx->headers.n > MAX_HEADERS - 4) {
        return EMU_EINVAL;
    }
    int r = emu_http_global_init();
    return r ? r : emu_http_new(emu_router_loop(ctx->r), &ctx->http);
}

struct post {
    struct emu_router_flush *fl;
    struct http_ctx *ctx;
};

static void done_cb(int status, const struct emu_http_response *resp, void *ud)
{
    struct post *p = ud;
    struct emu_router_flush *fl = p->fl;
    struct http_ctx *ctx = p->ctx;
    emu_free(p);
    if (status == EMU_ECANCELED && !ctx->http) {
        return; /* exit: the engine drops the task */
    }
    if (status == 0 && resp->status >= 200 && resp->status <= 299) {
        emu_router_flush_done(fl, EMU_FLUSH_OK);
        return;
    }
    emu_plg_log(EMU_LOG_ERROR, ctx->name, "%s:%lld, HTTP status=%ld %s", ctx->host,
                (long long)ctx->port, status == 0 ? resp->status : 0L,
                status == 0 ? resp->body : emu_strerror(status));
    emu_router_flush_done(fl, EMU_FLUSH_RETRY);
}

/* "Name value" (Fluent Bit's Header syntax) as "Name: value". */
static int header_line(const char *spec, char *out, size_t out_len)
{
    size_t n = strcspn(spec, " \t");
    const char *v = spec + n;
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    int w = snprintf(out, out_len, "%.*s: %s", (int)n, spec, v);
    return w < 0 || (size_t)w >= out_len ? EMU_E2BIG : 0;
}

static void cb_http_flush(struct emu_router_flush *fl, const char *data, size_t len,
                          const char *tag, size_t n, struct emu_router_output *ins, void *vctx)
{
    struct http_ctx *ctx = vctx;
    static char lines[MAX_HEADERS][1024];
    const char *hdrs[MAX_HEADERS + 1];
    size_t nh = 0;
    struct emu_buf body;
    struct post *p = emu_calloc(1, sizeof(*p));
    (void)ins;
    (void)n;
    emu_buf_init(&body, EMU_HTTP_MAX_REQUEST);
    int r = p ? 0 : EMU_ENOMEM;
    if (r == 0 && ctx->msgpack) {
        r = emu_buf_append(&body, data, len);
    }
    else if (r == 0) {
        r = emu_router_format_json(data, len, ctx->fmt, ctx->json_date_key, ctx->date_fmt,
                                   &body);
    }
    snprintf(lines[nh], sizeof(lines[0]), "Content-Type: %s",
             ctx->msgpack                     ? "application/msgpack"
             : ctx->fmt == EMU_JSON_FMT_JSON ? "application/json"
                                             : "application/x-ndjson");
    hdrs[nh] = lines[nh], nh++;
    if (ctx->header_tag) {
        snprintf(lines[nh], sizeof(lines[0]), "%s: %s", ctx->header_tag, tag);
        hdrs[nh] = lines[nh], nh++;
    }
    for (size_t i = 0; r == 0 && i < ctx->headers.n; i++) {
        r = header_line(ctx->headers.v[i], lines[nh], sizeof(lines[0]));
        hdrs[nh] = lines[nh], nh++;
    }
    hdrs[nh] = NULL;
    char userpwd[512];
    struct emu_buf url;
    emu_buf_init(&url, 2048);
    if (ctx->http_user) {
        snprintf(userpwd, sizeof(userpwd), "%s:%s@", ctx->http_user, ctx->http_passwd);
        r = r ? r : emu_buf_printf(&url, "http%s://%s%s", ctx->tls ? "s" : "", userpwd,
                                   ctx->url + (ctx->tls ? 8 : 7));
    }
    else {
        r = r ? r : emu_buf_puts(&url, ctx->url);
    }
    if (r == 0) {
        p->fl = fl;
        p->ctx = ctx;
        struct emu_http_request rq = {.method = "POST", .url = url.data, .headers = hdrs,
                                      .body = body.data ? body.data : "", .body_len = body.len,
                                      .timeout_ms = 60000, .tls_no_verify = !ctx->tls_verify,
                                      .ca_file = ctx->tls_ca_file};
        r = emu_http_request(ctx->http, &rq, done_cb, p, NULL);
    }
    emu_buf_done(&body);
    emu_buf_done(&url);
    if (r < 0) {
        emu_free(p);
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot send: %s", emu_strerror(r));
        emu_router_flush_done(fl, r == EMU_E2BIG ? EMU_FLUSH_ERROR : EMU_FLUSH_RETRY);
    }
}

static void closed_cb(void *ud)
{
    emu_router_release(ud);
}

static void cb_http_exit(struct emu_router_output *ins, void *vctx)
{
    struct http_ctx *ctx = vctx;
    struct emu_http *h = ctx->http;
    (void)ins;
    if (h) {
        ctx->http = NULL;
        emu_router_hold(ctx->r);
        emu_http_close(h, closed_cb, ctx->r);
    }
}

const struct emu_router_output_plugin out_http_plugin = {
    .name = "http",
    .description = "HTTP Output",
    .options = http_options,
    .ctx_size = sizeof(struct http_ctx),
    .cb_init = cb_http_init,
    .cb_flush = cb_http_flush,
    .cb_exit = cb_http_exit,
};
