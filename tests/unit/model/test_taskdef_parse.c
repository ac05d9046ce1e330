/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of emu_taskdef_parse: the three input forms, every field family, the AWS CLI's
 * wording for unknown keys and wrong types, cpu/memory normalisation, syntax errors, garbage,
 * allocation failures, and no leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/model/model.h"
#include "tests/support/test_support.h"

/* ---- Helpers -------------------------------------------------------------------------------- */

struct parsed {
    struct emu_taskdef *td;
    struct emu_diags diags;
    int r;
    long mem_start;
};

static void parse_ov(struct parsed *p, const char *json, const struct emu_taskdef_overrides *ov)
{
    p->mem_start = emu_mem_outstanding();
    emu_diags_init(&p->diags);
    p->td = NULL;
    p->r = emu_taskdef_parse(json, strlen(json), ov, &p->td, &p->diags);
}

static void parse(struct parsed *p, const char *json)
{
    parse_ov(p, json, NULL);
}

/* Frees everything and checks that the parse leaked nothing. */
static void done(struct parsed *p)
{
    p->td = emu_taskdef_free(p->td);
    emu_diags_done(&p->diags);
    assert_int_equal(emu_mem_outstanding(), p->mem_start);
}

static size_t count(const struct parsed *p, enum emu_diag_severity sev)
{
    return emu_diags_count(&p->diags, sev);
}

/* Asserts a diagnostic with exactly this severity, where and message exists. */
static void expect_diag(const struct parsed *p, enum emu_diag_severity sev, const char *where,
                        const char *message)
{
    for (size_t i = 0; i < p->diags.n; i++) {
        const struct emu_diag *d = &p->diags.items[i];
        if (d->severity == sev && strcmp(d->where, where) == 0 &&
            strcmp(d->message, message) == 0) {
            return;
        }
    }
    for (size_t i = 0; i < p->diags.n; i++) {
        print_message("diag %d [%s] %s\n", p->diags.items[i].severity, p->diags.items[i].where,
                      p->diags.items[i].message);
    }
    fail_msg("no diagnostic [%s] %s", where, message);
}

static void assert_no_diags(const struct parsed *p)
{
    if (p->diags.n) {
        expect_diag(p, EMU_DIAG_ERROR, "<none expected>", "<none expected>");
    }
}

#define CONTAINER_MEMBERS                                                                          \
    "name, image, repositoryCredentials, cpu, memory, memoryReservation, links, "                  \
    "portMappings, essential, restartPolicy, entryPoint, command, environment, "                   \
    "environmentFiles, mountPoints, volumesFrom, linuxParameters, secrets, dependsOn, "            \
    "startTimeout, stopTimeout, versionConsistency, hostname, user, workingDirectory, "            \
    "disableNetworking, privileged, readonlyRootFilesystem, dnsServers, dnsSearchDomains, "        \
    "extraHosts, dockerSecurityOptions, interactive, pseudoTerminal, dockerLabels, ulimits, "      \
    "logConfiguration, healthCheck, systemControls, resourceRequirements, "                        \
    "firelensConfiguration, credentialSpecs"

static const char seed_register[] =
    "{\n"
    "  \"family\": \"fargate-firelens-s3\",\n"
    "  \"taskRoleArn\": \"arn:aws:iam::123456789012:role/task\",\n"
    "  \"executionRoleArn\": \"arn:aws:iam::123456789012:role/exec\",\n"
    "  \"networkMode\": \"awsvpc\",\n"
    "  \"requiresCompatibilities\": [\"FARGATE\"],\n"
    "  \"cpu\": \"256\", \"memory\": \"512\",\n"
    "  \"containerDefinitions\": [\n"
    "    {\"name\": \"log_router\", \"image\": \"fluent-bit-s3:2.32.4\", \"essential\": true,\n"
    "     \"memoryReservation\": 50,\n"
    "     \"firelensConfiguration\": {\"type\": \"fluentbit\",\n"
    "        \"options\": {\"enable-ecs-log-metadata\": \"true\", \"config-file-type\": "
    "\"file\"}},\n"
    "     \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\n"
    "        \"awslogs-group\": \"/ecs/x\", \"awslogs-region\": \"us-east-1\"}}},\n"
    "    {\"name\": \"nginx\", \"image\": \"nginx\", \"cpu\": 256, \"essential\": true,\n"
    "     \"portMappings\": [{\"containerPort\": 80, \"hostPort\": 80}],\n"
    "     \"logConfiguration\": {\"logDriver\": \"awsfirelens\"}}\n"
    "  ]\n"
    "}\n";

/* ---- Forms -------------------------------------------------------------------------------- */

static void check_seed_containers(const struct emu_taskdef *td)
{
    assert_int_equal(td->n_containers, 2);
    const struct emu_container_def *r = &td->containers[0];
    assert_int_equal(r->index, 0);
    assert_string_equal(r->name, "log_router");
    assert_string_equal(r->image, "fluent-bit-s3:2.32.4");
    assert_true(r->essential.has && r->essential.v);
    assert_true(r->memory_reservation.has);
    assert_int_equal(r->memory_reservation.v, 50);
    assert_false(r->memory.has);
    assert_true(r->firelens_configuration.present);
    assert_string_equal(r->firelens_configuration.type_raw, "fluentbit");
    assert_int_equal(r->firelens_configuration.type, EMU_ROUTER_FLUENTBIT);
    assert_int_equal(r->firelens_configuration.options.n, 2);
    assert_string_equal(r->firelens_configuration.options.items[0].key, "enable-ecs-log-metadata");
    assert_string_equal(r->firelens_configuration.options.items[0].value, "true");
    assert_string_equal(r->firelens_configuration.options.items[1].key, "config-file-type");
    assert_true(r->log_configuration.present);
    assert_string_equal(r->log_configuration.log_driver, "awslogs");
    assert_string_equal(emu_kv_get(&r->log_configuration.options, "awslogs-region"), "us-east-1");
    const struct emu_container_def *a = &td->containers[1];
    assert_int_equal(a->index, 1);
    assert_string_equal(a->name, "nginx");
    assert_true(a->cpu.has);
    assert_int_equal(a->cpu.v, 256);
    assert_int_equal(a->n_port_mappings, 1);
    assert_int_equal(a->port_mappings[0].container_port.v, 80);
    assert_int_equal(a->port_mappings[0].host_port.v, 80);
    assert_null(a->port_mappings[0].protocol);
    assert_string_equal(a->log_configuration.log_driver, "awsfirelens");
    assert_int_equal(a->log_configuration.options.n, 0);
    assert_false(a->firelens_configuration.present);
    assert_false(a->health_check.present);
    assert_null(a->user);
}

