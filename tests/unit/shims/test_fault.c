/* SPDX-License-Identifier: Apache-2.0 */
/* The fault-injection core: the spec parser (valid specs, and errors that name the spec and the
 * position), the seeded engine (same seed same decisions, streams independent of other
 * operations' traffic, counts, latency, error shapes), down windows on a fake clock, and the
 * control protocol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/fault.h"

static bool s3_op(const char *op)
{
    return strcmp(op, "PutObject") == 0 || strcmp(op, "GetObject") == 0 ||
           strcmp(op, "ListObjectsV2") == 0;
}

static bool logs_op(const char *op)
{
    return strcmp(op, "PutLogEvents") == 0 || strcmp(op, "CreateLogStream") == 0;
}

static const struct shim_fault_service services[] = {{"s3", s3_op}, {"logs", logs_op},
                                                      {"sts", NULL}};

static void parse_ok(const char *spec, struct shim_fault_rule *r)
{
    char err[1024] = "";
    int rc = shim_fault_parse(spec, services, 3, r, err, sizeof(err));
    if (rc != 0) {
        fail_msg("'%s' should parse: %s", spec, err);
    }
}

static void test_parse_valid(void **state)
{
    (void)state;
    struct shim_fault_rule r;
    parse_ok("s3:PutObject:rate=0.3:status=503:code=SlowDown", &r);
    assert_string_equal(r.service, "s3");
    assert_string_equal(r.op, "PutObject");
    assert_int_equal(r.action, SHIM_FAULT_ERROR);
    assert_true(r.rate > 0.299 && r.rate < 0.301);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.code, "SlowDown");
    assert_int_equal(r.count, -1);

    parse_ok("logs:PutLogEvents:count=5:code=ThrottlingException", &r);
    assert_int_equal(r.count, 5);
    assert_true(r.rate == 1.0);

    parse_ok("s3:*:latency=200ms", &r);
    assert_int_equal(r.action, SHIM_FAULT_NONE);
    assert_int_equal(r.latency_ms, 200);

    parse_ok("s3:*:reset:rate=10%", &r);
    assert_int_equal(r.action, SHIM_FAULT_RESET);
    assert_true(r.rate > 0.099 && r.rate < 0.101);

    parse_ok("s3:reset", &r);
    assert_string_equal(r.op, "*");
    assert_int_equal(r.action, SHIM_FAULT_RESET);

    parse_ok("s3:down=20s", &r);
    assert_int_equal(r.action, SHIM_FAULT_DOWN);
    assert_int_equal(r.down_ms, 20000);
    parse_ok("s3:down=20s:after=10s", &r);
    assert_int_equal(r.after_ms, 10000);
    parse_ok("*:*:status=500", &r);
    assert_string_equal(r.service, "*");
    parse_ok("sts:AssumeRole:latency=2m:code=Throttling", &r);
    assert_int_equal(r.latency_ms, 120000);
    parse_ok("s3:GetObject:code=InternalError:message=oops: with a colon", &r);
    assert_string_equal(r.message, "oops: with a colon");
    parse_ok("logs:PutLogEvents", &r); /* default: the shim's first error */
    assert_int_equal(r.action, SHIM_FAULT_ERROR);
    parse_ok("s3:PutObject:code=MyOwnCode:status=418", &r);
}

/* Each bad spec with the position (1-based) and a piece of the message the error must hold. */
struct bad_case {
    const char *spec;
    unsigned pos;
    const char *what;
};

