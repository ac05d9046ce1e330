/* SPDX-License-Identifier: Apache-2.0 */
/* The S3 shim over real HTTP, server in a forked child: temporary credentials from the creds
 * store (session tokens, ExpiredToken), RequestTimeTooSkewed, expired presigned URLs, a signed
 * aws-chunked PUT end to end, and two concurrent writers of one key. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/aws/sigv4.h"
#include "emu/base/buf.h"
#include "shims/common/creds.h"
#include "shims/s3/s3.h"

#define AK "fargate-emu"
#define SK "fargate-emu-secret"
#define TMP_AK "ASIATESTTEMPORARY01"
#define TMP_SK "temporary-secret"
#define TMP_TOKEN "FQoGZXIvYXdzEXAMPLETOKEN/+="
#define SHORT_AK "ASIATESTSHORTLIVED01"
#define RESP_MAX (256 * 1024)

static pid_t server;
static int port;
static char root[64];

static int server_main(int wfd)
{
    int64_t now = (int64_t)time(NULL);
    if (shim_creds_add(TMP_AK, TMP_SK, TMP_TOKEN, now + 3600, now) < 0 ||
        shim_creds_add(SHORT_AK, TMP_SK, TMP_TOKEN, now + 2, now) < 0) {
        return 1;
    }
    uv_loop_t loop;
    struct shim_s3 *s3 = NULL;
    struct shim_s3_config cfg = {.root = root, .access_key = AK, .secret_key = SK};
    if (uv_loop_init(&loop) < 0 || shim_s3_start(&loop, &cfg, &s3) < 0) {
        return 1;
    }
    int p = shim_s3_port(s3);
    if (write(wfd, &p, sizeof(p)) != sizeof(p)) {
        return 1;
    }
    close(wfd);
    return uv_run(&loop, UV_RUN_DEFAULT);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/s3http.XXXXXX");
    assert_non_null(mkdtemp(root));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    server = fork();
    if (server == 0) {
        close(fds[0]);
        _exit(server_main(fds[1]));
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &port, sizeof(port)), (ssize_t)sizeof(port));
    close(fds[0]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    kill(server, SIGKILL);
    (void)waitpid(server, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

struct rq {
    const char *method;
    const char *path;
    const char *ak, *sk, *token;
    time_t t;           /* 0 = now */
    const char *sha;    /* payload hash header; NULL = hash of body */
    const char *xname;  /* one extra signed header */
    const char *xvalue;
    const void *body;
    size_t len;
    long presign;       /* > 0: presigned URL valid this many seconds */
};

/* Sends q on a new connection; returns the status and the whole response in resp. */
static int send_rq(const struct rq *q, char *resp, size_t cap)
{
    char host[32], date[17], len[24], sha[65];
    snprintf(host, sizeof(host), "127.0.0.1:%d", port);
    time_t t = q->t ? q->t : time(NULL);
    assert_int_equal(emu_sigv4_format_date(t, date), 0);
    snprintf(len, sizeof(len), "%zu", q->len);
    if (q->sha) {
        snprintf(sha, sizeof(sha), "%s", q->sha);
    }
    else {
        emu_sigv4_sha256_hex(q->body, q->len, sha);
    }
    struct emu_sigv4_header h[6];
    size_t n = 0;
    h[n++] = (struct emu_sigv4_header){"Host", 4, host, strlen(host)};
    if (!q->presign) {
        h[n++] = (struct emu_sigv4_header){"x-amz-date", 10, date, 16};
        h[n++] = (struct emu_sigv4_header){"x-amz-content-sha256", 20, sha, strlen(sha)};
    }
    if (q->token && !q->presign) {
        h[n++] = (struct emu_sigv4_header){"x-amz-security-token", 20, q->token,
                                           strlen(q->token)};
    }
    if (q->xname) {
        h[n++] = (struct emu_sigv4_header){q->xname, strlen(q->xname), q->xvalue,
                                           strlen(q->xvalue)};
    }
    struct emu_sigv4_request req = {.method = q->method, .path = q->path,
                                    .path_len = strlen(q->path), .query = "", .headers = h,
                                    .n_headers = n};
    struct emu_sigv4_sign_params sp = {
        .access_key_id = q->ak ? q->ak : AK, .secret_access_key = q->sk ? q->sk : SK,
        .session_token = q->token, .region = "us-east-1", .service = "s3", .time = t,
        .flags = EMU_SIGV4_S3 | (q->presign ? EMU_SIGV4_PRESIGN | EMU_SIGV4_SIGN_TOKEN : 0),
        .expires = q->presign,
    };
    if (q->presign) {
        req.payload_hash = EMU_SIGV4_UNSIGNED_PAYLOAD;
    }
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    assert_int_equal(emu_sigv4_sign(&req, &sp, &sig), 0);
    struct emu_buf out;
    emu_buf_init(&out, 1 << 20);
    if (q->presign) {
        assert_int_equal(emu_buf_printf(&out, "%s %s?%s HTTP/1.1\r\n", q->method, q->path,
                                        sig.presigned_query.data), 0);
    }
    else {
        assert_int_equal(emu_buf_printf(&out, "%s %s HTTP/1.1\r\nAuthorization: %s\r\n",
                                        q->method, q->path, sig.authorization.data), 0);
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(emu_buf_printf(&out, "%s: %s\r\n", h[i].name, h[i].value), 0);
    }
    assert_int_equal(emu_buf_printf(&out, "Content-Length: %s\r\nConnection: close\r\n\r\n",
                                    len), 0);
    assert_int_equal(emu_buf_append(&out, q->body ? q->body : "", q->len), 0);
    emu_sigv4_signature_done(&sig);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(send(fd, out.data, out.len, MSG_NOSIGNAL), (ssize_t)out.len);
    emu_buf_done(&out);
    size_t have = 0;
    ssize_t r;
    while (have + 1 < cap && (r = recv(fd, resp + have, cap - 1 - have, 0)) > 0) {
        have += (size_t)r;
    }
    resp[have] = '\0';
    close(fd);
    return have > 12 ? (int)strtol(resp + 9, NULL, 10) : -1;
}

