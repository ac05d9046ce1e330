/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the FireLens LogConfig, paths and task plan (emu/model/render_log_config.c,
 * render_paths.c, render_plan.c): implicit router dependency, start/stop order, cycles, binds
 * and environment; plus the Go-compatible helpers (ParseBool, path.Clean). */
#include "render_test_util.h"

/* ---- Helpers -------------------------------------------------------------------------------- */

static void test_go_bool_and_clean(void **state)
{
    (void)state;
    bool b = false;
    assert_int_equal(emu_render_parse_go_bool("True", &b), 0);
    assert_true(b);
    assert_int_equal(emu_render_parse_go_bool("0", &b), 0);
    assert_false(b);
    assert_int_equal(emu_render_parse_go_bool("tRUE", &b), -EINVAL);
    assert_int_equal(emu_render_parse_go_bool("", &b), -EINVAL);
    assert_int_equal(emu_render_parse_go_bool("yes", &b), -EINVAL);

    static const char *const cases[][2] = {
        {"", "."},
        {"/", "/"},
        {"//a//b/", "/a/b"},
        {"/a/./b/.", "/a/b"},
        {"/a/b/../c", "/a/c"},
        {"/../a", "/a"},
        {"a/../..", ".."},
        {"../../a", "../../a"},
        {"a/b/../../..", ".."},
        {"./", "."},
        {"/a/..", "/"},
        {"abc/./d", "abc/d"},
    };
    struct emu_arena a;
    emu_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(emu_render_path_clean(&a, cases[i][0]), cases[i][1]);
    }
    emu_arena_done(&a);
}

static void test_log_config(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = spec_task(EMU_NETWORK_AWSVPC);
    struct emu_arena a;
    emu_arena_init(&a, 0);
    struct emu_log_config_out lc;
    assert_int_equal(emu_render_log_config(td, &ctx, &td->containers[1], &a, &lc), 0);
    assert_string_equal(lc.type, "fluentd");
    assert_int_equal(lc.config.n, 4);
    assert_string_equal(lc.config.items[0].key, "fluentd-address");
    assert_string_equal(lc.config.items[0].value,
                        "unix:///var/lib/ecs/data/firelens/" TASK_ID "/socket/fluent.sock");
    assert_string_equal(lc.config.items[1].key, "fluentd-async");
    assert_string_equal(lc.config.items[1].value, "true");
    assert_string_equal(lc.config.items[2].key, "fluentd-sub-second-precision");
    assert_string_equal(lc.config.items[2].value, "true");
    assert_string_equal(lc.config.items[3].key, "tag");
    assert_string_equal(lc.config.items[3].value, "app-firelens-" TASK_ID);

    struct emu_kv_list *o = &td->containers[1].log_configuration.options;
    o->items[o->n++] = (struct emu_kv){"log-driver-buffer-limit", "2097152"};
    ctx.docker_before_20_10 = true;
    ctx.firelens_async = false;
    ctx.host_data_dir = "/tmp//emu/./state/";
    ctx.task_id = NULL; /* derived from the ARN */
    assert_int_equal(emu_render_log_config(td, &ctx, &td->containers[1], &a, &lc), 0);
    assert_int_equal(lc.config.n, 5);
    assert_string_equal(lc.config.items[0].value,
                        "unix:///tmp/emu/state/data/firelens/" TASK_ID "/socket/fluent.sock");
    assert_string_equal(lc.config.items[1].key, "fluentd-async-connect");
    assert_string_equal(lc.config.items[1].value, "false");
    assert_string_equal(lc.config.items[2].key, "fluentd-buffer-limit");
    assert_string_equal(lc.config.items[2].value, "2097152");
    assert_string_equal(lc.config.items[3].key, "fluentd-sub-second-precision");
    assert_string_equal(lc.config.items[4].key, "tag");
    emu_arena_done(&a);
    td_done(td);
}

