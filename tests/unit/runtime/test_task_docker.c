/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the model -> Docker translation (emu/runtime/task_docker.c, task_secrets.c):
 * every container setting, the agent's labels, environment precedence, secrets by ARN and
 * name with ECS's error text, task volumes and volumesFrom, and the pause container's ports. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime_test_util.h"

static const char *env_get(const struct emu_docker_create *c, const char *key)
{
    const char *found = NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < c->n_env; i++) {
        if (strncmp(c->env[i], key, n) == 0 && c->env[i][n] == '=') {
            found = c->env[i] + n + 1;
        }
    }
    return found;
}

static const char *label_get(const struct emu_docker_create *c, const char *key)
{
    for (size_t i = 0; i < c->n_labels; i++) {
        if (strcmp(c->labels[i].key, key) == 0) {
            return c->labels[i].value;
        }
    }
    return NULL;
}

static void test_container(void **state)
{
    (void)state;
    char envfile[] = "/tmp/emu-envfile-XXXXXX";
    int fd = mkstemp(envfile);
    assert_true(fd >= 0);
    const char body[] = "# comment\nFROM_FILE=1\r\nSHARED=file\n\nnot-a-var\n";
    assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)sizeof(body) - 1);
    close(fd);
    char json[4096];
    (void)snprintf(json, sizeof(json),
        "{\"taskDefinition\":{\"family\":\"fam\",\"revision\":3,\"networkMode\":\"awsvpc\",\"volumes\":["
        "{\"name\":\"host\",\"host\":{\"sourcePath\":\"/srv\"}},{\"name\":\"scratch\"}],"
        "\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"img:1\","
        "\"entryPoint\":[\"sh\",\"-c\"],\"command\":[\"echo hi\"],\"user\":\"1000\","
        "\"workingDirectory\":\"/w\",\"cpu\":1,\"memory\":64,\"memoryReservation\":32,"
        "\"readonlyRootFilesystem\":true,\"stopTimeout\":7,"
        "\"environment\":[{\"name\":\"SHARED\",\"value\":\"env\"}],"
        "\"environmentFiles\":[{\"value\":\"%s\",\"type\":\"s3\"}],"
        "\"secrets\":[{\"name\":\"DB\",\"valueFrom\":\"arn:aws:ssm:us-east-1:1:parameter/db\"},"
        "{\"name\":\"K\",\"valueFrom\":\"arn:aws:secretsmanager:us-east-1:1:secret:s-AbCdEf:"
        "key::\"}],"
        "\"dockerLabels\":{\"team\":\"x\",\"com.amazonaws.ecs.cluster\":\"spoof\"},"
        "\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":10,\"hardLimit\":20}],"
        "\"linuxParameters\":{\"initProcessEnabled\":true,\"capabilities\":{\"add\":[\"NET_ADMIN\"],"
        "\"drop\":[\"MKNOD\"]}},"
        "\"healthCheck\":{\"command\":[\"CMD-SHELL\",\"true\"],\"interval\":10},"
        "\"mountPoints\":[{\"sourceVolume\":\"host\",\"containerPath\":\"/h\",\"readOnly\":true},"
        "{\"sourceVolume\":\"scratch\",\"containerPath\":\"/s\"}],"
        "\"logConfiguration\":{\"logDriver\":\"json-file\",\"options\":{\"max-size\":\"1m\"}},"
        "\"portMappings\":[{\"containerPort\":8080}]},"
        "{\"name\":\"reader\",\"image\":\"img:1\",\"essential\":false,"
        "\"volumesFrom\":[{\"sourceContainer\":\"app\",\"readOnly\":true}]}]}}",
        envfile);
    struct rt_fixture f;
    rt_setup(&f, json);
    const char *secrets = "{\"db\":\"s3cret\",\"s\":\"{\\\"key\\\":\\\"v\\\"}\"}";
    struct emu_secret_map map;
    char why[1024];
    assert_int_equal(emu_secret_map_parse(secrets, strlen(secrets), &f.arena, &map, why,
                                          sizeof(why)), 0);
    struct emu_task_docker_ctx ctx = {.td = f.td, .plan = &f.plan, .st = &f.st,
                                      .task_dir = "/d/tasks/" T_ID, .secrets = &map};
    struct emu_docker_create c;
    assert_int_equal(emu_task_docker_container(&ctx, 0, "fe-p", &f.arena, &c, why, sizeof(why)),
                     0);
    assert_string_equal(c.name, "fe-" T_ID "-app");
    assert_string_equal(c.image, "img:1");
    assert_string_equal(c.network_mode, "container:fe-p");
    assert_string_equal(c.entrypoint[0], "sh");
    assert_string_equal(c.cmd[0], "echo hi");
    assert_string_equal(c.user, "1000");
    assert_string_equal(c.workdir, "/w");
    assert_int_equal(c.cpu_shares, 2);
    assert_int_equal(c.memory_bytes, 64LL << 20);
    assert_int_equal(c.memory_reservation_bytes, 32LL << 20);
    assert_true(c.readonly_rootfs);
    assert_true(c.init);
    assert_string_equal(c.cap_add[0], "NET_ADMIN");
    assert_string_equal(c.cap_drop[0], "MKNOD");
    assert_int_equal(c.stop_timeout, 7);
    assert_int_equal(c.n_ulimits, 1);
    assert_int_equal(c.ulimits[0].hard, 20);
    assert_int_equal(c.health->interval_ns, 10000000000LL);
    assert_int_equal(c.health->timeout_ns, 5000000000LL);
    assert_int_equal(c.health->retries, 3);
    assert_string_equal(env_get(&c, "FROM_FILE"), "1");
    assert_string_equal(env_get(&c, "SHARED"), "env"); /* environment beats the file */
    assert_string_equal(env_get(&c, "DB"), "s3cret");
    assert_string_equal(env_get(&c, "K"), "v");
    assert_null(env_get(&c, "not-a-var"));
    assert_string_equal(label_get(&c, "team"), "x");
    assert_string_equal(label_get(&c, "com.amazonaws.ecs.cluster"), "default");
    assert_string_equal(label_get(&c, "com.amazonaws.ecs.task-arn"), T_ARN);
    assert_string_equal(label_get(&c, "com.amazonaws.ecs.container-name"), "app");
    assert_string_equal(label_get(&c, "com.amazonaws.ecs.task-definition-family"), "fam");
    assert_string_equal(label_get(&c, "com.amazonaws.ecs.task-definition-version"), "3");
    assert_string_equal(label_get(&c, EMU_LABEL_TASK), T_ID);
    assert_int_equal(c.n_binds, 2);
    assert_string_equal(c.binds[0], "/srv:/h:ro");
    assert_string_equal(c.binds[1], "/d/tasks/" T_ID "/volumes/scratch:/s");
    assert_string_equal(c.log_type, "json-file");
    assert_string_equal(c.log_opts[0].value, "1m");
    /* volumesFrom: the source's mounts, read-only. */
    assert_int_equal(emu_task_docker_container(&ctx, 1, "fe-p", &f.arena, &c, why, sizeof(why)),
                     0);
    assert_int_equal(c.n_binds, 2);
    assert_string_equal(c.binds[1], "/d/tasks/" T_ID "/volumes/scratch:/s:ro");
    /* Pause container: ports on the same host port unless --publish moves them. */
    struct emu_publish pub = {18080, 8080};
    assert_int_equal(emu_task_docker_pause(&ctx, "pause:local", &pub, 1, &f.arena, &c, why,
                                           sizeof(why)), 0);
    assert_string_equal(c.network_mode, "fe-" T_ID);
    assert_int_equal(c.n_ports, 1);
    assert_int_equal(c.ports[0].host_port, 18080);
    assert_int_equal(c.ports[0].container_port, 8080);
    assert_int_equal(emu_task_docker_pause(&ctx, "pause:local", NULL, 0, &f.arena, &c, why,
                                           sizeof(why)), 0);
    assert_int_equal(c.ports[0].host_port, 8080);
    /* A missing secret fails with ECS's wording. */
    map.n = 1;
    assert_int_equal(emu_task_docker_container(&ctx, 0, "fe-p", &f.arena, &c, why, sizeof(why)),
                     -ENOENT);
    assert_non_null(strstr(why, "ResourceInitializationError: unable to pull secrets or "
                                "registry auth"));
    assert_non_null(strstr(why, "ResourceNotFoundException: Secrets Manager can't find the "
                                "specified secret."));
    unlink(envfile);
    rt_teardown(&f);
}

