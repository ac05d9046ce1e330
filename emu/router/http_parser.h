/* SPDX-License-Identifier: Apache-2.0 */
/* A small, bounded HTTP/1.x request parser and response writer for the router's monitoring
 * server: pure functions over bytes (no sockets), picohttpparser's consumed/partial/failed
 * contract with negative errnos. */
#ifndef EMU_ROUTER_HTTP_PARSER_H
#define EMU_ROUTER_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct emu_buf;

/* Ceilings: the request line plus headers, the header count, and a request body. */
#define EMU_HTTP_HEADER_MAX 8192
#define EMU_HTTP_HEADERS_MAX 32
#define EMU_HTTP_BODY_MAX 4096

struct emu_http_header {
    const char *name, *value; /* borrowed from the input, not NUL-terminated */
    size_t name_len, value_len;
};

struct emu_http_request {
    const char *method, *target;
    size_t method_len, target_len;
    int minor_version;     /* HTTP/1.<minor> */
    struct emu_http_header headers[EMU_HTTP_HEADERS_MAX];
    size_t n_headers;
    int64_t content_length; /* -1 when absent */
    int chunked;            /* Transfer-Encoding present (bodies of that kind are refused) */
    int keep_alive;         /* HTTP/1.1 unless "Connection: close"; 1.0 with "keep-alive" */
};

/* Parses the request head at buf. Returns the bytes of the head (request line and headers up to
 * the empty line), -EAGAIN when more bytes are needed, -EBADMSG when malformed, -E2BIG when the
 * head passes EMU_HTTP_HEADER_MAX or has more than EMU_HTTP_HEADERS_MAX headers. req borrows
 * from buf. */
ssize_t emu_http_parse_request(const char *buf, size_t len, struct emu_http_request *req);

/* The path of the target without its query string ("/api/v1/metrics?x" -> "/api/v1/metrics"). */
size_t emu_http_path_len(const struct emu_http_request *req);

/* Standard reason phrase of status ("OK", "Not Found"...), "Unknown" otherwise. */
const char *emu_http_reason(int status);

/* Appends a complete HTTP/1.1 response (status line, Content-Type when given, Content-Length,
 * Connection) and the body unless head_only. Returns 0, -E2BIG or -ENOMEM. */
int emu_http_write_response(struct emu_buf *out, int status, const char *content_type,
                            const void *body, size_t len, int keep_alive, int head_only);

#endif
