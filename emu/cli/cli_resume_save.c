/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor keeps <id>.resume.json current: at start (IAM policies, fault seed and
 * rules), every second while the fault engine changes (decisions, `fault --task` edits), and
 * after each awslogs batch delivered; `resume` reads it back (cmd_resume.c, here for faults). */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/cli/cli_run.h"
#include "shims/common/fault.h"

#define SAVE_EVERY_MS 1000u

void emu_cli_resume_save(struct emu_cli_endpoints *e)
{
    const struct run_job *job = e->job;
    if (!job || !e->loop) {
        return;
    }
    struct emu_buf task_role, exec_role, faults;
    emu_buf_init(&task_role, EMU_CLI_RESUME_MAX);
    emu_buf_init(&exec_role, EMU_CLI_RESUME_MAX);
    emu_buf_init(&faults, EMU_CLI_RESUME_MAX);
    struct emu_cli_awslogs_pos pos[EMU_TASK_MAX_CONTAINERS];
    struct emu_cli_resume_parts p = {
        .wall_ms = emu_now_ms(),
        .enforce_iam = job->iam.installed,
        .awslogs = pos,
        .n_awslogs = emu_cli_awslogs_positions(e, pos, EMU_TASK_MAX_CONTAINERS),
    };
    int r = 0;
    if (p.enforce_iam) {
        r = emu_cli_iam_kept_json(&job->iam, &task_role);
        p.task_role_json = task_role.data;
        if (r == 0 && job->exec_iam_on) {
            r = emu_cli_iam_kept_json(&job->exec_iam, &exec_role);
            p.exec_role_json = exec_role.data;
        }
    }
    if (r == 0 && e->faults) {
        r = shim_faults_save_json(e->faults, (int64_t)uv_now(e->loop), &faults);
        p.faults_json = faults.data;
        e->save_stamp = shim_faults_stamp(e->faults);
    }
    r = r ? r : emu_cli_resume_state_write(job->data_dir, job->st.id, &p);
    if (r < 0 && !e->save_warned) {
        e->save_warned = true;
        emu_log_warn("task %s: cannot keep %s/tasks/%s%s for resume: %s (a resumed supervisor "
                     "would lose the fault rules, IAM policies and awslogs positions)",
                     job->st.id, job->data_dir, job->st.id, EMU_CLI_RESUME_SUFFIX,
                     emu_strerror(r));
    }
    emu_buf_done(&task_role);
    emu_buf_done(&exec_role);
    emu_buf_done(&faults);
}

static void on_save_tick(uv_timer_t *t)
{
    struct emu_cli_endpoints *e = t->data;
    if (e->faults && shim_faults_stamp(e->faults) != e->save_stamp) {
        emu_cli_resume_save(e);
    }
}

static void on_progress(struct emu_cli_endpoints *e)
{
    emu_cli_resume_save(e);
}

void emu_cli_resume_save_start(struct emu_cli_endpoints *e, uv_loop_t *loop)
{
    e->loop = loop;
    e->on_progress = on_progress;
    emu_cli_resume_save(e);
    if (uv_timer_init(loop, &e->save_timer) == 0) {
        e->save_timer.data = e;
        (void)uv_timer_start(&e->save_timer, on_save_tick, SAVE_EVERY_MS, SAVE_EVERY_MS);
        e->save_timer_on = true;
    }
}

void emu_cli_resume_save_stop(struct emu_cli_endpoints *e)
{
    e->on_progress = NULL;
    if (e->save_timer_on) {
        uv_close((uv_handle_t *)&e->save_timer, NULL);
        e->save_timer_on = false;
    }
}

int emu_cli_resume_restore_faults(const struct run_job *job, struct shim_faults *engine,
                                  uv_loop_t *loop)
{
    const struct emu_cli_resume_state *rs = job->resumed;
    if (!rs || !rs->faults || !engine) {
        return 0;
    }
    /* The rules' ages go on through the outage: the saved moment is that far back. */
    int64_t gone = emu_now_ms() - rs->wall_ms;
    int64_t then = (int64_t)uv_now(loop) - (gone > 0 ? gone : 0);
    char err[SHIM_FAULT_MAX_SPEC + 256] = "";
    int r = shim_faults_restore_json(engine, rs->faults, rs->faults_len, then, err,
                                     sizeof(err));
    if (r < 0) {
        fprintf(stderr, "fargate-emu resume: task %s: cannot restore its fault rules: %s\n",
                job->st.id, err[0] ? err : emu_strerror(r));
        return r;
    }
    fprintf(stderr, "fargate-emu: task %s: fault seed %llu and %zu rule(s) restored\n",
            job->st.id, (unsigned long long)shim_faults_seed(engine),
            shim_faults_count(engine));
    return 0;
}
