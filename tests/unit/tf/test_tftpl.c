/* SPDX-License-Identifier: Apache-2.0 */
/* Table-driven tests of the templatefile() engine: interpolation, escapes, strip markers,
 * directives, functions with Terraform's output (jsonencode above all), and every error with
 * its line and column; plus variable loading and the output and step ceilings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/tf/tftpl.h"
#include "tests/support/test_support.h"

struct tcase {
    const char *name;
    const char *tpl;
    const char *vars; /* JSON object, NULL = none */
    const char *want; /* expected output; NULL when an error is expected */
    unsigned line;    /* expected error position */
    unsigned col;
    const char *msg; /* expected error message (exact) */
};

#define VARS_SEED                                                                                 \
    "{\"name\":\"nginx\",\"port\":80,\"sport\":\"8080\",\"on\":true,\"off\":\"false\","           \
    "\"l\":[\"a\",\"b\",\"c\"],\"m\":{\"zeta\":\"1\",\"alpha\":\"2\",\"Mid\":\"3\"},"             \
    "\"nested\":{\"ports\":[80,443]},\"nothing\":null,\"f\":1.5,\"big\":1e21,"                    \
    "\"html\":\"<a&b>\",\"dest\":\"s3\"}"

static const struct tcase cases[] = {
    /* ---- rendering -------------------------------------------------------------------- */
    {"plain text", "hello\n", NULL, "hello\n", 0, 0, NULL},
    {"empty template", "", NULL, "", 0, 0, NULL},
    {"string variable", "image=${name}", VARS_SEED, "image=nginx", 0, 0, NULL},
    {"number variable", "\"containerPort\": ${port}", VARS_SEED, "\"containerPort\": 80", 0, 0,
     NULL},
    {"fraction and big numbers", "${f} ${big} ${0.25} ${-3}", VARS_SEED,
     "1.5 1000000000000000000000 0.25 -3", 0, 0, NULL},
    {"bool variable", "${on}", VARS_SEED, "true", 0, 0, NULL},
    {"spaces inside interpolation", "${  name  }", VARS_SEED, "nginx", 0, 0, NULL},
    {"escaped interpolation", "$${name} %%{ if } $$ %%", VARS_SEED, "${name} %{ if } $$ %%", 0,
     0, NULL},
    {"lone dollar and percent", "cost: $5, 100% ${name}", VARS_SEED, "cost: $5, 100% nginx", 0,
     0, NULL},
    {"map attribute", "${m.alpha}", VARS_SEED, "2", 0, 0, NULL},
    {"map index", "${m[\"zeta\"]}", VARS_SEED, "1", 0, 0, NULL},
    {"list index and nested", "${l[1]}${nested.ports[1]}${nested[\"ports\"][0]}", VARS_SEED,
     "b44380", 0, 0, NULL},
    {"legacy .0 index", "${l.2}", VARS_SEED, "c", 0, 0, NULL},
    {"string literal with escapes", "${\"a\\tb\\\"c\\u00e9\"}", NULL, "a\tb\"c\xc3\xa9", 0, 0,
     NULL},
    {"nested template in string", "${\"${name}:${port}\"}", VARS_SEED, "nginx:80", 0, 0, NULL},
    {"conditional", "${on ? \"yes\" : \"no\"} ${port == 80 ? 1 : 2}", VARS_SEED, "yes 1", 0, 0,
     NULL},
    {"string condition converts", "${off ? \"y\" : \"n\"}", VARS_SEED, "n", 0, 0, NULL},
    {"equality is typed", "${sport == 8080} ${sport == \"8080\"} ${port != 81}", VARS_SEED,
     "false true true", 0, 0, NULL},
    {"arithmetic and logic", "${port + 1} ${sport * 2} ${7 % 4} ${!on || port >= 80}", VARS_SEED,
     "81 16160 3 true", 0, 0, NULL},
    {"if else", "%{ if dest == \"s3\" }S3%{ else }CW%{ endif }", VARS_SEED, "S3", 0, 0, NULL},
    {"if without else false", "[%{ if !on }x%{ endif }]", VARS_SEED, "[]", 0, 0, NULL},
    {"for over list", "%{ for x in l }<${x}>%{ endfor }", VARS_SEED, "<a><b><c>", 0, 0, NULL},
    {"for with index", "%{ for i, x in l }${i}=${x};%{ endfor }", VARS_SEED, "0=a;1=b;2=c;", 0,
     0, NULL},
    {"for over map sorted", "%{ for k, v in m }${k}=${v} %{ endfor }", VARS_SEED,
     "Mid=3 alpha=2 zeta=1 ", 0, 0, NULL},
    {"for over map values", "%{ for v in m }${v}%{ endfor }", VARS_SEED, "321", 0, 0, NULL},
    {"nested for and if", "%{ for x in l }%{ if x != \"b\" }${x}%{ endif }%{ endfor }", VARS_SEED,
     "ac", 0, 0, NULL},
    {"strip markers around for", "[\n  %{~ for x in l ~}\n  \"${x}\",\n  %{~ endfor ~}\n]",
     VARS_SEED, "[\"a\",\"b\",\"c\",]", 0, 0, NULL},
    {"strip marker trailing only", "%{ for x in l ~}\nline ${x}\n%{ endfor ~}\nend", VARS_SEED,
     "line a\nline b\nline c\nend", 0, 0, NULL},
    {"interp strip markers", "a   ${~ name ~}   \n b", VARS_SEED, "anginxb", 0, 0, NULL},
    {"strip keeps non-space", "x.${~name}", VARS_SEED, "x.nginx", 0, 0, NULL},
    {"jsonencode map sorted and minified", "${jsonencode({b = 1, a = [true, null, \"x\"]})}",
     NULL, "{\"a\":[true,null,\"x\"],\"b\":1}", 0, 0, NULL},
    {"jsonencode escapes like Terraform", "${jsonencode(html)}${jsonencode(\"q\\\"\\n\")}",
     VARS_SEED, "\"\\u003ca\\u0026b\\u003e\"\"q\\\"\\n\"", 0, 0, NULL},
    {"jsonencode numbers", "${jsonencode([port, f, big, 0.1])}", VARS_SEED,
     "[80,1.5,1000000000000000000000,0.1]", 0, 0, NULL},
    {"jsonencode variable map", "${jsonencode(m)}", VARS_SEED,
     "{\"Mid\":\"3\",\"alpha\":\"2\",\"zeta\":\"1\"}", 0, 0, NULL},
    {"lower upper", "${lower(\"AbC\")}${upper(name)}", VARS_SEED, "abcNGINX", 0, 0, NULL},
    {"join", "${join(\",\", l)} ${join(\"-\", l, [1, true])}", VARS_SEED, "a,b,c a-b-c-1-true",
     0, 0, NULL},
    {"tostring tonumber tobool", "${tostring(port)}${tonumber(sport) + 1}${tobool(\"true\")}",
     VARS_SEED, "808081true", 0, 0, NULL},
    {"replace", "${replace(\"a.b.c\", \".\", \"::\")}", NULL, "a::b::c", 0, 0, NULL},
    {"format", "${format(\"%s:%d %q 100%%\", name, port, \"x\")}", VARS_SEED,
     "nginx:80 \"x\" 100%", 0, 0, NULL},
    {"length", "${length(l)} ${length(m)} ${length(\"h\xc3\xa9\")}", VARS_SEED, "3 3 2", 0, 0,
     NULL},
    {"trimspace", "[${trimspace(\"  x y \\n\")}]", NULL, "[x y]", 0, 0, NULL},
    {"comments in expressions", "${name # note\n}", VARS_SEED, "nginx", 0, 0, NULL},
    {"identifier with dash", "${my-var}", "{\"my-var\":\"ok\"}", "ok", 0, 0, NULL},
    {"positions count characters", "\xc3\xa9${x}", "{\"x\":\"1\"}", "\xc3\xa9" "1", 0, 0, NULL},

    /* ---- errors ------------------------------------------------------------------------- */
    {"undefined variable", "{\n  \"containerPort\": ${port}\n}", NULL, NULL, 2, 22,
     "variable \"port\" is not defined"},
    {"var namespace", "${var.image}", NULL, NULL, 1, 3,
     "variable \"var\" is not defined: a template sees only the variables passed to "
     "templatefile(), not var.* (pass the value as a template variable)"},
    {"unsupported function", "x\n  ${xyz(1)}", NULL, NULL, 2, 5, "unsupported function \"xyz\""},
    {"terraform function not supported", "${base64encode(\"a\")}", NULL, NULL, 1, 3,
     "unsupported function \"base64encode\""},
    {"wrong argument count", "${lower(\"a\", \"b\")}", NULL, NULL, 1, 3,
     "lower() takes 1 argument, got 2"},
    {"too few variadic arguments", "${join(\",\")}", NULL, NULL, 1, 3,
     "join() takes at least 2 arguments, got 1"},
    {"unclosed interpolation", "a ${name", VARS_SEED, NULL, 1, 3,
     "this interpolation has no closing \"}\""},
    {"extra characters in interpolation", "${name name}", VARS_SEED, NULL, 1, 8,
     "expected \"}\" to close the interpolation, found \"n\" (to write a literal \"${\", escape "
     "it as \"$${\")"},
    {"unclosed directive", "%{ if on ", VARS_SEED, NULL, 1, 1,
     "this directive has no closing \"}\""},
    {"if without endif", "x\n%{ if on }y", VARS_SEED, NULL, 2, 1,
     "this if directive has no matching endif"},
    {"for without endfor", "%{ for x in l }y", VARS_SEED, NULL, 1, 1,
     "this for directive has no matching endfor"},
    {"stray endif", "a%{ endif }", NULL, NULL, 1, 2,
     "unexpected endif directive: no if directive is open"},
    {"stray else", "%{ else }", NULL, NULL, 1, 1,
     "unexpected else directive: no if directive is open"},
    {"stray endfor", "%{ endfor }", NULL, NULL, 1, 1,
     "unexpected endfor directive: no for directive is open"},
    {"double else", "%{ if on }a%{ else }b%{ else }c%{ endif }", VARS_SEED, NULL, 1, 22,
     "unexpected else directive: this if already has an else"},
    {"else in for", "%{ for x in l }a%{ else }b%{ endfor }", VARS_SEED, NULL, 1, 17,
     "unexpected else directive: a for directive has no else"},
    {"endfor closes if", "%{ if on }a%{ endfor }", VARS_SEED, NULL, 1, 12,
     "unexpected endfor directive: expected the endif of the if directive opened before it"},
    {"unknown directive", "%{ while on }", VARS_SEED, NULL, 1, 4,
     "unknown directive \"while\" (expected if, else, endif, for or endfor)"},
    {"missing directive keyword", "%{ 1 }", NULL, NULL, 1, 4,
     "expected a directive keyword (if, else, endif, for, endfor) after \"%{\""},
    {"for without in", "%{ for x of l }%{ endfor }", VARS_SEED, NULL, 1, 10,
     "expected \"in\" after the variable names of a for directive"},
    {"unterminated string", "${\"abc}", NULL, NULL, 1, 3, "this string has no closing quote"},
    {"invalid escape", "${\"a\\qb\"}", NULL, NULL, 1, 5, "invalid escape sequence \"\\q\""},
    {"null interpolated", "${nothing}", VARS_SEED, NULL, 1, 3,
     "the interpolated value is null; a null value cannot be included in a string"},
    {"list interpolated", "${l}", VARS_SEED, NULL, 1, 3,
     "the interpolated value is a list; a string is required (use jsonencode() or join())"},
    {"if condition not bool", "%{ if name }x%{ endif }", VARS_SEED, NULL, 1, 7,
     "the if condition must be a bool, not the string \"nginx\""},
    {"for over string", "%{ for x in name }%{ endfor }", VARS_SEED, NULL, 1, 13,
     "a for directive needs a list or a map, not a string"},
    {"index out of range", "${l[3]}", VARS_SEED, NULL, 1, 5,
     "index 3 is out of range for a list of 3 elements"},
    {"missing map key", "${m.nope}", VARS_SEED, NULL, 1, 5, "the map has no element \"nope\""},
    {"attribute of a string", "${name.x}", VARS_SEED, NULL, 1, 8,
     "cannot read an attribute of a string value"},
    {"tonumber of text", "${tonumber(name)}", VARS_SEED, NULL, 1, 12,
     "the argument of tonumber(): cannot convert \"nginx\" to a number"},
    {"format verb", "${format(\"%x\", 1)}", NULL, NULL, 1, 10,
     "format(): unsupported verb \"%x\" (supported: %s %d %v %q %%)"},
    {"format missing argument", "${format(\"%s %s\", 1)}", NULL, NULL, 1, 3,
     "format(): not enough arguments for the format string (1 given)"},
    {"format %d of fraction", "${format(\"%d\", f)}", VARS_SEED, NULL, 1, 16,
     "%d needs an integer, not 1.5"},
    {"regex replace", "${replace(\"a\", \"/a/\", \"b\")}", NULL, NULL, 1, 16,
     "replace() with a regular expression (\"/a/\") is not supported"},
    {"division by zero", "${1 / 0}", NULL, NULL, 1, 5, "division by zero"},
    {"missing conditional colon", "${on ? 1 }", VARS_SEED, NULL, 1, 10,
     "expected \":\" in a conditional expression, found \"}\""},
    {"splat", "${l[*]}", VARS_SEED, NULL, 1, 4, "splat expressions ([*]) are not supported"},
    {"for expression", "${[for x in l : x]}", VARS_SEED, NULL, 1, 4,
     "for expressions are not supported (use a %{ for } directive)"},
    {"empty interpolation", "${}", NULL, NULL, 1, 3, "expected an expression, found \"}\""},
    {"arithmetic on a list", "${l + 1}", VARS_SEED, NULL, 1, 3,
     "an arithmetic operand must be a number, not a list"},
};

