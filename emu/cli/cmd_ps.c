/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu ps`: lists the tasks of the data dir (running ones, or all with --all) from
 * their state files, as a table or, with --json, as DescribeTasks-shaped objects. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"

struct ps_opts {
    bool all;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct ps_opts, field)

static const struct emu_cli_option ps_options[] = {
    {"all", NULL, OPT(all), NULL, "also list stopped tasks", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

static void age(int64_t ms, char out[24])
{
    int64_t s = (emu_now_ms() - ms) / 1000;
    if (ms <= 0) {
        (void)snprintf(out, 24, "-");
    }
    else if (s < 120) {
        (void)snprintf(out, 24, "%llds ago", (long long)s);
    }
    else if (s < 7200) {
        (void)snprintf(out, 24, "%lldm ago", (long long)(s / 60));
    }
    else {
        (void)snprintf(out, 24, "%lldh ago", (long long)(s / 3600));
    }
}

static void print_row(const struct emu_task_state *st)
{
    size_t running = 0;
    char ports[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < st->n_containers; i++) {
        const struct emu_ctr_state *c = &st->containers[i];
        running += c->status == EMU_CTR_RUNNING;
        if (c->ports[0] && st->status < EMU_TASK_STOPPED) {
            int n = snprintf(ports + len, sizeof(ports) - len, "%s%s", len ? ", " : "", c->ports);
            len = n > 0 && (size_t)n < sizeof(ports) - len ? len + (size_t)n : len;
        }
    }
    char created[24], fam[300], status[40];
    age(st->created_ms, created);
    (void)snprintf(fam, sizeof(fam), "%s:%ld", st->family, st->revision);
    bool orphan = st->status != EMU_TASK_STOPPED && st->supervisor_pid > 0 &&
                  !emu_store_supervisor_alive(st);
    (void)snprintf(status, sizeof(status), "%s%s", emu_task_status_to_string(st->status),
                   orphan ? "(lost)" : "");
    printf("%-32s  %-24.24s  %-16s  %-8s  %3zu/%-3zu  %-10s  %s\n", st->id, fam, status,
           emu_task_status_to_string(st->desired), running, st->n_containers, created, ports);
}

static int exec_ps(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    struct ps_opts *opts = optsp;
    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "fargate-emu ps: takes no arguments (usage: fargate-emu ps %s)\n",
                emu_cmd_ps.usage);
        return EMU_EXIT_USAGE;
    }
    char data_dir[EMU_CLI_PATH_MAX];
    if (emu_cli_data_dir(g, "ps", data_dir, sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    char (*ids)[33] = NULL;
    size_t n = 0;
    int r = emu_store_list(data_dir, &ids, &n);
    if (r < 0) {
        fprintf(stderr, "fargate-emu ps: cannot list %s/tasks: %s\n", data_dir, emu_strerror(r));
        return EMU_EXIT_FAILURE;
    }
    cJSON *root = g->json ? cJSON_CreateObject() : NULL;
    cJSON *tasks = root ? cJSON_AddArrayToObject(root, "tasks") : NULL;
    if (!g->json) {
        printf("%-32s  %-24s  %-16s  %-8s  %-7s  %-10s  %s\n", "TASK ID", "TASK DEFINITION",
               "STATUS", "DESIRED", "RUNNING", "CREATED", "PORTS");
    }
    for (size_t i = 0; i < n; i++) {
        struct emu_task_state st;
        if (emu_store_load(data_dir, ids[i], &st) < 0) {
            continue;
        }
        if (opts->all || st.status != EMU_TASK_STOPPED) {
            if (tasks) {
                cJSON *t = emu_store_describe_json(&st);
                if (t) {
                    (void)cJSON_AddItemToArray(tasks, t);
                }
            }
            else if (!g->json) {
                print_row(&st);
            }
        }
        emu_task_state_done(&st);
    }
    emu_free(ids);
    if (root) {
        struct emu_buf out;
        emu_buf_init(&out, EMU_JSON_MAX_INPUT);
        if (emu_json_write_pretty(root, &out) == 0) {
            fwrite(out.data, 1, out.len, stdout);
        }
        emu_buf_done(&out);
        cJSON_Delete(root);
    }
    return EMU_EXIT_OK;
}

static const struct emu_cli_exit ps_exits[] = {
    {EMU_EXIT_OK, "listed (possibly no task)"},
    {EMU_EXIT_FAILURE, "the data dir's task list could not be read"},
    {EMU_EXIT_USAGE, "usage error, or an unusable data dir"},
    {0, NULL},
};

static const struct emu_cli_example ps_examples[] = {
    {"fargate-emu ps", "List the running tasks."},
    {"fargate-emu ps --all --json", "List every task, stopped ones too, as DescribeTasks-shaped "
                                    "JSON."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_ps = {
    .name = "ps",
    .summary = "List the tasks of the data dir (running ones; --all adds stopped ones).",
    .usage = "[--all] [--json] [--data-dir DIR]",
    .description = "Prints one line per task: ID, family and revision, last and desired status "
                   "(a task whose supervisor died shows as `(lost)`), running containers, age "
                   "and published ports. With --json, prints {\"tasks\": [...]} with each task "
                   "shaped like an element of ECS DescribeTasks output.",
    .options = ps_options,
    .exit_codes = ps_exits,
    .examples = ps_examples,
    .opts_size = sizeof(struct ps_opts),
    .reads_taskdef = false,
    .exec = exec_ps,
};
