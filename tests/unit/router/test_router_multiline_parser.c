/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime test of the multiline filter in parser mode: the engine in-process with a forward
 * input, `multiline.parser java, python, multiline-regex-test, block` (the first two built-in,
 * the third a [MULTILINE_PARSER] from a parsers file given the way -R gives it, the fourth from
 * the config's Parsers_File) and a file output. tests/support/fw_send_lines.py sends what
 * Docker's fluentd driver sends for a container writing a Java stack trace, a Python traceback,
 * plain lines and a trace that never ends on another container: each trace must arrive as one
 * record with the first line's keys, the unended one through the emitter after flush_ms. */
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

#define TAG_A "app-firelens-0123456789abcdef0123456789abcdef"
#define TAG_B "side-firelens-0123456789abcdef0123456789abcdef"
#define TAG_C "late-firelens-0123456789abcdef0123456789abcdef"
#define WRITTEN 12

struct run {
    uv_loop_t loop;
    struct emu_router *r;
    uv_process_t child;
    uv_timer_t poll, deadline;
    char dir[64];
    int child_running, child_status, timed_out;
};

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct run *run = p->data;
    run->child_running = 0;
    run->child_status |= (int)status | sig;
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
    if (!run->child_running && emu_router_get_stats(run->r)->records_out >= WRITTEN) {
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

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Appends [tag, name, line] for every line of text to the spec file. */
static void spec_lines(FILE *f, const char *tag, const char *name, const char *text)
{
    for (const char *s = text; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        char *line = emu_strndup(s, n);
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, cJSON_CreateString(tag));
        cJSON_AddItemToArray(a, cJSON_CreateString(name));
        cJSON_AddItemToArray(a, cJSON_CreateString(line));
        char *j = cJSON_PrintUnformatted(a);
        fprintf(f, "%s\n", j);
        cJSON_free(j);
        cJSON_Delete(a);
        emu_free(line);
        s = nl ? nl + 1 : s + n;
    }
}

/* Lines from..to (1-based) of text joined by '\n'. */
static char *lines(const char *text, int from, int to)
{
    const char *s = text;
    for (int i = 1; i < from; i++) {
        s = strchr(s, '\n') + 1;
    }
    const char *e = s;
    for (int i = from; i <= to; i++) {
        e = strchr(e, '\n') + 1;
    }
    return emu_strndup(s, (size_t)(e - s - 1));
}

static void check_records(const struct run *run, const char *java, const char *python)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/out.log", run->dir);
    char *text = emu_test_read_file(path, NULL);
    unlink(path);
    assert_non_null(text);
    struct {
        const char *name;
        char *log;
        int seen;
    } want[WRITTEN] = {
        {"/a", lines(java, 1, 1), 0},   {"/a", lines(java, 2, 8), 0},
        {"/a", lines(java, 9, 9), 0},   {"/a", lines(python, 1, 1), 0},
        {"/a", lines(python, 2, 14), 0}, {"/a", lines(python, 15, 15), 0},
        {"/b", emu_strdup("side-1"), 0},
        {"/b", emu_strdup("Dec 14 06:41:08 started\n    at x\n    at y"), 0},
        {"/b", emu_strdup("side-2"), 0},
        {"/b", emu_strdup("BEGIN 1\n  a\n  b"), 0},
        {"/b", emu_strdup("plain"), 0},
        {"/c", emu_strdup("java.lang.IllegalStateException: never ends\n\tat C.c(C.java:1)"),
         0},
    };
    int n = 0, last_a = -1;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        const char *log = cJSON_GetObjectItemCaseSensitive(j, "log")->valuestring;
        const char *name = cJSON_GetObjectItemCaseSensitive(j, "container_name")->valuestring;
        /* the first line's keys, the content key last */
        assert_string_equal(j->child->string, "container_id");
        assert_string_equal(cJSON_GetArrayItem(j, 3)->string, "log");
        int found = -1;
        for (int i = 0; i < WRITTEN; i++) {
            if (!want[i].seen && strcmp(want[i].log, log) == 0 &&
                strcmp(want[i].name, name) == 0) {
                found = i;
                break;
            }
        }
        if (found < 0) {
            fail_msg("unexpected record %s", line);
            return;
        }
        want[found].seen = 1;
        if (found < 6) { /* one container's records keep their order */
            assert_true(found > last_a);
            last_a = found;
        }
        n++;
        cJSON_Delete(j);
    }
    assert_int_equal(n, WRITTEN);
    for (int i = 0; i < WRITTEN; i++) {
        emu_free(want[i].log);
    }
    emu_free(text);
}

