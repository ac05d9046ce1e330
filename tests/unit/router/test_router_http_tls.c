/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test of `tls On` on the http output (libcurl): tests/support/https_sink.py serves
 * HTTPS on 127.0.0.1 with a self-signed certificate; a dummy input's 5 records reach it with
 * tls.verify On and tls.ca_file naming that certificate, and with tls.verify Off; with
 * tls.verify On and the system's CAs the handshake fails and nothing is delivered. tls on an
 * output without libcurl (file) is refused at configure time naming the line. */
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

#include "emu/base/diag.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/router.h"
#include "tests/support/test_support.h"

struct ctx {
    uv_loop_t loop;
    uv_process_t sink;
    uv_timer_t timer;
    char dir[64];
    int port, done, sink_running;
    struct emu_router *r;
};

static void sink_exit(uv_process_t *p, int64_t status, int sig)
{
    struct ctx *c = p->data;
    (void)status;
    (void)sig;
    c->sink_running = 0;
    uv_close((uv_handle_t *)p, NULL);
}

static void stopped(struct emu_router *r, void *data)
{
    struct ctx *c = data;
    (void)r;
    c->done = 1;
}

static void stop_cb(uv_timer_t *t)
{
    struct ctx *c = t->data;
    emu_router_stop(c->r, stopped, c);
}

static void wait_port(struct ctx *c)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/port", c->dir);
    for (int i = 0; i < 400 && c->sink_running; i++) {
        char *text = access(path, R_OK) == 0 ? emu_test_read_file(path, NULL) : NULL;
        if (text) {
            c->port = (int)strtol(text, NULL, 10);
            emu_free(text);
            return;
        }
        uv_run(&c->loop, UV_RUN_NOWAIT);
        usleep(50000);
    }
    fail_msg("https_sink.py did not start");
}

/* Runs a dummy -> http router for 3 s; returns the records delivered. */
static uint64_t deliver(struct ctx *c, const char *tls_lines)
{
    char conf[2048];
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 1\n    Grace 1\n\n"
             "[INPUT]\n    Name dummy\n    Rate 10\n    Samples 5\n\n"
             "[OUTPUT]\n    Name http\n    Match *\n    Host 127.0.0.1\n    Port %d\n"
             "    Format json_lines\n    Retry_Limit no_retries\n    tls On\n%s",
             c->port, tls_lines);
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("t.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    c->r = emu_router_new(&c->loop);
    assert_int_equal(emu_router_configure(c->r, cf, &diags), 0);
    assert_int_equal(emu_router_start(c->r), 0);
    c->done = 0;
    uv_timer_start(&c->timer, stop_cb, 3000, 0);
    while (!c->done) {
        uv_run(&c->loop, UV_RUN_ONCE);
    }
    uint64_t out = emu_router_get_stats(c->r)->records_out;
    emu_router_free(c->r);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
    return out;
}

static int count_in_bodies(const struct ctx *c, const char *needle)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/bodies", c->dir);
    char *text = access(path, R_OK) == 0 ? emu_test_read_file(path, NULL) : NULL;
    int n = 0;
    for (const char *s = text; s && (s = strstr(s, needle)); s++) {
        n++;
    }
    emu_free(text);
    unlink(path);
    return n;
}

static void test_http_tls(void **state)
{
    (void)state;
    struct ctx c = {0};
    snprintf(c.dir, sizeof(c.dir), "/tmp/emu-router-tls-XXXXXX");
    assert_non_null(mkdtemp(c.dir));
    uv_loop_init(&c.loop);
    uv_timer_init(&c.loop, &c.timer);
    c.timer.data = &c;
    char python[] = "/usr/bin/python3", script[1024], secs[] = "60";
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/https_sink.py"));
    char *args[] = {python, script, c.dir, secs, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = sink_exit, .file = python, .args = args,
                                .stdio = stdio, .stdio_count = 3};
    c.sink.data = &c;
    c.sink_running = 1;
    assert_int_equal(uv_spawn(&c.loop, &c.sink, &opt), 0);
    wait_port(&c);

    char lines[512];
    snprintf(lines, sizeof(lines), "    tls.verify On\n    tls.ca_file %s/cert.pem\n", c.dir);
    assert_int_equal(deliver(&c, lines), 5);
    assert_int_equal(count_in_bodies(&c, "\"message\":\"dummy\""), 5);
    assert_int_equal(deliver(&c, "    tls.verify Off\n"), 5);
    assert_int_equal(count_in_bodies(&c, "\"message\":\"dummy\""), 5);
    /* the self-signed certificate is not in the system's store */
    assert_int_equal(deliver(&c, "    tls.verify On\n"), 0);
    assert_int_equal(count_in_bodies(&c, "\"message\":\"dummy\""), 0);

    uv_process_kill(&c.sink, SIGTERM);
    uv_close((uv_handle_t *)&c.timer, NULL);
    while (c.sink_running) {
        uv_run(&c.loop, UV_RUN_ONCE);
    }
    uv_run(&c.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&c.loop), 0);
    char path[128];
    snprintf(path, sizeof(path), "%s/cert.pem", c.dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/key.pem", c.dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/port", c.dir);
    unlink(path);
    rmdir(c.dir);
}

static void test_tls_refused_without_libcurl(void **state)
{
    (void)state;
    const char conf[] = "[INPUT]\n    Name dummy\n\n"
                        "[OUTPUT]\n    Name file\n    Match *\n    tls On\n";
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    uv_loop_t loop;
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("f.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    uv_loop_init(&loop);
    struct emu_router *r = emu_router_new(&loop);
    assert_true(emu_router_configure(r, cf, &diags) < 0);
    assert_int_equal(diags.n, 1);
    assert_string_equal(diags.items[0].where, "f.conf:4");
    assert_non_null(strstr(diags.items[0].message, "tls is not supported by emu-router for "
                                                   "output 'file'"));
    emu_router_free(r);
    assert_int_equal(uv_loop_close(&loop), 0);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0 || access("/usr/bin/openssl", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_tls),
        cmocka_unit_test(test_tls_refused_without_libcurl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
