/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of emu_taskdef_validate() on hand-built models: every rule group, ECS's exact
 * texts and JSON paths, "report everything", and no crash on partially filled models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/model/validate.h"

#define MAXC 4

/* A task definition and its parts in one zeroed block; no arena needed. */
struct fixture {
    struct emu_taskdef td;
    struct emu_container_def c[MAXC];
    struct emu_kv opts[MAXC][4];
    struct emu_kv router_opts[4];
    struct emu_dependency deps[MAXC][4];
    struct emu_port_mapping ports[4];
    struct emu_mount_point mounts[2];
    struct emu_volume vols[2];
    struct emu_diags d;
};

static struct fixture fx;

static void set_int(struct emu_opt_int *o, int64_t v)
{
    o->has = true;
    o->v = v;
}

/* A valid Fargate FireLens task: log_router (fluentbit) + app (awsfirelens, Name cloudwatch). */
static void fargate_firelens(void)
{
    memset(&fx, 0, sizeof(fx));
    emu_diags_init(&fx.d);
    struct emu_taskdef *td = &fx.td;
    td->containers_path = "containerDefinitions";
    td->task_path = "";
    td->family = "myapp";
    td->network_mode = EMU_NETWORK_AWSVPC;
    td->cpu_raw = "256";
    set_int(&td->cpu, 256);
    td->memory_raw = "512";
    set_int(&td->memory, 512);
    td->execution_role_arn = "arn:aws:iam::111122223333:role/exec";
    td->containers = fx.c;
    td->n_containers = 2;

    struct emu_container_def *r = &fx.c[0];
    r->index = 0;
    r->name = "log_router";
    r->image = "amazon/aws-for-fluent-bit:stable";
    set_int(&r->memory_reservation, 50);
    r->firelens_configuration.present = true;
    r->firelens_configuration.type_raw = "fluentbit";
    r->firelens_configuration.type = EMU_ROUTER_FLUENTBIT;
    r->firelens_configuration.options.items = fx.router_opts;

    struct emu_container_def *a = &fx.c[1];
    a->index = 1;
    a->name = "app";
    a->image = "nginx";
    a->log_configuration.present = true;
    a->log_configuration.log_driver = "awsfirelens";
    fx.opts[1][0] = (struct emu_kv){"Name", "cloudwatch"};
    fx.opts[1][1] = (struct emu_kv){"region", "us-west-2"};
    a->log_configuration.options.items = fx.opts[1];
    a->log_configuration.options.n = 2;
}

static int validate(enum emu_launch_type lt)
{
    return emu_taskdef_validate(&fx.td, lt, &fx.d);
}

/* True when a diagnostic with exactly this severity, where and message exists. */
static bool has_diag(enum emu_diag_severity sev, const char *where, const char *message)
{
    for (size_t i = 0; i < fx.d.n; i++) {
        if (fx.d.items[i].severity == sev && strcmp(fx.d.items[i].where, where) == 0 &&
            strcmp(fx.d.items[i].message, message) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < fx.d.n; i++) {
        print_message("  have: %s: %s\n", fx.d.items[i].where, fx.d.items[i].message);
    }
    return false;
}

static int teardown(void **state)
{
    (void)state;
    emu_diags_done(&fx.d);
    assert_int_equal(emu_mem_outstanding(), 0);
    return 0;
}

static void test_valid_fargate(void **state)
{
    fargate_firelens();
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 0);
    assert_int_equal(fx.d.n, 0);
}

static void test_router_without_users(void **state)
{
    fargate_firelens();
    fx.c[1].log_configuration.log_driver = "awslogs";
    fx.opts[1][0] = (struct emu_kv){"awslogs-group", "g"};
    fx.opts[1][1] = (struct emu_kv){"awslogs-region", "us-west-2"};
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 1);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[0].firelensConfiguration",
                         "When a firelensConfiguration object is specified, at least one "
                         "container has to be configured with the awsfirelens log driver."));
}

static void test_users_without_router(void **state)
{
    fargate_firelens();
    fx.c[0].firelens_configuration.present = false;
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 1);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].logConfiguration.logDriver",
                         "When awsfirelens log driver is specified in log configuration, a "
                         "firelens configuration object must be configured in one of the "
                         "containers."));
}

