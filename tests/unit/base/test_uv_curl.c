/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the libcurl-on-libuv adapter and the Docker transport on top of it, against a
 * tiny scripted HTTP server on the same loop (127.0.0.1:0 and a unix socket): buffered and
 * streamed bodies, ceilings, cancellation, timeouts, refused connections, closing with requests
 * in flight, version negotiation and daemon error bodies over tcp://. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/loop.h"
#include "emu/base/mem.h"
#include "emu/base/uv_curl.h"
#include "emu/docker/docker.h"

/* ---- scripted server -------------------------------------------------------------------- */

struct route {
    const char *path;     /* request path prefix */
    const char *response; /* raw HTTP response, NULL = never answer */
};

static const char big_body[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";

static const struct route routes[] = {
    {"/hello", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
               "Connection: close\r\n\r\nhello"},
    {"/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                 "5\r\nab\ncd\r\n3\r\n\nef\r\n0\r\n\r\n"},
    {"/big", big_body},
    {"/silent", NULL},
    {"/version", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 42\r\n"
                 "Connection: close\r\n\r\n{\"ApiVersion\":\"1.43\",\"Version\":\"24.0.7\"}\n\n"},
    {"/v1.43/containers/boom/json",
     "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
     "Content-Length: 36\r\nConnection: close\r\n\r\n"
     "{\"message\":\"boom: \\\"quoted\\\" text\"}\n"},
    {"/v1.43/containers/plain/json", "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 13\r\n"
                                     "Connection: close\r\n\r\nupstream gone"},
};

struct conn {
    uv_tcp_t tcp; /* first, so a uv_pipe_t conn can share the layout through the union */
    uv_pipe_t pipe;
    uv_stream_t *s;
    char buf[4096];
    size_t len;
    uv_write_t wr;
    uv_buf_t out[2];
};

struct server {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    int port;
    int silent_conns;
};

static struct server srv;
static struct emu_loop lp;
static char sock_path[108];

static void on_conn_closed(uv_handle_t *h)
{
    emu_free(h->data);
}

static void conn_close(struct conn *c)
{
    if (!uv_is_closing((uv_handle_t *)c->s)) {
        uv_close((uv_handle_t *)c->s, on_conn_closed);
    }
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    conn_close(w->data);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct conn *c = h->data;
    (void)hint;
    *b = uv_buf_init(c->buf + c->len, (unsigned)(sizeof(c->buf) - 1 - c->len));
}

static void respond(struct conn *c)
{
    const char *sp = strchr(c->buf, ' ');
    const struct route *rt = NULL;
    for (size_t i = 0; sp && i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strncmp(sp + 1, routes[i].path, strlen(routes[i].path)) == 0) {
            rt = &routes[i];
        }
    }
    (void)uv_read_stop(c->s);
    if (rt && !rt->response) {
        srv.silent_conns++;
        return; /* keep it open, say nothing */
    }
    static char zeros[1000];
    memset(zeros, 'z', sizeof(zeros));
    const char *r = rt ? rt->response : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    c->out[0] = uv_buf_init((char *)(uintptr_t)r, (unsigned)strlen(r));
    c->out[1] = uv_buf_init(zeros, rt && rt->response == big_body ? sizeof(zeros) : 0);
    c->wr.data = c;
    (void)uv_write(&c->wr, c->s, c->out, 2, on_written);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = s->data;
    (void)b;
    if (n < 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    if (strstr(c->buf, "\r\n\r\n")) {
        respond(c);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    assert_int_equal(status, 0);
    struct conn *c = emu_calloc(1, sizeof(*c));
    assert_non_null(c);
    if (server == (uv_stream_t *)&srv.tcp) {
        (void)uv_tcp_init(&lp.loop, &c->tcp);
        c->s = (uv_stream_t *)&c->tcp;
    }
    else {
        (void)uv_pipe_init(&lp.loop, &c->pipe, 0);
        c->s = (uv_stream_t *)&c->pipe;
    }
    c->s->data = c;
    assert_int_equal(uv_accept(server, c->s), 0);
    (void)uv_read_start(c->s, on_alloc, on_read);
}

static void close_all(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h) && h->data && h != (uv_handle_t *)&srv.tcp &&
        h != (uv_handle_t *)&srv.pipe && (h->type == UV_TCP || h->type == UV_NAMED_PIPE)) {
        uv_close(h, on_conn_closed);
    }
}

/* ---- client harness --------------------------------------------------------------------- */

struct result {
    bool done;
    int status;
    long http;
    char body[2048];
    char streamed[2048];
    int fail_stream_with;
    struct emu_http_req *cancel_me;
};

static void on_done(int status, const struct emu_http_response *resp, void *ud)
{
    struct result *r = ud;
    assert_false(r->done); /* exactly once */
    r->done = true;
    r->status = status;
    r->http = resp->status;
    (void)snprintf(r->body, sizeof(r->body), "%.*s", (int)resp->body_len, resp->body);
}

static int on_data(long http, const char *data, size_t len, void *ud)
{
    struct result *r = ud;
    size_t n = strlen(r->streamed);
    (void)http;
    (void)snprintf(r->streamed + n, sizeof(r->streamed) - n, "[%.*s]", (int)len, data);
    if (r->cancel_me) {
        emu_http_cancel(r->cancel_me);
    }
    return r->fail_stream_with;
}

static void run_until(const bool *flag)
{
    for (int i = 0; i < 1000 && !*flag; i++) {
        (void)uv_run(&lp.loop, UV_RUN_NOWAIT);
        usleep(2000);
    }
    assert_true(*flag);
}

static char url[128];

static const char *at(const char *path)
{
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv.port, path);
    return url;
}

