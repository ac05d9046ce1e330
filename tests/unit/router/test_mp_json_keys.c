/* SPDX-License-Identifier: Apache-2.0 */
/* MessagePack to JSON with non-string map keys: quoted as Fluent Bit quotes them, and a chain
 * of keys nested inside keys (escaped again at every level) stays bounded in size and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/router/mp.h"

static void test_int_key_quoted(void **state)
{
    (void)state;
    struct emu_buf mp, js;
    emu_buf_init(&mp, 4096);
    emu_buf_init(&js, 4096);
    assert_int_equal(emu_mp_put_map(&mp, 1), 0);
    assert_int_equal(emu_mp_put_int(&mp, 7), 0);
    assert_int_equal(emu_mp_put_str(&mp, "x", 1), 0);
    assert_int_equal(emu_mp_to_json(mp.data, mp.len, &js), 0);
    assert_int_equal(js.len, strlen("{\"7\":\"x\"}"));
    assert_memory_equal(js.data, "{\"7\":\"x\"}", js.len);
    emu_buf_done(&mp);
    emu_buf_done(&js);
}

/* {{{..{"k\"":1}..:1}:1}:1}, 60 maps deep, each the key of the next: every level quotes the
 * level below once more, doubling its backslashes. */
static void test_nested_keys_bounded(void **state)
{
    (void)state;
    const int depth = 60;
    struct emu_buf mp, js;
    emu_buf_init(&mp, 1u << 20);
    emu_buf_init(&js, 32u << 20);
    for (int i = 0; i < depth; i++) {
        assert_int_equal(emu_mp_put_map(&mp, 1), 0);
    }
    assert_int_equal(emu_mp_put_str(&mp, "k\"", 2), 0);
    for (int i = 0; i < depth; i++) {
        assert_int_equal(emu_mp_put_int(&mp, 1), 0);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = emu_mp_to_json(mp.data, mp.len, &js);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    print_message("nested keys: r=%d, %zu bytes of JSON, %.1f ms\n", r, js.len, ms);
    /* Before the key ceiling the escaping grew to the 32 MiB output ceiling (seconds under
     * ASan); now a key past 64 KiB fails the record. */
    assert_true(r < 0);
    assert_true(js.len <= 64u * 1024u);
    emu_buf_done(&mp);
    emu_buf_done(&js);
}

/* A non-string key whose text passes 64 KiB fails the record (the ceiling that bounds the
 * nested case above): an array of 20,000 strings "xxx" as the key, about 120 KiB of JSON. */
static void test_long_key_refused(void **state)
{
    (void)state;
    struct emu_buf mp, js;
    emu_buf_init(&mp, 1u << 20);
    emu_buf_init(&js, 32u << 20);
    assert_int_equal(emu_mp_put_map(&mp, 1), 0);
    assert_int_equal(emu_mp_put_array(&mp, 20000), 0);
    for (int i = 0; i < 20000; i++) {
        assert_int_equal(emu_mp_put_str(&mp, "xxx", 3), 0);
    }
    assert_int_equal(emu_mp_put_int(&mp, 1), 0);
    assert_true(emu_mp_to_json(mp.data, mp.len, &js) < 0);
    /* The same array as a value formats: only keys have the ceiling. */
    struct emu_buf mp2;
    emu_buf_init(&mp2, 1u << 20);
    assert_int_equal(emu_mp_put_map(&mp2, 1), 0);
    assert_int_equal(emu_mp_put_str(&mp2, "k", 1), 0);
    assert_int_equal(emu_mp_put_array(&mp2, 20000), 0);
    for (int i = 0; i < 20000; i++) {
        assert_int_equal(emu_mp_put_str(&mp2, "xxx", 3), 0);
    }
    js.len = 0;
    assert_int_equal(emu_mp_to_json(mp2.data, mp2.len, &js), 0);
    assert_true(js.len > 64u * 1024u);
    emu_buf_done(&mp);
    emu_buf_done(&mp2);
    emu_buf_done(&js);
}

/* A few levels stay within the ceiling and format. */
static void test_nested_keys_shallow(void **state)
{
    (void)state;
    struct emu_buf mp, js;
    emu_buf_init(&mp, 4096);
    emu_buf_init(&js, 4096);
    assert_int_equal(emu_mp_put_map(&mp, 1), 0);
    assert_int_equal(emu_mp_put_map(&mp, 1), 0);
    assert_int_equal(emu_mp_put_str(&mp, "k", 1), 0);
    assert_int_equal(emu_mp_put_int(&mp, 1), 0);
    assert_int_equal(emu_mp_put_int(&mp, 2), 0);
    assert_int_equal(emu_mp_to_json(mp.data, mp.len, &js), 0);
    static const char want[] = "{\"{\\\"k\\\":1}\":2}";
    assert_int_equal(js.len, strlen(want));
    assert_memory_equal(js.data, want, js.len);
    emu_buf_done(&mp);
    emu_buf_done(&js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_key_quoted),
        cmocka_unit_test(test_nested_keys_bounded),
        cmocka_unit_test(test_nested_keys_shallow),
        cmocka_unit_test(test_long_key_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