static void test_secret_lookup(void **state)
{
    (void)state;
    struct emu_arena a;
    emu_arena_init(&a, 0);
    const char *json = "{\"/app/db\":\"1\",\"arn:aws:secretsmanager:r:a:secret:full-XyZ123\":"
                       "\"2\",\"plain\":\"3\"}";
    struct emu_secret_map m;
    char why[256];
    assert_int_equal(emu_secret_map_parse(json, strlen(json), &a, &m, why, sizeof(why)), 0);
    assert_string_equal(emu_secret_lookup(&m, "arn:aws:ssm:r:a:parameter/app/db", &a), "1");
    assert_string_equal(emu_secret_lookup(&m, "/app/db", &a), "1");
    assert_string_equal(emu_secret_lookup(&m, "arn:aws:secretsmanager:r:a:secret:full-XyZ123",
                                          &a), "2");
    assert_string_equal(emu_secret_lookup(&m, "arn:aws:secretsmanager:r:a:secret:plain-AbCdEf",
                                          &a), "3");
    assert_null(emu_secret_lookup(&m, "arn:aws:ssm:r:a:parameter/nope", &a));
    assert_int_equal(emu_secret_map_parse("{\"x\":1}", 7, &a, &m, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "secret \"x\": expected a string value, got number");
    emu_arena_done(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container),
        cmocka_unit_test(test_secret_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
