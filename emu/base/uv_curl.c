/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl's multi-socket API on the libuv loop (the curl multi-uv pattern).
 *
 * DESIGN: one CURLM per emu_http. CURLMOPT_SOCKETFUNCTION starts, changes and stops a uv_poll_t
 * per socket (struct sock_ctx, attached with curl_multi_assign); CURLMOPT_TIMERFUNCTION arms one
 * uv_timer_t. Both end in curl_multi_socket_action() and then drain finished transfers.
 * Because libcurl refuses curl_multi_add_handle()/remove_handle() from inside its callbacks, new
 * requests and cancellations are queued and applied from a zero-delay "kick" timer, so callers
 * may start or cancel requests from any callback, including a streaming data callback. Every
 * accepted request completes exactly once, from the loop. */
#include "emu/base/uv_curl.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"

struct emu_http_req {
    struct emu_http *http;
    struct emu_http_req *prev, *next; /* in http->reqs */
    CURL *easy;
    struct curl_slist *headers;
    struct emu_buf body;   /* buffered response */
    emu_http_done_cb cb;
    emu_http_data_cb on_data;
    void *ud;
    int abort_err;         /* error to report when a callback aborted the transfer */
    bool added;            /* attached to the multi handle */
    bool cancelled;
    char errbuf[CURL_ERROR_SIZE];
};

struct sock_ctx {
    uv_poll_t poll;
    struct emu_http *http;
    struct sock_ctx *prev, *next; /* in http->socks */
    curl_socket_t fd;
};

struct emu_http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer; /* curl's timeout */
    uv_timer_t kick;  /* applies queued adds and cancellations */
    struct emu_http_req *reqs;
    struct sock_ctx *socks;
    size_t n_reqs;
    int open_handles;
    bool closing;
    void (*done)(void *ud);
    void *done_ud;
};

/* ---- allocator and global init ---------------------------------------------------------- */

static void *curl_mem_malloc(size_t n)
{
    return emu_malloc(n);
}

static void *curl_mem_realloc(void *p, size_t n)
{
    return emu_realloc(p, n);
}

static char *curl_mem_strdup(const char *s)
{
    return emu_strdup(s);
}

static void *curl_mem_calloc(size_t n, size_t size)
{
    return emu_calloc(n, size);
}

int emu_http_global_init(void)
{
    static int state; /* 0 = not yet, 1 = ok, <0 = failed */
    if (state == 0) {
        CURLcode rc = curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_mem_malloc, emu_free,
                                           curl_mem_realloc, curl_mem_strdup, curl_mem_calloc);
        state = rc == CURLE_OK ? 1 : emu_http_curl_error(rc);
    }
    return state > 0 ? 0 : state;
}

int emu_http_curl_error(int curl_code)
{
    switch ((CURLcode)curl_code) {
    case CURLE_OK:
        return 0;
    case CURLE_OUT_OF_MEMORY:
        return EMU_ENOMEM;
    case CURLE_OPERATION_TIMEDOUT:
        return EMU_ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return EMU_ECONNREFUSED;
    case CURLE_FILESIZE_EXCEEDED:
        return EMU_E2BIG;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return EMU_EINVAL;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
        return EMU_EPROTO;
    default:
        return EMU_EIO;
    }
}

/* ---- request lifetime ------------------------------------------------------------------- */

static void req_unlink(struct emu_http_req *req)
{
    struct emu_http *http = req->http;
    if (req->prev) {
        req->prev->next = req->next;
    }
    else {
        http->reqs = req->next;
    }
    if (req->next) {
        req->next->prev = req->prev;
    }
    http->n_reqs--;
}

static void req_free(struct emu_http_req *req)
{
    if (req->easy) {
        curl_easy_cleanup(req->easy);
    }
    curl_slist_free_all(req->headers);
    emu_buf_done(&req->body);
    emu_free(req);
}

/* Detaches the request, runs its callback once and frees it. */
static void req_finish(struct emu_http_req *req, int status)
{
    struct emu_http *http = req->http;
    if (req->added) {
        (void)curl_multi_remove_handle(http->multi, req->easy);
        req->added = false;
    }
    req_unlink(req);
    if (req->cancelled) {
        status = EMU_ECANCELED;
    }
    else if (req->abort_err) {
        status = req->abort_err;
    }
    struct emu_http_response resp = {.body = req->body.data ? req->body.data : "",
                                     .body_len = req->body.len,
                                     .error = req->errbuf};
    char *ct = NULL;
    (void)curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    (void)curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ct);
    resp.content_type = ct;
    if (status == EMU_ECANCELED) {
        resp.error = "request canceled";
    }
    emu_log(EMU_LOG_TRACE, "http: done status=%d http=%ld", status, resp.status);
    req->cb(status, &resp, req->ud);
    req_free(req);
}

