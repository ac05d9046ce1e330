/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the router's metrics as audit evidence: the .router.metrics.json reader (Fluent
 * Bit's /api/v1/metrics shape, bad values, ceilings), the instance names the config gives,
 * the attribution that uses the inputs' records and the output's counters, and the report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/audit/audit.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

static const char DOC[] =
    "{\"url\":\"http://172.18.0.2:2020/api/v1/metrics\",\"time\":\"2026-11-24T19:00:44.095Z\","
    "\"timeMs\":1795633244095,\"final\":true,\"readings\":4,\"failures\":1,"
    "\"lastError\":\"GET x: timed out\",\"metrics\":{"
    "\"input\":{\"forward.0\":{\"records\":250,\"bytes\":9000},\"forward.1\":{\"records\":50,"
    "\"bytes\":100},\"tcp.0\":{\"records\":7,\"bytes\":1}},"
    "\"filter\":{\"grep.0\":{\"drop_records\":3,\"add_records\":0}},"
    "\"output\":{\"s3.0\":{\"proc_records\":200,\"proc_bytes\":1,\"errors\":2,\"retries\":3,"
    "\"retries_failed\":1,\"dropped_records\":100,\"retried_records\":40},"
    "\"null.0\":{\"proc_records\":0}}}}";

static void test_parse(void **state)
{
    (void)state;
    struct emu_audit_metrics m;
    assert_int_equal(emu_audit_metrics_parse(DOC, sizeof(DOC) - 1, &m), 0);
    assert_true(m.file && m.present && m.final);
    assert_string_equal(m.time, "2026-11-24T19:00:44.095Z");
    assert_int_equal(m.readings, 4);
    assert_int_equal(m.failures, 1);
    assert_int_equal(m.n_inputs, 3);
    assert_int_equal(m.n_outputs, 2);
    const struct emu_audit_minst *o = emu_audit_metrics_find(&m, true, "s3.0");
    assert_non_null(o);
    assert_int_equal(o->proc_records, 200);
    assert_int_equal(o->dropped_records, 100);
    assert_int_equal(o->retries_failed, 1);
    assert_int_equal(o->retried_records, 40);
    /* An older Fluent Bit without dropped_records: 0. */
    assert_int_equal(emu_audit_metrics_find(&m, true, "null.0")->dropped_records, 0);
    assert_int_equal(emu_audit_metrics_find(&m, false, "forward.1")->records, 50);
    assert_null(emu_audit_metrics_find(&m, false, "s3.0"));
    assert_null(emu_audit_metrics_find(&m, true, NULL));
}

static void test_parse_bad(void **state)
{
    (void)state;
    struct emu_audit_metrics m;
    /* Not JSON, not an object. */
    assert_int_equal(emu_audit_metrics_parse("{\"metrics\":", 11, &m), -EBADMSG);
    assert_true(m.file && !m.present && m.error[0]);
    assert_int_equal(emu_audit_metrics_parse("[1]", 3, &m), -EBADMSG);
    assert_string_equal(m.error, "not a JSON object");
    /* No reading: only why. */
    const char *none = "{\"url\":\"\",\"readings\":0,\"failures\":3,\"lastError\":\"refused\"}";
    assert_int_equal(emu_audit_metrics_parse(none, strlen(none), &m), 0);
    assert_false(m.present);
    assert_int_equal(m.failures, 3);
    assert_string_equal(m.error, "refused");
    /* Negative, fractional-huge, string and non-object instances are skipped, not trusted. */
    const char *bad = "{\"metrics\":{\"input\":{\"forward.0\":{\"records\":-1},\"forward.1\":"
                      "{\"records\":\"9\"},\"forward.2\":7,\"forward.3\":{\"records\":1e300},"
                      "\"forward.4\":{\"records\":12}},\"output\":[1,2]}}";
    assert_int_equal(emu_audit_metrics_parse(bad, strlen(bad), &m), 0);
    assert_true(m.present);
    assert_int_equal(m.n_inputs, 1);
    assert_int_equal(m.inputs[0].records, 12);
    assert_int_equal(m.skipped, 4);
    assert_int_equal(m.n_outputs, 0);
    /* The ceiling on instances kept. */
    char big[16384];
    size_t n = (size_t)snprintf(big, sizeof(big), "{\"metrics\":{\"input\":{");
    for (int i = 0; i < EMU_AUDIT_METRICS_INST + 5; i++) {
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"in.%d\":{\"records\":%d}",
                              i ? "," : "", i, i);
    }
    n += (size_t)snprintf(big + n, sizeof(big) - n, "}}}");
    assert_int_equal(emu_audit_metrics_parse(big, n, &m), 0);
    assert_int_equal(m.n_inputs, EMU_AUDIT_METRICS_INST);
    assert_int_equal(m.skipped, 5);
}

