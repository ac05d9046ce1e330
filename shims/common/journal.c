/* SPDX-License-Identifier: Apache-2.0 */
/* The failed-request journal of a shim's store: one JSON line per request answered with an
 * error status, reset by fault injection, or left without a response, appended with a single
 * write(2) (O_APPEND keeps lines whole across processes). `fargate-emu report` counts a
 * task's failed uploads from it: each is a retry for the router. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "shims/common/http_internal.h"

int shim__journal_open(struct shim_http_server *srv, const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    srv->journal_fd1 = fd + 1;
    return 0;
}

void shim__journal_close(struct shim_http_server *srv)
{
    if (srv->journal_fd1) {
        close(srv->journal_fd1 - 1);
        srv->journal_fd1 = 0;
    }
}

static int put_str(struct emu_buf *b, const char *key, const char *v)
{
    int r = emu_buf_printf(b, ",\"%s\":", key);
    return r ? r : v ? emu_json_write_string(v, b) : emu_buf_puts(b, "null");
}

void shim__journal_request(struct shim_http_server *srv, const struct shim_request *req)
{
    unsigned status = req->reset || !req->response ? 0 : req->status;
    if (status != 0 && status < 400) {
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    struct emu_buf b;
    emu_buf_init(&b, 8192);
    int r = emu_buf_printf(&b, "{\"time\":%lld", ms);
    r = r ? r : put_str(&b, "method", req->method);
    r = r ? r : put_str(&b, "path", req->path);
    r = r ? r : put_str(&b, "host", shim_request_header(req, "Host"));
    r = r ? r : put_str(&b, "target", shim_request_header(req, "X-Amz-Target"));
    r = r ? r : emu_buf_printf(&b, ",\"status\":%u}\n", status);
    if (r == 0 && write(srv->journal_fd1 - 1, b.data, b.len) != (ssize_t)b.len) {
        emu_log_debug("%s: cannot append to the failed-request journal", srv->name);
    }
    emu_buf_done(&b);
}
