/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu help [COMMAND] [--json]` and `fargate-emu version`, generated from the tables;
 * `help --json` is what docs/gen/ reads. */
#include <stdio.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/cli/commands.h"

#define HELP_JSON_MAX (4u << 20)

int emu_cli_show_help(const struct emu_cli_command *cmd, bool json)
{
    if (!json) {
        emu_cli_print_help(cmd, stdout);
        return EMU_EXIT_OK;
    }
    struct emu_buf out;
    emu_buf_init(&out, HELP_JSON_MAX);
    int r = emu_cli_help_json(cmd, &out);
    if (r == 0) {
        fwrite(out.data, 1, out.len, stdout);
    }
    else {
        fprintf(stderr, "fargate-emu help: cannot build the JSON schema: %s\n", emu_strerror(r));
    }
    emu_buf_done(&out);
    return r == 0 ? EMU_EXIT_OK : EMU_EXIT_FAILURE;
}

static const struct emu_cli_option no_options[] = {{NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR}};

static int exec_help(const struct emu_cli_global *g, void *opts, int argc, char **argv)
{
    (void)opts;
    if (argc > 1) {
        fprintf(stderr, "fargate-emu help: expected at most one command (usage: fargate-emu help "
                        "%s)\n", emu_cmd_help.usage);
        return EMU_EXIT_USAGE;
    }
    const struct emu_cli_command *cmd = argc ? emu_cli_find_command(argv[0]) : NULL;
    if (argc && !cmd) {
        fprintf(stderr, "fargate-emu help: unknown command '%s' (try 'fargate-emu help')\n",
                argv[0]);
        return EMU_EXIT_USAGE;
    }
    return emu_cli_show_help(cmd, g->json);
}

static int exec_version(const struct emu_cli_global *g, void *opts, int argc, char **argv)
{
    (void)opts;
    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "fargate-emu version: takes no arguments\n");
        return EMU_EXIT_USAGE;
    }
    if (g->json) {
        printf("{\n  \"program\": \"fargate-emu\",\n  \"version\": \"%s\"\n}\n", EMU_VERSION);
    }
    else {
        printf("fargate-emu %s\n", EMU_VERSION);
    }
    return EMU_EXIT_OK;
}

static const struct emu_cli_example help_examples[] = {
    {"fargate-emu help run", "Show the options of `run`, as `fargate-emu run --help` does."},
    {"fargate-emu help --json", "Print every command, option and exit code as JSON (the input "
                                "of docs/gen/gen.sh)."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_help = {
    .name = "help",
    .summary = "Show help for fargate-emu or one of its commands.",
    .usage = "[--json] [COMMAND]",
    .description = "Prints the usage, options, examples and exit codes of COMMAND, or the list "
                   "of commands. With --json it prints the same tables as a JSON schema: each "
                   "command's name, summary, usage, description, options (name, metavar, kind "
                   "flag, value or list, choices, help, and group global, taskdef or command), "
                   "exit codes and examples. The reference pages in docs/cli/, the man page and "
                   "the shell completions are generated from that output.",
    .examples = help_examples,
    .options = no_options,
    .opts_size = 0,
    .exec = exec_help,
};

const struct emu_cli_command emu_cmd_version = {
    .name = "version",
    .summary = "Print the version.",
    .usage = "[--json]",
    .description = "Prints `fargate-emu VERSION`, or with --json {\"program\": \"fargate-emu\", "
                   "\"version\": \"VERSION\"}.",
    .options = no_options,
    .opts_size = 0,
    .exec = exec_version,
};
