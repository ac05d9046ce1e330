/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu describe TASK`: one task from its state file, shaped like ECS DescribeTasks
 * output ({"tasks": [...], "failures": []}) with --json, or as a short text summary. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/cli/cli_live.h"
#include "emu/cli/cli_tasks.h"
#include "emu/cli/commands.h"

static void print_text(const struct emu_task_state *st)
{
    printf("taskArn:           %s\n", st->arn);
    printf("taskDefinitionArn: %s\n", st->taskdef_arn);
    printf("lastStatus:        %s\n", emu_task_status_to_string(st->status));
    printf("desiredStatus:     %s\n", emu_task_status_to_string(st->desired));
    if (st->stop_code) {
        printf("stopCode:          %s\n", emu_stop_code_to_string(st->stop_code));
    }
    if (st->stopped_reason[0]) {
        printf("stoppedReason:     %s\n", st->stopped_reason);
    }
    printf("containers:\n");
    for (size_t i = 0; i < st->n_containers; i++) {
        const struct emu_ctr_state *c = &st->containers[i];
        printf("  %s: %s", c->name, emu_ctr_status_to_string(c->status));
        if (c->has_health_check) {
            printf(", %s", emu_health_to_string(c->health));
        }
        if (c->has_exit_code) {
            printf(", exit code %d", c->exit_code);
        }
        if (c->ports[0]) {
            printf(", %s", c->ports);
        }
        if (c->reason[0]) {
            printf(", reason: %s", c->reason);
        }
        printf("\n");
    }
}

static int exec_describe(const struct emu_cli_global *g, void *opts, int argc, char **argv)
{
    (void)opts;
    if (argc != 1) {
        fprintf(stderr, "fargate-emu describe: expected one task ID (usage: fargate-emu "
                        "describe %s)\n", emu_cmd_describe.usage);
        return EMU_EXIT_USAGE;
    }
    char data_dir[EMU_CLI_PATH_MAX];
    if (emu_cli_data_dir(g, "describe", data_dir, sizeof(data_dir)) < 0) {
        return EMU_EXIT_USAGE;
    }
    struct emu_task_state st;
    int r = emu_cli_task_load(data_dir, "describe", argv[0], &st);
    if (r < 0) {
        return emu_cli_task_load_exit(r);
    }
    int code = EMU_EXIT_OK;
    if (g->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON *tasks = root ? cJSON_AddArrayToObject(root, "tasks") : NULL;
        cJSON *t = tasks ? emu_store_describe_json(&st) : NULL;
        struct emu_buf out;
        emu_buf_init(&out, EMU_JSON_MAX_INPUT);
        if (t && cJSON_AddItemToArray(tasks, t) && cJSON_AddArrayToObject(root, "failures") &&
            emu_json_write_pretty(root, &out) == 0) {
            fwrite(out.data, 1, out.len, stdout);
        }
        else {
            fprintf(stderr, "fargate-emu describe: out of memory\n");
            code = EMU_EXIT_FAILURE;
        }
        emu_buf_done(&out);
        cJSON_Delete(root);
    }
    else {
        print_text(&st);
    }
    emu_task_state_done(&st);
    return code;
}

static const struct emu_cli_exit describe_exits[] = {
    {EMU_EXIT_OK, "described"},
    {EMU_EXIT_FAILURE, "the task's state could not be read or printed"},
    {EMU_EXIT_USAGE, "usage error, or no task (or more than one) matches TASK"},
    {0, NULL},
};

static const struct emu_cli_example describe_examples[] = {
    {"fargate-emu describe 0123abcd", "Summarise the task whose ID starts with 0123abcd."},
    {"fargate-emu describe --json 0123abcd",
     "Print it as ECS DescribeTasks output ({\"tasks\": [...], \"failures\": []})."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_describe = {
    .name = "describe",
    .summary = "Show one task (ID, ID prefix or ARN), shaped like ECS DescribeTasks output "
               "with --json.",
    .usage = "[--json] [--data-dir DIR] TASK",
    .description = "Reads the task's state file and prints its ARN, task definition, last and "
                   "desired status, stop code and reason, and each container's status, health, "
                   "exit code, ports and reason. TASK is a task ID, a unique prefix of one, or a "
                   "task ARN.",
    .options = NULL,
    .exit_codes = describe_exits,
    .examples = describe_examples,
    .opts_size = 0,
    .reads_taskdef = false,
    .exec = exec_describe,
};
