/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP_Server on the router's libuv loop: a TCP listener on HTTP_Listen:HTTP_Port, one
 * fixed buffer per connection (request head and body ceilings from http_parser.h), requests
 * parsed with emu_http_parse_request and answered by http_api.c, keep-alive for HTTP/1.1 and
 * pipelined requests in order. At most HTTP_CONNS_MAX connections are open at once. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/http_parser.h"
#include "emu/router/router_internal.h"

#define HTTP_CONNS_MAX 64
#define HTTP_RESPONSE_MAX (8u * 1024u * 1024u)

struct http_conn {
    struct http_conn *next;
    struct emu_router_http *h;
    uv_tcp_t tcp;
    char buf[EMU_HTTP_HEADER_MAX + EMU_HTTP_BODY_MAX];
    size_t len;
    uv_shutdown_t shutdown;
    int closing, discard; /* discard: answered for the last time, input is drained */
};

struct emu_router_http {
    struct emu_router *r;
    uv_tcp_t listener;
    struct http_conn *conns;
    size_t n_conns;
    int listener_closed; /* freed once the listener and every connection are closed */
};

struct http_write {
    uv_write_t req;
    struct http_conn *c;
    struct emu_buf b;
    int close;
};

static void conn_closed(uv_handle_t *h)
{
    struct http_conn *c = h->data;
    struct emu_router *r = c->h->r;
    struct http_conn **pp = &c->h->conns;
    while (*pp && *pp != c) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = c->next;
    }
    struct emu_router_http *hs = c->h;
    hs->n_conns--;
    emu_free(c);
    if (hs->listener_closed && hs->n_conns == 0) {
        emu_free(hs);
    }
    emu_router_release(r);
}

static void conn_close(struct http_conn *c)
{
    if (c->closing) {
        return;
    }
    c->closing = 1;
    emu_router_hold(c->h->r);
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void shutdown_done(uv_shutdown_t *req, int status)
{
    struct http_conn *c = req->data;
    if (status < 0) {
        conn_close(c);
    }
}

/* After the last response: send FIN and keep reading (and dropping) until the client closes,
 * so unread request bytes do not turn the close into a reset that loses the response. */
static void write_done(uv_write_t *req, int status)
{
    struct http_write *w = req->data;
    if (status < 0) {
        conn_close(w->c);
    }
    else if (w->close && !w->c->closing) {
        w->c->shutdown.data = w->c;
        if (uv_shutdown(&w->c->shutdown, (uv_stream_t *)&w->c->tcp, shutdown_done) < 0) {
            conn_close(w->c);
        }
    }
    emu_buf_done(&w->b);
    emu_free(w);
}

static void respond(struct http_conn *c, int status, const char *ctype, const struct emu_buf *body,
                    int keep_alive, int head_only)
{
    struct http_write *w = emu_calloc(1, sizeof(*w));
    if (!w) {
        conn_close(c);
        return;
    }
    emu_buf_init(&w->b, HTTP_RESPONSE_MAX);
    w->c = c;
    w->close = !keep_alive;
    w->req.data = w;
    const char *data = body && body->data ? body->data : "";
    size_t len = body ? body->len : 0;
    if (emu_http_write_response(&w->b, status, ctype, data, len, keep_alive, head_only) < 0) {
        emu_buf_done(&w->b);
        emu_free(w);
        conn_close(c);
        return;
    }
    uv_buf_t ub = uv_buf_init(w->b.data, (unsigned int)w->b.len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &ub, 1, write_done) < 0) {
        emu_buf_done(&w->b);
        emu_free(w);
        conn_close(c);
        return;
    }
    if (!keep_alive) {
        c->discard = 1; /* write_done shuts the connection down */
    }
}

static void error_reply(struct http_conn *c, int status)
{
    respond(c, status, NULL, NULL, 0, 0);
    c->len = 0;
}