static void drain_done(struct emu_http *http)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(http->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        struct emu_http_req *req = NULL;
        (void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&req);
        int status = emu_http_curl_error(msg->data.result);
        req_finish(req, status);
    }
}

/* ---- curl callbacks --------------------------------------------------------------------- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
    struct emu_http_req *req = userp;
    size_t len = size * nmemb;
    if (req->cancelled) {
        return 0;
    }
    if (req->on_data) {
        long code = 0;
        (void)curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
        int r = req->on_data(code, data, len, req->ud);
        if (r < 0) {
            req->abort_err = r;
            return 0;
        }
        return req->cancelled ? 0 : len;
    }
    int r = emu_buf_append(&req->body, data, len);
    if (r < 0) {
        req->abort_err = r;
        return 0;
    }
    return len;
}

/* Counts a closed handle; the last one of a closing client frees it. */
static void handle_closed(struct emu_http *http)
{
    http->open_handles--;
    if (http->closing && http->open_handles == 0) {
        void (*done)(void *) = http->done;
        void *ud = http->done_ud;
        emu_free(http);
        if (done) {
            done(ud);
        }
    }
}

static void on_poll_close(uv_handle_t *h)
{
    struct sock_ctx *ctx = h->data;
    struct emu_http *http = ctx->http;
    emu_free(ctx);
    handle_closed(http);
}

static void sock_close(struct sock_ctx *ctx)
{
    struct emu_http *http = ctx->http;
    if (ctx->prev) {
        ctx->prev->next = ctx->next;
    }
    else {
        http->socks = ctx->next;
    }
    if (ctx->next) {
        ctx->next->prev = ctx->prev;
    }
    (void)uv_poll_stop(&ctx->poll);
    uv_close((uv_handle_t *)&ctx->poll, on_poll_close);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct sock_ctx *ctx = p->data;
    struct emu_http *http = ctx->http;
    int flags = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    }
    else {
        flags |= (events & UV_READABLE) ? CURL_CSELECT_IN : 0;
        flags |= (events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0;
    }
    int running;
    (void)curl_multi_socket_action(http->multi, ctx->fd, flags, &running);
    drain_done(http);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct emu_http *http = userp;
    struct sock_ctx *ctx = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (ctx) {
            (void)curl_multi_assign(http->multi, s, NULL);
            sock_close(ctx);
        }
        return 0;
    }
    if (!ctx) {
        ctx = emu_calloc(1, sizeof(*ctx));
        if (!ctx) {
            return -1;
        }
        if (uv_poll_init_socket(http->loop, &ctx->poll, s) < 0) {
            emu_free(ctx);
            return -1;
        }
        ctx->http = http;
        ctx->fd = s;
        ctx->poll.data = ctx;
        ctx->next = http->socks;
        if (http->socks) {
            http->socks->prev = ctx;
        }
        http->socks = ctx;
        http->open_handles++;
        (void)curl_multi_assign(http->multi, s, ctx);
    }
    int events = 0;
    events |= (what & CURL_POLL_IN) ? UV_READABLE : 0;
    events |= (what & CURL_POLL_OUT) ? UV_WRITABLE : 0;
    return uv_poll_start(&ctx->poll, events, on_poll) < 0 ? -1 : 0;
}

static void on_timeout(uv_timer_t *t)
{
    struct emu_http *http = t->data;
    int running;
    (void)curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain_done(http);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct emu_http *http = userp;
    (void)multi;
    emu_log(EMU_LOG_TRACE, "http: curl timer %ld ms", timeout_ms);
    if (timeout_ms < 0) {
        (void)uv_timer_stop(&http->timer);
        return 0;
    }
    return uv_timer_start(&http->timer, on_timeout, (uint64_t)timeout_ms, 0) < 0 ? -1 : 0;
}

/* Applies queued work: attaches new requests, finishes cancelled ones. */
static void on_kick(uv_timer_t *t)
{
    struct emu_http *http = t->data;
    struct emu_http_req *req = http->reqs;
    while (req) {
        struct emu_http_req *next = req->next;
        if (req->cancelled) {
            req_finish(req, EMU_ECANCELED);
        }
        else if (!req->added) {
            CURLMcode mc = curl_multi_add_handle(http->multi, req->easy);
            if (mc != CURLM_OK) {
                req_finish(req, mc == CURLM_OUT_OF_MEMORY ? EMU_ENOMEM : EMU_EIO);
            }
            else {
                req->added = true;
            }
        }
        req = next;
    }
}

/* ---- public API ------------------------------------------------------------------------- */

static void on_timer_close(uv_handle_t *h)
{
    handle_closed(h->data);
}

