/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the multiline parsers: the state machine on the documented examples (the multiline
 * filter page's Java and Go log with multiline-regex-test and go, a Java stack trace with
 * Caused by, a chained Python traceback), docker and cri pieces, rule syntax (comma-separated
 * states, /regex/flags, \" in a field, a next state that is a start state ending the message),
 * and every bad rule line failing with an error naming that line. */
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
#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/mlparser.h"
#include "tests/support/test_support.h"

#define MSGS_MAX 64

struct msgs {
    char *v[MSGS_MAX];
    size_t n;
};

static void msgs_done(struct msgs *m)
{
    for (size_t i = 0; i < m->n; i++) {
        emu_free(m->v[i]);
    }
    m->n = 0;
}

static void push(struct msgs *m, struct emu_buf *b)
{
    assert_true(m->n < MSGS_MAX);
    m->v[m->n++] = emu_strndup(b->data ? b->data : "", b->len);
    b->len = 0;
}

/* Runs lines (one per '\n' of text; partial flags from flags[] when given) through the parsers
 * the way the filter does and returns the records that come out, the last one by the flush. */
static void run(const struct emu_router_ml_parser *const *ps, size_t n, const char *text,
                const int *flags, struct msgs *out)
{
    struct emu_router_ml_state st = {0};
    const struct emu_router_ml_parser *cur = NULL;
    struct emu_buf b;
    emu_buf_init(&b, 1u << 20);
    size_t i = 0;
    for (const char *line = text; *line; i++) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const struct emu_router_ml_parser *p = NULL;
        int ends = 0;
        enum emu_router_ml_action a =
            emu_router_ml_step(ps, n, &st, line, len, flags ? flags[i] : 0, &p, &ends);
        if (a != EMU_ML_CONT && cur) {
            push(out, &b);
            cur = NULL;
        }
        if (a == EMU_ML_ALONE) {
            assert_int_equal(emu_buf_append(&b, line, len), 0);
            push(out, &b);
        }
        else {
            assert_non_null(p);
            assert_int_equal(emu_router_ml_join(p, &b, line, len), 0);
            cur = p;
            if (ends) {
                push(out, &b);
                cur = NULL;
            }
        }
        line = nl ? nl + 1 : line + len;
    }
    if (cur) {
        push(out, &b);
    }
    emu_buf_done(&b);
}

/* Lines from..to (1-based, inclusive) of text joined by '\n'. */
static char *lines(const char *text, int from, int to)
{
    const char *s = text;
    for (int i = 1; i < from; i++) {
        s = strchr(s, '\n') + 1;
    }
    const char *e = s;
    for (int i = from; i <= to; i++) {
        e = strchr(e, '\n') + 1;
    }
    return emu_strndup(s, (size_t)(e - s - 1));
}

static void assert_msg(const struct msgs *m, size_t i, const char *text, int from, int to)
{
    char *want = lines(text, from, to);
    assert_true(i < m->n);
    assert_string_equal(m->v[i], want);
    emu_free(want);
}

static int load_section(const char *conf, struct emu_router_ml_parser *p, struct emu_diags *d)
{
    struct emu_router_config_env env = {.no_include = 1};
    struct emu_router_config *cf = NULL;
    int rc = emu_router_config_load_buffer("ml.conf", conf, strlen(conf), &env, &cf, d);
    assert_int_equal(rc, 0);
    rc = emu_router_ml_parser_init(p, &cf->sections[0], d);
    emu_router_config_free(cf);
    return rc;
}

static const char regex_test[] =
    "[MULTILINE_PARSER]\n"
    "    name          multiline-regex-test\n"
    "    type          regex\n"
    "    flush_timeout 1000\n"
    "    rule      \"start_state\"   \"/([a-zA-Z]+ \\d+ \\d+\\:\\d+\\:\\d+)(.*)/\"  \"cont\"\n"
    "    rule      \"cont\"          \"/^\\s+at.*/\"                     \"cont\"\n";