static void test_paths(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_arena a;
    emu_arena_init(&a, 0);
    struct emu_firelens_paths p;
    assert_int_equal(emu_render_firelens_paths(&ctx, &a, &p), 0);
    assert_string_equal(p.resource_dir, "/var/lib/ecs/data/firelens/" TASK_ID);
    assert_string_equal(p.config_dir, "/var/lib/ecs/data/firelens/" TASK_ID "/config");
    assert_string_equal(p.config_file, "/var/lib/ecs/data/firelens/" TASK_ID "/config/fluent.conf");
    assert_string_equal(p.external_file,
                        "/var/lib/ecs/data/firelens/" TASK_ID "/config/external.conf");
    assert_string_equal(p.socket_dir, "/var/lib/ecs/data/firelens/" TASK_ID "/socket/");
    assert_string_equal(p.socket_path, "/var/lib/ecs/data/firelens/" TASK_ID "/socket/fluent.sock");
    assert_int_equal(strlen(p.socket_path), 78); /* spec/agent say 79: with the NUL */

    /* 107 bytes fit a sun_path with its NUL, 108 do not. */
    char dir[64];
    size_t base = strlen("/data/firelens/" TASK_ID "/socket/fluent.sock"); /* 66 */
    memset(dir, 'd', sizeof(dir));
    dir[0] = '/';
    dir[107 - base] = '\0';
    ctx.host_data_dir = dir;
    assert_int_equal(emu_render_firelens_paths(&ctx, &a, &p), 0);
    assert_int_equal(strlen(p.socket_path), 107);
    dir[107 - base] = 'd';
    dir[108 - base] = '\0';
    assert_int_equal(emu_render_firelens_paths(&ctx, &a, &p), -ENAMETOOLONG);
    emu_arena_done(&a);
}

/* ---- Plan ----------------------------------------------------------------------------------- */

static void expect_order(const size_t *got, size_t n, const size_t *want)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i], want[i]);
    }
}

static const char *env_get(const struct emu_container_plan *cp, const char *key)
{
    return emu_kv_get(&cp->extra_env, key);
}

static void test_plan_awsvpc(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_AWSVPC);
    struct emu_container_def *a = app(td, "app", "Name", "cloudwatch", NULL);
    struct emu_container_def *r = router(td, "log_router", "fluentbit", "config-file-type", "s3",
                                         "config-file-value", "arn:aws:s3:::b/k", NULL);
    r->user = "1000:1000";
    add(td, "sidecar");
    add_secret(td, a, "apikey", "arn:aws:ssm:us-west-2:1:parameter/k");
    struct emu_arena ar;
    emu_arena_init(&ar, 0);
    struct emu_task_plan plan;
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_render_task_plan(td, &ctx, &ar, &plan, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(plan.n_containers, 3);
    expect_order(plan.start_order, 3, (const size_t[]){1, 0, 2});
    expect_order(plan.stop_order, 3, (const size_t[]){2, 0, 1});
    assert_null(plan.fluent_host_note);

    const struct emu_container_plan *ap = &plan.containers[0];
    assert_true(ap->uses_firelens);
    assert_false(ap->is_router);
    assert_int_equal(ap->n_depends_on, 1);
    assert_string_equal(ap->depends_on[0].container_name, "log_router");
    assert_int_equal(ap->depends_on[0].condition, EMU_DEP_START);
    assert_true(ap->depends_on[0].implicit);
    assert_string_equal(env_get(ap, "FLUENT_HOST"), "127.0.0.1");
    assert_string_equal(env_get(ap, "FLUENT_PORT"), "24224");
    assert_int_equal(ap->extra_env.n, 2);
    assert_string_equal(ap->log_config.type, "fluentd");
    assert_int_equal(ap->extra_binds.n, 0);

    const struct emu_container_plan *rp = &plan.containers[1];
    assert_true(rp->is_router);
    assert_int_equal(rp->n_depends_on, 0);
    assert_int_equal(rp->extra_binds.n, 3);
    assert_string_equal(rp->extra_binds.items[0],
                        "/var/lib/ecs/data/firelens/" TASK_ID
                        "/config/fluent.conf:/fluent-bit/etc/fluent-bit.conf");
    assert_string_equal(rp->extra_binds.items[1],
                        "/var/lib/ecs/data/firelens/" TASK_ID "/socket/:/var/run/");
    assert_string_equal(rp->extra_binds.items[2],
                        "/var/lib/ecs/data/firelens/" TASK_ID
                        "/config/external.conf:/fluent-bit/etc/external.conf");
    assert_int_equal(rp->extra_env.n, 1);
    assert_string_equal(env_get(rp, "apikey_0"), "arn:aws:ssm:us-west-2:1:parameter/k");
    /* ... marked as a secret, which `run` resolves (the router must get the value). */
    assert_int_equal(rp->log_secrets.n, 1);
    assert_string_equal(emu_render_log_secret_from(rp, "apikey_0"),
                        "arn:aws:ssm:us-west-2:1:parameter/k");
    assert_null(emu_render_log_secret_from(rp, "FLUENT_UID"));
    assert_null(emu_render_log_secret_from(ap, "FLUENT_HOST"));
    assert_null(env_get(rp, "FLUENT_UID"));
    assert_string_equal(rp->socket_owner, "1000:1000");
    assert_null(rp->log_config.type);

    const struct emu_container_plan *sp = &plan.containers[2];
    assert_int_equal(sp->n_depends_on, 0);
    assert_int_equal(sp->extra_env.n, 0);
    emu_diags_done(&d);
    emu_arena_done(&ar);
    td_done(td);
}

