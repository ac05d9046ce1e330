/* SPDX-License-Identifier: Apache-2.0 */
/* `--what-if KEY=VALUE`: parses the settings, applies those of the task definition to a copy
 * of the baseline's final task definition (the baseline keeps ECS's own options), runs that
 * copy in the foreground in the same data dir, audits it, and compares it with the baseline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_audit.h"
#include "emu/cli/cli_whatif.h"
#include "emu/cli/commands.h"

#define WHATIF_KEYS "router-memory=MiB, log-driver-buffer-limit=N, app-stop-timeout=S, " \
                    "fluentd-async=true|false, storage.type=filesystem|memory"

static bool parse_long(const char *s, long lo, long hi, long *ret)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        return false;
    }
    *ret = v;
    return true;
}

static int one(const char *cmd, const char *item, struct emu_cli_whatif *w)
{
    const char *eq = strchr(item, '=');
    size_t kl = eq ? (size_t)(eq - item) : 0;
    const char *v = eq ? eq + 1 : "";
    long n;
#define KEY(k) (kl == sizeof(k) - 1 && strncmp(item, k, kl) == 0)
    if (KEY("router-memory") && parse_long(v, 6, 1048576, &n)) {
        w->router_memory = n;
    }
    else if (KEY("log-driver-buffer-limit") && parse_long(v, 0, 536870912, &n)) {
        (void)snprintf(w->buffer_limit, sizeof(w->buffer_limit), "%ld", n);
    }
    else if (KEY("app-stop-timeout") && parse_long(v, 0, 120, &n)) {
        w->app_stop_timeout = n;
    }
    else if (KEY("fluentd-async") && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)) {
        w->fluentd_async = strcmp(v, "true") == 0 ? 1 : 0;
    }
    else if (KEY("storage.type") && (strcmp(v, "filesystem") == 0 || strcmp(v, "memory") == 0)) {
        w->storage_fs = strcmp(v, "filesystem") == 0;
    }
    else {
        fprintf(stderr, "fargate-emu %s: --what-if %s: expected one of %s (router-memory "
                        "6-1048576, log-driver-buffer-limit 0-536870912, app-stop-timeout "
                        "0-120 as Fargate allows)\n", cmd, item, WHATIF_KEYS);
        return EMU_EUSAGE;
    }
#undef KEY
    size_t used = strlen(w->text);
    (void)snprintf(w->text + used, sizeof(w->text) - used, "%s%s", used ? ", " : "", item);
    return 0;
}

int emu_cli_whatif_parse(const char *cmd, const struct emu_cli_list *list,
                         struct emu_cli_whatif *w)
{
    memset(w, 0, sizeof(*w));
    w->app_stop_timeout = -1;
    w->fluentd_async = -1;
    for (size_t i = 0; i < list->n; i++) {
        /* A comma list is several settings, as other list options allow. */
        char item[256];
        const char *p = list->items[i];
        while (*p) {
            size_t n = strcspn(p, ",");
            if (n == 0 || n >= sizeof(item)) {
                fprintf(stderr, "fargate-emu %s: --what-if %s: expected KEY=VALUE[,...]\n",
                        cmd, list->items[i]);
                return EMU_EUSAGE;
            }
            memcpy(item, p, n);
            item[n] = '\0';
            if (one(cmd, item, w) < 0) {
                return EMU_EUSAGE;
            }
            p += n + (p[n] == ',');
        }
        w->on = true;
    }
    return 0;
}

/* ---- the modified task definition -------------------------------------------------------- */

static void set_number(cJSON *o, const char *key, double v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    (void)cJSON_AddNumberToObject(o, key, v);
}

static bool is_awsfirelens(const cJSON *c)
{
    const cJSON *lc = cJSON_GetObjectItemCaseSensitive(c, "logConfiguration");
    const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(lc, "logDriver"));
    return d && strcmp(d, "awsfirelens") == 0;
}

