/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shims/common: the server and request structures shared by http.c (libmicrohttpd
 * and libuv glue), request.c (accessors and bodies) and respond.c (responses). */
#ifndef SHIMS_COMMON_HTTP_INTERNAL_H
#define SHIMS_COMMON_HTTP_INTERNAL_H

#include "shims/common/compat.h"

#include <sys/socket.h>

#include "shims/common/codec.h"
#include "shims/common/http.h"

struct shim_listener;
struct shim_delay;
struct shim_conn;

struct shim_http_server {
    uv_loop_t *loop;
    struct MHD_Daemon *daemon;
    uv_poll_t poll;
    uv_timer_t timer;
    int handles_open; /* libuv handles not yet closed */
    bool stopping;
    bool in_run;      /* MHD_run is on the stack */
    uint16_t port;
    const char *name;
    struct shim_request *suspended; /* requests waiting for a job or a delay (linked list) */
    shim_request_fn on_request;
    void *ctx;
    /* Our own listening socket (MHD gets each accepted connection), closed while down. */
    struct shim_listener *listener;
    struct sockaddr_storage bind_addr; /* with the bound port once open */
    socklen_t bind_len;
    char device[16]; /* SO_BINDTODEVICE interface, "" = none */
    /* Fault injection. */
    struct shim_faults *faults;
    enum shim_error_shape error_shape;
    const char *error_xmlns;
    uv_timer_t fault_timer; /* follows down windows */
    bool down;
    /* Failed-request journal (journal.c): fd + 1, 0 = none. */
    int journal_fd1;
    /* Connection guard (conn.c). */
    struct shim_conn *conns; /* every open connection (linked list) */
    unsigned n_conns;
    unsigned conns_cut;      /* of them, cut and waiting for MHD to close them */
    unsigned max_conns;
    size_t max_header_bytes; /* 0 = none */
    unsigned head_timeout_ms;
    unsigned body_timeout_ms;
    uint64_t timeouts;       /* connections cut so far */
    uv_timer_t guard_timer;
};

struct shim_request {
    struct shim_http_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    char *uri;   /* owned copy of the raw target; path and query point into it */
    char *path;
    char *query;
    char *query_store; /* decoded copy the query parameters point into */
    struct shim_kv query_params[SHIM_HTTP_MAX_QUERY_PARAMS];
    size_t n_query;
    struct shim_kv *headers; /* MHD-owned strings, valid for the request */
    size_t n_headers;
    char id[17];
    char id2[33];
    int64_t time;
    uint64_t start_ns;
    bool started;
    bool bad_request; /* the target could not be parsed: answered before the handler */
    /* Body. */
    shim_body_fn on_data;
    shim_done_fn on_done;
    bool buffering;
    struct emu_buf body;
    int body_error;
    uint64_t received;
    /* Service state. */
    void *data;
    void (*data_free)(void *);
    /* Response. */
    struct MHD_Response *response;
    unsigned status;
    bool queued;
    uint64_t resp_bytes;
    struct shim_kv resp_headers[SHIM_HTTP_MAX_RESP_HEADERS];
    size_t n_resp_headers;
    /* Offloaded work (shim_request_offload). */
    struct shim_job *job; /* pending job, NULL when none */
    bool suspended;       /* the connection is suspended until the job is done */
    struct shim_request *susp_prev, *susp_next;
    /* Fault injection. */
    struct shim_delay *delay; /* injected latency running, NULL when none */
    bool reset;               /* close the connection with a TCP RST, no response */
    struct shim_conn *gconn;  /* its connection's guard record, NULL if none */
};

/* Connections MHD may hold beyond max_conns: ones cut by the guard, not closed yet. */
#define SHIM_CONN_SLACK 256

/* conn.c: the guard's timer; 0 or a negative errno. Stop closes it (shim__server_handle_closed). */
int shim__conn_guard_start(struct shim_http_server *srv);
void shim__conn_guard_stop(struct shim_http_server *srv);
/* conn.c: MHD_OPTION_NOTIFY_CONNECTION callback (cls = server): tracks every connection. */
void shim__conn_notify(void *cls, struct MHD_Connection *mconn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe);
/* conn.c: whether a newly accepted connection may be added (may cut the longest-waiting
 * connection to make room). */
bool shim__conn_admit(struct shim_http_server *srv);
/* conn.c: a request line arrived on req's connection (links req and its guard record). */
void shim__conn_request(struct shim_request *req);
/* conn.c: the head is in: the body is now received (body true) or the request is handled. */
void shim__conn_body(struct shim_request *req, bool body);
/* conn.c: the request completed; its connection waits for the next one. */
void shim__conn_request_end(struct shim_request *req);

/* journal.c: opens cfg->journal (0, or a negative errno), appends one line for a request that
 * failed (status >= 400, reset, or no response), closes. */
int shim__journal_open(struct shim_http_server *srv, const char *path);
void shim__journal_request(struct shim_http_server *srv, const struct shim_request *req);
void shim__journal_close(struct shim_http_server *srv);

/* http.c: suspends req's connection while its job runs (from the access handler). */
void shim__request_suspend(struct shim_request *req);
/* http.c: hands a freed request's pending job the service data to free once it is done. */
void shim__job_orphan(struct shim_request *req);
/* http.c: resumes a suspended connection and has MHD look at it again. */
void shim__request_resume(struct shim_request *req);
/* http.c: a libuv handle of the server closed; the last one frees the server. */
void shim__server_handle_closed(struct shim_http_server *srv);
/* http.c: kicks MHD to run on the next loop iteration. */
void shim__server_kick(struct shim_http_server *srv);

/* http.c: opens the listening socket at srv->bind_addr (recording the bound port) and
 * hands accepted connections to MHD; 0 or a negative errno. */
int shim__listen_open(struct shim_http_server *srv);
/* http.c: closes the listening socket, so connecting is refused. NULL-safe. */
void shim__listen_close(struct shim_http_server *srv);

/* fault_http.c: starts following down windows (when srv->faults is set); 0 or an errno. */
int shim__fault_start(struct shim_http_server *srv);
/* fault_http.c: stops the down-window timer (closed through shim__server_handle_closed). */
void shim__fault_stop(struct shim_http_server *srv);
/* fault_http.c: the request is freed: its pending delay timer is closed. */
void shim__fault_request_free(struct shim_request *req);
/* fault_http.c: a request arrives while the shim is down: counts it, marks it for reset. */
bool shim__fault_refuse(struct shim_request *req);
/* fault_http.c: makes MHD close req's connection with a TCP RST; returns MHD_NO for MHD. */
shim_mhd_result shim__fault_reset(struct shim_request *req);

/* request.c: builds a request for a new connection from the raw target (NULL on OOM). */
struct shim_request *shim__request_new(struct shim_http_server *srv, struct MHD_Connection *conn,
                                       const char *uri);
/* Reads method and headers once they are parsed; 0 or a negative errno (-E2BIG). */
int shim__request_load(struct shim_request *req, const char *method);
/* Frees the request and its service state. NULL is accepted. */
void shim__request_free(struct shim_request *req);
/* Feeds body bytes to the streaming or buffering sink. */
void shim__request_feed(struct shim_request *req, const char *data, size_t len);
/* Runs the done callback (or answers 500 if the handler never responded). */
void shim__request_finish(struct shim_request *req);

/* respond.c: queues the pending response on the connection; MHD_YES or MHD_NO. */
shim_mhd_result shim__respond_queue(struct shim_request *req);
/* Logs the access line at debug level. */
void shim__respond_log(const struct shim_request *req);

#endif
