/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the FireLens router config renderers (emu/model/render_common.c,
 * render_fluentbit.c, render_fluentd.c): bytes compared with spec 1.8 and its variants, the
 * Fluentd layout, option handling and the agent's error texts. */
#include "render_test_util.h"

/* ---- Spec 1.8 and its variants -------------------------------------------------------------- */

#define IN_UNIX_25                                                                                 \
    "\n[INPUT]\n    Name forward\n    Mem_Buf_Limit 25MB\n    unix_path /var/run/fluent.sock\n"
#define IN_TCP(addr) "\n[INPUT]\n    Name forward\n    Listen " addr "\n    Port 24224\n"
#define IN_HEALTH                                                                                  \
    "\n[INPUT]\n    Name tcp\n    Tag firelens-healthcheck\n    Listen 127.0.0.1\n    Port 8877\n"
#define RECORDS(cluster)                                                                           \
    "\n[FILTER]\n    Name record_modifier\n    Match *\n"                                          \
    "    Record ecs_cluster " cluster "\n"                                                         \
    "    Record ecs_task_arn " ARN "\n"                                                            \
    "    Record ecs_task_definition myapp:3\n"
#define OUT_NULL "\n[OUTPUT]\n    Name null\n    Match firelens-healthcheck\n"
#define OUT_APP                                                                                    \
    "\n[OUTPUT]\n    Name cloudwatch\n    Match app-firelens*\n    auto_create_group true\n"       \
    "    log_group_name x\n    log_stream_prefix y\n    region us-west-2\n"

static const char spec_awsvpc[] =
    "\n"
    "[INPUT]\n"
    "    Name forward\n"
    "    Mem_Buf_Limit 25MB\n"
    "    unix_path /var/run/fluent.sock\n"
    "\n"
    "[INPUT]\n"
    "    Name forward\n"
    "    Listen 127.0.0.1\n"
    "    Port 24224\n"
    "\n"
    "[INPUT]\n"
    "    Name tcp\n"
    "    Tag firelens-healthcheck\n"
    "    Listen 127.0.0.1\n"
    "    Port 8877\n"
    "\n"
    "[FILTER]\n"
    "    Name record_modifier\n"
    "    Match *\n"
    "    Record ecs_cluster my-cluster\n"
    "    Record ecs_task_arn "
    "arn:aws:ecs:us-west-2:111122223333:task/my-cluster/0123456789abcdef0123456789abcdef\n"
    "    Record ecs_task_definition myapp:3\n"
    "\n"
    "[OUTPUT]\n"
    "    Name null\n"
    "    Match firelens-healthcheck\n"
    "\n"
    "[OUTPUT]\n"
    "    Name cloudwatch\n"
    "    Match app-firelens*\n"
    "    auto_create_group true\n"
    "    log_group_name x\n"
    "    log_stream_prefix y\n"
    "    region us-west-2\n";

static void test_spec_awsvpc(void **state)
{
    (void)state;
    struct emu_taskdef *td = spec_task(EMU_NETWORK_AWSVPC);
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    expect_config(td, &ctx, spec_awsvpc);
    /* The macros used below agree with the literal worked example. */
    expect_config(td, &ctx,
                  IN_UNIX_25 IN_TCP("127.0.0.1") IN_HEALTH RECORDS("my-cluster") OUT_NULL OUT_APP);
    td_done(td);
}

