/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the `terraform show -json` reader on the fixtures of fixtures/terraform/: the
 * task definition's values from a plan and from a state, child modules and --resource, the
 * roles' policies, unknown-until-apply values, and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/tf/tfplan.h"
#include "tests/support/test_support.h"

static int read_fixture(const char *name, const char *resource, struct emu_tf_taskdef **ret,
                        struct emu_diags *diags)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "fixtures/terraform/%s", name);
    size_t len = 0;
    char *data = emu_test_read_file(emu_test_source_path(rel), &len);
    int r = emu_tfplan_read(data, len, resource, ret, diags);
    emu_free(data);
    return r;
}

static const struct emu_tf_policy *find_policy(const struct emu_tf_role *role, const char *addr)
{
    for (size_t i = 0; i < role->n_policies; i++) {
        if (role->policies[i].address && strcmp(role->policies[i].address, addr) == 0) {
            return &role->policies[i];
        }
    }
    return NULL;
}

static void plan_values_and_policies(void **state)
{
    (void)state;
    long before = emu_mem_outstanding();
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_tf_taskdef *t = NULL;
    assert_int_equal(read_fixture("plan-s3.json", NULL, &t, &diags), 0);
    assert_int_equal(diags.n, 0);
    assert_string_equal(t->address, "aws_ecs_task_definition.app");
    assert_string_equal(t->overrides.family, "fargate-firelens-s3");
    assert_string_equal(t->overrides.cpu, "256");
    assert_string_equal(t->overrides.memory, "512");
    assert_string_equal(t->overrides.network_mode, "awsvpc");
    assert_string_equal(t->overrides.requires_compatibilities, "FARGATE");
    assert_string_equal(t->overrides.task_role_arn,
                        "arn:aws:iam::123456789012:role/fargate-firelens-s3-task");
    assert_non_null(strstr(t->container_definitions, "\"name\":\"log_router\""));
    assert_string_equal(t->task_role.address, "aws_iam_role.task");
    assert_string_equal(t->task_role.name, "fargate-firelens-s3-task");
    const struct emu_tf_policy *p = find_policy(&t->task_role, "aws_iam_role_policy.task");
    assert_non_null(p);
    assert_string_equal(p->name, "firelens-s3-output");
    assert_non_null(strstr(p->document, "s3:PutObject"));
    assert_non_null(strstr(p->document, "arn:aws:s3:::fargate-firelens-s3-logs/*"));
    assert_int_equal(t->task_role.n_policies, 1);
    p = find_policy(&t->execution_role, "aws_iam_role_policy.execution");
    assert_non_null(p);
    assert_non_null(strstr(p->document, "ecr:BatchGetImage"));
    emu_tfplan_free(t);
    emu_diags_done(&diags);
    assert_int_equal(emu_mem_outstanding(), before);
}

static void state_values(void **state)
{
    (void)state;
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_tf_taskdef *t = NULL;
    assert_int_equal(read_fixture("state-cloudwatch.json", NULL, &t, &diags), 0);
    assert_string_equal(t->overrides.family, "fargate-firelens-cloudwatch");
    assert_non_null(strstr(t->container_definitions, "\"Name\":\"cloudwatch\""));
    const struct emu_tf_policy *p = find_policy(&t->task_role, "aws_iam_role_policy.task");
    assert_non_null(p);
    assert_non_null(strstr(p->document, "logs:PutLogEvents"));
    emu_tfplan_free(t);
    emu_diags_done(&diags);
}

static void child_modules_and_resource(void **state)
{
    (void)state;
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_tf_taskdef *t = NULL;
    assert_int_equal(read_fixture("plan-two-modules.json", NULL, &t, &diags), EMU_EINVAL);
    assert_null(t);
    assert_int_equal(diags.n, 1);
    assert_non_null(strstr(diags.items[0].message, "module.blue.aws_ecs_task_definition.app, "
                                                   "module.green.aws_ecs_task_definition.app"));
    emu_diags_done(&diags);
    emu_diags_init(&diags);
    assert_int_equal(read_fixture("plan-two-modules.json",
                                  "module.green.aws_ecs_task_definition.app", &t, &diags),
                     0);
    assert_string_equal(t->overrides.family, "fargate-firelens-cloudwatch");
    assert_string_equal(t->task_role.address, "module.green.aws_iam_role.task");
    emu_tfplan_free(t);
    emu_diags_done(&diags);
    emu_diags_init(&diags);
    assert_int_equal(read_fixture("plan-two-modules.json", "aws_ecs_task_definition.app", &t,
                                  &diags),
                     EMU_ENOENT);
    emu_diags_done(&diags);
}

