/* SPDX-License-Identifier: Apache-2.0 */
/* Checks on the command and option tables everything in docs/ is generated from: every option
 * has help, no two options of one command collide, usages and examples name real options, exit
 * codes are documented once, `help --json` carries it all, and help fits in 100 columns. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/cli/cli.h"

#define MAX_OPTS 256

/* Every option a command accepts, in the order the parser looks them up. */
static size_t command_options(const struct emu_cli_command *cmd,
                              const struct emu_cli_option **ret)
{
    const struct emu_cli_option *tables[] = {
        cmd->options, cmd->reads_taskdef ? emu_cli_taskdef_options : NULL, emu_cli_global_options};
    size_t n = 0;
    for (size_t t = 0; t < 3; t++) {
        for (const struct emu_cli_option *o = tables[t]; o && o->name; o++) {
            assert_true(n < MAX_OPTS);
            ret[n++] = o;
        }
    }
    return n;
}

static void check_option(const char *cmd, const struct emu_cli_option *o)
{
    if (!o->help || !o->help[0]) {
        fail_msg("fargate-emu %s: option --%s has no help text", cmd, o->name);
    }
    for (const char *p = o->name; *p; p++) {
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-') {
            fail_msg("fargate-emu %s: option --%s: names are lowercase, digits and '-'", cmd,
                     o->name);
        }
    }
    if (o->kind == EMU_OPT_LIST && !o->metavar) {
        fail_msg("fargate-emu %s: repeatable option --%s needs a metavar", cmd, o->name);
    }
    if (o->choices && (!o->metavar || !o->choices[0] || strstr(o->choices, "||") ||
                       o->choices[0] == '|' || o->choices[strlen(o->choices) - 1] == '|')) {
        fail_msg("fargate-emu %s: option --%s: bad choices '%s'", cmd, o->name, o->choices);
    }
    if (strlen(o->help) > 400) {
        fail_msg("fargate-emu %s: option --%s: help over 400 characters; move detail to the "
                 "command's description", cmd, o->name);
    }
}

static void options_have_help_and_do_not_collide(void **state)
{
    (void)state;
    for (const struct emu_cli_command *const *c = emu_cli_commands; *c; c++) {
        const struct emu_cli_option *opts[MAX_OPTS];
        size_t n = command_options(*c, opts);
        for (size_t i = 0; i < n; i++) {
            check_option((*c)->name, opts[i]);
            for (size_t j = i + 1; j < n; j++) {
                if (strcmp(opts[i]->name, opts[j]->name) == 0) {
                    fail_msg("fargate-emu %s: option --%s is declared twice", (*c)->name,
                             opts[i]->name);
                }
            }
        }
    }
}

/* Every "--name" in text must be an option of cmd. */
static void check_mentions(const struct emu_cli_command *cmd, const char *what, const char *text)
{
    for (const char *p = strstr(text, "--"); p; p = strstr(p + 2, "--")) {
        const char *name = p + 2;
        size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-");
        if (n && !emu_cli_find_option(cmd, name, n)) {
            fail_msg("fargate-emu %s: %s names --%.*s, which the command does not accept",
                     cmd->name, what, (int)n, name);
        }
    }
}

static void commands_are_documented(void **state)
{
    (void)state;
    for (const struct emu_cli_command *const *c = emu_cli_commands; *c; c++) {
        const struct emu_cli_command *cmd = *c;
        assert_ptr_equal(emu_cli_find_command(cmd->name), cmd);
        size_t sl = cmd->summary ? strlen(cmd->summary) : 0;
        if (!sl || cmd->summary[sl - 1] != '.') {
            fail_msg("fargate-emu %s: the summary must be a sentence ending with '.'", cmd->name);
        }
        assert_non_null(cmd->usage);
        check_mentions(cmd, "the usage", cmd->usage);
        if (cmd->description) {
            for (const char *p = strchr(cmd->description, '\n'); p; p = strchr(p + 2, '\n')) {
                if (p[1] != '\n') {
                    fail_msg("fargate-emu %s: description: only \"\\n\\n\" (a paragraph) may "
                             "break a line", cmd->name);
                }
            }
        }
        char prefix[64];
        (void)snprintf(prefix, sizeof(prefix), "fargate-emu %s", cmd->name);
        for (const struct emu_cli_example *e = cmd->examples; e && e->command; e++) {
            size_t pl = strlen(prefix);
            if (strncmp(e->command, prefix, pl) != 0 || (e->command[pl] && e->command[pl] != ' ')) {
                fail_msg("%s: example '%s' must start with '%s'", cmd->name, e->command, prefix);
            }
            if (!e->text || !e->text[0]) {
                fail_msg("%s: example '%s' has no text", cmd->name, e->command);
            }
            check_mentions(cmd, "an example", e->command);
        }
        const struct emu_cli_exit *exits = cmd->exit_codes ? cmd->exit_codes : emu_cli_exit_codes;
        bool usage_documented = false;
        for (const struct emu_cli_exit *e = exits; e->meaning; e++) {
            assert_true(e->meaning[0] != '\0');
            usage_documented |= e->code == EMU_EXIT_USAGE;
            for (const struct emu_cli_exit *f = e + 1; f->meaning; f++) {
                if (e->code == f->code) {
                    fail_msg("fargate-emu %s: exit code %d documented twice", cmd->name, e->code);
                }
            }
        }
        if (!usage_documented) {
            fail_msg("fargate-emu %s: exit code 2 (usage error) is not documented", cmd->name);
        }
    }
}

