/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for emu/base/loop.c: shutdown steps run once in order (ties in registration order),
 * SIGTERM starts the shutdown, the step table has a ceiling, and close leaves nothing open. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/loop.h"
#include "emu/base/mem.h"

static char order[32];
static char names[] = "aAbcxyz";

static void step(void *ud)
{
    size_t n = strlen(order);
    order[n] = *(char *)ud;
    order[n + 1] = '\0';
}

static void steps_in_order(void **state)
{
    assert_int_equal(emu_loop_global_init(), 0);
    long before = emu_mem_outstanding();
    struct emu_loop l;
    assert_int_equal(emu_loop_init(&l), 0);
    order[0] = '\0';
    assert_int_equal(emu_loop_on_shutdown(&l, 30, step, &names[3]), 0);
    assert_int_equal(emu_loop_on_shutdown(&l, 10, step, &names[0]), 0);
    assert_int_equal(emu_loop_on_shutdown(&l, 20, step, &names[2]), 0);
    assert_int_equal(emu_loop_on_shutdown(&l, 10, step, &names[1]), 0);
    /* Only unreferenced watchers: run returns at once. */
    assert_int_equal(emu_loop_run(&l), 0);
    emu_loop_shutdown(&l);
    emu_loop_shutdown(&l);
    assert_string_equal(order, "aAbc");
    assert_int_equal(emu_loop_done(&l), 0);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void never(uv_timer_t *t)
{
    (void)t;
    fail();
}

static void sigterm_shuts_down(void **state)
{
    struct emu_loop l;
    assert_int_equal(emu_loop_init(&l), 0);
    order[0] = '\0';
    assert_int_equal(emu_loop_on_shutdown(&l, 0, step, &names[4]), 0);
    for (int i = 1; i < EMU_LOOP_MAX_STEPS; i++) {
        assert_int_equal(emu_loop_on_shutdown(&l, i, step, &names[5]), 0);
    }
    assert_int_equal(emu_loop_on_shutdown(&l, 99, step, &names[6]), EMU_E2BIG);
    /* A referenced timer keeps the loop alive (and polling) while the signal arrives. */
    uv_timer_t t;
    (void)uv_timer_init(&l.loop, &t);
    (void)uv_timer_start(&t, never, 60000, 0);
    assert_int_equal(raise(SIGTERM), 0);
    (void)uv_run(&l.loop, UV_RUN_NOWAIT);
    (void)uv_run(&l.loop, UV_RUN_NOWAIT);
    assert_int_equal(l.signal, SIGTERM);
    assert_true(l.stopping);
    assert_int_equal(order[0], 'x');
    assert_int_equal(strlen(order), EMU_LOOP_MAX_STEPS);
    uv_close((uv_handle_t *)&t, NULL);
    assert_int_equal(emu_loop_done(&l), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steps_in_order),
        cmocka_unit_test(sigterm_shuts_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
