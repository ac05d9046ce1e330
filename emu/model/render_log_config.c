/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker LogConfig the agent gives an awsfirelens container at create time (spec 2): the
 * fluentd driver pointed at the task's forward socket, keys sorted as Docker reports them. */
#include <errno.h>
#include <string.h>

#include "emu/model/render_internal.h"

int emu_render_log_config(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                          const struct emu_container_def *c, struct emu_arena *arena,
                          struct emu_log_config_out *ret)
{
    (void)td;
    memset(ret, 0, sizeof(*ret));
    const char *host = ctx->host_data_dir ? ctx->host_data_dir : "/var/lib/ecs";
    const char *task_id = emu_render_task_id(ctx);
    const char *name = c->name ? c->name : "";

    char *joined =
        *host ? emu_arena_printf(arena, "%s/data/firelens/%s/socket/fluent.sock", host, task_id)
              : emu_arena_printf(arena, "data/firelens/%s/socket/fluent.sock", task_id);
    char *clean = joined ? emu_render_path_clean(arena, joined) : NULL;
    char *address = clean ? emu_arena_printf(arena, "unix://%s", clean) : NULL;
    char *tag = emu_arena_printf(arena, "%s-firelens-%s", name, task_id);
    struct emu_kv *items = emu_arena_alloc(arena, 5 * sizeof(*items));
    if (!address || !tag || !items) {
        return -ENOMEM;
    }
    size_t n = 0;
    const char *async = ctx->firelens_async ? "true" : "false";
    items[n++] = (struct emu_kv){"tag", tag};
    items[n++] = (struct emu_kv){"fluentd-address", address};
    items[n++] = (struct emu_kv){
        ctx->docker_before_20_10 ? "fluentd-async-connect" : "fluentd-async", async};
    items[n++] = (struct emu_kv){"fluentd-sub-second-precision", "true"};
    const char *limit = emu_kv_get(&c->log_configuration.options, EMU_OPT_BUFFER_LIMIT);
    if (limit) {
        items[n++] = (struct emu_kv){"fluentd-buffer-limit", limit};
    }
    emu_render_sort_kv(items, n);
    ret->type = "fluentd";
    ret->config.items = items;
    ret->config.n = n;
    return 0;
}
