/* SPDX-License-Identifier: Apache-2.0 */
/* The only libmicrohttpd <-> libuv adapter: MHD runs in external-epoll mode, its epoll fd sits
 * in a uv_poll_t and a uv_timer_t follows MHD_get_timeout, so every shim shares one loop.
 *
 * DESIGN: no thread is ever started here; blocking work (fsync, rename, big copies) goes to the
 * libuv thread pool through shim_request_offload, with the connection suspended meanwhile and
 * resumed from the loop once the job's after callback has responded. Each wake-up (epoll fd
 * readable, or the timer) calls MHD_run once, then re-arms the timer from MHD_get_timeout (0
 * when MHD still has buffered work). MHD calls back into request.c from inside MHD_run: the
 * URI log callback creates the request, the access handler feeds it, the completion callback
 * frees it. Stopping closes the
 * libuv handles first (so libuv drops the epoll fd) and then stops the daemon. The listening
 * socket is our own (see "the listening socket" below), so fault injection can refuse
 * connections for a down window. */
#define _GNU_SOURCE /* accept4 */
#include "shims/common/http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/common/compat.h"

static void run_daemon(struct shim_http_server *srv);

static void on_timer(uv_timer_t *t)
{
    run_daemon(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    run_daemon(p->data);
}

static void run_daemon(struct shim_http_server *srv)
{
    if (srv->stopping || srv->in_run) {
        return;
    }
    srv->in_run = true;
    (void)MHD_run(srv->daemon);
    srv->in_run = false;
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (MHD_get_timeout(srv->daemon, &ms) == MHD_YES) {
        uint64_t t = ms > 60000 ? 60000 : (uint64_t)ms;
        (void)uv_timer_start(&srv->timer, on_timer, t, 0);
    }
    else {
        (void)uv_timer_stop(&srv->timer);
    }
}

/* MHD_OPTION_URI_LOG_CALLBACK: the first thing MHD reports about a request, with the raw
 * target before any unescaping. Its return value becomes the request's *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct shim_request *req = shim__request_new(cls, conn, uri);
    if (req) {
        shim__conn_request(req);
    }
    return req;
}

static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

struct shim_job {
    uv_work_t work;
    struct shim_request *req; /* NULL once the request is gone (server stopping) */
    shim_work_fn fn;
    shim_after_fn after;
    void *ud;
    void *orphan_data; /* service data of a freed request, freed when the job ends */
    void (*orphan_free)(void *);
};

static void job_work(uv_work_t *w)
{
    struct shim_job *job = w->data;
    job->fn(job->ud);
}

static void unlink_suspended(struct shim_request *req)
{
    struct shim_http_server *srv = req->srv;
    if (req->susp_prev) {
        req->susp_prev->susp_next = req->susp_next;
    }
    else {
        srv->suspended = req->susp_next;
    }
    if (req->susp_next) {
        req->susp_next->susp_prev = req->susp_prev;
    }
    req->susp_prev = req->susp_next = NULL;
    req->suspended = false;
}

static void job_after(uv_work_t *w, int status)
{
    (void)status; /* work requests are never cancelled here */
    struct shim_job *job = w->data;
    struct shim_request *req = job->req;
    if (!req) {
        if (job->orphan_free) {
            job->orphan_free(job->orphan_data);
        }
        emu_free(job);
        return;
    }
    req->job = NULL;
    job->after(req, job->ud);
    emu_free(job);
    if (!req->response) {
        shim_respond_error_xml(req, 500, "InternalError",
                               "We encountered an internal error. Please try again.", NULL);
    }
    if (req->suspended) {
        shim__request_resume(req);
    }
}

void shim__request_resume(struct shim_request *req)
{
    unlink_suspended(req);
    MHD_resume_connection(req->conn);
    /* External polling: MHD only notices the resume on its next run. */
    shim__server_kick(req->srv);
}

void shim__server_kick(struct shim_http_server *srv)
{
    if (!srv->stopping) {
        (void)uv_timer_start(&srv->timer, on_timer, 0, 0);
    }
}

int shim_request_offload(struct shim_request *req, shim_work_fn work, shim_after_fn after,
                         void *ud)
{
    if (req->job || req->response || !work || !after) {
        return EMU_EINVAL;
    }
    if (req->srv->stopping) {
        return EMU_ECANCELED;
    }
    struct shim_job *job = emu_calloc(1, sizeof(*job));
    if (!job) {
        return EMU_ENOMEM;
    }
    *job = (struct shim_job){.req = req, .fn = work, .after = after, .ud = ud};
    job->work.data = job;
    int r = uv_queue_work(req->srv->loop, &job->work, job_work, job_after);
    if (r < 0) {
        emu_free(job);
        return r;
    }
    req->job = job;
    return 0;
}

