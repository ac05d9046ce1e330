/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the emu/runtime unit tests: a task definition parsed from inline JSON, its plan,
 * and a task state built from the plan, all released by one call. */
#ifndef RUNTIME_TEST_UTIL_H
#define RUNTIME_TEST_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/runtime/runtime.h"

#define T_ID "0123456789abcdef0123456789abcdef"
#define T_ARN "arn:aws:ecs:us-east-1:123456789012:task/default/" T_ID

struct rt_fixture {
    struct emu_taskdef *td;
    struct emu_arena arena;
    struct emu_task_plan plan;
    struct emu_task_state st;
    struct emu_deps_graph g;
};

/* Parses json (which must be valid), plans it and builds the state and graph. */
static inline void rt_setup(struct rt_fixture *f, const char *json)
{
    memset(f, 0, sizeof(*f));
    emu_json_init();
    struct emu_diags d;
    emu_diags_init(&d);
    assert_int_equal(emu_taskdef_parse(json, strlen(json), NULL, &f->td, &d), 0);
    for (size_t i = 0; i < d.n; i++) {
        print_message("diag: %s: %s\n", d.items[i].where, d.items[i].message);
    }
    assert_int_equal(emu_diags_count(&d, EMU_DIAG_ERROR), 0);
    emu_arena_init(&f->arena, 0);
    struct emu_render_ctx ctx;
    emu_render_ctx_init(&ctx);
    ctx.task_arn = T_ARN;
    ctx.task_id = T_ID;
    assert_int_equal(emu_render_task_plan(f->td, &ctx, &f->arena, &f->plan, &d), 0);
    emu_diags_done(&d);
    assert_int_equal(emu_task_state_from_plan(&f->st, f->td, &f->plan, T_ID, T_ARN, "default",
                                              "us-east-1"),
                     0);
    assert_int_equal(emu_deps_build(&f->plan, &f->arena, &f->g, NULL, 0), 0);
}

static inline void rt_teardown(struct rt_fixture *f)
{
    emu_task_state_done(&f->st);
    emu_arena_done(&f->arena);
    emu_taskdef_free(f->td);
}

/* Sets container i to a status (with a start time when it ran). */
static inline void rt_set(struct rt_fixture *f, size_t i, enum emu_ctr_status s, int64_t at)
{
    struct emu_ctr_state *c = &f->st.containers[i];
    c->status = s;
    if (s >= EMU_CTR_RUNNING && !c->started_ms) {
        c->started_ms = at;
    }
    if (s == EMU_CTR_CREATED || s == EMU_CTR_RUNNING) {
        (void)snprintf(c->docker_id, sizeof(c->docker_id), "id%zu", i);
    }
}

#endif
