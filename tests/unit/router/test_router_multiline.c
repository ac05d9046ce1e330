/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test: the engine in-process with a forward input, the multiline filter in
 * partial_message mode, a file output and the HTTP server. tests/support/fw_send_docker.py sends
 * what Docker's fluentd driver sends: short lines, a 40 KiB line as 16 KiB partials with another
 * container's line between them, and a split line whose last part never comes. The joined
 * record must equal the line, without partial_* keys; the unterminated one must come out after
 * flush_ms through the emitter; then curl reads /api/v1/metrics, /api/v1/health and
 * /api/v1/metrics/prometheus and the counts must equal what was sent and written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <uv.h>

#include "emu/base/diag.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/router.h"
#include "tests/support/test_support.h"

#define SENT 16    /* records fw_send_docker.py sends */
#define WRITTEN 13 /* records the output gets: 10 short, 1 interleaved, 1 joined, 1 flushed */

struct run {
    uv_loop_t loop;
    struct emu_router *r;
    uv_process_t child;
    uv_timer_t poll, deadline;
    char dir[64];
    int port, step, child_running, child_status, timed_out;
};

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_running = 0;
    run->child_status |= (int)status | sig;
    uv_close((uv_handle_t *)p, NULL);
}

static void spawn(struct run *run, char **args)
{
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = args[0], .args = args,
                                .stdio = stdio, .stdio_count = 3};
    run->child.data = run;
    run->child_running = 1;
    assert_int_equal(uv_spawn(&run->loop, &run->child, &opt), 0);
}

/* curl -s -o DIR/OUT http://127.0.0.1:PORT/PATH */
static void curl(struct run *run, const char *path, const char *out)
{
    char url[256], file[256], bin[] = "/usr/bin/curl", s[] = "-s", o[] = "-o";
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", run->port, path);
    snprintf(file, sizeof(file), "%s/%s", run->dir, out);
    char *args[] = {bin, s, o, file, url, NULL};
    spawn(run, args);
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
    if (run->child_running) {
        return;
    }
    switch (run->step) {
    case 0:
        if (emu_router_get_stats(run->r)->records_out < WRITTEN) {
            return;
        }
        curl(run, "/api/v1/metrics", "metrics.json");
        break;
    case 1:
        curl(run, "/api/v1/health", "health.txt");
        break;
    case 2:
        curl(run, "/api/v1/metrics/prometheus", "metrics.prom");
        break;
    default:
        uv_timer_stop(t);
        emu_router_stop(run->r, on_stopped, run);
        return;
    }
    run->step++;
}

static void on_deadline(uv_timer_t *t)
{
    struct run *run = t->data;
    run->timed_out = 1;
    uv_timer_stop(&run->poll);
    emu_router_stop(run->r, on_stopped, run);
}

static char *read_out(const struct run *run, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", run->dir, name);
    char *text = emu_test_read_file(path, NULL);
    unlink(path);
    return text;
}

static uint64_t metric(cJSON *root, const char *kind, const char *name, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, kind), name),
        key);
    if (!cJSON_IsNumber(v)) {
        fail_msg("no metric %s.%s.%s", kind, name, key);
    }
    return (uint64_t)v->valuedouble;
}

static void check_records(const struct run *run)
{
    char *text = read_out(run, "out.log");
    char *long_line = emu_malloc(40961);
    for (int n = 0; n < 1024; n++) {
        snprintf(long_line + n * 40, 41, "%05d:%s", n, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
    }
    int lines = 0, joined = 0, flushed = 0, interleaved = 0;
    for (char *line = text, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        lines++;
        assert_null(strstr(line, "partial_"));
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        const char *log = cJSON_GetObjectItemCaseSensitive(j, "log")->valuestring;
        const char *name = cJSON_GetObjectItemCaseSensitive(j, "container_name")->valuestring;
        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "container_id"));
        if (strlen(log) == 40960) {
            assert_string_equal(log, long_line);
            assert_string_equal(name, "/ecs-myapp-3-app-e8c2a1b2c3d4e5f60708");
            assert_string_equal(j->child->string, "container_id");
            assert_string_equal(cJSON_GetArrayItem(j, 3)->string, "log"); /* content key last */
            joined++;
        }
        else if (strlen(log) == 32768) {
            assert_int_equal(strspn(log, "z"), 32768);
            flushed++;
        }
        interleaved += strcmp(log, "interleaved") == 0;
        cJSON_Delete(j);
    }
    assert_int_equal(lines, WRITTEN);
    assert_int_equal(joined, 1);
    assert_int_equal(flushed, 1);
    assert_int_equal(interleaved, 1);
    emu_free(long_line);
    emu_free(text);
}

