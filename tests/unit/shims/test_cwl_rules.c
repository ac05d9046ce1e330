/* SPDX-License-Identifier: Apache-2.0 */
/* The pure rules of the CloudWatch Logs shim: PutLogEvents limits and rejectedLogEventsInfo
 * (table-driven), names, retention, term filter patterns, tokens, the JSON 1.1 request parser,
 * and the store's stream files surviving a reopen (and a torn last line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"
#include "tests/support/test_support.h"

#define NOW 1700000000000LL
#define HOUR 3600000LL
#define DAY (24 * HOUR)

/* One batch case: timestamps (relative to NOW), sizes, retention, expected outcome. */
struct batch_case {
    const char *name;
    int64_t ts[6];
    size_t n;
    size_t len;     /* message length of every event (0 = 5) */
    long retention;
    const char *err; /* expected message prefix, NULL = accepted */
    size_t first, end;
    long too_new, too_old, expired;
};

static const struct batch_case batch_cases[] = {
    {"one event", {0}, 1, 0, 0, NULL, 0, 1, -1, -1, -1},
    {"in order", {-3, -2, -1, 0}, 4, 0, 0, NULL, 0, 4, -1, -1, -1},
    {"equal timestamps", {5, 5, 5}, 3, 0, 0, NULL, 0, 3, -1, -1, -1},
    {"out of order", {0, -1}, 2, 0, 0, "Log events in a single PutLogEvents request must be", 0,
     0, -1, -1, -1},
    {"too old prefix", {-15 * DAY, -1}, 2, 0, 0, NULL, 1, 2, -1, 1, -1},
    {"exactly 14 days is kept", {-14 * DAY, -14 * DAY + HOUR}, 2, 0, 0, NULL, 0, 2, -1, -1, -1},
    {"too new suffix", {0, 2 * HOUR + 1}, 2, 0, 0, NULL, 0, 1, 1, -1, -1},
    {"exactly 2 hours ahead is kept", {0, 2 * HOUR}, 2, 0, 0, NULL, 0, 2, -1, -1, -1},
    {"old and new", {-20 * DAY, 0, 3 * HOUR}, 3, 0, 0, NULL, 1, 2, 2, 1, -1},
    {"all too old", {-30 * DAY, -20 * DAY}, 2, 0, 0, NULL, 2, 2, -1, 2, -1},
    {"all too new", {3 * HOUR, 4 * HOUR}, 2, 0, 0, NULL, 0, 0, 0, -1, -1},
    {"expired by retention", {-2 * DAY, -1}, 2, 0, 1, NULL, 1, 2, -1, -1, 1},
    {"expired and too old", {-20 * DAY, -5 * DAY, 0}, 3, 0, 3, NULL, 2, 3, -1, 1, 2},
    {"span over 24h", {-DAY - 1, 0}, 2, 0, 0, "The batch of log events in a single PutLogEvents",
     0, 0, -1, -1, -1},
    {"span exactly 24h", {-DAY, 0}, 2, 0, 0, NULL, 0, 2, -1, -1, -1},
    {"span counts only kept events", {-20 * DAY, -HOUR, 0}, 3, 0, 0, NULL, 1, 3, -1, 1, -1},
    {"empty message", {0}, 1, 1000000000, 0, "1 validation error detected: Value '' at", 0, 0,
     -1, -1, -1},
    {"event too large", {0}, 1, CWL_MAX_EVENT_BYTES - 25, 0, "Log event too large: 1048577", 0,
     0, -1, -1, -1},
    {"event at the limit", {0}, 1, CWL_MAX_EVENT_BYTES - 26, 0, NULL, 0, 1, -1, -1, -1},
    {"batch too large", {0, 0}, 2, 600000, 0, "Upload too large: 1200052 bytes", 0, 0, -1, -1,
     -1},
    {"no events", {0}, 0, 0, 0, "1 validation error detected: Value '[]'", 0, 0, -1, -1, -1},
};

