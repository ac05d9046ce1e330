/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the audit's pure parts: the .out line parser and timestamps, the output copy
 * writer's 16 KiB part split, the matcher (lost, duplicated, reordered, filtered, repeated
 * content), the router-log evidence, the attribution rules and the grep rules of a config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/audit/audit.h"
#include "emu/base/mem.h"

#define TAG "app-firelens-0123456789abcdef0123456789abcdef"

static uint64_t h(const char *s)
{
    return emu_audit_hash(s, strlen(s));
}

static void test_out_parse(void **state)
{
    (void)state;
    struct emu_audit_out_line l;
    const char *a = "2026-11-24T15:42:29.100642715Z stdout hello world";
    assert_int_equal(emu_audit_out_parse(a, strlen(a), &l), 0);
    assert_int_equal(l.stream, 1);
    assert_int_equal(l.ts_len, 30);
    assert_int_equal(l.len, 11);
    assert_memory_equal(l.text, "hello world", 11);
    const char *b = "2026-11-24T15:42:29Z stderr";
    assert_int_equal(emu_audit_out_parse(b, strlen(b), &l), 0);
    assert_int_equal(l.stream, 2);
    assert_int_equal(l.len, 0);
    const char *bad[] = {"", "x", "2026-11-24T15:42:29Z stdin x", "2026-11-24T15:42:29Z stdoutx",
                         "2026-11-24 15:42:29Z stdout x", "2026-11-24T15:42:29 stdout x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(emu_audit_out_parse(bad[i], strlen(bad[i]), &l), -EBADMSG);
    }
    assert_int_equal(emu_audit_ts_ms("1970-01-01T00:00:01.5Z", 22), 1500);
    assert_int_equal(emu_audit_ts_ms("1970-01-01T01:00:00+01:00", 25), 0);
    assert_int_equal(emu_audit_ts_ms("1970-01-01T00:00:00.250000000Z", 30), 250);
    assert_int_equal(emu_audit_ts_ms("nope", 4), -1);
}

/* The logs endpoint joins a split line's parts, each led by its own timestamp. */
static void test_writer_split(void **state)
{
    (void)state;
    char dir[] = "/tmp/fe-audit-unit-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct emu_output_writer w;
    assert_int_equal(emu_output_writer_open(&w, dir, "app", 0), 0);
    size_t part = EMU_OUTPUT_PART, ts2 = 31;
    size_t n = part + ts2 + 100;
    char *joined = emu_malloc(n);
    memset(joined, 'a', part);
    memcpy(joined + part, "2026-11-24T15:42:29.000000002Z ", ts2);
    memset(joined + part + ts2, 'b', 100);
    emu_output_writer_line(&w, 1, "2026-11-24T15:42:29.000000001Z", joined, n);
    emu_output_writer_line(&w, 2, "2026-11-24T15:42:29.000000003Z", "plain", 5);
    assert_int_equal(emu_output_writer_close(&w), 0);
    assert_int_equal(w.lines, 3);
    char path[256];
    (void)snprintf(path, sizeof(path), "%s/app.log", dir);
    struct emu_audit_reader rd;
    assert_int_equal(emu_audit_reader_open(&rd, path), 0);
    const char *line;
    size_t len;
    struct emu_audit_out_line l;
    assert_int_equal(emu_audit_reader_next(&rd, &line, &len), 1);
    assert_int_equal(emu_audit_out_parse(line, len, &l), 0);
    assert_int_equal(l.len, part);
    assert_int_equal(emu_audit_reader_next(&rd, &line, &len), 1);
    assert_int_equal(emu_audit_out_parse(line, len, &l), 0);
    assert_int_equal(l.len, 100);
    assert_memory_equal(l.ts, "2026-11-24T15:42:29.000000002Z", 30);
    assert_int_equal(emu_audit_reader_next(&rd, &line, &len), 1);
    assert_int_equal(emu_audit_out_parse(line, len, &l), 0);
    assert_int_equal(l.stream, 2);
    assert_int_equal(emu_audit_reader_next(&rd, &line, &len), 0);
    emu_audit_reader_close(&rd);
    /* The ceiling: writes stop and <name>.truncated appears. */
    assert_int_equal(emu_output_writer_open(&w, dir, "small", 100), 0);
    for (int i = 0; i < 10; i++) {
        emu_output_writer_line(&w, 1, "2026-11-24T15:42:29Z", "0123456789", 10);
    }
    assert_int_equal(emu_output_writer_close(&w), 0);
    assert_true(w.truncated);
    assert_int_equal(w.lines, 2);
    (void)snprintf(path, sizeof(path), "%s/small.truncated", dir);
    assert_int_equal(access(path, F_OK), 0);
    emu_free(joined);
    assert_int_equal(emu_task_remove_dir(dir), 0);
}

