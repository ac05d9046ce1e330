/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime tests of out_forward and out_http on one loop. forward: router A's forward output
 * (Require_ack_response) sends to router B's forward input (which acks chunks); B starts late,
 * so A's first flushes fail and are retried; B's file output must hold every record once.
 * http: json_lines with Header and header_tag, and msgpack, to a scripted endpoint that answers
 * the first request with 503; every record arrives once in each format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/mp.h"
#include "emu/router/router.h"
#include "shims/common/http.h"
#include "tests/support/test_support.h"

#define N_RECORDS 40000

struct run {
    uv_loop_t loop;
    struct emu_router *a, *b;
    struct emu_router_config *cfa, *cfb;
    uv_process_t child;
    uv_timer_t poll, late;
    int child_done, child_status, stopped;
};

struct sink {
    struct shim_http_server *srv;
    int fail_left, requests, bad_headers;
    unsigned char *seen_json, *seen_mp;
    int dups;
};

static struct emu_router *make_router(uv_loop_t *loop, const char *conf,
                                      struct emu_router_config **ret_cf)
{
    struct emu_diags diags;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("t.conf", conf, strlen(conf), &env, ret_cf,
                                                   &diags),
                     0);
    struct emu_router *r = emu_router_new(loop);
    assert_int_equal(emu_router_configure(r, *ret_cf, &diags), 0);
    emu_diags_done(&diags);
    return r;
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_done = 1;
    run->child_status = (int)status | sig;
    uv_close((uv_handle_t *)p, NULL);
}

static void stopped_cb(struct emu_router *r, void *data)
{
    struct run *run = data;
    (void)r;
    run->stopped++;
}

static void on_poll(uv_timer_t *t)
{
    struct run *run = t->data;
    const struct emu_router_stats *sa = emu_router_get_stats(run->a);
    const struct emu_router_stats *sb = run->b ? emu_router_get_stats(run->b) : NULL;
    if (run->child_done && sa->records_out >= N_RECORDS && (!sb || sb->records_out >= N_RECORDS)) {
        uv_timer_stop(t);
        emu_router_stop(run->a, stopped_cb, run);
        if (run->b) {
            emu_router_stop(run->b, stopped_cb, run);
        }
    }
}

static void late_start(uv_timer_t *t)
{
    struct run *run = t->data;
    assert_int_equal(emu_router_start(run->b), 0);
}

static void send_and_wait(struct run *run, const char *dir, int routers)
{
    char python[] = "/usr/bin/python3", script[1024], sock[600], count[32], mode[] = "message";
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/fw_send.py"));
    snprintf(sock, sizeof(sock), "%s/a.sock", dir);
    snprintf(count, sizeof(count), "%d", N_RECORDS);
    char *args[] = {python, script, sock, count, mode, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = python, .args = args,
                                .stdio = stdio, .stdio_count = 3};
    run->child.data = run;
    assert_int_equal(uv_spawn(&run->loop, &run->child, &opt), 0);
    uv_timer_init(&run->loop, &run->poll);
    run->poll.data = run;
    uv_timer_start(&run->poll, on_poll, 100, 100);
    for (int i = 0; i < 200000 && run->stopped < routers; i++) {
        uv_run(&run->loop, UV_RUN_ONCE);
    }
    assert_int_equal(run->stopped, routers);
    uv_close((uv_handle_t *)&run->poll, NULL);
}

static void test_forward_to_aggregator_with_acks(void **state)
{
    (void)state;
    char dir[] = "/tmp/emu-router-fwd-XXXXXX", ca[2048], cb[2048], path[700];
    struct run run = {0};
    assert_non_null(mkdtemp(dir));
    int port = emu_test_free_port();
    snprintf(ca, sizeof(ca),
             "[SERVICE]\n    Flush 1\n    Grace 10\n    scheduler.base 1\n    scheduler.cap 2\n"
             "[INPUT]\n    Name forward\n    unix_path %s/a.sock\n"
             "[OUTPUT]\n    Name forward\n    Match *\n    Host 127.0.0.1\n    Port %d\n"
             "    Require_ack_response true\n    Retry_Limit no_limits\n",
             dir, port);
    snprintf(cb, sizeof(cb),
             "[SERVICE]\n    Flush 1\n    Grace 10\n"
             "[INPUT]\n    Name forward\n    Listen 127.0.0.1\n    Port %d\n"
             "[OUTPUT]\n    Name file\n    Match *\n    Path %s\n    File out.log\n"
             "    Format plain\n",
             port, dir);
    uv_loop_init(&run.loop);
    run.a = make_router(&run.loop, ca, &run.cfa);
    run.b = make_router(&run.loop, cb, &run.cfb);
    assert_int_equal(emu_router_start(run.a), 0);
    uv_timer_init(&run.loop, &run.late);
    run.late.data = &run;
    uv_timer_start(&run.late, late_start, 1500, 0);
    send_and_wait(&run, dir, 2);
    const struct emu_router_stats *sa = emu_router_get_stats(run.a);
    assert_true(sa->retries > 0);
    assert_int_equal(sa->records_dropped, 0);
    uv_close((uv_handle_t *)&run.late, NULL);
    emu_router_free(run.a);
    emu_router_free(run.b);
    uv_run(&run.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&run.loop), 0);

    snprintf(path, sizeof(path), "%s/out.log", dir);
    char *text = emu_test_read_file(path, NULL);
    unsigned char *seen = emu_calloc(N_RECORDS, 1);
    size_t lines = 0;
    for (char *l = text; *l;) {
        char *nl = strchr(l, '\n');
        assert_non_null(nl);
        *nl = '\0'; /* strstr within the line (ASan's strstr measures the whole string) */
        const char *seq = strstr(l, "seq=");
        assert_non_null(seq);
        long k = strtol(seq + 4, NULL, 10);
        assert_int_equal(seen[k], 0);
        seen[k] = 1;
        lines++;
        l = nl + 1;
    }
    assert_int_equal(lines, N_RECORDS);
    emu_free(seen);
    emu_free(text);
    unlink(path);
    rmdir(dir);
    emu_router_config_free(run.cfa);
    emu_router_config_free(run.cfb);
}

