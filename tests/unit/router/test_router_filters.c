/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the modify and parser filters through the engine: a config with the filter under
 * test, a record appended to an engine-made input, and the record read back from the input's
 * open chunk as JSON. Covers every modify rule and condition, Reserve_Data/Preserve_Key, the
 * parsed time replacing the event time, and init errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/mp.h"
#include "emu/router/router.h"
#include "emu/router/router_internal.h"
#include "tests/support/test_support.h"

extern const struct emu_router_input_plugin in_emitter_plugin;

struct harness {
    uv_loop_t loop;
    struct emu_router_config *cf;
    struct emu_router *r;
    struct emu_router_input *in;
    struct emu_diags diags;
    int64_t sec;
};

/* Builds a router from filters (a [FILTER] text) plus the shipped parsers file. Returns the
 * start result. */
static int setup(struct harness *h, const char *filters)
{
    char conf[8192];
    snprintf(conf, sizeof(conf),
             "[SERVICE]\n    Flush 1\n    Parsers_File %s\n%s\n[OUTPUT]\n    Name null\n"
             "    Match *\n",
             emu_test_source_path("docker/emu-router/parsers.conf"), filters);
    struct emu_router_config_env env = {0};
    memset(h, 0, sizeof(*h));
    emu_diags_init(&h->diags);
    assert_int_equal(emu_router_config_load_buffer("t.conf", conf, strlen(conf), &env, &h->cf,
                                                   &h->diags),
                     0);
    uv_loop_init(&h->loop);
    h->r = emu_router_new(&h->loop);
    assert_int_equal(emu_router_configure(h->r, h->cf, &h->diags), 0);
    h->in = emu__router_input_internal(h->r, &in_emitter_plugin, "test.0", 0);
    assert_non_null(h->in);
    return emu_router_start(h->r);
}

static void teardown(struct harness *h)
{
    emu_router_free(h->r);
    assert_int_equal(uv_loop_close(&h->loop), 0);
    emu_router_config_free(h->cf);
    emu_diags_done(&h->diags);
}

/* Appends one record (JSON) at time 1700000000 and returns the JSON of what the chunk holds:
 * the records' JSON, one per line, into out. */
static void run(struct harness *h, const char *json, char *out, size_t out_len)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    struct emu_buf rec, ev, txt;
    emu_buf_init(&rec, 1u << 20);
    emu_buf_init(&ev, 1u << 20);
    emu_buf_init(&txt, 1u << 20);
    assert_int_equal(emu_mp_from_cjson(j, &rec), 0);
    cJSON_Delete(j);
    assert_int_equal(emu_mp_put_event(&ev, 1700000000, 0, rec.data, rec.len), 0);
    size_t before = h->in->open ? h->in->open->data.len : 0;
    assert_int_equal(emu_router_input_append(h->in, "app", 3, ev.data, ev.len, 1), 0);
    out[0] = '\0';
    if (h->in->open && h->in->open->data.len > before) {
        struct emu_mp m = {.p = (const uint8_t *)h->in->open->data.data + before,
                           .len = h->in->open->data.len - before};
        int64_t sec;
        uint32_t nsec;
        const uint8_t *r;
        size_t rl;
        while (m.off < m.len && emu_mp_read_event(&m, &sec, &nsec, &r, &rl) == 0) {
            assert_int_equal(emu_mp_to_json(r, rl, &txt), 0);
            h->sec = sec;
        }
        snprintf(out, out_len, "%s", txt.data ? txt.data : "");
    }
    emu_buf_done(&rec);
    emu_buf_done(&ev);
    emu_buf_done(&txt);
}

static void check(const char *filters, const char *in, const char *want)
{
    struct harness h;
    char out[8192];
    assert_int_equal(setup(&h, filters), 0);
    run(&h, in, out, sizeof(out));
    if (strcmp(out, want) != 0) {
        fail_msg("filter:\n%s\ninput: %s\n  got: %s\n want: %s", filters, in, out, want);
    }
    teardown(&h);
}

#define MOD "[FILTER]\n    Name modify\n    Match *\n"