static void test_spec_bridge_ec2(void **state)
{
    (void)state;
    struct emu_taskdef *td = spec_task(EMU_NETWORK_BRIDGE);
    td->containers[0].memory_reservation.has = false;
    struct emu_render_ctx ctx;
    emu_render_ctx_init(&ctx);
    ctx.task_arn = ARN;
    ctx.launch_type = EMU_LAUNCH_EC2;
    ctx.ec2_instance_id = "i-0abc1234def567890";
    expect_config(td, &ctx,
                  IN_UNIX_25 IN_TCP("0.0.0.0") IN_HEALTH
                  "\n[FILTER]\n    Name record_modifier\n    Match *\n"
                  "    Record ec2_instance_id i-0abc1234def567890\n"
                  "    Record ecs_cluster default\n"
                  "    Record ecs_task_arn " ARN "\n"
                  "    Record ecs_task_definition myapp:3\n" OUT_NULL OUT_APP);
    /* Unset network mode is bridge on EC2; an instance ID on Fargate is not used. */
    td->network_mode = EMU_NETWORK_UNSET;
    ctx.launch_type = EMU_LAUNCH_FARGATE;
    expect_config(td, &ctx,
                  IN_UNIX_25 IN_TCP("0.0.0.0") IN_HEALTH RECORDS("default") OUT_NULL OUT_APP);
    /* EC2 without an instance ID: no record either. */
    ctx.launch_type = EMU_LAUNCH_EC2;
    ctx.ec2_instance_id = "";
    expect_config(td, &ctx,
                  IN_UNIX_25 IN_TCP("0.0.0.0") IN_HEALTH RECORDS("default") OUT_NULL OUT_APP);
    td_done(td);
}

static void test_spec_host_none(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = spec_task(EMU_NETWORK_HOST);
    expect_config(td, &ctx, IN_UNIX_25 RECORDS("my-cluster") OUT_APP);
    td->network_mode = EMU_NETWORK_NONE;
    expect_config(td, &ctx, IN_UNIX_25 RECORDS("my-cluster") OUT_APP);
    td_done(td);
}

static void test_spec_include_pattern(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_AWSVPC);
    router(td, "log_router", "fluentbit", NULL)->memory_reservation =
        (struct emu_opt_int){true, 50};
    app(td, "app", "Name", "cloudwatch", "region", "us-west-2", "include-pattern", "^.*[aeiou]$",
        "log_group_name", "x", "log_stream_prefix", "y", "auto_create_group", "true", NULL);
    expect_config(td, &ctx,
                  IN_UNIX_25 IN_TCP("127.0.0.1") IN_HEALTH
                  "\n[FILTER]\n    Name   grep\n    Match app-firelens*\n"
                  "    Regex  log ^.*[aeiou]$\n" RECORDS("my-cluster") OUT_NULL OUT_APP);
    td_done(td);
}

static void test_spec_include_file(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = spec_task(EMU_NETWORK_AWSVPC);
    td->containers[0].firelens_configuration.options.items[0] =
        (struct emu_kv){"config-file-type", "file"};
    td->containers[0].firelens_configuration.options.items[1] =
        (struct emu_kv){"config-file-value", "/extra.conf"};
    td->containers[0].firelens_configuration.options.n = 2;
    expect_config(td, &ctx,
                  IN_UNIX_25 IN_TCP("127.0.0.1")
                      IN_HEALTH RECORDS("my-cluster") "\n@INCLUDE /extra.conf\n" OUT_NULL OUT_APP);
    td_done(td);
}

static void test_include_s3_and_exclude(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_AWSVPC);
    router(td, "log_router", "fluentbit", "config-file-type", "s3", "config-file-value",
           "arn:aws:s3:::my-bucket/conf/extra.conf", "enable-ecs-log-metadata", "false", NULL);
    app(td, "web", "exclude-pattern", "health", "include-pattern", "GET", "Name", "stdout", NULL);
    app(td, "worker", "exclude-pattern", "^DEBUG", NULL);
    expect_config(td, &ctx,
                  IN_UNIX_25 IN_TCP("127.0.0.1") IN_HEALTH
                  "\n[FILTER]\n    Name   grep\n    Match web-firelens*\n    Regex  log GET\n"
                  "\n[FILTER]\n    Name   grep\n    Match web-firelens*\n    Exclude log health\n"
                  "\n[FILTER]\n    Name   grep\n    Match worker-firelens*\n"
                  "    Exclude log ^DEBUG\n"
                  "\n@INCLUDE /fluent-bit/etc/external.conf\n" OUT_NULL
                  "\n[OUTPUT]\n    Name stdout\n    Match web-firelens*\n");
    td_done(td);
}