static void test_router_options(void **state)
{
    fargate_firelens();
    fx.router_opts[0] = (struct emu_kv){"config-file-type", "s3"};
    fx.router_opts[1] = (struct emu_kv){"config-file-value", "s3://bucket/fluent.conf"};
    fx.c[0].firelens_configuration.options.n = 2;
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 2);
    assert_true(has_diag(EMU_DIAG_ERROR,
                         "containerDefinitions[0].firelensConfiguration.options.config-file-type",
                         "Tasks hosted on Fargate only support the file configuration file "
                         "type."));
    assert_true(has_diag(EMU_DIAG_ERROR,
                         "containerDefinitions[0].firelensConfiguration.options.config-file-value",
                         "Invalid arn syntax."));

    /* On EC2 a proper S3 object ARN is fine. */
    emu_diags_done(&fx.d);
    fx.router_opts[1].value = "arn:aws:s3:::bucket/dir/fluent.conf";
    fx.td.network_mode = EMU_NETWORK_BRIDGE;
    set_int(&fx.c[1].memory, 128);
    assert_int_equal(validate(EMU_LAUNCH_EC2), 0);

    emu_diags_done(&fx.d);
    fx.router_opts[0].value = "ftp";
    fx.c[0].firelens_configuration.options.n = 1;
    assert_int_equal(validate(EMU_LAUNCH_EC2), 2);
    assert_true(has_diag(EMU_DIAG_ERROR,
                         "containerDefinitions[0].firelensConfiguration.options.config-file-type",
                         "invalid value ftp is specified for option config-file-type"));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[0].firelensConfiguration.options",
                         "option config-file-type is specified but config-file-value is not "
                         "specified"));
}

static void test_router_type_and_user(void **state)
{
    fargate_firelens();
    fx.c[0].firelens_configuration.type_raw = "logstash";
    fx.c[0].firelens_configuration.type = EMU_ROUTER_OTHER;
    fx.c[0].user = "fluent:fluent";
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 2);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[0].firelensConfiguration.type",
                         "unsupported firelens config type logstash"));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[0].user",
                         "The log router's user 'fluent:fluent' must begin with a numeric UID: "
                         "the ECS agent changes the owner of the FireLens socket directory to "
                         "it and fails the task otherwise."));

    /* Numeric non-root: fine on EC2 (agent >= 1.96), a warning on Fargate. */
    emu_diags_done(&fx.d);
    fx.c[0].firelens_configuration.type = EMU_ROUTER_FLUENTBIT;
    fx.c[0].firelens_configuration.type_raw = "fluentbit";
    fx.c[0].user = "1000:1000";
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 0);
    assert_int_equal(emu_diags_count(&fx.d, EMU_DIAG_WARNING), 1);
}

static void test_output_name_and_buffer_limit(void **state)
{
    fargate_firelens();
    fx.opts[1][0] = (struct emu_kv){"log-driver-buffer-limit", "-1"};
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 2);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].logConfiguration.options",
                         "missing output key Name which is required for firelens "
                         "configuration of type fluentbit"));
    assert_true(has_diag(
        EMU_DIAG_ERROR, "containerDefinitions[1].logConfiguration.options.log-driver-buffer-limit",
        "Invalid value '-1' for log-driver-buffer-limit. It must be an integer from 0 to "
        "536870911."));

    /* Only the agent's own keys: no OUTPUT section, which is legal. */
    emu_diags_done(&fx.d);
    fx.opts[1][0] = (struct emu_kv){"log-driver-buffer-limit", "536870911"};
    fx.opts[1][1] = (struct emu_kv){"include-pattern", "^a"};
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 0);

    emu_diags_done(&fx.d);
    fx.c[0].firelens_configuration.type = EMU_ROUTER_FLUENTD;
    fx.opts[1][1] = (struct emu_kv){"Name", "cloudwatch"};
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 1);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].logConfiguration.options",
                         "missing output key @type which is required for firelens "
                         "configuration of type fluentd"));
}

static void test_two_routers_and_dependency_advice(void **state)
{
    fargate_firelens();
    fx.td.n_containers = 3;
    fx.c[2] = fx.c[0];
    fx.c[2].index = 2;
    fx.c[2].name = "router2";
    fx.c[0].essential = (struct emu_opt_bool){true, false};
    fx.deps[1][0] = (struct emu_dependency){"log_router", "COMPLETE", EMU_DEP_COMPLETE, false};
    fx.c[1].depends_on = fx.deps[1];
    fx.c[1].n_depends_on = 1;
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 1);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[2].firelensConfiguration",
                         "Only one container in a task definition can have a "
                         "firelensConfiguration; container 'log_router' already has one."));
    assert_true(has_diag(EMU_DIAG_WARNING, "containerDefinitions[1].dependsOn[0].condition",
                         "If you use dependency condition parameters in container definitions "
                         "with a FireLens configuration, ensure that each container has a "
                         "START or HEALTHY condition requirement."));
}