static const struct bad_case bad_cases[] = {
    {"", 1, "empty spec"},
    {"ec2:RunInstances", 1, "unknown shim 'ec2'"},
    {"s3", 3, "expected ':'"},
    {"s3:PutObjet:rate=0.3", 4, "no operation 'PutObjet'"},
    {"s3:PutObject:rate=1.5", 19, "rate must be"},
    {"s3:PutObject:rate=abc", 19, "rate must be"},
    {"s3:PutObject:rate=nan", 19, "rate must be"},
    {"s3:PutObject:rate=-0.1", 19, "rate must be"},
    {"s3:PutObject:count=0", 20, "count must be"},
    {"s3:PutObject:count=5x", 20, "count must be"},
    {"s3:PutObject:status=200", 21, "status must be"},
    {"s3:PutObject:status=503:status=500", 25, "'status' given twice"},
    {"s3:PutObject:bogus=1", 14, "unknown parameter 'bogus'"},
    {"s3:PutObject:latency=200", 22, "latency must be a duration"},
    {"s3:PutObject:latency=0ms", 22, "above 0"},
    {"s3:PutObject:latency=25h", 22, "latency must be"},
    {"s3:PutObject:down=20s", 4, "down takes a whole shim down"},
    {"s3:down=20s:rate=0.5", 4, "down only combines with after="},
    {"s3:*:reset:code=SlowDown", 4, "reset closes the connection"},
    {"s3:PutObject:code=Bad<Code>", 19, "code must be"},
    {"s3:PutObject:code=Nope", 23, "not one fargate-emu knows"},
    {"s3:PutObject:status=418", 24, "no s3 error has status 418"},
    {"s3:PutObject:", 14, "empty parameter"},
    {"s3:PutObject::rate=1", 14, "empty parameter"},
    {"s3:PutObject:reset=1", 14, "'reset' takes no value"},
    {"s3:PutObject:rate", 14, "'rate' needs a value"},
    {"s3:PutObject:message=a\001b", 23, "control character"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct shim_fault_rule r;
        char err[1024] = "";
        assert_int_equal(shim_fault_parse(c->spec, services, 3, &r, err, sizeof(err)),
                         EMU_EINVAL);
        char want[1024];
        (void)snprintf(want, sizeof(want), "invalid fault spec '%s' at position %u: ", c->spec,
                       c->pos);
        if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, c->what)) {
            fail_msg("case '%s': got \"%s\", want prefix \"%s\" and \"%s\"", c->spec, err, want,
                     c->what);
        }
    }
    /* A spec longer than the ceiling. */
    char longspec[SHIM_FAULT_MAX_SPEC + 8];
    memset(longspec, 'a', sizeof(longspec) - 1);
    longspec[sizeof(longspec) - 1] = '\0';
    struct shim_fault_rule r;
    char err[2048];
    assert_int_equal(shim_fault_parse(longspec, services, 3, &r, err, sizeof(err)), EMU_EINVAL);
    assert_non_null(strstr(err, "longer than"));
}

