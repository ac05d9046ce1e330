/* SPDX-License-Identifier: Apache-2.0 */
/* Route-table matching and the text codecs of shims/common: captures, trailing slashes,
 * query/header conditions, percent and base64 codecs, query splitting, dates, XML escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/common/route.h"

static const struct shim_route routes[] = {
    {"GET", "/", NULL, NULL, NULL, 1, "ListBuckets"},
    {"GET", "/{bucket}", "uploads", NULL, NULL, 2, "ListMultipartUploads"},
    {"GET", "/{bucket}", NULL, NULL, NULL, 3, "ListObjects"},
    {"PUT", "/{bucket}/{key+}", NULL, "x-amz-copy-source", NULL, 4, "CopyObject"},
    {"PUT", "/{bucket}/{key+}", NULL, NULL, NULL, 5, "PutObject"},
    {"POST", "/", NULL, NULL, "Logs_20140328.PutLogEvents", 6, "PutLogEvents"},
};

static const char *present_query;
static const char *present_header;

static bool has_query(const void *ctx, const char *name)
{
    (void)ctx;
    return present_query && strcmp(name, present_query) == 0;
}

static bool has_header(const void *ctx, const char *name)
{
    (void)ctx;
    return present_header && strcmp(name, present_header) == 0;
}

static int match(const char *method, const char *path, const char *target,
                 struct shim_capture *caps, size_t *n, bool *path_matched)
{
    struct shim_route_input in = {method, path, has_query, has_header, target, NULL};
    const struct shim_route *r =
        shim_route_match(routes, sizeof(routes) / sizeof(routes[0]), &in, caps, n, path_matched);
    return r ? r->op : 0;
}

static void test_route_table(void **state)
{
    (void)state;
    struct shim_capture caps[SHIM_ROUTE_MAX_CAPTURES];
    size_t n = 0;
    bool pm = false;
    present_query = present_header = NULL;
    assert_int_equal(match("GET", "/", NULL, caps, &n, &pm), 1);
    assert_int_equal(match("GET", "/bkt", NULL, caps, &n, &pm), 3);
    assert_int_equal(n, 1);
    assert_int_equal(caps[0].value_len, 3);
    assert_int_equal(match("GET", "/bkt/", NULL, caps, &n, &pm), 3);
    assert_int_equal(caps[0].value_len, 3);
    present_query = "uploads";
    assert_int_equal(match("GET", "/bkt", NULL, caps, &n, &pm), 2);
    present_query = NULL;
    assert_int_equal(match("PUT", "/bkt/a//b/../c/", NULL, caps, &n, &pm), 5);
    assert_int_equal(n, 2);
    assert_memory_equal(caps[1].value, "a//b/../c/", 10);
    assert_int_equal(caps[1].value_len, 10);
    present_header = "x-amz-copy-source";
    assert_int_equal(match("PUT", "/bkt/k", NULL, caps, &n, &pm), 4);
    present_header = NULL;
    assert_int_equal(match("DELETE", "/bkt/k", NULL, caps, &n, &pm), 0);
    assert_true(pm);
    assert_int_equal(match("GET", "//", NULL, caps, &n, &pm), 0);
    assert_int_equal(match("POST", "/", "Logs_20140328.PutLogEvents", caps, &n, &pm), 6);
    assert_int_equal(match("POST", "/", "Logs_20140328.Other", caps, &n, &pm), 0);
}

static void test_percent(void **state)
{
    (void)state;
    struct emu_buf b;
    emu_buf_init(&b, 1024);
    assert_int_equal(shim_percent_decode("a%2Fb+c%20d", 11, false, &b), 0);
    assert_string_equal(b.data, "a/b+c d");
    emu_buf_done(&b);
    assert_int_equal(shim_percent_decode("a+b", 3, true, &b), 0);
    assert_string_equal(b.data, "a b");
    emu_buf_done(&b);
    assert_int_equal(shim_percent_decode("%2", 2, false, &b), EMU_EBADMSG);
    emu_buf_done(&b);
    assert_int_equal(shim_percent_decode("%zz", 3, false, &b), EMU_EBADMSG);
    emu_buf_done(&b);
    assert_int_equal(shim_percent_decode("%00", 3, false, &b), 0);
    assert_int_equal(b.len, 1);
    emu_buf_done(&b);
    assert_int_equal(shim_percent_encode("a b/+ü~", 8, true, &b), 0);
    assert_string_equal(b.data, "a%20b/%2B%C3%BC~");
    emu_buf_done(&b);
}

static void test_query(void **state)
{
    (void)state;
    const char *q = "list-type=2&prefix=a%2Fb+c&uploads&&x=";
    char store[128];
    struct shim_kv kv[8];
    assert_true(shim_query_store_size(q) <= sizeof(store));
    int n = shim_query_parse(q, kv, 8, store, sizeof(store));
    assert_int_equal(n, 4);
    assert_string_equal(kv[0].name, "list-type");
    assert_string_equal(kv[0].value, "2");
    assert_string_equal(kv[1].value, "a/b c");
    assert_string_equal(kv[2].name, "uploads");
    assert_string_equal(kv[2].value, "");
    assert_string_equal(kv[3].value, "");
    assert_int_equal(shim_query_parse("a=1&b=2&c=3", kv, 2, store, sizeof(store)), EMU_E2BIG);
    assert_int_equal(shim_query_parse("a=%00", kv, 8, store, sizeof(store)), EMU_EBADMSG);
    assert_int_equal(shim_query_parse("a=%4", kv, 8, store, sizeof(store)), EMU_EBADMSG);
}

static void test_base64_hex(void **state)
{
    (void)state;
    unsigned char out[32];
    char text[64];
    assert_int_equal(shim_base64_encode((const unsigned char *)"hello", 5, text, sizeof(text)),
                     8);
    assert_string_equal(text, "aGVsbG8=");
    assert_int_equal(shim_base64_decode("aGVsbG8=", 8, out, sizeof(out)), 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(shim_base64_decode("aGVsbG8", 7, out, sizeof(out)), EMU_EBADMSG);
    assert_int_equal(shim_base64_decode("a=GV", 4, out, sizeof(out)), EMU_EBADMSG);
    assert_int_equal(shim_base64_decode("aGVsbG8=", 8, out, 4), EMU_E2BIG);
    shim_hex_encode((const unsigned char *)"\x01\xab", 2, text);
    assert_string_equal(text, "01ab");
    assert_int_equal(shim_hex_decode("01AB", 2, out), 0);
    assert_int_equal(out[1], 0xab);
    assert_int_equal(shim_hex_decode("0g", 1, out), EMU_EBADMSG);
}

static void test_dates_and_xml(void **state)
{
    (void)state;
    char d[40];
    shim_http_date(1255369800123, d);
    assert_string_equal(d, "Mon, 12 Oct 2009 17:50:00 GMT");
    shim_iso8601(1255369830005, d);
    assert_string_equal(d, "2009-10-12T17:50:30.005Z");
    int64_t t = 0;
    assert_int_equal(shim_http_date_parse("Mon, 12 Oct 2009 17:50:00 GMT", &t), 0);
    assert_int_equal(t, 1255369800);
    assert_int_equal(shim_http_date_parse("yesterday", &t), EMU_EINVAL);
    struct emu_buf b;
    emu_buf_init(&b, 128);
    assert_int_equal(shim_xml_escape("<a&'\"\x01>", 7, &b), 0);
    assert_string_equal(b.data, "&lt;a&amp;&apos;&quot;&#x1;&gt;");
    emu_buf_done(&b);
}

int main(void)
{
    long before = emu_mem_outstanding();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_table), cmocka_unit_test(test_percent),
        cmocka_unit_test(test_query),       cmocka_unit_test(test_base64_hex),
        cmocka_unit_test(test_dates_and_xml),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "leak: %ld allocations outstanding\n", emu_mem_outstanding() - before);
        return 1;
    }
    return failed;
}