static int apply(const struct emu_cli_whatif *w, cJSON *root, char *why, size_t why_len)
{
    cJSON *defs = cJSON_GetObjectItemCaseSensitive(root, "containerDefinitions");
    cJSON *c;
    size_t routers = 0, apps = 0;
    cJSON_ArrayForEach(c, defs)
    {
        if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "firelensConfiguration"))) {
            routers++;
            if (w->router_memory > 0) {
                set_number(c, "memoryReservation", (double)w->router_memory);
                const cJSON *hard = cJSON_GetObjectItemCaseSensitive(c, "memory");
                if (cJSON_IsNumber(hard) && hard->valuedouble < (double)w->router_memory) {
                    set_number(c, "memory", (double)w->router_memory);
                }
            }
        }
        if (!is_awsfirelens(c)) {
            continue;
        }
        apps++;
        if (w->app_stop_timeout >= 0) {
            set_number(c, "stopTimeout", (double)w->app_stop_timeout);
        }
        if (w->buffer_limit[0]) {
            cJSON *lc = cJSON_GetObjectItemCaseSensitive(c, "logConfiguration");
            cJSON *opts = cJSON_GetObjectItemCaseSensitive(lc, "options");
            if (!cJSON_IsObject(opts)) {
                cJSON_DeleteItemFromObjectCaseSensitive(lc, "options");
                opts = cJSON_AddObjectToObject(lc, "options");
            }
            cJSON_DeleteItemFromObjectCaseSensitive(opts, "log-driver-buffer-limit");
            if (!opts || !cJSON_AddStringToObject(opts, "log-driver-buffer-limit",
                                                  w->buffer_limit)) {
                return -ENOMEM;
            }
        }
    }
    if (routers == 0 && (w->router_memory > 0 || w->storage_fs)) {
        (void)snprintf(why, why_len, "the task definition has no FireLens log router "
                                     "(firelensConfiguration) to change");
        return -EINVAL;
    }
    if (apps == 0 && (w->buffer_limit[0] || w->app_stop_timeout >= 0)) {
        (void)snprintf(why, why_len, "the task definition has no container with logDriver "
                                     "awsfirelens to change");
        return -EINVAL;
    }
    return 0;
}

int emu_cli_whatif_taskdef(const struct emu_cli_whatif *w, const char *json, size_t len,
                           char **ret, char *why, size_t why_len)
{
    cJSON *root = NULL;
    struct emu_json_error jerr;
    *ret = NULL;
    int r = emu_json_parse(json, len, &root, &jerr);
    if (r < 0) {
        (void)snprintf(why, why_len, "the task definition it ran is not JSON: %s",
                       emu_strerror(r));
        return r;
    }
    r = apply(w, root, why, why_len);
    if (r == 0) {
        *ret = emu_json_print(root, 1);
        r = *ret ? 0 : -ENOMEM;
    }
    cJSON_Delete(root);
    return r;
}

/* ---- the what-if run ----------------------------------------------------------------------- */