/* The multiline filter page: go, multiline-regex-test over its test.log gives 5 records. */
static void test_filter_doc_example(void **state)
{
    (void)state;
    struct emu_router_ml_parser go, rt;
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_router_ml_parser_builtin(&go, "go"), 0);
    assert_int_equal(load_section(regex_test, &rt, &d), 0);
    assert_int_equal(rt.flush_timeout_ms, 1000);
    char *text = emu_test_read_file(emu_test_source_path("fixtures/multiline/filter_doc_test.log"),
                                    NULL);
    const struct emu_router_ml_parser *ps[] = {&go, &rt};
    struct msgs m = {0};
    run(ps, 2, text, NULL, &m);
    assert_int_equal(m.n, 5);
    assert_msg(&m, 0, text, 1, 1);
    assert_msg(&m, 1, text, 2, 7);
    assert_msg(&m, 2, text, 8, 8);
    assert_msg(&m, 3, text, 9, 59);
    assert_msg(&m, 4, text, 60, 60);
    msgs_done(&m);
    /* java instead of the custom parser joins the same stack trace */
    struct emu_router_ml_parser java;
    assert_int_equal(emu_router_ml_parser_builtin(&java, "java"), 0);
    const struct emu_router_ml_parser *ps2[] = {&java, &go};
    run(ps2, 2, text, NULL, &m);
    assert_int_equal(m.n, 5);
    assert_msg(&m, 1, text, 2, 7);
    assert_msg(&m, 3, text, 9, 59);
    msgs_done(&m);
    /* a plain word after a frame's file line is not a frame */
    const struct emu_router_ml_parser *ps3[] = {&go};
    run(ps3, 1, "panic: bad\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n"
                "after\n", NULL, &m);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.v[1], "after");
    msgs_done(&m);
    emu_free(text);
    emu_router_ml_parser_done(&java);
    emu_router_ml_parser_done(&go);
    emu_router_ml_parser_done(&rt);
    emu_diags_done(&d);
}

static void test_java(void **state)
{
    (void)state;
    struct emu_router_ml_parser java;
    assert_int_equal(emu_router_ml_parser_builtin(&java, "java"), 0);
    char *text = emu_test_read_file(emu_test_source_path("fixtures/multiline/java.log"), NULL);
    const struct emu_router_ml_parser *ps[] = {&java};
    struct msgs m = {0};
    run(ps, 1, text, NULL, &m);
    assert_int_equal(m.n, 3);
    assert_msg(&m, 0, text, 1, 1);
    assert_msg(&m, 1, text, 2, 8);
    assert_msg(&m, 2, text, 9, 9);
    msgs_done(&m);
    /* two traces in a row are two records */
    run(ps, 1,
        "java.lang.RuntimeException: one\n\tat A.a(A.java:1)\n"
        "java.lang.Error: two\n\tat B.b(B.java:2)\n",
        NULL, &m);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.v[0], "java.lang.RuntimeException: one\n\tat A.a(A.java:1)");
    assert_string_equal(m.v[1], "java.lang.Error: two\n\tat B.b(B.java:2)");
    msgs_done(&m);
    emu_free(text);
    emu_router_ml_parser_done(&java);
}

static void test_python(void **state)
{
    (void)state;
    struct emu_router_ml_parser py;
    assert_int_equal(emu_router_ml_parser_builtin(&py, "python"), 0);
    char *text = emu_test_read_file(emu_test_source_path("fixtures/multiline/python.log"), NULL);
    const struct emu_router_ml_parser *ps[] = {&py};
    struct msgs m = {0};
    run(ps, 1, text, NULL, &m);
    assert_int_equal(m.n, 3);
    assert_msg(&m, 0, text, 1, 1);
    assert_msg(&m, 1, text, 2, 14);
    assert_msg(&m, 2, text, 15, 15);
    msgs_done(&m);
    emu_free(text);
    emu_router_ml_parser_done(&py);
}