static cJSON *parse_vars(const char *json)
{
    if (!json) {
        return NULL;
    }
    cJSON *v = NULL;
    struct emu_json_error jerr;
    assert_int_equal(emu_json_parse(json, strlen(json), &v, &jerr), 0);
    return v;
}

static void table(void **state)
{
    (void)state;
    long before = emu_mem_outstanding();
    size_t errors = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tcase *t = &cases[i];
        cJSON *vars = parse_vars(t->vars);
        struct emu_buf out;
        emu_buf_init(&out, EMU_TFTPL_MAX_OUTPUT);
        struct emu_tftpl_error err;
        int r = emu_tftpl_render(t->tpl, strlen(t->tpl), vars, &out, &err);
        const char *got = out.data ? out.data : "";
        if (t->want) {
            if (r != 0 || strcmp(got, t->want) != 0) {
                print_error("case \"%s\": r=%d err=%u:%u %s\n  got  [%s]\n  want [%s]\n", t->name,
                            r, err.line, err.column, err.message, got, t->want);
                errors++;
            }
        }
        else {
            errors += t->msg == NULL;
            if (r != EMU_EINVAL || err.line != t->line || err.column != t->col ||
                strcmp(err.message, t->msg) != 0) {
                print_error("case \"%s\": r=%d\n  got  %u:%u: %s\n  want %u:%u: %s\n", t->name, r,
                            err.line, err.column, err.message, t->line, t->col, t->msg);
                errors++;
            }
            if (out.len != 0) {
                print_error("case \"%s\": output left behind after an error\n", t->name);
                errors++;
            }
        }
        emu_buf_done(&out);
        cJSON_Delete(vars);
    }
    assert_int_equal(errors, 0);
    assert_true(sizeof(cases) / sizeof(cases[0]) >= 30);
    assert_int_equal(emu_mem_outstanding(), before);
}

