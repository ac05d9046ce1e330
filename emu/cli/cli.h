/* SPDX-License-Identifier: Apache-2.0 */
/* The fargate-emu command line: option and command tables (declared once; parsing and help
 * are generated from them), the global flags every command shares, and helpers the command
 * files use to load a task definition and report diagnostics. */
#ifndef EMU_CLI_CLI_H
#define EMU_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "emu/base/diag.h"
#include "emu/model/model.h"

/* Exit codes shared by every command. */
enum {
    EMU_EXIT_OK = 0,
    EMU_EXIT_FAILURE = 1, /* invalid task definition, failed run */
    EMU_EXIT_USAGE = 2,   /* bad flags, unreadable or malformed input */
};

/* Flags that mean the same on every command (DESIGN.md, "The command surface"). */
struct emu_cli_global {
    const char *data_dir;
    const char *docker_host;
    const char *log_level;
    const char *region;
    const char *cluster;
    bool json;
    bool help;
};

/* Task-level values for a bare containerDefinitions array; embedded FIRST in the options
 * struct of every command that reads a task definition. */
struct emu_cli_taskdef_opts {
    struct emu_taskdef_overrides overrides;
};

enum emu_cli_opt_group {
    EMU_OPT_GLOBAL = 0, /* field of struct emu_cli_global */
    EMU_OPT_TASKDEF,    /* field of struct emu_cli_taskdef_opts (at offset 0 of the cmd opts) */
    EMU_OPT_COMMAND,    /* field of the command's own options struct */
};

struct emu_cli_option {
    const char *name;    /* long name without dashes */
    const char *metavar; /* NULL: a boolean flag; else the value's name in help */
    enum emu_cli_opt_group group;
    size_t offset;       /* of a `const char *` (value) or `bool` (flag) */
    const char *choices; /* "a|b|c" to restrict values, or NULL */
    const char *help;
};

struct emu_cli_command {
    const char *name;
    const char *summary;
    const char *usage; /* after "fargate-emu <name> " */
    const struct emu_cli_option *options; /* terminated by a {NULL} entry */
    size_t opts_size;                     /* sizeof the command's options struct */
    bool reads_taskdef;                   /* accepts the EMU_OPT_TASKDEF options */
    int (*exec)(const struct emu_cli_global *g, void *opts, int argc, char **argv);
};

/* The command table (commands.c) and the option tables shared by all commands. */
extern const struct emu_cli_command *const emu_cli_commands[];
extern const struct emu_cli_option emu_cli_global_options[];
extern const struct emu_cli_option emu_cli_taskdef_options[];

/* Finds a command by name; NULL if unknown. */
const struct emu_cli_command *emu_cli_find_command(const char *name);

/* Parses argv (after the command name) into g and opts; positionals are compacted to the
 * front of argv and counted in *ret_argc. Errors are printed; returns 0 or EMU_EUSAGE. */
int emu_cli_parse(const struct emu_cli_command *cmd, int argc, char **argv,
                  struct emu_cli_global *g, void *opts, int *ret_argc);

/* Prints the generated help of a command (or of the whole program when cmd is NULL). */
void emu_cli_print_help(const struct emu_cli_command *cmd, FILE *out);

/* Entry point used by main(): dispatches argv[1]. Returns the process exit code. */
int emu_cli_main(int argc, char **argv);

/* Reads and parses a task definition file ("-" = stdin); prints nothing. Returns 0 (with
 * *ret set; diags may hold errors), or a negative code with diags explaining it. */
int emu_cli_load_taskdef(const char *path, const struct emu_taskdef_overrides *overrides,
                         struct emu_taskdef **ret, struct emu_diags *diags);

/* Prints diagnostics as `<file>: error: <where>: <message>` lines on stderr (or, with json,
 * as a JSON array on stdout) and, when summary is set, a `<file>: N errors, M warnings`
 * line on stderr. */
void emu_cli_print_diags(const char *file, const struct emu_diags *diags, bool json,
                         bool summary);

#endif
