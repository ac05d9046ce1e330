/* SPDX-License-Identifier: Apache-2.0 */
/* Help generated from the command and option tables: `fargate-emu help [COMMAND]` as text
 * wrapped at 100 columns with the option help aligned, and `help --json`, the schema that
 * docs/gen/ turns into docs/cli/, the man page and the shell completions. */
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/cli/cli.h"

#define HELP_LEFT_MAX 30   /* widest option column; a longer one puts its help on the next line */
#define HELP_TEXT_MAX 2048 /* one option's help with its "(repeatable)" and "[choices]" */

/* Length of the word at p: up to a space or newline, but with brackets set a space inside
 * [...] does not end it, so "[--var NAME=VALUE]..." stays on one line of a usage. */
static size_t word_len(const char *p, bool brackets)
{
    int depth = 0;
    size_t n = 0;
    for (; p[n] && p[n] != '\n' && (p[n] != ' ' || depth > 0); n++) {
        if (brackets && p[n] == '[') {
            depth++;
        }
        else if (brackets && p[n] == ']' && depth > 0) {
            depth--;
        }
    }
    return n;
}

/* Prints text word by word from column col (the cursor is there already), wrapping at
 * EMU_CLI_HELP_WIDTH to column indent; "\n\n" starts a new paragraph at indent. */
static void wrap_text(FILE *out, const char *text, size_t col, size_t indent, bool brackets)
{
    const char *p = text;
    bool first = true;
    while (*p) {
        if (strncmp(p, "\n\n", 2) == 0) {
            fprintf(out, "\n\n%*s", (int)indent, "");
            col = indent;
            first = true;
            p += 2;
            continue;
        }
        if (*p == ' ' || *p == '\n') {
            p++;
            continue;
        }
        size_t n = word_len(p, brackets);
        if (!first && col + 1 + n > EMU_CLI_HELP_WIDTH) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
            first = true;
        }
        if (!first) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, n, out);
        col += n;
        first = false;
        p += n;
    }
    fputc('\n', out);
}

static void wrap(FILE *out, const char *text, size_t col, size_t indent)
{
    wrap_text(out, text, col, indent, false);
}

static void option_left(const struct emu_cli_option *o, char *buf, size_t size)
{
    if (o->metavar) {
        (void)snprintf(buf, size, "--%s %s", o->name, o->metavar);
    }
    else {
        (void)snprintf(buf, size, "--%s", o->name);
    }
}

static void print_table(const char *title, const struct emu_cli_option *table, FILE *out)
{
    size_t colw = 0;
    char left[128];
    for (const struct emu_cli_option *o = table; o->name; o++) {
        option_left(o, left, sizeof(left));
        size_t n = strlen(left);
        colw = n > colw && n <= HELP_LEFT_MAX ? n : colw;
    }
    fprintf(out, "\n%s:\n", title);
    for (const struct emu_cli_option *o = table; o->name; o++) {
        char text[HELP_TEXT_MAX];
        option_left(o, left, sizeof(left));
        (void)snprintf(text, sizeof(text), "%s%s%s%s%s", o->help,
                       o->kind == EMU_OPT_LIST && !strstr(o->help, "repeatable") ? " (repeatable)"
                                                                                 : "",
                       o->choices ? " [" : "", o->choices ? o->choices : "",
                       o->choices ? "]" : "");
        size_t indent = 2 + colw + 2;
        if (strlen(left) > colw) {
            fprintf(out, "  %s\n%*s", left, (int)indent, "");
        }
        else {
            fprintf(out, "  %-*s  ", (int)colw, left);
        }
        wrap(out, text, indent, indent);
    }
}

static void print_exits(const struct emu_cli_exit *exits, FILE *out)
{
    fprintf(out, "\nExit status:\n");
    for (const struct emu_cli_exit *e = exits; e->meaning; e++) {
        char code[16];
        if (e->code == EMU_EXIT_OTHER) {
            (void)snprintf(code, sizeof(code), "other");
        }
        else {
            (void)snprintf(code, sizeof(code), "%d", e->code);
        }
        fprintf(out, "  %-5s  ", code);
        wrap(out, e->meaning, 9, 9);
    }
}

