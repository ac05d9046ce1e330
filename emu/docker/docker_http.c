/* SPDX-License-Identifier: Apache-2.0 */
/* Docker Engine API transport: daemon address parsing, API version negotiation from /version,
 * the /vX.Y prefix, and turning answers into replies (JSON error bodies become -EDOCKER with the
 * daemon's message verbatim and the call that failed).
 *
 * DESIGN: every emu_docker_* call is one struct call in the client's list, carrying its
 * resource file's parse/chunk hooks. A call completes once, from the loop, through uv_curl's
 * completion callback; cancel_all cancels the underlying requests. A client freed with calls
 * still in flight cancels them and is released after the last one completes. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/docker/docker_int.h"

struct call {
    struct emu_docker *d;
    struct call *prev, *next;
    struct emu_http_req *req;
    struct emu__docker_req rq; /* hooks and state; the strings are not kept */
    char *what;                /* "POST /containers/create?name=x" */
    struct emu_buf errbody;    /* a streamed request's non-2xx body */
    emu_docker_cb cb;
    void *ud;
    int stream_err;
};

struct emu_docker {
    struct emu_http *http;
    struct emu_docker_endpoint ep;
    char host[320];
    char api[16];
    char server_version[64];
    struct call *calls;
    bool free_pending;
};

/* ---- endpoint --------------------------------------------------------------------------- */

const char *emu_docker_host_pick(const char *flag, const char *env)
{
    if (flag && *flag) {
        return flag;
    }
    if (env && *env) {
        return env;
    }
    return EMU_DOCKER_DEFAULT_HOST;
}

int emu_docker_host_parse(const char *host, struct emu_docker_endpoint *ret)
{
    struct emu_docker_endpoint ep;
    memset(&ep, 0, sizeof(ep));
    if (!host) {
        return EMU_EINVAL;
    }
    const char *path = NULL;
    if (strncmp(host, "unix://", 7) == 0) {
        path = host + 7;
    }
    else if (host[0] == '/') {
        path = host;
    }
    if (path) {
        if (!*path) {
            return EMU_EINVAL;
        }
        if (strlen(path) >= sizeof(ep.unix_path)) {
            return EMU_ENAMETOOLONG;
        }
        (void)snprintf(ep.unix_path, sizeof(ep.unix_path), "%s", path);
        (void)snprintf(ep.base_url, sizeof(ep.base_url), "http://localhost");
        *ret = ep;
        return 0;
    }
    if (strncmp(host, "tcp://", 6) == 0) {
        const char *hp = host + 6;
        size_t n = strcspn(hp, "/");
        if (n == 0 || (hp[n] != '\0' && strcmp(hp + n, "/") != 0)) {
            return EMU_EINVAL;
        }
        if (n + 8 >= sizeof(ep.base_url)) {
            return EMU_ENAMETOOLONG;
        }
        /* Docker's default plain-TCP port when none is given. */
        const char *colon = memchr(hp, ':', n);
        (void)snprintf(ep.base_url, sizeof(ep.base_url), "http://%.*s%s", (int)n, hp,
                       colon ? "" : ":2375");
        *ret = ep;
        return 0;
    }
    return EMU_EINVAL;
}

/* ---- client ----------------------------------------------------------------------------- */

int emu_docker_new(struct emu_http *http, const char *host, struct emu_docker **ret)
{
    struct emu_docker_endpoint ep;
    int r = emu_docker_host_parse(host, &ep);
    if (r < 0) {
        return r;
    }
    struct emu_docker *d = emu_calloc(1, sizeof(*d));
    if (!d) {
        return EMU_ENOMEM;
    }
    d->http = http;
    d->ep = ep;
    (void)snprintf(d->host, sizeof(d->host), "%s", host);
    *ret = d;
    return 0;
}

void emu_docker_cancel_all(struct emu_docker *d)
{
    for (struct call *c = d ? d->calls : NULL; c; c = c->next) {
        emu_http_cancel(c->req);
    }
}

struct emu_http *emu_docker_http(const struct emu_docker *d)
{
    return d->http;
}

struct emu_docker *emu_docker_free(struct emu_docker *d)
{
    if (!d) {
        return NULL;
    }
    if (d->calls) {
        d->free_pending = true;
        emu_docker_cancel_all(d);
        return NULL;
    }
    emu_free(d);
    return NULL;
}

const char *emu_docker_api_version(const struct emu_docker *d)
{
    return d->api[0] ? d->api : NULL;
}