/* The seed's task.tftpl with the values its README gives renders to the checked-in JSON. */
static void seed_template_renders_to_fixture(void **state)
{
    (void)state;
    size_t n = 0, wn = 0;
    char *tpl = emu_test_read_file(emu_test_source_path("fixtures/seed/task.tftpl"), &n);
    char *want = emu_test_read_file(emu_test_source_path("fixtures/seed/task.tftpl.rendered.json"),
                                    &wn);
    cJSON *vars = cJSON_CreateObject();
    assert_int_equal(emu_tftpl_var_string(vars, "router_image",
                                          "123456789012.dkr.ecr.us-east-1.amazonaws.com/"
                                          "fluent-bit-s3:2.32.4"),
                     0);
    assert_int_equal(emu_tftpl_var_string(vars, "log_group", "/ecs/fargate-firelens-s3"), 0);
    assert_int_equal(emu_tftpl_var_string(vars, "region", "us-east-1"), 0);
    assert_int_equal(emu_tftpl_var_string(vars, "image", "nginx"), 0);
    assert_int_equal(emu_tftpl_var_json(vars, "cpu", "256"), 0);
    assert_int_equal(emu_tftpl_var_string(vars, "port", "80"), 0);
    struct emu_buf out;
    emu_buf_init(&out, EMU_TFTPL_MAX_OUTPUT);
    struct emu_tftpl_error err;
    assert_int_equal(emu_tftpl_render(tpl, n, vars, &out, &err), 0);
    assert_string_equal(out.data, want);
    emu_buf_done(&out);
    cJSON_Delete(vars);
    emu_free(tpl);
    emu_free(want);
}

