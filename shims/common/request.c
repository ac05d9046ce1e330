/* SPDX-License-Identifier: Apache-2.0 */
/* Per-request state of the shims' HTTP server: the raw target split into path and decoded query
 * parameters, the headers, the request id, service state, and the body routed to a streaming
 * callback or a bounded buffer. */
#include "shims/common/http_internal.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void make_ids(struct shim_request *req)
{
    static const char hexu[] = "0123456789ABCDEF";
    unsigned char rnd[16 + 24];
    if (emu_random_bytes(rnd, sizeof(rnd)) < 0) {
        memset(rnd, 0x5a, sizeof(rnd));
    }
    for (size_t i = 0; i < 16; i++) {
        req->id[i] = hexu[rnd[i] & 15];
    }
    req->id[16] = '\0';
    (void)shim_base64_encode(rnd + 16, 24, req->id2, sizeof(req->id2));
}

struct shim_request *shim__request_new(struct shim_http_server *srv, struct MHD_Connection *conn,
                                       const char *uri)
{
    struct shim_request *req = emu_calloc(1, sizeof(*req));
    if (!req) {
        return NULL;
    }
    req->srv = srv;
    req->conn = conn;
    req->start_ns = now_ns();
    req->time = (int64_t)time(NULL);
    emu_buf_init(&req->body, 0);
    make_ids(req);
    size_t len = uri ? strlen(uri) : 0;
    if (len == 0 || len > SHIM_HTTP_MAX_URI) {
        req->bad_request = true;
        return req;
    }
    req->uri = emu_strndup(uri, len);
    if (!req->uri) {
        emu_free(req);
        return NULL;
    }
    char *q = strchr(req->uri, '?');
    req->path = req->uri;
    req->query = q ? q + 1 : req->uri + len;
    if (q) {
        *q = '\0';
    }
    /* Only origin-form targets ("/path"): absolute URIs and '*' are not S3. */
    if (req->path[0] != '/') {
        req->bad_request = true;
        return req;
    }
    size_t store_size = shim_query_store_size(req->query);
    req->query_store = emu_malloc(store_size);
    if (!req->query_store) {
        emu_free(req->uri);
        emu_free(req);
        return NULL;
    }
    int n = shim_query_parse(req->query, req->query_params, SHIM_HTTP_MAX_QUERY_PARAMS,
                             req->query_store, store_size);
    if (n < 0) {
        req->bad_request = true;
        return req;
    }
    req->n_query = (size_t)n;
    return req;
}

struct header_walk {
    struct shim_request *req;
    size_t n;
};

static shim_mhd_result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct header_walk *w = cls;
    if (w->req->headers) {
        w->req->headers[w->n].name = key;
        w->req->headers[w->n].value = value ? value : "";
    }
    w->n++;
    return MHD_YES;
}

int shim__request_load(struct shim_request *req, const char *method)
{
    req->method = method;
    struct header_walk w = {req, 0};
    (void)MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect_header, &w);
    if (w.n > 512) {
        return EMU_E2BIG;
    }
    if (w.n > 0) {
        req->headers = emu_calloc(w.n, sizeof(*req->headers));
        if (!req->headers) {
            return EMU_ENOMEM;
        }
        size_t want = w.n;
        w.n = 0;
        (void)MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect_header, &w);
        req->n_headers = w.n < want ? w.n : want;
    }
    if (req->srv->max_header_bytes) {
        size_t total = 0;
        for (size_t i = 0; i < req->n_headers; i++) {
            total += strlen(req->headers[i].name) + strlen(req->headers[i].value) + 4;
        }
        if (total > req->srv->max_header_bytes) {
            return EMU_E2BIG;
        }
    }
    return 0;
}

void shim__request_free(struct shim_request *req)
{
    if (!req) {
        return;
    }
    shim__job_orphan(req); /* a running job keeps the service data until it is done */
    shim__fault_request_free(req);
    if (req->data_free) {
        req->data_free(req->data);
    }
    if (req->response) {
        MHD_destroy_response(req->response);
    }
    for (size_t i = 0; i < req->n_resp_headers; i++) {
        emu_free((void *)(uintptr_t)req->resp_headers[i].name);
        emu_free((void *)(uintptr_t)req->resp_headers[i].value);
    }
    emu_buf_done(&req->body);
    emu_free(req->headers);
    emu_free(req->query_store);
    emu_free(req->uri);
    emu_free(req);
}

void shim__request_feed(struct shim_request *req, const char *data, size_t len)
{
    req->received += len;
    if (req->body_error || req->response) {
        return; /* discarding the rest of a failed or already answered body */
    }
    int r = 0;
    if (req->buffering) {
        r = emu_buf_append(&req->body, data, len);
    }
    else if (req->on_data) {
        r = req->on_data(req, data, len);
    }
    if (r < 0) {
        req->body_error = r;
    }
}

void shim__request_finish(struct shim_request *req)
{
    if (!req->response && req->on_done) {
        shim_done_fn done = req->on_done;
        req->on_done = NULL;
        if (req->buffering && !req->body.data && !req->body_error) {
            (void)emu_buf_append(&req->body, "", 0);
        }
        done(req);
    }
    if (!req->response && !req->job && !req->delay && !req->reset) {
        shim_respond_error_xml(req, 500, "InternalError",
                               "We encountered an internal error. Please try again.", NULL);
    }
}

const char *shim_request_method(const struct shim_request *req)
{
    return req->method ? req->method : "";
}

const char *shim_request_raw_path(const struct shim_request *req)
{
    return req->path ? req->path : "/";
}

const char *shim_request_raw_query(const struct shim_request *req)
{
    return req->query ? req->query : "";
}

const char *shim_request_id(const struct shim_request *req)
{
    return req->id;
}

const char *shim_request_header(const struct shim_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}

const char *shim_request_query(const struct shim_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++) {
        if (strcmp(req->query_params[i].name, name) == 0) {
            return req->query_params[i].value;
        }
    }
    return NULL;
}

bool shim_request_header_at(const struct shim_request *req, size_t i, const char **ret_name,
                            const char **ret_value)
{
    if (i >= req->n_headers) {
        return false;
    }
    *ret_name = req->headers[i].name;
    *ret_value = req->headers[i].value;
    return true;
}

bool shim_request_query_at(const struct shim_request *req, size_t i, const char **ret_name,
                           const char **ret_value)
{
    if (i >= req->n_query) {
        return false;
    }
    *ret_name = req->query_params[i].name;
    *ret_value = req->query_params[i].value;
    return true;
}

int64_t shim_request_time(const struct shim_request *req)
{
    return req->time;
}

void shim_request_set_data(struct shim_request *req, void *data, void (*free_fn)(void *))
{
    req->data = data;
    req->data_free = free_fn;
}

void *shim_request_data(const struct shim_request *req)
{
    return req->data;
}

void shim_request_stream_body(struct shim_request *req, shim_body_fn on_data,
                              shim_done_fn on_done)
{
    req->buffering = false;
    req->on_data = on_data;
    req->on_done = on_done;
}

void shim_request_buffer_body(struct shim_request *req, size_t max, shim_done_fn on_done)
{
    req->buffering = true;
    emu_buf_done(&req->body);
    emu_buf_init(&req->body, max);
    req->on_data = NULL;
    req->on_done = on_done;
}

const struct emu_buf *shim_request_body(const struct shim_request *req)
{
    return &req->body;
}

int shim_request_body_error(const struct shim_request *req)
{
    return req->body_error;
}

uint64_t shim_request_body_received(const struct shim_request *req)
{
    return req->received;
}
