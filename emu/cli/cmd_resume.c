/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu resume TASK`: a new supervisor for a task whose supervisor died (killed, OOM,
 * host reboot of the emulator only) while its containers kept running: the endpoints come back
 * on the addresses the containers were given, and the task goes on as if never left. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/cli/cli_run.h"
#include "emu/cli/commands.h"

struct resume_opts {
    bool detach;
    bool all;
    const char *s3_max_bytes;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct resume_opts, field)

static const struct emu_cli_option resume_options[] = {
    {"detach", NULL, OPT(detach), NULL,
     "return once the new supervisor has taken the task over and print its ID", EMU_OPT_SCALAR},
    {"all", NULL, OPT(all), NULL,
     "take over every task of the data dir that lost its supervisor, each in the background "
     "(implies --detach); prints each task's ID", EMU_OPT_SCALAR},
    {"s3-max-bytes", "SIZE", OPT(s3_max_bytes), NULL,
     "cap the local S3 store at SIZE bytes from now on (K, M, G suffixes; 0 = no cap) instead "
     "of the cap the task ran with", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

/* Why the task cannot be resumed, or NULL. */
static const char *refusal(const struct emu_task_state *st)
{
    if (st->status == EMU_TASK_STOPPED) {
        return "is stopped";
    }
    if (emu_store_supervisor_alive(st)) {
        return "still has its supervisor (see `fargate-emu ps`)";
    }
    if (!emu_task_resumable(st)) {
        return "was still starting when its supervisor died, its containers half made; "
               "`fargate-emu stop` removes them, then run it again";
    }
    return NULL;
}

/* The task definition the task ran, and the plan rebuilt from the state's IDs. */
static int replan(struct run_job *job)
{
    struct emu_buf path;
    int r = emu_store_paths(job->data_dir, job->st.id, ".taskdef.json", &path);
    if (r < 0) {
        return r;
    }
    struct emu_diags diags;
    emu_diags_init(&diags);
    r = emu_cli_load_taskdef(path.data, NULL, &job->td, &diags);
    if (r < 0) {
        emu_cli_print_diags(path.data, &diags, false, false);
        fprintf(stderr, "fargate-emu resume: task %s: cannot read the task definition it ran "
                        "(%s): %s\n", job->st.id, path.data, emu_strerror(r));
    }
    struct emu_render_ctx *ctx = &job->ctx;
    emu_render_ctx_init(ctx);
    ctx->cluster = job->st.cluster;
    ctx->task_arn = job->st.arn;
    ctx->task_id = job->st.id;
    ctx->host_data_dir = job->data_dir;
    if (r == 0) {
        r = emu_render_task_plan(job->td, ctx, &job->arena, &job->plan, &diags);
    }
    if (r == 0 && job->plan.n_containers != job->st.n_containers) {
        r = -EINVAL;
    }
    if (r < 0 && job->td) {
        fprintf(stderr, "fargate-emu resume: task %s: its task definition %s no longer matches "
                        "the task: %s\n", job->st.id, path.data, emu_strerror(r));
    }
    emu_diags_done(&diags);
    emu_buf_done(&path);
    return r;
}

/* What the dead supervisor kept: IAM enforcement and its policies are installed here, the
 * fault rules by the supervisor (its loop's clock), the awslogs positions by cli_awslogs.c. */
static int restore_kept(struct run_job *job, struct emu_cli_resume_state *rs)
{
    char err[256] = "";
    int r = emu_cli_resume_state_load(job->data_dir, job->st.id, rs, err, sizeof(err));
    if (r == -ENOENT) {
        fprintf(stderr, "fargate-emu resume: task %s has no %s (started by an older "
                        "fargate-emu): its --fault rules, --enforce-iam policies and awslogs "
                        "positions are not restored\n", job->st.id, EMU_CLI_RESUME_SUFFIX);
        return 0;
    }
    if (r < 0) {
        fprintf(stderr, "fargate-emu resume: task %s: cannot read %s/tasks/%s%s: %s (the "
                        "task keeps running; `fargate-emu stop` removes it)\n", job->st.id,
                job->data_dir, job->st.id, EMU_CLI_RESUME_SUFFIX,
                err[0] ? err : emu_strerror(r));
        return r;
    }
    job->resumed = rs;
    if (!rs->enforce_iam) {
        return 0;
    }
    r = emu_cli_iam_add_kept(&job->iam, "resume", rs->task_role);
    if (r == 0 && rs->exec_role) {
        r = emu_cli_iam_add_kept(&job->exec_iam, "resume", rs->exec_role);
        job->exec_iam_on = true;
    }
    if (r < 0) {
        return r;
    }
    emu_cli_iam_install(&job->iam);
    fprintf(stderr, "fargate-emu: task %s: IAM enforcement restored (%zu task role "
                    "document(s)%s)\n", job->st.id, job->iam.n_documents,
            job->exec_iam_on ? ", the execution role's too" : "");
    return 0;
}

static int resume(const struct emu_cli_global *g, const struct resume_opts *opts,
                  struct run_job *job, struct emu_cli_resume_state *rs, const char *task)
{
    if (emu_cli_data_dir(g, "resume", job->data_dir, sizeof(job->data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    int r = emu_cli_task_load(job->data_dir, "resume", task, &job->st);
    if (r < 0) {
        return emu_cli_task_load_exit(r);
    }
    const char *no = refusal(&job->st);
    if (no) {
        fprintf(stderr, "fargate-emu resume: task %s %s\n", job->st.id, no);
        return EMU_EXIT_FAILURE;
    }
    if (replan(job) < 0 || restore_kept(job, rs) < 0) {
        return EMU_EXIT_FAILURE;
    }
    job->file = job->st.taskdef_path;
    job->adopt = true;
    job->s3_max_bytes = job->st.endpoints.s3_max_bytes;
    job->client_timeout_ms = job->st.endpoints.client_timeout_ms;
    job->max_connections = job->st.endpoints.max_connections;
    if (opts->s3_max_bytes && strcmp(opts->s3_max_bytes, "0") == 0) {
        job->s3_max_bytes = 0; /* lift the cap */
    }
    else if (opts->s3_max_bytes && emu_cli_parse_bytes("resume", "--s3-max-bytes",
                                                  opts->s3_max_bytes, &job->s3_max_bytes) < 0) {
        return EMU_EXIT_USAGE;
    }
    struct run_opts ro = {.detach = opts->detach, .keep = job->st.keep};
    if (opts->detach) {
        job->st.supervisor_pid = 0; /* the new supervisor writes its own */
        return emu_cli_run_detach(g, &ro, job);
    }
    job->st.supervisor_pid = (long)getpid();
    return emu_cli_supervise(g, &ro, job, true);
}

static int resume_one(const struct emu_cli_global *g, const struct resume_opts *opts,
                      const char *task)
{
    struct run_job *job = emu_calloc(1, sizeof(*job));
    if (!job) {
        return EMU_EXIT_FAILURE;
    }
    emu_arena_init(&job->arena, 0);
    emu_docker_image_map_init(&job->image_map);
    emu_cli_iam_init(&job->iam);
    emu_cli_iam_init(&job->exec_iam);
    struct emu_cli_resume_state rs = {0};
    int code = resume(g, opts, job, &rs, task);
    emu_cli_iam_done(&job->iam);
    emu_cli_iam_done(&job->exec_iam);
    emu_cli_resume_state_done(&rs);
    emu_task_state_done(&job->st);
    emu_taskdef_free(job->td);
    emu_docker_image_map_done(&job->image_map);
    emu_arena_done(&job->arena);
    emu_free(job);
    return code;
}

/* --all: every task that is not stopped and whose supervisor is gone, each taken over by a
 * supervisor of its own in the background. Tasks that cannot be resumed are named with the
 * reason; the exit code is 1 when any could not. */
static int resume_all(const struct emu_cli_global *g, const struct resume_opts *opts)
{
    char data_dir[4096];
    if (emu_cli_data_dir(g, "resume", data_dir, sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    char(*ids)[33] = NULL;
    size_t n = 0;
    int r = emu_store_list(data_dir, &ids, &n);
    if (r < 0) {
        fprintf(stderr, "fargate-emu resume: %s/tasks: %s\n", data_dir, emu_strerror(r));
        return EMU_EXIT_FAILURE;
    }
    struct resume_opts one = *opts;
    one.detach = true;
    size_t lost = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        struct emu_task_state st;
        memset(&st, 0, sizeof(st));
        if (emu_store_load(data_dir, ids[i], &st) < 0) {
            continue; /* removed meanwhile, or not a task state */
        }
        bool candidate = st.status != EMU_TASK_STOPPED && !emu_store_supervisor_alive(&st);
        emu_task_state_done(&st);
        if (!candidate) {
            continue;
        }
        lost++;
        fflush(stdout);
        if (resume_one(g, &one, ids[i]) != EMU_EXIT_OK) {
            failed++;
        }
    }
    emu_free(ids);
    if (lost == 0) {
        fprintf(stderr, "fargate-emu resume: no task of %s lost its supervisor\n", data_dir);
    }
    return failed ? EMU_EXIT_FAILURE : EMU_EXIT_OK;
}

static int exec_resume(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    const struct resume_opts *opts = optsp;
    if (opts->all ? argc != 0 : argc != 1) {
        fprintf(stderr, "fargate-emu resume: expected %s (usage: fargate-emu resume %s)\n",
                opts->all ? "no task ID with --all" : "one task ID", emu_cmd_resume.usage);
        return EMU_EXIT_USAGE;
    }
    return opts->all ? resume_all(g, opts) : resume_one(g, opts, argv[0]);
}

static const struct emu_cli_exit resume_exits[] = {
    {EMU_EXIT_OK, "the task ran to its stop (with --detach: the new supervisor took it over; "
                  "with --all: every lost task was taken over, or none was lost)"},
    {EMU_EXIT_FAILURE, "the task is stopped, still supervised, was still starting, or its "
                       "endpoints' addresses are taken (with --all: for any lost task)"},
    {EMU_EXIT_USAGE, "usage error, or no task (or more than one) matches TASK"},
    {0, NULL},
};

static const struct emu_cli_example resume_examples[] = {
    {"fargate-emu resume --detach 0123abcd",
     "Take the task whose ID starts with 0123abcd over again in the background after its "
     "supervisor was killed; `ps` no longer shows it `(lost)`."},
    {"fargate-emu resume --all",
     "After fargate-emu itself was killed (or the machine's shell session died), take every "
     "task that still runs in Docker over again, each in the background."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_resume = {
    .name = "resume",
    .summary = "Take a task over again after its supervisor died: its endpoints come back on "
               "the same addresses and delivery resumes; nothing is recreated.",
    .usage = "[--detach] [--s3-max-bytes SIZE] [--data-dir DIR] [--docker-host URL] "
             "(TASK | --all)",
    .description = "A task whose supervisor was killed keeps running in Docker (shown as "
                   "`(lost)` by `ps`), but its S3, CloudWatch Logs, STS and metadata endpoints "
                   "went with the supervisor, so its router retries into the void. `resume` "
                   "starts a new supervisor that serves those endpoints again on the addresses "
                   "the task's containers were given (from <data-dir>/tasks/<id>.json), waits "
                   "on the running containers again, and stops the task as `run` would (an "
                   "essential container's exit, `stop`, Ctrl-C). The endpoints behave as "
                   "before: the --fault rules (seed, remaining counts, draw positions, also "
                   "those changed with `fault --task`), --enforce-iam with the policies the "
                   "task started with, the --s3-max-bytes cap (or the new one given here), and "
                   "awslogs delivery from the last line sent to CloudWatch Logs (kept in "
                   "<data-dir>/tasks/<id>.resume.json, 0600). A task that was still starting "
                   "cannot be resumed: `stop` removes it. `run` never removes a resumable task "
                   "of another supervisor.",
    .options = resume_options,
    .exit_codes = resume_exits,
    .examples = resume_examples,
    .opts_size = sizeof(struct resume_opts),
    .reads_taskdef = false,
    .exec = exec_resume,
};