static void test_durations(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(shim_fault_parse_duration("200ms", 5, &ms), 0);
    assert_int_equal(ms, 200);
    assert_int_equal(shim_fault_parse_duration("3s", 2, &ms), 0);
    assert_int_equal(ms, 3000);
    assert_int_equal(shim_fault_parse_duration("2m", 2, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(shim_fault_parse_duration("1440m", 5, &ms), 0);
    assert_int_equal(shim_fault_parse_duration("1441m", 5, &ms), EMU_EINVAL);
    assert_int_equal(shim_fault_parse_duration("99999999999999999999s", 21, &ms), EMU_EINVAL);
    assert_int_equal(shim_fault_parse_duration("5h", 2, &ms), EMU_EINVAL);
    assert_int_equal(shim_fault_parse_duration("s", 1, &ms), EMU_EINVAL);
}

/* The outcome string of n decisions for one operation ('E' error, 'R' reset, '.' none). */
static void run(struct shim_faults *f, const char *svc, const char *op, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        struct shim_fault_decision d;
        shim_faults_decide(f, svc, op, 0, &d);
        out[i] = d.action == SHIM_FAULT_ERROR ? 'E' : d.action == SHIM_FAULT_RESET ? 'R' : '.';
    }
    out[n] = '\0';
}

static void test_engine_deterministic(void **state)
{
    (void)state;
    char a[201], b[201], c[201], other[201];
    struct shim_faults *f = shim_faults_new(42, services, 3);
    assert_true(shim_faults_add(f, "s3:*:rate=0.3", 0, NULL, 0) == 1);
    run(f, "s3", "PutObject", 200, a);
    shim_faults_free(f);

    /* Same seed, other operations' traffic interleaved: PutObject's sequence is unchanged. */
    f = shim_faults_new(42, services, 3);
    assert_true(shim_faults_add(f, "s3:*:rate=0.3", 0, NULL, 0) == 1);
    for (size_t i = 0; i < 200; i++) {
        run(f, "s3", "GetObject", 3, other);
        run(f, "s3", "PutObject", 1, b + i);
    }
    b[200] = '\0';
    assert_string_equal(a, b);
    size_t errors = 0;
    for (size_t i = 0; i < 200; i++) {
        errors += a[i] == 'E';
    }
    assert_true(errors > 35 && errors < 90); /* about 30% */
    shim_faults_free(f);

    /* Another seed gives another sequence. */
    f = shim_faults_new(43, services, 3);
    assert_true(shim_faults_add(f, "s3:*:rate=0.3", 0, NULL, 0) == 1);
    run(f, "s3", "PutObject", 200, c);
    assert_string_not_equal(a, c);
    shim_faults_free(f);
}

static void test_engine_counts_and_shapes(void **state)
{
    (void)state;
    struct shim_faults *f = shim_faults_new(1, services, 3);
    assert_int_equal(shim_faults_add(f, "logs:PutLogEvents:count=5", 0, NULL, 0), 1);
    assert_int_equal(shim_faults_add(f, "s3:GetObject:latency=150ms", 0, NULL, 0), 2);
    assert_int_equal(shim_faults_add(f, "s3:*:latency=50ms:code=InternalError:rate=1", 0, NULL,
                                     0), 3);
    char out[11];
    run(f, "logs", "PutLogEvents", 10, out);
    assert_string_equal(out, "EEEEE.....");
    struct shim_fault_decision d;
    shim_faults_decide(f, "logs", "PutLogEvents", 0, &d);
    assert_int_equal(d.action, SHIM_FAULT_NONE);
    /* The count rule's error is the shim's default, in its words. */
    shim_faults_remove(f, 1);
    assert_int_equal(shim_faults_add(f, "logs:PutLogEvents", 0, NULL, 0), 4);
    shim_faults_decide(f, "logs", "PutLogEvents", 0, &d);
    assert_int_equal(d.status, 400);
    assert_string_equal(d.code, "ThrottlingException");
    assert_string_equal(d.message, "Rate exceeded");
    assert_int_equal(d.rule_id, 4);
    /* Latencies add up; the error comes with them. */
    shim_faults_decide(f, "s3", "GetObject", 0, &d);
    assert_int_equal(d.latency_ms, 200);
    assert_int_equal(d.action, SHIM_FAULT_ERROR);
    assert_int_equal(d.status, 500);
    assert_string_equal(d.code, "InternalError");
    assert_string_equal(d.message, "We encountered an internal error. Please try again.");
    assert_int_equal(shim_faults_remove(f, 99), EMU_ENOENT);
    /* S3's default fault is 503 SlowDown. */
    shim_faults_clear(f);
    assert_int_equal(shim_faults_add(f, "s3:PutObject:rate=1", 0, NULL, 0), 5);
    shim_faults_decide(f, "s3", "PutObject", 0, &d);
    assert_int_equal(d.status, 503);
    assert_string_equal(d.code, "SlowDown");
    assert_string_equal(d.message, "Please reduce your request rate.");
    shim_faults_decide(f, "s3", "GetObject", 0, &d);
    assert_int_equal(d.action, SHIM_FAULT_NONE);
    shim_faults_free(f);
}

static void test_engine_windows(void **state)
{
    (void)state;
    struct shim_faults *f = shim_faults_new(1, services, 3);
    const int64_t t0 = 1000000;
    assert_int_equal(shim_faults_add(f, "s3:down=20s:after=10s", t0, NULL, 0), 1);
    assert_int_equal(shim_faults_add(f, "logs:PutLogEvents:after=5s", t0, NULL, 0), 2);
    int64_t next = 0;
    assert_false(shim_faults_down(f, "s3", t0, &next));
    assert_int_equal(next, t0 + 10000);
    assert_false(shim_faults_down(f, "s3", t0 + 9999, NULL));
    assert_true(shim_faults_down(f, "s3", t0 + 10000, &next));
    assert_int_equal(next, t0 + 30000);
    assert_false(shim_faults_down(f, "logs", t0 + 15000, NULL));
    shim_faults_note_down(f, "s3", t0 + 15000);
    assert_true(shim_faults_down(f, "s3", t0 + 29999, NULL));
    assert_false(shim_faults_down(f, "s3", t0 + 30000, &next));
    assert_int_equal(next, INT64_MAX);
    /* after= delays a request rule too. */
    struct shim_fault_decision d;
    shim_faults_decide(f, "logs", "PutLogEvents", t0 + 4999, &d);
    assert_int_equal(d.action, SHIM_FAULT_NONE);
    shim_faults_decide(f, "logs", "PutLogEvents", t0 + 5000, &d);
    assert_int_equal(d.action, SHIM_FAULT_ERROR);
    struct emu_buf b;
    emu_buf_init(&b, 1 << 20);
    assert_int_equal(shim_faults_list_json(f, t0 + 40000, &b), 0);
    assert_non_null(strstr(b.data, "\"state\":\"over\""));
    assert_non_null(strstr(b.data, "\"injected\":2,"));
    emu_buf_done(&b);
    shim_faults_free(f);
}

static const char *ctl(struct shim_faults *f, const char *line, struct emu_buf *b)
{
    b->len = 0;
    assert_int_equal(shim_fault_ctl_exec(f, line, strlen(line), 0, b), 0);
    return b->data;
}

static void test_control_protocol(void **state)
{
    (void)state;
    struct shim_faults *f = shim_faults_new(9, services, 3);
    struct emu_buf b;
    emu_buf_init(&b, 1 << 20);
    assert_string_equal(ctl(f, "add s3:PutObject:count=2", &b), "{\"ok\":true,\"id\":1}\n");
    assert_string_equal(ctl(f, "add  logs:*:latency=1s\r", &b), "{\"ok\":true,\"id\":2}\n");
    assert_non_null(strstr(ctl(f, "add s3:Nope", &b), "\"ok\":false"));
    assert_non_null(strstr(b.data, "at position 4"));
    assert_non_null(strstr(ctl(f, "list", &b), "\"seed\":9,\"injected\":0,\"rules\":[{\"id\":1"));
    assert_string_equal(ctl(f, "remove 1", &b), "{\"ok\":true}\n");
    assert_non_null(strstr(ctl(f, "remove 1", &b), "no fault rule has that id"));
    assert_non_null(strstr(ctl(f, "remove x1", &b), "remove takes a rule id"));
    assert_non_null(strstr(ctl(f, "remove -1", &b), "remove takes a rule id"));
    assert_string_equal(ctl(f, "clear", &b), "{\"ok\":true,\"removed\":1}\n");
    assert_non_null(strstr(ctl(f, "list extra", &b), "unknown request"));
    assert_non_null(strstr(ctl(f, "", &b), "unknown request"));
    assert_non_null(strstr(ctl(f, "add", &b), "unknown request"));
    b.len = 0;
    assert_int_equal(shim_fault_ctl_exec(f, "li\0st", 5, 0, &b), 0);
    assert_non_null(strstr(b.data, "NUL byte"));
    for (int i = 0; i < SHIM_FAULT_MAX_RULES; i++) {
        ctl(f, "add s3:*:latency=1ms", &b);
    }
    assert_non_null(strstr(ctl(f, "add s3:*:latency=1ms", &b), "at most 64 fault rules"));
    emu_buf_done(&b);
    shim_faults_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_engine_deterministic),
        cmocka_unit_test(test_engine_counts_and_shapes),
        cmocka_unit_test(test_engine_windows),
        cmocka_unit_test(test_control_protocol),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    return r ? r : (emu_mem_outstanding() == 0 ? 0 : 1);
}