static void test_form_register(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, seed_register);
    assert_int_equal(p.r, 0);
    assert_no_diags(&p);
    struct emu_taskdef *td = p.td;
    assert_int_equal(td->form, EMU_FORM_REGISTER);
    assert_string_equal(td->containers_path, "containerDefinitions");
    assert_string_equal(td->task_path, "");
    assert_string_equal(td->family, "fargate-firelens-s3");
    assert_string_equal(td->task_role_arn, "arn:aws:iam::123456789012:role/task");
    assert_string_equal(td->execution_role_arn, "arn:aws:iam::123456789012:role/exec");
    assert_int_equal(td->network_mode, EMU_NETWORK_AWSVPC);
    assert_string_equal(td->network_mode_raw, "awsvpc");
    assert_int_equal(td->requires_compatibilities.n, 1);
    assert_string_equal(td->requires_compatibilities.items[0], "FARGATE");
    assert_string_equal(td->cpu_raw, "256");
    assert_true(td->cpu.has);
    assert_int_equal(td->cpu.v, 256);
    assert_string_equal(td->memory_raw, "512");
    assert_int_equal(td->memory.v, 512);
    assert_false(td->revision.has);
    check_seed_containers(td);
    assert_ptr_equal(emu_taskdef_router(td), &td->containers[0]);
    done(&p);
}

static void test_form_describe(void **state)
{
    (void)state;
    static const char json[] =
        "{\"taskDefinition\": {\n"
        "  \"taskDefinitionArn\": \"arn:aws:ecs:us-east-1:123456789012:task-definition/f:7\",\n"
        "  \"containerDefinitions\": [\n"
        "    {\"name\": \"log_router\", \"image\": \"fluent-bit-s3:2.32.4\", \"cpu\": 0,\n"
        "     \"essential\": true, \"memoryReservation\": 50, \"portMappings\": [],\n"
        "     \"environment\": [], \"mountPoints\": [], \"volumesFrom\": [],\n"
        "     \"user\": \"0\", \"systemControls\": [],\n"
        "     \"firelensConfiguration\": {\"type\": \"fluentbit\", \"options\": {}}}],\n"
        "  \"family\": \"f\", \"networkMode\": \"awsvpc\", \"revision\": 7, \"volumes\": [],\n"
        "  \"status\": \"ACTIVE\",\n"
        "  \"requiresAttributes\": [{\"name\": \"ecs.capability.firelens.fluentbit\"},\n"
        "     {\"name\": \"com.amazonaws.ecs.capability.docker-remote-api.1.18\"}],\n"
        "  \"placementConstraints\": [], \"compatibilities\": [\"EC2\", \"FARGATE\"],\n"
        "  \"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"1 vCPU\", \"memory\": \"2GB\",\n"
        "  \"registeredAt\": \"2024-05-01T10:00:00.123000+02:00\", \"deregisteredAt\": "
        "1714550400,\n"
        "  \"registeredBy\": \"arn:aws:iam::123456789012:user/me\"},\n"
        " \"tags\": [{\"key\": \"team\", \"value\": \"obs\"}]}";
    struct parsed p;
    parse(&p, json);
    assert_int_equal(p.r, 0);
    assert_no_diags(&p);
    struct emu_taskdef *td = p.td;
    assert_int_equal(td->form, EMU_FORM_DESCRIBE);
    assert_string_equal(td->containers_path, "taskDefinition.containerDefinitions");
    assert_string_equal(td->task_path, "taskDefinition.");
    assert_string_equal(td->task_definition_arn,
                        "arn:aws:ecs:us-east-1:123456789012:task-definition/f:7");
    assert_true(td->revision.has);
    assert_int_equal(td->revision.v, 7);
    assert_string_equal(td->status, "ACTIVE");
    assert_int_equal(td->compatibilities.n, 2);
    assert_string_equal(td->compatibilities.items[1], "FARGATE");
    assert_string_equal(td->cpu_raw, "1 vCPU");
    assert_int_equal(td->cpu.v, 1024);
    assert_string_equal(td->memory_raw, "2GB");
    assert_int_equal(td->memory.v, 2048);
    assert_int_equal(td->tags.n, 1);
    assert_string_equal(td->tags.items[0].key, "team");
    assert_string_equal(td->tags.items[0].value, "obs");
    assert_int_equal(td->n_containers, 1);
    assert_string_equal(td->containers[0].user, "0");
    assert_true(td->containers[0].cpu.has);
    assert_int_equal(td->containers[0].cpu.v, 0);
    assert_int_equal(td->containers[0].firelens_configuration.options.n, 0);
    done(&p);
}

static void test_form_describe_errors(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "{\"taskDefinition\": {\"family\": \"f\", \"containerDefinitions\": "
              "[{\"name\": \"a\", \"foo\": 1}], \"bar\": 2}, \"ResponseMetadata\": {}}");
    assert_int_equal(p.r, 0);
    expect_diag(&p, EMU_DIAG_ERROR, "ResponseMetadata",
                "Unknown parameter in input: \"ResponseMetadata\", must be one of: "
                "taskDefinition, tags");
    expect_diag(&p, EMU_DIAG_ERROR, "taskDefinition.bar",
                "Unknown parameter in taskDefinition: \"bar\", must be one of: "
                "taskDefinitionArn, containerDefinitions, family, taskRoleArn, "
                "executionRoleArn, networkMode, revision, volumes, status, requiresAttributes, "
                "placementConstraints, compatibilities, runtimePlatform, "
                "requiresCompatibilities, cpu, memory, inferenceAccelerators, pidMode, ipcMode, "
                "proxyConfiguration, registeredAt, deregisteredAt, deleteRequestedAt, "
                "registeredBy, ephemeralStorage, enableFaultInjection");
    expect_diag(&p, EMU_DIAG_ERROR, "taskDefinition.containerDefinitions[0].foo",
                "Unknown parameter in taskDefinition.containerDefinitions[0]: \"foo\", must be "
                "one of: " CONTAINER_MEMBERS);
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 3);
    assert_string_equal(p.td->containers[0].name, "a");
    done(&p);

    parse(&p, "{\"taskDefinition\": {\"containerDefinitions\": []}}");
    expect_diag(&p, EMU_DIAG_ERROR, "taskDefinition.family",
                "Missing required parameter in taskDefinition: \"family\"");
    done(&p);

    parse(&p, "{\"taskDefinition\": \"x\"}");
    assert_int_equal(p.r, 0);
    assert_int_equal(p.td->form, EMU_FORM_DESCRIBE);
    expect_diag(&p, EMU_DIAG_ERROR, "taskDefinition",
                "Invalid type for parameter taskDefinition, value: x, type: <class 'str'>, "
                "valid types: <class 'dict'>");
    done(&p);
}

