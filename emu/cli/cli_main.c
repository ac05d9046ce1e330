/* SPDX-License-Identifier: Apache-2.0 */
/* Dispatch of `fargate-emu COMMAND ...`: global setup, option parsing, exit codes. */
#include <stdio.h>
#include <string.h>

#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/cli/cli.h"
#include "emu/cli/commands.h"

int emu_cli_main(int argc, char **argv)
{
    emu_log_set_program("fargate-emu");
    emu_json_init();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        emu_cli_print_help(NULL, argc < 2 ? stderr : stdout);
        return argc < 2 ? EMU_EXIT_USAGE : EMU_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("fargate-emu %s\n", EMU_VERSION);
        return EMU_EXIT_OK;
    }
    const struct emu_cli_command *cmd = emu_cli_find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "fargate-emu: unknown command '%s' (try 'fargate-emu help')\n", argv[1]);
        return EMU_EXIT_USAGE;
    }
    struct emu_cli_global g = {0};
    void *opts = cmd->opts_size ? emu_calloc(1, cmd->opts_size) : NULL;
    if (cmd->opts_size && !opts) {
        fprintf(stderr, "fargate-emu: out of memory\n");
        return EMU_EXIT_FAILURE;
    }
    int nargs = 0;
    int code;
    if (emu_cli_parse(cmd, argc - 2, argv + 2, &g, opts, &nargs) < 0) {
        code = EMU_EXIT_USAGE;
    }
    else if (g.help) {
        code = emu_cli_show_help(cmd, g.json);
    }
    else {
        if (g.log_level) {
            emu_log_set_level(emu_log_level_from_string(g.log_level));
        }
        code = cmd->exec(&g, opts, nargs, argv + 2);
    }
    emu_free(opts);
    return code;
}