static void test_modify_rules(void **state)
{
    (void)state;
    const char *rec = "{\"Key1\":\"Value1\",\"Key2\":\"Value2\"}";
    check(MOD "    Rename Key2 RenamedKey\n    Add OtherKey Value3\n", rec,
          "{\"Key1\":\"Value1\",\"RenamedKey\":\"Value2\",\"OtherKey\":\"Value3\"}");
    check(MOD "    Set Key1 new\n", rec, "{\"Key2\":\"Value2\",\"Key1\":\"new\"}");
    check(MOD "    Add Key1 new\n", rec, "{\"Key1\":\"Value1\",\"Key2\":\"Value2\"}");
    check(MOD "    Remove Key1\n", rec, "{\"Key2\":\"Value2\"}");
    check(MOD "    Remove_wildcard Key\n    Add a b\n", rec, "{\"a\":\"b\"}");
    check(MOD "    Remove_wildcard Key*\n    Add a b\n", rec, "{\"a\":\"b\"}");
    check(MOD "    Remove_regex ^K.*2$\n", rec, "{\"Key1\":\"Value1\"}");
    check(MOD "    Rename Key1 Key2\n    Add x y\n", rec,
          "{\"Key1\":\"Value1\",\"Key2\":\"Value2\",\"x\":\"y\"}");
    check(MOD "    Hard_rename Key1 Key2\n", rec, "{\"Key2\":\"Value1\"}");
    check(MOD "    Copy Key1 Key3\n", rec,
          "{\"Key1\":\"Value1\",\"Key2\":\"Value2\",\"Key3\":\"Value1\"}");
    check(MOD "    Copy Key1 Key2\n    Add x y\n", rec,
          "{\"Key1\":\"Value1\",\"Key2\":\"Value2\",\"x\":\"y\"}");
    check(MOD "    Hard_copy Key1 Key2\n", rec, "{\"Key1\":\"Value1\",\"Key2\":\"Value1\"}");
    check(MOD "    Move_to_start Key2\n", rec, "{\"Key2\":\"Value2\",\"Key1\":\"Value1\"}");
    check(MOD "    Move_to_end Key1\n", rec, "{\"Key2\":\"Value2\",\"Key1\":\"Value1\"}");
    check(MOD "    Set \"a key\" \"a \\\"quoted\\\" value\"\n", "{}",
          "{\"a key\":\"a \\\"quoted\\\" value\"}");
    /* The emoji example of Fluent Bit's documentation: rules chain in order. */
    check(MOD "    Set This_plugin_is_on \xf0\x9f\x94\xa5\n    Set \xf0\x9f\x94\xa5 is_hot\n"
              "    Copy \xf0\x9f\x94\xa5 \xf0\x9f\x92\xa6\n"
              "    Rename \xf0\x9f\x92\xa6 \xe2\x9d\x84\n    Set \xe2\x9d\x84 is_cold\n"
              "    Set \xf0\x9f\x92\xa6 is_wet\n",
          "{}",
          "{\"This_plugin_is_on\":\"\xf0\x9f\x94\xa5\",\"\xf0\x9f\x94\xa5\":\"is_hot\","
          "\"\xe2\x9d\x84\":\"is_cold\",\"\xf0\x9f\x92\xa6\":\"is_wet\"}");
}

