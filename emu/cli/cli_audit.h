/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by cmd_audit.c and cmd_run.c (`run --audit`): audit a stopped task and print it. */
#ifndef EMU_CLI_CLI_AUDIT_H
#define EMU_CLI_CLI_AUDIT_H

#include <stdbool.h>

#include "emu/runtime/runtime.h"

/* Parses --max-loss PCT (0..100). 0 or EMU_EUSAGE with a message naming cmd. */
int emu_cli_max_loss(const char *cmd, const char *text, double *ret);

struct emu_audit_result;
/* EMU_EXIT_FAILURE (saying so on stderr) when res lost more than max_loss percent. */
int emu_cli_audit_gate(const char *cmd, const struct emu_audit_result *res, double max_loss);

/* Audits task st and prints the report (JSON with json) on stdout. Returns EMU_EXIT_OK,
 * EMU_EXIT_FAILURE when the loss exceeds max_loss percent or the audit could not run. */
int emu_cli_audit_report(const char *cmd, const char *data_dir, const struct emu_task_state *st,
                         bool json, double max_loss);

struct emu_cli_global;
/* audit --follow (cli_audit_follow.c): the live audit of task id every interval_ms until it
 * stops, then the final audit and its exit code as emu_cli_audit_report. */
int emu_cli_audit_follow(const struct emu_cli_global *g, const char *data_dir, const char *id,
                         long interval_ms, double max_loss);

#endif
