/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the parser core: Time_Format with %L, %z, %s and Time_Offset; the parsers shipped in
 * docker/emu-router/parsers.conf on sample lines of their formats (fields in pattern order, the
 * time taken out unless Time_Keep); types, empty values, /regex/ and definition errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/router/config.h"
#include "emu/router/mp.h"
#include "emu/router/parser.h"
#include "tests/support/test_support.h"

static void test_timestamps(void **state)
{
    (void)state;
    int64_t s;
    uint32_t ns;
    const char *t = "2023-11-14T22:13:20.123456789Z";
    assert_int_equal(emu_router_parse_timestamp(t, strlen(t), "%Y-%m-%dT%H:%M:%S.%L", 0, &s, &ns),
                     0);
    assert_int_equal(s, 1700000000);
    assert_int_equal(ns, 123456789);
    t = "2023-11-14T23:13:20.5+01:00";
    assert_int_equal(
        emu_router_parse_timestamp(t, strlen(t), "%Y-%m-%dT%H:%M:%S.%L%z", 0, &s, &ns), 0);
    assert_int_equal(s, 1700000000);
    assert_int_equal(ns, 500000000);
    t = "14/Nov/2023:14:13:20 -0800";
    assert_int_equal(
        emu_router_parse_timestamp(t, strlen(t), "%d/%b/%Y:%H:%M:%S %z", 0, &s, &ns), 0);
    assert_int_equal(s, 1700000000);
    t = "1700000000.25";
    assert_int_equal(emu_router_parse_timestamp(t, strlen(t), "%s.%L", 0, &s, &ns), 0);
    assert_int_equal(s, 1700000000);
    assert_int_equal(ns, 250000000);
    t = "2023-11-15 07:13:20";
    assert_int_equal(emu_router_parse_timestamp(t, strlen(t), "%Y-%m-%d %H:%M:%S", 9 * 3600, &s,
                                                &ns),
                     0);
    assert_int_equal(s, 1700000000);
    t = "not a time";
    assert_int_equal(emu_router_parse_timestamp(t, strlen(t), "%Y-%m-%d", 0, &s, &ns), -EINVAL);
    int64_t off;
    assert_int_equal(emu_router_parse_utc_offset("+0900", &off), 0);
    assert_int_equal(off, 32400);
    assert_int_equal(emu_router_parse_utc_offset("-05:30", &off), 0);
    assert_int_equal(off, -19800);
    assert_int_equal(emu_router_parse_utc_offset("0900", &off), -EINVAL);
}

struct shipped {
    struct emu_router_config *cf;
    struct emu_diags diags;
};

static const struct emu_router_section *find(struct shipped *sh, const char *name)
{
    for (size_t i = 0; i < sh->cf->n_sections; i++) {
        const char *n = emu_router_section_get(&sh->cf->sections[i], "name");
        if (n && strcmp(n, name) == 0) {
            return &sh->cf->sections[i];
        }
    }
    fail_msg("no parser %s", name);
    return NULL;
}

/* Parses line with the shipped parser name; checks the JSON and, when want_sec, the time. */
static void expect(struct shipped *sh, const char *name, const char *line, const char *want,
                   int64_t want_sec)
{
    struct emu_router_parser p;
    char err[256];
    struct emu_buf out, js;
    int has_time;
    int64_t sec = 0;
    uint32_t nsec;
    assert_int_equal(emu_router_parser_init(&p, find(sh, name), err, sizeof(err)), 0);
    emu_buf_init(&out, 1u << 20);
    emu_buf_init(&js, 1u << 20);
    assert_int_equal(emu_router_parser_do(&p, line, strlen(line), &out, &has_time, &sec, &nsec),
                     0);
    assert_int_equal(emu_mp_to_json(out.data, out.len, &js), 0);
    if (strcmp(js.data, want) != 0) {
        fail_msg("%s:\n  got %s\n want %s", name, js.data, want);
    }
    assert_int_equal(has_time, want_sec != 0);
    if (want_sec) {
        assert_int_equal(sec, want_sec);
    }
    emu_buf_done(&out);
    emu_buf_done(&js);
    emu_router_parser_done(&p);
}

