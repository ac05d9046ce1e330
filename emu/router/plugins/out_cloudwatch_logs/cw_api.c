/* SPDX-License-Identifier: Apache-2.0 */
/* CloudWatch Logs JSON 1.1 calls for one flush: CreateLogGroup (auto_create_group) and
 * PutRetentionPolicy (log_retention_days), CreateLogStream, then PutLogEvents per batch, each
 * signed with the provider's credentials. A failure makes the flush RETRY (engine backoff and
 * Retry_Limit); ResourceNotFoundException forgets what was created so the next try recreates
 * it. The pure halves (events of a chunk, request bodies) are at the top. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/plugins/out_cloudwatch_logs/cw.h"

#define MSGS_MAX (512u * 1024u * 1024u)

static int append_message(const uint8_t *rec, size_t rec_len, const char *log_key, int go,
                          struct emu_buf *msgs, int *ret_found)
{
    struct emu_mp m = {.p = rec, .len = rec_len};
    uint32_t n;
    *ret_found = 1;
    if (!log_key) {
        return go ? cw_go_json(rec, rec_len, msgs) : emu_mp_to_json(rec, rec_len, msgs);
    }
    if (emu_mp_read_map(&m, &n) < 0) {
        return EMU_EBADMSG;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k, *s;
        uint32_t kl, sl;
        const uint8_t *v;
        size_t vl;
        if (emu_mp_read_strbin(&m, &k, &kl) < 0 || emu_mp_next(&m, &v, &vl) < 0) {
            return EMU_EBADMSG;
        }
        if (kl == strlen(log_key) && memcmp(k, log_key, kl) == 0) {
            struct emu_mp vm = {.p = v, .len = vl};
            if (emu_mp_read_strbin(&vm, &s, &sl) == 0) {
                return emu_buf_append(msgs, s, sl);
            }
            return go ? cw_go_json(v, vl, msgs) : emu_mp_to_json(v, vl, msgs);
        }
    }
    *ret_found = 0;
    return 0;
}

/* Go's strings.TrimSpace over [off, len) of msgs (ASCII white space). */
static void trim_space(struct emu_buf *msgs, size_t off)
{
    static const char ws[] = " \t\n\v\f\r";
    size_t a = off;
    while (a < msgs->len && strchr(ws, msgs->data[a]) && msgs->data[a]) {
        a++;
    }
    size_t b = msgs->len;
    while (b > a && strchr(ws, msgs->data[b - 1]) && msgs->data[b - 1]) {
        b--;
    }
    memmove(msgs->data + off, msgs->data + a, b - a);
    msgs->len = off + (b - a);
    msgs->data[msgs->len] = '\0';
}

long cw_events_from_chunk(const char *data, size_t len, const char *log_key, int go_style,
                          struct emu_buf *msgs, struct cw_event **ret_events)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    struct cw_event *ev = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    while (r == 0 && m.off < m.len) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        int found;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            r = EMU_EBADMSG;
            break;
        }
        size_t off = msgs->len;
        r = append_message(rec, rec_len, log_key, go_style, msgs, &found);
        if (r == 0 && go_style && msgs->len > off) {
            trim_space(msgs, off);
        }
        if (r < 0 || !found || msgs->len == off) {
            continue; /* no log_key, or an empty message: CloudWatch refuses those */
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            struct cw_event *p = emu_realloc(ev, cap * sizeof(*ev));
            if (!p) {
                r = EMU_ENOMEM;
                break;
            }
            ev = p;
        }
        size_t ml = cw_event_cut(msgs->data + off, msgs->len - off);
        ev[n] = (struct cw_event){.ts_ms = emu_mp_time_ms(sec, nsec), .msg_off = off,
                                  .msg_len = ml, .seq = n};
        n++;
    }
    if (r < 0) {
        emu_free(ev);
        return r;
    }
    *ret_events = ev;
    return (long)n;
}

int cw_put_body(const char *group, const char *stream, const struct cw_event *ev, size_t start,
                size_t end, const char *msgs, struct emu_buf *out)
{
    int r = emu_buf_puts(out, "{\"logGroupName\":");
    r = r ? r : emu_mp_json_string(out, group, strlen(group));
    r = r ? r : emu_buf_puts(out, ",\"logStreamName\":");
    r = r ? r : emu_mp_json_string(out, stream, strlen(stream));
    r = r ? r : emu_buf_puts(out, ",\"logEvents\":[");
    for (size_t i = start; r == 0 && i < end; i++) {
        r = emu_buf_printf(out, "%s{\"timestamp\":%" PRId64 ",\"message\":", i > start ? "," : "",
                           ev[i].ts_ms);
        r = r ? r : emu_mp_json_string(out, msgs + ev[i].msg_off, ev[i].msg_len);
        r = r ? r : emu_buf_putc(out, '}');
    }
    return r ? r : emu_buf_puts(out, "]}");
}