static const char seed_terraform[] =
    "[\n"
    "  {\"name\": \"log_router\", \"image\": \"fluent-bit-s3:2.32.4\", \"essential\": true,\n"
    "   \"memoryReservation\": 50,\n"
    "   \"firelensConfiguration\": {\"type\": \"fluentbit\",\n"
    "      \"options\": {\"enable-ecs-log-metadata\": \"true\", \"config-file-type\": "
    "\"file\"}},\n"
    "   \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\n"
    "      \"awslogs-group\": \"/ecs/x\", \"awslogs-region\": \"us-east-1\"}}},\n"
    "  {\"name\": \"nginx\", \"image\": \"nginx\", \"cpu\": 256, \"essential\": true,\n"
    "   \"networkMode\": \"awsvpc\",\n"
    "   \"portMappings\": [{\"containerPort\": 80, \"hostPort\": 80}],\n"
    "   \"logConfiguration\": {\"logDriver\": \"awsfirelens\"}}\n"
    "]\n";

static void test_form_containers(void **state)
{
    (void)state;
    struct emu_taskdef_overrides ov = {
        .family = "seed",
        .cpu = "0.25 vCPU",
        .memory = "0.5GB",
        .network_mode = "awsvpc",
        .requires_compatibilities = " FARGATE, EC2 ,,",
        .task_role_arn = "arn:task",
        .execution_role_arn = "arn:exec",
    };
    struct parsed p;
    parse_ov(&p, seed_terraform, &ov);
    assert_int_equal(p.r, 0);
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 0);
    assert_int_equal(count(&p, EMU_DIAG_WARNING), 1);
    expect_diag(&p, EMU_DIAG_WARNING, "[1].networkMode",
                "Unknown parameter in [1]: \"networkMode\" (networkMode is a task-level setting, "
                "not a container one), ignoring");
    const char *msg = p.diags.items[0].message;
    assert_string_equal(msg + strlen(msg) - strlen(", ignoring"), ", ignoring");
    struct emu_taskdef *td = p.td;
    assert_int_equal(td->form, EMU_FORM_CONTAINERS);
    assert_string_equal(td->containers_path, "");
    assert_string_equal(td->task_path, "");
    check_seed_containers(td);
    assert_string_equal(td->containers[1].network_mode_ignored, "awsvpc");
    assert_null(td->containers[0].network_mode_ignored);
    assert_string_equal(td->family, "seed");
    assert_string_equal(td->cpu_raw, "0.25 vCPU");
    assert_int_equal(td->cpu.v, 256);
    assert_string_equal(td->memory_raw, "0.5GB");
    assert_int_equal(td->memory.v, 512);
    assert_int_equal(td->network_mode, EMU_NETWORK_AWSVPC);
    assert_int_equal(td->requires_compatibilities.n, 2);
    assert_string_equal(td->requires_compatibilities.items[0], "FARGATE");
    assert_string_equal(td->requires_compatibilities.items[1], "EC2");
    assert_string_equal(td->task_role_arn, "arn:task");
    assert_string_equal(td->execution_role_arn, "arn:exec");
    done(&p);

    /* No overrides: task level stays absent, no error. */
    parse(&p, "[]");
    assert_int_equal(p.r, 0);
    assert_no_diags(&p);
    assert_int_equal(p.td->form, EMU_FORM_CONTAINERS);
    assert_null(p.td->family);
    assert_false(p.td->cpu.has);
    assert_int_equal(p.td->network_mode, EMU_NETWORK_UNSET);
    assert_int_equal(p.td->n_containers, 0);
    done(&p);
}

static void test_form_containers_lenient(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "[{\"name\": \"a\", \"essential\": \"false\", \"memory\": \"512\", \"cpu\": null,\n"
              "  \"portMappings\": [{\"containerPort\": \"8080\", \"hostPort\": 8080,\n"
              "                     \"foo\": 1}],\n"
              "  \"readonlyRootFilesystem\": \"yes\", \"stopTimeout\": \"1.5\"}, 7]");
    assert_int_equal(p.r, 0);
    struct emu_container_def *c = &p.td->containers[0];
    assert_true(c->essential.has);
    assert_false(c->essential.v);
    assert_true(c->memory.has);
    assert_int_equal(c->memory.v, 512);
    assert_false(c->cpu.has);
    assert_int_equal(c->port_mappings[0].container_port.v, 8080);
    assert_false(c->readonly_root_filesystem.has);
    assert_false(c->stop_timeout.has);
    expect_diag(&p, EMU_DIAG_ERROR, "[0].readonlyRootFilesystem",
                "Invalid type for parameter [0].readonlyRootFilesystem, value: yes, type: "
                "<class 'str'>, valid types: <class 'bool'>");
    expect_diag(&p, EMU_DIAG_ERROR, "[0].stopTimeout",
                "Invalid type for parameter [0].stopTimeout, value: 1.5, type: <class 'str'>, "
                "valid types: <class 'int'>");
    expect_diag(&p, EMU_DIAG_ERROR, "[1]",
                "Invalid type for parameter [1], value: 7, type: <class 'int'>, valid types: "
                "<class 'dict'>");
    expect_diag(&p, EMU_DIAG_WARNING, "[0].portMappings[0].foo",
                "Unknown parameter in [0].portMappings[0]: \"foo\", must be one of: "
                "containerPort, hostPort, protocol, name, appProtocol, containerPortRange, "
                "ignoring");
    expect_diag(&p, EMU_DIAG_ERROR, "[0].memory",
                "Invalid type for parameter [0].memory, value: \"512\" is a string, not a "
                "number: the Terraform AWS provider refuses it (json: cannot unmarshal string); "
                "write it without quotes");
    /* Quoted essential, memory and containerPort are errors (Terraform refuses them) though
     * their values are still read; the unknown key is the only warning. */
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 6);
    assert_int_equal(count(&p, EMU_DIAG_WARNING), 1);
    assert_int_equal(p.td->n_containers, 1);
    done(&p);
}

/* ---- Every field -------------------------------------------------------------------------- */