int emu_http_new(uv_loop_t *loop, struct emu_http **ret_http)
{
    int r = emu_http_global_init();
    if (r < 0) {
        return r;
    }
    struct emu_http *http = emu_calloc(1, sizeof(*http));
    if (!http) {
        return EMU_ENOMEM;
    }
    http->loop = loop;
    http->multi = curl_multi_init();
    if (!http->multi) {
        emu_free(http);
        return EMU_ENOMEM;
    }
    (void)curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    (void)curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
    (void)curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    (void)curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
    (void)uv_timer_init(loop, &http->timer);
    (void)uv_timer_init(loop, &http->kick);
    http->timer.data = http;
    http->kick.data = http;
    http->open_handles = 2;
    *ret_http = http;
    return 0;
}

size_t emu_http_active(const struct emu_http *http)
{
    return http ? http->n_reqs : 0;
}

void emu_http_close(struct emu_http *http, void (*done)(void *ud), void *ud)
{
    if (!http || http->closing) {
        return;
    }
    http->closing = true;
    http->done = done;
    http->done_ud = ud;
    while (http->reqs) {
        http->reqs->cancelled = true;
        req_finish(http->reqs, EMU_ECANCELED);
    }
    (void)curl_multi_cleanup(http->multi); /* may report CURL_POLL_REMOVE for cached sockets */
    http->multi = NULL;
    while (http->socks) {
        sock_close(http->socks);
    }
    (void)uv_timer_stop(&http->timer);
    (void)uv_timer_stop(&http->kick);
    uv_close((uv_handle_t *)&http->timer, on_timer_close);
    uv_close((uv_handle_t *)&http->kick, on_timer_close);
}

static int req_setup(struct emu_http_req *req, const struct emu_http_request *rq)
{
    CURL *e = req->easy;
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_URL, rq->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)req) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, req) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                            rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 10000L) !=
           CURLE_OK;
    if (rq->timeout_ms > 0) {
        bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, rq->timeout_ms) != CURLE_OK;
    }
    if (rq->unix_socket) {
        bad |= curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, rq->unix_socket) != CURLE_OK;
    }
    if (rq->tls_no_verify) {
        bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    }
    if (rq->ca_file) {
        bad |= curl_easy_setopt(e, CURLOPT_CAINFO, rq->ca_file) != CURLE_OK;
    }
    const char *method = rq->method ? rq->method : "GET";
    if (rq->body) {
        bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len) !=
               CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, rq->body) != CURLE_OK;
    }
    else if (strcmp(method, "POST") == 0) {
        bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, "") != CURLE_OK;
    }
    if (strcmp(method, "HEAD") == 0) {
        bad |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK;
    }
    else if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK;
    }
    /* No "Expect: 100-continue" round trip on bodies. */
    req->headers = curl_slist_append(NULL, "Expect:");
    for (size_t i = 0; req->headers && rq->headers && rq->headers[i]; i++) {
        struct curl_slist *l = curl_slist_append(req->headers, rq->headers[i]);
        if (!l) {
            return EMU_ENOMEM;
        }
        req->headers = l;
    }
    if (!req->headers) {
        return EMU_ENOMEM;
    }
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers) != CURLE_OK;
    return bad ? EMU_ENOMEM : 0;
}

int emu_http_request(struct emu_http *http, const struct emu_http_request *rq,
                     emu_http_done_cb cb, void *ud, struct emu_http_req **ret_req)
{
    if (!http || !rq || !rq->url || !cb) {
        return EMU_EINVAL;
    }
    if (http->closing) {
        return -ESHUTDOWN;
    }
    if (rq->body && rq->body_len > EMU_HTTP_MAX_REQUEST) {
        return EMU_E2BIG;
    }
    struct emu_http_req *req = emu_calloc(1, sizeof(*req));
    if (!req) {
        return EMU_ENOMEM;
    }
    req->http = http;
    req->cb = cb;
    req->ud = ud;
    req->on_data = rq->on_data;
    emu_buf_init(&req->body, rq->max_response ? rq->max_response : EMU_HTTP_MAX_RESPONSE);
    req->easy = curl_easy_init();
    int r = req->easy ? req_setup(req, rq) : EMU_ENOMEM;
    if (r == 0) {
        r = uv_timer_start(&http->kick, on_kick, 0, 0) < 0 ? EMU_EIO : 0;
    }
    if (r < 0) {
        req_free(req);
        return r;
    }
    req->next = http->reqs;
    if (http->reqs) {
        http->reqs->prev = req;
    }
    http->reqs = req;
    http->n_reqs++;
    emu_log(EMU_LOG_TRACE, "http: %s %s", rq->method ? rq->method : "GET", rq->url);
    if (ret_req) {
        *ret_req = req;
    }
    return 0;
}

void emu_http_cancel(struct emu_http_req *req)
{
    if (!req || req->cancelled) {
        return;
    }
    req->cancelled = true;
    (void)uv_timer_start(&req->http->kick, on_kick, 0, 0);
}