/* Handles every complete request in the buffer; returns 0 to keep reading. */
static int process(struct http_conn *c)
{
    while (c->len > 0) {
        struct emu_http_request req;
        ssize_t n = emu_http_parse_request(c->buf, c->len, &req);
        if (n == -EAGAIN) {
            return 0;
        }
        if (n < 0) {
            error_reply(c, n == -E2BIG ? 431 : 400);
            return -1;
        }
        if (req.chunked) {
            error_reply(c, 411);
            return -1;
        }
        size_t body = req.content_length > 0 ? (size_t)req.content_length : 0;
        if (body > EMU_HTTP_BODY_MAX) {
            error_reply(c, 413);
            return -1;
        }
        if (c->len < (size_t)n + body) {
            return 0;
        }
        int head = req.method_len == 4 && memcmp(req.method, "HEAD", 4) == 0;
        int get = req.method_len == 3 && memcmp(req.method, "GET", 3) == 0;
        struct emu_buf out;
        const char *ctype = NULL;
        emu_buf_init(&out, HTTP_RESPONSE_MAX);
        int status = get || head ? emu__router_http_handle(c->h->r, req.target,
                                                            emu_http_path_len(&req), &out, &ctype)
                                 : 405;
        respond(c, status, ctype, &out, req.keep_alive, head);
        emu_buf_done(&out);
        size_t used = (size_t)n + body;
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        if (!req.keep_alive) {
            c->len = 0;
            return -1;
        }
    }
    return 0;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct http_conn *c = h->data;
    (void)hint;
    *buf = uv_buf_init(c->buf + c->len, (unsigned int)(sizeof(c->buf) - c->len));
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct http_conn *c = s->data;
    (void)buf;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    if (c->discard) {
        c->len = 0;
        return;
    }
    (void)process(c);
    if (!c->discard && c->len == sizeof(c->buf)) {
        error_reply(c, 431);
    }
}

static void accept_cb(uv_stream_t *server, int status)
{
    struct emu_router_http *h = server->data;
    if (status < 0) {
        return;
    }
    struct http_conn *c = emu_calloc(1, sizeof(*c));
    if (!c) {
        return;
    }
    c->h = h;
    uv_tcp_init(h->r->loop, &c->tcp);
    c->tcp.data = c;
    c->next = h->conns;
    h->conns = c;
    h->n_conns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 || h->n_conns > HTTP_CONNS_MAX ||
        uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) < 0) {
        conn_close(c);
    }
}

static void listener_closed(uv_handle_t *hd)
{
    struct emu_router_http *h = hd->data;
    struct emu_router *r = h->r;
    h->listener_closed = 1;
    if (h->n_conns == 0) {
        emu_free(h);
    }
    emu_router_release(r);
}

int emu__router_http_start(struct emu_router *r)
{
    struct sockaddr_storage ss;
    const char *host = r->svc.http_listen ? r->svc.http_listen : "0.0.0.0";
    if (r->svc.http_port < 0 || r->svc.http_port > 65535) {
        return emu_log_errno(-EINVAL, "[http_server] invalid HTTP_Port %lld",
                             (long long)r->svc.http_port);
    }
    if (uv_ip4_addr(host, (int)r->svc.http_port, (struct sockaddr_in *)&ss) < 0 &&
        uv_ip6_addr(host, (int)r->svc.http_port, (struct sockaddr_in6 *)&ss) < 0) {
        return emu_log_errno(-EINVAL, "[http_server] invalid HTTP_Listen '%s'", host);
    }
    struct emu_router_http *h = emu_calloc(1, sizeof(*h));
    if (!h) {
        return -ENOMEM;
    }
    h->r = r;
    r->http = h;
    uv_tcp_init(r->loop, &h->listener);
    h->listener.data = h;
    int rc = uv_tcp_bind(&h->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&h->listener, 128, accept_cb);
    }
    if (rc < 0) {
        return emu_log_errno(rc, "[http_server] could not bind address %s:%lld: %s", host,
                             (long long)r->svc.http_port, uv_strerror(rc));
    }
    emu_log_info("[http_server] listen iface=%s tcp_port=%lld", host,
                 (long long)r->svc.http_port);
    return emu__router_health_start(r);
}

void emu__router_http_close(struct emu_router *r)
{
    struct emu_router_http *h = r->http;
    emu__router_health_stop(r);
    if (!h) {
        return;
    }
    r->http = NULL;
    for (struct http_conn *c = h->conns; c; c = c->next) {
        conn_close(c);
    }
    emu_router_hold(r);
    uv_close((uv_handle_t *)&h->listener, listener_closed);
}