static char *body_of(char *resp)
{
    char *p = strstr(resp, "\r\n\r\n");
    return p ? p + 4 : resp + strlen(resp);
}

static void make_bucket(const char *name)
{
    static char resp[RESP_MAX];
    char path[64];
    snprintf(path, sizeof(path), "/%s", name);
    struct rq q = {.method = "PUT", .path = path};
    assert_int_equal(send_rq(&q, resp, sizeof(resp)), 200);
}

static void test_session_tokens(void **state)
{
    (void)state;
    static char resp[RESP_MAX];
    make_bucket("tokens");
    struct rq q = {.method = "PUT", .path = "/tokens/k", .ak = TMP_AK, .sk = TMP_SK,
                   .token = TMP_TOKEN, .body = "hello", .len = 5};
    assert_int_equal(send_rq(&q, resp, sizeof(resp)), 200);
    /* A temporary key without its token, or with another one. */
    q.token = NULL;
    assert_int_equal(send_rq(&q, resp, sizeof(resp)), 400);
    assert_non_null(strstr(resp, "<Code>InvalidToken</Code>"));
    q.token = "other-token";
    assert_int_equal(send_rq(&q, resp, sizeof(resp)), 400);
    /* Presigned with the token in the query. */
    struct rq g = {.method = "GET", .path = "/tokens/k", .ak = TMP_AK, .sk = TMP_SK,
                   .token = TMP_TOKEN, .presign = 60};
    assert_int_equal(send_rq(&g, resp, sizeof(resp)), 200);
    assert_string_equal(body_of(resp), "hello");
    /* Expired credentials. */
    sleep(3);
    struct rq e = {.method = "GET", .path = "/tokens/k", .ak = SHORT_AK, .sk = TMP_SK,
                   .token = TMP_TOKEN};
    assert_int_equal(send_rq(&e, resp, sizeof(resp)), 400);
    assert_non_null(strstr(resp, "<Code>ExpiredToken</Code>"));
    assert_int_equal(send_rq(&e, resp, sizeof(resp)), 403);
    assert_non_null(strstr(resp, "<Code>InvalidAccessKeyId</Code>"));
}

static void test_clock_and_presign_expiry(void **state)
{
    (void)state;
    static char resp[RESP_MAX];
    make_bucket("clock");
    struct rq q = {.method = "GET", .path = "/clock", .t = time(NULL) - 3600};
    assert_int_equal(send_rq(&q, resp, sizeof(resp)), 403);
    assert_non_null(strstr(resp, "<Code>RequestTimeTooSkewed</Code>"));
    q.t = time(NULL) + 3600;
    assert_int_equal(send_rq(&q, resp, sizeof(resp)), 403);
    assert_non_null(strstr(resp, "<Code>RequestTimeTooSkewed</Code>"));
    /* Presigned an hour ago for 60 s: expired (a presigned URL is not subject to skew). */
    struct rq p = {.method = "GET", .path = "/clock", .t = time(NULL) - 3600, .presign = 60};
    assert_int_equal(send_rq(&p, resp, sizeof(resp)), 403);
    assert_non_null(strstr(resp, "<Message>Request has expired</Message>"));
    p.t = time(NULL) - 30;
    assert_int_equal(send_rq(&p, resp, sizeof(resp)), 200);
}