void shim__request_suspend(struct shim_request *req)
{
    struct shim_http_server *srv = req->srv;
    MHD_suspend_connection(req->conn);
    req->suspended = true;
    req->susp_prev = NULL;
    req->susp_next = srv->suspended;
    if (srv->suspended) {
        srv->suspended->susp_prev = req;
    }
    srv->suspended = req;
}

void shim__job_orphan(struct shim_request *req)
{
    if (req->suspended) {
        unlink_suspended(req);
    }
    if (req->job) {
        req->job->req = NULL;
        req->job->orphan_data = req->data;
        req->job->orphan_free = req->data_free;
        req->data = NULL;
        req->data_free = NULL;
        req->job = NULL;
    }
}

/* After the handler or the done callback: queue the response, or park the connection while an
 * offloaded job runs. */
static shim_mhd_result respond_or_suspend(struct shim_request *req)
{
    if (req->reset) {
        return shim__fault_reset(req);
    }
    if ((req->job || req->delay) && !req->response) {
        shim__request_suspend(req);
        return MHD_YES;
    }
    return shim__respond_queue(req);
}

/* Whether the request announces a body (a response before it makes MHD close the connection,
 * which is what we want when refusing a large upload early). */
static bool has_body(const struct shim_request *req)
{
    const char *cl = shim_request_header(req, "Content-Length");
    return shim_request_header(req, "Transfer-Encoding") || (cl && strcmp(cl, "0") != 0);
}

static shim_mhd_result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    (void)url;
    (void)version;
    struct shim_http_server *srv = cls;
    struct shim_request *req = *con_cls;
    if (srv->stopping) {
        return MHD_NO; /* resumed while the server stops: close the connection */
    }
    if (req && req->reset) {
        return shim__fault_reset(req); /* an injected reset, after its latency */
    }
    if (!req) {
        /* Out of memory when the request began: refuse without allocating. */
        static const char busy[] = "<Error><Code>SlowDown</Code></Error>";
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            sizeof(busy) - 1, (void *)(uintptr_t)busy, MHD_RESPMEM_PERSISTENT);
        if (!resp) {
            return MHD_NO;
        }
        shim_mhd_result ok = MHD_queue_response(conn, 503, resp);
        MHD_destroy_response(resp);
        return ok;
    }
    if (!req->started) {
        req->started = true;
        int r = shim__request_load(req, method);
        shim__conn_body(req, has_body(req)); /* the head is in */
        if (r < 0 || req->bad_request) {
            shim_respond_error_xml(req, r == EMU_E2BIG ? 400 : 400,
                                   r == EMU_E2BIG ? "RequestHeaderSectionTooLarge" : "InvalidURI",
                                   r == EMU_E2BIG ? "Your request header section exceeds the maximum "
                                                    "allowed size."
                                                  : "Couldn't parse the specified URI.",
                                   NULL);
        }
        else if (srv->down && shim__fault_refuse(req)) {
            return shim__fault_reset(req); /* a kept-alive connection while the shim is down */
        }
        else {
            srv->on_request(req, srv->ctx);
        }
        if (req->reset || (req->delay && !req->response)) {
            return respond_or_suspend(req);
        }
        if (req->response && !has_body(req)) {
            /* Queued at the next call, once MHD has seen the (empty) body: a response queued
             * at headers time makes MHD close the connection instead of keeping it alive. */
            return MHD_YES;
        }
        if (req->response || req->job) {
            return respond_or_suspend(req);
        }
        if (!req->on_done) {
            shim__request_finish(req); /* answers 500 */
            return shim__respond_queue(req);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        shim__conn_body(req, true); /* progress */
        shim__request_feed(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!req->queued) {
        shim__conn_body(req, false);
        shim__request_finish(req);
        return respond_or_suspend(req);
    }
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    struct shim_request *req = *con_cls;
    if (req) {
        if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && req->started) {
            emu_log_debug("%s: request %s %s aborted (%d)", req->srv->name,
                          req->method ? req->method : "-", req->path ? req->path : "-",
                          (int)toe);
        }
        shim__conn_request_end(req);
        shim__respond_log(req);
        if (req->srv->journal_fd1 && req->started) {
            shim__journal_request(req->srv, req);
        }
        shim__request_free(req);
    }
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct shim_http_server *srv = cls;
    if (emu_log_get_level() < EMU_LOG_DEBUG) {
        return;
    }
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n') {
        line[--n] = '\0';
    }
    emu_log_debug("%s: libmicrohttpd: %s", srv->name, line);
}