/* Docker reads stdout and stderr apart: lines arriving out of order across the two streams
 * are not reordered, within one they are; a lost stderr line is lost. */
static void test_match_streams(void **state)
{
    (void)state;
    struct emu_audit_match *m;
    assert_int_equal(emu_audit_match_new(&m), 0);
    const char *w[] = {"o1", "e1", "o2", "e2", "o3", "e3"};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(emu_audit_match_written_on(m, h(w[i]), false, i % 2 ? 2 : 1), 0);
    }
    const char *a[] = {"o1", "o2", "e1", "o3", "e2"}; /* e3 lost */
    for (size_t i = 0; i < 5; i++) {
        emu_audit_match_arrived(m, h(a[i]));
    }
    struct emu_audit_counts c;
    emu_audit_match_counts(m, &c);
    assert_int_equal(c.delivered, 5);
    assert_int_equal(c.reordered, 0);
    assert_int_equal(c.lost, 1);
    assert_true(emu_audit_match_lost(m, 5));
    assert_false(emu_audit_match_lost(m, 1));
    emu_audit_match_free(m);
    assert_int_equal(emu_audit_match_new(&m), 0);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(emu_audit_match_written_on(m, h(w[i]), false, i % 2 ? 2 : 1), 0);
    }
    const char *b[] = {"o2", "o1", "e1", "e2", "e3", "o3"}; /* o1 after o2: one reordered */
    for (size_t i = 0; i < 6; i++) {
        emu_audit_match_arrived(m, h(b[i]));
    }
    emu_audit_match_counts(m, &c);
    assert_int_equal(c.reordered, 1);
    emu_audit_match_free(m);
}

static void test_match(void **state)
{
    (void)state;
    struct emu_audit_match *m;
    assert_int_equal(emu_audit_match_new(&m), 0);
    /* written: a b c d e f (e filtered), then "x" three times */
    const char *w[] = {"a", "b", "c", "d", "e", "f", "x", "x", "x"};
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(emu_audit_match_written(m, h(w[i]), i == 4), 0);
    }
    /* arrived: a c b (one reordered), a again (duplicate), x x, z (unexpected); d f lost,
     * the third x lost at the tail. */
    const char *a[] = {"a", "c", "b", "a", "x", "x", "z"};
    for (size_t i = 0; i < 7; i++) {
        emu_audit_match_arrived(m, h(a[i]));
    }
    struct emu_audit_counts c;
    emu_audit_match_counts(m, &c);
    assert_int_equal(c.written, 9);
    assert_int_equal(c.filtered, 1);
    assert_int_equal(c.expected, 8);
    assert_int_equal(c.delivered, 5);
    assert_int_equal(c.lost, 3);
    assert_int_equal(c.duplicated, 1);
    assert_int_equal(c.reordered, 1);
    assert_int_equal(c.unexpected, 1);
    assert_int_equal(c.tail_lost, 1); /* the last x, after the last delivered x */
    assert_true(emu_audit_match_lost(m, 3));
    assert_false(emu_audit_match_lost(m, 4)); /* filtered, not lost */
    assert_true(emu_audit_match_lost(m, 8));
    assert_false(emu_audit_match_lost(m, 99));
    emu_audit_match_free(m);
}

/* Many lines: the table and position arrays grow; a block lost in the middle, order kept. */
static void test_match_large(void **state)
{
    (void)state;
    struct emu_audit_match *m;
    assert_int_equal(emu_audit_match_new(&m), 0);
    char buf[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof(buf), "line-%d", i);
        assert_int_equal(emu_audit_match_written(m, emu_audit_hash(buf, (size_t)n), false), 0);
    }
    for (int i = 0; i < 100000; i++) {
        if (i >= 40000 && i < 40500) {
            continue;
        }
        int n = snprintf(buf, sizeof(buf), "line-%d", i);
        emu_audit_match_arrived(m, emu_audit_hash(buf, (size_t)n));
    }
    struct emu_audit_counts c;
    emu_audit_match_counts(m, &c);
    assert_int_equal(c.lost, 500);
    assert_int_equal(c.tail_lost, 0);
    assert_int_equal(c.reordered, 0);
    assert_int_equal(c.delivered, 99500);
    emu_audit_match_free(m);
}