static const char full_json[] =
    "{\"family\": \"full\", \"networkMode\": \"bridge\", \"pidMode\": \"task\",\n"
    " \"ipcMode\": \"none\", \"enableFaultInjection\": false,\n"
    " \"ephemeralStorage\": {\"sizeInGiB\": 30},\n"
    " \"runtimePlatform\": {\"cpuArchitecture\": \"ARM64\", \"operatingSystemFamily\": "
    "\"LINUX\"},\n"
    " \"placementConstraints\": [{\"type\": \"memberOf\", \"expression\": \"attribute:x == y\"}],\n"
    " \"proxyConfiguration\": {\"type\": \"APPMESH\", \"containerName\": \"envoy\",\n"
    "    \"properties\": [{\"name\": \"IgnoredUID\", \"value\": \"1337\"}]},\n"
    " \"inferenceAccelerators\": [{\"deviceName\": \"d\", \"deviceType\": \"eia2.medium\"}],\n"
    " \"tags\": [{\"key\": \"a\", \"value\": \"1\"}, {\"key\": \"b\"}],\n"
    " \"volumes\": [\n"
    "   {\"name\": \"empty\"},\n"
    "   {\"name\": \"hostv\", \"host\": {\"sourcePath\": \"/srv\"}},\n"
    "   {\"name\": \"dock\", \"dockerVolumeConfiguration\": {\"scope\": \"shared\",\n"
    "      \"autoprovision\": true, \"driver\": \"local\", \"driverOpts\": {\"type\": \"nfs\",\n"
    "      \"o\": \"addr=1\"}, \"labels\": {\"l\": \"v\"}}},\n"
    "   {\"name\": \"efs\", \"efsVolumeConfiguration\": {\"fileSystemId\": \"fs-1\",\n"
    "      \"rootDirectory\": \"/r\", \"transitEncryption\": \"ENABLED\",\n"
    "      \"transitEncryptionPort\": 2049,\n"
    "      \"authorizationConfig\": {\"accessPointId\": \"ap-1\", \"iam\": \"ENABLED\"}}},\n"
    "   {\"name\": \"fsx\", \"fsxWindowsFileServerVolumeConfiguration\": {\"fileSystemId\": "
    "\"fs-2\",\n"
    "      \"rootDirectory\": \"\\\\r\", \"authorizationConfig\": {\"credentialsParameter\": "
    "\"p\",\n"
    "      \"domain\": \"d\"}}},\n"
    "   {\"name\": \"late\", \"configuredAtLaunch\": true}],\n"
    " \"containerDefinitions\": [{\n"
    "   \"name\": \"app\", \"image\": \"img\",\n"
    "   \"repositoryCredentials\": {\"credentialsParameter\": \"arn:secret\"},\n"
    "   \"cpu\": 128, \"memory\": 512, \"memoryReservation\": 256, \"links\": [\"db:db\"],\n"
    "   \"portMappings\": [{\"containerPort\": 8080, \"hostPort\": 0, \"protocol\": \"udp\",\n"
    "      \"name\": \"web\", \"appProtocol\": \"http2\"},\n"
    "      {\"containerPortRange\": \"9000-9010\"}],\n"
    "   \"essential\": false,\n"
    "   \"restartPolicy\": {\"enabled\": true, \"ignoredExitCodes\": [0, 137],\n"
    "      \"restartAttemptPeriod\": 60},\n"
    "   \"entryPoint\": [\"sh\", \"-c\"], \"command\": [\"echo hi\"],\n"
    "   \"environment\": [{\"name\": \"B\", \"value\": \"2\"}, {\"name\": \"A\", \"value\": "
    "\"1\"},\n"
    "      {\"name\": \"EMPTY\"}, {\"value\": \"nameless\"}],\n"
    "   \"environmentFiles\": [{\"value\": \"arn:aws:s3:::b/e.env\", \"type\": \"s3\"}],\n"
    "   \"mountPoints\": [{\"sourceVolume\": \"hostv\", \"containerPath\": \"/data\", "
    "\"readOnly\": true}],\n"
    "   \"volumesFrom\": [{\"sourceContainer\": \"other\", \"readOnly\": false}],\n"
    "   \"linuxParameters\": {\"capabilities\": {\"add\": [\"NET_ADMIN\"], \"drop\": "
    "[\"MKNOD\"]},\n"
    "      \"devices\": [{\"hostPath\": \"/dev/fuse\", \"containerPath\": \"/dev/fuse\",\n"
    "         \"permissions\": [\"read\", \"write\"]}],\n"
    "      \"initProcessEnabled\": true, \"sharedMemorySize\": 64,\n"
    "      \"tmpfs\": [{\"containerPath\": \"/tmp\", \"size\": 100, \"mountOptions\": "
    "[\"noexec\"]}],\n"
    "      \"maxSwap\": 0, \"swappiness\": 60},\n"
    "   \"secrets\": [{\"name\": \"DB\", \"valueFrom\": \"arn:ssm\"}],\n"
    "   \"dependsOn\": [{\"containerName\": \"other\", \"condition\": \"HEALTHY\"},\n"
    "      {\"containerName\": \"init\", \"condition\": \"SUCCESS\"}],\n"
    "   \"startTimeout\": 30, \"stopTimeout\": 120, \"versionConsistency\": \"disabled\",\n"
    "   \"hostname\": \"h\", \"user\": \"1000:1000\", \"workingDirectory\": \"/w\",\n"
    "   \"disableNetworking\": false, \"privileged\": true, \"readonlyRootFilesystem\": true,\n"
    "   \"dnsServers\": [\"1.1.1.1\"], \"dnsSearchDomains\": [\"corp\"],\n"
    "   \"extraHosts\": [{\"hostname\": \"db\", \"ipAddress\": \"10.0.0.1\"}],\n"
    "   \"dockerSecurityOptions\": [\"no-new-privileges\"], \"interactive\": true,\n"
    "   \"pseudoTerminal\": false, \"dockerLabels\": {\"z\": \"1\", \"a\": \"2\"},\n"
    "   \"ulimits\": [{\"name\": \"nofile\", \"softLimit\": 1024, \"hardLimit\": 4096}],\n"
    "   \"logConfiguration\": {\"logDriver\": \"awsfirelens\", \"options\": {\"Name\": \"s3\",\n"
    "      \"bucket\": \"b\"}, \"secretOptions\": [{\"name\": \"apikey\", \"valueFrom\": "
    "\"arn:k\"}]},\n"
    "   \"healthCheck\": {\"command\": [\"CMD-SHELL\", \"curl -f localhost\"], \"interval\": 10,\n"
    "      \"timeout\": 3, \"retries\": 2, \"startPeriod\": 0},\n"
    "   \"systemControls\": [{\"namespace\": \"net.core.somaxconn\", \"value\": \"1024\"}],\n"
    "   \"resourceRequirements\": [{\"type\": \"GPU\", \"value\": \"1\"}],\n"
    "   \"firelensConfiguration\": {\"type\": \"fluentd\", \"options\": {\"b\": \"2\", \"a\": "
    "\"1\"}},\n"
    "   \"credentialSpecs\": [\"credentialspec:arn\"]}]}";

