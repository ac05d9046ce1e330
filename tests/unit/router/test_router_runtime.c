/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test: the engine in-process with the exact spec 1.8 FireLens config (socket path and
 * ports moved under a temp dir / free ports, the cloudwatch output swapped for a file output),
 * fed 100,000 Docker-shaped records by tests/support/fw_send.py over the unix socket. Every
 * record must arrive once, carrying the record_modifier keys; a tight Mem_Buf_Limit must pause
 * and resume the input without losing anything. */
#include <errno.h>
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
#include "emu/router/router.h"
#include "tests/support/test_support.h"

#define N_RECORDS 100000

struct run {
    uv_loop_t loop;
    struct emu_router *r;
    uv_process_t child;
    uv_timer_t poll, deadline;
    int child_done, child_status, stopped, timed_out;
};

static void replace(struct emu_buf *b, const char *text, const char *from, const char *to)
{
    const char *hit = strstr(text, from);
    assert_non_null(hit);
    assert_int_equal(emu_buf_append(b, text, (size_t)(hit - text)), 0);
    assert_int_equal(emu_buf_puts(b, to), 0);
    assert_int_equal(emu_buf_puts(b, hit + strlen(from)), 0);
}

/* The spec 1.8 config with local paths; mem_limit replaces "25MB". */
static char *make_config(const char *dir, const char *mem_limit)
{
    char *spec = emu_test_read_file(
        emu_test_source_path("fixtures/router_conf/ok/firelens_awsvpc.conf"), NULL);
    char sock[512], p1[64], p2[64], out[1024];
    snprintf(sock, sizeof(sock), "unix_path %s/fluent.sock", dir);
    snprintf(p1, sizeof(p1), "Port %d", emu_test_free_port());
    snprintf(p2, sizeof(p2), "Port %d", emu_test_free_port());
    snprintf(out, sizeof(out),
             "\n[OUTPUT]\n    Name file\n    Match app-firelens*\n    Path %s\n"
             "    File out.log\n    Format plain\n",
             dir);
    const char *steps[][2] = {{"unix_path /var/run/fluent.sock", sock},
                              {"Port 24224", p1},
                              {"Port 8877", p2},
                              {"Mem_Buf_Limit 25MB", NULL}};
    char mem[64];
    snprintf(mem, sizeof(mem), "Mem_Buf_Limit %s", mem_limit);
    steps[3][1] = mem;
    char *cur = spec;
    for (size_t i = 0; i < 4; i++) {
        struct emu_buf b;
        emu_buf_init(&b, 1u << 20);
        replace(&b, cur, steps[i][0], steps[i][1]);
        emu_free(cur);
        cur = emu_buf_steal(&b);
    }
    /* Swap the cloudwatch OUTPUT (not implemented yet) for a file output. */
    char *cw = strstr(cur, "\n[OUTPUT]\n    Name cloudwatch");
    assert_non_null(cw);
    *cw = '\0';
    struct emu_buf b;
    emu_buf_init(&b, 1u << 20);
    assert_int_equal(emu_buf_puts(&b, cur), 0);
    assert_int_equal(emu_buf_puts(&b, out), 0);
    emu_free(cur);
    return emu_buf_steal(&b);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_done = 1;
    run->child_status = (int)status | sig;
    uv_close((uv_handle_t *)p, NULL);
}

static void on_stopped(struct emu_router *r, void *data)
{
    struct run *run = data;
    (void)r;
    run->stopped = 1;
    uv_close((uv_handle_t *)&run->poll, NULL);
    uv_close((uv_handle_t *)&run->deadline, NULL);
}

static void on_poll(uv_timer_t *t)
{
    struct run *run = t->data;
    const struct emu_router_stats *s = emu_router_get_stats(run->r);
    if (run->child_done && s->records_out >= N_RECORDS) {
        uv_timer_stop(t);
        emu_router_stop(run->r, on_stopped, run);
    }
}

