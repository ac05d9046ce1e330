/* SPDX-License-Identifier: Apache-2.0 */
/* in_tcp: records over TCP, either concatenated JSON maps (Format json) or separator-split
 * lines stored under "log" (Format none); FireLens's health-check input on port 8877. */
#include <errno.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

struct tcp_ctx {
    const char *listen, *port, *format, *separator, *source_address_key;
    int64_t chunk_size, buffer_size; /* KB */
    struct emu_router_input *ins;
    uv_tcp_t server;
    int server_open, none, paused;
    struct tcp_conn *conns;
};

struct tcp_conn {
    struct tcp_conn *next;
    struct tcp_ctx *ctx;
    uv_tcp_t h;
    char *data;
    size_t len, cap;
    int reading, closing;
};

#define OFF(f) offsetof(struct tcp_ctx, f)

static const struct emu_router_option tcp_options[] = {
    {EMU_ROPT_STR, "listen", "0.0.0.0", 0, OFF(listen), "Listener network interface."},
    {EMU_ROPT_STR, "port", "5170", 0, OFF(port), "TCP port to listen for connections."},
    {EMU_ROPT_STR, "format", "json", 0, OFF(format), "Payload format: json or none."},
    {EMU_ROPT_STR, "separator", "\n", 0, OFF(separator), "Record separator (Format none)."},
    {EMU_ROPT_STR, "source_address_key", NULL, 0, OFF(source_address_key),
     "Key to store the source address under (not supported)."},
    {EMU_ROPT_INT, "chunk_size", "32", 0, OFF(chunk_size), "Buffer allocation step in KB."},
    {EMU_ROPT_INT, "buffer_size", NULL, 0, OFF(buffer_size),
     "Maximum buffer in KB (default: chunk_size)."},
    {0, NULL, NULL, 0, 0, NULL},
};

static void conn_closed(uv_handle_t *h)
{
    struct tcp_conn *c = h->data;
    struct emu_router *r = emu_router_input_router(c->ctx->ins);
    emu_free(c->data);
    emu_free(c);
    emu_router_release(r);
}

static void conn_close(struct tcp_conn *c)
{
    struct tcp_conn **pp = &c->ctx->conns;
    if (c->closing) {
        return;
    }
    c->closing = 1;
    while (*pp && *pp != c) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = c->next;
    }
    emu_router_hold(emu_router_input_router(c->ctx->ins));
    uv_close((uv_handle_t *)&c->h, conn_closed);
}

static void emit(struct tcp_ctx *ctx, struct emu_buf *rec)
{
    struct emu_buf ev;
    int64_t sec;
    uint32_t nsec;
    const char *tag = emu_router_input_tag(ctx->ins);
    if (!tag) {
        tag = emu_router_input_name(ctx->ins);
    }
    emu_router_now(&sec, &nsec);
    emu_buf_init(&ev, rec->len + 64);
    if (emu_mp_put_event(&ev, sec, nsec, rec->data, rec->len) == 0) {
        (void)emu_router_input_append(ctx->ins, tag, strlen(tag), ev.data, ev.len, 1);
    }
    emu_buf_done(&ev);
}