static void test_modify_conditions(void **state)
{
    (void)state;
    const char *rec = "{\"a\":\"1\",\"b\":\"two\",\"n\":5}";
    const char *hit = "{\"a\":\"1\",\"b\":\"two\",\"n\":5,\"hit\":\"y\"}";
    struct {
        const char *cond;
        int holds;
    } cases[] = {
        {"Key_exists a", 1},
        {"Key_exists z", 0},
        {"Key_does_not_exist z", 1},
        {"Key_does_not_exist a", 0},
        {"A_key_matches ^b$", 1},
        {"A_key_matches ^c", 0},
        {"No_key_matches ^c", 1},
        {"No_key_matches ^[ab]", 0},
        {"Key_value_equals b two", 1},
        {"Key_value_equals b three", 0},
        {"Key_value_equals n 5", 0},
        {"Key_value_does_not_equal b three", 1},
        {"Key_value_does_not_equal b two", 0},
        {"Key_value_does_not_equal z two", 0},
        {"Key_value_matches b ^t.o$", 1},
        {"Key_value_matches b ^x", 0},
        {"Key_value_does_not_match b ^x", 1},
        {"Key_value_does_not_match b ^t", 0},
        {"Matching_keys_have_matching_values ^[ab]$ ^(1|two)$", 1},
        {"Matching_keys_have_matching_values ^[ab]$ ^1$", 0},
        {"Matching_keys_do_not_have_matching_values ^[ab]$ ^x", 1},
        {"Matching_keys_do_not_have_matching_values ^[ab]$ ^1$", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char f[512];
        snprintf(f, sizeof(f), MOD "    Condition %s\n    Add hit y\n", cases[i].cond);
        check(f, rec, cases[i].holds ? hit : rec);
    }
    /* Every condition must hold. */
    check(MOD "    Condition Key_exists a\n    Condition Key_exists z\n    Add hit y\n", rec, rec);
}

static void expect_init_error(const char *filters)
{
    struct harness h;
    if (setup(&h, filters) == 0) {
        fail_msg("expected an init error for:\n%s", filters);
    }
    teardown(&h);
}

static void test_modify_errors(void **state)
{
    (void)state;
    expect_init_error(MOD "    Set onlykey\n");
    expect_init_error(MOD "    Remove a b\n");
    expect_init_error(MOD "    Remove_regex (\n");
    expect_init_error(MOD "    Condition No_such_thing a\n    Add a b\n");
    expect_init_error(MOD "    Condition Key_exists a\n");
    expect_init_error(MOD "    Set \"unterminated value\n");
    expect_init_error(MOD "    Set $a['b'] c\n");
}

#define PARSER "[FILTER]\n    Name parser\n    Match *\n    Key_Name log\n"

static void test_parser_filter(void **state)
{
    (void)state;
    const char *rec = "{\"log\":\"100 0.5 true This is example\",\"key1\":\"value1\"}";
    const char *def = "[PARSER]\n    Name dummy_test\n    Format regex\n"
                      "    Regex ^(?<INT>[^ ]+) (?<FLOAT>[^ ]+) (?<BOOL>[^ ]+) (?<STRING>.+)$\n"
                      "    Types INT:integer FLOAT:float BOOL:bool\n";
    char f[2048];
    snprintf(f, sizeof(f), "%s" PARSER "    Parser dummy_test\n", def);
    check(f, rec, "{\"INT\":100,\"FLOAT\":0.5,\"BOOL\":true,\"STRING\":\"This is example\"}");
    snprintf(f, sizeof(f), "%s" PARSER "    Parser dummy_test\n    Reserve_Data On\n", def);
    check(f, rec,
          "{\"INT\":100,\"FLOAT\":0.5,\"BOOL\":true,\"STRING\":\"This is example\","
          "\"key1\":\"value1\"}");
    snprintf(f, sizeof(f),
             "%s" PARSER "    Parser dummy_test\n    Reserve_Data On\n    Preserve_Key On\n", def);
    check(f, rec,
          "{\"INT\":100,\"FLOAT\":0.5,\"BOOL\":true,\"STRING\":\"This is example\","
          "\"log\":\"100 0.5 true This is example\",\"key1\":\"value1\"}");
    /* No match and no key: unchanged. Several parsers: the first that matches. */
    check(PARSER "    Parser json\n", "{\"log\":\"not json\"}", "{\"log\":\"not json\"}");
    check(PARSER "    Parser json\n", "{\"msg\":\"x\"}", "{\"msg\":\"x\"}");
    check(PARSER "    Parser json\n    Parser nginx\n",
          "{\"log\":\"1.2.3.4 - bob [10/Oct/2000:13:55:36 -0700] \\\"GET /a.gif HTTP/1.0\\\" "
          "200 2326\"}",
          "{\"remote\":\"1.2.3.4\",\"host\":\"-\",\"user\":\"bob\",\"method\":\"GET\","
          "\"path\":\"/a.gif\",\"code\":\"200\",\"size\":\"2326\"}");
}

static void test_parser_time(void **state)
{
    (void)state;
    struct harness h;
    char out[4096];
    assert_int_equal(setup(&h, PARSER "    Parser docker\n"), 0);
    run(&h, "{\"log\":\"{\\\"log\\\":\\\"hi\\\",\\\"time\\\":\\\"2023-11-14T22:13:20.5Z\\\"}\"}",
        out, sizeof(out));
    assert_string_equal(out, "{\"log\":\"hi\",\"time\":\"2023-11-14T22:13:20.5Z\"}");
    assert_int_equal(h.sec, 1700000000);
    teardown(&h);
    assert_int_equal(setup(&h, PARSER "    Parser json\n"), 0);
    run(&h, "{\"log\":\"{\\\"a\\\":1,\\\"time\\\":\\\"14/Nov/2023:23:13:21 +0100\\\"}\"}", out,
        sizeof(out));
    assert_string_equal(out, "{\"a\":1}");
    assert_int_equal(h.sec, 1700000001);
    teardown(&h);
}

static void test_parser_errors(void **state)
{
    (void)state;
    expect_init_error(PARSER "    Parser no_such_parser\n");
    expect_init_error("[FILTER]\n    Name parser\n    Match *\n    Parser json\n");
    expect_init_error(PARSER);
    expect_init_error("[PARSER]\n    Name lf\n    Format logfmt\n" PARSER "    Parser lf\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modify_rules),  cmocka_unit_test(test_modify_conditions),
        cmocka_unit_test(test_modify_errors), cmocka_unit_test(test_parser_filter),
        cmocka_unit_test(test_parser_time),   cmocka_unit_test(test_parser_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
