/* SPDX-License-Identifier: Apache-2.0 */
/* out_forward: sends each flush to a Fluentd/Fluent Bit aggregator (Host/Port or unix_path) as
 * one Forward-mode message [tag, [[time, record], ...], options]. With Require_ack_response the
 * options carry a random "chunk" id and the flush succeeds only when {"ack": id} comes back;
 * connection errors, a missing or wrong ack and timeouts make the flush RETRY.
 *
 * DESIGN: one connection per flush, closed after the write (or the ack); every handle belongs to
 * a heap "send" that frees itself from its close callback and reports to the engine then. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

#define ACK_TIMEOUT_MS 30000
#define SEND_MAX (64u * 1024u * 1024u)
#define ACK_MAX 4096

struct send;

struct fwd_ctx {
    const char *host, *tag, *unix_path, *shared_key, *self_hostname, *compress, *upstream;
    const char *username, *password;
    int64_t port;
    int time_as_integer, send_options, require_ack, empty_shared_key, retain_metadata;
    int fluentd_compat;
    const char *name;
    struct emu_router *r;
    struct send *sends;
};

struct send {
    struct send *next;
    struct fwd_ctx *ctx;
    struct emu_router_flush *fl;
    union {
        uv_handle_t h;
        uv_stream_t s;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } io;
    uv_connect_t conn;
    uv_write_t wr;
    uv_timer_t timer;
    struct emu_buf out, in;
    char chunk[32];
    int closing, cancelled, handles;
    enum emu_router_flush_result result;
};

#define OFF(f) offsetof(struct fwd_ctx, f)

static const struct emu_router_option fwd_options[] = {
    {EMU_ROPT_STR, "host", "127.0.0.1", 0, OFF(host), "Target host."},
    {EMU_ROPT_INT, "port", "24224", 0, OFF(port), "Target port."},
    {EMU_ROPT_STR, "unix_path", NULL, 0, OFF(unix_path), "Unix socket of the target."},
    {EMU_ROPT_BOOL, "time_as_integer", "false", 0, OFF(time_as_integer),
     "Send times as integers instead of EventTime."},
    {EMU_ROPT_BOOL, "send_options", "false", 0, OFF(send_options),
     "Always send the options map (with size)."},
    {EMU_ROPT_BOOL, "require_ack_response", "false", 0, OFF(require_ack),
     "Send a chunk id and wait for the server's ack."},
    {EMU_ROPT_STR, "tag", NULL, 0, OFF(tag), "Overwrite the tag of the records."},
    {EMU_ROPT_STR, "compress", NULL, 0, OFF(compress), "gzip (not supported)."},
    {EMU_ROPT_STR, "upstream", NULL, 0, OFF(upstream), "Upstream file (not supported)."},
    {EMU_ROPT_STR, "shared_key", NULL, 0, OFF(shared_key), "Secure forward (not supported)."},
    {EMU_ROPT_BOOL, "empty_shared_key", "false", 0, OFF(empty_shared_key),
     "Secure forward (not supported)."},
    {EMU_ROPT_STR, "self_hostname", "localhost", 0, OFF(self_hostname), "Secure forward host."},
    {EMU_ROPT_STR, "username", NULL, 0, OFF(username), "Secure forward user."},
    {EMU_ROPT_STR, "password", NULL, 0, OFF(password), "Secure forward password."},
    {EMU_ROPT_BOOL, "retain_metadata_in_forward_mode", "false", 0, OFF(retain_metadata),
     "Keep metadata (accepted)."},
    {EMU_ROPT_BOOL, "fluentd_compat", "false", 0, OFF(fluentd_compat),
     "Fluentd-compatible metrics/traces (accepted)."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int cb_fwd_init(struct emu_router_output *ins, void *data)
{
    struct fwd_ctx *ctx = data;
    ctx->name = emu_router_output_name(ins);
    ctx->r = emu_router_output_router(ins);
    if (ctx->shared_key || ctx->empty_shared_key || ctx->upstream ||
        (ctx->compress && strcasecmp(ctx->compress, "none") != 0)) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "secure forward, Upstream and Compress are not "
                                              "supported by emu-router");
        return EMU_ENOTSUP;
    }
    if (ctx->port <= 0 || ctx->port > 65535) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "invalid port %lld", (long long)ctx->port);
        return EMU_EINVAL;
    }
    return 0;
}

/* [tag, [[time, record], ...], {options}]. */
static int build(struct fwd_ctx *ctx, struct send *s, const char *data, size_t len,
                 const char *tag, size_t n)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    int opts = ctx->send_options || ctx->require_ack;
    const char *t = ctx->tag ? ctx->tag : tag;
    int r = emu_mp_put_array(&s->out, opts ? 3 : 2);
    r = r ? r : emu_mp_put_str(&s->out, t, strlen(t));
    r = r ? r : emu_mp_put_array(&s->out, (uint32_t)n);
    for (size_t i = 0; r == 0 && i < n; i++) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            return EMU_EBADMSG;
        }
        r = emu_mp_put_array(&s->out, 2);
        if (r == 0) {
            r = ctx->time_as_integer ? emu_mp_put_int(&s->out, sec)
                                     : emu_mp_put_eventtime(&s->out, sec, nsec);
        }
        r = r ? r : emu_buf_append(&s->out, rec, rec_len);
    }
    if (r == 0 && opts) {
        r = emu_mp_put_map(&s->out, ctx->require_ack ? 2 : 1);
        r = r ? r : emu_mp_put_str(&s->out, "size", 4);
        r = r ? r : emu_mp_put_int(&s->out, (int64_t)n);
        if (r == 0 && ctx->require_ack) {
            unsigned char rnd[16];
            static const char hex[] = "0123456789abcdef";
            (void)emu_random_bytes(rnd, sizeof(rnd));
            for (int i = 0; i < 16; i++) {
                s->chunk[2 * i] = hex[rnd[i] >> 4];
                s->chunk[2 * i + 1] = hex[rnd[i] & 15];
            }
            r = emu_mp_put_str(&s->out, "chunk", 5);
            r = r ? r : emu_mp_put_str(&s->out, s->chunk, 32);
        }
    }
    return r;
}

