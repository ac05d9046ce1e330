/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test of the monitoring server: the engine in-process with a dummy input, a file output
 * that cannot open its file (so it retries, then gives up) and Health_Check with
 * HC_Retry_Failure_Count 0; tests/support/http_probe.py checks pipelining, keep-alive, HEAD,
 * 400/404/405/411/413/431, HTTP/1.0, that health turns from "ok" to 500 "error", and the
 * output's retry counters in /api/v1/metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "emu/base/diag.h"
#include "emu/router/config.h"
#include "emu/router/router.h"
#include "tests/support/test_support.h"

struct run {
    uv_loop_t loop;
    struct emu_router *r;
    uv_process_t child;
    uv_timer_t deadline;
    int child_status, timed_out;
};

static void on_stopped(struct emu_router *r, void *data)
{
    struct run *run = data;
    (void)r;
    uv_close((uv_handle_t *)&run->deadline, NULL);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_status = (int)status | sig;
    uv_close((uv_handle_t *)p, NULL);
    uv_timer_stop(&run->deadline);
    emu_router_stop(run->r, on_stopped, run);
}

static void on_deadline(uv_timer_t *t)
{
    struct run *run = t->data;
    run->timed_out = 1;
    uv_process_kill(&run->child, SIGKILL);
}

static void test_monitoring_server(void **state)
{
    (void)state;
    struct run run = {0};
    char conf[1024], port_arg[16];
    int port = emu_test_free_port();
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 1\n    Grace 1\n    HTTP_Server On\n"
             "    HTTP_Listen 127.0.0.1\n    HTTP_Port %d\n    Health_Check On\n"
             "    HC_Retry_Failure_Count 0\n    HC_Period 60\n    scheduler.base 1\n"
             "    scheduler.cap 1\n\n[INPUT]\n    Name dummy\n    Tag t\n\n"
             "[OUTPUT]\n    Name file\n    Match *\n    Path /nonexistent-emu-router-dir\n"
             "    Retry_Limit 1\n",
             port);
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("hs.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    uv_loop_init(&run.loop);
    run.r = emu_router_new(&run.loop);
    assert_int_equal(emu_router_configure(run.r, cf, &diags), 0);
    assert_int_equal(emu_router_start(run.r), 0);

    char python[] = "/usr/bin/python3", script[1024];
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/http_probe.py"));
    snprintf(port_arg, sizeof(port_arg), "%d", port);
    char *args[] = {python, script, port_arg, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = args[0], .args = args,
                                .stdio = stdio, .stdio_count = 3};
    run.child.data = &run;
    assert_int_equal(uv_spawn(&run.loop, &run.child, &opt), 0);
    uv_timer_init(&run.loop, &run.deadline);
    run.deadline.data = &run;
    uv_timer_start(&run.deadline, on_deadline, 40000, 0);
    uv_run(&run.loop, UV_RUN_DEFAULT);

    assert_false(run.timed_out);
    assert_int_equal(run.child_status, 0);
    emu_router_free(run.r);
    assert_int_equal(uv_loop_close(&run.loop), 0);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monitoring_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