/* Length of the JSON value at p (object/array), 0 if incomplete. */
static size_t json_span(const char *p, size_t len)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        if (in_str) {
            if (ch == '\\') {
                i++;
            }
            else if (ch == '"') {
                in_str = 0;
            }
        }
        else if (ch == '"') {
            in_str = 1;
        }
        else if (ch == '{' || ch == '[') {
            depth++;
        }
        else if ((ch == '}' || ch == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

static size_t process_json(struct tcp_conn *c)
{
    size_t off = 0;
    while (off < c->len) {
        size_t ws = strspn(c->data + off, " \t\r\n");
        if (off + ws >= c->len) {
            return c->len;
        }
        off += ws;
        size_t n = json_span(c->data + off, c->len - off);
        if (n == 0) {
            break;
        }
        cJSON *root = NULL;
        struct emu_json_error jerr;
        struct emu_buf rec;
        emu_buf_init(&rec, c->cap * 2 + 1024);
        if (emu_json_parse(c->data + off, n, &root, &jerr) == 0 && cJSON_IsObject(root) &&
            emu_mp_from_cjson(root, &rec) == 0) {
            emit(c->ctx, &rec);
        }
        else {
            emu_plg_log(EMU_LOG_WARN, emu_router_input_name(c->ctx->ins),
                        "invalid JSON message, skipping");
        }
        cJSON_Delete(root);
        emu_buf_done(&rec);
        off += n;
    }
    return off;
}

static const char *find(const char *h, size_t hl, const char *n, size_t nl)
{
    for (size_t i = 0; i + nl <= hl; i++) {
        if (h[i] == n[0] && memcmp(h + i, n, nl) == 0) {
            return h + i;
        }
    }
    return NULL;
}

static size_t process_none(struct tcp_conn *c)
{
    const char *sep = c->ctx->separator;
    size_t sl = strlen(sep), off = 0;
    while (sl > 0 && off < c->len) {
        const char *hit = find(c->data + off, c->len - off, sep, sl);
        if (!hit) {
            break;
        }
        size_t n = (size_t)(hit - (c->data + off));
        struct emu_buf rec;
        emu_buf_init(&rec, n + 64);
        if (emu_mp_put_map(&rec, 1) == 0 && emu_mp_put_str(&rec, "log", 3) == 0 &&
            emu_mp_put_str(&rec, c->data + off, n) == 0) {
            emit(c->ctx, &rec);
        }
        emu_buf_done(&rec);
        off += n + sl;
    }
    return off;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct tcp_conn *c = h->data;
    size_t max = (size_t)c->ctx->buffer_size * 1000u;
    size_t step = (size_t)c->ctx->chunk_size * 1000u;
    (void)suggested;
    if (c->cap == c->len && c->cap < max) {
        size_t cap = c->cap + step > max ? max : c->cap + step;
        char *p = emu_realloc(c->data, cap + 1);
        if (p) {
            c->data = p;
            c->cap = cap;
        }
    }
    buf->base = c->data ? c->data + c->len : NULL;
    buf->len = c->cap - c->len;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct tcp_conn *c = s->data;
    (void)buf;
    if (nread < 0) {
        if (nread == UV_ENOBUFS) {
            emu_plg_log(EMU_LOG_WARN, emu_router_input_name(c->ctx->ins),
                        "message over buffer_size, closing connection");
        }
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    c->data[c->len] = '\0';
    size_t used = c->ctx->none ? process_none(c) : process_json(c);
    memmove(c->data, c->data + used, c->len - used);
    c->len -= used;
}

static void on_connection(uv_stream_t *server, int status)
{
    struct tcp_ctx *ctx = server->data;
    if (status < 0) {
        return;
    }
    struct tcp_conn *c = emu_calloc(1, sizeof(*c));
    if (!c) {
        return;
    }
    c->ctx = ctx;
    uv_tcp_init(server->loop, &c->h);
    c->h.data = c;
    c->next = ctx->conns;
    ctx->conns = c;
    if (uv_accept(server, (uv_stream_t *)&c->h) < 0) {
        conn_close(c);
        return;
    }
    if (!ctx->paused && uv_read_start((uv_stream_t *)&c->h, alloc_cb, read_cb) == 0) {
        c->reading = 1;
    }
}

static int cb_tcp_init(struct emu_router_input *ins, void *data)
{
    struct tcp_ctx *ctx = data;
    const char *name = emu_router_input_name(ins);
    struct sockaddr_in addr;
    char *end;
    long port = strtol(ctx->port, &end, 10);
    ctx->ins = ins;
    if (strcmp(ctx->format, "json") != 0 && strcmp(ctx->format, "none") != 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "unrecognized format '%s'", ctx->format);
        return -EINVAL;
    }
    ctx->none = strcmp(ctx->format, "none") == 0;
    if (ctx->buffer_size <= 0) {
        ctx->buffer_size = ctx->chunk_size;
    }
    if (ctx->chunk_size <= 0 || *end || port < 0 || port > 65535 ||
        uv_ip4_addr(ctx->listen, (int)port, &addr) < 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "invalid listen/port/chunk_size");
        return -EINVAL;
    }
    uv_tcp_init(emu_router_loop(emu_router_input_router(ins)), &ctx->server);
    ctx->server.data = ctx;
    ctx->server_open = 1;
    int rc = uv_tcp_bind(&ctx->server, (const struct sockaddr *)&addr, 0);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&ctx->server, 128, on_connection);
    }
    if (rc < 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "cannot listen on %s:%s: %s", ctx->listen, ctx->port,
                    uv_strerror(rc));
        return rc;
    }
    emu_plg_log(EMU_LOG_INFO, name, "listening on %s:%s", ctx->listen, ctx->port);
    return 0;
}

static void set_paused(struct tcp_ctx *ctx, int pause)
{
    ctx->paused = pause;
    for (struct tcp_conn *c = ctx->conns; c; c = c->next) {
        if (pause && c->reading) {
            uv_read_stop((uv_stream_t *)&c->h);
            c->reading = 0;
        }
        else if (!pause && !c->reading &&
                 uv_read_start((uv_stream_t *)&c->h, alloc_cb, read_cb) == 0) {
            c->reading = 1;
        }
    }
}

static void cb_tcp_pause(struct emu_router_input *ins, void *data)
{
    (void)ins;
    set_paused(data, 1);
}

static void cb_tcp_resume(struct emu_router_input *ins, void *data)
{
    (void)ins;
    set_paused(data, 0);
}

static void server_closed(uv_handle_t *h)
{
    struct tcp_ctx *ctx = h->data;
    emu_router_release(emu_router_input_router(ctx->ins));
}

static void close_server(struct tcp_ctx *ctx)
{
    if (ctx->server_open) {
        ctx->server_open = 0;
        emu_router_hold(emu_router_input_router(ctx->ins));
        uv_close((uv_handle_t *)&ctx->server, server_closed);
    }
}

static void cb_tcp_stop(struct emu_router_input *ins, void *data)
{
    (void)ins;
    close_server(data);
    set_paused(data, 1);
}

static void cb_tcp_exit(struct emu_router_input *ins, void *data)
{
    struct tcp_ctx *ctx = data;
    (void)ins;
    close_server(ctx);
    while (ctx->conns) {
        conn_close(ctx->conns);
    }
}

const struct emu_router_input_plugin in_tcp_plugin = {
    .name = "tcp",
    .description = "TCP",
    .options = tcp_options,
    .ctx_size = sizeof(struct tcp_ctx),
    .cb_init = cb_tcp_init,
    .cb_pause = cb_tcp_pause,
    .cb_resume = cb_tcp_resume,
    .cb_stop = cb_tcp_stop,
    .cb_exit = cb_tcp_exit,
};
