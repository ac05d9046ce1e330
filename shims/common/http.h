/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP server every shim runs on: libmicrohttpd driven from the libuv loop, per-request
 * state with streamed bodies, responses with AWS request ids, and blocking work offloaded to the
 * libuv thread pool with the connection suspended. */
#ifndef SHIMS_COMMON_HTTP_H
#define SHIMS_COMMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "emu/base/buf.h"

struct shim_http_server;
struct shim_request;
struct shim_faults;

/* Limits of one request (validate-before-allocate, journal-remote style). */
#define SHIM_HTTP_MAX_URI 16384        /* raw request target, bytes */
#define SHIM_HTTP_MAX_QUERY_PARAMS 64  /* parsed query parameters */
#define SHIM_HTTP_MAX_RESP_HEADERS 48  /* headers a handler may add */
#define SHIM_HTTP_CONN_MEMORY (256u * 1024u) /* MHD per-connection memory (headers, buffers) */

/* Called once per request when its headers are in. The handler inspects the request and
 * either responds at once (shim_respond_*) or asks for the body (shim_request_stream_body,
 * shim_request_buffer_body) and responds from the done callback. Valid until the request
 * completes; ctx is the pointer given to shim_http_start. */
typedef void (*shim_request_fn)(struct shim_request *req, void *ctx);

/* Body callbacks. on_data gets each piece as it arrives (valid until it returns) and returns 0
 * or a negative code: after an error the rest of the body is read and discarded, and on_done
 * still runs with shim_request_body_error() set. on_done must respond. */
typedef int (*shim_body_fn)(struct shim_request *req, const char *data, size_t len);
typedef void (*shim_done_fn)(struct shim_request *req);

/* How a service words its errors (used for injected faults). */
enum shim_error_shape {
    SHIM_ERRORS_XML = 0, /* S3: <Error><Code/><Message/>... */
    SHIM_ERRORS_JSON,    /* JSON 1.1: {"__type","message"} */
    SHIM_ERRORS_QUERY,   /* query protocol: <ErrorResponse xmlns=error_xmlns> */
};

struct shim_http_config {
    const char *name;    /* service name for logs and fault specs ("s3"); static */
    const char *address; /* numeric IPv4 or IPv6 address to bind; NULL = 127.0.0.1 */
    uint16_t port;       /* 0 = pick a free port */
    const char *device;  /* IPv4 only: listen on this interface alone (SO_BINDTODEVICE, so
                          * several servers can share address:port on different bridges) */
    unsigned max_connections; /* 0 = the process default (shim_http_set_limits, 1024) */
    unsigned timeout_s;       /* idle connection timeout; 0 = 300 */
    /* Header names and values (+4 bytes each) over this get 400 RequestHeaderSectionTooLarge;
     * 0 = no limit of ours (a head over SHIM_HTTP_CONN_MEMORY still gets MHD's 431). */
    size_t max_header_bytes;
    shim_request_fn on_request;
    void *ctx;
    struct shim_faults *faults;      /* fault injection engine (borrowed), or NULL */
    enum shim_error_shape error_shape;
    const char *error_xmlns;         /* SHIM_ERRORS_QUERY namespace; static */
    /* JSON-lines file that gets one line per failed request ({"time","method","path","host",
     * "target","status"}; status 0 = no response), for `fargate-emu report`; NULL = none. */
    const char *journal;
};

/* Connection limits, process-wide defaults for every server started afterwards (the CLI sets
 * them once). Zero fields keep the built-in default. */
#define SHIM_HTTP_MAX_CONNECTIONS 1024
#define SHIM_HTTP_HEAD_TIMEOUT_MS 20000 /* whole request head, from its first byte */
#define SHIM_HTTP_BODY_TIMEOUT_MS 20000 /* longest gap in a request body (S3 RequestTimeout) */
struct shim_http_limits {
    unsigned max_connections;
    unsigned head_timeout_ms;
    unsigned body_timeout_ms;
};
void shim_http_set_limits(const struct shim_http_limits *limits);

/* Binds and starts serving on loop. Returns 0 and the server, or a negative errno (-EADDRINUSE,
 * -EINVAL for a bad address, -ENOMEM, -EIO when libmicrohttpd refuses to start). */
int shim_http_start(uv_loop_t *loop, const struct shim_http_config *cfg,
                    struct shim_http_server **ret);

/* The port actually bound (useful with port 0). */
uint16_t shim_http_port(const struct shim_http_server *srv);

/* Stops accepting, aborts live requests (their state is freed) and frees the server once its
 * libuv handles are closed, which needs the loop to run again. NULL is accepted. */
