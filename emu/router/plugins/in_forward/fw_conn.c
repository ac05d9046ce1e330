/* SPDX-License-Identifier: Apache-2.0 */
/* in_forward connections: read buffering up to buffer_max_size (grown by buffer_chunk_size),
 * decoding every complete message, acks for the chunk option, and back-pressure by
 * uv_read_stop while the input is paused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/plugins/in_forward/in_forward.h"

#define TAG_MAX 4096

struct fw_conn {
    struct fw_conn *next, *prev;
    struct fw_ctx *ctx;
    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_stream_t stream;
        uv_handle_t handle;
    } h;
    char *data;
    size_t len, cap;
    int reading, closing;
};

struct ack_req {
    uv_write_t req;
    size_t len;
    char data[];
};

static void conn_closed(uv_handle_t *h)
{
    struct fw_conn *c = h->data;
    struct emu_router *r = emu_router_input_router(c->ctx->ins);
    emu_free(c->data);
    emu_free(c);
    emu_router_release(r);
}

static void conn_close(struct fw_conn *c)
{
    if (c->closing) {
        return;
    }
    c->closing = 1;
    if (c->prev) {
        c->prev->next = c->next;
    }
    else {
        c->ctx->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    emu_router_hold(emu_router_input_router(c->ctx->ins));
    uv_close(&c->h.handle, conn_closed);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct fw_conn *c = h->data;
    size_t max = (size_t)c->ctx->buffer_max_size;
    size_t step = (size_t)c->ctx->buffer_chunk_size;
    (void)suggested;
    if (c->cap - c->len < step / 4 && c->cap < max) {
        size_t cap = c->cap + step > max ? max : c->cap + step;
        char *p = emu_realloc(c->data, cap);
        if (p) {
            c->data = p;
            c->cap = cap;
        }
    }
    buf->base = c->data ? c->data + c->len : NULL;
    buf->len = c->cap - c->len;
}

static void ack_done(uv_write_t *req, int status)
{
    (void)status;
    emu_free(req);
}

static void send_ack(struct fw_conn *c, const struct emu_fw_msg *msg)
{
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    if (emu_fw_ack(msg->chunk, msg->chunk_len, &b) == 0) {
        struct ack_req *a = emu_malloc(sizeof(*a) + b.len);
        if (a) {
            memcpy(a->data, b.data, b.len);
            a->len = b.len;
            uv_buf_t ub = uv_buf_init(a->data, (unsigned)a->len);
            if (uv_write(&a->req, &c->h.stream, &ub, 1, ack_done) < 0) {
                emu_free(a);
            }
        }
    }
    emu_buf_done(&b);
}

static int deliver(struct fw_conn *c, const struct emu_fw_msg *msg)
{
    struct fw_ctx *ctx = c->ctx;
    char tag[TAG_MAX];
    const char *t = msg->tag;
    size_t tl = msg->tag_len;
    const char *fixed = emu_router_input_tag(ctx->ins);
    if (fixed) {
        t = fixed;
        tl = strlen(fixed);
    }
    if (ctx->tag_prefix) {
        int n = snprintf(tag, sizeof(tag), "%s%.*s", ctx->tag_prefix, (int)tl, t);
        if (n < 0 || (size_t)n >= sizeof(tag)) {
            return -E2BIG;
        }
        t = tag;
        tl = (size_t)n;
    }
    return emu_router_input_append(ctx->ins, t, tl, ctx->events.data, ctx->events.len,
                                   msg->n_events);
}

/* Decodes every complete message in the buffer; returns 0 or a negative errno (close). */
static int process(struct fw_conn *c)
{
    struct fw_ctx *ctx = c->ctx;
    size_t off = 0;
    int rc = 0;
    while (off < c->len) {
        struct emu_fw_msg msg;
        ctx->events.len = 0;
        ssize_t n = emu_fw_decode(c->data + off, c->len - off, &ctx->limits, &msg, &ctx->events);
        if (n == -EAGAIN) {
            break;
        }
        if (n < 0) {
            rc = (int)n;
            break;
        }
        rc = deliver(c, &msg);
        if (rc < 0) {
            break;
        }
        if (msg.chunk) {
            send_ack(c, &msg);
        }
        off += (size_t)n;
    }
    if (off > 0) {
        memmove(c->data, c->data + off, c->len - off);
        c->len -= off;
    }
    return rc;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct fw_conn *c = s->data;
    const char *name = emu_router_input_name(c->ctx->ins);
    (void)buf;
    if (nread == UV_ENOBUFS) {
        emu_plg_log(EMU_LOG_WARN, name, "message over buffer_max_size, closing connection");
        conn_close(c);
        return;
    }
    if (nread < 0) {
        if (nread != UV_EOF) {
            emu_plg_log(EMU_LOG_DEBUG, name, "read error: %s", uv_strerror((int)nread));
        }
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    int rc = process(c);
    if (rc < 0) {
        emu_plg_log(EMU_LOG_WARN, name, "%s, closing connection",
                    rc == -E2BIG ? "message over buffer_max_size" : "malformed forward message");
        conn_close(c);
    }
}

static void start_reading(struct fw_conn *c)
{
    if (!c->reading && !c->closing && uv_read_start(&c->h.stream, alloc_cb, read_cb) == 0) {
        c->reading = 1;
    }
}

void fw_conn_accept(struct fw_ctx *ctx, uv_stream_t *server)
{
    struct emu_router *r = emu_router_input_router(ctx->ins);
    struct fw_conn *c = emu_calloc(1, sizeof(*c));
    if (!c) {
        return;
    }
    c->ctx = ctx;
    if (ctx->is_unix) {
        uv_pipe_init(emu_router_loop(r), &c->h.pipe, 0);
    }
    else {
        uv_tcp_init(emu_router_loop(r), &c->h.tcp);
    }
    c->h.handle.data = c;
    c->next = ctx->conns;
    if (ctx->conns) {
        ctx->conns->prev = c;
    }
    ctx->conns = c;
    if (uv_accept(server, &c->h.stream) < 0) {
        conn_close(c);
        return;
    }
    if (!ctx->paused) {
        start_reading(c);
    }
}

void fw_conns_pause(struct fw_ctx *ctx, int pause)
{
    ctx->paused = pause;
    for (struct fw_conn *c = ctx->conns; c; c = c->next) {
        if (pause && c->reading) {
            uv_read_stop(&c->h.stream);
            c->reading = 0;
        }
        else if (!pause) {
            start_reading(c);
        }
    }
}

void fw_conns_close(struct fw_ctx *ctx)
{
    while (ctx->conns) {
        conn_close(ctx->conns);
    }
}