static void feed(struct emu_audit_router_log *ev, const char *line)
{
    emu_audit_router_line(ev, TAG, line, strlen(line));
}

static void test_router_log(void **state)
{
    (void)state;
    struct emu_audit_router_log ev = {0};
    feed(&ev, "emu-router: error: [s3.0] chunk of tag '" TAG "' (120 records) cannot be "
              "retried, dropping it");
    feed(&ev, "emu-router: error: [s3.0] chunk of tag 'other-firelens-x' (7 records) failed, "
              "dropping it");
    feed(&ev, "emu-router: error: [s3.0] upload of /tmp/fluent-bit/s3/b/0.buf (80 records, tag "
              TAG ") failed 2 times, quarantining it");
    feed(&ev, "emu-router: warn: [cloudwatch_logs.0] chunk of tag '" TAG "' failed, retry in 2 "
              "seconds");
    feed(&ev, "emu-router: warn: Grace period expired with 33 records not flushed");
    feed(&ev, "[2026/11/24 15:00:00] [ warn] [input] forward.0 paused (mem buf overlimit)");
    feed(&ev, "[2026/11/24 15:00:00] [error] [engine] chunk '1-2.flb' cannot be retried: "
              "task_id=0, input=forward.0 > output=s3.0");
    feed(&ev, "emu-router: [engine] records in 5000, out 4800, dropped 200");
    assert_true(ev.present);
    assert_int_equal(ev.dropped_tag, 200);
    assert_int_equal(ev.dropped_chunks, 1);
    assert_int_equal(ev.grace_unflushed, 33);
    assert_int_equal(ev.paused, 1);
    assert_int_equal(ev.retries, 1);
    assert_true(ev.has_summary);
    assert_int_equal(ev.records_in, 5000);
}