/* ---- the listening socket: ours, not MHD's, so a fault "down" window can close it (clients
 * then get ECONNREFUSED, as from a stopped endpoint) and open it again on the same port; each
 * accepted connection goes to MHD with MHD_add_connection. At most ACCEPT_BURST connections
 * are taken per wake-up so one busy listener cannot starve the loop. ---- */

#define LISTEN_BACKLOG 256
#define ACCEPT_BURST 64

struct shim_listener {
    uv_poll_t poll;
    int fd;
    struct shim_http_server *srv;
};

static void on_acceptable(uv_poll_t *p, int status, int events)
{
    (void)events;
    struct shim_listener *l = p->data;
    struct shim_http_server *srv = l->srv;
    if (status < 0 || srv->stopping) {
        return;
    }
    bool added = false;
    for (int i = 0; i < ACCEPT_BURST; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED) {
                emu_log_debug("%s: accept: %s", srv->name, strerror(errno));
            }
            break;
        }
        if (!shim__conn_admit(srv)) {
            emu_log_debug("%s: every connection slot is busy, refusing a connection", srv->name);
            close(fd);
            continue;
        }
        /* MHD owns fd from here, closing it itself if it cannot take it (connection limit). */
        if (MHD_add_connection(srv->daemon, fd, (const struct sockaddr *)&ss, len) != MHD_YES) {
            emu_log_debug("%s: connection refused by libmicrohttpd: %s", srv->name,
                          strerror(errno));
        }
        added = true;
    }
    if (added) {
        shim__server_kick(srv);
    }
}

static void on_listener_closed(uv_handle_t *h)
{
    struct shim_listener *l = h->data;
    struct shim_http_server *srv = l->srv;
    close(l->fd);
    emu_free(l);
    shim__server_handle_closed(srv);
}