static void print_program_help(FILE *out)
{
    fprintf(out, "Usage: fargate-emu COMMAND [OPTIONS] ...\n\n");
    wrap(out, emu_cli_program_summary, 0, 0);
    fprintf(out, "\nCommands:\n");
    for (const struct emu_cli_command *const *c = emu_cli_commands; *c; c++) {
        fprintf(out, "  %-10s  ", (*c)->name);
        wrap(out, (*c)->summary, 14, 14);
    }
    print_table("Global options", emu_cli_global_options, out);
    print_exits(emu_cli_exit_codes, out);
    fprintf(out, "\nRun 'fargate-emu help COMMAND' for a command's options, 'fargate-emu help "
                 "--json' for all of\nthem as JSON.\n");
}

void emu_cli_print_help(const struct emu_cli_command *cmd, FILE *out)
{
    if (!cmd) {
        print_program_help(out);
        return;
    }
    int n = fprintf(out, "Usage: fargate-emu %s ", cmd->name);
    wrap_text(out, cmd->usage, n > 0 ? (size_t)n : 0, 4, true);
    fputc('\n', out);
    wrap(out, cmd->summary, 0, 0);
    if (cmd->description) {
        fputc('\n', out);
        wrap(out, cmd->description, 0, 0);
    }
    if (cmd->options && cmd->options->name) {
        print_table("Options", cmd->options, out);
    }
    if (cmd->reads_taskdef) {
        print_table("Task definition source and task-level values", emu_cli_taskdef_options,
                    out);
    }
    print_table("Global options", emu_cli_global_options, out);
    if (cmd->examples && cmd->examples->command) {
        fprintf(out, "\nExamples:\n");
        for (const struct emu_cli_example *e = cmd->examples; e->command; e++) {
            fprintf(out, "  ");
            wrap(out, e->command, 2, 6);
            fprintf(out, "      ");
            wrap(out, e->text, 6, 6);
        }
    }
    print_exits(cmd->exit_codes ? cmd->exit_codes : emu_cli_exit_codes, out);
}

/* JSON schema. Every Add* below is checked once, at the end, through the tree's validity:
 * cJSON returns NULL on OOM and the caller sees -ENOMEM. */

static const char *const group_names[] = {"global", "taskdef", "command"};

static bool add_option(cJSON *arr, const struct emu_cli_option *o)
{
    cJSON *j = cJSON_CreateObject();
    if (!j || !cJSON_AddItemToArray(arr, j)) {
        cJSON_Delete(j);
        return false;
    }
    bool ok = cJSON_AddStringToObject(j, "name", o->name) != NULL;
    ok = ok && (o->metavar ? cJSON_AddStringToObject(j, "metavar", o->metavar)
                           : cJSON_AddNullToObject(j, "metavar")) != NULL;
    const char *kind = !o->metavar ? "flag" : o->kind == EMU_OPT_LIST ? "list" : "value";
    ok = ok && cJSON_AddStringToObject(j, "kind", kind) != NULL;
    if (o->choices) {
        cJSON *ch = cJSON_AddArrayToObject(j, "choices");
        for (const char *p = o->choices; ok && ch && *p;) {
            size_t n = strcspn(p, "|");
            char one[128];
            (void)snprintf(one, sizeof(one), "%.*s", (int)n, p);
            ok = cJSON_AddItemToArray(ch, cJSON_CreateString(one));
            p += n + (p[n] == '|');
        }
        ok = ok && ch;
    }
    else {
        ok = ok && cJSON_AddNullToObject(j, "choices") != NULL;
    }
    ok = ok && cJSON_AddStringToObject(j, "help", o->help ? o->help : "") != NULL;
    ok = ok && cJSON_AddStringToObject(j, "group", group_names[o->group]) != NULL;
    return ok;
}

static bool add_options(cJSON *obj, const char *key, const struct emu_cli_option *const *tables,
                        size_t n_tables)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    bool ok = arr != NULL;
    for (size_t t = 0; ok && t < n_tables; t++) {
        for (const struct emu_cli_option *o = tables[t]; ok && o && o->name; o++) {
            ok = add_option(arr, o);
        }
    }
    return ok;
}

