/* SPDX-License-Identifier: Apache-2.0 */
/* Connection guard of the shims' HTTP server: request head deadline, body progress, eviction.
 *
 * DESIGN: libmicrohttpd's own timeout is an idle timeout that every byte resets, so a client
 * trickling its headers holds a slot for ever. Each connection gets a record (MHD's socket
 * context, from MHD_OPTION_NOTIFY_CONNECTION) with its phase; a libuv timer sweeps them:
 *   - head: from accept, or for a kept-alive connection from the first byte of its next request
 *     (TCP_INFO tcpi_bytes_received grows past the mark taken when the last request ended), the
 *     whole request head must arrive within head_ms. Past it the client gets `408 Request
 *     Timeout` (RFC 9110 15.5.9, what Apache's mod_reqtimeout answers) and the connection is
 *     closed; a connection that never sent a byte is closed without an answer. An idle
 *     kept-alive connection has no deadline here (MHD's idle timeout applies).
 *   - body: while a request body is being received, some of it must arrive every body_ms
 *     (S3's rule: 400 RequestTimeout "Your socket connection to the server was not read from
 *     or written to within the timeout period", in the service's error shape), unless the
 *     connection is suspended by us (a job or injected latency).
 * MHD has no call to answer or close a connection from outside its callbacks, so the answer is
 * written straight to the socket (MHD has written nothing on it for this request) and the
 * socket is shut down both ways: MHD's next read sees end of file and it closes the connection
 * itself, through the usual completion callbacks.
 * Admission: at most max_conns connections; when a new one arrives with every slot taken, the
 * connection that has waited longest for a request head (a slow or idle client) is cut to make
 * room, so slow clients cannot lock normal ones out. MHD's own limit sits above ours, to leave
 * room for connections already cut but not yet closed by MHD. */
#include "shims/common/http_internal.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/log.h"
#include "emu/base/mem.h"

enum conn_phase {
    CONN_HEAD, /* waiting for a request head */
    CONN_BODY, /* head in, body being received */
    CONN_BUSY, /* handler, job or response under way */
};

struct shim_conn {
    struct shim_conn *prev, *next;
    struct shim_http_server *srv;
    struct shim_request *req; /* the current request once its line is in, or NULL */
    int fd;
    enum conn_phase phase;
    uint64_t since_ns;     /* entered the head phase (accept, or the last request's end) */
    uint64_t head_ns;      /* head deadline clock start; 0 = idle, not started */
    uint64_t last_ns;      /* last body progress */
    uint64_t rx_mark;      /* tcpi_bytes_received when the last request ended */
    bool cut;              /* answered and shut down: MHD closes it on its next run */
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* glibc's struct tcp_info stops at tcpi_total_retrans; Linux 4.1+ appends these (uapi
 * linux/tcp.h, which clashes with netinet/tcp.h). */
struct tcp_info_ext {
    struct tcp_info base;
    uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
};

/* Bytes the kernel received on the socket so far (read by MHD or not); 0 if unknown. */
static uint64_t rx_bytes(int fd)
{
    struct tcp_info_ext ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
        len < offsetof(struct tcp_info_ext, bytes_received) + sizeof(ti.bytes_received)) {
        return 0;
    }
    return ti.bytes_received;
}

