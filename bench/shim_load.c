/* SPDX-License-Identifier: Apache-2.0 */
/* Load generator for the CloudWatch Logs and STS shims (bench/load_shims.sh): signed (SigV4,
 * emu/aws) PutLogEvents batches or GetCallerIdentity calls over C keep-alive connections, one
 * forked process per connection (load_common.c); prints one JSON line with ops/s, errors and
 * latency percentiles. Ops: cwl-setup (the group, streams conn-0000.. and shared), cwl-put, sts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/load_common.h"
#include "emu/aws/sigv4.h"
#include "emu/base/buf.h"
#include "emu/base/mem.h"

#define MAX_EVENTS 10000    /* PutLogEvents' limit per batch */
#define MAX_EVENT_SIZE 4096 /* this generator's */

struct opts {
    const char *host;
    int port;
    const char *op; /* cwl-setup | cwl-put | sts */
    const char *group;
    bool shared;    /* cwl-put: every connection on the stream "shared" (else conn-NNNN) */
    long streams;   /* cwl-setup: conn-0000 .. conn-(streams-1), and shared */
    long events;    /* cwl-put: events per call */
    long size;      /* cwl-put: bytes per event message */
    const char *ak;
    const char *sk;
    const char *region;
    long count;
    long conc;
};

/* The signed head of POST / with body for service (Content-Type ctype, X-Amz-Target target
 * when not NULL). */
static int build_post(const struct opts *o, const char *service, const char *target,
                      const char *ctype, const struct emu_buf *body, struct emu_buf *out)
{
    char hostport[64], date[17], sha[65];
    snprintf(hostport, sizeof(hostport), "%s:%d", o->host, o->port);
    time_t t = time(NULL);
    (void)emu_sigv4_format_date(t, date);
    emu_sigv4_sha256_hex(body->data, body->len, sha);
    struct emu_sigv4_header h[4] = {
        {"Host", 4, hostport, strlen(hostport)},
        {"X-Amz-Date", 10, date, 16},
        {"Content-Type", 12, ctype, strlen(ctype)},
        {"X-Amz-Target", 12, target, target ? strlen(target) : 0},
    };
    struct emu_sigv4_request req = {
        .method = "POST", .path = "/", .path_len = 1, .query = "", .headers = h,
        .n_headers = target ? 4 : 3, .payload_hash = sha,
    };
    struct emu_sigv4_sign_params sp = {
        .access_key_id = o->ak, .secret_access_key = o->sk, .region = o->region,
        .service = service, .time = t,
    };
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    int r = emu_sigv4_sign(&req, &sp, &sig);
    r = r ? r
          : emu_buf_printf(out, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Date: %s\r\n"
                                "Content-Type: %s\r\nContent-Length: %zu\r\n"
                                "Authorization: %s\r\n",
                           hostport, date, ctype, body->len, sig.authorization.data);
    if (r == 0 && target) {
        r = emu_buf_printf(out, "X-Amz-Target: %s\r\n", target);
    }
    r = r ? r : emu_buf_puts(out, "\r\n");
    emu_sigv4_signature_done(&sig);
    return r;
}

static int build_cwl(const struct opts *o, const char *op, const struct emu_buf *body,
                     struct emu_buf *head)
{
    char target[64];
    snprintf(target, sizeof(target), "Logs_20140328.%s", op);
    return build_post(o, "logs", target, "application/x-amz-json-1.1", body, head);
}

/* The worker side: the body buffer lives as long as the process. */
struct gen {
    const struct opts *o;
    struct emu_buf body;
    bool ready;
};

/* PutLogEvents request i on connection conn: o->events messages of o->size bytes, each
 * "c<conn> r<i> e<k> " padded with 'x', all stamped now (chronological by construction). */
static int build_put(struct gen *g, long i, long conn, struct emu_buf *head)
{
    const struct opts *o = g->o;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char stream[32];
    if (o->shared) {
        snprintf(stream, sizeof(stream), "shared");
    }
    else {
        snprintf(stream, sizeof(stream), "conn-%04ld", conn);
    }
    g->body.len = 0;
    int r = emu_buf_printf(&g->body, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\","
                                     "\"logEvents\":[", o->group, stream);
    for (long k = 0; r == 0 && k < o->events; k++) {
        char msg[MAX_EVENT_SIZE + 1];
        int n = snprintf(msg, sizeof(msg), "c%ld r%ld e%ld ", conn, i, k);
        if (n < 0 || n > o->size) {
            n = 0;
        }
        memset(msg + n, 'x', (size_t)(o->size - n));
        msg[o->size] = '\0';
        r = emu_buf_printf(&g->body, "%s{\"timestamp\":%lld,\"message\":\"%s\"}", k ? "," : "",
                           ms, msg);
    }
    r = r ? r : emu_buf_puts(&g->body, "]}");
    return r ? r : build_cwl(o, "PutLogEvents", &g->body, head);
}