static void test_fluentd(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_AWSVPC);
    router(td, "log_router", "fluentd", NULL);
    struct emu_container_def *a =
        app(td, "app", "@type", "cloudwatch_logs", "region", "us-west-2", "Name", "ignored",
            "include-pattern", "err", "log-driver-buffer-limit", "2048", NULL);
    add_secret(td, a, "apikey", "arn:aws:ssm:us-west-2:111122223333:parameter/key");
    expect_config(td, &ctx,
                  "\n<source>\n    @type unix\n    path /var/run/fluent.sock\n</source>\n"
                  "\n<source>\n    @type forward\n    bind 127.0.0.1\n    port 24224\n</source>\n"
                  "\n<filter app-firelens**>\n    @type  grep\n    <regexp>\n        key log\n"
                  "        pattern err\n    </regexp>\n</filter>\n"
                  "\n<filter **>\n    @type record_transformer\n    <record>\n"
                  "        ecs_cluster my-cluster\n        ecs_task_arn " ARN "\n"
                  "        ecs_task_definition myapp:3\n    </record>\n</filter>\n"
                  "\n<match app-firelens**>\n    @type cloudwatch_logs\n    Name ignored\n"
                  "    apikey \"#{ENV['apikey_1']}\"\n    region us-west-2\n</match>\n");
    /* Host mode, exclude, s3 include, metadata off. */
    td->network_mode = EMU_NETWORK_HOST;
    td->containers[0].firelens_configuration.options.items[0] =
        (struct emu_kv){"config-file-type", "s3"};
    td->containers[0].firelens_configuration.options.items[1] =
        (struct emu_kv){"config-file-value", "arn:aws:s3:::b/k"};
    td->containers[0].firelens_configuration.options.items[2] =
        (struct emu_kv){"enable-ecs-log-metadata", "f"};
    td->containers[0].firelens_configuration.options.n = 3;
    a->log_configuration.options.items[3] = (struct emu_kv){"exclude-pattern", "x"};
    expect_config(td, &ctx,
                  "\n<source>\n    @type unix\n    path /var/run/fluent.sock\n</source>\n"
                  "\n<filter app-firelens**>\n    @type  grep\n    <exclude>\n        key log\n"
                  "        pattern x\n    </exclude>\n</filter>\n"
                  "\n@include /fluentd/etc/external.conf\n"
                  "\n<match app-firelens**>\n    @type cloudwatch_logs\n    Name ignored\n"
                  "    apikey \"#{ENV['apikey_1']}\"\n    region us-west-2\n</match>\n");
    td_done(td);
}

static void test_metadata_values(void **state)
{
    (void)state;
    static const char *const on[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const off[] = {"0", "f", "F", "FALSE", "false", "False"};
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = spec_task(EMU_NETWORK_HOST);
    struct emu_kv_list *o = &td->containers[0].firelens_configuration.options;
    o->n = 1;
    for (size_t i = 0; i < 6; i++) {
        o->items[0] = (struct emu_kv){"enable-ecs-log-metadata", on[i]};
        expect_config(td, &ctx, IN_UNIX_25 RECORDS("my-cluster") OUT_APP);
        o->items[0] = (struct emu_kv){"enable-ecs-log-metadata", off[i]};
        expect_config(td, &ctx, IN_UNIX_25 OUT_APP);
    }
    /* Unparsable: metadata off (the agent only logs a warning; validation reports it). */
    o->items[0] = (struct emu_kv){"enable-ecs-log-metadata", "yes"};
    expect_config(td, &ctx, IN_UNIX_25 OUT_APP);
    o->items[0] = (struct emu_kv){"enable-ecs-log-metadata", ""};
    expect_config(td, &ctx, IN_UNIX_25 OUT_APP);
    td_done(td);
}

static void test_mem_buf_limit(void **state)
{
    (void)state;
    struct emu_container_def c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 25);
    c.memory_reservation = (struct emu_opt_int){true, 50};
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 25);
    c.memory_reservation.v = 51;
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 25);
    c.memory_reservation.v = 100;
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 50);
    c.memory_reservation.v = 1;
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 25);
    c.memory = (struct emu_opt_int){true, 300};
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 25); /* reservation wins */
    c.memory_reservation.v = 0;
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 150);
    c.memory_reservation.has = false;
    c.memory.v = 1;
    assert_int_equal(emu_render_mem_buf_limit_mb(&c), 25);

    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = spec_task(EMU_NETWORK_HOST);
    td->containers[0].memory_reservation.v = 1000;
    expect_config(td, &ctx,
                  "\n[INPUT]\n    Name forward\n    Mem_Buf_Limit 500MB\n"
                  "    unix_path /var/run/fluent.sock\n" RECORDS("my-cluster") OUT_APP);
    td_done(td);
}

