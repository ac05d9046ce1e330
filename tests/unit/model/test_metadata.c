/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the task metadata v4 and credentials documents (emu/model/metadata.h), byte for
 * byte against fixtures/metadata/: field order, omitempty, sorted maps, Go's escaping and
 * RFC3339Nano times, the agent's error bodies, and the endpoint IDs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/mem.h"
#include "emu/model/metadata.h"
#include "tests/support/test_support.h"

#define TASK_ARN "arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef"

static const struct emu_md_pair LABELS[] = {
    {"com.amazonaws.ecs.task-definition-version", "3"},
    {"com.amazonaws.ecs.cluster", "default"},
    {"com.amazonaws.ecs.container-name", "app"},
    {"team", "a<b>&c"},
};
static const struct emu_md_pair FIRELENS_OPTS[] = {
    {"region", "us-east-1"}, {"Name", "cloudwatch"}, {"log_group_name", "fluent-bit-cloudwatch"}};
static const struct emu_md_port PORTS[] = {{80, "tcp", 80, "127.0.0.1"}};
static const struct emu_md_network NET = {
    .ipv4 = "172.20.0.2", .mac = "02:42:ac:14:00:02", .subnet_cidr = "172.20.0.0/16",
    .gateway = "172.20.0.1/16", .private_dns = "ip-172-20-0-2.ec2.internal"};

static struct emu_md_container app(void)
{
    return (struct emu_md_container){
        .docker_id = "5e1c0a1b2c3d", .name = "app", .docker_name = "fe-0123-app",
        .image = "nginx:latest", .image_id = "sha256:abc", .ports = PORTS, .n_ports = 1,
        .labels = LABELS, .n_labels = 4, .desired_status = "RUNNING",
        .known_status = "RUNNING", .cpu = 0, .memory = 512,
        .created_ms = 1764000000120, .started_ms = 1764000001000, .network = &NET,
        .log_driver = "awsfirelens", .log_options = FIRELENS_OPTS, .n_log_options = 3,
        .container_arn = "arn:aws:ecs:us-east-1:123456789012:container/default/0123/app"};
}

static struct emu_md_container router(void)
{
    return (struct emu_md_container){
        .docker_id = "9f8e7d", .name = "log_router", .docker_name = "fe-0123-log_router",
        .image = "amazon/aws-for-fluent-bit:stable", .image_id = "sha256:def",
        .desired_status = "STOPPED", .known_status = "STOPPED", .has_exit_code = true,
        .exit_code = 0, .cpu = 256, .created_ms = 1764000000000,
        .started_ms = 1764000000500, .finished_ms = 1764000100000, .network = &NET,
        .health_status = "HEALTHY", .health_since_ms = 1764000003000, .container_arn = "x"};
}

static void expect(const char *fixture, const struct emu_buf *got)
{
    char rel[128];
    (void)snprintf(rel, sizeof(rel), "fixtures/metadata/%s", fixture);
    size_t len = 0;
    char *want = emu_test_read_file(emu_test_source_path(rel), &len);
    while (len > 0 && want[len - 1] == '\n') {
        len--; /* the fixture file ends with a newline; the document does not */
    }
    if (got->len != len || memcmp(got->data, want, len) != 0) {
        fprintf(stderr, "%s differs; got:\n%.*s\n", fixture, (int)got->len, got->data);
    }
    assert_int_equal(got->len, len);
    assert_memory_equal(got->data, want, len);
    emu_free(want);
}

static void test_container(void **state)
{
    (void)state;
    struct emu_md_container c = app();
    struct emu_buf b;
    emu_buf_init(&b, 1 << 20);
    assert_int_equal(emu_md_container_json(&c, &b), 0);
    expect("container.json", &b);
    /* A container with a restart policy ends with RestartCount, after ContainerARN. */
    c.has_restart_count = true;
    c.restart_count = 2;
    b.len = 0;
    assert_int_equal(emu_md_container_json(&c, &b), 0);
    assert_true(b.len > 20);
    assert_memory_equal(b.data + b.len - 17, "\"RestartCount\":2}", 17);
    emu_buf_done(&b);
}

