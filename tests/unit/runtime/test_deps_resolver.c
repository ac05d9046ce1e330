/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the dependency resolver (emu/runtime/deps_resolver.c): every condition, the
 * dependency's startTimeout, dependencies that can never be met, cycles and unknown names, and
 * the reverse-dependency stop rule (the router stops after its awsfirelens apps). */
#include "runtime_test_util.h"

#define TD(containers) "{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"containerDefinitions\":[" \
                       containers "]}"
#define C(name, extra) "{\"name\":\"" name "\",\"image\":\"busybox\"" extra "}"
#define DEP(name, cond) "{\"containerName\":\"" name "\",\"condition\":\"" cond "\"}"

static enum emu_deps_verdict can(struct rt_fixture *f, size_t i, int64_t now, char *why)
{
    return emu_deps_can_start(&f->g, &f->st, i, now, why, 256);
}

static void test_start(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD(C("a", "") "," C("b", ",\"dependsOn\":[" DEP("a", "START") "]")));
    char why[256];
    assert_int_equal(can(&f, 0, 0, why), EMU_DEPS_MET);
    rt_set(&f, 1, EMU_CTR_CREATED, 0);
    assert_int_equal(can(&f, 1, 0, why), EMU_DEPS_WAIT);
    rt_set(&f, 0, EMU_CTR_CREATED, 0);
    assert_int_equal(can(&f, 1, 0, why), EMU_DEPS_WAIT);
    rt_set(&f, 0, EMU_CTR_RUNNING, 1000);
    assert_int_equal(can(&f, 1, 0, why), EMU_DEPS_MET);
    rt_set(&f, 0, EMU_CTR_STOPPED, 1000); /* already ran and exited: still START */
    assert_int_equal(can(&f, 1, 0, why), EMU_DEPS_MET);
    f.st.containers[0].started_ms = 0; /* stopped without ever running */
    assert_int_equal(can(&f, 1, 0, why), EMU_DEPS_NEVER);
    assert_non_null(strstr(why, "dependency a stopped before it started"));
    rt_teardown(&f);
}

static void test_complete_success(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD(C("init", ",\"essential\":false") "," C("app", ",\"dependsOn\":["
                    DEP("init", "COMPLETE") "]") "," C("app2", ",\"dependsOn\":["
                    DEP("init", "SUCCESS") "]")));
    char why[256];
    rt_set(&f, 0, EMU_CTR_RUNNING, 1000);
    assert_int_equal(can(&f, 1, 2000, why), EMU_DEPS_WAIT);
    assert_int_equal(can(&f, 2, 2000, why), EMU_DEPS_WAIT);
    rt_set(&f, 0, EMU_CTR_STOPPED, 1000);
    f.st.containers[0].has_exit_code = true;
    f.st.containers[0].exit_code = 3;
    assert_int_equal(can(&f, 1, 2000, why), EMU_DEPS_MET);
    assert_int_equal(can(&f, 2, 2000, why), EMU_DEPS_NEVER);
    assert_non_null(strstr(why, "exited with code 3, so SUCCESS can never be met"));
    f.st.containers[0].exit_code = 0;
    assert_int_equal(can(&f, 2, 2000, why), EMU_DEPS_MET);
    rt_teardown(&f);
}

static void test_healthy(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD(C("db", ",\"healthCheck\":{\"command\":[\"CMD-SHELL\",\"true\"]}") ","
                    C("nohc", "") "," C("app", ",\"dependsOn\":[" DEP("db", "HEALTHY") "]") ","
                    C("app2", ",\"dependsOn\":[" DEP("nohc", "HEALTHY") "]")));
    char why[256];
    rt_set(&f, 0, EMU_CTR_RUNNING, 1000);
    assert_int_equal(can(&f, 2, 1500, why), EMU_DEPS_WAIT);
    f.st.containers[0].health = EMU_HEALTH_UNHEALTHY;
    assert_int_equal(can(&f, 2, 1500, why), EMU_DEPS_WAIT);
    f.st.containers[0].health = EMU_HEALTH_HEALTHY;
    assert_int_equal(can(&f, 2, 1500, why), EMU_DEPS_MET);
    rt_set(&f, 0, EMU_CTR_STOPPED, 1000);
    assert_int_equal(can(&f, 2, 1500, why), EMU_DEPS_NEVER);
    assert_non_null(strstr(why, "stopped before it became healthy"));
    assert_int_equal(can(&f, 3, 1500, why), EMU_DEPS_NEVER);
    assert_non_null(strstr(why, "dependency nohc has no health check"));
    rt_teardown(&f);
}

