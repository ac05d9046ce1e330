/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: task-definition parser, validator and every renderer, on arbitrary bytes. Any
 * crash, leak (LeakSanitizer) or unbounded allocation is a bug. */
#include <stdint.h>
#include <stdlib.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/mem.h"
#include "emu/model/model.h"
#include "emu/model/render.h"
#include "emu/model/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render_everything(const struct emu_taskdef *td, enum emu_launch_type lt)
{
    struct emu_render_ctx ctx;
    emu_render_ctx_init(&ctx);
    ctx.launch_type = lt;
    ctx.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef";
    ctx.task_id = "0123456789abcdef0123456789abcdef";
    ctx.ec2_instance_id = lt == EMU_LAUNCH_EC2 ? "i-0abc1234def567890" : NULL;
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_buf out;
    emu_buf_init(&out, 16u * 1024u * 1024u);
    (void)emu_render_router_config(td, &ctx, &out, &diags);
    emu_buf_done(&out);
    struct emu_arena arena;
    emu_arena_init(&arena, 64u * 1024u * 1024u);
    for (size_t i = 0; i < td->n_containers; i++) {
        if (emu_container_uses_firelens(&td->containers[i])) {
            struct emu_log_config_out lc;
            (void)emu_render_log_config(td, &ctx, &td->containers[i], &arena, &lc);
        }
    }
    struct emu_task_plan plan;
    (void)emu_render_task_plan(td, &ctx, &arena, &plan, &diags);
    emu_arena_done(&arena);
    emu_diags_done(&diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = emu_mem_outstanding();
    struct emu_taskdef_overrides ov = {.family = "fuzz", .cpu = "256", .memory = "512",
                                       .network_mode = "awsvpc"};
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_taskdef *td = NULL;
    if (emu_taskdef_parse((const char *)data, size, &ov, &td, &diags) == 0 && td) {
        (void)emu_taskdef_validate(td, EMU_LAUNCH_FARGATE, &diags);
        (void)emu_taskdef_validate(td, EMU_LAUNCH_EC2, &diags);
        render_everything(td, EMU_LAUNCH_FARGATE);
        render_everything(td, EMU_LAUNCH_EC2);
    }
    emu_taskdef_free(td);
    emu_diags_done(&diags);
    if (emu_mem_outstanding() != before) {
        abort(); /* a leak through emu_malloc */
    }
    return 0;
}