static void test_docker_cri(void **state)
{
    (void)state;
    struct emu_router_ml_parser dk, cri;
    assert_int_equal(emu_router_ml_parser_builtin(&dk, "docker"), 0);
    assert_int_equal(emu_router_ml_parser_builtin(&cri, "cri"), 0);
    assert_string_equal(dk.key_content, "log");
    const struct emu_router_ml_parser *ps[] = {&dk};
    struct emu_router_ml_state st = {0};
    const struct emu_router_ml_parser *p;
    int ends;
    assert_int_equal(emu_router_ml_step(ps, 1, &st, "whole\n", 6, 0, &p, &ends), EMU_ML_ALONE);
    assert_int_equal(emu_router_ml_step(ps, 1, &st, "par", 3, 0, &p, &ends), EMU_ML_START);
    assert_ptr_equal(p, &dk);
    assert_int_equal(ends, 0);
    assert_int_equal(emu_router_ml_step(ps, 1, &st, "t", 1, 0, &p, &ends), EMU_ML_CONT);
    assert_int_equal(ends, 0);
    assert_int_equal(emu_router_ml_step(ps, 1, &st, "ial\n", 4, 0, &p, &ends), EMU_ML_CONT);
    assert_int_equal(ends, 1);
    struct emu_buf b;
    emu_buf_init(&b, 64);
    assert_int_equal(emu_router_ml_join(&dk, &b, "par", 3), 0);
    assert_int_equal(emu_router_ml_join(&dk, &b, "tial\n", 5), 0);
    assert_string_equal(b.data, "partial\n");
    emu_buf_done(&b);
    const struct emu_router_ml_parser *pc[] = {&cri};
    static const int flags[] = {0, 1, 1, 0, 0};
    struct msgs m = {0};
    run(pc, 1, "one\ntw\no-\nthree\nfour\n", flags, &m);
    assert_int_equal(m.n, 3);
    assert_string_equal(m.v[0], "one");
    assert_string_equal(m.v[1], "two-three");
    assert_string_equal(m.v[2], "four");
    msgs_done(&m);
    emu_router_ml_parser_done(&dk);
    emu_router_ml_parser_done(&cri);
}

static void test_rule_syntax(void **state)
{
    (void)state;
    struct emu_diags d;
    struct emu_router_ml_parser p;
    emu_diags_init(&d);
    /* BEGIN..END blocks: "cont, start_state" lists, flags, \" and a rule ending the message */
    assert_int_equal(load_section("[MULTILINE_PARSER]\n"
                                  "    name b\n    type regex\n    key_content msg\n"
                                  "    rule \"start_state\" \"/^begin \\\"x\\\"$/i\" \"body\"\n"
                                  "    rule \"body\" \"/^end$/\" \"start_state\"\n"
                                  "    rule \"body, more\" \"/^ /\" \"more\"\n",
                                  &p, &d),
                     0);
    assert_int_equal(p.n_rules, 3);
    assert_int_equal(p.rules[2].n_from, 2);
    assert_string_equal(p.rules[2].from[1], "more");
    assert_true(p.rules[1].ends);
    assert_false(p.rules[0].ends);
    assert_string_equal(p.key_content, "msg");
    assert_int_equal(p.flush_timeout_ms, EMU_ROUTER_ML_FLUSH_DEFAULT);
    const struct emu_router_ml_parser *ps[] = {&p};
    struct msgs m = {0};
    run(ps, 1, "BEGIN \"x\"\nend\nBEGIN \"X\"\n a\n b\nend\n c\n", NULL, &m);
    assert_int_equal(m.n, 4);
    assert_string_equal(m.v[0], "BEGIN \"x\"\nend"); /* next state start_state: complete */
    assert_string_equal(m.v[1], "BEGIN \"X\"\n a\n b");
    assert_string_equal(m.v[2], "end"); /* "more" has no "end" rule: a record of its own */
    assert_string_equal(m.v[3], " c");
    msgs_done(&m);
    emu_router_ml_parser_done(&p);
    /* an empty line joins as "\n" */
    assert_int_equal(load_section("[MULTILINE_PARSER]\n    name e\n    type regex\n"
                                  "    rule \"start_state\" \"/^S/\" \"c\"\n"
                                  "    rule \"c\" \"/^$|^ /\" \"c\"\n",
                                  &p, &d),
                     0);
    const struct emu_router_ml_parser *pe[] = {&p};
    run(pe, 1, "S1\n\n x\nS2\n", NULL, &m);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.v[0], "S1\n\n x");
    assert_string_equal(m.v[1], "S2");
    msgs_done(&m);
    emu_router_ml_parser_done(&p);
    emu_diags_done(&d);
}