int shim__listen_open(struct shim_http_server *srv)
{
    if (srv->listener) {
        return 0;
    }
    int family = srv->bind_addr.ss_family;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* Bound to one interface, several servers share address:port on different bridges. */
    if (srv->device[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, srv->device,
                                     (socklen_t)strlen(srv->device) + 1) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    if (family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    socklen_t len = srv->bind_len;
    if (bind(fd, (struct sockaddr *)&srv->bind_addr, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0 ||
        getsockname(fd, (struct sockaddr *)&srv->bind_addr, &len) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    srv->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&srv->bind_addr)->sin6_port
                                         : ((struct sockaddr_in *)&srv->bind_addr)->sin_port);
    struct shim_listener *l = emu_calloc(1, sizeof(*l));
    if (!l) {
        close(fd);
        return EMU_ENOMEM;
    }
    l->fd = fd;
    l->srv = srv;
    int r = uv_poll_init_socket(srv->loop, &l->poll, fd);
    if (r < 0) {
        close(fd);
        emu_free(l);
        return r;
    }
    l->poll.data = l;
    srv->handles_open++;
    srv->listener = l;
    r = uv_poll_start(&l->poll, UV_READABLE, on_acceptable);
    if (r < 0) {
        shim__listen_close(srv);
    }
    return r;
}

void shim__listen_close(struct shim_http_server *srv)
{
    struct shim_listener *l = srv->listener;
    if (!l) {
        return;
    }
    srv->listener = NULL;
    (void)uv_poll_stop(&l->poll);
    uv_close((uv_handle_t *)&l->poll, on_listener_closed); /* the fd closes after libuv let go */
}

static struct shim_http_limits limits_default = {
    SHIM_HTTP_MAX_CONNECTIONS, SHIM_HTTP_HEAD_TIMEOUT_MS, SHIM_HTTP_BODY_TIMEOUT_MS};

void shim_http_set_limits(const struct shim_http_limits *l)
{
    limits_default.max_connections = l->max_connections ? l->max_connections
                                                        : SHIM_HTTP_MAX_CONNECTIONS;
    limits_default.head_timeout_ms = l->head_timeout_ms ? l->head_timeout_ms
                                                        : SHIM_HTTP_HEAD_TIMEOUT_MS;
    limits_default.body_timeout_ms = l->body_timeout_ms ? l->body_timeout_ms
                                                        : SHIM_HTTP_BODY_TIMEOUT_MS;
}

static int parse_address(const struct shim_http_config *cfg, struct sockaddr_storage *ss,
                         socklen_t *ret_len)
{
    const char *addr = cfg->address ? cfg->address : "127.0.0.1";
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(cfg->port);
        *ret_len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(cfg->port);
        *ret_len = sizeof(*in6);
        return 0;
    }
    return EMU_EINVAL;
}

void shim__server_handle_closed(struct shim_http_server *srv)
{
    if (--srv->handles_open == 0) {
        shim__journal_close(srv);
        emu_free(srv);
    }
}

static void on_handle_closed(uv_handle_t *h)
{
    shim__server_handle_closed(h->data);
}

int shim_http_start(uv_loop_t *loop, const struct shim_http_config *cfg,
                    struct shim_http_server **ret)
{
    struct shim_http_server *srv = emu_calloc(1, sizeof(*srv));
    if (!srv) {
        return EMU_ENOMEM;
    }
    int r = parse_address(cfg, &srv->bind_addr, &srv->bind_len);
    if (r < 0 || !cfg->on_request) {
        emu_free(srv);
        return EMU_EINVAL;
    }
    if (cfg->device && strlen(cfg->device) >= sizeof(srv->device)) {
        emu_free(srv);
        return EMU_EINVAL;
    }
    (void)snprintf(srv->device, sizeof(srv->device), "%s", cfg->device ? cfg->device : "");
    srv->faults = cfg->faults;
    srv->error_shape = cfg->error_shape;
    srv->error_xmlns = cfg->error_xmlns ? cfg->error_xmlns : "";
    srv->loop = loop;
    srv->name = cfg->name ? cfg->name : "http";
    srv->on_request = cfg->on_request;
    srv->ctx = cfg->ctx;
    srv->max_conns = cfg->max_connections ? cfg->max_connections : limits_default.max_connections;
    srv->max_header_bytes = cfg->max_header_bytes;
    srv->head_timeout_ms = limits_default.head_timeout_ms;
    srv->body_timeout_ms = limits_default.body_timeout_ms;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_none, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, srv},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, SHIM_HTTP_CONN_MEMORY, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)shim__conn_notify, srv},
        {MHD_OPTION_CONNECTION_LIMIT, srv->max_conns + SHIM_CONN_SLACK, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s ? cfg->timeout_s : 300, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* The listening socket is ours (above): MHD gets accepted connections. MHD_USE_TURBO
     * also makes MHD drop a failed connection without a FIN first, so an injected reset
     * (SO_LINGER 0) reaches the client as a TCP RST. */
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_NO_LISTEN_SOCKET | MHD_USE_TURBO;
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_access, srv,
                                   MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon) {
        emu_free(srv);
        return EMU_EIO;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        MHD_stop_daemon(srv->daemon);
        emu_free(srv);
        return EMU_EIO;
    }
    r = uv_poll_init(loop, &srv->poll, info->epoll_fd);
    if (r < 0) {
        MHD_stop_daemon(srv->daemon);
        emu_free(srv);
        return r;
    }
    srv->poll.data = srv;
    srv->handles_open++;
    (void)uv_timer_init(loop, &srv->timer);
    srv->timer.data = srv;
    srv->handles_open++;
    r = shim__conn_guard_start(srv);
    r = r ? r : uv_poll_start(&srv->poll, UV_READABLE, on_poll);
    r = r ? r : shim__listen_open(srv);
    r = r ? r : shim__fault_start(srv);
    r = r || !cfg->journal ? r : shim__journal_open(srv, cfg->journal);
    if (r < 0) {
        shim_http_stop(srv);
        return r;
    }
    (void)uv_timer_start(&srv->timer, on_timer, 0, 0);
    *ret = srv;
    return 0;
}

uint16_t shim_http_port(const struct shim_http_server *srv)
{
    return srv->port;
}

void shim_http_stop(struct shim_http_server *srv)
{
    if (!srv || srv->stopping) {
        return;
    }
    srv->stopping = true;
    shim__listen_close(srv);
    shim__fault_stop(srv);
    shim__conn_guard_stop(srv);
    /* Close the poll handle first: libuv forgets the epoll fd before MHD closes it. */
    uv_close((uv_handle_t *)&srv->poll, on_handle_closed);
    uv_close((uv_handle_t *)&srv->timer, on_handle_closed);
    /* MHD must not be stopped with suspended connections: resume them and let one last run
     * close them (on_access refuses while stopping); their jobs finish orphaned. */
    bool resumed = false;
    while (srv->suspended) {
        struct shim_request *req = srv->suspended;
        unlink_suspended(req);
        MHD_resume_connection(req->conn);
        resumed = true;
    }
    if (resumed) {
        (void)MHD_run(srv->daemon);
    }
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
}