static bool add_exits(cJSON *obj, const struct emu_cli_exit *exits)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "exit_codes");
    bool ok = arr != NULL;
    for (const struct emu_cli_exit *e = exits; ok && e->meaning; e++) {
        cJSON *j = cJSON_CreateObject();
        ok = j && cJSON_AddItemToArray(arr, j);
        if (!ok) {
            cJSON_Delete(j);
            break;
        }
        ok = (e->code == EMU_EXIT_OTHER ? cJSON_AddNullToObject(j, "code")
                                        : cJSON_AddNumberToObject(j, "code", e->code)) != NULL;
        ok = ok && cJSON_AddStringToObject(j, "meaning", e->meaning) != NULL;
    }
    return ok;
}

static bool add_examples(cJSON *obj, const struct emu_cli_example *examples)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "examples");
    bool ok = arr != NULL;
    for (const struct emu_cli_example *e = examples; ok && e && e->command; e++) {
        cJSON *j = cJSON_CreateObject();
        ok = j && cJSON_AddItemToArray(arr, j);
        if (!ok) {
            cJSON_Delete(j);
            break;
        }
        ok = cJSON_AddStringToObject(j, "command", e->command) != NULL;
        ok = ok && cJSON_AddStringToObject(j, "text", e->text) != NULL;
    }
    return ok;
}

static bool add_environment(cJSON *obj)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "environment");
    bool ok = arr != NULL;
    for (const struct emu_cli_env *e = emu_cli_environment; ok && e->name; e++) {
        cJSON *j = cJSON_CreateObject();
        ok = j && cJSON_AddItemToArray(arr, j);
        if (!ok) {
            cJSON_Delete(j);
            break;
        }
        ok = cJSON_AddStringToObject(j, "name", e->name) != NULL;
        ok = ok && cJSON_AddStringToObject(j, "meaning", e->meaning) != NULL;
    }
    return ok;
}

static cJSON *command_json(const struct emu_cli_command *cmd)
{
    cJSON *j = cJSON_CreateObject();
    const struct emu_cli_option *tables[] = {
        cmd->options, cmd->reads_taskdef ? emu_cli_taskdef_options : NULL, emu_cli_global_options};
    bool ok = j && cJSON_AddStringToObject(j, "name", cmd->name);
    ok = ok && cJSON_AddStringToObject(j, "summary", cmd->summary);
    ok = ok && cJSON_AddStringToObject(j, "usage", cmd->usage);
    ok = ok && cJSON_AddStringToObject(j, "description", cmd->description ? cmd->description : "");
    ok = ok && cJSON_AddBoolToObject(j, "reads_taskdef", cmd->reads_taskdef);
    ok = ok && add_options(j, "options", tables, sizeof(tables) / sizeof(tables[0]));
    ok = ok && add_exits(j, cmd->exit_codes ? cmd->exit_codes : emu_cli_exit_codes);
    ok = ok && add_examples(j, cmd->examples);
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static cJSON *program_json(void)
{
    cJSON *j = cJSON_CreateObject();
    bool ok = j && cJSON_AddStringToObject(j, "program", "fargate-emu");
    ok = ok && cJSON_AddStringToObject(j, "version", EMU_VERSION);
    ok = ok && cJSON_AddStringToObject(j, "summary", emu_cli_program_summary);
    ok = ok && cJSON_AddStringToObject(j, "description", emu_cli_program_description);
    ok = ok && add_exits(j, emu_cli_exit_codes);
    ok = ok && add_environment(j);
    const struct emu_cli_option *global[] = {emu_cli_global_options};
    const struct emu_cli_option *taskdef[] = {emu_cli_taskdef_options};
    ok = ok && add_options(j, "global_options", global, 1);
    ok = ok && add_options(j, "taskdef_options", taskdef, 1);
    cJSON *cmds = ok ? cJSON_AddArrayToObject(j, "commands") : NULL;
    ok = cmds != NULL;
    for (const struct emu_cli_command *const *c = emu_cli_commands; ok && *c; c++) {
        cJSON *one = command_json(*c);
        ok = one && cJSON_AddItemToArray(cmds, one);
        if (!ok) {
            cJSON_Delete(one);
        }
    }
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

int emu_cli_help_json(const struct emu_cli_command *cmd, struct emu_buf *out)
{
    cJSON *root = cmd ? command_json(cmd) : program_json();
    if (!root) {
        return EMU_ENOMEM;
    }
    int r = emu_json_write_pretty(root, out);
    cJSON_Delete(root);
    return r;
}