static void test_start_timeout(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD(C("db", ",\"startTimeout\":5,\"healthCheck\":{\"command\":[\"CMD\",\"x\"]}")
                    "," C("app", ",\"dependsOn\":[" DEP("db", "HEALTHY") "]") ","
                    C("web", ",\"dependsOn\":[" DEP("db", "START") "]")));
    char why[256];
    rt_set(&f, 0, EMU_CTR_RUNNING, 10000);
    assert_int_equal(can(&f, 1, 14999, why), EMU_DEPS_WAIT);
    assert_int_equal(can(&f, 1, 15000, why), EMU_DEPS_NEVER);
    assert_string_equal(why, "dependency db did not reach HEALTHY within its startTimeout of 5 "
                             "seconds");
    /* START ignores startTimeout. */
    assert_int_equal(can(&f, 2, 99000, why), EMU_DEPS_MET);
    rt_teardown(&f);
}

static void test_create_condition(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD(C("data", "") "," C("app", ",\"volumesFrom\":[{\"sourceContainer\":"
                                               "\"data\"}]")));
    char why[256];
    assert_int_equal(f.g.nodes[1].n_edges, 1);
    assert_int_equal(f.g.nodes[1].edges[0].condition, EMU_DEP_CREATE);
    assert_int_equal(can(&f, 1, 0, why), EMU_DEPS_WAIT);
    rt_set(&f, 0, EMU_CTR_CREATED, 0);
    assert_int_equal(can(&f, 1, 0, why), EMU_DEPS_MET);
    rt_teardown(&f);
}

static void test_cycles_and_unknown(void **state)
{
    (void)state;
    struct rt_fixture f;
    rt_setup(&f, TD(C("a", "") "," C("b", "")));
    /* Plans reject cycles; the resolver checks its own input too. */
    struct emu_dependency ab = {"b", "START", EMU_DEP_START, false};
    struct emu_dependency ba = {"a", "START", EMU_DEP_START, false};
    f.plan.containers[0].depends_on = &ab;
    f.plan.containers[0].n_depends_on = 1;
    f.plan.containers[1].depends_on = &ba;
    f.plan.containers[1].n_depends_on = 1;
    struct emu_deps_graph g;
    char why[256];
    assert_int_equal(emu_deps_build(&f.plan, &f.arena, &g, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "dependency cycle through container"));
    struct emu_dependency bad = {"zzz", "START", EMU_DEP_START, false};
    f.plan.containers[1].depends_on = &bad;
    assert_int_equal(emu_deps_build(&f.plan, &f.arena, &g, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "container b depends on unknown container zzz");
    rt_teardown(&f);
}

static void test_stop_order(void **state)
{
    (void)state;
    struct rt_fixture f;
    /* The router gets the implicit START dependency from app; app depends on db. */
    rt_setup(&f, TD(C("log_router", ",\"firelensConfiguration\":{\"type\":\"fluentbit\"}") ","
                    C("db", "") "," C("app", ",\"dependsOn\":[" DEP("db", "START") "],"
                                      "\"logConfiguration\":{\"logDriver\":\"awsfirelens\"}")));
    for (size_t i = 0; i < 3; i++) {
        rt_set(&f, i, EMU_CTR_RUNNING, 1);
    }
    assert_false(emu_deps_can_stop(&f.g, &f.st, 0)); /* app still runs */
    assert_false(emu_deps_can_stop(&f.g, &f.st, 1));
    assert_true(emu_deps_can_stop(&f.g, &f.st, 2));
    rt_set(&f, 2, EMU_CTR_STOPPED, 1);
    assert_true(emu_deps_can_stop(&f.g, &f.st, 0));
    assert_true(emu_deps_can_stop(&f.g, &f.st, 1));
    /* The plan's stop order agrees: app first, router last. */
    assert_string_equal(f.plan.containers[f.plan.stop_order[0]].def->name, "app");
    assert_string_equal(f.plan.containers[f.plan.stop_order[2]].def->name, "log_router");
    rt_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start),          cmocka_unit_test(test_complete_success),
        cmocka_unit_test(test_healthy),        cmocka_unit_test(test_start_timeout),
        cmocka_unit_test(test_create_condition), cmocka_unit_test(test_cycles_and_unknown),
        cmocka_unit_test(test_stop_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