static void check_full_task(const struct emu_taskdef *td)
{
    assert_int_equal(td->network_mode, EMU_NETWORK_BRIDGE);
    assert_string_equal(td->pid_mode, "task");
    assert_string_equal(td->ipc_mode, "none");
    assert_true(td->enable_fault_injection.has);
    assert_false(td->enable_fault_injection.v);
    assert_int_equal(td->ephemeral_storage_gib.v, 30);
    assert_string_equal(td->runtime_cpu_architecture, "ARM64");
    assert_string_equal(td->runtime_os_family, "LINUX");
    assert_int_equal(td->n_placement_constraints, 1);
    assert_string_equal(td->placement_constraints[0].type, "memberOf");
    assert_string_equal(td->placement_constraints[0].expression, "attribute:x == y");
    assert_true(td->has_proxy_configuration);
    assert_string_equal(td->proxy_container_name, "envoy");
    assert_int_equal(td->tags.n, 2);
    assert_string_equal(td->tags.items[1].key, "b");
    assert_string_equal(td->tags.items[1].value, "");
    assert_int_equal(td->n_volumes, 6);
    const struct emu_volume *v = td->volumes;
    assert_string_equal(v[0].name, "empty");
    assert_false(v[0].has_host);
    assert_null(v[0].host_source_path);
    assert_true(v[1].has_host);
    assert_string_equal(v[1].host_source_path, "/srv");
    assert_true(v[2].has_docker_volume_configuration);
    assert_string_equal(v[2].docker_scope, "shared");
    assert_true(v[2].docker_autoprovision.v);
    assert_string_equal(v[2].docker_driver, "local");
    assert_int_equal(v[2].docker_driver_opts.n, 2);
    assert_string_equal(v[2].docker_driver_opts.items[1].key, "o");
    assert_string_equal(emu_kv_get(&v[2].docker_labels, "l"), "v");
    assert_true(v[3].has_efs_volume_configuration);
    assert_string_equal(v[3].efs_file_system_id, "fs-1");
    assert_string_equal(v[3].efs_root_directory, "/r");
    assert_string_equal(v[4].name, "fsx");
    assert_true(v[5].configured_at_launch.has && v[5].configured_at_launch.v);
}

static void check_full_container(const struct emu_container_def *c)
{
    assert_string_equal(c->repository_credentials.credentials_parameter, "arn:secret");
    assert_int_equal(c->memory.v, 512);
    assert_int_equal(c->memory_reservation.v, 256);
    assert_string_equal(c->links.items[0], "db:db");
    assert_int_equal(c->n_port_mappings, 2);
    assert_string_equal(c->port_mappings[0].protocol, "udp");
    assert_string_equal(c->port_mappings[0].name, "web");
    assert_string_equal(c->port_mappings[0].app_protocol, "http2");
    assert_true(c->port_mappings[0].host_port.has);
    assert_int_equal(c->port_mappings[0].host_port.v, 0);
    assert_false(c->port_mappings[1].container_port.has);
    assert_string_equal(c->port_mappings[1].container_port_range, "9000-9010");
    assert_true(c->essential.has);
    assert_false(emu_container_is_essential(c));
    assert_true(c->restart_policy.present);
    assert_true(c->restart_policy.enabled.v);
    assert_int_equal(c->restart_policy.n_ignored_exit_codes, 2);
    assert_int_equal(c->restart_policy.ignored_exit_codes[1], 137);
    assert_int_equal(c->restart_policy.restart_attempt_period.v, 60);
    assert_int_equal(c->entry_point.n, 2);
    assert_string_equal(c->command.items[0], "echo hi");
    assert_int_equal(c->environment.n, 3);
    assert_string_equal(c->environment.items[0].key, "B");
    assert_string_equal(c->environment.items[1].key, "A");
    assert_string_equal(c->environment.items[2].key, "EMPTY");
    assert_string_equal(c->environment.items[2].value, "");
    assert_int_equal(c->n_environment_files, 1);
    assert_string_equal(c->environment_files[0].type, "s3");
    assert_string_equal(c->mount_points[0].container_path, "/data");
    assert_true(c->mount_points[0].read_only.v);
    assert_string_equal(c->volumes_from[0].source_container, "other");
    assert_true(c->volumes_from[0].read_only.has);
    const struct emu_linux_parameters *l = &c->linux_parameters;
    assert_true(l->present);
    assert_string_equal(l->cap_add.items[0], "NET_ADMIN");
    assert_string_equal(l->cap_drop.items[0], "MKNOD");
    assert_string_equal(l->devices[0].host_path, "/dev/fuse");
    assert_int_equal(l->devices[0].permissions.n, 2);
    assert_true(l->init_process_enabled.v);
    assert_int_equal(l->shared_memory_size.v, 64);
    assert_int_equal(l->tmpfs[0].size.v, 100);
    assert_string_equal(l->tmpfs[0].mount_options.items[0], "noexec");
    assert_true(l->max_swap.has);
    assert_int_equal(l->swappiness.v, 60);
    assert_string_equal(c->secrets.items[0].value_from, "arn:ssm");
    assert_int_equal(c->n_depends_on, 2);
    assert_int_equal(c->depends_on[0].condition, EMU_DEP_HEALTHY);
    assert_string_equal(c->depends_on[1].container_name, "init");
    assert_string_equal(c->depends_on[1].condition_raw, "SUCCESS");
    assert_int_equal(c->depends_on[1].condition, EMU_DEP_SUCCESS);
    assert_false(c->depends_on[1].implicit);
    assert_int_equal(c->start_timeout.v, 30);
    assert_int_equal(c->stop_timeout.v, 120);
    assert_string_equal(c->version_consistency, "disabled");
    assert_string_equal(c->hostname, "h");
    assert_string_equal(c->user, "1000:1000");
    assert_string_equal(c->working_directory, "/w");
    assert_true(c->disable_networking.has && !c->disable_networking.v);
    assert_true(c->privileged.v);
    assert_true(c->readonly_root_filesystem.v);
    assert_string_equal(c->dns_servers.items[0], "1.1.1.1");
    assert_string_equal(c->dns_search_domains.items[0], "corp");
    assert_string_equal(c->extra_hosts[0].ip_address, "10.0.0.1");
    assert_string_equal(c->docker_security_options.items[0], "no-new-privileges");
    assert_true(c->interactive.v);
    assert_true(c->pseudo_terminal.has);
    assert_string_equal(c->docker_labels.items[0].key, "z");
    assert_string_equal(c->ulimits[0].name, "nofile");
    assert_int_equal(c->ulimits[0].soft_limit.v, 1024);
    assert_int_equal(c->ulimits[0].hard_limit.v, 4096);
    assert_true(emu_container_uses_firelens(c));
    assert_string_equal(emu_kv_get(&c->log_configuration.options, "Name"), "s3");
    assert_int_equal(c->log_configuration.secret_options.n, 1);
    assert_string_equal(c->log_configuration.secret_options.items[0].name, "apikey");
    assert_true(c->health_check.present);
    assert_int_equal(c->health_check.command.n, 2);
    assert_int_equal(c->health_check.interval.v, 10);
    assert_int_equal(c->health_check.timeout.v, 3);
    assert_int_equal(c->health_check.retries.v, 2);
    assert_true(c->health_check.start_period.has);
    assert_string_equal(c->system_controls.items[0].key, "net.core.somaxconn");
    assert_string_equal(c->system_controls.items[0].value, "1024");
    assert_string_equal(c->resource_requirements[0].type, "GPU");
    assert_int_equal(c->firelens_configuration.type, EMU_ROUTER_FLUENTD);
    assert_string_equal(c->firelens_configuration.options.items[0].key, "b");
    assert_string_equal(c->firelens_configuration.options.items[1].key, "a");
    assert_string_equal(c->credential_specs.items[0], "credentialspec:arn");
}

