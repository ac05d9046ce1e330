/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the monitoring server's HTTP/1.x request parser over arbitrary bytes, then the
 * response writer with what was parsed (pipelined requests are parsed one after another). */
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"
#include "emu/router/http_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t left = size;
    for (int i = 0; i < 16 && left > 0; i++) {
        struct emu_http_request req;
        ssize_t n = emu_http_parse_request(p, left, &req);
        if (n <= 0) {
            break;
        }
        struct emu_buf out;
        emu_buf_init(&out, 1u << 16);
        size_t path = emu_http_path_len(&req);
        (void)emu_http_write_response(&out, path > 1 ? 200 : 404, "text/plain", req.target,
                                      path, req.keep_alive, 0);
        emu_buf_done(&out);
        size_t body = req.content_length > 0 ? (size_t)req.content_length : 0;
        if ((size_t)n + body > left) {
            break;
        }
        p += (size_t)n + body;
        left -= (size_t)n + body;
    }
    return 0;
}
