/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the task and container state machine (emu/runtime/task_state.c), the state
 * file round trip (task_store.c) and the DescribeTasks view (task_describe.c). */
#include <stdlib.h>
#include <unistd.h>

#include "runtime_test_util.h"

#define TD3 "{\"taskDefinition\":{\"family\":\"web\",\"revision\":4,\"cpu\":\"256\",\"memory\":\"512\"," \
            "\"networkMode\":\"awsvpc\",\"containerDefinitions\":["                       \
            "{\"name\":\"init\",\"image\":\"busybox\",\"essential\":false},"              \
            "{\"name\":\"app\",\"image\":\"busybox\",\"stopTimeout\":500},"                \
            "{\"name\":\"side\",\"image\":\"busybox\",\"stopTimeout\":5}]}}"

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(emu_task_status_to_string(EMU_TASK_DEPROVISIONING), "DEPROVISIONING");
    assert_int_equal(emu_task_status_from_string("RUNNING"), EMU_TASK_RUNNING);
    assert_int_equal(emu_task_status_from_string("nope"), _EMU_TASK_INVALID);
    assert_string_equal(emu_ctr_status_to_string(EMU_CTR_CREATED), "PENDING");
    assert_string_equal(emu_stop_code_to_string(EMU_STOP_ESSENTIAL_CONTAINER_EXITED),
                        "EssentialContainerExited");
    assert_null(emu_stop_code_to_string(EMU_STOP_NONE));
    assert_int_equal(emu_health_from_string("HEALTHY"), EMU_HEALTH_HEALTHY);
}

static void test_from_plan(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD3);
    assert_string_equal(f.st.family, "web");
    assert_int_equal(f.st.revision, 4);
    assert_string_equal(f.st.taskdef_arn,
                        "arn:aws:ecs:us-east-1:123456789012:task-definition/web:4");
    assert_string_equal(f.st.network_name, "fe-" T_ID);
    assert_string_equal(f.st.containers[1].docker_name, "fe-" T_ID "-app");
    assert_false(f.st.containers[0].essential);
    assert_true(f.st.containers[1].essential);
    assert_int_equal(f.st.containers[0].stop_timeout_s, 30);  /* Fargate's default */
    assert_int_equal(f.st.containers[1].stop_timeout_s, 120); /* Fargate's maximum */
    assert_int_equal(f.st.containers[2].stop_timeout_s, 5);
    rt_teardown(&f);
}

static void test_transitions(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD3);
    struct emu_task_state *st = &f.st;
    assert_int_equal(emu_task_derive_status(st, false, false), EMU_TASK_PROVISIONING);
    assert_int_equal(emu_task_derive_status(st, true, false), EMU_TASK_PENDING);
    struct emu_ctr_state *c = &st->containers[0];
    assert_int_equal(emu_ctr_transition(c, EMU_CTR_CREATED, 10), 0);
    assert_int_equal(emu_ctr_transition(c, EMU_CTR_RUNNING, 20), 0);
    assert_int_equal(c->started_ms, 20);
    assert_int_equal(emu_ctr_transition(c, EMU_CTR_CREATED, 30), -EINVAL); /* no way back */
    /* The non-essential init exits: the task goes on and reaches RUNNING with the others. */
    emu_task_container_stopped(st, 0, true, 0, NULL, 40);
    assert_int_equal(st->desired, EMU_TASK_RUNNING);
    st->status = EMU_TASK_PENDING;
    assert_int_equal(emu_task_derive_status(st, true, false), EMU_TASK_PENDING);
    for (size_t i = 1; i < 3; i++) {
        assert_int_equal(emu_ctr_transition(&st->containers[i], EMU_CTR_RUNNING, 50), 0);
    }
    st->status = emu_task_derive_status(st, true, false);
    assert_int_equal(st->status, EMU_TASK_RUNNING);
    /* An essential container exits: the task stops with ECS's reason and that exit code. */
    emu_task_container_stopped(st, 2, true, 7, NULL, 60);
    assert_int_equal(st->desired, EMU_TASK_STOPPED);
    assert_int_equal(st->stop_code, EMU_STOP_ESSENTIAL_CONTAINER_EXITED);
    assert_string_equal(st->stopped_reason, "Essential container in task exited");
    assert_true(st->has_exit_code);
    assert_int_equal(st->exit_code, 7);
    assert_int_equal(st->containers[1].desired, EMU_CTR_STOPPED);
    st->status = emu_task_derive_status(st, true, false);
    assert_int_equal(st->status, EMU_TASK_STOPPING);
    /* A later stop request does not overwrite the first reason. */
    assert_false(emu_task_request_stop(st, EMU_STOP_USER_INITIATED, "x", 70));
    emu_task_container_stopped(st, 1, true, 143, NULL, 80);
    assert_int_equal(st->exit_code, 7); /* the first essential container to stop */
    st->status = emu_task_derive_status(st, true, false);
    assert_int_equal(st->status, EMU_TASK_DEPROVISIONING);
    st->status = emu_task_derive_status(st, true, true);
    assert_int_equal(st->status, EMU_TASK_STOPPED);
    /* Never backwards. */
    assert_int_equal(emu_task_derive_status(st, false, false), EMU_TASK_STOPPED);
    rt_teardown(&f);
}