static void test_task(void **state)
{
    (void)state;
    struct emu_md_container cs[2] = {router(), app()};
    static const struct emu_md_pair tags[] = {{"env", "dev"}};
    struct emu_md_task t = {
        .cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/default", .task_arn = TASK_ARN,
        .family = "firelens-example-cloudwatch", .revision = "3", .desired_status = "RUNNING",
        .known_status = "RUNNING", .cpu = "0.25", .memory = 512,
        .launch_type = "FARGATE", .tags = tags, .n_tags = 1, .containers = cs,
        .n_containers = 2};
    struct emu_buf b;
    emu_buf_init(&b, 1 << 20);
    assert_int_equal(emu_md_task_json(&t, false, &b), 0);
    expect("task.json", &b);
    b.len = 0;
    assert_int_equal(emu_md_task_json(&t, true, &b), 0);
    expect("task-with-tags.json", &b);
    emu_buf_done(&b);
}

/* The Fargate-only fields: pull times, the Availability Zone and ClockDrift. */
static void test_task_fargate_fields(void **state)
{
    (void)state;
    struct emu_md_container cs[1] = {app()};
    struct emu_md_task t = {
        .cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/default", .task_arn = TASK_ARN,
        .family = "firelens-example-cloudwatch", .revision = "3", .desired_status = "RUNNING",
        .known_status = "RUNNING", .cpu = "0.25", .memory = 512,
        .pull_started_ms = 1764000000123, .pull_stopped_ms = 1764000001456,
        .availability_zone = "us-east-1a", .launch_type = "FARGATE",
        .clock_error_bound_ms = 0.5, .clock_reference_ms = 1764000002789,
        .clock_synchronized = true, .containers = cs, .n_containers = 1};
    struct emu_buf b;
    emu_buf_init(&b, 1 << 20);
    assert_int_equal(emu_md_task_json(&t, false, &b), 0);
    expect("task-fargate.json", &b);
    emu_buf_done(&b);
}

static void test_credentials_and_errors(void **state)
{
    (void)state;
    struct emu_md_credentials c = {
        .role_arn = "arn:aws:iam::123456789012:role/app", .access_key_id = "ASIAEXAMPLE",
        .secret_access_key = "secret/+=", .token = "tok", .expiration = "2026-11-24T20:00:00Z"};
    struct emu_buf b;
    emu_buf_init(&b, 1 << 20);
    assert_int_equal(emu_md_credentials_json(&c, &b), 0);
    expect("credentials.json", &b);
    b.len = 0;
    assert_int_equal(emu_md_error_json("NoIdInRequest",
                                       "CredentialsV2Request: No Credential ID in the request",
                                       400, &b),
                     0);
    expect("error-no-id.json", &b);
    emu_buf_done(&b);
}

static void test_ids_and_times(void **state)
{
    (void)state;
    char id[80], again[80], t[40];
    assert_int_equal(emu_md_endpoint_id("0123456789abcdef0123456789abcdef", "app", id), 0);
    assert_int_equal(strlen(id), 32 + 1 + 10);
    assert_int_equal(emu_md_endpoint_id("0123456789abcdef0123456789abcdef", "app", again), 0);
    assert_string_equal(id, again);
    assert_int_equal(emu_md_endpoint_id("0123456789abcdef0123456789abcdef", "web", again), 0);
    assert_string_not_equal(id, again);
    assert_int_equal(emu_md_time(1764000000000, t), 0);
    assert_string_equal(t, "2025-11-24T16:00:00Z");
    assert_int_equal(emu_md_time(1764000000120, t), 0);
    assert_string_equal(t, "2025-11-24T16:00:00.12Z");
    assert_int_equal(emu_md_time(-1, t), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container),
        cmocka_unit_test(test_task),
        cmocka_unit_test(test_task_fargate_fields),
        cmocka_unit_test(test_credentials_and_errors),
        cmocka_unit_test(test_ids_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