int emu_cli_whatif_run(const struct emu_cli_global *g, const struct run_opts *base,
                       const char *taskdef_json, const struct emu_cli_whatif *w,
                       struct emu_audit_result *res, char task_id[33])
{
    char why[512] = "", data_dir[EMU_CLI_PATH_MAX], path[EMU_CLI_PATH_MAX + 64];
    char *json = NULL;
    task_id[0] = '\0';
    memset(res, 0, sizeof(*res));
    int r = emu_cli_data_dir(g, "run", data_dir, sizeof(data_dir));
    r = r ? r : emu_cli_whatif_taskdef(w, taskdef_json, strlen(taskdef_json), &json, why,
                                       sizeof(why));
    int n = snprintf(path, sizeof(path), "%s/tasks/.whatif-%ld.json", data_dir, (long)getpid());
    if (r == 0 && (n < 0 || (size_t)n >= sizeof(path))) {
        r = -ENAMETOOLONG;
    }
    r = r ? r : emu_file_write_atomic(path, json, strlen(json), 0600);
    emu_free(json);
    if (r < 0) {
        (void)snprintf(res->error, sizeof(res->error), "what-if %.200s: %.250s", w->text,
                       why[0] ? why : emu_strerror(r));
        return r;
    }
    /* The baseline's options, the task definition as a final JSON file, a new task ID. */
    struct run_opts o = *base;
    memset(&o.td, 0, sizeof(o.td));
    o.detach = o.wait = o.audit = false;
    o.task_id = o.task_arn = NULL;
    o.no_validate = true; /* a what-if may cross ECS's limits on purpose */
    struct run_job *job = emu_calloc(1, sizeof(*job));
    if (!job) {
        (void)unlink(path);
        return -ENOMEM;
    }
    job->file = path;
    job->no_firelens_async = w->fluentd_async == 0;
    job->router_storage_fs = w->storage_fs;
    emu_arena_init(&job->arena, 0);
    emu_docker_image_map_init(&job->image_map);
    emu_cli_iam_init(&job->iam);
    emu_cli_iam_init(&job->exec_iam);
    r = emu_cli_run_prepare(g, &o, job);
    if (r == 0) {
        (void)snprintf(task_id, 33, "%s", job->st.id);
        fprintf(stderr, "fargate-emu: what-if %s: running the task definition again as task "
                        "%s\n", w->text, job->st.id);
        job->st.supervisor_pid = (long)getpid();
        (void)emu_cli_supervise(g, &o, job, false);
        bool failed = job->st.stop_code == EMU_STOP_TASK_FAILED_TO_START;
        r = job->st.status == EMU_TASK_STOPPED && !failed
                ? emu_audit_task(job->data_dir, &job->st, res)
                : -EIO;
        if (r < 0 && !res->error[0]) {
            (void)snprintf(res->error, sizeof(res->error), "what-if task %s %s (see "
                           "`fargate-emu describe %s`)", job->st.id,
                           failed ? "failed to start" : "did not stop", job->st.id);
        }
    }
    else if (!res->error[0]) {
        (void)snprintf(res->error, sizeof(res->error), "what-if %.300s: the task could not be "
                       "prepared", w->text);
    }
    (void)unlink(path);
    emu_task_state_done(&job->st);
    emu_taskdef_free(job->td);
    emu_docker_image_map_done(&job->image_map);
    emu_cli_iam_done(&job->iam);
    emu_cli_iam_done(&job->exec_iam);
    emu_arena_done(&job->arena);
    emu_free(job);
    return r < 0 ? r : 0;
}

int emu_cli_whatif_compare(const struct emu_cli_global *g, const char *cmd,
                           const struct run_opts *base_opts, const char *taskdef_json,
                           const struct emu_cli_whatif *w, const struct emu_audit_result *base)
{
    struct emu_audit_result *alt = emu_calloc(1, sizeof(*alt));
    char id[33];
    if (!alt) {
        return EMU_EXIT_FAILURE;
    }
    fflush(stdout);
    int r = emu_cli_whatif_run(g, base_opts, taskdef_json, w, alt, id);
    if (r < 0) {
        fprintf(stderr, "fargate-emu %s: %s\n", cmd, alt->error[0] ? alt->error
                                                                   : emu_strerror(r));
    }
    else {
        emu_cli_whatif_print(w, base, alt, g->json, stdout);
    }
    emu_audit_result_done(alt);
    emu_free(alt);
    return r < 0 ? EMU_EXIT_FAILURE : EMU_EXIT_OK;
}

int emu_cli_whatif_after_run(const struct emu_cli_global *g, const struct run_opts *opts,
                             const struct run_job *job, const struct emu_cli_whatif *w,
                             double max_loss)
{
    struct emu_audit_result *res = emu_calloc(1, sizeof(*res));
    if (!res) {
        return EMU_EXIT_FAILURE;
    }
    int code = EMU_EXIT_FAILURE;
    int r = emu_audit_task(job->data_dir, &job->st, res);
    if (r < 0) {
        fprintf(stderr, "fargate-emu run: %s\n", res->error[0] ? res->error : emu_strerror(r));
    }
    else if (!job->taskdef_json) {
        fprintf(stderr, "fargate-emu run: --what-if: the task definition it ran was not kept\n");
    }
    else {
        if (!g->json) {
            emu_audit_print(res, stdout);
        }
        code = emu_cli_audit_gate("run", res, max_loss);
        int wc = emu_cli_whatif_compare(g, "run", opts, job->taskdef_json, w, res);
        code = code == EMU_EXIT_OK ? wc : code;
    }
    emu_audit_result_done(res);
    emu_free(res);
    return code;
}