static void unknown_until_apply(void **state)
{
    (void)state;
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_tf_taskdef *t = NULL;
    assert_int_equal(read_fixture("plan-first-apply.json", NULL, &t, &diags), EMU_EINVAL);
    assert_null(t);
    assert_non_null(strstr(diags.items[0].message, "not known until apply"));
    emu_diags_done(&diags);
}

static void malformed_inputs(void **state)
{
    (void)state;
    long before = emu_mem_outstanding();
    static const struct {
        const char *json;
        int want;
    } cases[] = {
        {"{", EMU_EJSON},
        {"[]", EMU_EJSON},
        {"{\"format_version\": \"1.2\"}", EMU_EJSON},
        {"{\"values\": {\"root_module\": {}}}", EMU_ENOENT},
        {"{\"planned_values\": {\"root_module\": {\"resources\": [{\"address\": \"x.y\", "
         "\"type\": \"aws_ecs_task_definition\", \"values\": {}}]}}}",
         EMU_EINVAL},
        {"{\"planned_values\": {\"root_module\": {\"resources\": [{\"address\": \"a.b\", "
         "\"mode\": \"data\", \"type\": \"aws_ecs_task_definition\", \"values\": "
         "{\"container_definitions\": \"[]\"}}]}}}",
         EMU_ENOENT},
        {"{\"values\": {\"root_module\": {\"resources\": [{\"address\": \"a.b\", "
         "\"type\": \"aws_ecs_task_definition\", \"values\": {\"container_definitions\": \"[]\", "
         "\"task_role_arn\": \"arn:aws:iam::1:role/r\"}}]}}}",
         0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct emu_diags diags;
        emu_diags_init(&diags);
        struct emu_tf_taskdef *t = NULL;
        int r = emu_tfplan_read(cases[i].json, strlen(cases[i].json), NULL, &t, &diags);
        if (r != cases[i].want) {
            print_error("case %zu: got %d, want %d\n", i, r, cases[i].want);
        }
        assert_int_equal(r, cases[i].want);
        assert_true(r == 0 ? t != NULL : diags.n > 0);
        if (t) {
            assert_string_equal(t->task_role.name, "r"); /* from the ARN: no role resource */
            assert_null(t->task_role.address);
        }
        emu_tfplan_free(t);
        emu_diags_done(&diags);
    }
    assert_int_equal(emu_mem_outstanding(), before);
}

static void out_of_memory(void **state)
{
    (void)state;
    long before = emu_mem_outstanding();
    size_t len = 0;
    char *data =
        emu_test_read_file(emu_test_source_path("fixtures/terraform/plan-s3.json"), &len);
    for (long fail = 1; fail < 3000; fail += 7) {
        struct emu_diags diags;
        emu_diags_init(&diags);
        struct emu_tf_taskdef *t = NULL;
        emu_mem_fail_after(fail);
        int r = emu_tfplan_read(data, len, NULL, &t, &diags);
        emu_mem_fail_after(0);
        /* cJSON cannot tell a failed allocation from malformed input: -EJSON is allowed */
        assert_true(r == 0 || r == EMU_ENOMEM || r == EMU_EJSON);
        emu_tfplan_free(t);
        emu_diags_done(&diags);
    }
    emu_free(data);
    assert_int_equal(emu_mem_outstanding(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_values_and_policies), cmocka_unit_test(state_values),
        cmocka_unit_test(child_modules_and_resource), cmocka_unit_test(unknown_until_apply),
        cmocka_unit_test(malformed_inputs), cmocka_unit_test(out_of_memory),
    };
    emu_json_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