static void test_every_field(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, full_json);
    assert_int_equal(p.r, 0);
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 0);
    /* The nameless environment entry is dropped with a warning. */
    assert_int_equal(count(&p, EMU_DIAG_WARNING), 1);
    expect_diag(&p, EMU_DIAG_WARNING, "containerDefinitions[0].environment[3]",
                "containerDefinitions[0].environment[3] has no \"name\", ignoring it");
    check_full_task(p.td);
    assert_int_equal(p.td->n_containers, 1);
    check_full_container(&p.td->containers[0]);
    done(&p);
}

/* ---- Errors in the AWS CLI's words ---------------------------------------------------------- */

static void test_unknown_keys_register(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "{\"family\": \"f\", \"foo\": 1, \"containerDefinitions\": [{\"name\": \"a\",\n"
              "  \"foo\": true, \"networkMode\": \"awsvpc\",\n"
              "  \"healthCheck\": {\"command\": [\"CMD\"], \"intervall\": 5}}]}");
    assert_int_equal(p.r, 0);
    expect_diag(&p, EMU_DIAG_ERROR, "foo",
                "Unknown parameter in input: \"foo\", must be one of: family, taskRoleArn, "
                "executionRoleArn, networkMode, containerDefinitions, volumes, "
                "placementConstraints, requiresCompatibilities, cpu, memory, tags, pidMode, "
                "ipcMode, proxyConfiguration, inferenceAccelerators, ephemeralStorage, "
                "runtimePlatform, enableFaultInjection");
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].foo",
                "Unknown parameter in containerDefinitions[0]: \"foo\", must be one "
                "of: " CONTAINER_MEMBERS);
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].networkMode",
                "Unknown parameter in containerDefinitions[0]: \"networkMode\", must be one "
                "of: " CONTAINER_MEMBERS);
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].healthCheck.intervall",
                "Unknown parameter in containerDefinitions[0].healthCheck: \"intervall\", must be "
                "one of: command, interval, timeout, retries, startPeriod");
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 4);
    assert_int_equal(count(&p, EMU_DIAG_WARNING), 0);
    done(&p);
}

static void test_type_errors(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "{\"family\": 5, \"containerDefinitions\": [{\"name\": \"a\", \"cpu\": \"256\",\n"
              "  \"essential\": \"true\", \"links\": \"db\", \"memory\": 1.5,\n"
              "  \"environment\": {\"A\": [1, null, true, \"s'q\"]},\n"
              "  \"dockerLabels\": {\"k\": 1}, \"portMappings\": [\"80\"],\n"
              "  \"command\": [\"ok\", 2], \"stopTimeout\": 1e20, \"user\": null}],\n"
              " \"tags\": [{\"key\": \"\"}], \"cpu\": {}, \"memory\": null}");
    assert_int_equal(p.r, 0);
#define TE(where, value, type, valid)                                                              \
    expect_diag(&p, EMU_DIAG_ERROR, where,                                                         \
                "Invalid type for parameter " where ", value: " value ", type: <class '" type      \
                "'>, valid types: " valid)
    TE("family", "5", "int", "<class 'str'>");
    TE("containerDefinitions[0].cpu", "256", "str", "<class 'int'>");
    TE("containerDefinitions[0].essential", "true", "str", "<class 'bool'>");
    TE("containerDefinitions[0].links", "db", "str", "<class 'list'>, <class 'tuple'>");
    TE("containerDefinitions[0].memory", "1.5", "float", "<class 'int'>");
    TE("containerDefinitions[0].environment", "{'A': [1, None, True, \"s'q\"]}", "dict",
       "<class 'list'>, <class 'tuple'>");
    TE("containerDefinitions[0].dockerLabels.k", "1", "int", "<class 'str'>");
    TE("containerDefinitions[0].portMappings[0]", "80", "str", "<class 'dict'>");
    TE("containerDefinitions[0].command[1]", "2", "int", "<class 'str'>");
    TE("containerDefinitions[0].stopTimeout", "1e+20", "float", "<class 'int'>");
    TE("containerDefinitions[0].user", "None", "NoneType", "<class 'str'>");
    TE("cpu", "{}", "dict", "<class 'str'>");
    TE("memory", "None", "NoneType", "<class 'str'>");
#undef TE
    expect_diag(&p, EMU_DIAG_ERROR, "tags[0].key",
                "Invalid length for parameter tags[0].key, value: 0, valid min length: 1");
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 14);
    /* Wrong-typed values are left unset, the rest is read. */
    const struct emu_container_def *c = &p.td->containers[0];
    assert_null(p.td->family);
    assert_false(c->cpu.has);
    assert_false(c->essential.has);
    assert_int_equal(c->links.n, 0);
    assert_int_equal(c->command.n, 1);
    assert_string_equal(c->name, "a");
    done(&p);
}

static void test_missing_required(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "{\"containerDefinitions\": [{\"name\": \"a\", \"secrets\": [{\"name\": \"S\"}],\n"
              "  \"dependsOn\": [{\"containerName\": \"b\"}],\n"
              "  \"logConfiguration\": {\"options\": {}},\n"
              "  \"firelensConfiguration\": {}}]}");
    assert_int_equal(p.r, 0);
    expect_diag(&p, EMU_DIAG_ERROR, "family", "Missing required parameter in input: \"family\"");
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].secrets[0].valueFrom",
                "Missing required parameter in containerDefinitions[0].secrets[0]: "
                "\"valueFrom\"");
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].dependsOn[0].condition",
                "Missing required parameter in containerDefinitions[0].dependsOn[0]: "
                "\"condition\"");
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].logConfiguration.logDriver",
                "Missing required parameter in containerDefinitions[0].logConfiguration: "
                "\"logDriver\"");
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].firelensConfiguration.type",
                "Missing required parameter in containerDefinitions[0].firelensConfiguration: "
                "\"type\"");
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 5);
    const struct emu_container_def *c = &p.td->containers[0];
    assert_int_equal(c->secrets.n, 0);
    assert_int_equal(c->n_depends_on, 0);
    assert_true(c->log_configuration.present);
    assert_null(c->log_configuration.log_driver);
    assert_true(c->firelens_configuration.present);
    assert_int_equal(c->firelens_configuration.type, EMU_ROUTER_NONE);
    done(&p);

    parse(&p, "{\"family\": \"f\"}");
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions",
                "Missing required parameter in input: \"containerDefinitions\"");
    assert_int_equal(p.td->n_containers, 0);
    done(&p);
}

