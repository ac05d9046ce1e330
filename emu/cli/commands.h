/* SPDX-License-Identifier: Apache-2.0 */
/* Declarations of the subcommands, one per cmd_*.c file, gathered in commands.c's table. */
#ifndef EMU_CLI_COMMANDS_H
#define EMU_CLI_COMMANDS_H

#include "emu/cli/cli.h"

extern const struct emu_cli_command emu_cmd_validate;
extern const struct emu_cli_command emu_cmd_render;
extern const struct emu_cli_command emu_cmd_run;
extern const struct emu_cli_command emu_cmd_ps;
extern const struct emu_cli_command emu_cmd_describe;
extern const struct emu_cli_command emu_cmd_audit;
extern const struct emu_cli_command emu_cmd_stop;
extern const struct emu_cli_command emu_cmd_resume;
extern const struct emu_cli_command emu_cmd_wait;
extern const struct emu_cli_command emu_cmd_logs;
extern const struct emu_cli_command emu_cmd_serve;
extern const struct emu_cli_command emu_cmd_fault;
extern const struct emu_cli_command emu_cmd_help;
extern const struct emu_cli_command emu_cmd_version;

/* Launch type from --launch-type, else from requiresCompatibilities (EC2 only -> EC2), else
 * FARGATE. */
enum emu_launch_type emu_cli_pick_launch_type(const char *flag, const struct emu_taskdef *td);

/* Prints the help of cmd (NULL: the program), as text or as the JSON schema. Returns the exit
 * code: EMU_EXIT_OK, or EMU_EXIT_FAILURE when the schema could not be built (out of memory). */
int emu_cli_show_help(const struct emu_cli_command *cmd, bool json);

#endif