static void check_http(const struct run *run)
{
    char *text = read_out(run, "metrics.json");
    cJSON *m = cJSON_Parse(text);
    assert_non_null(m);
    assert_int_equal(metric(m, "input", "forward.0", "records"), SENT);
    assert_true(metric(m, "input", "forward.0", "bytes") > 40960);
    assert_int_equal(metric(m, "input", "emitter_for_multiline.0", "records"), 1);
    assert_int_equal(metric(m, "filter", "multiline.0", "emit_records"), 1);
    /* Each Message-mode record is filtered alone: the parts that complete nothing are drops
     * (two of the joined line, two of the unterminated one); the last part becomes the line. */
    assert_int_equal(metric(m, "filter", "multiline.0", "drop_records"), 4);
    assert_int_equal(metric(m, "output", "file.0", "proc_records"), WRITTEN);
    assert_int_equal(metric(m, "output", "file.0", "errors"), 0);
    assert_int_equal(metric(m, "output", "file.0", "retries_failed"), 0);
    assert_int_equal(metric(m, "output", "file.0", "dropped_records"), 0);
    cJSON_Delete(m);
    emu_free(text);
    text = read_out(run, "health.txt");
    assert_string_equal(text, "ok\n");
    emu_free(text);
    text = read_out(run, "metrics.prom");
    assert_non_null(strstr(text, "# TYPE fluentbit_input_records_total counter\n"));
    assert_non_null(strstr(text, "\nfluentbit_input_records_total{name=\"forward.0\"} 16 "));
    assert_non_null(strstr(text, "\nfluentbit_output_proc_records_total{name=\"file.0\"} 13 "));
    assert_non_null(strstr(text, "\nprocess_start_time_seconds "));
    emu_free(text);
}

static void test_partial_message_and_metrics(void **state)
{
    (void)state;
    struct run run = {0};
    char conf[2048];
    snprintf(run.dir, sizeof(run.dir), "/tmp/emu-router-ml-XXXXXX");
    assert_non_null(mkdtemp(run.dir));
    run.port = emu_test_free_port();
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 1\n    Grace 2\n    HTTP_Server On\n"
             "    HTTP_Listen 127.0.0.1\n    HTTP_Port %d\n    Health_Check On\n\n"
             "[INPUT]\n    Name forward\n    unix_path %s/fluent.sock\n\n"
             "[FILTER]\n    Name multiline\n    Match *\n    multiline.key_content log\n"
             "    mode partial_message\n    flush_ms 500\n\n"
             "[OUTPUT]\n    Name file\n    Match app-firelens*\n    Path %s\n"
             "    File out.log\n    Format plain\n",
             run.port, run.dir, run.dir);
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("ml.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    uv_loop_init(&run.loop);
    run.r = emu_router_new(&run.loop);
    assert_int_equal(emu_router_configure(run.r, cf, &diags), 0);
    assert_int_equal(emu_router_start(run.r), 0);

    char python[] = "/usr/bin/python3", script[1024], sock[256];
    snprintf(script, sizeof(script), "%s",
             emu_test_source_path("tests/support/fw_send_docker.py"));
    snprintf(sock, sizeof(sock), "%s/fluent.sock", run.dir);
    char *args[] = {python, script, sock, NULL};
    spawn(&run, args);
    uv_timer_init(&run.loop, &run.poll);
    uv_timer_init(&run.loop, &run.deadline);
    run.poll.data = run.deadline.data = &run;
    uv_timer_start(&run.poll, on_poll, 50, 50);
    uv_timer_start(&run.deadline, on_deadline, 30000, 0);
    uv_run(&run.loop, UV_RUN_DEFAULT);

    assert_false(run.timed_out);
    assert_int_equal(run.child_status, 0);
    const struct emu_router_stats *s = emu_router_get_stats(run.r);
    assert_int_equal(s->records_out, WRITTEN);
    assert_int_equal(s->records_dropped, 0);
    emu_router_free(run.r);
    assert_int_equal(uv_loop_close(&run.loop), 0);
    check_records(&run);
    check_http(&run);
    rmdir(run.dir);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0 || access("/usr/bin/curl", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partial_message_and_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
