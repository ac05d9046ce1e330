/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu wait TASK`: blocks until the task is STOPPED, prints the exit code of its first
 * essential container to stop and exits with it (1 when none ran to an exit code). */
#include <stdio.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"

/* With --json: {"taskArn", "exitCode", "stopCode", "stoppedReason"} of the stopped task. */
static void print_json(const struct emu_task_state *st, int code)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root && cJSON_AddStringToObject(root, "taskArn", st->arn);
    ok = ok && cJSON_AddNumberToObject(root, "exitCode", st->has_exit_code ? st->exit_code : code);
    const char *stop_code = emu_stop_code_to_string(st->stop_code);
    ok = ok && (stop_code ? cJSON_AddStringToObject(root, "stopCode", stop_code)
                          : cJSON_AddNullToObject(root, "stopCode"));
    ok = ok && cJSON_AddStringToObject(root, "stoppedReason", st->stopped_reason);
    struct emu_buf out;
    emu_buf_init(&out, 64 * 1024);
    if (ok && emu_json_write_pretty(root, &out) == 0) {
        fwrite(out.data, 1, out.len, stdout);
    }
    else {
        fprintf(stderr, "fargate-emu wait: out of memory\n");
    }
    emu_buf_done(&out);
    cJSON_Delete(root);
}

static int exec_wait(const struct emu_cli_global *g, void *opts, int argc, char **argv)
{
    (void)opts;
    if (argc != 1) {
        fprintf(stderr, "fargate-emu wait: expected one task ID (usage: fargate-emu wait %s)\n",
                emu_cmd_wait.usage);
        return EMU_EXIT_USAGE;
    }
    char data_dir[EMU_CLI_PATH_MAX];
    if (emu_cli_data_dir(g, "wait", data_dir, sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    struct emu_task_state st;
    int r = emu_cli_task_load(data_dir, "wait", argv[0], &st);
    if (r < 0) {
        return emu_cli_task_load_exit(r);
    }
    char id[33];
    (void)snprintf(id, sizeof(id), "%s", st.id);
    for (;;) {
        if (st.status == EMU_TASK_STOPPED) {
            int code = emu_cli_task_exit_code(&st);
            if (g->json) {
                print_json(&st, code);
            }
            else {
                printf("%d\n", st.has_exit_code ? st.exit_code : code);
            }
            emu_task_state_done(&st);
            return code;
        }
        if (!emu_store_supervisor_alive(&st)) {
            fprintf(stderr, "fargate-emu wait: task %s lost its supervisor while %s; "
                            "`fargate-emu stop %s` cleans it up\n", id,
                    emu_task_status_to_string(st.status), id);
            emu_task_state_done(&st);
            return EMU_EXIT_FAILURE;
        }
        emu_task_state_done(&st);
        emu_cli_sleep_ms(100);
        if (emu_store_load(data_dir, id, &st) < 0) {
            fprintf(stderr, "fargate-emu wait: task %s disappeared\n", id);
            return EMU_EXIT_FAILURE;
        }
    }
}

static const struct emu_cli_exit wait_exits[] = {
    {EMU_EXIT_OTHER, "the exit code of the first essential container to stop (0 when it "
                     "succeeded)"},
    {EMU_EXIT_FAILURE, "also: the task stopped before any essential container ran to an exit "
                       "code, it failed to start (stopCode TaskFailedToStart), or its "
                       "supervisor died"},
    {EMU_EXIT_USAGE, "also: usage error, or no task (or more than one) matches TASK"},
    {0, NULL},
};

static const struct emu_cli_example wait_examples[] = {
    {"fargate-emu wait 0123abcd", "Block until the task stops; print and exit with its exit "
                                  "code."},
    {"fargate-emu wait --json 0123abcd", "Print {\"taskArn\", \"exitCode\", \"stopCode\", "
                                         "\"stoppedReason\"} when it stops."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_wait = {
    .name = "wait",
    .summary = "Wait until a task stops; print and exit with its first essential container's "
               "exit code.",
    .usage = "[--json] [--data-dir DIR] TASK",
    .description = "Polls the task's state until it is STOPPED, like `docker wait`. The exit "
                   "code printed and returned is the one ECS reports for the task: that of the "
                   "first essential container to stop.",
    .options = NULL,
    .exit_codes = wait_exits,
    .examples = wait_examples,
    .opts_size = 0,
    .reads_taskdef = false,
    .exec = exec_wait,
};
