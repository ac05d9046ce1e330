/* SPDX-License-Identifier: Apache-2.0 */
/* S3 load generator for bench/s3_bench.sh and bench/load_bench.sh: N signed (SigV4, emu/aws)
 * PUT or GET requests of one size over C keep-alive connections (up to 1,024), one forked
 * process per connection so the client is not the bottleneck; prints one JSON line with ops/s,
 * errors and latency percentiles (each worker sends its latencies over a pipe; load_common.c). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/load_common.h"
#include "emu/aws/sigv4.h"
#include "emu/base/buf.h"
#include "emu/base/mem.h"

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

/* The worker side of a put/get run: the body is built once per process. */
struct bulk {
    const struct opts *o;
    char *body;
    char sha[65];
    bool put;
};

static int build_bulk(void *ud, long i, long conn, struct emu_buf *head, const char **body,
                      size_t *body_len)
{
    (void)conn;
    struct bulk *b = ud;
    const struct opts *o = b->o;
    if (!b->body) {
        b->body = emu_calloc(1, o->size > 0 ? (size_t)o->size : 1);
        if (!b->body) {
            return -1;
        }
        for (long k = 0; k < o->size; k++) {
            b->body[k] = (char)('a' + k % 26);
        }
        emu_sigv4_sha256_hex(b->body, b->put ? (size_t)o->size : 0, b->sha);
    }
    char path[256];
    snprintf(path, sizeof(path), "/%s/%s%06ld", o->bucket, o->prefix,
             o->keys > 0 ? i % o->keys : i);
    *body = b->body;
    *body_len = b->put ? (size_t)o->size : 0;
    return build_head(o, b->put ? "PUT" : "GET", path, b->sha, b->put ? o->size : -1, head);
}

/* A single request: make-bucket, or a large PUT/GET of o->file / o->prefix. */
static int single(const struct opts *o, uint64_t *ret_bytes)
{
    int fd = load_dial(o->host, o->port);
    char *buf = emu_malloc(LOAD_IO_CHUNK);
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
    st = st ? -1 : load_send_all(fd, head.data, head.len);
    off_t off = 0;
    while (st == 0 && src >= 0 && off < sb.st_size) {
        ssize_t n = sendfile(fd, src, &off, (size_t)(sb.st_size - off));
        if (n <= 0) {
            st = -1;
        }
    }
    *ret_bytes = (uint64_t)sb.st_size;
    uint64_t got = 0;
    st = st ? -1 : load_read_response(fd, buf, LOAD_IO_CHUNK, &got);
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

int main(int argc, char **argv)
{
    struct opts o = {
        .host = load_arg(argc, argv, "--host", "127.0.0.1"),
        .port = (int)strtol(load_arg(argc, argv, "--port", "0"), NULL, 10),
        .bucket = load_arg(argc, argv, "--bucket", "bench"),
        .op = load_arg(argc, argv, "--op", "put"),
        .prefix = load_arg(argc, argv, "--key", "small/"),
        .file = load_arg(argc, argv, "--file", NULL),
        .ak = load_arg(argc, argv, "--access-key", "fargate-emu"),
        .sk = load_arg(argc, argv, "--secret-key", "fargate-emu-secret"),
        .count = strtol(load_arg(argc, argv, "--count", "1000"), NULL, 10),
        .conc = strtol(load_arg(argc, argv, "--concurrency", "16"), NULL, 10),
        .size = strtol(load_arg(argc, argv, "--size", "1024"), NULL, 10),
        .keys = strtol(load_arg(argc, argv, "--keys", "0"), NULL, 10),
    };
    if (o.port <= 0 || o.conc < 1 || o.conc > LOAD_MAX_CONC || o.size < 0 || o.size > 1 << 24) {
        fprintf(stderr, "usage: s3_load --port P [--op put|get|mb] [--count N] "
                        "[--concurrency C] [--size B] [--key PREFIX] [--keys N] [--file PATH]\n");
        return 2;
    }
    double t0 = load_now_s();
    bool one = strcmp(load_arg(argc, argv, "--single", "no"), "yes") == 0;
    if (strcmp(o.op, "mb") == 0 || o.file || one) {
        uint64_t bytes = 0;
        int st = single(&o, &bytes);
        double dt = load_now_s() - t0;
        printf("{\"op\":\"%s\",\"status\":%d,\"seconds\":%.3f,\"mb_s\":%.0f}\n", o.op, st, dt,
               (double)bytes / 1e6 / dt);
        return st == 200 || (strcmp(o.op, "mb") == 0 && st == 409) ? 0 : 1;
    }
    struct bulk b = {.o = &o, .put = strcmp(o.op, "put") == 0};
    struct load_spec spec = {
        .name = "s3_load", .op = o.op, .host = o.host, .port = o.port, .count = o.count,
        .conc = o.conc, .size = o.size, .want = 200, .build = build_bulk, .ud = &b,
    };
    return load_run(&spec);
}
