/* SPDX-License-Identifier: Apache-2.0 */
/* Event times as Unix milliseconds (emu_mp_time_ms): exact in range, saturated at the int64
 * range for any time the wire can carry (fuzz_router_out found the overflow: UBSan, a forward
 * event with second 4539628426087100672 into the cloudwatch_logs output). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/router/mp.h"

static void test_in_range(void **state)
{
    (void)state;
    assert_true(emu_mp_time_ms(0, 0) == 0);
    assert_true(emu_mp_time_ms(1700000000, 123456789u) == 1700000000123LL);
    assert_true(emu_mp_time_ms(-5, 0) == -5000);
}

static void test_saturated(void **state)
{
    (void)state;
    assert_true(emu_mp_time_ms(4539628426087100672LL, 0) == INT64_MAX);
    assert_true(emu_mp_time_ms(INT64_MAX, 999999999u) == INT64_MAX);
    assert_true(emu_mp_time_ms(INT64_MIN, 0) == INT64_MIN);
    assert_true(emu_mp_time_ms(INT64_MAX / 1000 - 2, 999999999u) ==
                (INT64_MAX / 1000 - 2) * 1000 + 999);
}

/* The largest integer event time the decoder accepts converts without overflow. */
static void test_read_huge_uint_time(void **state)
{
    (void)state;
    struct emu_buf b;
    emu_buf_init(&b, 64);
    assert_int_equal(emu_mp_put_int(&b, INT64_MAX), 0);
    struct emu_mp m = {.p = (const uint8_t *)b.data, .len = b.len};
    int64_t sec;
    uint32_t nsec;
    assert_int_equal(emu_mp_read_time(&m, &sec, &nsec), 0);
    assert_true(emu_mp_time_ms(sec, nsec) == INT64_MAX);
    emu_buf_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_range),
        cmocka_unit_test(test_saturated),
        cmocka_unit_test(test_read_huge_uint_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
