/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the awslogs emulation's pure part (emu/model/awslogs.h): options as Docker
 * checks them, ECS's stream name, the datetime-format regex, and the joining of lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/model/awslogs.h"

static struct emu_kv_list kvs(struct emu_kv *items, size_t n)
{
    return (struct emu_kv_list){items, n};
}

static void test_options(void **state)
{
    (void)state;
    struct emu_awslogs_opts o;
    char why[256];
    struct emu_kv ok[] = {{"awslogs-group", "/ecs/app"}, {"awslogs-stream-prefix", "ecs"},
                          {"awslogs-create-group", "true"}, {"mode", "non-blocking"},
                          {"max-buffer-size", "4m"}};
    struct emu_kv_list l = kvs(ok, 5);
    assert_int_equal(emu_awslogs_parse(&l, &o, why, sizeof(why)), 0);
    assert_true(o.create_group);
    assert_true(o.non_blocking);
    assert_int_equal(o.max_buffer, 4u * 1024u * 1024u);
    char s[128];
    assert_int_equal(emu_awslogs_stream(&o, "web", "abc", "d0cker", s, sizeof(s)), 0);
    assert_string_equal(s, "ecs/web/abc");
    o.stream_prefix = NULL;
    assert_int_equal(emu_awslogs_stream(&o, "web", "abc", "d0cker", s, sizeof(s)), 0);
    assert_string_equal(s, "d0cker");
    struct emu_kv both[] = {{"awslogs-group", "g"}, {"awslogs-datetime-format", "%Y"},
                            {"awslogs-multiline-pattern", "x"}};
    l = kvs(both, 3);
    assert_int_equal(emu_awslogs_parse(&l, &o, why, sizeof(why)), -22);
    assert_non_null(strstr(why, "at the same time"));
    struct emu_kv mode[] = {{"awslogs-group", "g"}, {"mode", "fast"}};
    l = kvs(mode, 2);
    assert_int_equal(emu_awslogs_parse(&l, &o, why, sizeof(why)), -22);
    assert_string_equal(why, "logger: logger mode not supported: fast");
}

static void test_datetime_regex(void **state)
{
    (void)state;
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    struct emu_awslogs_opts o = {.datetime_format = "%Y-%m-%d %H:%M:%S%Q"};
    assert_int_equal(emu_awslogs_start_regex(&o, &b), 0);
    assert_string_equal(b.data, "\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[1,2][0-9]|3[0,1]) "
                                "(?:[0,1][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]");
    b.len = 0;
    o = (struct emu_awslogs_opts){.multiline_pattern = "^INFO"};
    assert_int_equal(emu_awslogs_start_regex(&o, &b), 0);
    assert_string_equal(b.data, "^INFO");
    emu_buf_done(&b);
}

struct got {
    char msgs[8][128];
    int64_t ts[8];
    size_t n;
};

static void emit(void *ud, int64_t ts, const char *msg, size_t len)
{
    struct got *g = ud;
    assert_true(g->n < 8);
    (void)snprintf(g->msgs[g->n], sizeof(g->msgs[0]), "%.*s", (int)len, msg);
    g->ts[g->n++] = ts;
}

static void feed(struct emu_awslogs_joiner *j, int64_t ts, const char *line)
{
    assert_int_equal(emu_awslogs_joiner_feed(j, ts, line, strlen(line)), 0);
}

/* A stand-in for the regex engine: lines starting with a digit start an event. */
static bool digit(void *ud, const char *line, size_t len)
{
    (void)ud;
    return len > 0 && line[0] >= '0' && line[0] <= '9';
}

static void test_joiner(void **state)
{
    (void)state;
    struct got g = {0};
    struct emu_awslogs_joiner j;
    emu_awslogs_joiner_init(&j, digit, NULL, emit, &g);
    feed(&j, 1, "2026-11-24 start");
    feed(&j, 2, "  at a");
    feed(&j, 3, "2026-11-25 next");
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msgs[0], "2026-11-24 start\n  at a\n");
    assert_int_equal(g.ts[0], 1);
    emu_awslogs_joiner_flush(&j);
    assert_string_equal(g.msgs[1], "2026-11-25 next\n");
    emu_awslogs_joiner_done(&j);
    /* No pattern: every line is its own event, without a newline. */
    emu_awslogs_joiner_init(&j, NULL, NULL, emit, &g);
    feed(&j, 4, "x");
    assert_string_equal(g.msgs[2], "x");
    emu_awslogs_joiner_done(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_datetime_regex),
        cmocka_unit_test(test_joiner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