static struct emu_http *http;
static long mem_before;

static int setup(void **state)
{
    emu_json_init();
    assert_int_equal(emu_loop_global_init(), 0);
    assert_int_equal(emu_http_global_init(), 0);
    mem_before = emu_mem_outstanding();
    assert_int_equal(emu_loop_init(&lp), 0);
    memset(&srv, 0, sizeof(srv));
    (void)uv_tcp_init(&lp.loop, &srv.tcp);
    struct sockaddr_in addr;
    (void)uv_ip4_addr("127.0.0.1", 0, &addr);
    assert_int_equal(uv_tcp_bind(&srv.tcp, (const struct sockaddr *)&addr, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&srv.tcp, 16, on_connection), 0);
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    (void)uv_tcp_getsockname(&srv.tcp, (struct sockaddr *)&ss, &len);
    srv.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    (void)snprintf(sock_path, sizeof(sock_path), "/tmp/emu-uvcurl-%ld.sock", (long)getpid());
    (void)unlink(sock_path);
    (void)uv_pipe_init(&lp.loop, &srv.pipe, 0);
    assert_int_equal(uv_pipe_bind(&srv.pipe, sock_path), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&srv.pipe, 16, on_connection), 0);
    assert_int_equal(emu_http_new(&lp.loop, &http), 0);
    return 0;
}

static void on_closed(void *ud)
{
    *(bool *)ud = true;
}

static int teardown(void **state)
{
    bool closed = false;
    emu_http_close(http, on_closed, &closed);
    uv_walk(&lp.loop, close_all, NULL);
    uv_close((uv_handle_t *)&srv.tcp, NULL);
    uv_close((uv_handle_t *)&srv.pipe, NULL);
    run_until(&closed);
    assert_int_equal(emu_loop_done(&lp), 0);
    (void)unlink(sock_path);
    assert_int_equal(emu_mem_outstanding(), mem_before);
    return 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void buffered_get(void **state)
{
    struct result r = {0};
    struct emu_http_request rq = {.url = at("/hello")};
    assert_int_equal(emu_http_request(http, &rq, on_done, &r, NULL), 0);
    assert_false(r.done); /* never from inside the call */
    run_until(&r.done);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.http, 200);
    assert_string_equal(r.body, "hello");
    assert_int_equal(emu_http_active(http), 0);
}

static void unix_socket(void **state)
{
    struct result r = {0};
    struct emu_http_request rq = {.url = "http://localhost/hello", .unix_socket = sock_path};
    assert_int_equal(emu_http_request(http, &rq, on_done, &r, NULL), 0);
    run_until(&r.done);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.body, "hello");
}

static void ceilings(void **state)
{
    struct result r = {0};
    struct emu_http_request rq = {.url = at("/big"), .max_response = 100};
    assert_int_equal(emu_http_request(http, &rq, on_done, &r, NULL), 0);
    run_until(&r.done);
    assert_int_equal(r.status, EMU_E2BIG);
    /* A request body over the ceiling is refused at once, and cb never runs. */
    struct result r2 = {0};
    static char huge[1];
    struct emu_http_request big = {.url = at("/hello"), .method = "POST", .body = huge,
                                   .body_len = EMU_HTTP_MAX_REQUEST + 1};
    assert_int_equal(emu_http_request(http, &big, on_done, &r2, NULL), EMU_E2BIG);
    assert_int_equal(emu_http_request(http, &(struct emu_http_request){0}, on_done, &r2, NULL),
                     EMU_EINVAL);
    (void)uv_run(&lp.loop, UV_RUN_NOWAIT);
    assert_false(r2.done);
}

static void streaming(void **state)
{
    struct result r = {0};
    struct emu_http_request rq = {.url = at("/chunked"), .on_data = on_data};
    assert_int_equal(emu_http_request(http, &rq, on_done, &r, NULL), 0);
    run_until(&r.done);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.body, "");
    /* curl may merge chunks; the bytes and their order are what counts. */
    char joined[64] = "";
    size_t jn = 0;
    for (const char *p = r.streamed; *p && jn + 1 < sizeof(joined); p++) {
        if (*p != '[' && *p != ']') {
            joined[jn++] = *p;
        }
    }
    joined[jn] = '\0';
    assert_string_equal(joined, "ab\ncd\nef");
    struct result f = {.fail_stream_with = EMU_EBADMSG};
    assert_int_equal(emu_http_request(http, &rq, on_done, &f, NULL), 0);
    run_until(&f.done);
    assert_int_equal(f.status, EMU_EBADMSG);
}