static int build_req(void *ud, long i, long conn, struct emu_buf *head, const char **body,
                     size_t *body_len)
{
    struct gen *g = ud;
    if (!g->ready) {
        emu_buf_init(&g->body, 64u * 1024u * 1024u);
        g->ready = true;
    }
    int r;
    if (strcmp(g->o->op, "sts") == 0) {
        g->body.len = 0;
        r = emu_buf_puts(&g->body, "Action=GetCallerIdentity&Version=2011-06-15");
        r = r ? r : build_post(g->o, "sts", NULL,
                               "application/x-www-form-urlencoded; charset=utf-8", &g->body,
                               head);
    }
    else {
        r = build_put(g, i, conn, head);
    }
    *body = g->body.data;
    *body_len = g->body.len;
    return r;
}

/* One CloudWatch Logs call on fd; returns the status (a 400 whose body names
 * ResourceAlreadyExistsException counts as 200: setup is rerunnable). */
static int call_cwl(const struct opts *o, int fd, const char *op, const struct emu_buf *body)
{
    struct emu_buf head;
    emu_buf_init(&head, 64 * 1024);
    char *buf = emu_malloc(LOAD_IO_CHUNK);
    uint64_t got = 0;
    int st = buf ? build_cwl(o, op, body, &head) : -1;
    st = st ? -1 : load_send_all(fd, head.data, head.len);
    st = st ? -1 : load_send_all(fd, body->data, body->len);
    st = st ? -1 : load_read_response(fd, buf, LOAD_IO_CHUNK, &got);
    if (st == 400 && strstr(buf, "ResourceAlreadyExistsException")) {
        st = 200;
    }
    if (st != 200) {
        fprintf(stderr, "shim_load: %s: status %d\n", op, st);
    }
    emu_free(buf);
    emu_buf_done(&head);
    return st;
}

/* cwl-setup: the group, then streams conn-0000 .. and shared, on one connection. */
static int setup(const struct opts *o)
{
    int fd = load_dial(o->host, o->port);
    if (fd < 0) {
        fprintf(stderr, "shim_load: cannot connect to %s:%d\n", o->host, o->port);
        return 1;
    }
    struct emu_buf body;
    emu_buf_init(&body, 4096);
    int r = emu_buf_printf(&body, "{\"logGroupName\":\"%s\"}", o->group);
    int st = r ? -1 : call_cwl(o, fd, "CreateLogGroup", &body);
    for (long k = -1; st == 200 && k < o->streams; k++) {
        body.len = 0;
        char name[32];
        if (k < 0) {
            snprintf(name, sizeof(name), "shared");
        }
        else {
            snprintf(name, sizeof(name), "conn-%04ld", k);
        }
        r = emu_buf_printf(&body, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\"}",
                           o->group, name);
        st = r ? -1 : call_cwl(o, fd, "CreateLogStream", &body);
    }
    emu_buf_done(&body);
    close(fd);
    printf("{\"op\":\"cwl-setup\",\"group\":\"%s\",\"streams\":%ld,\"status\":%d}\n", o->group,
           o->streams + 1, st);
    return st == 200 ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct opts o = {
        .host = load_arg(argc, argv, "--host", "127.0.0.1"),
        .port = (int)strtol(load_arg(argc, argv, "--port", "0"), NULL, 10),
        .op = load_arg(argc, argv, "--op", "sts"),
        .group = load_arg(argc, argv, "--group", "bench-load"),
        .shared = strcmp(load_arg(argc, argv, "--stream", "per-connection"), "shared") == 0,
        .streams = strtol(load_arg(argc, argv, "--streams", "0"), NULL, 10),
        .events = strtol(load_arg(argc, argv, "--events", "10"), NULL, 10),
        .size = strtol(load_arg(argc, argv, "--size", "100"), NULL, 10),
        .ak = load_arg(argc, argv, "--access-key", "fargate-emu"),
        .sk = load_arg(argc, argv, "--secret-key", "fargate-emu-secret"),
        .region = load_arg(argc, argv, "--region", "us-east-1"),
        .count = strtol(load_arg(argc, argv, "--count", "1000"), NULL, 10),
        .conc = strtol(load_arg(argc, argv, "--concurrency", "16"), NULL, 10),
    };
    bool known = strcmp(o.op, "cwl-setup") == 0 || strcmp(o.op, "cwl-put") == 0 ||
                 strcmp(o.op, "sts") == 0;
    if (o.port <= 0 || !known || o.conc < 1 || o.conc > LOAD_MAX_CONC || o.events < 1 ||
        o.events > MAX_EVENTS || o.size < 1 || o.size > MAX_EVENT_SIZE || o.streams < 0 ||
        o.streams > 10000 || strlen(o.group) > 512 || strpbrk(o.group, "\"\\")) {
        fprintf(stderr, "usage: shim_load --port P --op cwl-setup|cwl-put|sts [--group G] "
                        "[--streams N] [--stream per-connection|shared] [--events N] "
                        "[--size B] [--count N] [--concurrency C]\n");
        return 2;
    }
    if (strcmp(o.op, "cwl-setup") == 0) {
        return setup(&o);
    }
    struct gen g = {.o = &o};
    bool sts = strcmp(o.op, "sts") == 0;
    struct load_spec spec = {
        .name = "shim_load", .op = o.op, .host = o.host, .port = o.port, .count = o.count,
        .conc = o.conc, .size = sts ? 0 : o.events * o.size, .want = 200, .build = build_req,
        .ud = &g,
    };
    return load_run(&spec); /* events sent: "ok" x --events */
}