static void on_deadline(uv_timer_t *t)
{
    struct run *run = t->data;
    run->timed_out = 1;
    emu_router_stop(run->r, on_stopped, run);
}

static void check_output(const char *dir)
{
    char path[1024];
    size_t len;
    snprintf(path, sizeof(path), "%s/out.log", dir);
    char *text = emu_test_read_file(path, &len);
    unsigned char *seen = emu_calloc(N_RECORDS, 1);
    size_t lines = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        assert_non_null(strstr(line, "\"ecs_cluster\":\"my-cluster\""));
        assert_non_null(strstr(line, "\"ecs_task_arn\":\"arn:aws:ecs:us-west-2:111122223333:task/"
                                     "my-cluster/0123456789abcdef0123456789abcdef\""));
        assert_non_null(strstr(line, "\"ecs_task_definition\":\"myapp:3\""));
        assert_non_null(
            strstr(line, "\"container_name\":\"/ecs-myapp-3-app-e8c2a1b2c3d4e5f60708\""));
        const char *seq = strstr(line, "\"log\":\"seq=");
        assert_non_null(seq);
        long n = strtol(seq + 11, NULL, 10);
        assert_true(n >= 0 && n < N_RECORDS);
        assert_int_equal(seen[n], 0);
        seen[n] = 1;
        lines++;
        line = nl + 1;
    }
    assert_int_equal(lines, N_RECORDS);
    emu_free(seen);
    emu_free(text);
}

static void run_case(const char *mode, const char *mem_limit, int expect_pause)
{
    char dir[] = "/tmp/emu-router-rt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *conf = make_config(dir, mem_limit);
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    struct run run = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("spec-1.8.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    uv_loop_init(&run.loop);
    run.r = emu_router_new(&run.loop);
    assert_int_equal(emu_router_configure(run.r, cf, &diags), 0);
    assert_int_equal(emu_router_start(run.r), 0);

    char sock[512], count[32];
    snprintf(sock, sizeof(sock), "%s/fluent.sock", dir);
    snprintf(count, sizeof(count), "%d", N_RECORDS);
    char script[1024];
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/fw_send.py"));
    char python[] = "/usr/bin/python3", mode_arg[32];
    snprintf(mode_arg, sizeof(mode_arg), "%s", mode);
    char *args[] = {python, script, sock, count, mode_arg, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = args[0], .args = args,
                                .stdio = stdio, .stdio_count = 3};
    run.child.data = &run;
    assert_int_equal(uv_spawn(&run.loop, &run.child, &opt), 0);
    uv_timer_init(&run.loop, &run.poll);
    uv_timer_init(&run.loop, &run.deadline);
    run.poll.data = run.deadline.data = &run;
    uv_timer_start(&run.poll, on_poll, 100, 100);
    uv_timer_start(&run.deadline, on_deadline, 60000, 0);
    uv_run(&run.loop, UV_RUN_DEFAULT);

    const struct emu_router_stats *s = emu_router_get_stats(run.r);
    assert_false(run.timed_out);
    assert_int_equal(run.child_status, 0);
    assert_int_equal(s->records_in, N_RECORDS);
    assert_int_equal(s->records_out, N_RECORDS);
    assert_int_equal(s->records_dropped, 0);
    if (expect_pause) {
        assert_true(s->pauses > 0);
    }
    emu_router_free(run.r);
    assert_int_equal(uv_loop_close(&run.loop), 0);
    check_output(dir);

    char path[1024];
    snprintf(path, sizeof(path), "%s/out.log", dir);
    unlink(path);
    rmdir(dir);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
    emu_free(conf);
}

static void test_message_mode_spec_config(void **state)
{
    (void)state;
    run_case("message", "25MB", 0);
}

static void test_packed_mode_mem_buf_limit(void **state)
{
    (void)state;
    run_case("packed", "5MB", 1);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_mode_spec_config),
        cmocka_unit_test(test_packed_mode_mem_buf_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