static void test_secrets_and_order(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_HOST);
    struct emu_container_def *b = app(td, "b", "Name", "datadog", "TLS", "on", "Host", "h",
                                      "provider", "ecs", "apikey", "plain", NULL);
    router(td, "log_router", "fluentbit", "enable-ecs-log-metadata", "false", NULL);
    struct emu_container_def *a = app(td, "a", "Name", "null", NULL);
    add_secret(td, b, "apikey", "arn:aws:ssm:us-west-2:1:parameter/dd");
    add_secret(td, a, "token", "arn:aws:secretsmanager:us-west-2:1:secret:t");
    /* Containers in task-definition order; a secret replaces a plain option of that key. */
    expect_config(td, &ctx,
                  IN_UNIX_25 "\n[OUTPUT]\n    Name datadog\n    Match b-firelens*\n    Host h\n"
                             "    TLS on\n    apikey ${apikey_0}\n    provider ecs\n"
                             "\n[OUTPUT]\n    Name null\n    Match a-firelens*\n"
                             "    token ${token_2}\n");
    td_done(td);
}

#define CFT_WHERE "containerDefinitions[0].firelensConfiguration.options.config-file-type"

static void test_errors(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = spec_task(EMU_NETWORK_AWSVPC);
    struct emu_firelens_config *fc = &td->containers[0].firelens_configuration;
    const char *where = "containerDefinitions[0].firelensConfiguration.options";

    fc->options.n = 1;
    fc->options.items[0] = (struct emu_kv){"config-file-type", "http"};
    expect_error(td, &ctx, -EINVAL, CFT_WHERE,
                 "invalid value http is specified for option config-file-type");
    fc->options.items[0] = (struct emu_kv){"config-file-type", "file"};
    expect_error(td, &ctx, -EINVAL, where,
                 "option config-file-type is specified but config-file-value is not specified");
    fc->options.n = 2;
    fc->options.items[0] = (struct emu_kv){"config-file-type", "s3"};
    fc->options.items[1] = (struct emu_kv){"config-file-value", "s3://bucket/key"};
    where = "containerDefinitions[0].firelensConfiguration.options.config-file-value";
    expect_error(td, &ctx, -EINVAL, where,
                 "unable to parse bucket and key from s3 arn: invalid s3 arn: s3://bucket/key");
    fc->options.items[1] = (struct emu_kv){"config-file-value", "arn:aws:s3:::bucket"};
    expect_error(td, &ctx, -EINVAL, where,
                 "unable to parse bucket and key from s3 arn: invalid s3 arn: arn:aws:s3:::bucket");
    fc->options.items[1] = (struct emu_kv){"config-file-value", "arn:aws:s3:::bucket/"};
    expect_error(
        td, &ctx, -EINVAL, where,
        "unable to parse bucket and key from s3 arn: invalid s3 arn: arn:aws:s3:::bucket/");
    fc->options.n = 0;

    fc->type_raw = "logstash";
    fc->type = EMU_ROUTER_OTHER;
    expect_error(td, &ctx, -EINVAL, "containerDefinitions[0].firelensConfiguration.type",
                 "unsupported firelens config type logstash");
    fc->type_raw = "fluentbit";
    fc->type = EMU_ROUTER_FLUENTBIT;

    td->containers[1].log_configuration.options.items[0].key = "name";
    expect_error(td, &ctx, -EINVAL, "containerDefinitions[1].logConfiguration.options",
                 "missing output key Name which is required for firelens configuration of type "
                 "fluentbit");
    fc->type_raw = "fluentd";
    fc->type = EMU_ROUTER_FLUENTD;
    expect_error(td, &ctx, -EINVAL, "containerDefinitions[1].logConfiguration.options",
                 "missing output key @type which is required for firelens configuration of type "
                 "fluentd");

    /* No router at all. */
    td->containers[0].firelens_configuration.present = false;
    struct emu_buf out;
    struct emu_diags d;
    emu_buf_init(&out, 1 << 20);
    emu_diags_init(&d);
    assert_int_equal(emu_render_router_config(td, &ctx, &out, &d), -ENOENT);
    assert_int_equal(d.n, 0);
    emu_buf_done(&out);
    emu_diags_done(&d);
    td_done(td);
}

