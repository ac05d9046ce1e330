/* SPDX-License-Identifier: Apache-2.0 */
/* The restartPolicy decision (emu_restart_should) over tasks parsed from JSON: enabled,
 * ignoredExitCodes, restartAttemptPeriod from the start and from the last restart, the 300 s
 * default, the --restart-attempt-period override, a stopping task; plus the state file and the
 * DescribeTasks view carrying restartCount. */
#include "runtime_test_util.h"

#define TD                                                                                     \
    "{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"cpu\":\"256\",\"memory\":\"512\","         \
    "\"containerDefinitions\":["                                                              \
    "{\"name\":\"r\",\"image\":\"i\",\"restartPolicy\":{\"enabled\":true,"                     \
    "\"ignoredExitCodes\":[0,3],\"restartAttemptPeriod\":60}},"                               \
    "{\"name\":\"d\",\"image\":\"i\",\"essential\":false,\"restartPolicy\":{\"enabled\":true}},"  \
    "{\"name\":\"off\",\"image\":\"i\",\"essential\":false,\"restartPolicy\":{\"enabled\":false}}," \
    "{\"name\":\"none\",\"image\":\"i\",\"essential\":false}]}"

#define T0 1700000000000LL

static const struct emu_restart_policy *pol(struct rt_fixture *f, size_t i)
{
    return &f->plan.containers[i].def->restart_policy;
}

static void test_decision(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD);
    char why[256];
    assert_true(f.st.containers[0].restart_enabled);
    assert_true(f.st.containers[1].restart_enabled);
    assert_false(f.st.containers[2].restart_enabled);
    assert_false(f.st.containers[3].restart_enabled);
    for (size_t i = 0; i < 4; i++) {
        rt_set(&f, i, EMU_CTR_RUNNING, T0);
    }
    struct emu_ctr_state *r = &f.st.containers[0];
    /* Too early: 59.999 s after the start. */
    assert_false(emu_restart_should(pol(&f, 0), 0, r, EMU_TASK_RUNNING, 1, T0 + 59999, why,
                                    sizeof(why)));
    assert_non_null(strstr(why, "restartAttemptPeriod of 60 s"));
    assert_non_null(strstr(why, "since its start"));
    /* Period reached, a code that is not ignored. */
    assert_true(emu_restart_should(pol(&f, 0), 0, r, EMU_TASK_RUNNING, 137, T0 + 60000, why,
                                   sizeof(why)));
    /* Ignored exit codes. */
    assert_false(emu_restart_should(pol(&f, 0), 0, r, EMU_TASK_RUNNING, 3, T0 + 600000, why,
                                    sizeof(why)));
    assert_string_equal(why, "exit code 3 is in ignoredExitCodes");
    assert_false(emu_restart_should(pol(&f, 0), 0, r, EMU_TASK_RUNNING, 0, T0 + 600000, NULL, 0));
    /* Counted from the last restart once there was one. */
    r->last_restart_ms = T0 + 100000;
    assert_false(emu_restart_should(pol(&f, 0), 0, r, EMU_TASK_RUNNING, 1, T0 + 150000, why,
                                    sizeof(why)));
    assert_non_null(strstr(why, "since its last restart"));
    assert_true(emu_restart_should(pol(&f, 0), 0, r, EMU_TASK_RUNNING, 1, T0 + 160000, NULL, 0));
    /* The override wins over the policy's period. */
    assert_true(emu_restart_should(pol(&f, 0), 2, r, EMU_TASK_RUNNING, 1, T0 + 102000, NULL, 0));
    assert_false(emu_restart_should(pol(&f, 0), 2, r, EMU_TASK_RUNNING, 1, T0 + 101999, NULL, 0));
    /* A stopping task restarts nothing. */
    assert_false(emu_restart_should(pol(&f, 0), 0, r, EMU_TASK_STOPPED, 1, T0 + 900000, why,
                                    sizeof(why)));
    assert_string_equal(why, "the task is stopping");
    /* Default period 300 s. */
    struct emu_ctr_state *d = &f.st.containers[1];
    assert_false(emu_restart_should(pol(&f, 1), 0, d, EMU_TASK_RUNNING, 0, T0 + 299999, NULL, 0));
    assert_true(emu_restart_should(pol(&f, 1), 0, d, EMU_TASK_RUNNING, 0, T0 + 300000, NULL, 0));
    /* Disabled or absent. */
    assert_false(emu_restart_should(pol(&f, 2), 0, &f.st.containers[2], EMU_TASK_RUNNING, 1,
                                    T0 + 900000, why, sizeof(why)));
    assert_string_equal(why, "restart policy is not enabled");
    assert_false(emu_restart_should(pol(&f, 3), 0, &f.st.containers[3], EMU_TASK_RUNNING, 1,
                                    T0 + 900000, NULL, 0));
    /* Never started: no restart. */
    struct emu_ctr_state fresh = *r;
    fresh.started_ms = 0;
    fresh.last_restart_ms = 0;
    assert_false(emu_restart_should(pol(&f, 0), 0, &fresh, EMU_TASK_RUNNING, 1, T0, NULL, 0));
    rt_teardown(&f);
}

static void test_state_and_describe(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD);
    f.st.containers[0].restart_count = 2;
    f.st.containers[0].last_restart_ms = T0 + 5;
    struct emu_buf out;
    emu_buf_init(&out, 1u << 20);
    assert_int_equal(emu_store_to_json(&f.st, &out), 0);
    struct emu_task_state back;
    memset(&back, 0, sizeof(back));
    assert_int_equal(emu_store_from_json(out.data, out.len, &back), 0);
    assert_true(back.containers[0].restart_enabled);
    assert_int_equal(back.containers[0].restart_count, 2);
    assert_int_equal(back.containers[0].last_restart_ms, T0 + 5);
    assert_false(back.containers[3].restart_enabled);
    cJSON *dj = emu_store_describe_json(&back);
    cJSON *cs = cJSON_GetObjectItem(dj, "containers");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cs, 0), "restartCount")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cs, 1), "restartCount")->valueint, 0);
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cs, 3), "restartCount"));
    cJSON_Delete(dj);
    emu_task_state_done(&back);
    emu_buf_done(&out);
    rt_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision),
        cmocka_unit_test(test_state_and_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