static void test_batch_table(void **state)
{
    (void)state;
    static char big[CWL_MAX_EVENT_BYTES];
    memset(big, 'x', sizeof(big));
    for (size_t i = 0; i < sizeof(batch_cases) / sizeof(batch_cases[0]); i++) {
        const struct batch_case *bc = &batch_cases[i];
        struct cwl_event_in ev[6];
        for (size_t k = 0; k < bc->n; k++) {
            size_t len = bc->len == 1000000000 ? 0 : bc->len ? bc->len : 5;
            ev[k] = (struct cwl_event_in){NOW + bc->ts[k], big, len};
        }
        struct cwl_batch_verdict v;
        struct cwl_err e = {0};
        int r = cwl_batch_check(ev, bc->n, NOW, bc->retention, &v, &e);
        if (bc->err) {
            if (r != EMU_EAWS || strncmp(e.message, bc->err, strlen(bc->err)) != 0) {
                fail_msg("%s: got %d '%s'", bc->name, r, e.message);
            }
            assert_string_equal(e.code, "InvalidParameterException");
            continue;
        }
        if (r != 0) {
            fail_msg("%s: refused: %s", bc->name, e.message);
        }
        if (v.first != bc->first || v.end != bc->end || v.too_new_start != bc->too_new ||
            v.too_old_end != bc->too_old || v.expired_end != bc->expired) {
            fail_msg("%s: got [%zu,%zu) new %ld old %ld expired %ld", bc->name, v.first, v.end,
                     v.too_new_start, v.too_old_end, v.expired_end);
        }
    }
}

static void test_batch_counts(void **state)
{
    (void)state;
    size_t n = CWL_MAX_BATCH_EVENTS + 1;
    struct cwl_event_in *ev = emu_calloc(n, sizeof(*ev));
    assert_non_null(ev);
    for (size_t i = 0; i < n; i++) {
        ev[i] = (struct cwl_event_in){NOW, "m", 1};
    }
    struct cwl_batch_verdict v;
    struct cwl_err e = {0};
    assert_int_equal(cwl_batch_check(ev, CWL_MAX_BATCH_EVENTS, NOW, 0, &v, &e), 0);
    assert_int_equal(v.end, CWL_MAX_BATCH_EVENTS);
    assert_int_equal(cwl_batch_check(ev, n, NOW, 0, &v, &e), EMU_EAWS);
    assert_non_null(strstr(e.message, "less than or equal to 10000"));
    /* 10,000 events of 78 bytes: 1,040,000 bytes, under the limit; 80 bytes is over. */
    static char msg[200];
    memset(msg, 'a', sizeof(msg));
    for (size_t i = 0; i < CWL_MAX_BATCH_EVENTS; i++) {
        ev[i] = (struct cwl_event_in){NOW, msg, 78};
    }
    assert_int_equal(cwl_batch_check(ev, CWL_MAX_BATCH_EVENTS, NOW, 0, &v, &e), 0);
    for (size_t i = 0; i < CWL_MAX_BATCH_EVENTS; i++) {
        ev[i].len = 80;
    }
    assert_int_equal(cwl_batch_check(ev, CWL_MAX_BATCH_EVENTS, NOW, 0, &v, &e), EMU_EAWS);
    assert_string_equal(e.message, "Upload too large: 1060000 bytes exceeds limit of 1048576");
    emu_free(ev);
}

static void test_names_retention(void **state)
{
    (void)state;
    assert_true(cwl_group_name_valid("fluent-bit-cloudwatch"));
    assert_true(cwl_group_name_valid("/ecs/app#1_x.y"));
    assert_false(cwl_group_name_valid(""));
    assert_false(cwl_group_name_valid("a b"));
    assert_false(cwl_group_name_valid("a:b"));
    assert_true(cwl_stream_name_valid("from-fluent-bit-nginx/app/0123"));
    assert_false(cwl_stream_name_valid("a:b"));
    assert_false(cwl_stream_name_valid("a*"));
    char long_name[600];
    memset(long_name, 'a', sizeof(long_name));
    long_name[512] = '\0';
    assert_true(cwl_group_name_valid(long_name));
    long_name[512] = 'a';
    long_name[513] = '\0';
    assert_false(cwl_group_name_valid(long_name));
    assert_true(cwl_retention_valid(1));
    assert_true(cwl_retention_valid(3653));
    assert_false(cwl_retention_valid(2));
    assert_false(cwl_retention_valid(0));
}

