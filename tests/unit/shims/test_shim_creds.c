/* SPDX-License-Identifier: Apache-2.0 */
/* The process-wide temporary-credential store (shims/common/creds.h): add, replace, lookup,
 * expiry, removal, field ceilings and the entry ceiling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/creds.h"

static void test_add_lookup_replace(void **state)
{
    (void)state;
    struct shim_cred c;
    assert_int_equal(shim_creds_lookup("ASIAONE", 100, &c), EMU_ENOENT);
    assert_int_equal(shim_creds_add("ASIAONE", "secret1", "token1", 200, 100), 0);
    assert_int_equal(shim_creds_add("ASIATWO", "secret2", "token2", 300, 100), 0);
    assert_int_equal(shim_creds_lookup("ASIAONE", 150, &c), 0);
    assert_string_equal(c.secret_access_key, "secret1");
    assert_string_equal(c.session_token, "token1");
    assert_int_equal(c.expires_at, 200);
    assert_int_equal(shim_creds_add("ASIAONE", "secret1b", "token1b", 400, 100), 0);
    assert_int_equal(shim_creds_count(), 2);
    assert_int_equal(shim_creds_lookup("ASIAONE", 350, &c), 0);
    assert_string_equal(c.session_token, "token1b");
    assert_int_equal(shim_creds_remove("ASIAONE"), 0);
    assert_int_equal(shim_creds_remove("ASIAONE"), EMU_ENOENT);
    assert_int_equal(shim_creds_lookup("ASIAONE", 150, &c), EMU_ENOENT);
    shim_creds_clear();
    assert_int_equal(shim_creds_count(), 0);
    assert_int_equal(emu_mem_outstanding(), 0);
}

static void test_expiry(void **state)
{
    (void)state;
    struct shim_cred c;
    assert_int_equal(shim_creds_add("ASIAA", "s", "t", 200, 100), 0);
    assert_int_equal(shim_creds_add("ASIAB", "s", "t", 300, 100), 0);
    assert_int_equal(shim_creds_lookup("ASIAA", 199, &c), 0);
    /* Refused from the expiry second on, then forgotten. */
    assert_int_equal(shim_creds_lookup("ASIAA", 200, &c), EMU_ETIMEDOUT);
    assert_int_equal(shim_creds_lookup("ASIAA", 200, &c), EMU_ENOENT);
    assert_int_equal(shim_creds_add("ASIAC", "s", "t", 250, 100), 0);
    assert_int_equal(shim_creds_expire(260), 1);
    assert_int_equal(shim_creds_count(), 1);
    assert_int_equal(shim_creds_expire(1000), 1);
    shim_creds_clear();
    assert_int_equal(emu_mem_outstanding(), 0);
}

static void test_ceilings(void **state)
{
    (void)state;
    char big[SHIM_CREDS_MAX_TOKEN + 1];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(shim_creds_add("", "s", "t", 200, 100), EMU_EINVAL);
    assert_int_equal(shim_creds_add("K", NULL, "t", 200, 100), EMU_EINVAL);
    assert_int_equal(shim_creds_add("K", "s", big, 200, 100), EMU_EINVAL);
    big[SHIM_CREDS_MAX_TOKEN - 1] = '\0';
    assert_int_equal(shim_creds_add("K", "s", big, 200, 100), 0);
    big[SHIM_CREDS_MAX_KEY_ID] = '\0';
    assert_int_equal(shim_creds_add(big, "s", "t", 200, 100), EMU_EINVAL);
    assert_int_equal(shim_creds_add("K2", "s", "t", 100, 100), EMU_EINVAL);
    shim_creds_clear();
    char key[32];
    for (int i = 0; i < SHIM_CREDS_MAX_ENTRIES; i++) {
        snprintf(key, sizeof(key), "ASIA%08d", i);
        assert_int_equal(shim_creds_add(key, "s", "t", i < 10 ? 150 : 500, 100), 0);
    }
    assert_int_equal(shim_creds_add("ASIAFULL", "s", "t", 500, 100), EMU_E2BIG);
    /* Once some have expired, a full store makes room. */
    assert_int_equal(shim_creds_add("ASIAFULL", "s", "t", 500, 200), 0);
    assert_int_equal(shim_creds_count(), SHIM_CREDS_MAX_ENTRIES - 9);
    struct shim_cred c;
    assert_int_equal(shim_creds_lookup("ASIA00005000", 300, &c), 0);
    shim_creds_clear();
    assert_int_equal(emu_mem_outstanding(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_lookup_replace),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_ceilings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