static const char CONF[] =
    "[SERVICE]\n    Flush 1\n    HTTP_Server Off\n"
    "[SERVICE]\n    HTTP_Server On\n    HTTP_Port 2021\n"
    "[INPUT]\n    Name forward\n    unix_path /var/run/fluent.sock\n"
    "[INPUT]\n    Name tcp\n    Port 8877\n"
    "[INPUT]\n    Name Forward\n    Listen 0.0.0.0\n    Port 24224\n"
    "[INPUT]\n    Name forward\n    Alias mine\n    Port 24225\n"
    "[OUTPUT]\n    Name null\n    Match nothing\n"
    "[OUTPUT]\n    Name s3\n    Match a-*\n    bucket b1\n"
    "[OUTPUT]\n    Name cloudwatch_logs\n    Match *\n    log_group_name g\n"
    "[OUTPUT]\n    Name s3\n    Match b-*\n    bucket b2\n"
    "[OUTPUT]\n    Name s3\n    Match c-*\n    bucket b3\n    Alias to_b3\n";

static void test_conf_names(void **state)
{
    (void)state;
    struct emu_audit_conf c;
    assert_int_equal(emu_audit_conf_parse("fluent-bit.conf", CONF, sizeof(CONF) - 1, &c), 0);
    assert_true(c.http_server);
    assert_int_equal(c.n_forward, 3);
    assert_string_equal(c.forward[0], "forward.0");
    assert_string_equal(c.forward[1], "forward.1");
    assert_string_equal(c.forward[2], "mine");
    assert_int_equal(c.n_outputs, 5);
    assert_string_equal(c.outputs[0].instance, "null.0");
    assert_string_equal(c.outputs[1].instance, "s3.0");
    assert_string_equal(c.outputs[2].instance, "cloudwatch_logs.0");
    assert_string_equal(c.outputs[3].instance, "s3.1");
    assert_string_equal(c.outputs[4].instance, "to_b3");
    emu_audit_conf_done(&c);
    const char *off = "[SERVICE]\n    HTTP_Server On\n[SERVICE]\n    HTTP_Server false\n";
    assert_int_equal(emu_audit_conf_parse("f.conf", off, strlen(off), &c), 0);
    assert_false(c.http_server);
    emu_audit_conf_done(&c);
}

