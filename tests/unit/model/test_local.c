/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of what a local run changes (emu/model/local.h) and of the archive tar reader:
 * the seed's baked-in s3.conf gets an endpoint line and shows as a diff, existing endpoint and
 * sts_endpoint lines are replaced, Fluentd's s3 gets s3_endpoint + force_path_style, Kinesis is
 * noted, the router's -c path and includes resolve, the environment, and tar entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"
#include "emu/docker/docker.h"
#include "emu/model/local.h"
#include "tests/support/test_support.h"

static const struct emu_local_endpoints EP = {
    .s3 = "http://172.18.0.1:9000", .logs = "http://172.18.0.1:9001", .sts = NULL,
    .region = "us-east-1", .access_key = "AK", .secret_key = "SK"};

struct run {
    struct emu_arena a;
    struct emu_buf out, diff;
    struct emu_local_patch p;
};

static void patch(struct run *r, const char *conf, enum emu_router_type type)
{
    emu_arena_init(&r->a, 0);
    emu_buf_init(&r->out, 1 << 20);
    emu_buf_init(&r->diff, 1 << 20);
    assert_int_equal(emu_local_patch_config(conf, strlen(conf), type, &EP, &r->a, &r->out, &r->p),
                     0);
    assert_int_equal(emu_local_diff("f.conf", &r->p, &r->diff), 0);
}

static void done(struct run *r)
{
    emu_buf_done(&r->out);
    emu_buf_done(&r->diff);
    emu_arena_done(&r->a);
}

static void test_seed_s3_conf(void **state)
{
    (void)state;
    char *conf = NULL;
    size_t len = 0;
    const char *path = emu_test_source_path("docker/fluent-bit-s3/s3.conf");
    assert_int_equal(emu_file_read(path, 1 << 20, &conf, &len), 0);
    struct run r;
    patch(&r, conf, EMU_ROUTER_FLUENTBIT);
    assert_int_equal(r.p.n_changes, 1);
    assert_null(r.p.changes[0].old_line);
    assert_string_equal(r.p.changes[0].new_line, "    endpoint http://172.18.0.1:9000");
    assert_int_equal(r.p.n_buckets, 1);
    assert_string_equal(r.p.buckets[0], "fargate-firelens-s3-logs");
    assert_non_null(strstr(r.out.data, "    Name                         s3\n"
                                       "    endpoint http://172.18.0.1:9000\n"
                                       "    Match                        *\n"));
    assert_int_equal(r.out.len, len + strlen("    endpoint http://172.18.0.1:9000\n"));
    assert_non_null(strstr(r.diff.data, "@@ -9,0 +10 @@\n+    endpoint http://172.18.0.1:9000\n"));
    done(&r);
    emu_free(conf);
}

static void test_replace_and_notes(void **state)
{
    (void)state;
    struct run r;
    patch(&r,
          "[OUTPUT]\n    Name cloudwatch\n    Match *\n    endpoint logs.amazonaws.com\n"
          "    sts_endpoint https://sts.us-east-1.amazonaws.com\n\n"
          "[OUTPUT]\n    Name kinesis_firehose\n    Match *\n"
          "[OUTPUT]\n    Name null\n    Match x",
          EMU_ROUTER_FLUENTBIT);
    assert_int_equal(r.p.n_changes, 1);
    assert_string_equal(r.p.changes[0].old_line, "    endpoint logs.amazonaws.com");
    assert_string_equal(r.p.changes[0].new_line, "    endpoint http://172.18.0.1:9001");
    assert_int_equal(r.p.n_notes, 2); /* sts_endpoint without STS, kinesis */
    assert_non_null(strstr(r.p.notes[0], "sts_endpoint"));
    assert_non_null(strstr(r.p.notes[1], "kinesis_firehose"));
    assert_non_null(strstr(r.out.data, "    Match x")); /* no final newline kept as is */
    assert_int_equal(r.out.data[r.out.len - 1], 'x');
    done(&r);
}

static void test_fluentd(void **state)
{
    (void)state;
    struct run r;
    patch(&r, "<match app-firelens**>\n  @type s3\n  s3_bucket b\n  <buffer>\n    @type file\n"
              "  </buffer>\n</match>\n", EMU_ROUTER_FLUENTD);
    assert_int_equal(r.p.n_changes, 2);
    assert_string_equal(r.p.changes[0].new_line, "  s3_endpoint http://172.18.0.1:9000");
    assert_string_equal(r.p.changes[1].new_line, "  force_path_style true");
    assert_string_equal(r.p.buckets[0], "b");
    done(&r);
}

