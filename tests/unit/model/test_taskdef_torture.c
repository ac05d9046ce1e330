/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation-failure torture of the task-definition parser (taskdef_parse*.c), its export
 * (render --what taskdef) and the plan: every seed and golden task definition, each in the
 * form it comes in, with its Nth allocation failing for every N until it parses: -ENOMEM, no
 * invented diagnostic (never a made-up JSON syntax error), no task definition, nothing
 * leaked. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/model/model.h"
#include "emu/model/render.h"
#include "tests/support/test_support.h"

/* The diagnostics of the run without failures, to tell an invented one from a real one. */
static char clean_diags[64][512];
static size_t n_clean;

static const char *invented(const struct emu_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const char *m = d->items[i].message;
        bool known = strstr(m, "out of memory") != NULL;
        for (size_t k = 0; k < n_clean && !known; k++) {
            known = strncmp(clean_diags[k], m, sizeof(clean_diags[k]) - 1) == 0;
        }
        if (!known) {
            return m;
        }
    }
    return NULL;
}

static void record_clean(const char *json, size_t len)
{
    struct emu_diags d;
    emu_diags_init(&d);
    struct emu_taskdef *td = NULL;
    assert_int_equal(emu_taskdef_parse(json, len, NULL, &td, &d), 0);
    n_clean = 0;
    for (size_t i = 0; i < d.n && n_clean < 64; i++) {
        snprintf(clean_diags[n_clean++], sizeof(clean_diags[0]), "%s", d.items[i].message);
    }
    emu_taskdef_free(td);
    emu_diags_done(&d);
}

/* Parses, exports and plans json with allocation n failing; true once it all succeeded. On
 * -ENOMEM from the parser every diagnostic is "out of memory" or one the input really has. */
static bool attempt(const char *label, const char *json, size_t len, long n)
{
    long start = emu_mem_outstanding();
    struct emu_diags d;
    emu_diags_init(&d);
    struct emu_taskdef *td = NULL;
    cJSON *out = NULL;
    struct emu_arena arena;
    emu_arena_init(&arena, 0);
    emu_mem_fail_after(n);
    int r = emu_taskdef_parse(json, len, NULL, &td, &d);
    int stage = 0;
    if (r == 0) {
        stage = 1;
        r = emu_taskdef_export(json, len, NULL, &out);
    }
    if (r == 0) {
        stage = 2;
        struct emu_render_ctx ctx;
        emu_render_ctx_init(&ctx);
        ctx.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/default/"
                       "0123456789abcdef0123456789abcdef";
        ctx.task_id = "0123456789abcdef0123456789abcdef";
        struct emu_task_plan plan;
        r = emu_render_task_plan(td, &ctx, &arena, &plan, &d);
    }
    emu_mem_fail_after(0);
    if (r != 0 && r != EMU_ENOMEM) {
        fail_msg("%s: allocation %ld failing gave %s at stage %d", label, n, emu_strerror(r),
                 stage);
    }
    if (r != 0 && stage == 0) {
        assert_null(td);
        const char *bad = invented(&d);
        if (bad) {
            fail_msg("%s: allocation %ld failing invented a diagnostic: %s", label, n, bad);
        }
    }
    cJSON_Delete(out);
    emu_taskdef_free(td);
    emu_arena_done(&arena);
    emu_diags_done(&d);
    if (emu_mem_outstanding() != start) {
        fail_msg("%s: allocation %ld failing leaked %ld allocations", label, n,
                 emu_mem_outstanding() - start);
    }
    return r == 0;
}

static void torture_file(const char *path)
{
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(emu_file_read(path, EMU_JSON_MAX_INPUT, &json, &len), 0);
    record_clean(json, len);
    long n = 1;
    while (!attempt(path, json, len, n)) {
        n++;
        assert_true(n < 1000000);
    }
    emu_free(json);
    assert_true(n > 1);
    print_message("%s: %ld allocation failure points\n", strrchr(path, '/') + 1, n - 1);
}

static void test_seed_taskdefs(void **state)
{
    (void)state;
    const char *dir = emu_test_source_path("fixtures/seed");
    char d_copy[4096];
    snprintf(d_copy, sizeof(d_copy), "%s", dir);
    DIR *d = opendir(d_copy);
    assert_non_null(d);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            char path[8192];
            snprintf(path, sizeof(path), "%s/%s", d_copy, e->d_name);
            torture_file(path);
            count++;
        }
    }
    closedir(d);
    assert_true(count >= 1);
}

/* The bare containerDefinitions array (Terraform's form) and the describe form. */
static void test_other_forms(void **state)
{
    (void)state;
    static const char bare[] =
        "[{\"name\":\"app\",\"image\":\"busybox\",\"essential\":\"true\",\"memory\":\"128\","
        "\"portMappings\":[{\"containerPort\":\"80\"}],\"environment\":[{\"name\":\"A\","
        "\"value\":\"1\"}],\"secrets\":[{\"name\":\"S\",\"valueFrom\":\"arn:aws:ssm:us-east-1:"
        "1:parameter/x\"}],\"logConfiguration\":{\"logDriver\":\"awsfirelens\",\"options\":"
        "{\"Name\":\"s3\",\"bucket\":\"b\"}},\"dependsOn\":[{\"containerName\":\"r\","
        "\"condition\":\"START\"}]},{\"name\":\"r\",\"image\":\"fb\",\"firelensConfiguration\":"
        "{\"type\":\"fluentbit\",\"options\":{\"enable-ecs-log-metadata\":\"true\"}}}]";
    static const char describe[] =
        "{\"taskDefinition\":{\"family\":\"f\",\"revision\":3,\"networkMode\":\"awsvpc\","
        "\"cpu\":\"256\",\"memory\":\"512\",\"status\":\"ACTIVE\",\"containerDefinitions\":"
        "[{\"name\":\"a\",\"image\":\"i\",\"essential\":true,\"healthCheck\":{\"command\":"
        "[\"CMD\",\"true\"],\"interval\":5}}]}}";
    for (int f = 0; f < 2; f++) {
        const char *json = f ? describe : bare;
        record_clean(json, strlen(json));
        long n = 1;
        while (!attempt(f ? "describe form" : "bare array", json, strlen(json), n)) {
            n++;
            assert_true(n < 1000000);
        }
        assert_true(n > 1);
    }
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_taskdefs),
        cmocka_unit_test(test_other_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
