/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu help [COMMAND]` and `fargate-emu version`, generated from the tables. */
#include <stdio.h>

#include "emu/cli/commands.h"

static const struct emu_cli_option no_options[] = {{NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR}};

static int exec_help(const struct emu_cli_global *g, void *opts, int argc, char **argv)
{
    if (argc == 0) {
        emu_cli_print_help(NULL, stdout);
        return EMU_EXIT_OK;
    }
    const struct emu_cli_command *cmd = emu_cli_find_command(argv[0]);
    if (!cmd) {
        fprintf(stderr, "fargate-emu help: unknown command '%s'\n", argv[0]);
        return EMU_EXIT_USAGE;
    }
    emu_cli_print_help(cmd, stdout);
    return EMU_EXIT_OK;
}

static int exec_version(const struct emu_cli_global *g, void *opts, int argc, char **argv)
{
    printf("fargate-emu %s\n", EMU_VERSION);
    return EMU_EXIT_OK;
}

const struct emu_cli_command emu_cmd_help = {
    .name = "help",
    .summary = "Show help for fargate-emu or one of its commands.",
    .usage = "[COMMAND]",
    .options = no_options,
    .opts_size = 0,
    .exec = exec_help,
};

const struct emu_cli_command emu_cmd_version = {
    .name = "version",
    .summary = "Print the version.",
    .usage = "",
    .options = no_options,
    .opts_size = 0,
    .exec = exec_version,
};
