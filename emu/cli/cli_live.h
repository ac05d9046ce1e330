/* SPDX-License-Identifier: Apache-2.0 */
/* The live view of `run`: a compact table redrawn in place on a TTY, one line per task or
 * container transition otherwise. */
#ifndef EMU_CLI_CLI_LIVE_H
#define EMU_CLI_CLI_LIVE_H

#include <stdbool.h>
#include <stdio.h>

#include "emu/runtime/runtime.h"

struct emu_cli_live {
    FILE *out;
    bool tty;
    int lines_drawn;
    bool started;
    enum emu_task_status task;
    enum emu_ctr_status ctr[EMU_TASK_MAX_CONTAINERS];
    enum emu_health health[EMU_TASK_MAX_CONTAINERS];
};

void emu_cli_live_init(struct emu_cli_live *l, FILE *out, bool tty);

/* Shows what changed since the last call. */
void emu_cli_live_update(struct emu_cli_live *l, const struct emu_task_state *st);

/* Prints the stopped task's reason and each container's exit code and reason. */
void emu_cli_print_stopped(FILE *out, const struct emu_task_state *st);

/* Prints the task as `describe --json` shapes it, pretty, on out: with as_array
 * {"tasks": [TASK], "failures": []} (DescribeTasks, RunTask), else {"task": TASK} (StopTask).
 * 0, or -ENOMEM (said on stderr with cmd). */
int emu_cli_print_task_json(FILE *out, const char *cmd, const struct emu_task_state *st,
                            bool as_array);

#endif
