/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for the FireLens renderer tests: task definitions built by hand in the model
 * structs (no parser needed), the spec 1.8 task and context, and byte-exact config checks. */
#ifndef EMU_TEST_RENDER_UTIL_H
#define EMU_TEST_RENDER_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/mem.h"
#include "emu/model/render.h"
#include "emu/model/render_internal.h"

#define ARN "arn:aws:ecs:us-west-2:111122223333:task/my-cluster/0123456789abcdef0123456789abcdef"
#define TASK_ID "0123456789abcdef0123456789abcdef"

/* ---- Building task definitions by hand ---------------------------------------------------- */

__attribute__((unused)) static struct emu_taskdef *td_new(enum emu_network_mode mode)
{
    struct emu_taskdef *td = emu_calloc(1, sizeof(*td));
    assert_non_null(td);
    emu_arena_init(&td->arena, 0);
    td->containers_path = "containerDefinitions";
    td->task_path = "";
    td->family = "myapp";
    td->revision = (struct emu_opt_int){true, 3};
    td->network_mode = mode;
    td->network_mode_raw = emu_network_mode_to_string(mode);
    td->containers = emu_arena_alloc(&td->arena, 16 * sizeof(*td->containers));
    assert_non_null(td->containers);
    return td;
}

__attribute__((unused)) static void td_done(struct emu_taskdef *td)
{
    emu_arena_done(&td->arena);
    emu_free(td);
}

/* key, value pairs ending with NULL. */
__attribute__((unused)) static void kv_fill(struct emu_arena *a, struct emu_kv_list *l, va_list ap)
{
    l->items = emu_arena_alloc(a, 32 * sizeof(*l->items));
    assert_non_null(l->items);
    l->n = 0;
    for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
        l->items[l->n].key = k;
        l->items[l->n].value = va_arg(ap, const char *);
        l->n++;
    }
}

__attribute__((unused)) static struct emu_container_def *add(struct emu_taskdef *td,
                                                             const char *name)
{
    struct emu_container_def *c = &td->containers[td->n_containers];
    c->index = td->n_containers++;
    c->name = name;
    c->image = "busybox";
    return c;
}

__attribute__((unused)) static struct emu_container_def *
router(struct emu_taskdef *td, const char *name, const char *type, ...)
{
    struct emu_container_def *c = add(td, name);
    c->firelens_configuration.present = true;
    c->firelens_configuration.type_raw = type;
    c->firelens_configuration.type = strcmp(type, "fluentbit") == 0 ? EMU_ROUTER_FLUENTBIT
                                     : strcmp(type, "fluentd") == 0 ? EMU_ROUTER_FLUENTD
                                                                    : EMU_ROUTER_OTHER;
    va_list ap;
    va_start(ap, type);
    kv_fill(&td->arena, &c->firelens_configuration.options, ap);
    va_end(ap);
    return c;
}

__attribute__((unused)) static struct emu_container_def *app(struct emu_taskdef *td,
                                                             const char *name, ...)
{
    struct emu_container_def *c = add(td, name);
    c->log_configuration.present = true;
    c->log_configuration.log_driver = "awsfirelens";
    va_list ap;
    va_start(ap, name);
    kv_fill(&td->arena, &c->log_configuration.options, ap);
    va_end(ap);
    return c;
}

__attribute__((unused)) static void add_secret(struct emu_taskdef *td, struct emu_container_def *c,
                                               const char *name, const char *value_from)
{
    struct emu_secret_list *s = &c->log_configuration.secret_options;
    struct emu_secret *items = emu_arena_alloc(&td->arena, (s->n + 1) * sizeof(*items));
    assert_non_null(items);
    if (s->n) {
        memcpy(items, s->items, s->n * sizeof(*items));
    }
    items[s->n].name = name;
    items[s->n].value_from = value_from;
    s->items = items;
    s->n++;
}

__attribute__((unused)) static void add_dep(struct emu_taskdef *td, struct emu_container_def *c,
                                            const char *name, enum emu_dep_condition cond)
{
    struct emu_dependency *d = emu_arena_alloc(&td->arena, (c->n_depends_on + 1) * sizeof(*d));
    assert_non_null(d);
    if (c->n_depends_on) {
        memcpy(d, c->depends_on, c->n_depends_on * sizeof(*d));
    }
    d[c->n_depends_on] =
        (struct emu_dependency){name, emu_dep_condition_to_string(cond), cond, false};
    c->depends_on = d;
    c->n_depends_on++;
}

/* The task of spec 1.8. */
__attribute__((unused)) static struct emu_taskdef *spec_task(enum emu_network_mode mode)
{
    struct emu_taskdef *td = td_new(mode);
    struct emu_container_def *r = router(td, "log_router", "fluentbit", NULL);
    r->memory_reservation = (struct emu_opt_int){true, 50};
    app(td, "app", "Name", "cloudwatch", "region", "us-west-2", "log_group_name", "x",
        "log_stream_prefix", "y", "auto_create_group", "true", NULL);
    return td;
}

__attribute__((unused)) static void spec_ctx(struct emu_render_ctx *ctx)
{
    emu_render_ctx_init(ctx);
    ctx->cluster = "my-cluster";
    ctx->task_arn = ARN;
    ctx->task_id = TASK_ID;
}

/* Renders and compares; returns nothing, fails the test on mismatch. */
__attribute__((unused)) static void
expect_config(const struct emu_taskdef *td, const struct emu_render_ctx *ctx, const char *want)
{
    struct emu_buf out;
    struct emu_diags d;
    emu_buf_init(&out, 1 << 20);
    emu_diags_init(&d);
    assert_int_equal(emu_render_router_config(td, ctx, &out, &d), 0);
    assert_int_equal(emu_diags_count(&d, EMU_DIAG_ERROR), 0);
    if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0) {
        print_error("expected:\n[%s]\ngot:\n[%s]\n", want, out.data ? out.data : "");
        fail();
    }
    emu_buf_done(&out);
    emu_diags_done(&d);
}

/* Renders expecting failure rc and exactly one error diagnostic with message msg. */
__attribute__((unused)) static void expect_error(const struct emu_taskdef *td,
                                                 const struct emu_render_ctx *ctx, int rc,
                                                 const char *where, const char *msg)
{
    struct emu_buf out;
    struct emu_diags d;
    emu_buf_init(&out, 1 << 20);
    emu_diags_init(&d);
    assert_int_equal(emu_render_router_config(td, ctx, &out, &d), rc);
    assert_int_equal(out.len, 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.items[0].severity, EMU_DIAG_ERROR);
    assert_string_equal(d.items[0].where, where);
    assert_string_equal(d.items[0].message, msg);
    emu_buf_done(&out);
    emu_diags_done(&d);
}

#endif