static void test_paths_and_env(void **state)
{
    (void)state;
    struct emu_arena a;
    emu_arena_init(&a, 0);
    const char *argv[] = {"/fluent-bit/bin/fluent-bit", "-e", "/x.so", "-c",
                          "/fluent-bit/alt/fluent-bit.conf"};
    assert_string_equal(emu_local_config_path(argv, 5, EMU_ROUTER_FLUENTBIT, &a),
                        "/fluent-bit/alt/fluent-bit.conf");
    assert_string_equal(emu_local_config_path(argv, 1, EMU_ROUTER_FLUENTBIT, &a),
                        "/fluent-bit/etc/fluent-bit.conf");
    const char *argv2[] = {"fluentd", "--config=/etc/f.conf"};
    assert_string_equal(emu_local_config_path(argv2, 2, EMU_ROUTER_FLUENTD, &a), "/etc/f.conf");
    /* An interpreter's -c takes code, not a config path: the image's default stays. */
    const char *argv3[] = {"python3", "-c", "import os\nprint(1)"};
    assert_string_equal(emu_local_config_path(argv3, 3, EMU_ROUTER_FLUENTD, &a),
                        "/fluentd/etc/fluent.conf");
    const char *argv4[] = {"sh", "-c", "exec fluent-bit -c /x.conf", "-c", "/y.conf"};
    assert_string_equal(emu_local_config_path(argv4, 5, EMU_ROUTER_FLUENTBIT, &a), "/y.conf");
    assert_string_equal(emu_local_resolve("/fluent-bit/alt/a.conf", "b.conf", &a),
                        "/fluent-bit/alt/b.conf");
    assert_string_equal(emu_local_resolve("/x/a.conf", "/abs.conf", &a), "/abs.conf");
    struct emu_str_list inc;
    const char *conf = "[SERVICE]\n  Flush 1\n@INCLUDE /fluent-bit/etc/fluent-bit.conf\n"
                       "  @include  rel.conf  \n";
    assert_int_equal(emu_local_includes(conf, strlen(conf), &a, &inc), 0);
    assert_int_equal(inc.n, 2);
    assert_string_equal(inc.items[1], "rel.conf");
    struct emu_container_def c;
    memset(&c, 0, sizeof(c));
    struct emu_kv user[] = {{"AWS_DEFAULT_REGION", "eu-west-1"}};
    c.environment = (struct emu_kv_list){user, 1};
    struct emu_kv_list env;
    assert_int_equal(emu_local_env(&c, &EP, NULL, &a, &env), 0);
    assert_int_equal(env.n, 4); /* no region (user set one), S3, LOGS, key pair */
    assert_string_equal(env.items[0].key, "AWS_ENDPOINT_URL_S3");
    assert_string_equal(env.items[2].key, "AWS_ACCESS_KEY_ID");
    /* With the metadata endpoint and a task role: the agent's variables, no static keys. */
    struct emu_local_endpoints ep = EP;
    ep.metadata = "http://169.254.170.2";
    ep.credentials_uri = "/v2/credentials/abc";
    assert_int_equal(emu_local_env(&c, &ep, "t-1", &a, &env), 0);
    assert_int_equal(env.n, 6);
    assert_string_equal(env.items[2].key, "ECS_CONTAINER_METADATA_URI");
    assert_string_equal(env.items[2].value, "http://169.254.170.2/v3/t-1");
    assert_string_equal(env.items[3].value, "http://169.254.170.2/v4/t-1");
    assert_string_equal(env.items[4].value, "http://169.254.170.2/api/t-1");
    assert_string_equal(env.items[5].key, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    assert_string_equal(env.items[5].value, "/v2/credentials/abc");
    ep.credentials_full = true;
    assert_int_equal(emu_local_env(&c, &ep, "t-1", &a, &env), 0);
    assert_string_equal(env.items[5].key, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    assert_string_equal(env.items[5].value, "http://169.254.170.2/v2/credentials/abc");
    emu_arena_done(&a);
}

static void tar_first(const char *name, struct emu_docker_tar_entry *e, int want)
{
    char rel[256];
    char *data = NULL;
    size_t len = 0;
    (void)snprintf(rel, sizeof(rel), "fixtures/fuzz/docker_tar/%s", name);
    const char *path = emu_test_source_path(rel);
    assert_int_equal(emu_file_read(path, 1 << 20, &data, &len), 0);
    struct emu_docker_tar_iter it;
    emu_docker_tar_init(&it, data, len);
    assert_int_equal(emu_docker_tar_next(&it, e), want);
    if (want == 1) {
        assert_int_equal(emu_docker_tar_next(&it, e), 0); /* one entry, then the end */
    }
    emu_free(data);
}

static void test_tar(void **state)
{
    (void)state;
    static struct emu_docker_tar_entry e;
    tar_first("ustar-file.tar", &e, 1);
    tar_first("pax-longname.tar", &e, 1);
    tar_first("gnu-longname.tar", &e, 1);
    tar_first("symlink.tar", &e, 1);
    tar_first("truncated.tar", &e, EMU_EBADMSG);
    /* Names and data of the last good walk are checked one by one. */
    char *data = NULL;
    size_t len = 0;
    const char *path = emu_test_source_path("fixtures/fuzz/docker_tar/symlink.tar");
    assert_int_equal(emu_file_read(path, 1 << 20, &data, &len), 0);
    struct emu_docker_tar_iter it;
    emu_docker_tar_init(&it, data, len);
    assert_int_equal(emu_docker_tar_next(&it, &e), 1);
    assert_int_equal(e.type, '2');
    assert_string_equal(e.link, "../alt/real.conf");
    emu_free(data);
    path = emu_test_source_path("fixtures/fuzz/docker_tar/pax-longname.tar");
    assert_int_equal(emu_file_read(path, 1 << 20, &data, &len), 0);
    emu_docker_tar_init(&it, data, len);
    assert_int_equal(emu_docker_tar_next(&it, &e), 1);
    assert_int_equal(strlen(e.name), 166);
    assert_int_equal(e.size, 21);
    assert_memory_equal(e.data, "[OUTPUT]\n    Name s3\n", 21);
    emu_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_s3_conf),  cmocka_unit_test(test_replace_and_notes),
        cmocka_unit_test(test_fluentd),       cmocka_unit_test(test_paths_and_env),
        cmocka_unit_test(test_tar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