static void test_attribution(void **state)
{
    (void)state;
    struct emu_audit_stage s[EMU_AUDIT_MAX_STAGES];
    /* Burst then exit: a tail never received, the router dropped nothing. */
    struct emu_audit_attr_in in = {.lost = 1000, .tail_lost = 1000, .exited = true,
                                   .exit_gap_ms = 300, .async = true, .written_all = 5000};
    in.router.present = true;
    in.router.has_summary = true;
    in.router.records_in = 4000;
    assert_int_equal(emu_audit_attribute(&in, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_DRIVER_EXIT);
    assert_int_equal(s[0].lines, 1000);
    assert_non_null(strstr(s[0].evidence, "4000 records received of 5000"));
    /* The same tail, but the container lived on for a minute: not the driver at exit. */
    in.exit_gap_ms = 60000;
    assert_int_equal(emu_audit_attribute(&in, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_UNKNOWN);
    assert_non_null(strstr(s[0].evidence, "cannot tell"));
    /* Output drops, Grace, then the rest in the middle with Fluent Bit's pauses: input. */
    struct emu_audit_attr_in mid = {.lost = 500, .tail_lost = 100, .exited = true,
                                    .exit_gap_ms = 100, .written_all = 10000};
    mid.router.present = true;
    mid.router.dropped_tag = 150;
    mid.router.grace_unflushed = 50;
    mid.router.paused = 7;
    size_t n = emu_audit_attribute(&mid, s);
    assert_int_equal(n, 3);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_OUTPUT);
    assert_int_equal(s[0].lines, 150);
    assert_int_equal(s[1].kind, EMU_AUDIT_STAGE_BUFFERED);
    assert_int_equal(s[1].lines, 50);
    assert_int_equal(s[2].kind, EMU_AUDIT_STAGE_INPUT);
    assert_int_equal(s[2].lines, 300);
    assert_non_null(strstr(s[2].evidence, "paused 7 times"));
    /* The router received everything the task wrote: lost inside the router. */
    struct emu_audit_attr_in in2 = {.lost = 20, .tail_lost = 0, .written_all = 100};
    in2.router.present = true;
    in2.router.has_summary = true;
    in2.router.records_in = 100;
    assert_int_equal(emu_audit_attribute(&in2, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_ROUTER);
    /* Nothing lost, no stage. */
    struct emu_audit_attr_in none = {0};
    assert_int_equal(emu_audit_attribute(&none, s), 0);
    /* No router log at all. */
    struct emu_audit_attr_in blind = {.lost = 5, .tail_lost = 0};
    assert_int_equal(emu_audit_attribute(&blind, s), 1);
    assert_non_null(strstr(s[0].evidence, "no router log"));
}

static const char CONF[] =
    "\n[INPUT]\n    Name forward\n    Mem_Buf_Limit 25MB\n    unix_path /var/run/fluent.sock\n"
    "\n[FILTER]\n    Name   grep\n    Match app-firelens*\n    Regex  log ^keep\n"
    "\n[FILTER]\n    Name   grep\n    Match app-firelens*\n    Exclude log drop\n"
    "\n[FILTER]\n    Name   grep\n    Match other-firelens*\n    Regex  level ^E\n"
    "\n[OUTPUT]\n    Name s3\n    Match app-firelens*\n    bucket b1\n"
    "    s3_key_format /$TAG/%Y/%m/%d/$UUID.gz\n"
    "\n[OUTPUT]\n    Name cloudwatch_logs\n    Match *\n    log_group_name g1\n"
    "    log_stream_prefix from-\n";

static void test_conf(void **state)
{
    (void)state;
    struct emu_audit_conf c;
    assert_int_equal(emu_audit_conf_parse("fluent-bit.conf", CONF, sizeof(CONF) - 1, &c), 0);
    assert_true(c.loaded);
    assert_string_equal(c.mem_buf_limit, "25MB");
    assert_int_equal(c.n_rules, 2);
    assert_int_equal(c.n_unevaluated, 1); /* the rule on "level" */
    assert_int_equal(c.n_outputs, 2);
    assert_string_equal(c.outputs[0].bucket, "b1");
    assert_string_equal(c.outputs[1].group, "g1");
    assert_false(emu_audit_conf_excluded(&c, TAG, "keep-1", 6));
    assert_true(emu_audit_conf_excluded(&c, TAG, "keep-drop-1", 11));
    assert_true(emu_audit_conf_excluded(&c, TAG, "other", 5));
    assert_false(emu_audit_conf_excluded(&c, "other-firelens-x", "anything", 8));
    assert_true(emu_audit_tag_match("app-firelens*", TAG));
    assert_true(emu_audit_tag_match("*", TAG));
    assert_true(emu_audit_tag_match("*firelens*abcdef", TAG));
    assert_false(emu_audit_tag_match("web-firelens*", TAG));
    assert_false(emu_audit_tag_match("app", TAG));
    emu_audit_conf_done(&c);
    assert_true(emu_audit_conf_parse("bad.conf", "[INPUT\n", 7, &c) < 0);
    assert_false(c.loaded);
    assert_true(c.error[0] != '\0');
    emu_audit_conf_done(&c);
}

static void test_record_log(void **state)
{
    (void)state;
    const char *rec = "{\"container_name\":\"/fe-abc-app\",\"source\":\"stdout\",\"log\":\"hi "
                      "\\\"there\\\"\"}";
    const char *log;
    size_t len;
    char *owned;
    assert_true(emu_audit_record_log(rec, strlen(rec), "fe-abc-app", &log, &len, &owned));
    assert_string_equal(log, "hi \"there\"");
    emu_free(owned);
    assert_false(emu_audit_record_log(rec, strlen(rec), "fe-abc-web", &log, &len, &owned));
    assert_false(emu_audit_record_log(rec, strlen(rec), "fe-abc", &log, &len, &owned));
    assert_false(emu_audit_record_log("{\"container_name\":\"/fe-abc-app\"}", 33, "fe-abc-app",
                                      &log, &len, &owned));
    assert_false(emu_audit_record_log("not json fe-abc-app", 19, "fe-abc-app", &log, &len,
                                      &owned));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_parse),   cmocka_unit_test(test_writer_split),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_match_streams),
        cmocka_unit_test(test_match_large),
        cmocka_unit_test(test_router_log),  cmocka_unit_test(test_attribution),
        cmocka_unit_test(test_conf),        cmocka_unit_test(test_record_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
