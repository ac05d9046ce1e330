/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu run`: validates a task definition, then runs it as ECS Fargate would (awsvpc
 * namespace, dependency order, essential semantics, ordered stop), in the foreground with a
 * live view, or detached under a background supervisor that keeps <id>.json current. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "emu/cli/cli_audit.h"
#include "emu/cli/cli_live.h"
#include "emu/cli/cli_image_map.h"
#include "emu/cli/cli_render_secrets.h"
#include "emu/cli/cli_run.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/cli_whatif.h"
#include "emu/cli/commands.h"
#include "emu/model/ids.h"
#include "emu/model/validate.h"
#include "emu/tf/tfplan.h"

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct run_opts, field)

static const struct emu_cli_option run_options[] = {
    {"detach", NULL, OPT(detach), NULL,
     "return once the task is RUNNING and print its ID; a background supervisor keeps it", EMU_OPT_SCALAR},
    {"wait", NULL, OPT(wait), NULL,
     "run until the task stops and exit with the first essential container's exit code", EMU_OPT_SCALAR},
    {"timeout", "S", OPT(timeout), NULL, "stop the task after S seconds", EMU_OPT_SCALAR},
    {"publish", "LIST", OPT(publish), NULL,
     "HOSTPORT:CONTAINERPORT[,...]: publish a containerPort on another 127.0.0.1 port", EMU_OPT_SCALAR},
    {"secrets-file", "FILE", OPT(secrets_file), NULL,
     "JSON object mapping secret ARNs or names to values, for `secrets`", EMU_OPT_SCALAR},
    {"keep", NULL, OPT(keep), NULL, "keep the task directory after the task stopped", EMU_OPT_SCALAR},
    {"pull", "POLICY", OPT(pull), "missing|always|never", "image pull policy (default missing)", EMU_OPT_SCALAR},
    {"image-map", "FROM=TO", OPT(image_map), NULL,
     "run image TO where the task definition names FROM (repeatable; comma lists allowed)",
     EMU_OPT_LIST},
    {"image-map-file", "FILE", OPT(image_map_file), NULL,
     "FROM=TO lines (# comments) to map images from; --image-map entries win", EMU_OPT_SCALAR},
    {"pause-image", "IMAGE", OPT(pause_image), NULL,
     "image of the container owning the task's network namespace (default "
     "fargate-emu/pause:local)", EMU_OPT_SCALAR},
    {"what", "PART", OPT(what), "router-config|log-options|containers|all",
     "accepted for compatibility with render, ignoring", EMU_OPT_SCALAR},
    {"task-arn", "ARN", OPT(task_arn), NULL, "task ARN (its last segment is the task ID)", EMU_OPT_SCALAR},
    {"task-id", "ID", OPT(task_id), NULL, "task ID, 32 hex (default: random)", EMU_OPT_SCALAR},
    {"account-id", "N", OPT(account_id), NULL, "AWS account ID in ARNs (default 123456789012)", EMU_OPT_SCALAR},
    {"launch-type", "TYPE", OPT(launch_type), "FARGATE|EC2", "launch type to validate for", EMU_OPT_SCALAR},
    {"ec2-instance-id", "ID", OPT(ec2_instance_id), NULL, "accepted as render does", EMU_OPT_SCALAR},
    {"no-validate", NULL, OPT(no_validate), NULL, "run even when validation fails", EMU_OPT_SCALAR},
    EMU_CLI_FAULT_OPTIONS(struct run_opts, faults),
    {"restart-attempt-period", "S", OPT(restart_attempt_period), NULL,
     "use S seconds (1-1800) instead of every restartPolicy's restartAttemptPeriod, so a test "
     "can see a restart without waiting ECS's 60 s minimum", EMU_OPT_SCALAR},
    {"enforce-iam", NULL, OPT(enforce_iam), NULL,
     "evaluate the task role's policies (--task-role-policy files, and with --tf-plan the "
     "role's policies in the plan) for every call the task makes to the local endpoints, and "
     "answer AccessDenied as AWS does", EMU_OPT_SCALAR},
    {"task-role-policy", "FILE", OPT(task_role_policy), NULL,
     "a task role identity policy document (or a JSON array of documents), with "
     "--enforce-iam (repeatable)", EMU_OPT_LIST},
    {"execution-role-policy", "FILE", OPT(execution_role_policy), NULL,
     "an execution role policy document (or array), with --enforce-iam: checked for the "
     "awslogs driver's calls (repeatable; --tf-plan adds the plan's)", EMU_OPT_LIST},
    {"s3-max-bytes", "SIZE", OPT(s3_max_bytes), NULL,
     "cap the local S3 store at SIZE bytes (K, M, G suffixes): writes past it get 500 "
     "InternalError, as a full disk", EMU_OPT_SCALAR},
    EMU_CLI_HTTP_LIMIT_OPTIONS(struct run_opts, limits),
    {"audit", NULL, OPT(audit), NULL,
     "when the task stops, print the delivery audit (see `audit`); exit 1 on loss", EMU_OPT_SCALAR},
    {"max-loss", "PCT", OPT(max_loss), NULL,
     "with --audit: exit 1 only when more than PCT percent was lost (default 0)", EMU_OPT_SCALAR},
    {"what-if", "KEY=VALUE", OPT(what_if), NULL,
     "with --audit: then run the task definition again with this setting changed (router-memory, "
     "log-driver-buffer-limit, app-stop-timeout, fluentd-async, storage.type; repeatable) and "
     "print both audits side by side", EMU_OPT_LIST},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

static int parse_publish(const char *list, struct run_job *job)
{
    const char *p = list;
    while (p && *p) {
        unsigned long h, c;
        char *end;
        errno = 0;
        h = strtoul(p, &end, 10);
        if (errno || end == p || *end != ':' || h == 0 || h > 65535) {
            goto bad;
        }
        p = end + 1;
        c = strtoul(p, &end, 10);
        if (errno || end == p || (*end && *end != ',') || c == 0 || c > 65535 ||
            job->n_publish >= RUN_MAX_PUBLISH) {
            goto bad;
        }
        job->publish[job->n_publish++] = (struct emu_publish){(uint16_t)h, (uint16_t)c};
        p = *end ? end + 1 : end;
    }
    return 0;
bad:
    fprintf(stderr, "fargate-emu run: --publish %s: expected HOSTPORT:CONTAINERPORT[,...] "
                    "with ports 1-65535\n", list);
    return EMU_EUSAGE;
}

static int load_secrets(const char *path, struct run_job *job)
{
    return emu_cli_secrets_load("run", path, &job->arena, &job->secrets);
}

/* Docker takes a relative bind-mount source for a volume name: the task's FireLens and
 * state paths are made absolute here. */
static int absolute_data_dir(struct run_job *job)
{
    if (job->data_dir[0] == '/') {
        return 0;
    }
    char cwd[EMU_CLI_PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) {
        fprintf(stderr, "fargate-emu run: cannot resolve --data-dir %s: %s\n", job->data_dir,
                strerror(errno));
        return EMU_EUSAGE;
    }
    char abs[EMU_CLI_PATH_MAX];
    int n = snprintf(abs, sizeof(abs), "%s/%s", cwd, job->data_dir);
    if (n < 0 || (size_t)n >= sizeof(abs) || (size_t)n >= sizeof(job->data_dir)) {
        fprintf(stderr, "fargate-emu run: --data-dir %s: path too long\n", job->data_dir);
        return EMU_EUSAGE;
    }
    memcpy(job->data_dir, abs, (size_t)n + 1);
    return 0;
}

/* The task ID, ARN and plan; prints why on failure. */
static int plan_task(const struct emu_cli_global *g, struct run_opts *opts, struct run_job *job)
{
    char id[33];
    const char *arn = opts->task_arn;
    if (arn) {
        (void)snprintf(id, sizeof(id), "%s", emu_ids_task_id_of_arn(arn));
    }
    else if (opts->task_id) {
        (void)snprintf(id, sizeof(id), "%s", opts->task_id);
    }
    else {
        uint8_t bytes[16];
        int r = emu_random_bytes(bytes, sizeof(bytes));
        if (r < 0) {
            fprintf(stderr, "fargate-emu run: no random task ID: %s\n", emu_strerror(r));
            return r;
        }
        emu_ids_task_id_from_bytes(bytes, id);
    }
    if (strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32) {
        fprintf(stderr, "fargate-emu run: task ID %s is not 32 lowercase hex characters\n", id);
        return EMU_EUSAGE;
    }
    const char *region = g->region ? g->region : "us-east-1";
    const char *cluster = g->cluster ? g->cluster : "default";
    if (!arn) {
        arn = emu_ids_task_arn(&job->arena, region, opts->account_id ? opts->account_id
                                                                      : "123456789012",
                               cluster, id);
    }
    struct emu_render_ctx ctx;
    emu_render_ctx_init(&ctx);
    ctx.firelens_async = !job->no_firelens_async;
    ctx.cluster = cluster;
    ctx.task_arn = arn;
    ctx.task_id = emu_arena_strdup(&job->arena, id);
    ctx.host_data_dir = job->data_dir;
    ctx.launch_type = emu_cli_pick_launch_type(opts->launch_type, job->td);
    ctx.ec2_instance_id = opts->ec2_instance_id;
    job->ctx = ctx;
    struct emu_diags diags;
    emu_diags_init(&diags);
    int r = arn ? emu_render_task_plan(job->td, &ctx, &job->arena, &job->plan, &diags) : -ENOMEM;
    if (r < 0) {
        emu_cli_print_diags(job->file, &diags, false, false);
        fprintf(stderr, "fargate-emu run: cannot plan the task: %s\n", emu_strerror(r));
    }
    emu_diags_done(&diags);
    r = r ? r : emu_task_state_from_plan(&job->st, job->td, &job->plan, id, arn, cluster, region);
    if (r == 0 && !realpath(job->file, job->st.taskdef_path)) {
        (void)snprintf(job->st.taskdef_path, sizeof(job->st.taskdef_path), "%s", job->file);
    }
    return r;
}

/* --enforce-iam: the policies of --task-role-policy and of the plan's task role. */
static int load_iam(const struct run_opts *opts, const struct emu_cli_source *src,
                    struct run_job *job)
{
    if (!opts->enforce_iam) {
        if (opts->task_role_policy.n > 0 || opts->execution_role_policy.n > 0) {
            fprintf(stderr, "fargate-emu run: --task-role-policy and --execution-role-policy "
                            "need --enforce-iam\n");
            return EMU_EUSAGE;
        }
        return 0;
    }
    if (opts->task_role_policy.n == 0 && !src->plan) {
        fprintf(stderr, "fargate-emu run: --enforce-iam needs the task role's policies: "
                        "--task-role-policy FILE, or --tf-plan with the role in the plan\n");
        return EMU_EUSAGE;
    }
    int r = emu_cli_iam_add_files(&job->iam, "run", &opts->task_role_policy);
    if (r == 0 && src->plan) {
        r = emu_cli_iam_add_plan_role(&job->iam, "run", "task role", &src->plan->task_role);
    }
    /* The execution role: only when its policies are known (files or the plan). */
    if (r == 0 && (opts->execution_role_policy.n > 0 ||
                   (src->plan && src->plan->execution_role.address))) {
        r = emu_cli_iam_add_files(&job->exec_iam, "run", &opts->execution_role_policy);
        if (r == 0 && src->plan && src->plan->execution_role.address) {
            r = emu_cli_iam_add_plan_role(&job->exec_iam, "run", "execution role", &src->plan->execution_role);
        }
        job->exec_iam_on = true;
    }
    if (r < 0) {
        return EMU_EUSAGE;
    }
    if (job->iam.n_documents == 0) {
        fprintf(stderr, "fargate-emu run: --enforce-iam: no policy applies to the task role, so "
                        "every call the task makes is denied (as AWS would)\n");
    }
    emu_cli_iam_install(&job->iam);
    return 0;
}

/* The final task definition, kept in job->taskdef_json for emu_cli_taskdef_save. */
static void keep_taskdef(const struct emu_cli_source *src, struct run_job *job)
{
    struct cJSON *o = NULL;
    struct emu_buf body;
    emu_buf_init(&body, EMU_JSON_MAX_INPUT);
    if (emu_taskdef_export(src->json, src->len, &src->overrides, &o) == 0 &&
        emu_json_write_pretty(o, &body) == 0) {
        job->taskdef_json = emu_arena_strndup(&job->arena, body.data, body.len);
    }
    cJSON_Delete(o);
    emu_buf_done(&body);
}

int emu_cli_taskdef_save(const struct run_job *job)
{
    struct emu_buf path;
    int r = job->taskdef_json ? emu_store_paths(job->data_dir, job->st.id, ".taskdef.json",
                                                &path)
                              : -ENOENT;
    if (r < 0) {
        return r;
    }
    r = emu_file_write_atomic(path.data, job->taskdef_json, strlen(job->taskdef_json), 0600);
    emu_buf_done(&path);
    return r;
}

int emu_cli_run_prepare(const struct emu_cli_global *g, struct run_opts *opts,
                        struct run_job *job)
{
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_cli_source src = {0};
    int r = emu_cli_load_taskdef_opts(&opts->td, job->file, &job->td, &src, &diags);
    if (r < 0) {
        emu_cli_print_diags(job->file, &diags, false, false);
        emu_diags_done(&diags);
        emu_cli_source_done(&src);
        return EMU_EUSAGE;
    }
    r = load_iam(opts, &src, job);
    keep_taskdef(&src, job);
    emu_cli_source_done(&src);
    if (r < 0) {
        emu_diags_done(&diags);
        return r;
    }
    if (!opts->no_validate) {
        (void)emu_taskdef_validate(job->td, emu_cli_pick_launch_type(opts->launch_type, job->td),
                                   &diags);
    }
    if (emu_diags_count(&diags, EMU_DIAG_ERROR) > 0) {
        emu_cli_print_diags(job->file, &diags, false, true);
        fprintf(stderr, "%s: not run: ECS would refuse this task definition\n", job->file);
        emu_diags_done(&diags);
        return EMU_EVALIDATE;
    }
    emu_cli_print_diags(job->file, &diags, false, false);
    emu_diags_done(&diags);
    if (opts->what) {
        fprintf(stderr, "fargate-emu run: --what only matters to render, ignoring\n");
    }
    r = emu_cli_data_dir(g, "run", job->data_dir, sizeof(job->data_dir));
    r = r ? r : absolute_data_dir(job);
    r = r ? r : (opts->publish ? parse_publish(opts->publish, job) : 0);
    r = r ? r : emu_cli_image_map_load(&opts->image_map, opts->image_map_file, &job->image_map);
    r = r ? r : (opts->secrets_file ? load_secrets(opts->secrets_file, job) : 0);
    r = r ? r : (opts->s3_max_bytes ? emu_cli_parse_bytes("run", "--s3-max-bytes",
                                                          opts->s3_max_bytes,
                                                          &job->s3_max_bytes) : 0);
    struct shim_http_limits limits = {0};
    r = r ? r : emu_cli_http_limits_parse("run", &opts->limits, &limits);
    job->client_timeout_ms = limits.head_timeout_ms;
    job->max_connections = limits.max_connections;
    if (r == 0 && opts->timeout) {
        char *end;
        job->timeout_s = strtol(opts->timeout, &end, 10);
        if (*end || job->timeout_s <= 0) {
            fprintf(stderr, "fargate-emu run: --timeout %s: expected seconds > 0\n",
                    opts->timeout);
            r = EMU_EUSAGE;
        }
    }
    if (r == 0 && opts->restart_attempt_period) {
        char *end;
        job->restart_period_s = strtol(opts->restart_attempt_period, &end, 10);
        if (*end || job->restart_period_s < 1 || job->restart_period_s > 1800) {
            fprintf(stderr, "fargate-emu run: --restart-attempt-period %s: expected seconds "
                            "from 1 to 1800\n", opts->restart_attempt_period);
            r = EMU_EUSAGE;
        }
    }
    /* A bad --fault is a usage error before anything starts or detaches. */
    r = r ? r : emu_cli_faults_check("run", &opts->faults, job->fault_seed,
                                     sizeof(job->fault_seed));
    /* Test knob: a short credential lifetime shows the refresh without waiting hours. */
    const char *creds_s = getenv("FARGATE_EMU_CREDENTIALS_SECONDS");
    if (r == 0 && creds_s) {
        char *end;
        job->creds_duration_s = strtol(creds_s, &end, 10);
        if (*end || job->creds_duration_s < 2 || job->creds_duration_s > 43200) {
            fprintf(stderr, "fargate-emu run: FARGATE_EMU_CREDENTIALS_SECONDS=%s: expected "
                            "2-43200 seconds\n", creds_s);
            r = EMU_EUSAGE;
        }
    }
    job->pull = opts->pull ? emu_docker_pull_policy_from_string(opts->pull)
                           : EMU_DOCKER_PULL_MISSING;
    r = r ? r : plan_task(g, opts, job);
    if (r == 0 && (r = emu_store_init(job->data_dir)) < 0) {
        fprintf(stderr, "fargate-emu run: cannot create %s/tasks: %s\n", job->data_dir,
                emu_strerror(r));
    }
    if (r == 0 && emu_cli_taskdef_save(job) < 0) {
        fprintf(stderr, "fargate-emu run: cannot keep the task definition for `resume`, "
                        "ignoring\n");
    }
    job->st.keep = opts->keep;
    return r;
}

/* Detached: returns in the parent once the task is RUNNING (or stopped); the grandchild,
 * in its own session, supervises and exits with the task. */
int emu_cli_run_detach(const struct emu_cli_global *g, struct run_opts *opts, struct run_job *job)
{
    int r = emu_store_save(job->data_dir, &job->st);
    if (r < 0) {
        fprintf(stderr, "fargate-emu run: cannot write the task state: %s\n", emu_strerror(r));
        return EMU_EXIT_FAILURE;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "fargate-emu run: fork: %s\n", strerror(errno));
        return EMU_EXIT_FAILURE;
    }
    if (pid == 0) {
        (void)setsid();
        if (fork() != 0) {
            _exit(0);
        }
        struct emu_buf log;
        int fd = -1;
        if (emu_store_paths(job->data_dir, job->st.id, ".log", &log) == 0) {
            fd = open(log.data, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            emu_buf_done(&log);
        }
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        (void)dup2(null, 0);
        (void)dup2(fd, 1);
        (void)dup2(fd, 2);
        job->st.supervisor_pid = (long)getpid();
        int code = emu_cli_supervise(g, opts, job, false);
        /* _exit skips the sanitizer's leak check at exit: run it here, into <id>.log. */
        emu_mem_leak_check();
        _exit(code);
    }
    (void)waitpid(pid, NULL, 0);
    return emu_cli_await_running(job, g->json);
}

static int exec_run(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    struct run_opts *opts = optsp;
    const char *file = NULL;
    if (emu_cli_taskdef_source("run", &opts->td, argc, argv, &file) < 0) {
        return EMU_EXIT_USAGE;
    }
    if (opts->detach && opts->wait) {
        fprintf(stderr, "fargate-emu run: give --detach or --wait, not both\n");
        return EMU_EXIT_USAGE;
    }
    double max_loss;
    if ((opts->audit && opts->detach) || (opts->max_loss && !opts->audit)) {
        fprintf(stderr, "fargate-emu run: --audit runs in the foreground (not with --detach); "
                        "--max-loss needs --audit\n");
        return EMU_EXIT_USAGE;
    }
    struct emu_cli_whatif whatif;
    if (emu_cli_max_loss("run", opts->max_loss, &max_loss) < 0 ||
        emu_cli_whatif_parse("run", &opts->what_if, &whatif) < 0) {
        return EMU_EXIT_USAGE;
    }
    if (whatif.on && !opts->audit) {
        fprintf(stderr, "fargate-emu run: --what-if needs --audit\n");
        return EMU_EXIT_USAGE;
    }
    struct run_job *job = emu_calloc(1, sizeof(*job));
    if (!job) {
        return EMU_EXIT_FAILURE;
    }
    job->file = file;
    emu_arena_init(&job->arena, 0);
    emu_docker_image_map_init(&job->image_map);
    emu_cli_iam_init(&job->iam);
    emu_cli_iam_init(&job->exec_iam);
    int code;
    int r = emu_cli_run_prepare(g, opts, job);
    if (r < 0) {
        code = r == EMU_EUSAGE ? EMU_EXIT_USAGE : EMU_EXIT_FAILURE;
    }
    else if (opts->detach) {
        code = emu_cli_run_detach(g, opts, job);
    }
    else {
        job->st.supervisor_pid = (long)getpid();
        code = emu_cli_supervise(g, opts, job, !g->json);
        /* With --json: the RunTask document, then (--audit) the audit's, one after the other. */
        if (g->json && emu_cli_print_task_json(stdout, "run", &job->st, true) < 0) {
            code = EMU_EXIT_FAILURE;
        }
        if (opts->audit && job->st.status == EMU_TASK_STOPPED) {
            int ac = whatif.on ? emu_cli_whatif_after_run(g, opts, job, &whatif, max_loss)
                               : emu_cli_audit_report("run", job->data_dir, &job->st, g->json,
                                                      max_loss);
            code = code == EMU_EXIT_OK ? ac : code;
        }
    }
    emu_task_state_done(&job->st);
    emu_taskdef_free(job->td);
    emu_docker_image_map_done(&job->image_map);
    emu_cli_iam_done(&job->iam);
    emu_cli_iam_done(&job->exec_iam);
    emu_arena_done(&job->arena);
    emu_free(job);
    return code;
}

static const struct emu_cli_exit run_exits[] = {
    {EMU_EXIT_OK, "the task ran and stopped normally (with --detach: it reached RUNNING)"},
    {EMU_EXIT_FAILURE, "the task definition is invalid, the task could not start, or it stopped "
                       "before any essential container ran to an exit code (with --wait: also when it "
                       "failed to start, stopCode TaskFailedToStart)"},
    {EMU_EXIT_USAGE, "usage error, or an unreadable or malformed task definition, template or "
                     "plan"},
    {EMU_EXIT_OTHER, "with --wait: the exit code of the first essential container to stop"},
    {0, NULL},
};

static const struct emu_cli_example run_examples[] = {
    {"fargate-emu run fixtures/seed/task-s3-full.json",
     "Run the seed's task in the foreground with a live status table; Ctrl-C stops it."},
    {"fargate-emu run --detach --publish 8080:80 task.json",
     "Start the task in the background, publish containerPort 80 on 127.0.0.1:8080, print the "
     "task ID."},
    {"fargate-emu run --wait --timeout 60 --image-map "
     "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable=fluent/fluent-bit:3.0 task.json",
     "Run until the task stops (at most a minute) and exit with its essential container's exit "
     "code."},
    {"fargate-emu run --detach --fault 's3:PutObject:rate=0.3:code=SlowDown' --fault-seed 7 "
     "task.json",
     "Run with 30% of the router's S3 uploads answered 503 SlowDown, replayable by its seed."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_run = {
    .name = "run",
    .summary = "Run a task definition as ECS Fargate would: validated first, then its "
               "containers in an awsvpc-like namespace with dependency order, essential "
               "semantics and an ordered stop; Ctrl-C stops it (twice: at once).",
    .usage = "[--detach | --wait] [--timeout S] [--publish H:C,...] [--secrets-file FILE] "
             "[--keep] [--pull POLICY] [--image-map FROM=TO,...] [--image-map-file FILE] "
             "[--task-id ID] [--json] [--enforce-iam [--task-role-policy FILE]... "
             "[--execution-role-policy FILE]...] [--fault SPEC]... [--fault-seed N] "
             "[--restart-attempt-period S] [--client-timeout S] [--max-connections N] "
             "[--audit [--max-loss PCT] [--what-if KEY=VALUE]...] "
             "[--data-dir DIR] [--docker-host URL] TASKDEF",
    .description = "Validates the task definition, pulls missing images, creates a pause "
                   "container owning the task's network namespace (awsvpc: localhost works "
                   "between the task's containers, port mappings are published on 127.0.0.1), "
                   "then starts the containers in dependency order with ECS's essential "
                   "semantics and health checks, the FireLens router first. When an essential "
                   "container stops, or on Ctrl-C, SIGINT or SIGTERM, the task stops in reverse "
                   "dependency order, each container getting its stopTimeout. A container whose "
                   "restartPolicy is enabled is restarted in place as ECS does (not for an "
                   "ignored exit code, at most once per restartAttemptPeriod). The task's state "
                   "is kept in the data dir for `ps`, `describe`, `stop` and `wait`. --fault "
                   "injects errors, latency, resets and outages into the task's local endpoints "
                   "(docs/faults.md); `fargate-emu fault --task ID` changes them while it runs.\n\n"
                   "With --detach it prints the task ID once the task is RUNNING. With --json "
                   "there is no live view: it prints {\"tasks\": [TASK], \"failures\": []} as "
                   "ECS RunTask answers (TASK in the shape `describe --json` prints), when the "
                   "task is RUNNING with --detach, else once it has stopped.",
    .options = run_options,
    .exit_codes = run_exits,
    .examples = run_examples,
    .opts_size = sizeof(struct run_opts),
    .reads_taskdef = true,
    .exec = exec_run,
};