static void test_fargate_task_rules(void **state)
{
    fargate_firelens();
    fx.td.task_path = "taskDefinition.";
    fx.td.containers_path = "taskDefinition.containerDefinitions";
    fx.td.network_mode = EMU_NETWORK_BRIDGE;
    set_int(&fx.td.cpu, 1024);
    set_int(&fx.td.memory, 1024);
    fx.td.ipc_mode = "task";
    fx.td.pid_mode = "host";
    fx.td.family = "my app";
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 5);
    assert_true(has_diag(EMU_DIAG_ERROR, "taskDefinition.networkMode",
                         "Fargate only supports network mode \u2018awsvpc\u2019."));
    assert_true(has_diag(EMU_DIAG_ERROR, "taskDefinition.memory",
                         "No Fargate configuration exists for given values: 1024 CPU, 1024 "
                         "memory. See the Amazon ECS documentation for the valid values."));
    assert_true(has_diag(EMU_DIAG_ERROR, "taskDefinition.ipcMode",
                         "Tasks using the Fargate launch type do not support ipcMode."));
    assert_true(
        has_diag(EMU_DIAG_ERROR, "taskDefinition.family", "Family contains invalid characters."));

    emu_diags_done(&fx.d);
    fx.td.network_mode = EMU_NETWORK_AWSVPC;
    fx.td.ipc_mode = NULL;
    fx.td.pid_mode = "task";
    fx.td.family = "myapp";
    set_int(&fx.td.cpu, 300);
    fx.td.memory.has = false;
    fx.td.memory_raw = NULL;
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 2);
    assert_true(has_diag(EMU_DIAG_ERROR, "taskDefinition.cpu", "Invalid 'cpu' setting for task."));
    assert_true(has_diag(EMU_DIAG_ERROR, "taskDefinition.memory",
                         "Fargate requires that 'memory' be defined at the task level."));

    /* Every valid table row of one size passes. */
    set_int(&fx.td.cpu, 4096);
    for (int64_t m = 8192; m <= 30720; m += 1024) {
        emu_diags_done(&fx.d);
        set_int(&fx.td.memory, m);
        assert_int_equal(validate(EMU_LAUNCH_FARGATE), 0);
    }
}

static void test_container_rules(void **state)
{
    fargate_firelens();
    struct emu_container_def *a = &fx.c[1];
    a->privileged = (struct emu_opt_bool){true, true};
    set_int(&a->stop_timeout, 121);
    set_int(&a->memory, 256);
    set_int(&a->memory_reservation, 300);
    fx.ports[0].container_port = (struct emu_opt_int){true, 80};
    fx.ports[0].host_port = (struct emu_opt_int){true, 8080};
    a->port_mappings = fx.ports;
    a->n_port_mappings = 1;
    a->health_check.present = true;
    set_int(&a->health_check.interval, 4);
    static const char *cmd[] = {"CMD-SHELL", "curl -f localhost"};
    a->health_check.command.items = cmd;
    a->health_check.command.n = 2;
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 5);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].portMappings[0].hostPort",
                         "When networkMode=awsvpc, the host ports and container ports in port "
                         "mappings must match."));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].memoryReservation",
                         "Invalid setting for container 'app'. 'memory' (256 MiB) must be "
                         "greater than or equal to 'memoryReservation' (300 MiB)."));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].healthCheck.interval",
                         "Invalid 'healthCheck.interval' setting for container 'app': 4. Valid "
                         "values are 5 to 300 seconds."));
}

static void test_ec2_memory_and_sums(void **state)
{
    fargate_firelens();
    fx.td.network_mode = EMU_NETWORK_UNSET; /* bridge */
    fx.td.memory.has = false;
    fx.td.memory_raw = NULL;
    fx.td.cpu.has = false;
    fx.td.cpu_raw = NULL;
    assert_int_equal(validate(EMU_LAUNCH_EC2), 1);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1]",
                         "Invalid setting for container 'app'. At least one of 'memory' or "
                         "'memoryReservation' must be specified."));

    emu_diags_done(&fx.d);
    set_int(&fx.td.cpu, 256);
    set_int(&fx.c[0].cpu, 200);
    set_int(&fx.c[1].cpu, 200);
    set_int(&fx.c[1].memory, 64);
    assert_int_equal(validate(EMU_LAUNCH_EC2), 1);
    assert_true(has_diag(EMU_DIAG_ERROR, "cpu",
                         "The sum of all container 'cpu' values cannot be greater than the "
                         "value of the task 'cpu'."));
}

