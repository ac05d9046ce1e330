/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the init process's rules (variable names, the metadata /task document as the
 * fargate-emu shim renders it, ARNs, parser detection, the plan) and of every config file the
 * emu-router image ships (/fluent-bit/configs, /fluent-bit/parsers, /ecs) through the loader. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cmocka.h>

#include "emu/base/arena.h"
#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/model/metadata.h"
#include "emu/router/config.h"
#include "emu/router/init.h"
#include "emu/router/router.h"
#include "tests/support/test_support.h"

static void test_var_kind(void **state)
{
    (void)state;
    const struct {
        const char *name;
        unsigned kind;
    } cases[] = {
        {"aws_fluent_bit_init_s3_1", EMU_ROUTER_INIT_S3},
        {"aws_fluent_bit_init_S3_extra", EMU_ROUTER_INIT_S3},
        {"aws_fluent_bit_init_file_1", EMU_ROUTER_INIT_FILE},
        {"aws_fluent_bit_init_File", EMU_ROUTER_INIT_FILE},
        {"x_aws_fluent_bit_init_s3", EMU_ROUTER_INIT_S3}, /* unanchored, as the real one */
        {"aws_fluent_bit_init_s3_aws_fluent_bit_init_file", 3},
        {"AWS_FLUENT_BIT_INIT_S3_1", 0},
        {"aws_fluent_bit_init_", 0},
        {"aws_fluent_bit_init_fil", 0},
        {"ECS_CLUSTER", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned k = emu_router_init_var_kind(cases[i].name, strlen(cases[i].name));
        if (k != cases[i].kind) {
            fail_msg("%s: kind %u, expected %u", cases[i].name, k, cases[i].kind);
        }
    }
}

/* The /task document exactly as fargate-emu's metadata shim renders it (cli_metadata.c fills
 * the same struct): everything the init process reads is there and derives as on ECS. */
static void test_meta_from_shim_document(void **state)
{
    (void)state;
    struct emu_md_task t = {
        .cluster = "arn:aws:ecs:eu-west-2:123456789012:cluster/prod",
        .task_arn = "arn:aws:ecs:eu-west-2:123456789012:task/prod/0123456789abcdef0123456789abcdef",
        .family = "web",
        .revision = "7",
        .desired_status = "RUNNING",
        .known_status = "RUNNING",
        .launch_type = "FARGATE",
        .availability_zone = "eu-west-2a",
    };
    struct emu_buf doc;
    struct emu_arena a;
    struct emu_router_init_meta m;
    char why[300] = "";
    emu_buf_init(&doc, 1u << 20);
    emu_arena_init(&a, 1u << 20);
    assert_int_equal(emu_md_task_json(&t, false, &doc), 0);
    assert_int_equal(emu_router_init_meta_parse(doc.data, doc.len, &a, &m, why, sizeof(why)), 0);
    assert_string_equal(m.region, "eu-west-2");
    assert_string_equal(m.cluster, "prod");
    assert_string_equal(m.task_id, "0123456789abcdef0123456789abcdef");
    assert_string_equal(m.task_definition, "web:7");
    assert_string_equal(m.launch_type, "FARGATE");
    assert_string_equal(m.az, "eu-west-2a");
    const char *names[EMU_ROUTER_INIT_MAX_EXPORTS], *values[EMU_ROUTER_INIT_MAX_EXPORTS];
    size_t n = emu_router_init_exports(&m, names, values);
    const char *want[] = {"FLB_AWS_USER_AGENT", "AWS_REGION", "AWS_AVAILABILITY_ZONE",
                          "ECS_CLUSTER", "ECS_TASK_ARN", "ECS_TASK_ID", "ECS_FAMILY",
                          "ECS_LAUNCH_TYPE", "ECS_REVISION", "ECS_TASK_DEFINITION"};
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(names[i], want[i]);
    }
    assert_string_equal(values[0], "ecs-init");
    assert_string_equal(values[4], t.task_arn);
    /* Without metadata only the user agent; an empty field is not exported. */
    assert_int_equal(emu_router_init_exports(NULL, names, values), 1);
    m.az = "";
    assert_int_equal(emu_router_init_exports(&m, names, values), 9);
    assert_string_equal(names[2], "ECS_CLUSTER");
    /* A cluster given by name stays as it is. */
    const char named[] = "{\"Cluster\":\"default\",\"TaskARN\":\"arn:aws:ecs:us-east-1:1:task/"
                         "default/abc\",\"Family\":\"f\",\"Revision\":\"1\"}";
    assert_int_equal(emu_router_init_meta_parse(named, strlen(named), &a, &m, why, sizeof(why)),
                     0);
    assert_string_equal(m.cluster, "default");
    assert_string_equal(m.task_id, "abc");
    assert_string_equal(m.launch_type, "");
    emu_buf_done(&doc);
    emu_arena_done(&a);
}