const char *emu_docker_server_version(const struct emu_docker *d)
{
    return d->server_version[0] ? d->server_version : NULL;
}

/* ---- completion ------------------------------------------------------------------------- */

static void call_unlink_free(struct call *c)
{
    struct emu_docker *d = c->d;
    if (c->prev) {
        c->prev->next = c->next;
    }
    else {
        d->calls = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    if (c->rq.free_state) {
        c->rq.free_state(c->rq.state);
    }
    emu_buf_done(&c->errbody);
    emu_free(c->what);
    emu_free(c);
    if (d->free_pending && !d->calls) {
        emu_free(d);
    }
}

/* The daemon's message of a failed answer: "message" of a JSON body, else the trimmed text. */
static void error_message(const char *body, size_t len, long http_status, struct emu_buf *msg)
{
    cJSON *root = NULL;
    struct emu_json_error jerr;
    if (len > 0 && emu_json_parse(body, len, &root, &jerr) == 0) {
        const char *m = emu_docker_error_message(root);
        if (m) {
            (void)emu_buf_puts(msg, m);
            cJSON_Delete(root);
            return;
        }
        cJSON_Delete(root);
    }
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' ')) {
        len--;
    }
    if (len > 0) {
        (void)emu_buf_append(msg, body, len);
    }
    else {
        (void)emu_buf_printf(msg, "HTTP status %ld", http_status);
    }
}

static int parse_success(struct call *c, const struct emu_http_response *resp,
                         struct emu_docker_reply *reply, cJSON **ret_root, struct emu_buf *msg)
{
    cJSON *root = NULL;
    if (!c->rq.chunk && resp->body_len > 0) {
        struct emu_json_error jerr;
        int r = emu_json_parse(resp->body, resp->body_len, &root, &jerr);
        if (r < 0) {
            (void)emu_buf_printf(msg, "malformed JSON answer at %u:%u: %s", jerr.line,
                                 jerr.column, jerr.message);
            return r;
        }
    }
    *ret_root = root;
    return c->rq.parse ? c->rq.parse(c->rq.state, root, reply) : 0;
}

static void on_http_done(int status, const struct emu_http_response *resp, void *ud)
{
    struct call *c = ud;
    struct emu_buf msg;
    emu_buf_init(&msg, EMU_DOCKER_MAX_ERROR_BODY);
    struct emu_docker_reply reply = {.call = c->what, .http_status = resp->status,
                                     .exit_code = -1};
    cJSON *root = NULL;
    bool ok = resp->status / 100 == 2 || (c->rq.ok_304 && resp->status == 304);
    if (status == 0 && ok) {
        status = parse_success(c, resp, &reply, &root, &msg);
    }
    else if (status == 0 || (c->stream_err && resp->status / 100 != 2)) {
        const char *body = c->rq.chunk ? c->errbody.data : resp->body;
        size_t len = c->rq.chunk ? c->errbody.len : resp->body_len;
        error_message(body ? body : "", len, resp->status, &msg);
        status = EMU_EDOCKER;
    }
    else if (status == EMU_ECONNREFUSED) {
        (void)emu_buf_printf(&msg, "cannot connect to the Docker daemon at %s: %s", c->d->host,
                             resp->error && *resp->error ? resp->error : emu_strerror(status));
    }
    else if (status != EMU_ECANCELED && resp->error && *resp->error) {
        (void)emu_buf_printf(&msg, "%s (Docker daemon at %s)", resp->error, c->d->host);
    }
    if (status < 0 && !reply.message) {
        reply.message = msg.data ? msg.data : emu_strerror(status);
    }
    emu_log_debug("docker: %s -> %d %ld%s%s", c->what, status, resp->status,
                  reply.message ? ": " : "", reply.message ? reply.message : "");
    c->cb(status, &reply, c->ud);
    cJSON_Delete(root);
    emu_buf_done(&msg);
    call_unlink_free(c);
}

static int on_http_data(long http_status, const char *data, size_t len, void *ud)
{
    struct call *c = ud;
    if (http_status / 100 != 2) {
        c->stream_err = 1;
        int r = emu_buf_append(&c->errbody, data, len);
        return r == EMU_E2BIG ? 0 : r; /* keep the head of an oversized error */
    }
    return c->rq.chunk(c->rq.state, data, len);
}

/* ---- sending ---------------------------------------------------------------------------- */

