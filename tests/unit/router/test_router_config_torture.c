/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation-failure torture of the Fluent Bit config parser: every fixture under
 * fixtures/router_conf/ok (with @SET, ${VAR}, glob @INCLUDE, multiline parsers) loaded with
 * its Nth allocation failing, for every N until it loads: -ENOMEM with one diagnostic, no
 * config, nothing leaked (the allocator's count; ASan in CI). */
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
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "tests/support/test_support.h"

static const char *const test_env[] = {"EMU_TEST_FLUSH=1", "HOME=/root", NULL};

static void torture_one(const char *path, const struct emu_router_config_env *env)
{
    long n;
    for (n = 1; n < 1000000; n++) {
        long start = emu_mem_outstanding();
        struct emu_diags d;
        emu_diags_init(&d);
        struct emu_router_config *cf = NULL;
        emu_mem_fail_after(n);
        int r = emu_router_config_load(path, env, &cf, &d);
        emu_mem_fail_after(0);
        if (r == 0) {
            assert_non_null(cf);
            cf = emu_router_config_free(cf);
            emu_diags_done(&d);
            assert_int_equal(emu_mem_outstanding(), start);
            break;
        }
        if (r != EMU_ENOMEM) {
            fail_msg("%s: allocation %ld failing gave %s, not -ENOMEM", path, n,
                     emu_strerror(r));
        }
        assert_null(cf);
        /* A clean error: said once (the diagnostics may themselves be out of memory). */
        if (emu_diags_count(&d, EMU_DIAG_ERROR) > 1) {
            fail_msg("%s: allocation %ld failing: %zu errors, the first: %s, the second: %s",
                     path, n, d.n, d.items[0].message, d.items[1].message);
        }
        emu_diags_done(&d);
        if (emu_mem_outstanding() != start) {
            fail_msg("%s: allocation %ld failing leaked %ld allocations", path, n,
                     emu_mem_outstanding() - start);
        }
    }
    assert_true(n > 1); /* the parser allocates, so failures were injected */
    print_message("%s: %ld allocation failure points\n", strrchr(path, '/') + 1, n - 1);
}

static void test_every_ok_fixture(void **state)
{
    (void)state;
    static char root[4096], dir[4096];
    snprintf(root, sizeof(root), "%s", emu_test_source_path("fixtures/router_conf/root"));
    snprintf(dir, sizeof(dir), "%s", emu_test_source_path("fixtures/router_conf/ok"));
    struct emu_router_config_env env = {.envp = test_env, .root = root};
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") != 0) {
            continue;
        }
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        torture_one(path, &env);
        count++;
    }
    closedir(d);
    assert_true(count >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ok_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