static void test_enum_errors(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "{\"family\": \"f\", \"networkMode\": \"vpc\", \"containerDefinitions\": [\n"
              "  {\"name\": \"a\", \"dependsOn\": [{\"containerName\": \"b\", \"condition\": "
              "\"start\"}],\n"
              "   \"firelensConfiguration\": {\"type\": \"vector\"}}]}");
    assert_int_equal(p.r, 0);
    expect_diag(&p, EMU_DIAG_ERROR, "networkMode",
                "Invalid value for parameter networkMode, value: vpc, valid values: bridge, "
                "host, awsvpc, none");
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].dependsOn[0].condition",
                "Invalid value for parameter containerDefinitions[0].dependsOn[0].condition, "
                "value: start, valid values: START, COMPLETE, SUCCESS, HEALTHY");
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 2);
    assert_int_equal(p.td->network_mode, EMU_NETWORK_UNSET);
    assert_string_equal(p.td->network_mode_raw, "vpc");
    const struct emu_container_def *c = &p.td->containers[0];
    assert_int_equal(c->n_depends_on, 1);
    assert_int_equal(c->depends_on[0].condition, _EMU_DEP_INVALID);
    assert_string_equal(c->depends_on[0].condition_raw, "start");
    assert_int_equal(c->firelens_configuration.type, EMU_ROUTER_OTHER);
    assert_string_equal(c->firelens_configuration.type_raw, "vector");
    done(&p);

    /* In the describe form the paths carry the taskDefinition prefix. */
    parse(&p, "{\"taskDefinition\": {\"family\": \"f\", \"networkMode\": \"x\", \"cpu\": \"y\",\n"
              " \"containerDefinitions\": []}}");
    expect_diag(&p, EMU_DIAG_ERROR, "taskDefinition.networkMode",
                "Invalid value for parameter taskDefinition.networkMode, value: x, valid values: "
                "bridge, host, awsvpc, none");
    expect_diag(&p, EMU_DIAG_ERROR, "taskDefinition.cpu",
                "Invalid 'cpu' setting for task: \"y\" is neither CPU units (\"256\") nor vCPUs "
                "(\"0.25 vCPU\")");
    done(&p);
}

/* ---- cpu / memory ------------------------------------------------------------------------- */

static void test_cpu_memory_table(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t cpu; /* -1: invalid */
        int64_t mem;
    } cases[] = {
        {"256", 256, 256},      {"0", 0, 0},
        {" 512 ", 512, 512},    {"1 vCPU", 1024, -1},
        {"1vcpu", 1024, -1},    {"0.25 vCPU", 256, -1},
        {"0.5 VCPU", 512, -1},  {"2 vcpu ", 2048, -1},
        {"16 vCPU", 16384, -1}, {"1GB", -1, 1024},
        {"1 GB", -1, 1024},     {"0.5GB", -1, 512},
        {"2 gb", -1, 2048},     {"120 GB", -1, 122880},
        {"0.3 vCPU", -1, -1},   {"0.0001GB", -1, -1},
        {"", -1, -1},           {"vCPU", -1, -1},
        {"GB", -1, -1},         {"-256", -1, -1},
        {"0.5", -1, -1},        {"1.", -1, -1},
        {"1 vCPU x", -1, -1},   {"256MiB", -1, -1},
        {"1e3", -1, -1},        {"99999999999999999999", -1, -1},
        {"1 vCPUs", -1, -1},    {"0x100", -1, -1},
        {".5 vCPU", 512, -1},   {"1.0000000001 GB", -1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -7;
        int r = emu_parse_task_cpu(cases[i].s, &v);
        if (cases[i].cpu < 0) {
            assert_int_equal(r, EMU_EINVAL);
        }
        else {
            assert_int_equal(r, 0);
            assert_int_equal(v, cases[i].cpu);
        }
        v = -7;
        r = emu_parse_task_memory(cases[i].s, &v);
        if (cases[i].mem < 0) {
            assert_int_equal(r, EMU_EINVAL);
        }
        else {
            assert_int_equal(r, 0);
            assert_int_equal(v, cases[i].mem);
        }
    }
    int64_t v;
    assert_int_equal(emu_parse_task_cpu(NULL, &v), EMU_EINVAL);
}

static void test_cpu_memory_in_json(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "{\"family\": \"f\", \"cpu\": 256, \"memory\": 2048, \"containerDefinitions\": []}");
    assert_no_diags(&p);
    assert_string_equal(p.td->cpu_raw, "256");
    assert_int_equal(p.td->cpu.v, 256);
    assert_string_equal(p.td->memory_raw, "2048");
    assert_int_equal(p.td->memory.v, 2048);
    done(&p);

    parse(&p, "{\"family\": \"f\", \"cpu\": \"lots\", \"memory\": 0.5, \"containerDefinitions\": "
              "[]}");
    assert_int_equal(p.r, 0);
    assert_false(p.td->cpu.has);
    assert_string_equal(p.td->cpu_raw, "lots");
    assert_false(p.td->memory.has);
    assert_string_equal(p.td->memory_raw, "0.5");
    expect_diag(&p, EMU_DIAG_ERROR, "cpu",
                "Invalid 'cpu' setting for task: \"lots\" is neither CPU units (\"256\") nor "
                "vCPUs (\"0.25 vCPU\")");
    expect_diag(&p, EMU_DIAG_ERROR, "memory",
                "Invalid 'memory' setting for task: \"0.5\" is neither MiB (\"512\") nor GB "
                "(\"1GB\")");
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 2);
    done(&p);

    /* Overrides win over the file and are checked the same way. */
    struct emu_taskdef_overrides ov = {.cpu = "4 vCPU", .memory = "huge", .network_mode = "nat"};
    parse_ov(&p, "{\"family\": \"f\", \"cpu\": \"256\", \"containerDefinitions\": []}", &ov);
    assert_int_equal(p.td->cpu.v, 4096);
    assert_string_equal(p.td->cpu_raw, "4 vCPU");
    assert_false(p.td->memory.has);
    expect_diag(&p, EMU_DIAG_ERROR, "--memory",
                "Invalid 'memory' setting for task: \"huge\" is neither MiB (\"512\") nor GB "
                "(\"1GB\")");
    expect_diag(&p, EMU_DIAG_ERROR, "--network-mode",
                "Invalid value for parameter --network-mode, value: nat, valid values: bridge, "
                "host, awsvpc, none");
    done(&p);
}