/* The metadata shim's golden /task document (tests/unit/model/test_metadata.c). */
static void test_meta_golden_document(void **state)
{
    (void)state;
    size_t len = 0;
    char *doc = emu_test_read_file(emu_test_source_path("fixtures/metadata/task-fargate.json"),
                                   &len);
    struct emu_arena a;
    struct emu_router_init_meta m;
    char why[300] = "";
    assert_non_null(doc);
    emu_arena_init(&a, 1u << 20);
    assert_int_equal(emu_router_init_meta_parse(doc, len, &a, &m, why, sizeof(why)), 0);
    assert_string_equal(m.region, "us-east-1");
    assert_string_equal(m.az, "us-east-1a");
    assert_string_equal(m.cluster, "default");
    assert_string_equal(m.task_id, "0123456789abcdef0123456789abcdef");
    assert_string_equal(m.task_definition, "firelens-example-cloudwatch:3");
    assert_string_equal(m.launch_type, "FARGATE");
    emu_arena_done(&a);
    emu_free(doc);
}

static void test_meta_errors(void **state)
{
    (void)state;
    struct emu_arena a;
    struct emu_router_init_meta m;
    char why[300];
    emu_arena_init(&a, 1u << 20);
    const struct {
        const char *doc;
        const char *why;
    } cases[] = {
        {"{\"TaskARN\":\"not-an-arn\"}", "TaskARN \"not-an-arn\" is not an ARN"},
        {"{}", "TaskARN \"\" is not an ARN"},
        {"{\"TaskARN\":\"arn:aws:ecs:r:1:task/c/x\",\"Cluster\":\"a/b\"}",
         "Cluster \"a/b\" is not an ARN"},
        {"[1]", "not a JSON object"},
        {"{\"TaskARN\":", "not JSON: "},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        why[0] = '\0';
        assert_int_equal(emu_router_init_meta_parse(cases[i].doc, strlen(cases[i].doc), &a, &m,
                                                    why, sizeof(why)),
                         EMU_EBADMSG);
        if (strncmp(why, cases[i].why, strlen(cases[i].why)) != 0) {
            fail_msg("%s: why \"%s\", expected \"%s\"", cases[i].doc, why, cases[i].why);
        }
    }
    emu_arena_done(&a);
}

static void test_s3_arn_and_region(void **state)
{
    (void)state;
    struct emu_arena a;
    const char *b, *k;
    emu_arena_init(&a, 1u << 20);
    assert_int_equal(emu_router_init_s3_arn("arn:aws:s3:::cfg/dir/extra.conf", &a, &b, &k), 0);
    assert_string_equal(b, "cfg");
    assert_string_equal(k, "dir/extra.conf");
    assert_string_equal(emu_router_init_s3_name(k), "extra.conf");
    assert_int_equal(emu_router_init_s3_arn("arn:aws-cn:s3:::b/k", &a, &b, &k), 0);
    assert_string_equal(k, "k");
    assert_int_equal(emu_router_init_s3_arn("arn:aws:s3:::bucket", &a, &b, &k), EMU_EINVAL);
    assert_int_equal(emu_router_init_s3_arn("arn:aws:s3:::bucket/", &a, &b, &k), EMU_EINVAL);
    assert_int_equal(emu_router_init_s3_arn("s3://bucket/key", &a, &b, &k), EMU_EINVAL);
    assert_int_equal(emu_router_init_s3_arn("arn:aws:s3::bucket/key", &a, &b, &k), EMU_EINVAL);
    assert_string_equal(emu_router_init_bucket_region(""), "us-east-1");
    assert_string_equal(emu_router_init_bucket_region("EU"), "eu-west-1");
    assert_string_equal(emu_router_init_bucket_region("ap-south-1"), "ap-south-1");
    emu_arena_done(&a);
}

