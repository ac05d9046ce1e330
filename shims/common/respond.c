/* SPDX-License-Identifier: Apache-2.0 */
/* Responses of the shims: buffers, files (sendfile) and AWS-style XML or JSON errors, each with
 * x-amz-request-id, x-amz-id-2 and Date, plus one access-log line per request at debug level. */
#include "shims/common/http_internal.h"

#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"

int shim_response_header(struct shim_request *req, const char *name, const char *value)
{
    if (req->n_resp_headers >= SHIM_HTTP_MAX_RESP_HEADERS) {
        return EMU_E2BIG;
    }
    /* Header values must not be able to split the response. */
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        return EMU_EINVAL;
    }
    char *n = emu_strdup(name);
    char *v = emu_strdup(value);
    if (!n || !v) {
        emu_free(n);
        emu_free(v);
        return EMU_ENOMEM;
    }
    req->resp_headers[req->n_resp_headers].name = n;
    req->resp_headers[req->n_resp_headers].value = v;
    req->n_resp_headers++;
    return 0;
}

static bool is_head(const struct shim_request *req)
{
    return req->method && strcmp(req->method, "HEAD") == 0;
}

/* Adopts resp as the request's response and adds the common and handler headers. */
static void set_response(struct shim_request *req, unsigned status, struct MHD_Response *resp)
{
    if (!resp) {
        return; /* out of memory: shim__request_finish answers 500 from a static buffer */
    }
    req->response = resp;
    req->status = status;
    char date[40];
    shim_http_date((int64_t)time(NULL) * 1000, date);
    (void)MHD_add_response_header(resp, "x-amz-request-id", req->id);
    (void)MHD_add_response_header(resp, "x-amz-id-2", req->id2);
    (void)MHD_add_response_header(resp, "Date", date);
    (void)MHD_add_response_header(resp, "Server", "fargate-emu");
    for (size_t i = 0; i < req->n_resp_headers; i++) {
        (void)MHD_add_response_header(resp, req->resp_headers[i].name,
                                      req->resp_headers[i].value);
    }
}

void shim_respond_buf(struct shim_request *req, unsigned status, const char *content_type,
                      struct emu_buf *body)
{
    if (req->response) {
        emu_buf_done(body);
        return;
    }
    size_t len = body->len;
    char *data = emu_buf_steal(body);
    static char empty[1];
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(
        len, data ? data : empty, data ? emu_free : NULL);
    if (!resp) {
        emu_free(data);
        return;
    }
    if (content_type) {
        (void)MHD_add_response_header(resp, "Content-Type", content_type);
    }
    req->resp_bytes = is_head(req) ? 0 : len;
    set_response(req, status, resp);
}

void shim_respond_empty(struct shim_request *req, unsigned status)
{
    if (req->response) {
        return;
    }
    static char empty[1];
    set_response(req, status, MHD_create_response_from_buffer(0, empty, MHD_RESPMEM_PERSISTENT));
}

void shim_respond_fd(struct shim_request *req, unsigned status, int fd, uint64_t offset,
                     uint64_t len)
{
    if (req->response) {
        close(fd);
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_fd_at_offset64(len, fd, (int64_t)offset);
    if (!resp) {
        close(fd);
        return;
    }
    req->resp_bytes = is_head(req) ? 0 : len;
    set_response(req, status, resp);
}

void shim_respond_error_xml(struct shim_request *req, unsigned status, const char *code,
                            const char *message, const char *extra_xml)
{
    if (req->response) {
        return;
    }
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    int r = emu_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
    r = r ? r : shim_xml_escape(code, strlen(code), &b);
    r = r ? r : emu_buf_puts(&b, "</Code><Message>");
    r = r ? r : shim_xml_escape(message, strlen(message), &b);
    r = r ? r : emu_buf_puts(&b, "</Message>");
    r = r ? r : emu_buf_puts(&b, extra_xml ? extra_xml : "");
    r = r ? r : emu_buf_printf(&b, "<RequestId>%s</RequestId><HostId>%s</HostId></Error>",
                               req->id, req->id2);
    if (r < 0) {
        emu_buf_done(&b);
        emu_buf_init(&b, 256);
        (void)emu_buf_printf(&b, "<Error><Code>%s</Code></Error>", code);
    }
    if (is_head(req)) {
        b.len = 0; /* HEAD carries no body; the status says it all */
    }
    emu_log_debug("%s: %s %s -> %u %s", req->srv->name, shim_request_method(req),
                  shim_request_raw_path(req), status, code);
    shim_respond_buf(req, status, "application/xml", &b);
}

void shim_respond_error_json(struct shim_request *req, unsigned status, const char *code,
                             const char *message)
{
    if (req->response) {
        return;
    }
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    int r = emu_buf_puts(&b, "{\"__type\":");
    r = r ? r : emu_json_write_string(code, &b);
    r = r ? r : emu_buf_puts(&b, ",\"message\":");
    r = r ? r : emu_json_write_string(message, &b);
    r = r ? r : emu_buf_puts(&b, "}");
    if (r < 0) {
        emu_buf_done(&b);
    }
    (void)shim_response_header(req, "x-amzn-RequestId", req->id);
    shim_respond_buf(req, status, "application/x-amz-json-1.1", &b);
}

bool shim_request_responded(const struct shim_request *req)
{
    return req->response != NULL;
}

shim_mhd_result shim__respond_queue(struct shim_request *req)
{
    if (req->queued) {
        return MHD_YES;
    }
    if (!req->response) {
        return MHD_NO;
    }
    req->queued = true;
    return MHD_queue_response(req->conn, req->status, req->response);
}

void shim__respond_log(const struct shim_request *req)
{
    if (emu_log_get_level() < EMU_LOG_DEBUG || !req->started) {
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    emu_log_debug("%s: %s %s%s%s %u in=%llu out=%llu %.3fms id=%s", req->srv->name,
                  shim_request_method(req), shim_request_raw_path(req),
                  req->query && *req->query ? "?" : "", req->query ? req->query : "",
                  req->status, (unsigned long long)req->received,
                  (unsigned long long)req->resp_bytes, (double)(now - req->start_ns) / 1e6,
                  req->id);
}