static void test_shipped_parsers(void **state)
{
    (void)state;
    struct shipped sh;
    struct emu_router_config_env env = {0};
    emu_diags_init(&sh.diags);
    assert_int_equal(emu_router_config_load(emu_test_source_path("docker/emu-router/parsers.conf"),
                                            &env, &sh.cf, &sh.diags),
                     0);
    expect(&sh, "apache",
           "192.168.2.20 - - [28/Jul/2006:10:27:10 -0300] \"GET /cgi-bin/try/ HTTP/1.0\" 200 "
           "3395",
           "{\"host\":\"192.168.2.20\",\"user\":\"-\",\"method\":\"GET\",\"path\":\"/cgi-bin/"
           "try/\",\"code\":\"200\",\"size\":\"3395\"}",
           1154093230);
    expect(&sh, "apache2",
           "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 "
           "2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
           "{\"host\":\"127.0.0.1\",\"user\":\"frank\",\"method\":\"GET\",\"path\":\"/apache_pb."
           "gif\",\"code\":\"200\",\"size\":\"2326\",\"referer\":\"http://www.example.com/start."
           "html\",\"agent\":\"Mozilla/4.08 [en] (Win98; I ;Nav)\"}",
           971211336);
    expect(&sh, "nginx",
           "172.17.0.1 - - [14/Nov/2023:22:13:20 +0000] \"POST /api HTTP/1.1\" 201 12 \"-\" "
           "\"curl/8.0\"",
           "{\"remote\":\"172.17.0.1\",\"host\":\"-\",\"user\":\"-\",\"method\":\"POST\",\"path\":"
           "\"/api\",\"code\":\"201\",\"size\":\"12\",\"referer\":\"-\",\"agent\":\"curl/8.0\"}",
           1700000000);
    expect(&sh, "syslog-rfc5424",
           "<165>1 2023-11-14T22:13:20.003Z mymachine.example.com evntslog - ID47 - An "
           "application event",
           "{\"pri\":\"165\",\"time\":\"2023-11-14T22:13:20.003Z\",\"host\":\"mymachine.example."
           "com\",\"ident\":\"evntslog\",\"pid\":\"-\",\"msgid\":\"ID47\",\"extradata\":\"-\","
           "\"message\":\"An application event\"}",
           1700000000);
    expect(&sh, "json", "{\"a\":1,\"b\":[true,null],\"time\":\"14/Nov/2023:22:13:20 +0000\"}",
           "{\"a\":1,\"b\":[true,null]}", 1700000000);
    expect(&sh, "docker", "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":"
                          "\"2023-11-14T22:13:20.000000001Z\"}",
           "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20."
           "000000001Z\"}",
           1700000000);
    expect(&sh, "cri", "2023-11-14T22:13:20.1+00:00 stderr F boom",
           "{\"stream\":\"stderr\",\"logtag\":\"F\",\"message\":\"boom\"}", 1700000000);
    expect(&sh, "docker-daemon",
           "time=\"2023-11-14T22:13:20.000000000Z\" level=info msg=\"Daemon has completed\"",
           "{\"time\":\"2023-11-14T22:13:20.000000000Z\",\"level\":\"info\",\"msg\":\"Daemon has "
           "completed\"}",
           1700000000);
    emu_router_config_free(sh.cf);
    emu_diags_done(&sh.diags);
}

static void parse_def(const char *text, int want_rc, const char *line, const char *want)
{
    struct emu_router_config *cf = NULL;
    struct emu_diags diags;
    struct emu_router_config_env env = {0};
    struct emu_router_parser p;
    char err[256];
    emu_diags_init(&diags);
    assert_int_equal(emu_router_config_load_buffer("p.conf", text, strlen(text), &env, &cf,
                                                   &diags),
                     0);
    int rc = emu_router_parser_init(&p, &cf->sections[0], err, sizeof(err));
    assert_int_equal(rc, want_rc);
    if (rc == 0 && line) {
        struct emu_buf out, js;
        int has_time;
        int64_t sec;
        uint32_t nsec;
        emu_buf_init(&out, 1u << 20);
        emu_buf_init(&js, 1u << 20);
        rc = emu_router_parser_do(&p, line, strlen(line), &out, &has_time, &sec, &nsec);
        if (want) {
            assert_int_equal(rc, 0);
            assert_int_equal(emu_mp_to_json(out.data, out.len, &js), 0);
            assert_string_equal(js.data, want);
        }
        else {
            assert_int_equal(rc, -ENOENT);
        }
        emu_buf_done(&out);
        emu_buf_done(&js);
    }
    emu_router_parser_done(&p);
    emu_router_config_free(cf);
    emu_diags_done(&diags);
}

static void test_definitions(void **state)
{
    (void)state;
    parse_def("[PARSER]\n    Name r\n    Format regex\n    Regex /^(?<a>\\w+) (?<b>\\w*)/\n", 0,
              "x ", "{\"a\":\"x\"}");
    parse_def("[PARSER]\n    Name r\n    Format regex\n    Regex ^(?<a>\\w+) (?<b>\\w*)\n"
              "    Skip_Empty_Values Off\n    Types a:hex\n",
              0, "ff ", "{\"a\":255,\"b\":\"\"}");
    parse_def("[PARSER]\n    Name r\n    Format regex\n    Regex ^(?<a>\\d+)$\n", 0, "abc", NULL);
    parse_def("[PARSER]\n    Name j\n    Format json\n", 0, "[1,2]", NULL);
    parse_def("[PARSER]\n    Name j\n    Format json\n", 0, "{\"a\":", NULL);
    parse_def("[PARSER]\n    Name r\n    Format regex\n    Regex (\n", -EINVAL, NULL, NULL);
    parse_def("[PARSER]\n    Name r\n    Format regex\n", -EINVAL, NULL, NULL);
    parse_def("[PARSER]\n    Name r\n    Format yaml\n", -EINVAL, NULL, NULL);
    parse_def("[PARSER]\n    Format json\n", -EINVAL, NULL, NULL);
    parse_def("[PARSER]\n    Name j\n    Format json\n    Types a:complex\n", -EINVAL, NULL, NULL);
    parse_def("[PARSER]\n    Name j\n    Format json\n    Time_Offset 9\n", -EINVAL, NULL, NULL);
    parse_def("[PARSER]\n    Name j\n    Format json\n    Time_Keep maybe\n", -EINVAL, NULL,
              NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_shipped_parsers),
        cmocka_unit_test(test_definitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