static void test_plan(void **state)
{
    (void)state;
    struct emu_arena a;
    struct emu_router_init_plan p;
    emu_arena_init(&a, 1u << 20);
    emu_router_init_plan_init(&p, NULL);
    const char filter[] = "[FILTER]\n    Name modify\n    Match *\n    Add k v\n";
    const char parser[] = "# mine\n[PARSER]\n    Name p\n    Format json\n";
    const char ml[] = "[MULTILINE_PARSER]\n    name m\n";
    const char lower[] = "[parser]\n    Name p\n    Format json\n"; /* case-sensitive test */
    assert_false(emu_router_init_is_parser(filter, strlen(filter)));
    assert_int_equal(emu_router_init_plan_add(&p, &a, "/a/f.conf", filter, strlen(filter)), 0);
    assert_int_equal(emu_router_init_plan_add(&p, &a, "/a/p.conf", parser, strlen(parser)), 0);
    assert_int_equal(emu_router_init_plan_add(&p, &a, "/a/m.conf", ml, strlen(ml)), 0);
    assert_int_equal(emu_router_init_plan_add(&p, &a, "/a/l.conf", lower, strlen(lower)), 0);
    assert_string_equal(p.main_conf.data, "@INCLUDE /fluent-bit/etc/fluent-bit.conf\n"
                                          "@INCLUDE /a/f.conf\n@INCLUDE /a/l.conf\n");
    assert_int_equal(p.n_parsers, 2);
    assert_string_equal(p.parsers[0], "/a/p.conf");
    assert_string_equal(p.parsers[1], "/a/m.conf");
    emu_router_init_plan_done(&p);
    emu_arena_done(&a);
}

/* A root where the image's absolute paths resolve to the repository's files. */
static const char *image_root(void)
{
    static char root[4096];
    char path[4600];
    snprintf(root, sizeof(root), "/tmp/emu-init-root-%d", (int)getpid());
    snprintf(path, sizeof(path), "%s/fluent-bit", root);
    assert_int_equal(mkdir(root, 0700) == 0 || errno == EEXIST, 1);
    assert_int_equal(mkdir(path, 0700) == 0 || errno == EEXIST, 1);
    const char *links[][2] = {
        {"docker/emu-router/ecs", "/ecs"},
        {"docker/emu-router/configs", "/fluent-bit/configs"},
        {"docker/emu-router", "/fluent-bit/parsers"},
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", root, links[i][1]);
        (void)unlink(path);
        assert_int_equal(symlink(emu_test_source_path(links[i][0]), path), 0);
    }
    return root;
}

static void remove_root(const char *root)
{
    char path[4600];
    const char *sub[] = {"/ecs", "/fluent-bit/configs", "/fluent-bit/parsers"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", root, sub[i]);
        (void)unlink(path);
    }
    snprintf(path, sizeof(path), "%s/fluent-bit", root);
    (void)rmdir(path);
    (void)rmdir(root);
}

/* The environment the snippets expect (what the init process and a task definition set). */
static const char *const snippet_env[] = {
    "ECS_CLUSTER=prod", "ECS_TASK_ARN=arn:aws:ecs:us-east-1:1:task/prod/abc",
    "ECS_TASK_DEFINITION=web:7", "TASK_ID=abc", "AWS_REGION=us-east-1", "BUCKET=logs",
    "S3_REGION=us-east-1", "PARSER_NAME=json", "FIREHOSE_REGION=us-east-1",
    "DELIVERY_STREAM=d", "KINESIS_REGION=us-east-1", "STREAM=s", "ES_ENDPOINT=es.local",
    "ES_REGION=us-east-1", "INDEX=i", "TYPE=t", NULL};

/* Loads path (an image path) and configures a router with it plus -R parsers.conf; returns
 * the configure result and the first diagnostic. */