static void test_no_output_section(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_HOST);
    router(td, "log_router", "fluentbit", "config-file-type", "file", "config-file-value",
           "/fluent-bit/configs/parse-json.conf", NULL);
    app(td, "app", "log-driver-buffer-limit", "1024", NULL);
    app(td, "other", "include-pattern", "x", NULL);
    expect_config(td, &ctx,
                  IN_UNIX_25 "\n[FILTER]\n    Name   grep\n    Match other-firelens*\n"
                             "    Regex  log x\n" RECORDS(
                                 "my-cluster") "\n@INCLUDE /fluent-bit/configs/parse-json.conf\n");
    td_done(td);
}

static void test_s3_arn_rule(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    static const char *const good[] = {
        "arn:aws:s3:::b/k",
        "arn:aws-cn:s3:::bucket/dir/file.conf",
        "xx arn:aws:s3:::b/k", /* the agent's regexp is not anchored */
        "arn:x:arn:aws:s3:::b/k",
    };
    struct emu_taskdef *td = spec_task(EMU_NETWORK_HOST);
    struct emu_firelens_config *fc = &td->containers[0].firelens_configuration;
    fc->options.n = 2;
    fc->options.items[0] = (struct emu_kv){"config-file-type", "s3"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        fc->options.items[1] = (struct emu_kv){"config-file-value", good[i]};
        expect_config(
            td, &ctx,
            IN_UNIX_25 RECORDS("my-cluster") "\n@INCLUDE /fluent-bit/etc/external.conf\n" OUT_APP);
    }
    static const char *const bad[] = {"arn::s3:::b/k", "arn:aws:s3::1:b/k", "arn:aws:s3:::/k",
                                      "arn:aws:s3:::b/\nk", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fc->options.items[1] = (struct emu_kv){"config-file-value", bad[i]};
        struct emu_buf out;
        struct emu_diags d;
        emu_buf_init(&out, 1 << 20);
        emu_diags_init(&d);
        assert_int_equal(emu_render_router_config(td, &ctx, &out, &d), -EINVAL);
        emu_buf_done(&out);
        emu_diags_done(&d);
    }
    td_done(td);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_awsvpc),
        cmocka_unit_test(test_spec_bridge_ec2),
        cmocka_unit_test(test_spec_host_none),
        cmocka_unit_test(test_spec_include_pattern),
        cmocka_unit_test(test_spec_include_file),
        cmocka_unit_test(test_include_s3_and_exclude),
        cmocka_unit_test(test_fluentd),
        cmocka_unit_test(test_metadata_values),
        cmocka_unit_test(test_mem_buf_limit),
        cmocka_unit_test(test_secrets_and_order),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_no_output_section),
        cmocka_unit_test(test_s3_arn_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