static void test_stack_traces_one_record(void **state)
{
    (void)state;
    struct run run = {0};
    char conf[2048], path[256], r_file[256], spec[256];
    snprintf(run.dir, sizeof(run.dir), "/tmp/emu-router-mlp-XXXXXX");
    assert_non_null(mkdtemp(run.dir));
    snprintf(path, sizeof(path), "%s/conf_parsers.conf", run.dir);
    write_file(path, "[MULTILINE_PARSER]\n    name block\n    type regex\n"
                     "    flush_timeout 5000\n"
                     "    rule \"start_state\" \"/^BEGIN/\" \"body\"\n"
                     "    rule \"body\" \"/^  /\" \"body\"\n");
    snprintf(r_file, sizeof(r_file), "%s/r_parsers.conf", run.dir);
    write_file(r_file, "[MULTILINE_PARSER]\n    name          multiline-regex-test\n"
                       "    type          regex\n    flush_timeout 1000\n"
                       "    rule      \"start_state\"   \"/([a-zA-Z]+ \\d+ \\d+\\:\\d+\\:\\d+)(.*)/\""
                       "  \"cont\"\n"
                       "    rule      \"cont\"          \"/^\\s+at.*/\"   \"cont\"\n");
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 1\n    Grace 2\n    Parsers_File %s\n\n"
             "[INPUT]\n    Name forward\n    unix_path %s/fluent.sock\n\n"
             "[FILTER]\n    Name multiline\n    Match *\n    multiline.key_content log\n"
             "    multiline.parser java, python\n"
             "    multiline.parser multiline-regex-test,block\n    flush_ms 500\n\n"
             "[OUTPUT]\n    Name file\n    Match *\n    Path %s\n"
             "    File out.log\n    Format plain\n",
             path, run.dir, run.dir);
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("ml.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    /* what emu-router's -R adds */
    struct emu_router_section *svc =
        emu_router_config_add_section(cf, EMU_RSEC_SERVICE, "command line", 0);
    assert_non_null(svc);
    assert_int_equal(emu_router_config_add_prop(cf, svc, "Parsers_File", r_file,
                                                "command line", 0),
                     0);

    char *java = emu_test_read_file(emu_test_source_path("fixtures/multiline/java.log"), NULL);
    char *python = emu_test_read_file(emu_test_source_path("fixtures/multiline/python.log"),
                                      NULL);
    snprintf(spec, sizeof(spec), "%s/spec.jsonl", run.dir);
    FILE *f = fopen(spec, "w");
    assert_non_null(f);
    spec_lines(f, TAG_A, "/a", java);
    spec_lines(f, TAG_B, "/b", "side-1\nDec 14 06:41:08 started\n    at x\n");
    spec_lines(f, TAG_A, "/a", python);
    spec_lines(f, TAG_B, "/b", "    at y\nside-2\nBEGIN 1\n  a\n  b\nplain\n");
    spec_lines(f, TAG_C, "/c", "java.lang.IllegalStateException: never ends\n\tat C.c(C.java:1)\n");
    assert_int_equal(fclose(f), 0);

    uv_loop_init(&run.loop);
    run.r = emu_router_new(&run.loop);
    assert_int_equal(emu_router_configure(run.r, cf, &diags), 0);
    assert_int_equal(emu_router_start(run.r), 0);
    char python_bin[] = "/usr/bin/python3", script[1024], sock[256];
    snprintf(script, sizeof(script), "%s", emu_test_source_path("tests/support/fw_send_lines.py"));
    snprintf(sock, sizeof(sock), "%s/fluent.sock", run.dir);
    char *args[] = {python_bin, script, sock, spec, NULL};
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
    check_records(&run, java, python);
    unlink(spec);
    unlink(path);
    unlink(r_file);
    rmdir(run.dir);
    emu_free(java);
    emu_free(python);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

/* An unknown multiline parser name fails the start. */
static void test_unknown_parser(void **state)
{
    (void)state;
    const char conf[] = "[INPUT]\n    Name dummy\n\n"
                        "[FILTER]\n    Name multiline\n    Match *\n"
                        "    multiline.parser java, nope\n\n"
                        "[OUTPUT]\n    Name null\n    Match *\n";
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    struct emu_router_config_env env = {0};
    uv_loop_t loop;
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("u.conf", conf, strlen(conf), &env, &cf,
                                                   &diags),
                     0);
    uv_loop_init(&loop);
    struct emu_router *r = emu_router_new(&loop);
    assert_int_equal(emu_router_configure(r, cf, &diags), 0);
    assert_true(emu_router_start(r) < 0);
    emu_router_free(r);
    assert_int_equal(uv_loop_close(&loop), 0);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stack_traces_one_record),
        cmocka_unit_test(test_unknown_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