static void test_plan_bridge_fluentd(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    ctx.host_data_dir = "/srv/emu";
    struct emu_taskdef *td = td_new(EMU_NETWORK_UNSET);
    router(td, "router", "fluentd", NULL);
    struct emu_container_def *a = app(td, "a", "@type", "stdout", NULL);
    struct emu_container_def *b = app(td, "b", "@type", "stdout", NULL);
    add_dep(td, b, "router", EMU_DEP_HEALTHY);
    struct emu_arena ar;
    emu_arena_init(&ar, 0);
    struct emu_task_plan plan;
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_render_task_plan(td, &ctx, &ar, &plan, &d), 0);
    expect_order(plan.start_order, 3, (const size_t[]){0, 1, 2});
    expect_order(plan.stop_order, 3, (const size_t[]){2, 1, 0});
    assert_int_equal(plan.containers[1].n_depends_on, 1);
    assert_true(plan.containers[1].depends_on[0].implicit);
    /* A user dependency on the router replaces the implicit one. */
    assert_int_equal(plan.containers[2].n_depends_on, 1);
    assert_int_equal(plan.containers[2].depends_on[0].condition, EMU_DEP_HEALTHY);
    assert_false(plan.containers[2].depends_on[0].implicit);
    assert_string_equal(env_get(&plan.containers[1], "FLUENT_HOST"), "<bridge IP of router>");
    assert_string_equal(env_get(&plan.containers[2], "FLUENT_PORT"), "24224");
    assert_non_null(plan.fluent_host_note);
    const struct emu_container_plan *rp = &plan.containers[0];
    assert_string_equal(env_get(rp, "FLUENT_UID"), "0");
    assert_int_equal(rp->extra_binds.n, 2);
    assert_string_equal(rp->extra_binds.items[0], "/srv/emu/data/firelens/" TASK_ID
                                                  "/config/fluent.conf:/fluentd/etc/fluent.conf");
    assert_string_equal(rp->extra_binds.items[1],
                        "/srv/emu/data/firelens/" TASK_ID "/socket/:/var/run/");
    assert_null(rp->socket_owner);
    (void)a;
    emu_diags_done(&d);
    emu_arena_done(&ar);
    td_done(td);
}