static void unlink_send(struct send *s)
{
    struct send **pp = &s->ctx->sends;
    while (*pp && *pp != s) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = s->next;
    }
}

static void closed_cb(uv_handle_t *h)
{
    struct send *s = h->data;
    struct emu_router *r = s->ctx->r;
    if (--s->handles > 0) {
        emu_router_release(r);
        return;
    }
    if (!s->cancelled) {
        emu_router_flush_done(s->fl, s->result);
    }
    emu_buf_done(&s->out);
    emu_buf_done(&s->in);
    emu_free(s);
    emu_router_release(r);
}

static void finish(struct send *s, enum emu_router_flush_result res, const char *why)
{
    if (s->closing) {
        return;
    }
    s->closing = 1;
    s->result = res;
    if (res != EMU_FLUSH_OK && why && !s->cancelled) {
        emu_plg_log(EMU_LOG_WARN, s->ctx->name, "could not flush records to %s:%lld (%s)",
                    s->ctx->unix_path ? s->ctx->unix_path : s->ctx->host,
                    (long long)s->ctx->port, why);
    }
    unlink_send(s);
    s->handles = 2;
    emu_router_hold(s->ctx->r);
    emu_router_hold(s->ctx->r);
    uv_close(&s->io.h, closed_cb);
    uv_close((uv_handle_t *)&s->timer, closed_cb);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    static char slab[ACK_MAX];
    (void)h;
    (void)hint;
    *buf = uv_buf_init(slab, sizeof(slab));
}

/* Looks for {"ack": chunk} in what arrived. */
static void read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct send *s = st->data;
    if (nread < 0) {
        finish(s, EMU_FLUSH_RETRY, "connection closed before the ack");
        return;
    }
    if (nread == 0 || emu_buf_append(&s->in, buf->base, (size_t)nread) < 0) {
        if (nread != 0) {
            finish(s, EMU_FLUSH_RETRY, "ack too large");
        }
        return;
    }
    if (emu_mp_skip(s->in.data, s->in.len) < 0) {
        return; /* incomplete */
    }
    struct emu_mp m = {.p = (const uint8_t *)s->in.data, .len = s->in.len};
    uint32_t n;
    int ok = 0;
    if (emu_mp_read_map(&m, &n) == 0) {
        for (uint32_t i = 0; i < n; i++) {
            const char *k, *v;
            uint32_t kl, vl;
            const uint8_t *skip;
            size_t sl;
            if (emu_mp_read_strbin(&m, &k, &kl) < 0) {
                break;
            }
            if (kl == 3 && memcmp(k, "ack", 3) == 0 && emu_mp_read_strbin(&m, &v, &vl) == 0) {
                ok = vl == 32 && memcmp(v, s->chunk, 32) == 0;
                break;
            }
            if (emu_mp_next(&m, &skip, &sl) < 0) {
                break;
            }
        }
    }
    finish(s, ok ? EMU_FLUSH_OK : EMU_FLUSH_RETRY, ok ? NULL : "wrong ack");
}