static void test_attr_output(void **state)
{
    (void)state;
    struct emu_audit_stage s[EMU_AUDIT_MAX_STAGES];
    struct emu_audit_minst out = {.name = "cloudwatch_logs.0", .proc_records = 900,
                                  .dropped_records = 80, .retries_failed = 2};
    /* The router's log has no count (Fluent Bit's "cannot be retried" would have put everything
     * here): the unshared output's dropped_records say 80. */
    struct emu_audit_attr_in in = {.lost = 100, .tail_lost = 0, .written_all = 1000,
                                   .m_present = true, .m_final = true,
                                   .m_time = "2026-11-24T19:00:44.095Z", .m_in_records = 1000,
                                   .m_out = &out};
    in.router.present = true;
    assert_int_equal(emu_audit_attribute(&in, s), 2);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_OUTPUT);
    assert_int_equal(s[0].lines, 80);
    assert_non_null(strstr(s[0].evidence, "cloudwatch_logs.0: proc_records 900, "
                                          "dropped_records 80, retries_failed 2"));
    /* The other 20: received (1000 of 1000), so inside the router. */
    assert_int_equal(s[1].kind, EMU_AUDIT_STAGE_ROUTER);
    assert_int_equal(s[1].lines, 20);
    assert_non_null(strstr(s[1].evidence, "count 1000 records received"));
    /* Shared with another container: the output's counter is not this tag's. */
    in.m_out_shared = true;
    assert_int_equal(emu_audit_attribute(&in, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_ROUTER);
    assert_int_equal(s[0].lines, 100);
    assert_non_null(strstr(s[0].evidence, "per output, not per tag"));
    /* The s3 output: the log counts the upload given up, the metrics cannot. */
    struct emu_audit_minst s3 = {.name = "s3.0", .proc_records = 200};
    struct emu_audit_attr_in q = {.lost = 100, .written_all = 200, .m_present = true,
                                  .m_final = true, .m_time = "t", .m_in_records = 200,
                                  .m_out = &s3, .m_out_s3 = true};
    q.router.present = true;
    q.router.dropped_tag = 100;
    assert_int_equal(emu_audit_attribute(&q, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_OUTPUT);
    assert_int_equal(s[0].lines, 100);
    assert_non_null(strstr(s[0].evidence, "reports 100 records"));
    assert_non_null(strstr(s[0].evidence, "fluent/fluent-bit#6141"));
}

static void test_attr_inputs(void **state)
{
    (void)state;
    struct emu_audit_stage s[EMU_AUDIT_MAX_STAGES];
    /* One container: 1000 written, the router received 940, 100 lost at the tail of a quick
     * exit: 60 never reached the router (the driver at exit), 40 did (inside the router). */
    struct emu_audit_attr_in in = {.lost = 100, .tail_lost = 100, .exited = true,
                                   .exit_gap_ms = 50, .async = true, .written_all = 1000,
                                   .m_present = true, .m_final = true, .m_time = "T",
                                   .m_in_records = 940};
    in.router.present = true;
    assert_int_equal(emu_audit_attribute(&in, s), 2);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_ROUTER);
    assert_int_equal(s[0].lines, 40);
    assert_int_equal(s[1].kind, EMU_AUDIT_STAGE_DRIVER_EXIT);
    assert_int_equal(s[1].lines, 60);
    assert_non_null(strstr(s[1].evidence, "its metrics (T) count 940 records received of 1000"));
    /* Several containers share the inputs: no split per container, the driver keeps all. */
    in.m_in_shared = true;
    assert_int_equal(emu_audit_attribute(&in, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_DRIVER_EXIT);
    assert_int_equal(s[0].lines, 100);
    /* ... unless the router received everything they wrote. */
    in.m_in_records = 1000;
    assert_int_equal(emu_audit_attribute(&in, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_ROUTER);
    assert_non_null(strstr(s[0].evidence, "the task's containers wrote"));
    /* A reading taken while the apps still ran is not the final count: not used there. */
    in.m_in_shared = false;
    in.m_final = false;
    in.m_in_records = 10;
    assert_int_equal(emu_audit_attribute(&in, s), 1);
    assert_int_equal(s[0].kind, EMU_AUDIT_STAGE_DRIVER_EXIT);
    assert_null(strstr(s[0].evidence, "its metrics"));
    /* No loss: no stage whatever the metrics say. */
    in.lost = in.tail_lost = 0;
    assert_int_equal(emu_audit_attribute(&in, s), 0);
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void test_report(void **state)
{
    (void)state;
    struct emu_audit_result *res = emu_calloc(1, sizeof(*res));
    assert_non_null(res);
    /* HTTP_Server off: not available, and why. */
    cJSON *j = emu_audit_json(res);
    const cJSON *m = get(j, "routerMetrics");
    assert_false(cJSON_IsTrue(get(m, "used")));
    assert_non_null(strstr(get(m, "status")->valuestring, "does not turn HTTP_Server on"));
    cJSON_Delete(j);
    /* On, but the router could not be read. */
    res->conf.http_server = true;
    const char *none = "{\"url\":\"u\",\"readings\":0,\"failures\":9,\"lastError\":\"GET u: "
                       "Connection refused\"}";
    assert_int_equal(emu_audit_metrics_parse(none, strlen(none), &res->metrics), 0);
    j = emu_audit_json(res);
    m = get(j, "routerMetrics");
    assert_false(cJSON_IsTrue(get(m, "used")));
    assert_non_null(strstr(get(m, "status")->valuestring, "Connection refused"));
    cJSON_Delete(j);
    /* Used: when, what. */
    assert_int_equal(emu_audit_metrics_parse(DOC, sizeof(DOC) - 1, &res->metrics), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len); /* no forward input of the config found: said */
    emu_audit_print(res, f);
    (void)fclose(f);
    assert_non_null(strstr(text, "none of the config's 0 forward input(s) is in the metrics"));
    free(text);
    res->m_in_records = 300;
    res->m_in_found = 2;
    res->written_all = 300;
    res->n_feeding = 2;
    res->conf.n_forward = 2;
    j = emu_audit_json(res);
    m = get(j, "routerMetrics");
    assert_true(cJSON_IsTrue(get(m, "used")) && cJSON_IsTrue(get(m, "final")));
    assert_string_equal(get(m, "time")->valuestring, "2026-11-24T19:00:44.095Z");
    assert_int_equal((int)get(m, "inputRecords")->valuedouble, 300);
    assert_int_equal(cJSON_GetArraySize(get(m, "outputs")), 2);
    cJSON_Delete(j);
    f = open_memstream(&text, &len);
    emu_audit_print(res, f);
    (void)fclose(f);
    assert_non_null(strstr(text, "router metrics: read http://172.18.0.2:2020/api/v1/metrics at "
                                 "2026-11-24T19:00:44.095Z (after the app containers stopped"));
    assert_non_null(strstr(text, "2 container(s) feeding the router wrote 300 lines (the "
                                 "counters are per input"));
    assert_non_null(strstr(text, "output s3.0: proc_records 200, dropped_records 100"));
    free(text);
    emu_free(res);
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),       cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_conf_names),  cmocka_unit_test(test_attr_output),
        cmocka_unit_test(test_attr_inputs), cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
