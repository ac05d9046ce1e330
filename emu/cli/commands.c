/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommand table: adding a command is one cmd_*.c file plus one line here. */
#include <stddef.h>

#include "emu/cli/commands.h"

const struct emu_cli_command *const emu_cli_commands[] = {
    &emu_cmd_validate,
    &emu_cmd_render,
    &emu_cmd_run,
    &emu_cmd_ps,
    &emu_cmd_describe,
    &emu_cmd_stop,
    &emu_cmd_resume,
    &emu_cmd_wait,
    &emu_cmd_logs,
    &emu_cmd_audit,
    &emu_cmd_serve,
    &emu_cmd_fault,
    &emu_cmd_help,
    &emu_cmd_version,
    NULL,
};
