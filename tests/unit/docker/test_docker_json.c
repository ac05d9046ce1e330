/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the pure Docker payload code: container-create bodies against golden files in
 * fixtures/docker/create-<case>/request.json (byte for byte), and the inspect, wait, error and
 * version parsers against answers captured from a real Docker 20.10 daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/docker/docker.h"
#include "tests/support/test_support.h"

/* Compares a body with fixtures/docker/<name>/request.json; EMU_GOLDEN_UPDATE=1 rewrites it. */
static void check_golden(const char *name, const struct emu_buf *body)
{
    char rel[256];
    (void)snprintf(rel, sizeof(rel), "fixtures/docker/%s/request.json", name);
    const char *path = emu_test_source_path(rel);
    const char *update = getenv("EMU_GOLDEN_UPDATE");
    if (update && strcmp(update, "1") == 0) {
        assert_int_equal(emu_file_write_atomic(path, body->data, body->len, 0644), 0);
    }
    size_t len = 0;
    char *want = emu_test_read_file(path, &len);
    if (len != body->len || memcmp(want, body->data, len) != 0) {
        fprintf(stderr, "golden %s differs; got:\n%s", name, body->data);
    }
    assert_int_equal(len, body->len);
    assert_memory_equal(want, body->data, len);
    emu_free(want);
}

static cJSON *load_json(const char *rel)
{
    size_t len = 0;
    char *data = emu_test_read_file(emu_test_source_path(rel), &len);
    cJSON *root = NULL;
    struct emu_json_error err;
    assert_int_equal(emu_json_parse(data, len, &root, &err), 0);
    emu_free(data);
    return root;
}