static void test_failed_to_start(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD3);
    emu_task_container_stopped(&f.st, 1, false, 0, "CannotStartContainerError: boom", 5);
    assert_int_equal(f.st.stop_code, EMU_STOP_TASK_FAILED_TO_START);
    assert_string_equal(f.st.stopped_reason, "Task failed to start");
    assert_false(f.st.has_exit_code);
    assert_string_equal(f.st.containers[1].reason, "CannotStartContainerError: boom");
    rt_teardown(&f);
}

static void test_store_round_trip(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD3);
    f.st.created_ms = 1700000000123;
    (void)emu_ctr_transition(&f.st.containers[0], EMU_CTR_CREATED, 1);
    (void)emu_ctr_transition(&f.st.containers[1], EMU_CTR_RUNNING, 2);
    f.st.containers[1].has_health_check = true;
    f.st.containers[1].health = EMU_HEALTH_HEALTHY;
    (void)emu_ctr_transition(&f.st.containers[2], EMU_CTR_RUNNING, 2);
    emu_task_container_stopped(&f.st, 2, true, 1, "gone", 3);
    /* The endpoints a resumed supervisor serves again, with run's connection limits. */
    (void)snprintf(f.st.endpoints.gateway, sizeof(f.st.endpoints.gateway), "172.30.0.1");
    f.st.endpoints.s3_port = 40001;
    f.st.endpoints.client_timeout_ms = 2500;
    f.st.endpoints.max_connections = 64;
    struct emu_buf out;
    emu_buf_init(&out, 1u << 20);
    assert_int_equal(emu_store_to_json(&f.st, &out), 0);
    struct emu_task_state back;
    assert_int_equal(emu_store_from_json(out.data, out.len, &back), 0);
    struct emu_buf again;
    emu_buf_init(&again, 1u << 20);
    assert_int_equal(emu_store_to_json(&back, &again), 0);
    assert_string_equal(out.data, again.data);
    assert_int_equal(back.containers[0].status, EMU_CTR_CREATED);
    assert_int_equal(back.stop_code, EMU_STOP_ESSENTIAL_CONTAINER_EXITED);
    assert_int_equal(back.endpoints.s3_port, 40001);
    assert_int_equal(back.endpoints.client_timeout_ms, 2500);
    assert_int_equal(back.endpoints.max_connections, 64);
    /* Saved atomically, found by prefix and by ARN, listed, removed. */
    char dir[] = "/tmp/emu-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(emu_store_init(dir), 0);
    assert_int_equal(emu_store_save(dir, &f.st), 0);
    struct emu_task_state loaded;
    assert_int_equal(emu_store_load(dir, "0123", &loaded), 0);
    assert_string_equal(loaded.arn, T_ARN);
    emu_task_state_done(&loaded);
    assert_int_equal(emu_store_load(dir, T_ARN, &loaded), 0);
    emu_task_state_done(&loaded);
    assert_int_equal(emu_store_load(dir, "fff0", &loaded), -ENOENT);
    char(*ids)[33] = NULL;
    size_t n = 0;
    assert_int_equal(emu_store_list(dir, &ids, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], T_ID);
    emu_free(ids);
    assert_int_equal(emu_store_remove(dir, T_ID), 0);
    assert_int_equal(emu_task_remove_dir(dir), 0);
    /* The DescribeTasks view. */
    cJSON *d = emu_store_describe_json(&back);
    assert_string_equal(cJSON_GetObjectItem(d, "taskArn")->valuestring, T_ARN);
    assert_string_equal(cJSON_GetObjectItem(d, "stopCode")->valuestring,
                        "EssentialContainerExited");
    assert_string_equal(cJSON_GetObjectItem(d, "createdAt")->valuestring,
                        "2023-11-14T22:13:20.123000+00:00");
    cJSON *c1 = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "containers"), 1);
    assert_string_equal(cJSON_GetObjectItem(c1, "healthStatus")->valuestring, "HEALTHY");
    assert_string_equal(cJSON_GetObjectItem(c1, "lastStatus")->valuestring, "RUNNING");
    cJSON_Delete(d);
    emu_task_state_done(&back);
    emu_buf_done(&out);
    emu_buf_done(&again);
    rt_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),           cmocka_unit_test(test_from_plan),
        cmocka_unit_test(test_transitions),     cmocka_unit_test(test_failed_to_start),
        cmocka_unit_test(test_store_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