/* ---- the call sequence ------------------------------------------------------------------ */

enum { STEP_GROUP, STEP_RETENTION, STEP_STREAM, STEP_PUT, STEP_DONE };

struct cw_put {
    struct cw_put *next;
    struct cw_ctx *ctx;
    struct emu_router_flush *fl;
    struct emu_buf msgs, body;
    struct cw_event *ev;
    size_t n, pos, end;
    char group[512], stream[1024];
    int step, auto_retried, cancelled;
    struct emu_http_req *req;
};

static void put_next(struct cw_put *p, const struct emu_aws_creds *c);

static void put_finish(struct cw_put *p, enum emu_router_flush_result res)
{
    struct cw_ctx *ctx = p->ctx;
    struct cw_put **pp = &ctx->busy;
    while (*pp && *pp != p) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = p->next;
    }
    struct emu_router_flush *fl = p->fl;
    int cancelled = p->cancelled;
    emu_buf_done(&p->msgs);
    emu_buf_done(&p->body);
    emu_free(p->ev);
    emu_free(p);
    if (!cancelled) {
        /* At exit the engine drops the tasks of cancelled flushes itself. */
        emu_router_flush_done(fl, res);
    }
}

static int stream_known(struct cw_ctx *ctx, const char *s)
{
    for (size_t i = 0; i < ctx->n_streams; i++) {
        if (strcmp(ctx->streams[i], s) == 0) {
            return 1;
        }
    }
    return 0;
}

static void forget(struct cw_ctx *ctx)
{
    ctx->group_ready = 0;
    while (ctx->n_streams) {
        emu_free(ctx->streams[--ctx->n_streams]);
    }
}

static void on_response(int status, const struct emu_http_response *resp, void *ud)
{
    struct cw_put *p = ud;
    struct cw_ctx *ctx = p->ctx;
    char code[128] = "", msg[256] = "";
    static const char *const api[] = {"CreateLogGroup", "PutRetentionPolicy", "CreateLogStream",
                                      "PutLogEvents"};
    p->req = NULL;
    if (p->cancelled || status == EMU_ECANCELED) {
        put_finish(p, EMU_FLUSH_RETRY);
        return;
    }
    ctx->calls++;
    int ok = status == 0 && resp->status == 200;
    if (!ok && status == 0) {
        (void)emu_aws_error_parse(resp->body, resp->body_len, code, sizeof(code), msg,
                                  sizeof(msg));
        if (strcmp(code, "ResourceAlreadyExistsException") == 0 &&
            (p->step == STEP_GROUP || p->step == STEP_STREAM)) {
            ok = 1;
        }
    }
    if (!ok) {
        if (status < 0 && ctx->auto_retry_requests && !p->auto_retried) {
            p->auto_retried = 1;
            put_next(p, emu_aws_provider_cached(ctx->prov));
            return;
        }
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "%s API responded with error='%s', message='%s'",
                    api[p->step], status < 0 ? emu_strerror(status) : code, msg);
        if (strcmp(code, "ResourceNotFoundException") == 0) {
            forget(ctx);
        }
        put_finish(p, EMU_FLUSH_RETRY);
        return;
    }
    p->auto_retried = 0;
    if (p->step == STEP_GROUP) {
        ctx->group_ready = 1;
        p->step = ctx->log_retention_days > 0 && strcmp(code, "") == 0 ? STEP_RETENTION
                                                                       : STEP_STREAM;
    }
    else if (p->step == STEP_RETENTION) {
        p->step = STEP_STREAM;
    }
    else if (p->step == STEP_STREAM) {
        if (ctx->n_streams < CW_MAX_KNOWN_STREAMS) {
            ctx->streams[ctx->n_streams] = emu_strdup(p->stream);
            ctx->n_streams += ctx->streams[ctx->n_streams] != NULL;
        }
        p->step = STEP_PUT;
    }
    else {
        ctx->events_sent += p->end - p->pos;
        p->pos = p->end;
        if (p->pos >= p->n) {
            put_finish(p, EMU_FLUSH_OK);
            return;
        }
    }
    put_next(p, emu_aws_provider_cached(ctx->prov));
}

static void creds_cb(int status, const struct emu_aws_creds *c, void *ud)
{
    struct cw_put *p = ud;
    if (status < 0) {
        if (status != EMU_ECANCELED) {
            emu_plg_log(EMU_LOG_ERROR, p->ctx->name, "cannot get AWS credentials: %s",
                        emu_strerror(status));
        }
        put_finish(p, EMU_FLUSH_RETRY);
        return;
    }
    put_next(p, c);
}

