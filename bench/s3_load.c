/* SPDX-License-Identifier: Apache-2.0 */
/* S3 load generator for bench/s3_bench.sh and bench/load_bench.sh: N signed (SigV4, emu/aws)
 * PUT or GET requests of one size over C keep-alive connections (up to 1,024), one forked
 * process per connection so the client is not the bottleneck; prints one JSON line with ops/s,
 * errors and latency percentiles (each worker sends its latencies over a pipe). */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu/aws/sigv4.h"
#include "emu/base/buf.h"
#include "emu/base/mem.h"

#define IO_CHUNK (256u * 1024u)
#define MAX_CONC 1024
#define LAT_ERROR UINT32_MAX /* a failed request in the latency stream */

struct opts {
    const char *host; /* "127.0.0.1" */
    int port;
    const char *bucket;
    const char *op; /* put | get | mb */
    const char *prefix;
    const char *file; /* body of a single large PUT (UNSIGNED-PAYLOAD, sendfile) */
    const char *ak;
    const char *sk;
    long count;
    long conc;
    long size;
    long keys; /* > 0: request i uses key i % keys (overwrites) */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(const struct opts *o)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    int one = 1;
    if (fd < 0 || inet_pton(AF_INET, o->host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int send_all(int fd, const void *data, size_t len)
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

/* Reads one response (Content-Length or chunked body, discarded); returns the status. */
static int read_response(int fd, char *buf, size_t cap, uint64_t *ret_body)
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

/* Builds the signed request head for method path with the given payload hash and length. */
static int build_head(const struct opts *o, const char *method, const char *path,
                      const char *sha, long long clen, struct emu_buf *out)
{
    char hostport[64], date[17], len[24];
    snprintf(hostport, sizeof(hostport), "%s:%d", o->host, o->port);
    time_t t = time(NULL);
    (void)emu_sigv4_format_date(t, date);
    snprintf(len, sizeof(len), "%lld", clen);
    struct emu_sigv4_header h[4] = {
        {"Host", 4, hostport, strlen(hostport)},
        {"x-amz-date", 10, date, 16},
        {"x-amz-content-sha256", 20, sha, strlen(sha)},
        {"Content-Length", 14, len, strlen(len)},
    };
    struct emu_sigv4_request req = {
        .method = method, .path = path, .path_len = strlen(path), .query = "",
        .headers = h, .n_headers = clen >= 0 ? 4 : 3,
    };
    static const char *const names[] = {"host", "x-amz-content-sha256", "x-amz-date"};
    struct emu_sigv4_sign_params sp = {
        .access_key_id = o->ak, .secret_access_key = o->sk, .region = "us-east-1",
        .service = "s3", .time = t, .flags = EMU_SIGV4_S3, .signed_headers = names,
        .n_signed_headers = 3,
    };
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    int r = emu_sigv4_sign(&req, &sp, &sig);
    r = r ? r
          : emu_buf_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\nx-amz-date: %s\r\n"
                                "x-amz-content-sha256: %s\r\nAuthorization: %s\r\n",
                           method, path, hostport, date, sha, sig.authorization.data);
    if (r == 0 && clen >= 0) {
        r = emu_buf_printf(out, "Content-Length: %lld\r\n", clen);
    }
    r = r ? r : emu_buf_puts(out, "\r\n");
    emu_sigv4_signature_done(&sig);
    return r;
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

/* One connection's share: requests i = first, first + step, ... below count. */
static int worker(const struct opts *o, long first, long step, int go, int out)
{
    size_t n_lat = 0;
    uint32_t *lat = emu_calloc((size_t)(o->count / step + 2), sizeof(*lat));
    int fd = dial(o);
    char *buf = emu_malloc(IO_CHUNK);
    char *body = emu_calloc(1, o->size > 0 ? (size_t)o->size : 1);
    if (fd < 0 || !buf || !body || !lat) {
        return 2;
    }
    for (long i = 0; i < o->size; i++) {
        body[i] = (char)('a' + i % 26);
    }
    char sha[65];
    bool put = strcmp(o->op, "put") == 0;
    emu_sigv4_sha256_hex(body, put ? (size_t)o->size : 0, sha);
    char c;
    if (read(go, &c, 1) != 1) {
        return 2;
    }
    int errors = 0;
    for (long i = first; i < o->count; i += step) {
        char path[256];
        snprintf(path, sizeof(path), "/%s/%s%06ld", o->bucket, o->prefix,
                 o->keys > 0 ? i % o->keys : i);
        struct emu_buf head;
        emu_buf_init(&head, 64 * 1024);
        uint64_t got = 0;
        double t0 = now_s();
        int st = build_head(o, put ? "PUT" : "GET", path, sha, put ? o->size : -1, &head);
        st = st ? -1 : send_all(fd, head.data, head.len);
        st = st || !put ? st : send_all(fd, body, (size_t)o->size);
        st = st ? -1 : read_response(fd, buf, IO_CHUNK, &got);
        emu_buf_done(&head);
        double us = (now_s() - t0) * 1e6;
        lat[n_lat++] = st != 200 ? LAT_ERROR : us >= 4e9 ? LAT_ERROR - 1 : (uint32_t)us;
        if (st != 200) {
            if (errors++ == 0) {
                fprintf(stderr, "s3_load: %s %s: status %d\n", o->op, path, st);
            }
            if (st < 0) {
                close(fd);
                fd = dial(o);
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
    emu_free(body);
    return errors ? 1 : 0;
}

/* A single request: make-bucket, or a large PUT/GET of o->file / o->prefix. */
static int single(const struct opts *o, uint64_t *ret_bytes)
{
    int fd = dial(o);
    char *buf = emu_malloc(IO_CHUNK);
    if (fd < 0 || !buf) {
        return -1;
    }
    char path[256];
    struct emu_buf head;
    emu_buf_init(&head, 64 * 1024);
    int st = 0, src = -1;
    struct stat sb = {0};
    if (strcmp(o->op, "mb") == 0) {
        snprintf(path, sizeof(path), "/%s", o->bucket);
        st = build_head(o, "PUT", path, EMU_SIGV4_EMPTY_SHA256, 0, &head);
    }
    else if (strcmp(o->op, "put") == 0) {
        src = open(o->file, O_RDONLY | O_CLOEXEC);
        if (src < 0 || fstat(src, &sb) < 0) {
            return -1;
        }
        snprintf(path, sizeof(path), "/%s/%s", o->bucket, o->prefix);
        st = build_head(o, "PUT", path, EMU_SIGV4_UNSIGNED_PAYLOAD, (long long)sb.st_size, &head);
    }
    else {
        snprintf(path, sizeof(path), "/%s/%s", o->bucket, o->prefix);
        st = build_head(o, "GET", path, EMU_SIGV4_EMPTY_SHA256, -1, &head);
    }
    st = st ? -1 : send_all(fd, head.data, head.len);
    off_t off = 0;
    while (st == 0 && src >= 0 && off < sb.st_size) {
        ssize_t n = sendfile(fd, src, &off, (size_t)(sb.st_size - off));
        if (n <= 0) {
            st = -1;
        }
    }
    *ret_bytes = (uint64_t)sb.st_size;
    uint64_t got = 0;
    st = st ? -1 : read_response(fd, buf, IO_CHUNK, &got);
    if (src < 0) {
        *ret_bytes = got;
    }
    else {
        close(src);
    }
    emu_buf_done(&head);
    emu_free(buf);
    close(fd);
    return st;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            return argv[i + 1];
        }
    }
    return def;
}

int main(int argc, char **argv)
{
    struct opts o = {
        .host = arg(argc, argv, "--host", "127.0.0.1"),
        .port = (int)strtol(arg(argc, argv, "--port", "0"), NULL, 10),
        .bucket = arg(argc, argv, "--bucket", "bench"),
        .op = arg(argc, argv, "--op", "put"),
        .prefix = arg(argc, argv, "--key", "small/"),
        .file = arg(argc, argv, "--file", NULL),
        .ak = arg(argc, argv, "--access-key", "fargate-emu"),
        .sk = arg(argc, argv, "--secret-key", "fargate-emu-secret"),
        .count = strtol(arg(argc, argv, "--count", "1000"), NULL, 10),
        .conc = strtol(arg(argc, argv, "--concurrency", "16"), NULL, 10),
        .size = strtol(arg(argc, argv, "--size", "1024"), NULL, 10),
        .keys = strtol(arg(argc, argv, "--keys", "0"), NULL, 10),
    };
    if (o.port <= 0 || o.conc < 1 || o.conc > MAX_CONC || o.size < 0 || o.size > 1 << 24) {
        fprintf(stderr, "usage: s3_load --port P [--op put|get|mb] [--count N] "
                        "[--concurrency C] [--size B] [--key PREFIX] [--keys N] [--file PATH]\n");
        return 2;
    }
    double t0 = now_s();
    bool one = strcmp(arg(argc, argv, "--single", "no"), "yes") == 0;
    if (strcmp(o.op, "mb") == 0 || o.file || one) {
        uint64_t bytes = 0;
        int st = single(&o, &bytes);
        double dt = now_s() - t0;
        printf("{\"op\":\"%s\",\"status\":%d,\"seconds\":%.3f,\"mb_s\":%.0f}\n", o.op, st, dt,
               (double)bytes / 1e6 / dt);
        return st == 200 || (strcmp(o.op, "mb") == 0 && st == 409) ? 0 : 1;
    }
    int go[2], res[2];
    if (pipe(go) < 0 || pipe(res) < 0) {
        return 2;
    }
    static pid_t pids[MAX_CONC];
    for (long i = 0; i < o.conc; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(go[1]);
            close(res[0]);
            _exit(worker(&o, i, o.conc, go[0], res[1]));
        }
    }
    close(go[0]);
    close(res[1]);
    uint32_t *lat = emu_calloc((size_t)o.count + 1, sizeof(*lat));
    if (!lat) {
        return 2;
    }
    usleep(200000); /* every worker connected and waiting */
    static char gobuf[MAX_CONC];
    t0 = now_s();
    if (write(go[1], gobuf, (size_t)o.conc) != (ssize_t)o.conc) {
        return 2;
    }
    /* Latencies until every worker closed its end (reading keeps the workers unblocked). */
    size_t n_lat = 0, part = 0;
    unsigned char tail[sizeof(uint32_t)];
    for (;;) {
        unsigned char chunk[4096];
        ssize_t n = read(res[0], chunk, sizeof(chunk));
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
                if (n_lat < (size_t)o.count) {
                    memcpy(&lat[n_lat++], tail, sizeof(tail));
                }
            }
        }
    }
    double dt_all = now_s() - t0;
    int failed = 0;
    for (long i = 0; i < o.conc; i++) {
        int ws = 0;
        (void)waitpid(pids[i], &ws, 0);
        failed += !WIFEXITED(ws) || WEXITSTATUS(ws) != 0;
    }
    double dt = dt_all;
    size_t errors = 0, ok = 0;
    for (size_t i = 0; i < n_lat; i++) {
        if (lat[i] == LAT_ERROR) {
            errors++;
        }
        else {
            lat[ok++] = lat[i];
        }
    }
    errors += (size_t)o.count - n_lat; /* never attempted (a worker gave up) */
    qsort(lat, ok, sizeof(*lat), cmp_u32);
    double p50 = ok ? lat_ms(lat[ok / 2]) : 0, p99 = ok ? lat_ms(lat[ok * 99 / 100]) : 0;
    double max = ok ? lat_ms(lat[ok - 1]) : 0;
    printf("{\"op\":\"%s\",\"count\":%ld,\"concurrency\":%ld,\"size\":%ld,\"seconds\":%.3f,"
           "\"ops_s\":%.0f,\"ok\":%zu,\"errors\":%zu,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
           "\"max_ms\":%.2f,\"failed_workers\":%d}\n",
           o.op, o.count, o.conc, o.size, dt, (double)ok / dt, ok, errors, p50, p99, max, failed);
    emu_free(lat);
    return failed ? 1 : 0;
}