struct bad {
    const char *rule_lines;
    unsigned line;
    const char *msg;
};

static void test_rule_errors(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {"    rule \"start_state\" \"/a/\"\n", 4, "rule needs 3 double-quoted fields"},
        {"    rule start_state \"/a/\" \"cont\"\n", 4, "rule needs 3 double-quoted fields"},
        {"    rule \"start_state\" \"/a/\" \"cont\" \"x\"\n", 4, "rule needs 3"},
        {"    rule \"start_state\" \"/a/\" \"cont\n", 4, "rule needs 3"},
        {"    rule \"start_state\" \"/a(/\" \"cont\"\n", 4, "invalid regex '/a(/'"},
        {"    rule \"start_state\" \"/a/\" \"c\"\n    rule \"c\" \"/[z-a]/\" \"c\"\n", 5,
         "invalid regex"},
        {"    rule \"cont\" \"/a/\" \"cont\"\n", 4,
         "the first rule must be for state 'start_state', not 'cont'"},
        {"    rule \"\" \"/a/\" \"cont\"\n", 4, "empty state name"},
        {"    rule \"start_state,\" \"/a/\" \"cont\"\n", 4, "empty state name"},
        {"    rule \"start_state\" \"\" \"cont\"\n", 4, "empty regex"},
        {"    rule \"start_state\" \"/a/\" \"\"\n", 4, "empty next state"},
        {"    flush_timeout soon\n    rule \"start_state\" \"/a/\" \"c\"\n", 4,
         "invalid flush_timeout 'soon'"},
        {"    flush_timeout -5\n    rule \"start_state\" \"/a/\" \"c\"\n", 4,
         "invalid flush_timeout '-5'"},
        {"", 1, "has no rule"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char conf[1024], where[32];
        snprintf(conf, sizeof(conf), "[MULTILINE_PARSER]\n    name bad\n    type regex\n%s",
                 bad[i].rule_lines);
        struct emu_diags d;
        struct emu_router_ml_parser p;
        emu_diags_init(&d);
        assert_int_equal(load_section(conf, &p, &d), EMU_ECONFIG);
        emu_router_ml_parser_done(&p);
        assert_int_equal(d.n, 1);
        snprintf(where, sizeof(where), "ml.conf:%u", bad[i].line);
        if (strcmp(d.items[0].where, where) != 0 || !strstr(d.items[0].message, bad[i].msg)) {
            fail_msg("case %zu: got '%s: %s', want '%s: %s'", i, d.items[0].where,
                     d.items[0].message, where, bad[i].msg);
        }
        emu_diags_done(&d);
    }
    struct emu_diags d;
    struct emu_router_ml_parser p;
    emu_diags_init(&d);
    assert_int_equal(load_section("[MULTILINE_PARSER]\n    name t\n    type endswith\n", &p, &d),
                     EMU_ECONFIG);
    assert_non_null(strstr(d.items[0].message, "unsupported type 'endswith'"));
    emu_router_ml_parser_done(&p);
    emu_diags_done(&d);
    emu_diags_init(&d);
    assert_int_equal(load_section("[MULTILINE_PARSER]\n    type regex\n", &p, &d), EMU_ECONFIG);
    assert_non_null(strstr(d.items[0].message, "without a name"));
    emu_router_ml_parser_done(&p);
    emu_diags_done(&d);
    assert_int_equal(emu_router_ml_parser_builtin(&p, "ruby"), -ENOENT);
    emu_router_ml_parser_done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_doc_example), cmocka_unit_test(test_java),
        cmocka_unit_test(test_python),             cmocka_unit_test(test_docker_cri),
        cmocka_unit_test(test_rule_syntax),        cmocka_unit_test(test_rule_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
