/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the classic config parser and the option tables: every fixture under
 * fixtures/router_conf/ok parses, every one under err fails with its "# expect:" line:message. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/plugin.h"
#include "emu/router/router.h"
#include "emu/router/router_internal.h"
#include "tests/support/test_support.h"

static const char *const test_env[] = {"EMU_TEST_FLUSH=1", "HOME=/root", NULL};

static struct emu_router_config_env env(void)
{
    static char root[4096];
    snprintf(root, sizeof(root), "%s", emu_test_source_path("fixtures/router_conf/root"));
    return (struct emu_router_config_env){.envp = test_env, .root = root};
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        if (strncasecmp(hay, needle, n) == 0) {
            return 1;
        }
    }
    return n == 0;
}

static int is_conf(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static void test_ok_fixtures(void **state)
{
    (void)state;
    char dir[4096], path[8192];
    snprintf(dir, sizeof(dir), "%s", emu_test_source_path("fixtures/router_conf/ok"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    struct emu_router_config_env ev = env();
    while ((e = readdir(d))) {
        if (!is_conf(e->d_name)) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct emu_diags diags;
        struct emu_router_config *cf = NULL;
        emu_diags_init(&diags);
        int r = emu_router_config_load(path, &ev, &cf, &diags);
        if (r < 0) {
            fail_msg("%s: %s: %s", e->d_name, diags.n ? diags.items[0].where : "",
                     diags.n ? diags.items[0].message : "");
        }
        assert_true(cf->n_sections > 0);
        emu_router_config_free(cf);
        emu_diags_done(&diags);
        n++;
    }
    closedir(d);
    assert_true(n >= 8);
}

static void check_err(const char *dir, const char *name)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    size_t len;
    char *text = emu_test_read_file(path, &len);
    unsigned line = 0;
    char expect[256] = "";
    assert_int_equal(sscanf(text, "# expect: %u: %255[^\n]", &line, expect), 2);
    emu_free(text);

    struct emu_router_config_env ev = env();
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    emu_diags_init(&diags);
    int r = emu_router_config_load(path, &ev, &cf, &diags);
    if (r == 0) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        struct emu_router *rt = emu_router_new(&loop);
        r = emu_router_configure(rt, cf, &diags);
        emu_router_free(rt);
        uv_loop_close(&loop);
    }
    if (r >= 0 || diags.n == 0) {
        fail_msg("%s: expected an error", name);
    }
    char want_where[64];
    snprintf(want_where, sizeof(want_where), ":%u", line);
    const char *where = diags.items[0].where;
    size_t wl = strlen(where), ww = strlen(want_where);
    if (wl < ww || strcmp(where + wl - ww, want_where) != 0 ||
        !contains_nocase(diags.items[0].message, expect)) {
        fail_msg("%s: got '%s: %s', want line %u and '%s'", name, where,
                 diags.items[0].message, line, expect);
    }
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

static void test_err_fixtures(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", emu_test_source_path("fixtures/router_conf/err"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (is_conf(e->d_name)) {
            check_err(dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    assert_true(n >= 15);
}

static void test_features_values(void **state)
{
    (void)state;
    struct emu_router_config_env ev = env();
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load(
                         emu_test_source_path("fixtures/router_conf/ok/features.conf"), &ev,
                         &cf, &diags),
                     0);
    assert_int_equal(cf->n_sections, 4);
    assert_int_equal(cf->sections[0].kind, EMU_RSEC_SERVICE);
    assert_string_equal(emu_router_section_get(&cf->sections[0], "flush"), "1");
    assert_string_equal(emu_router_section_get(&cf->sections[0], "LOG_LEVEL"), "debug");
    assert_int_equal(cf->sections[1].kind, EMU_RSEC_INPUT);
    assert_string_equal(emu_router_section_get(&cf->sections[1], "dummy"),
                        "{\"log\": \"hello world\"}");
    assert_int_equal(cf->sections[2].kind, EMU_RSEC_FILTER);
    assert_string_equal(emu_router_section_get(&cf->sections[2], "Record"),
                        "greeting hello there");
    assert_string_equal(emu_router_section_get(&cf->sections[3], "Match"), "app-*");

    uv_loop_t loop;
    uv_loop_init(&loop);
    struct emu_router *rt = emu_router_new(&loop);
    assert_int_equal(emu_router_configure(rt, cf, &diags), 0);
    const struct emu_router_service *svc = emu_router_get_service(rt);
    assert_true(svc->flush == 1.0);
    assert_int_equal(svc->grace, 2);
    assert_int_equal(svc->http_port, 2020);
    assert_int_equal(svc->storage_backlog_mem_limit, 5000000);
    emu_router_free(rt);
    uv_loop_close(&loop);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

static void test_spec_config_values(void **state)
{
    (void)state;
    struct emu_router_config_env ev = env();
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load(
                         emu_test_source_path("fixtures/router_conf/ok/firelens_awsvpc.conf"),
                         &ev, &cf, &diags),
                     0);
    assert_int_equal(cf->n_sections, 6);
    assert_string_equal(emu_router_section_get(&cf->sections[0], "Mem_Buf_Limit"), "25MB");
    assert_string_equal(emu_router_section_get(&cf->sections[0], "unix_path"),
                        "/var/run/fluent.sock");
    assert_int_equal(cf->sections[3].n_props, 5);
    assert_string_equal(cf->sections[3].props[4].value, "ecs_task_definition myapp:3");
    assert_int_equal(cf->sections[3].props[4].line, 23);
    emu_router_config_free(cf);

    /* The seed's image config includes the FireLens config from the image root. */
    assert_int_equal(emu_router_config_load(
                         emu_test_source_path("fixtures/router_conf/ok/seed_s3.conf"), &ev, &cf,
                         &diags),
                     0);
    assert_int_equal(cf->n_sections, 8);
    assert_int_equal(cf->sections[7].kind, EMU_RSEC_OUTPUT);
    assert_string_equal(emu_router_section_get(&cf->sections[7], "s3_key_format"),
                        "/$TAG[2]/$TAG[0]/%Y/%m/%d/%H/%M/%S/$UUID.gz");
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

static void test_units(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(emu_router_parse_size("25MB", &v), 0);
    assert_int_equal(v, 25000000);
    assert_int_equal(emu_router_parse_size("5M", &v), 0);
    assert_int_equal(v, 5000000);
    assert_int_equal(emu_router_parse_size("32k", &v), 0);
    assert_int_equal(v, 32000);
    assert_int_equal(emu_router_parse_size("1G", &v), 0);
    assert_int_equal(v, 1000000000);
    assert_int_equal(emu_router_parse_size("6144000", &v), 0);
    assert_int_equal(v, 6144000);
    assert_int_equal(emu_router_parse_size("1X", &v), -EINVAL);
    assert_int_equal(emu_router_parse_size("-1", &v), -EINVAL);
    assert_int_equal(emu_router_parse_time("1m", &v), 0);
    assert_int_equal(v, 60);
    assert_int_equal(emu_router_parse_time("10s", &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(emu_router_parse_time("2h", &v), 0);
    assert_int_equal(v, 7200);
    assert_int_equal(emu_router_parse_time("10", &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(emu_router_parse_time("1w", &v), -EINVAL);
    assert_int_equal(emu_router_parse_bool("On"), 1);
    assert_int_equal(emu_router_parse_bool("yes"), 1);
    assert_int_equal(emu_router_parse_bool("false"), 0);
    assert_int_equal(emu_router_parse_bool("1"), -EINVAL);
}

static void test_match(void **state)
{
    (void)state;
    const char *t = "app-firelens-0123456789abcdef";
    assert_true(emu_router_match_tag("*", t, strlen(t)));
    assert_true(emu_router_match_tag("app-firelens*", t, strlen(t)));
    assert_true(emu_router_match_tag("app-*-0123*", t, strlen(t)));
    assert_false(emu_router_match_tag("App-firelens*", t, strlen(t)));
    assert_false(emu_router_match_tag("firelens-healthcheck", t, strlen(t)));
    assert_true(emu_router_match_tag("firelens-healthcheck", "firelens-healthcheck", 20));
    assert_false(emu_router_match_tag("firelens-healthcheck", "firelens-healthcheck2", 21));
    OnigRegex re;
    assert_int_equal(emu__router_regex_new("^app-(fire|water)lens", &re), 0);
    assert_true(emu__router_match(NULL, re, t, strlen(t)));
    assert_false(emu__router_match(NULL, re, "x-app-firelens", 14));
    onig_free(re);
}

static void test_buffer_errors(void **state)
{
    (void)state;
    struct emu_router_config_env ev = {.no_include = 1};
    struct emu_diags diags;
    struct emu_router_config *cf = NULL;
    emu_diags_init(&diags);
    const char *text = "[INPUT]\n    Name dummy\n@INCLUDE x.conf\n";
    assert_int_equal(emu_router_config_load_buffer("mem.conf", text, strlen(text), &ev, &cf,
                                                   &diags),
                     EMU_ECONFIG);
    assert_string_equal(diags.items[0].where, "mem.conf:3");
    emu_diags_done(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_fixtures),      cmocka_unit_test(test_err_fixtures),
        cmocka_unit_test(test_features_values),  cmocka_unit_test(test_spec_config_values),
        cmocka_unit_test(test_units),            cmocka_unit_test(test_match),
        cmocka_unit_test(test_buffer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
