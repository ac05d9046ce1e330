/* SPDX-License-Identifier: Apache-2.0 */
/* The only libcurl<->libuv adapter: one curl multi handle per loop, driven by a uv_poll_t per
 * socket and one uv_timer_t, offering async HTTP requests (TCP or unix socket) with a
 * completion callback, body ceilings, streamed response bodies and cancellation. */
#ifndef EMU_BASE_UV_CURL_H
#define EMU_BASE_UV_CURL_H

#include <stddef.h>
#include <uv.h>

/* Default ceilings on a buffered response body and on a request body. */
#define EMU_HTTP_MAX_RESPONSE (16u * 1024u * 1024u)
#define EMU_HTTP_MAX_REQUEST (16u * 1024u * 1024u)

struct emu_http;
struct emu_http_req;

/* What arrived; everything is borrowed and valid until the callback returns. */
struct emu_http_response {
    long status;          /* HTTP status, 0 when no response line arrived */
    const char *body;     /* buffered body, NUL-terminated ("" when streamed or empty) */
    size_t body_len;
    const char *content_type; /* may be NULL */
    const char *error;    /* curl's error text for transport failures, else "" */
};

/* Completion: runs exactly once per request that emu_http_request() accepted. status is 0 when
 * an HTTP response arrived (any HTTP code, see resp->status), or a negative EMU_E* code:
 * -ECANCELED, -ETIMEDOUT, -ECONNREFUSED, -E2BIG (a body ceiling), -ENOMEM, -EIO, or the error
 * a data callback returned. */
typedef void (*emu_http_done_cb)(int status, const struct emu_http_response *resp, void *ud);

/* Streaming: called with each piece of the response body as it arrives (the body is then not
 * buffered). http_status is the response's status code. Return 0 to continue or a negative
 * code to abort the request, which then completes with that code. It must not call
 * emu_http_close(); starting or cancelling requests is fine. */
typedef int (*emu_http_data_cb)(long http_status, const char *data, size_t len, void *ud);

struct emu_http_request {
    const char *method;       /* "GET" when NULL */
    const char *url;          /* "http://localhost/v1.41/_ping" */
    const char *unix_socket;  /* connect to this socket path instead of the URL's host */
    const char *const *headers; /* NULL-terminated "Name: value" list, may be NULL */
    const char *body;         /* copied; may be NULL */
    size_t body_len;
    size_t max_response;      /* ceiling of a buffered body; 0 = EMU_HTTP_MAX_RESPONSE */
    long timeout_ms;          /* whole request; 0 = none (long-lived streams) */
    long connect_timeout_ms;  /* 0 = 10 s */
    emu_http_data_cb on_data; /* NULL = buffer the body */
    int tls_no_verify;        /* https: accept any certificate and host name */
    const char *ca_file;      /* https: trust these CAs (PEM) instead of the system's */
};

/* Routes libcurl's allocations through emu_malloc and initialises it. Idempotent; call before
 * any other libcurl use. Returns 0 or -ENOMEM/-EIO. */
int emu_http_global_init(void);

/* Creates the client of a loop. Returns 0 and *ret_http, or a negative code. */
int emu_http_new(uv_loop_t *loop, struct emu_http **ret_http);

/* Cancels every request in flight (their callbacks run with -ECANCELED before this returns),
 * closes the handles, and frees the client from the last close callback, then calls done
 * (may be NULL). Accepts NULL. Must not be called from an emu_http callback. */
void emu_http_close(struct emu_http *http, void (*done)(void *ud), void *ud);

/* Number of requests in flight (for tests and shutdown). */
size_t emu_http_active(const struct emu_http *http);

/* Starts a request. Returns 0 (cb will run once; *ret_req, if asked, identifies the request
 * until then) or -EINVAL, -E2BIG (request body over EMU_HTTP_MAX_REQUEST), -ENOMEM, -ESHUTDOWN
 * while closing; then cb never runs. */
int emu_http_request(struct emu_http *http, const struct emu_http_request *rq,
                     emu_http_done_cb cb, void *ud, struct emu_http_req **ret_req);

/* Cancels a request whose callback has not run yet: it runs soon after with -ECANCELED (from
 * the loop, never from inside this call). */
void emu_http_cancel(struct emu_http_req *req);

/* Maps a libcurl result code to an EMU_E* code (0 for CURLE_OK). */
int emu_http_curl_error(int curl_code);

#endif