static int load_shipped(const char *root, const char *image_path, char *diag, size_t diag_len)
{
    struct emu_router_config_env ev = {.envp = snippet_env, .root = root};
    struct emu_router_config *cf = NULL;
    struct emu_diags d;
    char path[4600];
    emu_diags_init(&d);
    snprintf(path, sizeof(path), "%s%s", root, image_path);
    int r = emu_router_config_load(path, &ev, &cf, &d);
    if (r < 0) {
        snprintf(diag, diag_len, "%s: %s", d.n ? d.items[0].where : "",
                 d.n ? d.items[0].message : emu_strerror(r));
        emu_diags_done(&d);
        fail_msg("%s does not load: %s", image_path, diag);
    }
    /* As the init process passes a parsers file: -R, a Parsers_File of the command line (not
     * when the file names the parsers itself or is one). */
    int has_parsers = 0;
    for (size_t i = 0; i < cf->n_sections; i++) {
        has_parsers |= cf->sections[i].kind == EMU_RSEC_PARSER ||
                       (cf->sections[i].kind == EMU_RSEC_SERVICE &&
                        emu_router_section_get(&cf->sections[i], "Parsers_File") != NULL);
    }
    if (!has_parsers) {
        struct emu_router_section *svc =
            emu_router_config_add_section(cf, EMU_RSEC_SERVICE, "command line", 0);
        assert_non_null(svc);
        assert_int_equal(emu_router_config_add_prop(cf, svc, "Parsers_File",
                                                    "/fluent-bit/parsers/parsers.conf",
                                                    "command line", 0),
                         0);
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct emu_router *rt = emu_router_new(&loop);
    assert_non_null(rt);
    emu_router_set_env(rt, &ev);
    r = emu_router_configure(rt, cf, &d);
    snprintf(diag, diag_len, "%s", d.n ? d.items[0].message : "");
    emu_router_free(rt);
    uv_run(&loop, UV_RUN_NOWAIT);
    (void)uv_loop_close(&loop);
    emu_router_config_free(cf);
    emu_diags_done(&d);
    return r;
}

static void test_shipped_files(void **state)
{
    (void)state;
    const char *root = image_root();
    char diag[1024];
    /* Every file of the three folders, found by listing them (a new file is tested too). */
    const char *dirs[][2] = {{"docker/emu-router/configs", "/fluent-bit/configs/"},
                             {"docker/emu-router/ecs", "/ecs/"}};
    const char *no_plugin[] = {"firehose.conf", "kinesis.conf", "amazon-es.conf"};
    int n = 0;
    for (size_t i = 0; i < 2; i++) {
        DIR *dir = opendir(emu_test_source_path(dirs[i][0]));
        assert_non_null(dir);
        struct dirent *e;
        while ((e = readdir(dir))) {
            size_t l = strlen(e->d_name);
            if (l < 6 || strcmp(e->d_name + l - 5, ".conf") != 0) {
                continue;
            }
            char image_path[600];
            snprintf(image_path, sizeof(image_path), "%s%s", dirs[i][1], e->d_name);
            int r = load_shipped(root, image_path, diag, sizeof(diag));
            int refused = 0;
            for (size_t j = 0; j < 3; j++) {
                refused |= strcmp(e->d_name, no_plugin[j]) == 0;
            }
            if (refused) {
                /* Loaded, then refused for its output plugin only (no such output). */
                if (r == 0 || !strstr(diag, "output")) {
                    fail_msg("%s: expected the output plugin refused, got %d \"%s\"",
                             image_path, r, diag);
                }
            }
            else if (r != 0) {
                fail_msg("%s does not configure: %s", image_path, diag);
            }
            n++;
        }
        closedir(dir);
    }
    assert_int_equal(n, 13);
    assert_int_equal(load_shipped(root, "/fluent-bit/parsers/parsers.conf", diag, sizeof(diag)),
                     0);
    remove_root(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_var_kind),
        cmocka_unit_test(test_meta_from_shim_document),
        cmocka_unit_test(test_meta_golden_document),
        cmocka_unit_test(test_meta_errors),
        cmocka_unit_test(test_s3_arn_and_region),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_shipped_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