static void put_next(struct cw_put *p, const struct emu_aws_creds *c)
{
    struct cw_ctx *ctx = p->ctx;
    char target[96], fmt[128];
    const char *hdrs[4] = {"Content-Type: application/x-amz-json-1.1", target, NULL, NULL};
    if (!c) {
        if (emu_aws_provider_get(ctx->prov, creds_cb, p) < 0) {
            put_finish(p, EMU_FLUSH_RETRY);
        }
        return;
    }
    if (p->step == STEP_GROUP && (!ctx->auto_create_group || ctx->group_ready)) {
        p->step = STEP_STREAM;
    }
    if (p->step == STEP_STREAM && stream_known(ctx, p->stream)) {
        p->step = STEP_PUT;
    }
    p->body.len = 0;
    int r = emu_buf_puts(&p->body, "{\"logGroupName\":");
    r = r ? r : emu_mp_json_string(&p->body, p->group, strlen(p->group));
    const char *op = "PutLogEvents";
    if (p->step == STEP_GROUP) {
        op = "CreateLogGroup";
        r = r ? r : emu_buf_putc(&p->body, '}');
    }
    else if (p->step == STEP_RETENTION) {
        op = "PutRetentionPolicy";
        r = r ? r
              : emu_buf_printf(&p->body, ",\"retentionInDays\":%lld}",
                               (long long)ctx->log_retention_days);
    }
    else if (p->step == STEP_STREAM) {
        op = "CreateLogStream";
        r = r ? r : emu_buf_puts(&p->body, ",\"logStreamName\":");
        r = r ? r : emu_mp_json_string(&p->body, p->stream, strlen(p->stream));
        r = r ? r : emu_buf_putc(&p->body, '}');
    }
    else {
        p->end = cw_batch_end(p->ev, p->n, p->pos);
        p->body.len = 0;
        r = cw_put_body(p->group, p->stream, p->ev, p->pos, p->end, p->msgs.data, &p->body);
        if (ctx->log_format) {
            snprintf(fmt, sizeof(fmt), "x-amzn-logs-format: %s", ctx->log_format);
            hdrs[2] = fmt;
        }
    }
    snprintf(target, sizeof(target), "X-Amz-Target: Logs_20140328.%s", op);
    struct emu_aws_call call = {.method = "POST", .endpoint = ctx->endpoint_url, .path = "/",
                                .service = "logs", .region = ctx->region, .headers = hdrs,
                                .body = p->body.data, .body_len = p->body.len};
    r = r ? r : emu_aws_request(ctx->http, c, &call, on_response, p, &p->req);
    if (r < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot send %s: %s", op, emu_strerror(r));
        put_finish(p, EMU_FLUSH_RETRY);
    }
}

void cw_put_start(struct cw_ctx *ctx, struct emu_router_flush *fl, const char *data, size_t len,
                  const char *tag)
{
    struct cw_put *p = emu_calloc(1, sizeof(*p));
    if (!p) {
        emu_router_flush_done(fl, EMU_FLUSH_RETRY);
        return;
    }
    p->ctx = ctx;
    p->fl = fl;
    emu_buf_init(&p->msgs, MSGS_MAX);
    emu_buf_init(&p->body, 2u * CW_MAX_BATCH_BYTES + 64u * 1024u);
    snprintf(p->group, sizeof(p->group), "%s", ctx->log_group_name);
    if (ctx->log_stream_name) {
        snprintf(p->stream, sizeof(p->stream), "%s", ctx->log_stream_name);
    }
    else {
        snprintf(p->stream, sizeof(p->stream), "%s%s", ctx->log_stream_prefix, tag);
    }
    p->next = ctx->busy;
    ctx->busy = p;
    long n = cw_events_from_chunk(data, len, ctx->log_key, ctx->go_plugin, &p->msgs, &p->ev);
    if (n < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot read records: %s", emu_strerror((int)n));
        put_finish(p, EMU_FLUSH_ERROR);
        return;
    }
    p->n = (size_t)n;
    if (p->n == 0) {
        put_finish(p, EMU_FLUSH_OK);
        return;
    }
    cw_events_sort(p->ev, p->n);
    put_next(p, emu_aws_provider_cached(ctx->prov));
}

void cw_put_cancel_all(struct cw_ctx *ctx)
{
    for (struct cw_put *p = ctx->busy; p; p = p->next) {
        p->cancelled = 1;
        if (p->req) {
            emu_http_cancel(p->req);
        }
    }
    while (ctx->n_streams) {
        emu_free(ctx->streams[--ctx->n_streams]);
    }
}
