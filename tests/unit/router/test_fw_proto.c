/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the Forward protocol decoder over fixtures/fuzz/fw_proto captures (generated with
 * python3-msgpack in Docker's record shape): all four modes, EventTime/int/float times, the
 * chunk/size/compressed options, fed whole and byte by byte from the end of a guard page. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/base/mem.h"
#include "emu/router/format.h"
#include "emu/router/mp.h"
#include "emu/router/plugins/in_forward/fw_proto.h"
#include "tests/support/test_support.h"

static const struct emu_fw_limits limits = {.max_message = 1u << 20, .max_inflated = 1u << 20};

static char *load(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "fixtures/fuzz/fw_proto/%s", name);
    return emu_test_read_file(emu_test_source_path(rel), len);
}

/* Decodes name fed whole and at every prefix length; returns the whole-input result. */
static ssize_t decode_all_ways(const char *name, struct emu_fw_msg *msg, struct emu_buf *ev)
{
    size_t len;
    char *data = load(name, &len);
    ssize_t whole = 0;
    for (size_t cut = 1; cut <= len; cut++) {
        void *g = emu_test_guard_copy(data, cut);
        struct emu_fw_msg m;
        ev->len = 0;
        ssize_t n = emu_fw_decode(g, cut, &limits, &m, ev);
        emu_test_guard_free(g, cut);
        if (cut < len && n != -EAGAIN && n != -EBADMSG) {
            fail_msg("%s: prefix %zu of %zu gave %zd", name, cut, len, n);
        }
        if (cut < len && n == -EBADMSG && strncmp(name, "bad_", 4) != 0) {
            fail_msg("%s: prefix %zu of %zu is malformed", name, cut, len);
        }
        if (cut == len) {
            whole = n;
        }
    }
    /* Once more from a buffer that outlives the call, so msg's pointers stay valid. */
    static char keep[1u << 16];
    assert_true(len <= sizeof(keep));
    memcpy(keep, data, len);
    ev->len = 0;
    assert_int_equal(emu_fw_decode(keep, len, &limits, msg, ev), whole);
    emu_free(data);
    return whole;
}

static void check_ok(const char *name, enum emu_fw_mode mode, size_t n_events)
{
    struct emu_buf ev;
    struct emu_fw_msg msg;
    size_t len;
    char *data = load(name, &len);
    emu_buf_init(&ev, 1u << 20);
    ssize_t n = decode_all_ways(name, &msg, &ev);
    assert_int_equal(n, (ssize_t)len);
    assert_int_equal(msg.mode, mode);
    assert_int_equal(msg.n_events, n_events);
    assert_int_equal(msg.tag_len, strlen("app-firelens-0123456789abcdef0123456789abcdef"));

    /* Every event is [EventTime, {4 Docker keys}] and prints as Fluent Bit's json_lines. */
    struct emu_mp m = {.p = (const uint8_t *)ev.data, .len = ev.len};
    struct emu_buf json;
    emu_buf_init(&json, 1u << 20);
    for (size_t i = 0; i < n_events; i++) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rl;
        assert_int_equal(emu_mp_read_event(&m, &sec, &nsec, &rec, &rl), 0);
        assert_true(sec >= 1700000000 && sec < 1700000010);
    }
    assert_int_equal(m.off, ev.len);
    assert_int_equal(emu_router_format_json(ev.data, ev.len, EMU_JSON_FMT_LINES, "date",
                                            EMU_DATE_DOUBLE, &json),
                     0);
    assert_memory_equal(json.data, "{\"date\":1700000", 15);
    assert_non_null(strstr(json.data, ",\"container_id\":\"aaaa"));
    assert_non_null(strstr(json.data, "\"source\":\"stdout\",\"log\":\"line 0 xxx"));
    emu_buf_done(&json);
    emu_buf_done(&ev);
    emu_free(data);
}

static void test_modes(void **state)
{
    (void)state;
    check_ok("message_eventtime.bin", EMU_FW_MESSAGE, 1);
    check_ok("forward.bin", EMU_FW_FORWARD, 3);
    check_ok("packed_forward.bin", EMU_FW_PACKED_FORWARD, 4);
    check_ok("compressed_packed_forward.bin", EMU_FW_COMPRESSED_PACKED_FORWARD, 4);
    check_ok("fluentbit2_forward.bin", EMU_FW_FORWARD, 1);
}