static void test_aws_chunked_put(void **state)
{
    (void)state;
    static char resp[RESP_MAX];
    make_bucket("chunked");
    static char data[150000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (char)('A' + i % 23);
    }
    /* Sign the head first, then encode the chunks from its seed signature. */
    char host[32], date[17], dlen[24], clen[24];
    time_t t = time(NULL);
    snprintf(host, sizeof(host), "127.0.0.1:%d", port);
    assert_int_equal(emu_sigv4_format_date(t, date), 0);
    snprintf(dlen, sizeof(dlen), "%zu", sizeof(data));
    uint64_t enc = emu_aws_chunked_encoded_length(sizeof(data), 65536);
    snprintf(clen, sizeof(clen), "%llu", (unsigned long long)enc);
    struct emu_sigv4_header h[] = {
        {"Host", 4, host, strlen(host)},
        {"x-amz-date", 10, date, 16},
        {"x-amz-content-sha256", 20, EMU_SIGV4_STREAMING_PAYLOAD,
         strlen(EMU_SIGV4_STREAMING_PAYLOAD)},
        {"x-amz-decoded-content-length", 28, dlen, strlen(dlen)},
        {"Content-Encoding", 16, "aws-chunked", 11},
        {"Content-Length", 14, clen, strlen(clen)},
    };
    struct emu_sigv4_request req = {.method = "PUT", .path = "/chunked/obj", .path_len = 12,
                                    .query = "", .headers = h, .n_headers = 6};
    struct emu_sigv4_sign_params sp = {.access_key_id = AK, .secret_access_key = SK,
                                       .region = "us-east-1", .service = "s3", .time = t,
                                       .flags = EMU_SIGV4_S3};
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    assert_int_equal(emu_sigv4_sign(&req, &sp, &sig), 0);
    struct emu_buf body;
    emu_buf_init(&body, 1 << 20);
    for (size_t off = 0; off < sizeof(data); off += 65536) {
        size_t n = sizeof(data) - off < 65536 ? sizeof(data) - off : 65536;
        assert_int_equal(emu_aws_chunked_encode(&sig.chain, data + off, n, &body), 0);
    }
    assert_int_equal(emu_aws_chunked_encode(&sig.chain, NULL, 0, &body), 0);
    assert_int_equal(body.len, enc);
    struct emu_buf out;
    emu_buf_init(&out, 1 << 20);
    assert_int_equal(emu_buf_printf(&out, "PUT /chunked/obj HTTP/1.1\r\nAuthorization: %s\r\n",
                                    sig.authorization.data), 0);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(emu_buf_printf(&out, "%s: %s\r\n", h[i].name, h[i].value), 0);
    }
    assert_int_equal(emu_buf_puts(&out, "Connection: close\r\n\r\n"), 0);
    assert_int_equal(emu_buf_append(&out, body.data, body.len), 0);
    emu_sigv4_signature_done(&sig);
    emu_buf_done(&body);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(send(fd, out.data, out.len, MSG_NOSIGNAL), (ssize_t)out.len);
    emu_buf_done(&out);
    ssize_t r = recv(fd, resp, RESP_MAX - 1, 0);
    assert_true(r > 12);
    resp[r] = '\0';
    close(fd);
    assert_int_equal(strtol(resp + 9, NULL, 10), 200);
    struct rq g = {.method = "GET", .path = "/chunked/obj"};
    assert_int_equal(send_rq(&g, resp, sizeof(resp)), 200);
    assert_memory_equal(body_of(resp), data, sizeof(data));
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    static char resp[RESP_MAX];
    make_bucket("race");
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            static char body[3000];
            memset(body, k ? 'B' : 'A', sizeof(body));
            struct rq q = {.method = "PUT", .path = "/race/key", .body = body,
                           .len = k ? 3000 : 1000};
            int bad = 0;
            for (int i = 0; i < 40; i++) {
                bad += send_rq(&q, resp, sizeof(resp)) != 200;
            }
            _exit(bad ? 1 : 0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int ws = 0;
        assert_int_equal(waitpid(kids[k], &ws, 0), kids[k]);
        assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    }
    struct rq g = {.method = "GET", .path = "/race/key"};
    assert_int_equal(send_rq(&g, resp, sizeof(resp)), 200);
    char *b = body_of(resp);
    size_t n = strlen(b);
    assert_true((n == 1000 && b[0] == 'A') || (n == 3000 && b[0] == 'B'));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(b[i], b[0]); /* never a mix of the two bodies */
    }
    struct rq l = {.method = "GET", .path = "/race"};
    assert_int_equal(send_rq(&l, resp, sizeof(resp)), 200);
    char want[64];
    snprintf(want, sizeof(want), "<Size>%zu</Size>", n);
    assert_non_null(strstr(resp, want)); /* the index agrees with the object that won */
    assert_null(strstr(resp, ".w-"));
    char *key = strstr(resp, "<Key>");
    assert_non_null(key);
    assert_null(strstr(key + 5, "<Key>")); /* one entry, no temp file */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_and_presign_expiry),
        cmocka_unit_test(test_aws_chunked_put),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_session_tokens),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
