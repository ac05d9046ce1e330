/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for emu/base: buffer ceilings, arena ceilings and alignment, JSON error positions
 * and pretty output, diagnostics, error tables, bounded and atomic file I/O, and leak counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

static void buf_grows_until_ceiling(void **state)
{
    long before = emu_mem_outstanding();
    struct emu_buf b;
    emu_buf_init(&b, 10);
    assert_int_equal(emu_buf_puts(&b, "hello"), 0);
    assert_int_equal(emu_buf_printf(&b, "%d", 1234), 0);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(emu_buf_puts(&b, "ab"), EMU_E2BIG);
    assert_string_equal(b.data, "hello1234"); /* unchanged on failure */
    assert_int_equal(emu_buf_putc(&b, 'x'), 0);
    assert_int_equal(b.len, 10);
    assert_int_equal(emu_buf_putc(&b, 'y'), EMU_E2BIG);
    char *s = emu_buf_steal(&b);
    assert_string_equal(s, "hello1234x");
    assert_null(b.data);
    emu_free(s);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void buf_oom_leaves_buffer_intact(void **state)
{
    struct emu_buf b;
    emu_buf_init(&b, 1 << 20);
    assert_int_equal(emu_buf_puts(&b, "abc"), 0);
    emu_mem_fail_after(1);
    char big[200];
    memset(big, 'z', sizeof(big));
    assert_int_equal(emu_buf_append(&b, big, sizeof(big)), EMU_ENOMEM);
    emu_mem_fail_after(0);
    assert_string_equal(b.data, "abc");
    emu_buf_done(&b);
}

static void buf_utf8_encodes_every_length(void **state)
{
    struct emu_buf b;
    emu_buf_init(&b, 64);
    assert_int_equal(emu_buf_put_utf8(&b, 0x41), 0);
    assert_int_equal(emu_buf_put_utf8(&b, 0xE9), 0);
    assert_int_equal(emu_buf_put_utf8(&b, 0x20AC), 0);
    assert_int_equal(emu_buf_put_utf8(&b, 0x1F600), 0);
    assert_string_equal(b.data, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    assert_int_equal(emu_buf_put_utf8(&b, 0x110000), EMU_EINVAL);
    assert_int_equal(b.len, 10);
    emu_buf_done(&b);
}

static void arena_aligns_and_respects_limit(void **state)
{
    long before = emu_mem_outstanding();
    struct emu_arena a;
    emu_arena_init(&a, 100000);
    for (int i = 0; i < 100; i++) {
        void *p = emu_arena_alloc(&a, (size_t)i + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    }
    char *s = emu_arena_printf(&a, "%s-%d", "x", 7);
    assert_string_equal(s, "x-7");
    assert_null(emu_arena_alloc(&a, 200000));
    assert_non_null(emu_arena_alloc(&a, 20000)); /* bigger than a block */
    emu_arena_done(&a);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void json_error_has_line_and_column(void **state)
{
    const char *doc = "{\n  \"a\": 1,\n  \"b\": ]\n}";
    cJSON *root = NULL;
    struct emu_json_error err;
    assert_int_equal(emu_json_parse(doc, strlen(doc), &root, &err), EMU_EJSON);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 8);
    assert_string_equal(err.message, "unexpected character ']'");

    const char *trailing = "{} x";
    assert_int_equal(emu_json_parse(trailing, strlen(trailing), &root, &err), EMU_EJSON);
    assert_int_equal(err.column, 4);
    assert_string_equal(err.message, "extra data after the JSON value");

    const char *cut = "[1, 2";
    assert_int_equal(emu_json_parse(cut, strlen(cut), &root, &err), EMU_EJSON);
    assert_string_equal(err.message, "unexpected end of input");
}

static void json_pretty_is_stable(void **state)
{
    long before = emu_mem_outstanding();
    const char *doc = "{\"b\":[1,\"x\\n\\u0001\",{}],\"a\":{\"t\":true,\"n\":null,\"f\":1.5},\"e\":[]}";
    cJSON *root = NULL;
    struct emu_json_error err;
    assert_int_equal(emu_json_parse(doc, strlen(doc), &root, &err), 0);
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    assert_int_equal(emu_json_write_pretty(root, &b), 0);
    assert_string_equal(b.data, "{\n  \"b\": [\n    1,\n    \"x\\n\\u0001\",\n    {}\n  ],\n"
                                "  \"a\": {\n    \"t\": true,\n    \"n\": null,\n    \"f\": 1.5\n"
                                "  },\n  \"e\": []\n}\n");
    emu_buf_done(&b);
    cJSON_Delete(root);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void json_refuses_oversized_input(void **state)
{
    cJSON *root = NULL;
    struct emu_json_error err;
    assert_int_equal(emu_json_parse("", EMU_JSON_MAX_INPUT + 1u, &root, &err), EMU_E2BIG);
}

static void diags_count_and_cap(void **state)
{
    long before = emu_mem_outstanding();
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_diags_add(&d, EMU_DIAG_ERROR, "a.b", "bad %s", "thing"), 0);
    assert_int_equal(emu_diags_add(&d, EMU_DIAG_WARNING, NULL, "careful"), 0);
    assert_string_equal(d.items[0].where, "a.b");
    assert_string_equal(d.items[0].message, "bad thing");
    assert_string_equal(d.items[1].where, "");
    for (int i = 0; i < EMU_DIAGS_MAX + 5; i++) {
        (void)emu_diags_add(&d, EMU_DIAG_ERROR, "x", "e%d", i);
    }
    assert_int_equal(d.n, EMU_DIAGS_MAX);
    assert_int_equal(d.dropped, 7);
    assert_int_equal(emu_diags_count(&d, EMU_DIAG_WARNING), 1);
    assert_int_equal(emu_diags_count(&d, EMU_DIAG_ERROR), EMU_DIAGS_MAX - 1 + 7);
    emu_diags_done(&d);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void error_table_names(void **state)
{
    assert_int_equal(EMU_EINVAL, -EINVAL);
    assert_string_equal(emu_err_name(EMU_EJSON), "EJSON");
    assert_string_equal(emu_strerror(EMU_E2BIG), "input over its size limit");
    assert_string_equal(emu_err_name(-99999), "EUNKNOWN");
}

static void file_read_limit_and_atomic_write(void **state)
{
    char dir[] = "/tmp/emu-base-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/f.txt", dir);
    assert_int_equal(emu_file_write_atomic(path, "0123456789", 10, 0644), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(emu_file_read(path, 10, &data, &len), 0);
    assert_int_equal(len, 10);
    assert_memory_equal(data, "0123456789", 10);
    emu_free(data);
    assert_int_equal(emu_file_read(path, 9, &data, &len), EMU_E2BIG);
    assert_int_equal(emu_file_read("/nonexistent/x", 9, &data, &len), -ENOENT);
    char missing_dir[300];
    snprintf(missing_dir, sizeof(missing_dir), "%s/no/such/f", dir);
    assert_int_equal(emu_file_write_atomic(missing_dir, "x", 1, 0644), -ENOENT);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_grows_until_ceiling),
        cmocka_unit_test(buf_oom_leaves_buffer_intact),
        cmocka_unit_test(buf_utf8_encodes_every_length),
        cmocka_unit_test(arena_aligns_and_respects_limit),
        cmocka_unit_test(json_error_has_line_and_column),
        cmocka_unit_test(json_pretty_is_stable),
        cmocka_unit_test(json_refuses_oversized_input),
        cmocka_unit_test(diags_count_and_cap),
        cmocka_unit_test(error_table_names),
        cmocka_unit_test(file_read_limit_and_atomic_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