int emu__docker_path(struct emu_buf *b, const char *prefix, const char *segment,
                     const char *suffix)
{
    if (!segment || !*segment) {
        return EMU_EINVAL;
    }
    int r = emu_buf_puts(b, prefix);
    r = r ? r : emu_docker_url_escape(segment, false, b);
    return r ? r : emu_buf_puts(b, suffix ? suffix : "");
}

static int build_url(struct emu_docker *d, const struct emu__docker_req *rq, struct emu_buf *url)
{
    int r = emu_buf_puts(url, d->ep.base_url);
    if (r == 0 && !rq->unversioned) {
        r = emu_buf_printf(url, "/v%s", d->api);
    }
    return r ? r : emu_buf_puts(url, rq->path);
}

int emu__docker_send(struct emu_docker *d, const struct emu__docker_req *rq, emu_docker_cb cb,
                     void *ud, struct emu_http_req **ret_req)
{
    if (!d || !rq || !rq->path || !cb || d->free_pending) {
        return EMU_EINVAL;
    }
    if (!rq->unversioned && !d->api[0]) {
        return EMU_ENOTCONN;
    }
    struct emu_buf url;
    emu_buf_init(&url, 8192);
    int r = build_url(d, rq, &url);
    struct call *c = r ? NULL : emu_calloc(1, sizeof(*c));
    if (!c) {
        emu_buf_done(&url);
        return r ? r : EMU_ENOMEM;
    }
    struct emu_buf what;
    emu_buf_init(&what, 8192);
    if (emu_buf_printf(&what, "%s %s", rq->method, rq->path) < 0) {
        emu_buf_done(&url);
        emu_free(c);
        return EMU_ENOMEM;
    }
    c->d = d;
    c->rq = *rq;
    c->what = emu_buf_steal(&what);
    c->cb = cb;
    c->ud = ud;
    emu_buf_init(&c->errbody, EMU_DOCKER_MAX_ERROR_BODY);
    static const char *const json_headers[] = {"Content-Type: application/json", NULL};
    struct emu_http_request hr = {
        .method = rq->method,
        .url = url.data,
        .unix_socket = d->ep.unix_path[0] ? d->ep.unix_path : NULL,
        .headers = rq->body ? json_headers : NULL,
        .body = rq->body,
        .body_len = rq->body_len,
        .timeout_ms = rq->timeout_ms == 0 ? EMU__DOCKER_TIMEOUT_MS
                                           : (rq->timeout_ms < 0 ? 0 : rq->timeout_ms),
        .on_data = rq->chunk ? on_http_data : NULL,
    };
    r = emu_http_request(d->http, &hr, on_http_done, c, &c->req);
    emu_buf_done(&url);
    if (r < 0) {
        emu_buf_done(&c->errbody);
        emu_free(c->what);
        emu_free(c);
        return r;
    }
    c->next = d->calls;
    if (d->calls) {
        d->calls->prev = c;
    }
    d->calls = c;
    if (ret_req) {
        *ret_req = c->req;
    }
    return 0;
}

/* ---- version negotiation ---------------------------------------------------------------- */

static int parse_version(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    struct emu_docker *d = state;
    const cJSON *api = cJSON_GetObjectItemCaseSensitive(json, "ApiVersion");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(json, "Version");
    if (!cJSON_IsString(api) || emu_docker_api_cmp(api->valuestring, "0.0") <= 0) {
        reply->message = "the daemon's /version answer has no ApiVersion";
        return EMU_EPROTO;
    }
    (void)snprintf(d->server_version, sizeof(d->server_version), "%s",
                   cJSON_IsString(ver) ? ver->valuestring : "unknown");
    if (emu_docker_api_cmp(api->valuestring, EMU_DOCKER_API_MIN) < 0) {
        reply->message = "the Docker daemon's API is older than " EMU_DOCKER_API_MIN
                         " (Docker 20.10), which fargate-emu needs";
        return EMU_ENOTSUP;
    }
    const char *use = emu_docker_api_cmp(api->valuestring, EMU_DOCKER_API_MAX) < 0
                          ? api->valuestring
                          : EMU_DOCKER_API_MAX;
    (void)snprintf(d->api, sizeof(d->api), "%s", use);
    return 0;
}

int emu_docker_connect(struct emu_docker *d, emu_docker_cb cb, void *ud)
{
    struct emu__docker_req rq = {.method = "GET", .path = "/version", .unversioned = true,
                                 .timeout_ms = 30000, .parse = parse_version, .state = d};
    return emu__docker_send(d, &rq, cb, ud, NULL);
}