static void variables_load_and_replace(void **state)
{
    (void)state;
    long before = emu_mem_outstanding();
    cJSON *vars = cJSON_CreateObject();
    assert_int_equal(emu_tftpl_var_string(vars, "a", "1"), 0);
    assert_int_equal(emu_tftpl_var_string(vars, "a", "2"), 0); /* later wins */
    assert_int_equal(emu_tftpl_var_json(vars, "l", "[1, \"x\"]"), 0);
    assert_int_equal(emu_tftpl_var_json(vars, "bad", "[1,"), EMU_EJSON);
    const char *file = "{\"a\": \"3\", \"m\": {\"k\": true}}";
    assert_int_equal(emu_tftpl_var_file(vars, file, strlen(file)), 0);
    assert_int_equal(emu_tftpl_var_file(vars, "[1]", 3), EMU_EJSON);
    struct emu_buf out;
    emu_buf_init(&out, 1024);
    struct emu_tftpl_error err;
    const char *tpl = "${a}${jsonencode(l)}${m.k}";
    assert_int_equal(emu_tftpl_render(tpl, strlen(tpl), vars, &out, &err), 0);
    assert_string_equal(out.data, "3[1,\"x\"]true");
    emu_buf_done(&out);
    cJSON_Delete(vars);
    assert_true(emu_tftpl_valid_name("router_image"));
    assert_true(emu_tftpl_valid_name("a-b"));
    assert_false(emu_tftpl_valid_name("9x"));
    assert_false(emu_tftpl_valid_name("a.b"));
    assert_int_equal(emu_mem_outstanding(), before);
}