/* ---- Syntax errors, garbage, limits ------------------------------------------------------- */

static void test_json_syntax_error(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "{\n  \"family\": \"f\",\n  \"cpu\": 256 \"memory\": 512\n}");
    assert_int_equal(p.r, EMU_EJSON);
    assert_null(p.td);
    assert_int_equal(p.diags.n, 1);
    assert_int_equal(p.diags.items[0].severity, EMU_DIAG_ERROR);
    assert_string_equal(p.diags.items[0].message, "line 3, column 14: unexpected character '\"'");
    done(&p);

    parse(&p, "[{\"name\": \"a\"}");
    assert_int_equal(p.r, EMU_EJSON);
    assert_int_equal(p.diags.n, 1);
    assert_string_equal(p.diags.items[0].message, "line 1, column 15: unexpected end of input");
    done(&p);

    parse(&p, "{} x");
    assert_int_equal(p.r, EMU_EJSON);
    assert_string_equal(p.diags.items[0].message,
                        "line 1, column 4: extra data after the JSON value");
    done(&p);
}

static void test_empty_and_garbage(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "   ", "\x01\x02", "nul", "{\"a\"", "[1,]", "\"\\x\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct parsed p;
        parse(&p, bad[i]);
        assert_int_equal(p.r, EMU_EJSON);
        assert_null(p.td);
        assert_int_equal(p.diags.n, 1);
        assert_non_null(strstr(p.diags.items[0].message, "line 1, column "));
        done(&p);
    }
    static const char *const roots[] = {"\"task\"", "42", "true", "null"};
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        struct parsed p;
        parse(&p, roots[i]);
        assert_int_equal(p.r, 0);
        assert_non_null(p.td);
        assert_int_equal(p.td->n_containers, 0);
        assert_int_equal(count(&p, EMU_DIAG_ERROR), 1);
        assert_string_equal(p.diags.items[0].where, "");
        assert_non_null(strstr(p.diags.items[0].message, "must be a JSON object"));
        done(&p);
    }
    /* NULL input of length 0 is just empty. */
    struct emu_diags d;
    emu_diags_init(&d);
    struct emu_taskdef *td = (struct emu_taskdef *)&d;
    assert_int_equal(emu_taskdef_parse(NULL, 0, NULL, &td, &d), EMU_EJSON);
    assert_null(td);
    emu_diags_done(&d);
    assert_null(emu_taskdef_free(NULL));
}

static void test_too_big(void **state)
{
    (void)state;
    struct emu_diags d;
    emu_diags_init(&d);
    struct emu_taskdef *td = NULL;
    /* The length alone decides: the bytes are never read. */
    assert_int_equal(emu_taskdef_parse("{}", (size_t)EMU_JSON_MAX_INPUT + 1, NULL, &td, &d),
                     EMU_E2BIG);
    assert_null(td);
    assert_int_equal(d.n, 0);
    emu_diags_done(&d);
}

static void test_odd_values(void **state)
{
    (void)state;
    struct parsed p;
    /* Duplicate keys: the last wins, as with Python's json. Long keys are cut in paths. */
    char json[4096];
    char longkey[2000];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    snprintf(json, sizeof(json),
             "{\"family\": \"a\", \"family\": \"b\", \"containerDefinitions\": [{\"%s\": {}, "
             "\"dockerLabels\": {\"%s\": 1}}]}",
             longkey, longkey);
    parse(&p, json);
    assert_int_equal(p.r, 0);
    assert_string_equal(p.td->family, "b");
    assert_int_equal(count(&p, EMU_DIAG_ERROR), 2);
    for (size_t i = 0; i < p.diags.n; i++) {
        assert_true(strlen(p.diags.items[i].where) < 1100);
    }
    done(&p);

    /* Unicode and escapes survive; numbers at the int64 edge do not crash. */
    parse(&p, "{\"family\": \"f\\u00e9\\n\", \"containerDefinitions\": [{\"name\": "
              "\"\\u2603\", \"memory\": 9007199254740993, \"cpu\": -1e308, \"stopTimeout\": "
              "-0}]}");
    assert_int_equal(p.r, 0);
    assert_string_equal(p.td->family, "f\xc3\xa9\n");
    assert_string_equal(p.td->containers[0].name, "\xe2\x98\x83");
    assert_true(p.td->containers[0].memory.has);
    assert_false(p.td->containers[0].cpu.has);
    assert_true(p.td->containers[0].stop_timeout.has);
    expect_diag(&p, EMU_DIAG_ERROR, "containerDefinitions[0].cpu",
                "Invalid type for parameter containerDefinitions[0].cpu, value: -1e+308, type: "
                "<class 'float'>, valid types: <class 'int'>");
    done(&p);
}

/* Every allocation failure point: -ENOMEM or success, never a leak or a crash. */
static void test_allocation_failures(void **state)
{
    (void)state;
    bool succeeded = false;
    for (long n = 1; n < 100000 && !succeeded; n++) {
        long start = emu_mem_outstanding();
        struct emu_diags d;
        emu_diags_init(&d);
        struct emu_taskdef *td = NULL;
        emu_mem_fail_after(n);
        int r = emu_taskdef_parse(full_json, strlen(full_json), NULL, &td, &d);
        emu_mem_fail_after(0);
        if (r == 0) {
            assert_non_null(td);
            succeeded = true;
        }
        else {
            assert_true(r == EMU_ENOMEM || r == EMU_EJSON);
            assert_null(td);
        }
        emu_taskdef_free(td);
        emu_diags_done(&d);
        assert_int_equal(emu_mem_outstanding(), start);
    }
    assert_true(succeeded);
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_register),
        cmocka_unit_test(test_form_describe),
        cmocka_unit_test(test_form_describe_errors),
        cmocka_unit_test(test_form_containers),
        cmocka_unit_test(test_form_containers_lenient),
        cmocka_unit_test(test_every_field),
        cmocka_unit_test(test_unknown_keys_register),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_enum_errors),
        cmocka_unit_test(test_cpu_memory_table),
        cmocka_unit_test(test_cpu_memory_in_json),
        cmocka_unit_test(test_json_syntax_error),
        cmocka_unit_test(test_empty_and_garbage),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_odd_values),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
