/* SPDX-License-Identifier: Apache-2.0 */
/* The bench load generators' common part: connections, response reading, the forked workers
 * and the latency statistics (see load_common.h). */
#define _GNU_SOURCE /* strcasestr */
#include "bench/load_common.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/mem.h"

#define LAT_ERROR UINT32_MAX /* a failed request in the latency stream */

double load_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int load_dial(const char *host, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;
    if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int load_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int load_read_response(int fd, char *buf, size_t cap, uint64_t *ret_body)
{
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have + 1 >= cap) {
            return -1;
        }
        ssize_t n = recv(fd, buf + have, cap - 1 - have, 0);
        if (n <= 0) {
            return -1;
        }
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = (int)strtol(buf + 9, NULL, 10);
    size_t head = (size_t)(end + 4 - buf);
    bool chunked = strcasestr(buf, "\r\ntransfer-encoding: chunked") != NULL;
    const char *cl = strcasestr(buf, "\r\ncontent-length:");
    uint64_t want = cl ? strtoull(cl + 17, NULL, 10) : 0;
    uint64_t got = have - head;
    if (chunked) {
        /* Bench responses are small when chunked: read until the terminating chunk. */
        memmove(buf, buf + head, have - head);
        have -= head;
        buf[have] = '\0';
        while (!strstr(buf, "0\r\n\r\n")) {
            ssize_t n = recv(fd, buf + have, cap - 1 - have, 0);
            if (n <= 0 || have + (size_t)n + 1 >= cap) {
                return -1;
            }
            have += (size_t)n;
            buf[have] = '\0';
        }
        *ret_body = have;
        return status;
    }
    while (got < want) {
        size_t room = cap - 1;
        ssize_t n = recv(fd, buf, want - got < room ? (size_t)(want - got) : room, 0);
        if (n <= 0) {
            return -1;
        }
        got += (uint64_t)n;
    }
    *ret_body = got;
    return status;
}

const char *load_arg(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            return argv[i + 1];
        }
    }
    return def;
}

static double lat_ms(uint32_t us)
{
    return (double)us / 1000.0;
}

/* Writes the latencies (microseconds, LAT_ERROR for a failure) in PIPE_BUF-sized writes, so
 * the records of concurrent workers never interleave. */
static void send_latencies(int out, const uint32_t *lat, size_t n)
{
    size_t per = 4096 / sizeof(*lat);
    for (size_t i = 0; i < n; i += per) {
        size_t k = n - i < per ? n - i : per;
        if (write(out, lat + i, k * sizeof(*lat)) < 0) {
            return;
        }
    }
}

/* One connection's share: requests i = conn, conn + conc, ... below count. */
static int worker(const struct load_spec *s, long conn, int go, int out)
{
    size_t n_lat = 0;
    uint32_t *lat = emu_calloc((size_t)(s->count / s->conc + 2), sizeof(*lat));
    int fd = load_dial(s->host, s->port);
    char *buf = emu_malloc(LOAD_IO_CHUNK);
    if (fd < 0 || !buf || !lat) {
        return 2;
    }
    char c;
    if (read(go, &c, 1) != 1) {
        return 2;
    }
    int errors = 0;
    for (long i = conn; i < s->count; i += s->conc) {
        struct emu_buf head;
        emu_buf_init(&head, 64 * 1024);
        uint64_t got = 0;
        const char *body = NULL;
        size_t body_len = 0;
        double t0 = load_now_s();
        int st = s->build(s->ud, i, conn, &head, &body, &body_len);
        st = st ? -1 : load_send_all(fd, head.data, head.len);
        st = st || !body_len ? st : load_send_all(fd, body, body_len);
        st = st ? -1 : load_read_response(fd, buf, LOAD_IO_CHUNK, &got);
        emu_buf_done(&head);
        double us = (load_now_s() - t0) * 1e6;
        lat[n_lat++] = st != s->want ? LAT_ERROR : us >= 4e9 ? LAT_ERROR - 1 : (uint32_t)us;
        if (st != s->want) {
            if (errors++ == 0) {
                fprintf(stderr, "%s: %s request %ld: status %d%s%.300s\n", s->name, s->op, i,
                        st, st > 0 ? ": " : "", st > 0 ? buf : "");
            }
            if (st < 0) {
                close(fd);
                fd = load_dial(s->host, s->port);
                if (fd < 0) {
                    send_latencies(out, lat, n_lat);
                    return 2;
                }
            }
        }
    }
    send_latencies(out, lat, n_lat);
    emu_free(lat);
    close(fd);
    emu_free(buf);
    return errors ? 1 : 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Reads the workers' latencies until every worker closed its end (reading keeps them
 * unblocked); returns how many arrived. */
static size_t collect(int in, uint32_t *lat, size_t max)
{
    size_t n_lat = 0, part = 0;
    unsigned char tail[sizeof(uint32_t)];
    for (;;) {
        unsigned char chunk[4096];
        ssize_t n = read(in, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            tail[part++] = chunk[i];
            if (part == sizeof(tail)) {
                part = 0;
                if (n_lat < max) {
                    memcpy(&lat[n_lat++], tail, sizeof(tail));
                }
            }
        }
    }
    return n_lat;
}

int load_run(const struct load_spec *s)
{
    int go[2], res[2];
    if (s->conc < 1 || s->conc > LOAD_MAX_CONC || s->count < 0 || pipe(go) < 0 ||
        pipe(res) < 0) {
        return 2;
    }
    static pid_t pids[LOAD_MAX_CONC];
    for (long i = 0; i < s->conc; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(go[1]);
            close(res[0]);
            _exit(worker(s, i, go[0], res[1]));
        }
    }
    close(go[0]);
    close(res[1]);
    uint32_t *lat = emu_calloc((size_t)s->count + 1, sizeof(*lat));
    if (!lat) {
        return 2;
    }
    usleep(200000); /* every worker connected and waiting */
    static char gobuf[LOAD_MAX_CONC];
    double t0 = load_now_s();
    if (write(go[1], gobuf, (size_t)s->conc) != (ssize_t)s->conc) {
        return 2;
    }
    size_t n_lat = collect(res[0], lat, (size_t)s->count);
    double dt = load_now_s() - t0;
    int failed = 0;
    for (long i = 0; i < s->conc; i++) {
        int ws = 0;
        (void)waitpid(pids[i], &ws, 0);
        failed += !WIFEXITED(ws) || WEXITSTATUS(ws) != 0;
    }
    size_t errors = 0, ok = 0;
    for (size_t i = 0; i < n_lat; i++) {
        if (lat[i] == LAT_ERROR) {
            errors++;
        }
        else {
            lat[ok++] = lat[i];
        }
    }
    errors += (size_t)s->count - n_lat; /* never attempted (a worker gave up) */
    qsort(lat, ok, sizeof(*lat), cmp_u32);
    double p50 = ok ? lat_ms(lat[ok / 2]) : 0, p99 = ok ? lat_ms(lat[ok * 99 / 100]) : 0;
    double max = ok ? lat_ms(lat[ok - 1]) : 0;
    printf("{\"op\":\"%s\",\"count\":%ld,\"concurrency\":%ld,\"size\":%ld,\"seconds\":%.3f,"
           "\"ops_s\":%.0f,\"ok\":%zu,\"errors\":%zu,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
           "\"max_ms\":%.2f,\"failed_workers\":%d}\n",
           s->op, s->count, s->conc, s->size, dt, (double)ok / dt, ok, errors, p50, p99, max,
           failed);
    emu_free(lat);
    return failed ? 1 : 0;
}