static void test_plan_router_has_deps(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_HOST);
    add(td, "init");
    struct emu_container_def *a = app(td, "app", "Name", "stdout", NULL);
    struct emu_container_def *r = router(td, "log_router", "fluentbit", NULL);
    /* volumesFrom makes a CREATE dependency; that alone disables the implicit rule. */
    r->volumes_from = emu_arena_alloc(&td->arena, sizeof(*r->volumes_from));
    r->volumes_from[0].source_container = "init";
    r->n_volumes_from = 1;
    a->links.items = emu_arena_alloc(&td->arena, sizeof(*a->links.items));
    a->links.items[0] = "init:db";
    a->links.n = 1;
    struct emu_arena ar;
    emu_arena_init(&ar, 0);
    struct emu_task_plan plan;
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_render_task_plan(td, &ctx, &ar, &plan, &d), 0);
    assert_int_equal(plan.containers[2].n_depends_on, 1);
    assert_int_equal(plan.containers[2].depends_on[0].condition, EMU_DEP_CREATE);
    assert_int_equal(plan.containers[1].n_depends_on, 1);
    assert_string_equal(plan.containers[1].depends_on[0].container_name, "init");
    assert_int_equal(plan.containers[1].depends_on[0].condition, EMU_DEP_START);
    assert_false(plan.containers[1].depends_on[0].implicit);
    expect_order(plan.start_order, 3, (const size_t[]){0, 1, 2});
    assert_int_equal(plan.containers[1].extra_env.n, 0); /* host mode: no FLUENT_* */
    emu_diags_done(&d);
    emu_arena_done(&ar);
    td_done(td);
}

static void test_plan_errors(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_AWSVPC);
    struct emu_container_def *r = router(td, "log_router", "fluentbit", NULL);
    struct emu_container_def *a = app(td, "app", "Name", "stdout", NULL);
    struct emu_container_def *b = add(td, "b");
    add_dep(td, r, "b", EMU_DEP_START);
    add_dep(td, b, "app", EMU_DEP_START);
    add_dep(td, a, "log_router", EMU_DEP_START);
    add_dep(td, a, "ghost", EMU_DEP_START);
    struct emu_arena ar;
    emu_arena_init(&ar, 0);
    struct emu_task_plan plan;
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_render_task_plan(td, &ctx, &ar, &plan, &d), -EINVAL);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.items[0].where, "containerDefinitions[1].dependsOn[1].containerName");
    assert_string_equal(d.items[0].message, "could not find container for dependsOn ghost");
    assert_string_equal(d.items[1].where, "containerDefinitions[0].dependsOn");
    assert_string_equal(d.items[1].message,
                        "dependency cycle between containers: log_router -> b -> app -> "
                        "log_router");
    /* The orders stay complete permutations. */
    expect_order(plan.start_order, 3, (const size_t[]){0, 1, 2});
    emu_diags_done(&d);
    emu_arena_done(&ar);
    td_done(td);
}

static void test_plan_stable_order(void **state)
{
    (void)state;
    struct emu_render_ctx ctx;
    spec_ctx(&ctx);
    struct emu_taskdef *td = td_new(EMU_NETWORK_AWSVPC);
    struct emu_container_def *c0 = add(td, "c0");
    add(td, "c1");
    struct emu_container_def *c2 = add(td, "c2");
    add(td, "c3");
    add_dep(td, c0, "c3", EMU_DEP_SUCCESS);
    add_dep(td, c2, "c0", EMU_DEP_COMPLETE);
    struct emu_arena ar;
    emu_arena_init(&ar, 0);
    struct emu_task_plan plan;
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_render_task_plan(td, &ctx, &ar, &plan, &d), 0);
    expect_order(plan.start_order, 4, (const size_t[]){1, 3, 0, 2});
    expect_order(plan.stop_order, 4, (const size_t[]){2, 0, 3, 1});
    emu_diags_done(&d);
    emu_arena_done(&ar);
    td_done(td);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_bool_and_clean),
        cmocka_unit_test(test_log_config),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_plan_awsvpc),
        cmocka_unit_test(test_plan_bridge_fluentd),
        cmocka_unit_test(test_plan_router_has_deps),
        cmocka_unit_test(test_plan_errors),
        cmocka_unit_test(test_plan_stable_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
