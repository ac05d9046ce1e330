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

/* Exit codes shared by every command (documented in emu_cli_exit_codes and docs/cli/). */
enum {
    EMU_EXIT_OK = 0,
    EMU_EXIT_FAILURE = 1, /* the thing checked or done failed: invalid task definition, failed run */
    EMU_EXIT_USAGE = 2,   /* bad flags, unreadable or malformed input, no such task */
    EMU_EXIT_OTHER = -1,  /* in a struct emu_cli_exit only: "any other value", explained */
};

/* One documented exit status: code (or EMU_EXIT_OTHER) and what it means. */
struct emu_cli_exit {
    int code;
    const char *meaning; /* NULL ends a table */
};

/* An environment variable fargate-emu reads, for the docs (the one place getenv is allowed is
 * emu/cli/, so this table can list them all). */
struct emu_cli_env {
    const char *name; /* NULL ends a table */
    const char *meaning;
};

/* One example of a command, shown by help, the man page and docs/cli/<command>.md. */
struct emu_cli_example {
    const char *command; /* the whole command line, "fargate-emu <name> ..."; NULL ends a table */
    const char *text;    /* what it does, one sentence */
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
    const char *summary;     /* one sentence, ends with '.' */
    const char *usage;       /* after "fargate-emu <name> " */
    const char *description; /* longer text for help, the man page and docs/cli/: paragraphs
                              * separated by "\n\n", no other line breaks; NULL: none */
    const struct emu_cli_option *options;    /* terminated by a {NULL} entry */
    const struct emu_cli_exit *exit_codes;   /* {0, NULL}-terminated; NULL: the shared ones */
    const struct emu_cli_example *examples;  /* {NULL}-terminated; NULL: none */
    size_t opts_size;                        /* sizeof the command's options struct */
    bool reads_taskdef;                      /* accepts the EMU_OPT_TASKDEF options */
    int (*exec)(const struct emu_cli_global *g, void *opts, int argc, char **argv);
};

/* The command table (commands.c), the option tables shared by all commands, the exit codes
 * every command shares and the program's own description (paragraphs as in a command's). */
extern const struct emu_cli_command *const emu_cli_commands[];
extern const struct emu_cli_option emu_cli_global_options[];
extern const struct emu_cli_option emu_cli_taskdef_options[];
extern const struct emu_cli_exit emu_cli_exit_codes[];
extern const struct emu_cli_env emu_cli_environment[];
extern const char emu_cli_program_summary[];
extern const char emu_cli_program_description[];

/* Finds a command by name; NULL if unknown. */
const struct emu_cli_command *emu_cli_find_command(const char *name);

/* Parses argv (after the command name) into g and opts; positionals are compacted to the
 * front of argv and counted in *ret_argc. Errors are printed; returns 0 or EMU_EUSAGE. */
int emu_cli_parse(const struct emu_cli_command *cmd, int argc, char **argv,
                  struct emu_cli_global *g, void *opts, int *ret_argc);

/* Finds an option a command accepts (its own, then task-definition, then global options) by
 * its name without dashes (len bytes of name); NULL if the command has no such option. */
const struct emu_cli_option *emu_cli_find_option(const struct emu_cli_command *cmd,
                                                 const char *name, size_t len);

/* Prints the generated help of a command (or of the whole program when cmd is NULL), wrapped
 * at EMU_CLI_HELP_WIDTH columns. */
#define EMU_CLI_HELP_WIDTH 100
void emu_cli_print_help(const struct emu_cli_command *cmd, FILE *out);

/* Appends the machine-readable schema of cmd, or of the whole program and every command when
 * cmd is NULL (`fargate-emu help [COMMAND] --json`: names, usages, descriptions, options with
 * their group, kind and choices, exit codes, examples) to out as pretty JSON. Returns 0,
 * -ENOMEM or -E2BIG (out's ceiling). */
struct emu_buf;
int emu_cli_help_json(const struct emu_cli_command *cmd, struct emu_buf *out);

/* Whether to print colour on f: only on a terminal, never when NO_COLOR is set to a non-empty
 * value (https://no-color.org) or TERM is "dumb". Every command that colours asks this. */
bool emu_cli_use_color(FILE *f);

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