static bool match(const char *pattern, const char *msg)
{
    struct cwl_pattern p;
    struct cwl_err e;
    assert_int_equal(cwl_pattern_parse(pattern, &p, &e), 0);
    bool ok = cwl_pattern_match(&p, msg, strlen(msg));
    cwl_pattern_done(&p);
    return ok;
}

static void test_patterns(void **state)
{
    (void)state;
    assert_true(match("", "anything"));
    assert_true(match(NULL, "anything"));
    assert_true(match("ERROR", "an ERROR here"));
    assert_false(match("ERROR", "an error here")); /* case-sensitive */
    assert_true(match("ERROR Exception", "ERROR: NullException"));
    assert_false(match("ERROR Exception", "ERROR only"));
    assert_true(match("?ERROR ?WARN", "WARN disk"));
    assert_false(match("?ERROR ?WARN", "INFO ok"));
    assert_true(match("\"disk full\"", "the disk full now"));
    assert_false(match("\"disk full\"", "full disk"));
    assert_true(match("ERROR -retry", "ERROR final"));
    assert_false(match("ERROR -retry", "ERROR will retry"));
    struct cwl_pattern p;
    struct cwl_err e;
    assert_int_equal(cwl_pattern_parse("{ $.level = \"x\" }", &p, &e), EMU_EAWS);
    assert_int_equal(cwl_pattern_parse("\"open", &p, &e), EMU_EAWS);
}

static void test_tokens(void **state)
{
    (void)state;
    char t[40];
    cwl_token_format('f', 42, t);
    assert_string_equal(t, "f/00000000000000000042/s");
    char dir;
    uint64_t pos;
    assert_int_equal(cwl_token_parse(t, &dir, &pos), 0);
    assert_int_equal(dir, 'f');
    assert_int_equal(pos, 42);
    cwl_token_format('b', 0, t);
    assert_int_equal(cwl_token_parse(t, &dir, &pos), 0);
    assert_int_equal(dir, 'b');
    assert_int_equal(cwl_token_parse("x/1/s", &dir, &pos), EMU_EINVAL);
    assert_int_equal(cwl_token_parse("f//s", &dir, &pos), EMU_EINVAL);
    assert_int_equal(cwl_token_parse("f/1", &dir, &pos), EMU_EINVAL);
    assert_int_equal(cwl_token_parse("f/123456789012345678901/s", &dir, &pos), EMU_EINVAL);
}

static int parse(enum cwl_op op, const char *body, struct cwl_req *q, struct cwl_err *e)
{
    memset(e, 0, sizeof(*e));
    return cwl_req_parse(op, body, strlen(body), q, e);
}