static void cancel_timeout_refused(void **state)
{
    struct result r = {0};
    struct emu_http_req *req = NULL;
    struct emu_http_request rq = {.url = at("/silent")};
    assert_int_equal(emu_http_request(http, &rq, on_done, &r, &req), 0);
    for (int i = 0; i < 50 && srv.silent_conns == 0; i++) {
        (void)uv_run(&lp.loop, UV_RUN_NOWAIT);
        usleep(2000);
    }
    emu_http_cancel(req);
    assert_false(r.done);
    run_until(&r.done);
    assert_int_equal(r.status, EMU_ECANCELED);

    /* Cancelled before it even started. */
    struct result r0 = {0};
    assert_int_equal(emu_http_request(http, &rq, on_done, &r0, &req), 0);
    emu_http_cancel(req);
    run_until(&r0.done);
    assert_int_equal(r0.status, EMU_ECANCELED);

    /* Cancelled from inside its own data callback. */
    struct result rs = {0};
    struct emu_http_request srq = {.url = at("/chunked"), .on_data = on_data};
    assert_int_equal(emu_http_request(http, &srq, on_done, &rs, &rs.cancel_me), 0);
    run_until(&rs.done);
    assert_int_equal(rs.status, EMU_ECANCELED);

    struct result t = {0};
    struct emu_http_request trq = {.url = at("/silent"), .timeout_ms = 150};
    assert_int_equal(emu_http_request(http, &trq, on_done, &t, NULL), 0);
    run_until(&t.done);
    assert_int_equal(t.status, EMU_ETIMEDOUT);

    struct result c = {0};
    struct emu_http_request crq = {.url = "http://127.0.0.1:1/x"};
    assert_int_equal(emu_http_request(http, &crq, on_done, &c, NULL), 0);
    run_until(&c.done);
    assert_int_equal(c.status, EMU_ECONNREFUSED);
}

static void close_in_flight(void **state)
{
    struct result a = {0}, b = {0};
    struct emu_http_request rq = {.url = at("/silent")};
    assert_int_equal(emu_http_request(http, &rq, on_done, &a, NULL), 0);
    assert_int_equal(emu_http_request(http, &rq, on_done, &b, NULL), 0);
    (void)uv_run(&lp.loop, UV_RUN_NOWAIT);
    bool closed = false;
    emu_http_close(http, on_closed, &closed);
    assert_true(a.done && b.done);
    assert_int_equal(a.status, EMU_ECANCELED);
    assert_int_equal(b.status, EMU_ECANCELED);
    struct result late = {0};
    assert_true(emu_http_request(http, &rq, on_done, &late, NULL) < 0);
    run_until(&closed);
    assert_int_equal(emu_http_new(&lp.loop, &http), 0); /* for teardown */
}

/* ---- Docker transport over tcp:// ------------------------------------------------------- */

struct dres {
    bool done;
    int status;
    long http;
    char message[256];
    char call[128];
};

static void on_docker(int status, const struct emu_docker_reply *r, void *ud)
{
    struct dres *d = ud;
    d->done = true;
    d->status = status;
    d->http = r->http_status;
    (void)snprintf(d->message, sizeof(d->message), "%s", r->message ? r->message : "");
    (void)snprintf(d->call, sizeof(d->call), "%s", r->call);
}

static void docker_over_tcp(void **state)
{
    char host[64];
    (void)snprintf(host, sizeof(host), "tcp://127.0.0.1:%d", srv.port);
    struct emu_docker *d = NULL;
    assert_int_equal(emu_docker_new(http, host, &d), 0);
    struct dres r = {0};
    assert_int_equal(emu_docker_connect(d, on_docker, &r), 0);
    run_until(&r.done);
    assert_int_equal(r.status, 0);
    assert_string_equal(emu_docker_api_version(d), "1.43");
    assert_string_equal(emu_docker_server_version(d), "24.0.7");

    struct dres e = {0};
    assert_int_equal(emu_docker_container_inspect(d, "boom", on_docker, &e), 0);
    run_until(&e.done);
    assert_int_equal(e.status, EMU_EDOCKER);
    assert_int_equal(e.http, 500);
    assert_string_equal(e.message, "boom: \"quoted\" text");
    assert_string_equal(e.call, "GET /containers/boom/json");

    struct dres p = {0};
    assert_int_equal(emu_docker_container_inspect(d, "plain", on_docker, &p), 0);
    run_until(&p.done);
    assert_int_equal(p.status, EMU_EDOCKER);
    assert_string_equal(p.message, "upstream gone");

    struct dres n = {0};
    assert_int_equal(emu_docker_container_inspect(d, "nothing", on_docker, &n), 0);
    run_until(&n.done);
    assert_int_equal(n.status, EMU_EDOCKER);
    assert_int_equal(n.http, 404);
    assert_string_equal(n.message, "HTTP status 404");
    d = emu_docker_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(buffered_get, setup, teardown),
        cmocka_unit_test_setup_teardown(unix_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(ceilings, setup, teardown),
        cmocka_unit_test_setup_teardown(streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_timeout_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(close_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(docker_over_tcp, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