void shim_http_stop(struct shim_http_server *srv);

/* Request accessors. Strings stay valid until the request completes. */
const char *shim_request_method(const struct shim_request *req);
const char *shim_request_raw_path(const struct shim_request *req);  /* as sent, no query */
const char *shim_request_raw_query(const struct shim_request *req); /* after '?', or "" */
const char *shim_request_id(const struct shim_request *req);        /* x-amz-request-id */
/* First header of that name (case-insensitive), or NULL. */
const char *shim_request_header(const struct shim_request *req, const char *name);
/* Decoded query parameter value ("" for "?uploads"), or NULL when absent. */
const char *shim_request_query(const struct shim_request *req, const char *name);
/* Iterates headers in arrival order: returns false past the last one. */
bool shim_request_header_at(const struct shim_request *req, size_t i, const char **ret_name,
                            const char **ret_value);
bool shim_request_query_at(const struct shim_request *req, size_t i, const char **ret_name,
                           const char **ret_value);
/* Seconds since the epoch when the request arrived. */
int64_t shim_request_time(const struct shim_request *req);

/* Per-request service state: freed with free_fn when the request completes (or aborts). */
void shim_request_set_data(struct shim_request *req, void *data, void (*free_fn)(void *));
void *shim_request_data(const struct shim_request *req);

/* Streams the body to on_data; on_done runs after the last byte (also for an empty body). */
void shim_request_stream_body(struct shim_request *req, shim_body_fn on_data,
                              shim_done_fn on_done);
/* Collects the body into shim_request_body() up to max bytes (over it: body error -E2BIG). */
void shim_request_buffer_body(struct shim_request *req, size_t max, shim_done_fn on_done);
const struct emu_buf *shim_request_body(const struct shim_request *req);
/* First error returned by on_data (or -E2BIG from buffering), 0 if none. */
int shim_request_body_error(const struct shim_request *req);
/* Bytes of body received so far (raw, as sent). */
uint64_t shim_request_body_received(const struct shim_request *req);

/* Responses: exactly one per request; later calls are ignored. Headers added with
 * shim_response_header go out with it (x-amz-request-id, x-amz-id-2 and Date always do). */
int shim_response_header(struct shim_request *req, const char *name, const char *value);
/* Takes the contents of body (it is left empty). content_type may be NULL. */
void shim_respond_buf(struct shim_request *req, unsigned status, const char *content_type,
                      struct emu_buf *body);
void shim_respond_empty(struct shim_request *req, unsigned status);
/* Sends len bytes of fd from offset (sendfile); takes ownership of fd. For HEAD only the
 * Content-Length goes out. */
void shim_respond_fd(struct shim_request *req, unsigned status, int fd, uint64_t offset,
                     uint64_t len);
/* AWS XML error: <Error><Code/><Message/>{extra}<RequestId/><HostId/></Error>. extra_xml is
 * already-escaped XML or NULL. HEAD requests get the status and headers only. */
void shim_respond_error_xml(struct shim_request *req, unsigned status, const char *code,
                            const char *message, const char *extra_xml);
/* AWS JSON 1.1 error: {"__type": code, "message": message}. */
void shim_respond_error_json(struct shim_request *req, unsigned status, const char *code,
                             const char *message);
bool shim_request_responded(const struct shim_request *req);

/* Blocking work off the loop (fsync, rename, large copies). work(ud) runs on the libuv thread
 * pool while the connection is suspended (libmicrohttpd suspend/resume); after(req, ud) then
 * runs on the loop and must respond. Call it from a handler or a body done callback, once the
 * body is in (or there is none), instead of responding. The request and its service data stay
 * alive until after has run; if the server stops first, after never runs and the service data
 * is freed once work has returned. Returns 0, -EINVAL (already responded or offloaded),
 * -ECANCELED (server stopping) or -ENOMEM: then neither callback runs. */
typedef void (*shim_work_fn)(void *ud);
typedef void (*shim_after_fn)(struct shim_request *req, void *ud);
int shim_request_offload(struct shim_request *req, shim_work_fn work, shim_after_fn after,
                         void *ud);

/* Fault injection (docs/faults.md), called by a service once it knows the AWS operation name
 * of the request and before it dispatches it (from the request handler or a body done
 * callback). Returns false when no fault applies: dispatch now. Returns true when a fault took
 * the request over: an AWS error in the service's shape was answered, the connection is to be
 * reset, or the request waits out injected latency on a libuv timer (the connection suspended)
 * and then cont(req) dispatches it from the loop, unless the fault then answers or resets. */
bool shim_request_fault(struct shim_request *req, const char *op, shim_done_fn cont);

#endif