static void test_dependencies(void **state)
{
    fargate_firelens();
    /* app -> log_router (HEALTHY, no healthCheck); log_router -> app (cycle); ghost unknown */
    fx.deps[1][0] = (struct emu_dependency){"log_router", "HEALTHY", EMU_DEP_HEALTHY, false};
    fx.deps[1][1] = (struct emu_dependency){"ghost", "START", EMU_DEP_START, false};
    fx.c[1].depends_on = fx.deps[1];
    fx.c[1].n_depends_on = 2;
    fx.deps[0][0] = (struct emu_dependency){"app", "SUCCESS", EMU_DEP_SUCCESS, false};
    fx.c[0].depends_on = fx.deps[0];
    fx.c[0].n_depends_on = 1;
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 4);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[0].dependsOn[0].condition",
                         "A dependency container with SUCCESS or COMPLETE condition cannot be "
                         "an essential container"));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].dependsOn[1].containerName",
                         "Cannot depend on container + 'ghost' because it does not exist"));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].dependsOn[0]",
                         "Containers depend on each other in a cycle (log_router -> app -> "
                         "log_router), so none of them can start."));
}

static void test_essential_and_volumes(void **state)
{
    fargate_firelens();
    fx.c[0].essential = (struct emu_opt_bool){true, false};
    fx.c[1].essential = (struct emu_opt_bool){true, false};
    fx.mounts[0].source_volume = "data";
    fx.mounts[0].container_path = "/data";
    fx.c[1].mount_points = fx.mounts;
    fx.c[1].n_mount_points = 1;
    assert_int_equal(validate(EMU_LAUNCH_FARGATE), 2);
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions",
                         "Task definition doesn't have any essential container."));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[1].mountPoints[0].sourceVolume",
                         "Unknown volume 'data'."));
}

/* Partially parsed models: NULL names, images, drivers, empty lists; nothing may crash. */
static void test_partial_models(void **state)
{
    fargate_firelens();
    fx.td.containers = NULL;
    fx.td.n_containers = 0;
    fx.td.containers_path = NULL;
    fx.td.task_path = NULL;
    assert_true(validate(EMU_LAUNCH_FARGATE) >= 1);
    assert_true(
        has_diag(EMU_DIAG_ERROR, "containerDefinitions", "Container list cannot be empty."));

    emu_diags_done(&fx.d);
    memset(fx.c, 0, sizeof(fx.c));
    fx.td.containers = fx.c;
    fx.td.n_containers = 3;
    fx.c[0].log_configuration.present = true;
    fx.c[1].firelens_configuration.present = true;
    fx.c[1].user = ":";
    fx.deps[2][0] = (struct emu_dependency){NULL, NULL, EMU_DEP_START, false};
    fx.c[2].depends_on = fx.deps[2];
    fx.c[2].n_depends_on = 1;
    fx.c[2].links.n = 1; /* items NULL: must be ignored */
    fx.mounts[0] = (struct emu_mount_point){0};
    fx.c[2].mount_points = fx.mounts;
    fx.c[2].n_mount_points = 1;
    int r = validate(EMU_LAUNCH_EC2);
    assert_true(r > 0);
    assert_int_equal((size_t)r, emu_diags_count(&fx.d, EMU_DIAG_ERROR));
    assert_true(has_diag(EMU_DIAG_ERROR, "containerDefinitions[0].name",
                         "Container.name should not be null or empty."));
}

static void test_allocation_failures(void **state)
{
    /* Every allocation failure gives -ENOMEM or a full result; never a crash or a leak. */
    for (long n = 1; n < 200; n++) {
        fargate_firelens();
        fx.c[1].firelens_configuration.present = true; /* two routers */
        fx.td.family = "bad family";
        emu_mem_fail_after(n);
        int r = validate(EMU_LAUNCH_FARGATE);
        emu_mem_fail_after(0);
        assert_true(r == EMU_ENOMEM || r > 0);
        emu_diags_done(&fx.d);
        if (r > 0) {
            break;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_valid_fargate, teardown),
        cmocka_unit_test_teardown(test_router_without_users, teardown),
        cmocka_unit_test_teardown(test_users_without_router, teardown),
        cmocka_unit_test_teardown(test_router_options, teardown),
        cmocka_unit_test_teardown(test_router_type_and_user, teardown),
        cmocka_unit_test_teardown(test_output_name_and_buffer_limit, teardown),
        cmocka_unit_test_teardown(test_two_routers_and_dependency_advice, teardown),
        cmocka_unit_test_teardown(test_fargate_task_rules, teardown),
        cmocka_unit_test_teardown(test_container_rules, teardown),
        cmocka_unit_test_teardown(test_ec2_memory_and_sums, teardown),
        cmocka_unit_test_teardown(test_dependencies, teardown),
        cmocka_unit_test_teardown(test_essential_and_volumes, teardown),
        cmocka_unit_test_teardown(test_partial_models, teardown),
        cmocka_unit_test_teardown(test_allocation_failures, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
