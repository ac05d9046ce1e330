/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu audit [TASK | --last] [--json] [--max-loss PCT]`: the delivery audit of a task
 * (emu/audit): per awsfirelens container and destination, lines written against records
 * delivered, lost, duplicated, reordered, filtered, where the losses happened, and what to
 * change. Exits 1 when more than --max-loss percent was lost, so CI can gate on it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/audit/audit.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_audit.h"
#include "emu/cli/cli_fault.h"
#include "emu/cli/cli_resume_state.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/cli_whatif.h"
#include "emu/base/file.h"
#include "emu/cli/commands.h"

struct audit_opts {
    bool last;
    const char *max_loss;
    struct emu_cli_list what_if;   /* rerun with these settings */
    struct emu_cli_list image_map; /* for the rerun, as run takes them */
    const char *image_map_file;
    const char *secrets_file;      /* for the rerun, as run takes them */
    const char *publish;
    bool enforce_iam;
    struct emu_cli_list task_role_policy;
    struct emu_cli_list execution_role_policy;
    struct emu_cli_fault_opts faults;
    bool follow;          /* live, until the task stops */
    const char *interval; /* with --follow: seconds between refreshes */
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct audit_opts, field)

static const struct emu_cli_option audit_options[] = {
    {"last", NULL, OPT(last), NULL, "audit the most recently created task of the data dir",
     EMU_OPT_SCALAR},
    {"max-loss", "PCT", OPT(max_loss), NULL,
     "exit 1 only when more than PCT percent of the lines were lost (default 0)",
     EMU_OPT_SCALAR},
    {"follow", NULL, OPT(follow), NULL,
     "audit while the task runs: every --interval, written, delivered, lost so far and in "
     "flight per container; the final audit when it stops", EMU_OPT_SCALAR},
    {"interval", "S", OPT(interval), NULL,
     "with --follow: seconds between refreshes (default 2, from 0.1)", EMU_OPT_SCALAR},
    {"what-if", "KEY=VALUE", OPT(what_if), NULL,
     "run the task's definition again with this setting changed (router-memory, "
     "log-driver-buffer-limit, app-stop-timeout, fluentd-async, storage.type; repeatable) and "
     "print its audit beside this one", EMU_OPT_LIST},
    {"image-map", "FROM=TO", OPT(image_map), NULL,
     "with --what-if: run image TO where the task definition names FROM, as run does "
     "(repeatable)", EMU_OPT_LIST},
    {"image-map-file", "FILE", OPT(image_map_file), NULL,
     "with --what-if: FROM=TO lines to map images from, as run does", EMU_OPT_SCALAR},
    {"secrets-file", "FILE", OPT(secrets_file), NULL,
     "with --what-if: secret values for the rerun, as run takes them", EMU_OPT_SCALAR},
    {"publish", "LIST", OPT(publish), NULL,
     "with --what-if: HOSTPORT:CONTAINERPORT[,...] for the rerun, as run takes them",
     EMU_OPT_SCALAR},
    {"enforce-iam", NULL, OPT(enforce_iam), NULL,
     "with --what-if: the rerun evaluates the task role's policies, as run --enforce-iam does",
     EMU_OPT_SCALAR},
    {"task-role-policy", "FILE", OPT(task_role_policy), NULL,
     "with --what-if --enforce-iam: a task role policy document, as run takes it (repeatable)",
     EMU_OPT_LIST},
    {"execution-role-policy", "FILE", OPT(execution_role_policy), NULL,
     "with --what-if --enforce-iam: an execution role policy document, as run takes it "
     "(repeatable)", EMU_OPT_LIST},
    EMU_CLI_FAULT_OPTIONS(struct audit_opts, faults),
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

int emu_cli_max_loss(const char *cmd, const char *text, double *ret)
{
    *ret = 0.0;
    if (!text) {
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0.0 && v <= 100.0)) {
        fprintf(stderr, "fargate-emu %s: --max-loss %s: expected a percentage from 0 to 100\n",
                cmd, text);
        return EMU_EUSAGE;
    }
    *ret = v;
    return 0;
}

int emu_cli_audit_gate(const char *cmd, const struct emu_audit_result *res, double max_loss)
{
    double pct = emu_audit_loss_pct(res);
    int code = res->lost > 0 && pct > max_loss ? EMU_EXIT_FAILURE : EMU_EXIT_OK;
    if (code != EMU_EXIT_OK) {
        fprintf(stderr, "fargate-emu %s: %.2f %% of the lines were lost (more than --max-loss "
                        "%g)\n", cmd, pct, max_loss);
    }
    return code;
}

int emu_cli_audit_report(const char *cmd, const char *data_dir, const struct emu_task_state *st,
                         bool json, double max_loss)
{
    struct emu_audit_result *res = emu_calloc(1, sizeof(*res));
    if (!res) {
        return EMU_EXIT_FAILURE;
    }
    int r = emu_audit_task(data_dir, st, res);
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: %s\n", cmd, res->error[0] ? res->error
                                                                   : emu_strerror(r));
        emu_audit_result_done(res);
        emu_free(res);
        return EMU_EXIT_FAILURE;
    }
    if (json) {
        cJSON *root = emu_audit_json(res);
        char *text = root ? emu_json_print(root, 1) : NULL;
        if (text) {
            printf("%s\n", text);
        }
        emu_free(text);
        cJSON_Delete(root);
    }
    else {
        emu_audit_print(res, stdout);
    }
    int code = emu_cli_audit_gate(cmd, res, max_loss);
    emu_audit_result_done(res);
    emu_free(res);
    return code;
}

/* The baseline's fault rules and seed, as its supervisor kept them for resume
 * (<id>.resume.json), for a rerun given no --fault: f's specs point into the returned tree
 * (free it after the rerun). NULL when none were kept. */
static cJSON *kept_faults(const char *data_dir, const char *id, struct emu_cli_fault_opts *f)
{
    struct emu_cli_resume_state rs;
    char err[256];
    if (emu_cli_resume_state_load(data_dir, id, &rs, err, sizeof(err)) < 0) {
        return NULL;
    }
    cJSON *j = NULL;
    struct emu_json_error jerr;
    if (rs.faults && emu_json_parse(rs.faults, rs.faults_len, &j, &jerr) == 0) {
        const cJSON *rule;
        cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(j, "rules"))
        {
            const char *spec = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule,
                                                                                     "spec"));
            if (spec && f->specs.n < EMU_CLI_LIST_MAX) {
                f->specs.items[f->specs.n++] = spec;
            }
        }
        const char *seed = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "seed"));
        f->seed = f->specs.n ? seed : NULL;
    }
    emu_cli_resume_state_done(&rs);
    if (f->specs.n == 0) {
        cJSON_Delete(j);
        return NULL;
    }
    fprintf(stderr, "fargate-emu audit: --what-if: the rerun takes the %zu --fault rule(s) task %s "
                    "ran with (seed %s; give --fault to replace them)\n", f->specs.n, id,
            f->seed ? f->seed : "random");
    return j;
}

/* --what-if: this task's audit (the baseline) against a rerun of its task definition. */
static int rerun(const struct emu_cli_global *g, const struct audit_opts *opts,
                 const char *data_dir, const struct emu_task_state *st,
                 const struct emu_cli_whatif *w, double max_loss)
{
    struct emu_buf path;
    char *td = NULL;
    size_t len = 0;
    int r = emu_store_paths(data_dir, st->id, ".taskdef.json", &path);
    if (r == 0) {
        r = emu_file_read(path.data, EMU_JSON_MAX_INPUT, &td, &len);
        if (r < 0) {
            fprintf(stderr, "fargate-emu audit: --what-if: %s: %s (the task definition the "
                            "task ran is needed to run it again)\n", path.data, emu_strerror(r));
        }
        emu_buf_done(&path);
    }
    struct emu_audit_result *res = r == 0 ? emu_calloc(1, sizeof(*res)) : NULL;
    cJSON *kept = NULL;
    int code = EMU_EXIT_FAILURE;
    if (res && (r = emu_audit_task(data_dir, st, res)) < 0) {
        fprintf(stderr, "fargate-emu audit: %s\n", res->error[0] ? res->error : emu_strerror(r));
    }
    else if (res) {
        struct run_opts ro;
        memset(&ro, 0, sizeof(ro));
        ro.image_map = opts->image_map;
        ro.image_map_file = opts->image_map_file;
        ro.secrets_file = opts->secrets_file;
        ro.publish = opts->publish;
        ro.enforce_iam = opts->enforce_iam;
        ro.task_role_policy = opts->task_role_policy;
        ro.execution_role_policy = opts->execution_role_policy;
        ro.faults = opts->faults;
        if (ro.faults.specs.n == 0 && !ro.faults.seed) {
            kept = kept_faults(data_dir, st->id, &ro.faults);
        }
        code = emu_cli_audit_gate("audit", res, max_loss);
        int wc = emu_cli_whatif_compare(g, "audit", &ro, td, w, res);
        code = code == EMU_EXIT_OK ? wc : code;
    }
    if (res) {
        emu_audit_result_done(res);
    }
    cJSON_Delete(kept);
    emu_free(res);
    emu_free(td);
    return code;
}

static int exec_audit(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    struct audit_opts *opts = optsp;
    double max_loss;
    if ((argc != 1 && !opts->last) || (argc != 0 && opts->last)) {
        fprintf(stderr, "fargate-emu audit: expected one task ID or --last (usage: fargate-emu "
                        "audit %s)\n", emu_cmd_audit.usage);
        return EMU_EXIT_USAGE;
    }
    struct emu_cli_whatif whatif;
    if (emu_cli_max_loss("audit", opts->max_loss, &max_loss) < 0 ||
        emu_cli_whatif_parse("audit", &opts->what_if, &whatif) < 0) {
        return EMU_EXIT_USAGE;
    }
    double interval = 2.0;
    if (opts->interval) {
        char *end;
        interval = strtod(opts->interval, &end);
        if (*end || end == opts->interval || !(interval >= 0.1 && interval <= 3600.0) ||
            !opts->follow) {
            fprintf(stderr, "fargate-emu audit: --interval %s: expected seconds from 0.1 to "
                            "3600, with --follow\n", opts->interval);
            return EMU_EXIT_USAGE;
        }
    }
    if (opts->follow && whatif.on) {
        fprintf(stderr, "fargate-emu audit: give --follow or --what-if, not both\n");
        return EMU_EXIT_USAGE;
    }
    if (!whatif.on && (opts->image_map.n || opts->image_map_file || opts->secrets_file ||
                       opts->publish || opts->enforce_iam || opts->task_role_policy.n ||
                       opts->execution_role_policy.n || opts->faults.specs.n ||
                       opts->faults.seed)) {
        fprintf(stderr, "fargate-emu audit: --image-map, --image-map-file, --secrets-file, "
                        "--publish, --enforce-iam, --task-role-policy, --execution-role-policy, "
                        "--fault and --fault-seed are for the rerun: they need --what-if\n");
        return EMU_EXIT_USAGE;
    }
    char data_dir[EMU_CLI_PATH_MAX];
    if (emu_cli_data_dir(g, "audit", data_dir, sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    char id[33] = "";
    if (opts->last) {
        char (*ids)[33] = NULL;
        size_t n = 0;
        int r = emu_store_list(data_dir, &ids, &n);
        if (r < 0 || n == 0) {
            fprintf(stderr, "fargate-emu audit: --last: no task in %s\n", data_dir);
            emu_free(ids);
            return EMU_EXIT_USAGE;
        }
        (void)snprintf(id, sizeof(id), "%s", ids[n - 1]);
        emu_free(ids);
    }
    struct emu_task_state st;
    int r = emu_cli_task_load(data_dir, "audit", opts->last ? id : argv[0], &st);
    if (r < 0) {
        return emu_cli_task_load_exit(r);
    }
    if (opts->follow) {
        (void)snprintf(id, sizeof(id), "%s", st.id);
        emu_task_state_done(&st);
        return emu_cli_audit_follow(g, data_dir, id, (long)(interval * 1000.0), max_loss);
    }
    if (st.status != EMU_TASK_STOPPED && whatif.on) {
        fprintf(stderr, "fargate-emu audit: task %s is %s: --what-if compares with a task that "
                        "stopped\n", st.id, emu_task_status_to_string(st.status));
        emu_task_state_done(&st);
        return EMU_EXIT_USAGE;
    }
    if (st.status != EMU_TASK_STOPPED) {
        fprintf(stderr, "fargate-emu audit: task %s is %s: the audit compares what arrived so "
                        "far (records still buffered count as lost; --follow shows them in flight)\n", st.id,
                emu_task_status_to_string(st.status));
    }
    int code = whatif.on ? rerun(g, opts, data_dir, &st, &whatif, max_loss)
                         : emu_cli_audit_report("audit", data_dir, &st, g->json, max_loss);
    emu_task_state_done(&st);
    return code;
}

static const struct emu_cli_exit audit_exits[] = {
    {EMU_EXIT_OK, "audited, and no more than --max-loss percent of the lines was lost"},
    {EMU_EXIT_FAILURE, "lines were lost beyond --max-loss, or the task's output copies, router "
                       "config or destinations could not be read"},
    {EMU_EXIT_USAGE, "usage error, or no task (or more than one) matches TASK"},
    {0, NULL},
};

static const struct emu_cli_example audit_examples[] = {
    {"fargate-emu audit --last", "Audit the task run last: delivered, lost, duplicated and "
                                 "reordered lines per container and destination, and why."},
    {"fargate-emu audit --json --max-loss 0.5 0123abcd",
     "Machine-readable audit; exit 1 only when more than 0.5 % was lost."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_audit = {
    .name = "audit",
    .summary = "Compare what each awsfirelens container wrote with what reached its "
               "destinations, and say where the rest was lost.",
    .usage = "[--json] [--max-loss PCT] [--follow [--interval S]] [--what-if KEY=VALUE]... "
             "[--image-map FROM=TO]... [--image-map-file FILE] [--secrets-file FILE] "
             "[--publish LIST] [--enforce-iam [--task-role-policy FILE]... "
             "[--execution-role-policy FILE]...] [--fault SPEC]... [--fault-seed N] "
             "[--data-dir DIR] TASK | --last",
    .description = "Reads the copy of each container's output the runtime keeps (<data-dir>/"
                   "tasks/<id>.out/), the router config the task ran with, the router's own "
                   "log, its /api/v1/metrics when its HTTP_Server was on (the last reading "
                   "before it stopped), and the S3 and CloudWatch Logs stores of the local "
                   "endpoints, and "
                   "matches lines by content and order in bounded memory. Lines the router's "
                   "grep filters exclude count as filtered, not lost. Losses are attributed to "
                   "the log driver at container exit, the router's input, its outputs "
                   "(retries exhausted) or records still buffered at stop, from the evidence "
                   "available; recommendations name the task-definition or router-config "
                   "setting to change and the AWS or Fluent Bit documentation behind it.",
    .options = audit_options,
    .exit_codes = audit_exits,
    .examples = audit_examples,
    .opts_size = sizeof(struct audit_opts),
    .reads_taskdef = false,
    .exec = exec_audit,
};
