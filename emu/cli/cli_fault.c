/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection plumbing shared by the commands that start the shims: the engine built from
 * --fault and --fault-seed, its control socket under the data dir, and the client side of that
 * socket used by `fargate-emu fault`. */
#include "emu/cli/cli_fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/random.h"
#include "emu/cli/cli_tasks.h"
#include "shims/cloudwatch_logs/cwl.h"
#include "shims/s3/s3.h"
#include "shims/sts/sts.h"

const struct shim_fault_service emu_cli_fault_services[] = {
    {"s3", shim_s3_has_operation},
    {"logs", shim_cwl_has_operation},
    {"sts", shim_sts_has_operation},
};
const size_t emu_cli_fault_n_services =
    sizeof(emu_cli_fault_services) / sizeof(emu_cli_fault_services[0]);

static int parse_seed(const char *s, uint64_t *ret)
{
    if (!s) {
        uint32_t r = 0;
        if (emu_random_bytes(&r, sizeof(r)) < 0) {
            r = (uint32_t)time(NULL);
        }
        *ret = r;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *s == '-' || *end || errno) {
        return EMU_EINVAL;
    }
    *ret = v;
    return 0;
}

static int faults_init(struct emu_cli_faults *cf, const char *cmd,
                       const struct emu_cli_fault_opts *o, int64_t now_ms, bool log)
{
    memset(cf, 0, sizeof(*cf));
    uint64_t seed = 0;
    if (parse_seed(o->seed, &seed) < 0) {
        fprintf(stderr, "fargate-emu %s: --fault-seed expects a whole number, got '%s'\n", cmd,
                o->seed);
        return EMU_EUSAGE;
    }
    cf->engine = shim_faults_new(seed, emu_cli_fault_services, emu_cli_fault_n_services);
    if (!cf->engine) {
        return EMU_ENOMEM;
    }
    for (size_t i = 0; i < o->specs.n; i++) {
        char err[SHIM_FAULT_MAX_SPEC + 256];
        int r = shim_faults_add(cf->engine, o->specs.items[i], now_ms, err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "fargate-emu %s: --fault: %s\n", cmd,
                    r == EMU_EINVAL || r == EMU_E2BIG ? err : emu_strerror(r));
            cf->engine = shim_faults_free(cf->engine);
            return r == EMU_ENOMEM ? r : EMU_EUSAGE;
        }
        if (log) {
            emu_log_info("fault %d: %s", r, o->specs.items[i]);
        }
    }
    /* Only worth a line when faults were asked for (`fault list` shows it for later ones). */
    if (!log || o->specs.n == 0) {
        return 0;
    }
    emu_log_info("fault injection seed %llu (replay this run with --fault-seed %llu)",
                 (unsigned long long)seed, (unsigned long long)seed);
    return 0;
}

int emu_cli_faults_init(struct emu_cli_faults *cf, const char *cmd,
                        const struct emu_cli_fault_opts *o, int64_t now_ms)
{
    return faults_init(cf, cmd, o, now_ms, true);
}

int emu_cli_faults_check(const char *cmd, struct emu_cli_fault_opts *o, char *seed,
                         size_t seed_size)
{
    struct emu_cli_faults cf;
    int r = faults_init(&cf, cmd, o, 0, false);
    if (r == 0 && !o->seed) {
        (void)snprintf(seed, seed_size, "%llu",
                       (unsigned long long)shim_faults_seed(cf.engine));
        o->seed = seed;
    }
    emu_cli_faults_done(&cf);
    return r;
}

int emu_cli_faults_serve_path(struct emu_cli_faults *cf, uv_loop_t *loop, const char *path)
{
    int n = snprintf(cf->socket, sizeof(cf->socket), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(cf->socket)) {
        cf->socket[0] = '\0';
        emu_log_warn("the fault control socket %s would exceed the 108 bytes of a unix socket "
                     "path: `fargate-emu fault` cannot reach this emulator, ignoring", path);
        return 0;
    }
    int r = shim_fault_ctl_start(loop, cf->engine, cf->socket, &cf->ctl);
    if (r < 0) {
        return emu_log_errno(r, "Failed to open the fault control socket '%s'", cf->socket);
    }
    return 0;
}

int emu_cli_faults_serve(struct emu_cli_faults *cf, uv_loop_t *loop, const char *data_dir)
{
    char path[EMU_CLI_PATH_MAX];
    (void)snprintf(path, sizeof(path), "%s/%s", data_dir, EMU_CLI_FAULT_SOCKET);
    return emu_cli_faults_serve_path(cf, loop, path);
}

void emu_cli_faults_stop(struct emu_cli_faults *cf)
{
    shim_fault_ctl_stop(cf->ctl);
    cf->ctl = NULL;
}

void emu_cli_faults_done(struct emu_cli_faults *cf)
{
    cf->engine = shim_faults_free(cf->engine);
}

static int connect_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        return EMU_ENAMETOOLONG;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    struct timeval tv = {.tv_sec = 10};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

int emu_cli_fault_request(const char *data_dir, const char *line, struct emu_buf *out)
{
    char path[108];
    int n = snprintf(path, sizeof(path), "%s/%s", data_dir, EMU_CLI_FAULT_SOCKET);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return EMU_ENAMETOOLONG;
    }
    return emu_cli_fault_request_path(path, line, out);
}

int emu_cli_fault_request_path(const char *path, const char *line, struct emu_buf *out)
{
    if (strlen(path) >= 108) {
        return EMU_ENAMETOOLONG;
    }
    if (strlen(line) > SHIM_FAULT_CTL_MAX_LINE || strchr(line, '\n')) {
        return EMU_E2BIG;
    }
    int fd = connect_socket(path);
    if (fd < 0) {
        return fd;
    }
    int r = 0;
    struct emu_buf req;
    emu_buf_init(&req, SHIM_FAULT_CTL_MAX_LINE + 2);
    r = emu_buf_printf(&req, "%s\n", line);
    for (size_t off = 0; r == 0 && off < req.len;) {
        ssize_t w = write(fd, req.data + off, req.len - off);
        if (w < 0 && errno != EINTR) {
            r = -errno;
        }
        off += w > 0 ? (size_t)w : 0;
    }
    emu_buf_done(&req);
    char chunk[4096];
    while (r == 0 && (!out->data || !memchr(out->data, '\n', out->len))) {
        ssize_t got = read(fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            r = got < 0 ? -errno : EMU_EPROTO;
            break;
        }
        r = emu_buf_append(out, chunk, (size_t)got);
    }
    close(fd);
    if (r == 0) {
        char *nl = memchr(out->data, '\n', out->len);
        out->len = (size_t)(nl - out->data);
        *nl = '\0';
    }
    return r;
}
