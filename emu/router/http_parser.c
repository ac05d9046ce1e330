/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP/1.x request heads (RFC 9112): "METHOD SP target SP HTTP/1.x CRLF", then header fields
 * "name: value" up to an empty line. Bare LF line ends are accepted, obsolete line folding and
 * control characters are refused, and everything is bounded by EMU_HTTP_HEADER_MAX. */
#include "emu/router/http_parser.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "emu/base/buf.h"

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Finds the end of the line starting at p; returns the length without CRLF/LF and sets *next,
 * or -EAGAIN when no line end is in [p, end). */
static ssize_t line_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
        return -EAGAIN;
    }
    *next = nl + 1;
    return nl > p && nl[-1] == '\r' ? nl - 1 - p : nl - p;
}

static int parse_request_line(const char *p, size_t n, struct emu_http_request *req)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i])) {
        i++;
    }
    if (i == 0 || i >= n || p[i] != ' ') {
        return -EBADMSG;
    }
    req->method = p;
    req->method_len = i++;
    size_t t = i;
    while (i < n && (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f) {
        i++;
    }
    if (i == t || i >= n || p[i] != ' ') {
        return -EBADMSG;
    }
    req->target = p + t;
    req->target_len = i - t;
    i++;
    if (n - i != 8 || memcmp(p + i, "HTTP/1.", 7) != 0 || (p[i + 7] != '0' && p[i + 7] != '1')) {
        return -EBADMSG;
    }
    req->minor_version = p[i + 7] - '0';
    return 0;
}

static int token_is(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i + tl <= n; i++) {
        if (strncasecmp(v + i, tok, tl) == 0 && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
            (i + tl == n || v[i + tl] == ',' || v[i + tl] == ' ')) {
            return 1;
        }
    }
    return 0;
}

static int parse_content_length(const char *v, size_t n, int64_t *ret)
{
    int64_t x = 0;
    if (n == 0 || n > 18) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return -EBADMSG;
        }
        x = x * 10 + (v[i] - '0');
    }
    if (*ret >= 0 && *ret != x) {
        return -EBADMSG; /* two different lengths: request smuggling */
    }
    *ret = x;
    return 0;
}

static int parse_header(const char *p, size_t n, struct emu_http_request *req)
{
    size_t i = 0;
    if (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
        return -EBADMSG; /* obsolete line folding */
    }
    while (i < n && is_tchar((unsigned char)p[i])) {
        i++;
    }
    if (i == 0 || i >= n || p[i] != ':') {
        return -EBADMSG;
    }
    if (req->n_headers >= EMU_HTTP_HEADERS_MAX) {
        return -E2BIG;
    }
    struct emu_http_header *h = &req->headers[req->n_headers++];
    h->name = p;
    h->name_len = i++;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) {
        i++;
    }
    size_t e = n;
    while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t')) {
        e--;
    }
    for (size_t j = i; j < e; j++) {
        unsigned char c = (unsigned char)p[j];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return -EBADMSG;
        }
    }
    h->value = p + i;
    h->value_len = e - i;
    if (h->name_len == 14 && strncasecmp(h->name, "Content-Length", 14) == 0) {
        return parse_content_length(h->value, h->value_len, &req->content_length);
    }
    if (h->name_len == 17 && strncasecmp(h->name, "Transfer-Encoding", 17) == 0) {
        req->chunked = 1;
    }
    else if (h->name_len == 10 && strncasecmp(h->name, "Connection", 10) == 0) {
        if (token_is(h->value, h->value_len, "close")) {
            req->keep_alive = 0;
        }
        else if (token_is(h->value, h->value_len, "keep-alive")) {
            req->keep_alive = 1;
        }
    }
    return 0;
}

ssize_t emu_http_parse_request(const char *buf, size_t len, struct emu_http_request *req)
{
    const char *p = buf, *next;
    size_t scan = len > EMU_HTTP_HEADER_MAX ? EMU_HTTP_HEADER_MAX : len;
    const char *end = buf + scan;
    memset(req, 0, sizeof(*req));
    req->content_length = -1;
    /* RFC 9112 2.2: ignore at least one empty line before the request line. */
    while (p < end && (*p == '\r' || *p == '\n')) {
        p++;
    }
    ssize_t n = line_end(p, end, &next);
    if (n < 0) {
        return len >= EMU_HTTP_HEADER_MAX ? -E2BIG : -EAGAIN;
    }
    int r = parse_request_line(p, (size_t)n, req);
    if (r < 0) {
        return r;
    }
    req->keep_alive = req->minor_version == 1;
    for (p = next;;) {
        n = line_end(p, end, &next);
        if (n < 0) {
            return len >= EMU_HTTP_HEADER_MAX ? -E2BIG : -EAGAIN;
        }
        if (n == 0) {
            return next - buf;
        }
        r = parse_header(p, (size_t)n, req);
        if (r < 0) {
            return r;
        }
        p = next;
    }
}

size_t emu_http_path_len(const struct emu_http_request *req)
{
    const char *q = memchr(req->target, '?', req->target_len);
    return q ? (size_t)(q - req->target) : req->target_len;
}

const char *emu_http_reason(int status)
{
    static const struct {
        int code;
        const char *text;
    } reasons[] = {
        {200, "OK"},
        {400, "Bad Request"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {411, "Length Required"},
        {413, "Content Too Large"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
        {505, "HTTP Version Not Supported"},
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (reasons[i].code == status) {
            return reasons[i].text;
        }
    }
    return "Unknown";
}

int emu_http_write_response(struct emu_buf *out, int status, const char *content_type,
                            const void *body, size_t len, int keep_alive, int head_only)
{
    int r = emu_buf_printf(out, "HTTP/1.1 %d %s\r\nServer: emu-router\r\n", status,
                           emu_http_reason(status));
    if (r == 0 && content_type) {
        r = emu_buf_printf(out, "Content-Type: %s\r\n", content_type);
    }
    if (r == 0) {
        r = emu_buf_printf(out, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", len,
                           keep_alive ? "keep-alive" : "close");
    }
    if (r == 0 && !head_only && len > 0) {
        r = emu_buf_append(out, body, len);
    }
    return r;
}