static void write_cb(uv_write_t *w, int status)
{
    struct send *s = w->data;
    if (status < 0) {
        finish(s, EMU_FLUSH_RETRY, uv_strerror(status));
        return;
    }
    if (!s->ctx->require_ack) {
        finish(s, EMU_FLUSH_OK, NULL);
        return;
    }
    s->io.s.data = s;
    if (uv_read_start(&s->io.s, alloc_cb, read_cb) < 0) {
        finish(s, EMU_FLUSH_RETRY, "cannot read the ack");
    }
}

static void connect_cb(uv_connect_t *c, int status)
{
    struct send *s = c->data;
    if (s->closing) {
        return;
    }
    if (status < 0) {
        finish(s, EMU_FLUSH_RETRY, uv_strerror(status));
        return;
    }
    uv_buf_t b = uv_buf_init(s->out.data, (unsigned)s->out.len);
    s->wr.data = s;
    if (uv_write(&s->wr, &s->io.s, &b, 1, write_cb) < 0) {
        finish(s, EMU_FLUSH_RETRY, "write failed");
    }
}

static void timeout_cb(uv_timer_t *t)
{
    finish(t->data, EMU_FLUSH_RETRY, "timed out waiting for the ack");
}

static void cb_fwd_flush(struct emu_router_flush *fl, const char *data, size_t len,
                         const char *tag, size_t n, struct emu_router_output *ins, void *vctx)
{
    struct fwd_ctx *ctx = vctx;
    uv_loop_t *loop = emu_router_loop(ctx->r);
    struct send *s = emu_calloc(1, sizeof(*s));
    struct sockaddr_storage addr;
    (void)ins;
    if (!s) {
        emu_router_flush_done(fl, EMU_FLUSH_RETRY);
        return;
    }
    s->ctx = ctx;
    s->fl = fl;
    emu_buf_init(&s->out, SEND_MAX);
    emu_buf_init(&s->in, ACK_MAX);
    if (build(ctx, s, data, len, tag, n) < 0) {
        emu_plg_log(EMU_LOG_ERROR, ctx->name, "cannot encode %zu records", n);
        emu_buf_done(&s->out);
        emu_free(s);
        emu_router_flush_done(fl, EMU_FLUSH_ERROR);
        return;
    }
    const char *host = strcmp(ctx->host, "localhost") == 0 ? "127.0.0.1" : ctx->host;
    int bad = !ctx->unix_path &&
              uv_ip4_addr(host, (int)ctx->port, (struct sockaddr_in *)&addr) < 0 &&
              uv_ip6_addr(host, (int)ctx->port, (struct sockaddr_in6 *)&addr) < 0;
    if (ctx->unix_path) {
        uv_pipe_init(loop, &s->io.pipe, 0);
    }
    else {
        uv_tcp_init(loop, &s->io.tcp);
    }
    uv_timer_init(loop, &s->timer);
    s->io.h.data = s;
    s->timer.data = s;
    s->conn.data = s;
    s->next = ctx->sends;
    ctx->sends = s;
    if (bad) {
        finish(s, EMU_FLUSH_ERROR, "host must be a numeric address");
        return;
    }
    uv_timer_start(&s->timer, timeout_cb, ACK_TIMEOUT_MS, 0);
    if (ctx->unix_path) {
        uv_pipe_connect(&s->conn, &s->io.pipe, ctx->unix_path, connect_cb);
    }
    else if (uv_tcp_connect(&s->conn, &s->io.tcp, (struct sockaddr *)&addr, connect_cb) < 0) {
        finish(s, EMU_FLUSH_RETRY, "connect failed");
    }
}

static void cb_fwd_exit(struct emu_router_output *ins, void *vctx)
{
    struct fwd_ctx *ctx = vctx;
    (void)ins;
    while (ctx->sends) {
        ctx->sends->cancelled = 1;
        finish(ctx->sends, EMU_FLUSH_RETRY, NULL);
    }
}

const struct emu_router_output_plugin out_forward_plugin = {
    .name = "forward",
    .description = "Forward (Fluentd protocol)",
    .options = fwd_options,
    .ctx_size = sizeof(struct fwd_ctx),
    .cb_init = cb_fwd_init,
    .cb_flush = cb_fwd_flush,
    .cb_exit = cb_fwd_exit,
};