static void help_json_carries_every_table(void **state)
{
    (void)state;
    struct emu_buf out;
    emu_buf_init(&out, 4u << 20);
    assert_int_equal(emu_cli_help_json(NULL, &out), 0);
    cJSON *root = NULL;
    assert_int_equal(emu_json_parse(out.data, out.len, &root, NULL), 0);
    const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(root, "commands");
    size_t i = 0;
    for (const struct emu_cli_command *const *c = emu_cli_commands; *c; c++, i++) {
        const cJSON *j = cJSON_GetArrayItem(cmds, (int)i);
        assert_non_null(j);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "name")->valuestring, (*c)->name);
        const struct emu_cli_option *opts[MAX_OPTS];
        size_t n = command_options(*c, opts);
        const cJSON *jo = cJSON_GetObjectItemCaseSensitive(j, "options");
        assert_int_equal(cJSON_GetArraySize(jo), n);
        for (size_t k = 0; k < n; k++) {
            const cJSON *o = cJSON_GetArrayItem(jo, (int)k);
            assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring,
                                opts[k]->name);
            const char *kind = cJSON_GetObjectItemCaseSensitive(o, "kind")->valuestring;
            assert_string_equal(kind, !opts[k]->metavar                ? "flag"
                                      : opts[k]->kind == EMU_OPT_LIST ? "list"
                                                                       : "value");
        }
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "exit_codes")) >= 1);
    }
    assert_int_equal(cJSON_GetArraySize(cmds), i);
    cJSON_Delete(root);
    emu_buf_done(&out);

    /* One command alone is the same object as in the whole schema. */
    emu_buf_init(&out, 1u << 20);
    assert_int_equal(emu_cli_help_json(emu_cli_find_command("run"), &out), 0);
    assert_int_equal(emu_json_parse(out.data, out.len, &root, NULL), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "name")->valuestring, "run");
    cJSON_Delete(root);
    emu_buf_done(&out);
}

static void check_width(const struct emu_cli_command *cmd)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    emu_cli_print_help(cmd, f);
    rewind(f);
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        size_t n = strcspn(line, "\n");
        if (n > EMU_CLI_HELP_WIDTH) {
            fail_msg("help %s, line %d is %zu columns: %s", cmd ? cmd->name : "", lineno, n,
                     line);
        }
    }
    fclose(f);
}

static void help_fits_in_100_columns(void **state)
{
    (void)state;
    check_width(NULL);
    for (const struct emu_cli_command *const *c = emu_cli_commands; *c; c++) {
        check_width(*c);
    }
}

static void colour_only_on_a_terminal(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(unsetenv("NO_COLOR"), 0);
    assert_false(emu_cli_use_color(f)); /* a file is not a terminal */
    assert_false(emu_cli_use_color(NULL));
    assert_int_equal(setenv("NO_COLOR", "1", 1), 0);
    assert_false(emu_cli_use_color(stdout));
    assert_int_equal(unsetenv("NO_COLOR"), 0);
    fclose(f);
}

int main(void)
{
    emu_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_have_help_and_do_not_collide),
        cmocka_unit_test(commands_are_documented),
        cmocka_unit_test(help_json_carries_every_table),
        cmocka_unit_test(help_fits_in_100_columns),
        cmocka_unit_test(colour_only_on_a_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