/* The error body in the server's shape; returns its length (0 if it did not fit). */
static size_t error_body(const struct shim_http_server *srv, const char *code, const char *msg,
                         const char *id, char *out, size_t size)
{
    int n;
    switch (srv->error_shape) {
    case SHIM_ERRORS_JSON:
        n = snprintf(out, size, "{\"__type\":\"%s\",\"message\":\"%s\"}", code, msg);
        break;
    case SHIM_ERRORS_QUERY:
        n = snprintf(out, size,
                     "<ErrorResponse xmlns=\"%s\"><Error><Type>Sender</Type><Code>%s</Code>"
                     "<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>",
                     srv->error_xmlns, code, msg, id);
        break;
    default:
        n = snprintf(out, size,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                     "<Message>%s</Message><RequestId>%s</RequestId></Error>",
                     code, msg, id);
        break;
    }
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Writes the answer for a timed-out connection (status 0 = none) and shuts the socket down. */
static void cut(struct shim_conn *c, unsigned status, const char *why)
{
    struct shim_http_server *srv = c->srv;
    char head[512], body[768];
    size_t blen = 0;
    int hlen = 0;
    if (status == 408) {
        hlen = snprintf(head, sizeof(head),
                        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                        "Content-Length: 0\r\nServer: fargate-emu\r\n\r\n");
    }
    else if (status != 0) {
        const char *id = c->req ? c->req->id : "0000000000000000";
        blen = error_body(srv, "RequestTimeout",
                          "Your socket connection to the server was not read from or written "
                          "to within the timeout period. Idle connections will be closed.",
                          id, body, sizeof(body));
        const char *ctype = srv->error_shape == SHIM_ERRORS_JSON ? "application/x-amz-json-1.1"
                                                                 : "application/xml";
        hlen = snprintf(head, sizeof(head),
                        "HTTP/1.1 %u Bad Request\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                        "Connection: close\r\nx-amz-request-id: %s\r\nServer: fargate-emu\r\n\r\n",
                        status, ctype, blen, id);
    }
    if (hlen > 0 && (size_t)hlen < sizeof(head)) {
        /* Best effort on a non-blocking socket: a few hundred bytes fit any send buffer. */
        (void)!send(c->fd, head, (size_t)hlen, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (blen) {
            (void)!send(c->fd, body, blen, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    }
    (void)shutdown(c->fd, SHUT_RDWR);
    c->cut = true;
    srv->conns_cut++;
    srv->timeouts++;
    emu_log_debug("%s: closing a connection: %s (%s)", srv->name, why,
                  status == 0 ? "no answer" : status == 408 ? "408" : "400 RequestTimeout");
}

static void sweep(uv_timer_t *t)
{
    struct shim_http_server *srv = t->data;
    if (srv->stopping) {
        return;
    }
    uint64_t now = mono_ns();
    uint64_t head_ns = (uint64_t)srv->head_timeout_ms * 1000000u;
    uint64_t body_ns = (uint64_t)srv->body_timeout_ms * 1000000u;
    bool any = false;
    for (struct shim_conn *c = srv->conns; c; c = c->next) {
        if (c->cut) {
            continue;
        }
        if (c->phase == CONN_HEAD && head_ns) {
            if (c->head_ns == 0 && rx_bytes(c->fd) > c->rx_mark) {
                c->head_ns = now; /* the next request began since the last sweep */
            }
            if (c->head_ns && now - c->head_ns > head_ns) {
                bool sent = c->req || rx_bytes(c->fd) > c->rx_mark;
                cut(c, sent ? 408 : 0, "request head not complete in time");
                any = true;
            }
        }
        else if (c->phase == CONN_BODY && body_ns) {
            if (c->req && c->req->suspended) {
                c->last_ns = now; /* our own wait, not the client's */
            }
            else if (now - c->last_ns > body_ns) {
                cut(c, 400, "no request body received within the timeout");
                any = true;
            }
        }
    }
    if (any) {
        shim__server_kick(srv);
    }
}

static void on_guard_closed(uv_handle_t *h)
{
    shim__server_handle_closed(h->data);
}

int shim__conn_guard_start(struct shim_http_server *srv)
{
    unsigned min = 0;
    if (srv->head_timeout_ms) {
        min = srv->head_timeout_ms;
    }
    if (srv->body_timeout_ms && (!min || srv->body_timeout_ms < min)) {
        min = srv->body_timeout_ms;
    }
    int r = uv_timer_init(srv->loop, &srv->guard_timer);
    if (r < 0) {
        return r;
    }
    srv->guard_timer.data = srv;
    srv->handles_open++;
    if (!min) {
        return 0;
    }
    /* A tick of a quarter of the shortest timeout (100 ms to 1 s): cuts land within it. */
    uint64_t tick = min / 4 < 100 ? 100 : min / 4 > 1000 ? 1000 : min / 4;
    return uv_timer_start(&srv->guard_timer, sweep, tick, tick);
}

void shim__conn_guard_stop(struct shim_http_server *srv)
{
    (void)uv_timer_stop(&srv->guard_timer);
    uv_close((uv_handle_t *)&srv->guard_timer, on_guard_closed);
}

void shim__conn_notify(void *cls, struct MHD_Connection *mconn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe)
{
    struct shim_http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fdi =
            MHD_get_connection_info(mconn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct shim_conn *c = emu_calloc(1, sizeof(*c));
        if (!c || !fdi) {
            emu_free(c);
            *socket_context = NULL; /* unguarded: MHD's idle timeout still applies */
            return;
        }
        c->srv = srv;
        c->fd = fdi->connect_fd;
        c->phase = CONN_HEAD;
        c->since_ns = c->head_ns = mono_ns();
        c->next = srv->conns;
        if (srv->conns) {
            srv->conns->prev = c;
        }
        srv->conns = c;
        srv->n_conns++;
        *socket_context = c;
        return;
    }
    struct shim_conn *c = *socket_context;
    if (!c) {
        return;
    }
    if (c->prev) {
        c->prev->next = c->next;
    }
    else {
        srv->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    srv->n_conns--;
    if (c->cut) {
        srv->conns_cut--;
    }
    if (c->req) {
        c->req->gconn = NULL;
    }
    emu_free(c);
    *socket_context = NULL;
}

bool shim__conn_admit(struct shim_http_server *srv)
{
    if (srv->n_conns >= srv->max_conns + SHIM_CONN_SLACK) {
        return false; /* MHD's own limit: cut connections not closed yet fill the slack */
    }
    if (srv->n_conns - srv->conns_cut < srv->max_conns) {
        return true;
    }
    struct shim_conn *oldest = NULL;
    for (struct shim_conn *c = srv->conns; c; c = c->next) {
        if (!c->cut && c->phase == CONN_HEAD && (!oldest || c->since_ns < oldest->since_ns)) {
            oldest = c;
        }
    }
    if (!oldest) {
        return false;
    }
    bool sent = oldest->req || rx_bytes(oldest->fd) > oldest->rx_mark;
    cut(oldest, sent ? 408 : 0, "every connection slot taken, this one waited longest");
    return true;
}

static struct shim_conn *conn_of(struct MHD_Connection *mconn)
{
    const union MHD_ConnectionInfo *i =
        MHD_get_connection_info(mconn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return i ? i->socket_context : NULL;
}

void shim__conn_request(struct shim_request *req)
{
    struct shim_conn *c = conn_of(req->conn);
    req->gconn = c;
    if (c) {
        c->req = req;
        if (!c->head_ns) {
            c->head_ns = mono_ns();
        }
    }
}

void shim__conn_body(struct shim_request *req, bool body)
{
    struct shim_conn *c = req->gconn;
    if (c) {
        c->phase = body ? CONN_BODY : CONN_BUSY;
        c->last_ns = mono_ns();
    }
}

void shim__conn_request_end(struct shim_request *req)
{
    struct shim_conn *c = req->gconn;
    if (c) {
        c->req = NULL;
        c->phase = CONN_HEAD;
        c->since_ns = mono_ns();
        c->head_ns = 0;
        c->rx_mark = rx_bytes(c->fd);
        req->gconn = NULL;
    }
}
