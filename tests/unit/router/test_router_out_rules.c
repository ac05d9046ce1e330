/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of out_s3's and out_cloudwatch_logs' pure parts: s3_key_format expansion ($TAG,
 * $TAG[n] with tag delimiters, $INDEX, $UUID, strftime, the 1024-byte cut), the random suffix
 * rule, gzip round trips, and PutLogEvents batching (order, counts, bytes, span, cuts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/plugins/out_cloudwatch_logs/cw.h"
#include "emu/router/plugins/out_s3/s3_key.h"

/* 2023-11-14T22:13:20Z */
#define T0 1700000000

static void expect_key(const char *fmt, const char *tag, const char *delims, uint64_t index,
                       const char *want)
{
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    assert_int_equal(emu_s3_key_format(fmt, tag, delims, index, "AbCd1234", T0, &b), 0);
    assert_string_equal(b.data ? b.data : "", want);
    emu_buf_done(&b);
}

static void test_key_seed_format(void **state)
{
    (void)state;
    /* The seed's docker/fluent-bit-s3/s3.conf with a FireLens tag. */
    expect_key("/$TAG[2]/$TAG[0]/%Y/%m/%d/%H/%M/%S/$UUID.gz",
               "app-firelens-0123456789abcdef0123456789abcdef", ".-", 0,
               "/0123456789abcdef0123456789abcdef/app/2023/11/14/22/13/20/AbCd1234.gz");
}

static void test_key_default_and_parts(void **state)
{
    (void)state;
    expect_key("/fluent-bit-logs/$TAG/%Y/%m/%d/%H/%M/%S", "app.prod.web", ".", 0,
               "/fluent-bit-logs/app.prod.web/2023/11/14/22/13/20");
    expect_key("/$TAG[0]/$TAG[1]/$TAG[2]/x", "app.prod.web", ".", 0, "/app/prod/web/x");
    /* Runs of delimiters are one separator (strtok), leading ones are skipped. */
    expect_key("$TAG[0]|$TAG[1]", "..a..b", ".", 0, "a|b");
    /* A part past the end is left to the $TAG rule, as Fluent Bit does. */
    expect_key("/$TAG[3]/", "a.b", ".", 0, "/a.b[3]/");
    /* Only ten parts. */
    expect_key("$TAG[9]-$TAG[10]", "0.1.2.3.4.5.6.7.8.9.10", ".", 0,
               "9-0.1.2.3.4.5.6.7.8.9.10[10]");
    /* A delimiter missing from the tag: the whole tag is part 0. */
    expect_key("$TAG[0]", "app-x", ".", 0, "app-x");
}

static void test_key_index_uuid(void **state)
{
    (void)state;
    expect_key("/logs/$INDEX/$UUID/$UUID", "t", ".", 42, "/logs/42/AbCd1234/AbCd1234");
    expect_key("/logs/%Y$INDEX", "t", ".", 18446744073709551615ull,
               "/logs/202318446744073709551615");
    assert_true(emu_s3_key_needs_suffix("/a/$TAG", 0));
    assert_false(emu_s3_key_needs_suffix("/a/$TAG", 1));
    assert_false(emu_s3_key_needs_suffix("/a/$UUID", 0));
    assert_false(emu_s3_key_needs_suffix("/a/$INDEX", 0));
}

static void test_key_limit(void **state)
{
    (void)state;
    char fmt[1100];
    struct emu_buf b;
    /* strftime into Fluent Bit's 1024-byte buffer: 1023 characters fit, 1024 do not. */
    memset(fmt, 'k', 1023);
    fmt[1023] = '\0';
    emu_buf_init(&b, 4096);
    assert_int_equal(emu_s3_key_format(fmt, "t", ".", 0, "AbCd1234", T0, &b), 0);
    assert_int_equal(b.len, 1023);
    emu_buf_done(&b);
    memset(fmt, 'k', 1024);
    fmt[1024] = '\0';
    emu_buf_init(&b, 4096);
    assert_int_equal(emu_s3_key_format(fmt, "t", ".", 0, "AbCd1234", T0, &b), -E2BIG);
    emu_buf_done(&b);
}

static void test_random_alnum(void **state)
{
    (void)state;
    char a[9], b[9];
    assert_int_equal(emu_s3_random_alnum(a, 8), 0);
    assert_int_equal(emu_s3_random_alnum(b, 8), 0);
    assert_int_equal(strlen(a), 8);
    assert_int_equal(strspn(a, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                     8);
    assert_string_not_equal(a, b);
}

static void test_gzip_roundtrip(void **state)
{
    (void)state;
    size_t n = 300000;
    char *in = emu_malloc(n);
    for (size_t i = 0; i < n; i++) {
        in[i] = (char)("{\"log\":\"x\"}\n"[i % 12]);
    }
    size_t cap = emu_s3_gzip_bound(n);
    unsigned char *gz = emu_malloc(cap);
    long long gl = emu_s3_gzip(in, n, gz, cap);
    assert_true(gl > 18);
    assert_int_equal(gz[0], 0x1f);
    assert_int_equal(gz[1], 0x8b);
    char *back = emu_malloc(n);
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = gz;
    z.avail_in = (uInt)gl;
    z.next_out = (Bytef *)back;
    z.avail_out = (uInt)n;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, n);
    inflateEnd(&z);
    assert_memory_equal(in, back, n);
    /* Incompressible input still fits the bound. */
    for (size_t i = 0; i < n; i++) {
        in[i] = (char)(i * 2654435761u >> 13);
    }
    assert_true(emu_s3_gzip(in, n, gz, cap) > 0);
    emu_free(in);
    emu_free(gz);
    emu_free(back);
}

static void test_cw_batches(void **state)
{
    (void)state;
    size_t n = 25000;
    struct cw_event *ev = emu_calloc(n, sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        /* Reverse order in time, equal stamps in pairs: the sort must fix both. */
        ev[i] = (struct cw_event){.ts_ms = (int64_t)(n - i) / 2, .msg_len = 10, .seq = i};
    }
    cw_events_sort(ev, n);
    for (size_t i = 1; i < n; i++) {
        assert_true(ev[i - 1].ts_ms < ev[i].ts_ms ||
                    (ev[i - 1].ts_ms == ev[i].ts_ms && ev[i - 1].seq < ev[i].seq));
    }
    /* Counts: 10,000 per call. */
    assert_int_equal(cw_batch_end(ev, n, 0), 10000);
    assert_int_equal(cw_batch_end(ev, n, 20000), 25000);
    /* Bytes: 1,048,576 including 26 per event. 1000-byte messages: 1026 each, 1021 fit. */
    for (size_t i = 0; i < n; i++) {
        ev[i].msg_len = 1000;
    }
    assert_int_equal(cw_batch_end(ev, n, 0), 1048576 / 1026);
    /* Span: events 24 h apart never share a call. */
    for (size_t i = 0; i < n; i++) {
        ev[i] = (struct cw_event){.ts_ms = (int64_t)i * 3600 * 1000, .msg_len = 1, .seq = i};
    }
    assert_int_equal(cw_batch_end(ev, n, 0), 24);
    /* A lone maximal event is a batch of its own. */
    ev[0].msg_len = CW_MAX_EVENT_BYTES;
    assert_int_equal(cw_batch_end(ev, 1, 0), 1);
    emu_free(ev);
}

static void test_cw_event_cut(void **state)
{
    (void)state;
    size_t n = 300000;
    char *m = emu_malloc(n);
    memset(m, 'a', n);
    assert_int_equal(cw_event_cut(m, 100), 100);
    assert_int_equal(cw_event_cut(m, CW_MAX_EVENT_BYTES), CW_MAX_EVENT_BYTES);
    assert_int_equal(cw_event_cut(m, n), CW_MAX_EVENT_BYTES);
    /* A 3-byte character straddling the limit is dropped whole. */
    m[CW_MAX_EVENT_BYTES - 1] = (char)0xE2;
    m[CW_MAX_EVENT_BYTES] = (char)0x82;
    m[CW_MAX_EVENT_BYTES + 1] = (char)0xAC;
    assert_int_equal(cw_event_cut(m, n), CW_MAX_EVENT_BYTES - 1);
    emu_free(m);
}

static void test_cw_put_body(void **state)
{
    (void)state;
    const char *msgs = "hello\"world\n{\"a\":1}";
    struct cw_event ev[2] = {{.ts_ms = 1700000000123, .msg_off = 0, .msg_len = 12},
                             {.ts_ms = 1700000000124, .msg_off = 12, .msg_len = 7}};
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    assert_int_equal(cw_put_body("grp", "pre-tag", ev, 0, 2, msgs, &b), 0);
    assert_string_equal(b.data,
                        "{\"logGroupName\":\"grp\",\"logStreamName\":\"pre-tag\",\"logEvents\":["
                        "{\"timestamp\":1700000000123,\"message\":\"hello\\\"world\\n\"},"
                        "{\"timestamp\":1700000000124,\"message\":\"{\\\"a\\\":1}\"}]}");
    emu_buf_done(&b);
}

/* One event [EventTime, {"z":1,"a":"<b>&","m":{"y":true,"b":nil},"f":1.5,"log":" hi\n"}]. */
static void make_event(struct emu_buf *ev)
{
    struct emu_buf rec;
    emu_buf_init(&rec, 4096);
    assert_int_equal(emu_mp_put_map(&rec, 5), 0);
    assert_int_equal(emu_mp_put_str(&rec, "z", 1), 0);
    assert_int_equal(emu_mp_put_int(&rec, 1), 0);
    assert_int_equal(emu_mp_put_str(&rec, "a", 1), 0);
    assert_int_equal(emu_mp_put_str(&rec, "<b>&\xe2\x80\xa8", 7), 0);
    assert_int_equal(emu_mp_put_str(&rec, "m", 1), 0);
    assert_int_equal(emu_mp_put_map(&rec, 2), 0);
    assert_int_equal(emu_mp_put_str(&rec, "y", 1), 0);
    assert_int_equal(emu_mp_put_bool(&rec, 1), 0);
    assert_int_equal(emu_mp_put_str(&rec, "b", 1), 0);
    assert_int_equal(emu_mp_put_nil(&rec), 0);
    assert_int_equal(emu_mp_put_str(&rec, "f", 1), 0);
    assert_int_equal(emu_mp_put_double(&rec, 1.5), 0);
    assert_int_equal(emu_mp_put_str(&rec, "log", 3), 0);
    assert_int_equal(emu_mp_put_str(&rec, " hi\n", 4), 0);
    assert_int_equal(emu_mp_put_event(ev, 1700000000, 123000000, rec.data, rec.len), 0);
    emu_buf_done(&rec);
}

static void expect_message(const char *log_key, int go, const char *want)
{
    struct emu_buf ev, msgs;
    struct cw_event *e = NULL;
    emu_buf_init(&ev, 4096);
    emu_buf_init(&msgs, 4096);
    make_event(&ev);
    assert_int_equal(cw_events_from_chunk(ev.data, ev.len, log_key, go, &msgs, &e), 1);
    assert_int_equal(e[0].ts_ms, 1700000000123);
    assert_int_equal(e[0].msg_len, strlen(want));
    assert_memory_equal(msgs.data + e[0].msg_off, want, strlen(want));
    emu_free(e);
    emu_buf_done(&ev);
    emu_buf_done(&msgs);
}

static void test_cw_messages(void **state)
{
    (void)state;
    /* cloudwatch_logs: the record as Fluent Bit prints it, keys in order. */
    expect_message(NULL, 0,
                   "{\"z\":1,\"a\":\"<b>&\xe2\x80\xa8\",\"m\":{\"y\":true,\"b\":null},"
                   "\"f\":1.5,\"log\":\" hi\\n\"}");
    /* cloudwatch (Go): encoding/json, sorted keys, HTML-safe escapes. */
    expect_message(NULL, 1,
                   "{\"a\":\"\\u003cb\\u003e\\u0026\\u2028\",\"f\":1.5,\"log\":\" hi\\n\","
                   "\"m\":{\"b\":null,\"y\":true},\"z\":1}");
    /* log_key: the string as is; the Go plugin trims surrounding white space. */
    expect_message("log", 0, " hi\n");
    expect_message("log", 1, "hi");
    expect_message("m", 1, "{\"b\":null,\"y\":true}");
    struct emu_buf ev, msgs;
    struct cw_event *e = NULL;
    emu_buf_init(&ev, 4096);
    emu_buf_init(&msgs, 4096);
    make_event(&ev);
    assert_int_equal(cw_events_from_chunk(ev.data, ev.len, "missing", 0, &msgs, &e), 0);
    emu_free(e);
    emu_buf_done(&ev);
    emu_buf_done(&msgs);
}

static void test_go_json_scalars(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {{0.1, "0.1"}, {100, "100"}, {1e21, "1e+21"}, {1e20, "100000000000000000000"},
                 {0.000001, "0.000001"}, {1e-7, "1e-7"}, {1.5e-300, "1.5e-300"}, {-2.5, "-2.5"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct emu_buf mp, out;
        emu_buf_init(&mp, 64);
        emu_buf_init(&out, 64);
        assert_int_equal(emu_mp_put_double(&mp, cases[i].v), 0);
        assert_int_equal(cw_go_json((const uint8_t *)mp.data, mp.len, &out), 0);
        assert_string_equal(out.data, cases[i].want);
        emu_buf_done(&mp);
        emu_buf_done(&out);
    }
    struct emu_buf out;
    emu_buf_init(&out, 64);
    assert_int_equal(cw_go_json_string(&out, "a\x01\xff\tb", 5), 0);
    assert_string_equal(out.data, "\"a\\u0001\\ufffd\\tb\"");
    emu_buf_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_seed_format), cmocka_unit_test(test_key_default_and_parts),
        cmocka_unit_test(test_key_index_uuid),  cmocka_unit_test(test_key_limit),
        cmocka_unit_test(test_random_alnum),    cmocka_unit_test(test_gzip_roundtrip),
        cmocka_unit_test(test_cw_batches),      cmocka_unit_test(test_cw_event_cut),
        cmocka_unit_test(test_cw_put_body),     cmocka_unit_test(test_cw_messages),
        cmocka_unit_test(test_go_json_scalars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