static void test_times_and_options(void **state)
{
    (void)state;
    struct emu_buf ev, ack;
    struct emu_fw_msg msg;
    emu_buf_init(&ev, 1u << 20);
    emu_buf_init(&ack, 4096);
    assert_true(decode_all_ways("message_int_chunk.bin", &msg, &ev) > 0);
    assert_int_equal(msg.chunk_len, 24);
    assert_memory_equal(msg.chunk, "p8n9gmxTQVC8/nh2wlKKeQ==", 24);
    /* [0x92, d7 00 <sec> <nsec>]: integer time 1700000001 becomes EventTime, nsec 0. */
    const uint8_t want[] = {0x92, 0xd7, 0x00, 0x65, 0x53, 0xf1, 0x01, 0, 0, 0, 0};
    assert_memory_equal(ev.data, want, sizeof(want));
    assert_int_equal(emu_fw_ack(msg.chunk, msg.chunk_len, &ack), 0);
    assert_int_equal(ack.len, 1 + 4 + 1 + 24);
    assert_memory_equal(ack.data, "\x81\xa3" "ack\xb8" "p8n9", 9);

    assert_true(decode_all_ways("message_float.bin", &msg, &ev) > 0);
    const uint8_t half[] = {0x92, 0xd7, 0x00, 0x65, 0x53, 0xf1, 0x02, 0x1d, 0xcd, 0x65, 0x00};
    assert_memory_equal(ev.data, half, sizeof(half));

    assert_true(decode_all_ways("packed_forward.bin", &msg, &ev) > 0);
    assert_true(msg.has_size);
    assert_int_equal(msg.size, 4);
    emu_buf_done(&ev);
    emu_buf_done(&ack);
}

static void test_bad(void **state)
{
    (void)state;
    struct emu_buf ev;
    struct emu_fw_msg msg;
    emu_buf_init(&ev, 1u << 20);
    assert_int_equal(decode_all_ways("bad_not_array.bin", &msg, &ev), -EBADMSG);
    assert_int_equal(decode_all_ways("bad_record_not_map.bin", &msg, &ev), -EBADMSG);
    assert_int_equal(decode_all_ways("bad_truncated.bin", &msg, &ev), -EAGAIN);
    assert_int_equal(decode_all_ways("bad_gzip.bin", &msg, &ev), -EBADMSG);
    assert_int_equal(ev.len, 0);
    emu_buf_done(&ev);
}

static void test_limits_and_stream(void **state)
{
    (void)state;
    size_t a_len, b_len;
    char *a = load("message_eventtime.bin", &a_len);
    char *b = load("forward.bin", &b_len);
    struct emu_buf ev, two;
    struct emu_fw_msg msg;
    emu_buf_init(&ev, 1u << 20);
    emu_buf_init(&two, 1u << 20);
    assert_int_equal(emu_buf_append(&two, a, a_len), 0);
    assert_int_equal(emu_buf_append(&two, b, b_len), 0);
    assert_int_equal(emu_fw_decode(two.data, two.len, &limits, &msg, &ev), (ssize_t)a_len);
    assert_int_equal(emu_fw_decode(two.data + a_len, b_len, &limits, &msg, &ev),
                     (ssize_t)b_len);
    assert_int_equal(msg.n_events, 3);

    struct emu_fw_limits small = {.max_message = 100, .max_inflated = 100};
    ev.len = 0;
    assert_int_equal(emu_fw_decode(b, 100, &small, &msg, &ev), -E2BIG);
    assert_int_equal(emu_fw_decode(b, 50, &small, &msg, &ev), -EAGAIN);
    /* The events buffer's own ceiling is a limit too, and leaves it unchanged. */
    struct emu_buf tiny;
    emu_buf_init(&tiny, 64);
    assert_int_equal(emu_fw_decode(b, b_len, &limits, &msg, &tiny), -E2BIG);
    assert_int_equal(tiny.len, 0);
    emu_buf_done(&tiny);
    emu_buf_done(&ev);
    emu_buf_done(&two);
    emu_free(a);
    emu_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_times_and_options),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_limits_and_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
