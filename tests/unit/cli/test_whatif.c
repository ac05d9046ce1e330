/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of `--what-if`: parsing the settings (comma lists, ranges, unknown keys) and the
 * modified copy of a task definition (router memory, the awsfirelens containers' buffer limit
 * and stopTimeout; other containers untouched; a task without a router refused). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_whatif.h"

static int parse(struct emu_cli_whatif *w, const char *a, const char *b)
{
    struct emu_cli_list l = {{a, b}, b ? 2 : 1};
    return emu_cli_whatif_parse("test", &l, w);
}

static void parses_settings(void **state)
{
    (void)state;
    struct emu_cli_whatif w;
    assert_int_equal(parse(&w, "router-memory=512,fluentd-async=false", "storage.type=filesystem"),
                     0);
    assert_true(w.on);
    assert_int_equal(w.router_memory, 512);
    assert_int_equal(w.fluentd_async, 0);
    assert_true(w.storage_fs);
    assert_int_equal(w.app_stop_timeout, -1);
    assert_string_equal(w.buffer_limit, "");
    assert_string_equal(w.text, "router-memory=512, fluentd-async=false, storage.type=filesystem");
    assert_int_equal(parse(&w, "log-driver-buffer-limit=2097152", "app-stop-timeout=0"), 0);
    assert_string_equal(w.buffer_limit, "2097152");
    assert_int_equal(w.app_stop_timeout, 0);
    assert_int_equal(w.fluentd_async, -1);
    struct emu_cli_list none = {{NULL}, 0};
    assert_int_equal(emu_cli_whatif_parse("test", &none, &w), 0);
    assert_false(w.on);
}

static void refuses_bad_settings(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "mem=1", "router-memory=abc", "router-memory=5", "app-stop-timeout=121",
        "fluentd-async=maybe", "storage.type=disk", "log-driver-buffer-limit=-1",
        "router-memory=512,,fluentd-async=true", "router-memory", "=1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct emu_cli_whatif w;
        assert_int_equal(parse(&w, bad[i], NULL), EMU_EUSAGE);
    }
}

static const char TD[] =
    "{\"family\": \"f\", \"containerDefinitions\": ["
    "{\"name\": \"log_router\", \"memoryReservation\": 50, \"memory\": 64,"
    " \"firelensConfiguration\": {\"type\": \"fluentbit\"}},"
    "{\"name\": \"app\", \"logConfiguration\": {\"logDriver\": \"awsfirelens\","
    " \"options\": {\"Name\": \"s3\"}}},"
    "{\"name\": \"side\", \"logConfiguration\": {\"logDriver\": \"awslogs\"}}]}";

static const cJSON *ctr(const cJSON *root, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "containerDefinitions"), i);
}

static double num(const cJSON *c, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void modifies_taskdef(void **state)
{
    (void)state;
    struct emu_cli_whatif w;
    assert_int_equal(parse(&w, "router-memory=512,log-driver-buffer-limit=2097152",
                           "app-stop-timeout=30"), 0);
    char *out = NULL, why[256] = "";
    assert_int_equal(emu_cli_whatif_taskdef(&w, TD, sizeof(TD) - 1, &out, why, sizeof(why)), 0);
    cJSON *root = NULL;
    struct emu_json_error jerr;
    assert_int_equal(emu_json_parse(out, strlen(out), &root, &jerr), 0);
    assert_true(num(ctr(root, 0), "memoryReservation") == 512);
    assert_true(num(ctr(root, 0), "memory") == 512);
    assert_true(num(ctr(root, 0), "stopTimeout") == -1);
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ctr(root, 1), "logConfiguration"), "options");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                            opts, "log-driver-buffer-limit")), "2097152");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(opts, "Name")),
                        "s3");
    assert_true(num(ctr(root, 1), "stopTimeout") == 30);
    assert_true(num(ctr(root, 2), "stopTimeout") == -1);
    assert_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ctr(root, 2), "logConfiguration"), "options"));
    cJSON_Delete(root);
    emu_free(out);
}

static void refuses_what_cannot_apply(void **state)
{
    (void)state;
    static const char no_router[] =
        "{\"containerDefinitions\": [{\"name\": \"app\", \"logConfiguration\": "
        "{\"logDriver\": \"awslogs\"}}]}";
    struct emu_cli_whatif w;
    char *out = NULL, why[256] = "";
    assert_int_equal(parse(&w, "router-memory=100", NULL), 0);
    assert_int_equal(emu_cli_whatif_taskdef(&w, no_router, sizeof(no_router) - 1, &out, why,
                                            sizeof(why)), -EINVAL);
    assert_null(out);
    assert_non_null(strstr(why, "no FireLens log router"));
    assert_int_equal(parse(&w, "app-stop-timeout=10", NULL), 0);
    assert_int_equal(emu_cli_whatif_taskdef(&w, no_router, sizeof(no_router) - 1, &out, why,
                                            sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "awsfirelens"));
    assert_true(emu_cli_whatif_taskdef(&w, "{nope", 5, &out, why, sizeof(why)) < 0);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_settings),
        cmocka_unit_test(refuses_bad_settings),
        cmocka_unit_test(modifies_taskdef),
        cmocka_unit_test(refuses_what_cannot_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
