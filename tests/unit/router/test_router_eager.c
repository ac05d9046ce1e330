/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test of the engine's eager dispatch: with Flush 60 and no Mem_Buf_Limit, records that
 * arrive faster than Flush must not pile up until the tick. tests/support/fw_send.py sends
 * 300,000 Docker-shaped records (about 80 MB of msgpack) to a forward input with a null output;
 * once more than EMU_ROUTER_EAGER_BYTES of full chunks wait, they are dispatched at once, so
 * most records reach the output long before the 60 s tick, and the input's memory in use stays
 * near the threshold instead of holding everything. */
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
#include "emu/router/config.h"
#include "emu/router/router.h"
#include "tests/support/test_support.h"

#define SENT 300000

struct run {
    uv_loop_t loop;
    struct emu_router *r;
    uv_process_t child;
    uv_timer_t poll, deadline;
    int child_running, child_status, timed_out;
    uint64_t out_when_sent;
};

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_running = 0;
    run->child_status |= (int)status | sig;
    run->out_when_sent = emu_router_get_stats(run->r)->records_out;
    uv_close((uv_handle_t *)p, NULL);
}

static void on_stopped(struct emu_router *r, void *data)
{
    struct run *run = data;
    (void)r;
    uv_close((uv_handle_t *)&run->poll, NULL);
    uv_close((uv_handle_t *)&run->deadline, NULL);
}

static void on_poll(uv_timer_t *t)
{
    struct run *run = t->data;
    if (!run->child_running) {
        uv_timer_stop(t);
        uv_timer_stop(&run->deadline);
        emu_router_stop(run->r, on_stopped, run);
    }
}

static void on_deadline(uv_timer_t *t)
{
    struct run *run = t->data;
    run->timed_out = 1;
    uv_timer_stop(&run->poll);
    emu_router_stop(run->r, on_stopped, run);
}

static void test_full_chunks_go_before_the_tick(void **state)
{
    (void)state;
    struct run run = {0};
    char dir[64] = "/tmp/emu-router-eager-XXXXXX", conf[1024], sock[256], count[16];
    assert_non_null(mkdtemp(dir));
    snprintf(sock, sizeof(sock), "%s/fluent.sock", dir);
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 60\n    Grace 5\n\n"
             "[INPUT]\n    Name forward\n    unix_path %s\n\n"
             "[OUTPUT]\n    Name null\n    Match *\n",
             sock);
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("e.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    uv_loop_init(&run.loop);
    run.r = emu_router_new(&run.loop);
    assert_int_equal(emu_router_configure(run.r, cf, &diags), 0);
    assert_int_equal(emu_router_start(run.r), 0);
    char python[] = "/usr/bin/python3", script[1024], mode[] = "packed";
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/fw_send.py"));
    snprintf(count, sizeof(count), "%d", SENT);
    char *args[] = {python, script, sock, count, mode, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = args[0], .args = args,
                                .stdio = stdio, .stdio_count = 3};
    run.child.data = &run;
    run.child_running = 1;
    assert_int_equal(uv_spawn(&run.loop, &run.child, &opt), 0);
    uv_timer_init(&run.loop, &run.poll);
    uv_timer_init(&run.loop, &run.deadline);
    run.poll.data = run.deadline.data = &run;
    uv_timer_start(&run.poll, on_poll, 20, 20);
    uv_timer_start(&run.deadline, on_deadline, 45000, 0); /* before the 60 s tick */
    uv_run(&run.loop, UV_RUN_DEFAULT);

    assert_false(run.timed_out);
    assert_int_equal(run.child_status, 0);
    /* Everything read was handed over before the tick but the chunks still filling (one per
     * tag, under 2 MB each) and the last sealed ones under the threshold (32 MB). */
    fprintf(stderr, "records out when the sender finished: %llu of %d\n",
            (unsigned long long)run.out_when_sent, SENT);
    assert_true(run.out_when_sent >= SENT / 2);
    const struct emu_router_stats *s = emu_router_get_stats(run.r);
    assert_int_equal(s->records_out, SENT); /* the stop flushed the rest */
    assert_int_equal(s->records_dropped, 0);
    emu_router_free(run.r);
    assert_int_equal(uv_loop_close(&run.loop), 0);
    unlink(sock);
    rmdir(dir);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_chunks_go_before_the_tick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