static void test_requests(void **state)
{
    (void)state;
    struct cwl_req q;
    struct cwl_err e;
    assert_int_equal(cwl_op_from_target("Logs_20140328.PutLogEvents"), CWL_OP_PUT_LOG_EVENTS);
    assert_int_equal(cwl_op_from_target("Logs_20140328.Nope"), _CWL_OP_INVALID);
    assert_int_equal(cwl_op_from_target(NULL), _CWL_OP_INVALID);
    assert_int_equal(parse(CWL_OP_PUT_LOG_EVENTS,
                           "{\"logGroupName\":\"g\",\"logStreamName\":\"s\","
                           "\"sequenceToken\":\"x\",\"logEvents\":"
                           "[{\"timestamp\":1,\"message\":\"a\\nb\"}]}",
                           &q, &e),
                     0);
    assert_int_equal(q.n_events, 1);
    assert_int_equal(q.events[0].len, 3);
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_PUT_LOG_EVENTS, "{\"logGroupName\":\"g\"}", &q, &e), EMU_EAWS);
    assert_non_null(strstr(e.message, "'logStreamName'"));
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_CREATE_LOG_GROUP, "{\"logGroupName\":\"a b\"}", &q, &e),
                     EMU_EAWS);
    assert_string_equal(e.code, "InvalidParameterException");
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_CREATE_LOG_GROUP, "{\"logGroupName\":5}", &q, &e), EMU_EAWS);
    assert_string_equal(e.code, "SerializationException");
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_CREATE_LOG_GROUP, "not json", &q, &e), EMU_EAWS);
    assert_string_equal(e.code, "SerializationException");
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_GET_LOG_EVENTS,
                           "{\"logGroupIdentifier\":\"arn:aws:logs:us-east-1:1:log-group:/x:*\","
                           "\"logStreamName\":\"s\",\"startFromHead\":true,\"limit\":5}",
                           &q, &e),
                     0);
    assert_string_equal(q.group, "/x");
    assert_true(q.start_from_head);
    assert_int_equal(q.limit, 5);
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_DESCRIBE_LOG_STREAMS,
                           "{\"logGroupName\":\"g\",\"orderBy\":\"LastEventTime\","
                           "\"logStreamNamePrefix\":\"a\"}",
                           &q, &e),
                     EMU_EAWS);
    assert_string_equal(e.message, "Cannot order by LastEventTime with a logStreamNamePrefix.");
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_DESCRIBE_LOG_GROUPS, "{\"limit\":51}", &q, &e), EMU_EAWS);
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_FILTER_LOG_EVENTS,
                           "{\"logGroupName\":\"g\",\"logStreamNames\":[\"a\"],"
                           "\"logStreamNamePrefix\":\"b\"}",
                           &q, &e),
                     EMU_EAWS);
    cwl_req_done(&q);
    assert_int_equal(parse(CWL_OP_PUT_RETENTION_POLICY,
                           "{\"logGroupName\":\"g\",\"retentionInDays\":7}", &q, &e),
                     0);
    assert_int_equal(q.retention, 7);
    cwl_req_done(&q);
}

static void test_store_reopen(void **state)
{
    (void)state;
    char dir[] = "/tmp/cwl-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct cwl_store *s = NULL;
    assert_int_equal(cwl_store_open(dir, &s), 0);
    struct cwl_group *g;
    struct cwl_tag tag = {"team", "logs"};
    assert_int_equal(cwl_store_group_create(s, "/ecs/app", 1, &tag, 1, &g), 0);
    assert_int_equal(cwl_store_group_create(s, "/ecs/app", 1, NULL, 0, &g), EMU_EEXIST);
    struct cwl_stream *st;
    assert_int_equal(cwl_store_stream_create(s, g, "web/app:1", 2, &st), 0);
    struct cwl_event_in ev[3] = {{10, "a\"q", 3}, {20, "b\n", 2}, {5, "late", 4}};
    assert_int_equal(cwl_store_append(st, ev, 0, 2, 100), 0);
    assert_int_equal(cwl_store_append(st, ev, 2, 3, 101), 0);
    assert_int_equal(st->n, 3);
    assert_int_equal(st->ev[0].timestamp, 5); /* index sorted by time */
    cwl_store_free(s);
    /* A torn line at the end is cut off on reopen. */
    char path[256];
    snprintf(path, sizeof(path), "%s/%%2Fecs%%2Fapp/web%%2Fapp%%3A1.stream.jsonl", dir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("{\"timestamp\":30,\"ingest", f);
    fclose(f);
    assert_int_equal(cwl_store_open(dir, &s), 0);
    g = cwl_store_group(s, "/ecs/app");
    assert_non_null(g);
    assert_int_equal(g->n_tags, 1);
    st = cwl_group_stream(g, "web/app:1");
    assert_non_null(st);
    assert_int_equal(st->n, 3);
    assert_int_equal(st->ev[2].timestamp, 20);
    assert_int_equal(st->ev[0].ingestion, 101);
    assert_int_equal(cwl_store_append(st, ev, 0, 1, 102), 0);
    assert_int_equal(st->n, 4);
    assert_int_equal(cwl_store_group_delete(s, "/ecs/app"), 0);
    cwl_store_free(s);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_table),     cmocka_unit_test(test_batch_counts),
        cmocka_unit_test(test_names_retention), cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_tokens),          cmocka_unit_test(test_requests),
        cmocka_unit_test(test_store_reopen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