static void ceilings_hold(void **state)
{
    (void)state;
    long before = emu_mem_outstanding();
    cJSON *vars = cJSON_CreateObject();
    /* 1000 x 1000 x 100 iterations: stopped by the step ceiling, not run to the end. */
    cJSON *l = cJSON_AddArrayToObject(vars, "l");
    for (int i = 0; i < 1000; i++) {
        cJSON_AddItemToArray(l, cJSON_CreateNumber(i));
    }
    struct emu_buf out;
    emu_buf_init(&out, EMU_TFTPL_MAX_OUTPUT);
    struct emu_tftpl_error err;
    const char *loop = "%{ for a in l }%{ for b in l }%{ for c in l }x%{ endfor }%{ endfor }"
                       "%{ endfor }";
    assert_int_equal(emu_tftpl_render(loop, strlen(loop), vars, &out, &err), EMU_E2BIG);
    assert_non_null(strstr(err.message, "evaluation steps"));
    assert_int_equal(out.len, 0);
    /* Output over the buffer's own ceiling. */
    struct emu_buf small;
    emu_buf_init(&small, 100);
    const char *wide = "%{ for a in l }${a}%{ endfor }";
    assert_int_equal(emu_tftpl_render(wide, strlen(wide), vars, &small, &err), EMU_E2BIG);
    assert_non_null(strstr(err.message, "larger than"));
    emu_buf_done(&small);
    /* Deep nesting is refused, not recursed into. */
    char deep[1024];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "${");
    for (int i = 0; i < 200; i++) {
        deep[n++] = '(';
    }
    deep[n++] = '1';
    for (int i = 0; i < 200; i++) {
        deep[n++] = ')';
    }
    deep[n++] = '}';
    deep[n] = '\0';
    assert_int_equal(emu_tftpl_render(deep, n, vars, &out, &err), EMU_EINVAL);
    assert_non_null(strstr(err.message, "nested more than"));
    emu_buf_done(&out);
    cJSON_Delete(vars);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void out_of_memory_is_reported(void **state)
{
    (void)state;
    long before = emu_mem_outstanding();
    cJSON *vars = parse_vars(VARS_SEED);
    const char *tpl = "%{ for k, v in m }${jsonencode({k = v, l = l})}%{ endfor }${format(\"%s\","
                      " name)}";
    for (long fail = 1; fail < 400; fail++) {
        struct emu_buf out;
        emu_buf_init(&out, EMU_TFTPL_MAX_OUTPUT);
        struct emu_tftpl_error err;
        emu_mem_fail_after(fail);
        int r = emu_tftpl_render(tpl, strlen(tpl), vars, &out, &err);
        emu_mem_fail_after(0);
        assert_true(r == 0 || r == EMU_ENOMEM);
        emu_buf_done(&out);
    }
    cJSON_Delete(vars);
    assert_int_equal(emu_mem_outstanding(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(seed_template_renders_to_fixture),
        cmocka_unit_test(variables_load_and_replace),
        cmocka_unit_test(ceilings_hold),
        cmocka_unit_test(out_of_memory_is_reported),
    };
    emu_json_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