static void create_minimal(void **state)
{
    long before = emu_mem_outstanding();
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.image = "fargate-emu/busybox:local";
    struct emu_buf body;
    emu_buf_init(&body, 1 << 20);
    assert_int_equal(emu_docker_create_body(&c, &body), 0);
    check_golden("create-minimal", &body);
    emu_buf_done(&body);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void create_full(void **state)
{
    long before = emu_mem_outstanding();
    static const char *const cmd[] = {"sh", "-c", "echo \"hi\" && sleep 1"};
    static const char *const ep[] = {"/bin/entry"};
    static const char *const env[] = {"A=1", "QUOTE=\"x\"", "UNICODE=caf\xc3\xa9"};
    static const struct emu_docker_kv labels[] = {{"com.example.task", "t1"},
                                                  {"fargate-emu.container", "web"}};
    static const char *const binds[] = {"/var/lib/x:/data", "/etc/y:/etc/y:ro"};
    static const struct emu_docker_port ports[] = {{80, 8080, NULL}, {53, 0, "udp"},
                                                   {80, 8081, "tcp"}};
    static const char *const test[] = {"CMD-SHELL", "wget -q -O- localhost || exit 1"};
    static const struct emu_docker_health health = {test, 2, 30000000000LL, 5000000000LL,
                                                    10000000000LL, 3};
    static const struct emu_docker_ulimit ul[] = {{"nofile", 1024, 4096}};
    static const char *const add[] = {"NET_ADMIN"};
    static const char *const drop[] = {"MKNOD", "AUDIT_WRITE"};
    static const struct emu_docker_kv logopts[] = {{"max-size", "10m"}};
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.name = "web";
    c.image = "nginx:1.25";
    c.cmd = cmd;
    c.n_cmd = 3;
    c.entrypoint = ep;
    c.n_entrypoint = 1;
    c.env = env;
    c.n_env = 3;
    c.labels = labels;
    c.n_labels = 2;
    c.binds = binds;
    c.n_binds = 2;
    c.network_mode = "container:0123abcd";
    c.ports = ports;
    c.n_ports = 3;
    c.log_type = "json-file";
    c.log_opts = logopts;
    c.n_log_opts = 1;
    c.health = &health;
    c.user = "1000:1000";
    c.workdir = "/app";
    c.hostname = "web";
    c.memory_bytes = 512LL * 1024 * 1024;
    c.memory_reservation_bytes = 256LL * 1024 * 1024;
    c.cpu_shares = 256;
    c.ulimits = ul;
    c.n_ulimits = 1;
    c.init = true;
    c.cap_add = add;
    c.n_cap_add = 1;
    c.cap_drop = drop;
    c.n_cap_drop = 2;
    c.readonly_rootfs = true;
    c.stop_timeout = 30;
    struct emu_buf body;
    emu_buf_init(&body, 1 << 20);
    assert_int_equal(emu_docker_create_body(&c, &body), 0);
    check_golden("create-full", &body);
    emu_buf_done(&body);
    assert_int_equal(emu_mem_outstanding(), before);
}

/* An awsfirelens app container as the agent rewrites it (spec section 2). */
static void create_firelens(void **state)
{
    static const struct emu_docker_kv logopts[] = {
        {"fluentd-address", "unix:///var/lib/ecs/data/firelens/0123/socket/fluent.sock"},
        {"fluentd-async", "true"},
        {"fluentd-sub-second-precision", "true"},
        {"tag", "app-firelens-0123"},
    };
    static const char *const env[] = {"FLUENT_HOST=127.0.0.1", "FLUENT_PORT=24224"};
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    c.image = "fargate-emu/busybox:local";
    c.env = env;
    c.n_env = 2;
    c.network_mode = "container:pause-0123";
    c.log_type = "fluentd";
    c.log_opts = logopts;
    c.n_log_opts = 4;
    c.stop_timeout = 0;
    struct emu_buf body;
    emu_buf_init(&body, 1 << 20);
    assert_int_equal(emu_docker_create_body(&c, &body), 0);
    check_golden("create-firelens", &body);
    emu_buf_done(&body);
}

static void create_refuses(void **state)
{
    struct emu_docker_create c;
    emu_docker_create_init(&c);
    struct emu_buf body;
    emu_buf_init(&body, 1 << 20);
    assert_int_equal(emu_docker_create_body(&c, &body), EMU_EINVAL);
    c.image = "x";
    emu_buf_init(&body, 16); /* the ceiling holds */
    assert_int_equal(emu_docker_create_body(&c, &body), EMU_E2BIG);
    emu_buf_done(&body);
    /* Allocation failures anywhere come back as errors, never leaks or crashes. */
    static const char *const env[] = {"A=1", "B=2"};
    c.env = env;
    c.n_env = 2;
    c.log_type = "fluentd";
    long before = emu_mem_outstanding();
    for (long n = 1; n < 200; n++) {
        emu_buf_init(&body, 1 << 20);
        emu_mem_fail_after(n);
        int r = emu_docker_create_body(&c, &body);
        emu_mem_fail_after(0);
        emu_buf_done(&body);
        assert_int_equal(emu_mem_outstanding(), before);
        if (r == 0) {
            break;
        }
        assert_true(r == EMU_ENOMEM);
    }
}

static void inspect_exited(void **state)
{
    cJSON *root = load_json("fixtures/docker/inspect-exited/response.json");
    struct emu_docker_container_info info;
    assert_int_equal(emu_docker_container_info_parse(root, &info), 0);
    assert_string_equal(info.id,
                        "5e2ccb3991aedcad5b326d1316ff893d405a32224b75e75cba23a18a70d8e338");
    assert_string_equal(info.name, "cap1");
    assert_string_equal(info.status, "exited");
    assert_false(info.running);
    assert_false(info.oom_killed);
    assert_int_equal(info.exit_code, 3);
    assert_int_equal(info.pid, 0);
    assert_string_equal(info.health, "unhealthy");
    assert_string_equal(info.finished_at, "2026-11-24T13:00:20.76805385Z");
    assert_string_equal(info.ip_address, "");
    cJSON_Delete(root);
}

static void inspect_running(void **state)
{
    cJSON *root = load_json("fixtures/docker/inspect-running/response.json");
    struct emu_docker_container_info info;
    assert_int_equal(emu_docker_container_info_parse(root, &info), 0);
    assert_string_equal(info.status, "running");
    assert_true(info.running);
    assert_true(info.pid > 0);
    assert_string_equal(info.health, "healthy");
    assert_string_equal(info.ip_address, "172.17.0.2");
    cJSON_Delete(root);
    /* Not an inspect answer. */
    cJSON *bad = cJSON_Parse("{\"Id\":\"x\"}");
    assert_int_equal(emu_docker_container_info_parse(bad, &info), EMU_EBADMSG);
    cJSON_Delete(bad);
}

static void image_inspect(void **state)
{
    cJSON *root = load_json("fixtures/docker/image-inspect/response.json");
    const char *tags[4];
    struct emu_docker_image_info info;
    assert_int_equal(emu_docker_image_info_parse(root, tags, 4, &info), 0);
    assert_true(strncmp(info.id, "sha256:", 7) == 0);
    assert_int_equal(info.n_repo_tags, 1);
    assert_string_equal(info.repo_tags[0], "fargate-emu/busybox:local");
    cJSON_Delete(root);
}

static void wait_and_errors(void **state)
{
    cJSON *root = load_json("fixtures/docker/wait-exit3/response.json");
    long code = -1;
    const char *msg = NULL;
    assert_int_equal(emu_docker_wait_parse(root, &code, &msg), 0);
    assert_int_equal(code, 3);
    cJSON_Delete(root);
    root = cJSON_Parse("{\"StatusCode\":0,\"Error\":{\"Message\":\"container gone\"}}");
    assert_int_equal(emu_docker_wait_parse(root, &code, &msg), EMU_EDOCKER);
    assert_string_equal(msg, "container gone");
    cJSON_Delete(root);
    root = load_json("fixtures/docker/error-no-such-image/response.json");
    assert_string_equal(emu_docker_error_message(root), "No such image: fargate-emu/nope:local");
    cJSON_Delete(root);
}

static void versions(void **state)
{
    cJSON *root = load_json("fixtures/docker/version-20.10/response.json");
    const cJSON *api = cJSON_GetObjectItemCaseSensitive(root, "ApiVersion");
    assert_int_equal(emu_docker_api_cmp(api->valuestring, EMU_DOCKER_API_MIN), 0);
    cJSON_Delete(root);
    assert_true(emu_docker_api_cmp("1.40", "1.41") < 0);
    assert_true(emu_docker_api_cmp("1.9", "1.41") < 0);
    assert_true(emu_docker_api_cmp("1.100", "1.45") > 0);
    assert_true(emu_docker_api_cmp("2.0", "1.45") > 0);
    assert_true(emu_docker_api_cmp("x", "1.41") < 0);
    assert_true(emu_docker_api_cmp("1.", "1.41") < 0);
}

static void hosts(void **state)
{
    struct emu_docker_endpoint ep;
    assert_string_equal(emu_docker_host_pick(NULL, NULL), "unix:///var/run/docker.sock");
    assert_string_equal(emu_docker_host_pick("", "tcp://h:1"), "tcp://h:1");
    assert_string_equal(emu_docker_host_pick("unix:///a", "tcp://h:1"), "unix:///a");
    assert_int_equal(emu_docker_host_parse("unix:///run/docker.sock", &ep), 0);
    assert_string_equal(ep.unix_path, "/run/docker.sock");
    assert_string_equal(ep.base_url, "http://localhost");
    assert_int_equal(emu_docker_host_parse("/tmp/d.sock", &ep), 0);
    assert_string_equal(ep.unix_path, "/tmp/d.sock");
    assert_int_equal(emu_docker_host_parse("tcp://127.0.0.1:2375", &ep), 0);
    assert_string_equal(ep.unix_path, "");
    assert_string_equal(ep.base_url, "http://127.0.0.1:2375");
    assert_int_equal(emu_docker_host_parse("tcp://dockerhost", &ep), 0);
    assert_string_equal(ep.base_url, "http://dockerhost:2375");
    assert_int_equal(emu_docker_host_parse("ssh://me@host", &ep), EMU_EINVAL);
    assert_int_equal(emu_docker_host_parse("unix://", &ep), EMU_EINVAL);
    assert_int_equal(emu_docker_host_parse("tcp://h:1/x", &ep), EMU_EINVAL);
    char longp[200];
    memset(longp, 'a', sizeof(longp));
    memcpy(longp, "unix:///", 8);
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(emu_docker_host_parse(longp, &ep), EMU_ENAMETOOLONG);
}

static void escaping_and_images(void **state)
{
    struct emu_buf b, r, t;
    emu_buf_init(&b, 1024);
    assert_int_equal(emu_docker_url_escape("a b/c:d{\"x\"}", false, &b), 0);
    assert_string_equal(b.data, "a%20b%2Fc%3Ad%7B%22x%22%7D");
    b.len = 0;
    assert_int_equal(emu_docker_url_escape("public.ecr.aws/x/y:1", true, &b), 0);
    assert_string_equal(b.data, "public.ecr.aws/x/y:1");
    emu_buf_done(&b);
    static const struct {
        const char *in, *repo, *tag;
    } cases[] = {
        {"busybox", "busybox", "latest"},
        {"busybox:1.36", "busybox", "1.36"},
        {"localhost:5000/x/y", "localhost:5000/x/y", "latest"},
        {"localhost:5000/x/y:2", "localhost:5000/x/y", "2"},
        {"x@sha256:abc", "x", "sha256:abc"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        emu_buf_init(&r, 1024);
        emu_buf_init(&t, 1024);
        assert_int_equal(emu_docker_split_image(cases[i].in, &r, &t), 0);
        assert_string_equal(r.data, cases[i].repo);
        assert_string_equal(t.data, cases[i].tag);
        emu_buf_done(&r);
        emu_buf_done(&t);
    }
}

static void image_map_and_policy(void **state)
{
    long before = emu_mem_outstanding();
    struct emu_docker_image_map m;
    emu_docker_image_map_init(&m);
    assert_int_equal(emu_docker_image_map_add(&m, "a=b"), 0);
    assert_int_equal(
        emu_docker_image_map_add(&m, "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable="
                                     "fargate-emu/router:local"),
        0);
    assert_int_equal(emu_docker_image_map_add(&m, "a=c"), 0);
    assert_int_equal(emu_docker_image_map_add(&m, "=c"), EMU_EINVAL);
    assert_int_equal(emu_docker_image_map_add(&m, "a="), EMU_EINVAL);
    assert_int_equal(emu_docker_image_map_add(&m, "nothing"), EMU_EINVAL);
    assert_string_equal(emu_docker_image_map_apply(&m, "a"), "c");
    const char *fb = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable";
    assert_string_equal(emu_docker_image_map_apply(&m, fb), "fargate-emu/router:local");
    assert_string_equal(emu_docker_image_map_apply(&m, "zzz"), "zzz");
    assert_string_equal(emu_docker_image_map_apply(NULL, "zzz"), "zzz");
    emu_docker_image_map_done(&m);
    assert_int_equal(emu_mem_outstanding(), before);
    assert_int_equal(emu_docker_pull_policy_from_string("missing"), EMU_DOCKER_PULL_MISSING);
    assert_int_equal(emu_docker_pull_policy_from_string("always"), EMU_DOCKER_PULL_ALWAYS);
    assert_int_equal(emu_docker_pull_policy_from_string("never"), EMU_DOCKER_PULL_NEVER);
    assert_int_equal(emu_docker_pull_policy_from_string("sometimes"), _EMU_DOCKER_PULL_INVALID);
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_minimal),  cmocka_unit_test(create_full),
        cmocka_unit_test(create_firelens), cmocka_unit_test(create_refuses),
        cmocka_unit_test(inspect_exited),  cmocka_unit_test(inspect_running),
        cmocka_unit_test(image_inspect),   cmocka_unit_test(wait_and_errors),
        cmocka_unit_test(versions),        cmocka_unit_test(hosts),
        cmocka_unit_test(escaping_and_images), cmocka_unit_test(image_map_and_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
