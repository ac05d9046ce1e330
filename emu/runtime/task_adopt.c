/* SPDX-License-Identifier: Apache-2.0 */
/* Taking over a task whose supervisor died (`fargate-emu resume`): nothing is created again;
 * the runner starts in its containers phase with the Docker state the state file recorded, so
 * the tick waits on the running containers again and a stop that was under way carries on. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "emu/runtime/runtime_int.h"

bool emu_task_resumable(const struct emu_task_state *st)
{
    if (st->status != EMU_TASK_RUNNING && st->status != EMU_TASK_STOPPING &&
        st->status != EMU_TASK_DEPROVISIONING) {
        return false; /* STOPPED, or still starting with half-made containers */
    }
    for (size_t i = 0; i < st->n_containers; i++) {
        enum emu_ctr_status s = st->containers[i].status;
        if (s != EMU_CTR_RUNNING && s != EMU_CTR_STOPPED) {
            return false;
        }
    }
    return true;
}

int emu_task_runner_adopt(struct emu_docker *docker, const struct emu_taskdef *td,
                          const struct emu_task_plan *plan, struct emu_task_state *st,
                          const struct emu_task_runner_opts *opts, struct emu_task_runner **ret)
{
    if (!opts->loop || !opts->data_dir || st->n_containers != plan->n_containers ||
        !emu_task_resumable(st)) {
        return -EINVAL;
    }
    struct emu_task_runner *r = emu__runner_new(docker, td, plan, st, opts);
    if (!r) {
        return -ENOMEM;
    }
    char why[EMU_REASON_MAX];
    int rv = emu_deps_build(plan, &r->arena, &r->graph, why, sizeof(why));
    r->task_dir = rv == 0 ? emu_arena_printf(&r->arena, "%s/tasks/%s", opts->data_dir, st->id)
                          : NULL;
    if (rv == 0 && opts->render_ctx &&
        emu_render_firelens_paths(opts->render_ctx, &r->arena, &r->local.paths) == 0) {
        r->local.has_paths = true; /* removed at the end, as after run */
    }
    if (rv < 0 || !r->task_dir) {
        (void)emu_task_runner_free(r);
        return rv < 0 ? rv : -ENOMEM;
    }
    /* The router, for the metrics readings (task_metrics.c). */
    const struct emu_container_def *router = emu_taskdef_router(td);
    r->local.router = router ? (size_t)(router - td->containers) : SIZE_MAX;
    emu__runner_tick_start(r);
    r->phase = PHASE_CONTAINERS;
    for (size_t i = 0; i < st->n_containers; i++) {
        r->ctrs[i].rewait = st->containers[i].status == EMU_CTR_RUNNING;
        /* The dead supervisor's output copies may miss lines: the logs endpoint hands every
         * line again from the start, so each copy is written anew. */
        emu__output_start(&r->ctrs[i]);
    }
    *ret = r;
    emu__runner_settle(r);
    return 0;
}