static void count_json(struct sink *s, const struct emu_buf *body)
{
    for (char *l = body->data; l && *l;) {
        char *nl = strchr(l, '\n');
        assert_non_null(nl);
        *nl = '\0';
        const char *seq = strstr(l, "seq=");
        assert_non_null(seq);
        assert_true(strncmp(l, "{\"date\":", 8) == 0);
        long k = strtol(seq + 4, NULL, 10);
        s->dups += s->seen_json[k];
        s->seen_json[k] = 1;
        l = nl + 1;
    }
}

static const char *find_seq(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if (memcmp(p + i, "seq=", 4) == 0) {
            return (const char *)p + i;
        }
    }
    return NULL;
}

static void count_mp(struct sink *s, const struct emu_buf *body)
{
    struct emu_mp m = {.p = (const uint8_t *)body->data, .len = body->len};
    while (m.off < m.len) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rl;
        assert_int_equal(emu_mp_read_event(&m, &sec, &nsec, &rec, &rl), 0);
        const char *seq = find_seq(rec, rl);
        assert_non_null(seq);
        long k = strtol(seq + 4, NULL, 10);
        s->dups += s->seen_mp[k];
        s->seen_mp[k] = 1;
    }
}

static void sink_body(struct shim_request *req)
{
    struct sink *s = shim_request_data(req);
    const char *path = shim_request_raw_path(req);
    s->requests++;
    if (s->fail_left > 0 && strcmp(path, "/ingest") == 0) {
        s->fail_left--;
        shim_respond_empty(req, 503);
        return;
    }
    const char *ct = shim_request_header(req, "Content-Type");
    if (strcmp(path, "/ingest") == 0) {
        const char *x = shim_request_header(req, "X-Test");
        const char *tag = shim_request_header(req, "X-Tag");
        if (!x || strcmp(x, "one two") != 0 || !tag ||
            strcmp(tag, "app-firelens-0123456789abcdef0123456789abcdef") != 0 || !ct ||
            strcmp(ct, "application/x-ndjson") != 0) {
            s->bad_headers++;
        }
        count_json(s, shim_request_body(req));
    }
    else {
        if (!ct || strcmp(ct, "application/msgpack") != 0) {
            s->bad_headers++;
        }
        count_mp(s, shim_request_body(req));
    }
    shim_respond_empty(req, 200);
}

static void sink_request(struct shim_request *req, void *ctx)
{
    shim_request_set_data(req, ctx, NULL);
    shim_request_buffer_body(req, 32u << 20, sink_body);
}

static void test_http_json_lines_and_msgpack(void **state)
{
    (void)state;
    char dir[] = "/tmp/emu-router-http-XXXXXX", conf[2048];
    struct run run = {0};
    struct sink s = {.fail_left = 1};
    assert_non_null(mkdtemp(dir));
    uv_loop_init(&run.loop);
    s.seen_json = emu_calloc(N_RECORDS, 1);
    s.seen_mp = emu_calloc(N_RECORDS, 1);
    struct shim_http_config hc = {.name = "sink", .on_request = sink_request, .ctx = &s};
    assert_int_equal(shim_http_start(&run.loop, &hc, &s.srv), 0);
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 1\n    Grace 10\n    scheduler.base 1\n    scheduler.cap 2\n"
             "[INPUT]\n    Name forward\n    unix_path %s/a.sock\n"
             "[OUTPUT]\n    Name http\n    Match *\n    Host 127.0.0.1\n    Port %u\n"
             "    URI /ingest\n    Format json_lines\n    json_date_format iso8601\n"
             "    Header X-Test one two\n    header_tag X-Tag\n    Retry_Limit 3\n"
             "[OUTPUT]\n    Name http\n    Match *\n    Host 127.0.0.1\n    Port %u\n"
             "    URI /mp\n",
             dir, shim_http_port(s.srv), shim_http_port(s.srv));
    run.a = make_router(&run.loop, conf, &run.cfa);
    assert_int_equal(emu_router_start(run.a), 0);
    send_and_wait(&run, dir, 1);
    const struct emu_router_stats *sa = emu_router_get_stats(run.a);
    assert_int_equal(sa->records_out, 2 * N_RECORDS);
    assert_true(sa->retries > 0);
    emu_router_free(run.a);
    shim_http_stop(s.srv);
    uv_run(&run.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&run.loop), 0);
    size_t nj = 0, nm = 0;
    for (size_t i = 0; i < N_RECORDS; i++) {
        nj += s.seen_json[i];
        nm += s.seen_mp[i];
    }
    assert_int_equal(nj, N_RECORDS);
    assert_int_equal(nm, N_RECORDS);
    assert_int_equal(s.dups, 0);
    assert_int_equal(s.bad_headers, 0);
    emu_free(s.seen_json);
    emu_free(s.seen_mp);
    emu_router_config_free(run.cfa);
    rmdir(dir);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_to_aggregator_with_acks),
        cmocka_unit_test(test_http_json_lines_and_msgpack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
