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

/* The values of a repeatable option (EMU_OPT_LIST), in command-line order. */
#define EMU_CLI_LIST_MAX 256
struct emu_cli_list {
    const char *items[EMU_CLI_LIST_MAX];
    size_t n;
};

/* Where the task definition comes from and its task-level values; embedded FIRST in the options
 * struct of every command that reads a task definition. */
struct emu_cli_taskdef_opts {
    struct emu_taskdef_overrides overrides; /* task-level values (bare array, template, plan) */
    const char *tftpl;                       /* --tftpl: a Terraform template to render */
    struct emu_cli_list vars;                /* --var NAME=VALUE (strings) */
    struct emu_cli_list var_json;            /* --var-json NAME=JSON */
    const char *var_file;                    /* --var-file FILE.tfvars.json */
    const char *tf_plan;                     /* --tf-plan: `terraform show -json` output */
    const char *resource;                    /* --resource ADDRESS in the plan */
};

enum emu_cli_opt_group {
    EMU_OPT_GLOBAL = 0, /* field of struct emu_cli_global */
    EMU_OPT_TASKDEF,    /* field of struct emu_cli_taskdef_opts (at offset 0 of the cmd opts) */
    EMU_OPT_COMMAND,    /* field of the command's own options struct */
};

enum emu_cli_opt_kind {
    EMU_OPT_SCALAR = 0, /* a flag (metavar NULL, a `bool`) or one value (a `const char *`; a
                         * later occurrence replaces an earlier one) */
    EMU_OPT_LIST,       /* repeatable: every value kept in order (a struct emu_cli_list) */
};

struct emu_cli_option {
    const char *name;    /* long name without dashes */
    const char *metavar; /* NULL: a boolean flag; else the value's name in help */
    enum emu_cli_opt_group group;
    size_t offset;       /* of the `bool`, `const char *` or `struct emu_cli_list` */
    const char *choices; /* "a|b|c" to restrict values, or NULL */
    const char *help;
    enum emu_cli_opt_kind kind;
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

/* Checks the task-definition source of a command: exactly one of a TASKDEF positional,
 * --tftpl or --tf-plan, and --var/--var-file only with --tftpl. Prints the usage error and
 * returns EMU_EUSAGE, or returns 0 with *ret_label set to the file named in messages. */
int emu_cli_taskdef_source(const char *cmd, const struct emu_cli_taskdef_opts *o, int argc,
                           char **argv, const char **ret_label);

/* What a task-definition source produced, beside the parsed model: the JSON that was parsed
 * (the file, the rendered template, the plan's container_definitions), the task-level values
 * in force, and the plan's IAM policies. Free with emu_cli_source_done. */
struct emu_tf_taskdef;
struct emu_cli_source {
    char *json; /* the task-definition JSON (heap) */
    size_t len;
    struct emu_taskdef_overrides overrides;
    struct emu_tf_taskdef *plan; /* --tf-plan only */
};
void emu_cli_source_done(struct emu_cli_source *src);

/* Loads the task definition from whichever source o names (label from emu_cli_taskdef_source)
 * and parses it; prints nothing. A template error lands in diags with where = "LINE:COL".
 * src may be NULL. Returns like emu_cli_load_taskdef. */
int emu_cli_load_taskdef_opts(const struct emu_cli_taskdef_opts *o, const char *label,
                              struct emu_taskdef **ret, struct emu_cli_source *src,
                              struct emu_diags *diags);

/* Prints diagnostics as `<file>: error: <where>: <message>` lines on stderr (a where that is
 * a template position prints as `<file>:<line>:<col>: error: <message>`) (or, with json,
 * as a JSON array on stdout) and, when summary is set, a `<file>: N errors, M warnings`
 * line on stderr. */
void emu_cli_print_diags(const char *file, const struct emu_diags *diags, bool json,
                         bool summary);

#endif
