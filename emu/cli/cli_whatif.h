/* SPDX-License-Identifier: Apache-2.0 */
/* `--what-if KEY=VALUE` of `run --audit` and `audit`: rerun a task definition with one setting
 * changed (a modified copy; the baseline keeps ECS's own options) and compare the two audits. */
#ifndef EMU_CLI_CLI_WHATIF_H
#define EMU_CLI_CLI_WHATIF_H

#include <stdbool.h>
#include <stdio.h>

#include "emu/audit/audit.h"
#include "emu/cli/cli.h"
#include "emu/cli/cli_run.h"

/* The settings a what-if changes (each unchanged unless given). */
struct emu_cli_whatif {
    bool on;                /* at least one --what-if */
    long router_memory;     /* router-memory=MiB: its memoryReservation (and memory if lower) */
    char buffer_limit[32];  /* log-driver-buffer-limit=N on every awsfirelens container */
    long app_stop_timeout;  /* app-stop-timeout=S: stopTimeout of every awsfirelens container */
    int fluentd_async;      /* fluentd-async=true|false (the agent's ECS_ENABLE_FIRELENS_ASYNC) */
    bool storage_fs;        /* storage.type=filesystem on the router's forward input */
    char text[512];         /* "router-memory=512, fluentd-async=false" */
};

/* Parses the --what-if values of cmd (none: w->on false). 0 or EMU_EUSAGE with a message. */
int emu_cli_whatif_parse(const char *cmd, const struct emu_cli_list *list,
                         struct emu_cli_whatif *w);

/* The task definition JSON (RegisterTaskDefinition form) with w's task-definition settings
 * applied: *ret is emu_malloc'd pretty JSON. 0, or a negative code with why set. */
int emu_cli_whatif_taskdef(const struct emu_cli_whatif *w, const char *json, size_t len,
                           char **ret, char *why, size_t why_len);

/* Runs the what-if of taskdef_json (the baseline's final task definition) in the foreground
 * with base's options (the task-definition source options dropped: the JSON is final), audits
 * it into res and its task ID into task_id. Returns the run's exit code; res->error says why
 * when nothing could be audited. */
int emu_cli_whatif_run(const struct emu_cli_global *g, const struct run_opts *base,
                       const char *taskdef_json, const struct emu_cli_whatif *w,
                       struct emu_audit_result *res, char task_id[33]);

/* Prints the two audits side by side (text) or one JSON document {settings, baseline,
 * whatIf, change}. */
void emu_cli_whatif_print(const struct emu_cli_whatif *w, const struct emu_audit_result *base,
                          const struct emu_audit_result *alt, bool json, FILE *f);

/* run --audit --what-if / audit --what-if: runs the what-if and prints the comparison with
 * the baseline audit base. Returns EMU_EXIT_OK or EMU_EXIT_FAILURE (the what-if could not run
 * or be audited). */
int emu_cli_whatif_compare(const struct emu_cli_global *g, const char *cmd,
                           const struct run_opts *base_opts, const char *taskdef_json,
                           const struct emu_cli_whatif *w, const struct emu_audit_result *base);

/* run --audit --what-if, once the baseline task stopped: its audit (printed in full unless
 * json), then the what-if and the comparison. Exit code: the baseline's against max_loss,
 * else EMU_EXIT_FAILURE when the what-if could not run. */
int emu_cli_whatif_after_run(const struct emu_cli_global *g, const struct run_opts *opts,
                             const struct run_job *job, const struct emu_cli_whatif *w,
                             double max_loss);

#endif
