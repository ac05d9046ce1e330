/* SPDX-License-Identifier: Apache-2.0 */
/* The option engine: the global and task-definition option tables, the shared exit codes,
 * and the generic parser driven by the tables (help output is in cli_help.c). */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/cli/cli.h"

#define GLOBAL(field) EMU_OPT_GLOBAL, offsetof(struct emu_cli_global, field)
#define TASKDEF(field) EMU_OPT_TASKDEF, offsetof(struct emu_cli_taskdef_opts, overrides.field)
#define SOURCE(field) EMU_OPT_TASKDEF, offsetof(struct emu_cli_taskdef_opts, field)

const char emu_cli_program_summary[] =
    "Run Amazon ECS task definitions locally the way ECS Fargate does, with FireLens log "
    "routing.";

const char emu_cli_program_description[] =
    "fargate-emu reads a task definition, validates it with ECS's own rules and error texts, "
    "renders the FireLens router configuration byte for byte as the ECS agent does, runs the "
    "task's containers through the Docker Engine API (dependency order, essential semantics, "
    "health checks, stop order) and sends what the router outputs to bundled local AWS "
    "endpoints (S3, CloudWatch Logs, STS), so what arrives can be checked before Terraform "
    "deploys the same definition for real.\n\n"
    "A task definition can be the RegisterTaskDefinition JSON, DescribeTaskDefinition output, a "
    "bare containerDefinitions array (with task-level values from --family, --cpu and the "
    "like), a Terraform template (--tftpl) or the aws_ecs_task_definition of a Terraform plan "
    "(--tf-plan).";

const struct emu_cli_exit emu_cli_exit_codes[] = {
    {EMU_EXIT_OK, "success"},
    {EMU_EXIT_FAILURE, "the thing checked or done failed: an invalid task definition, a task "
                       "that did not run, an endpoint that could not start"},
    {EMU_EXIT_USAGE, "usage or input error: unknown option or command, missing or bad value, "
                     "unreadable or malformed input file, no such task"},
    {0, NULL},
};

const struct emu_cli_env emu_cli_environment[] = {
    {"DOCKER_HOST", "Docker Engine API address when --docker-host is not given (default "
                    "unix:///var/run/docker.sock)"},
    {"XDG_STATE_HOME", "the default data dir is $XDG_STATE_HOME/fargate-emu"},
    {"HOME", "the default data dir is ~/.local/state/fargate-emu when XDG_STATE_HOME is unset"},
    {"NO_COLOR", "when set to a non-empty value, no colour is printed (colour is only ever "
                 "printed on a terminal)"},
    {"UV_THREADPOOL_SIZE", "threads of serve's file I/O pool (default 16)"},
    {NULL, NULL},
};

const struct emu_cli_option emu_cli_global_options[] = {
    {"data-dir", "DIR", GLOBAL(data_dir), NULL,
     "host data directory (the agent's ECS_HOST_DATA_DIR); FireLens files live under "
     "DIR/data/firelens/<taskID>",
     EMU_OPT_SCALAR},
    {"docker-host", "URL", GLOBAL(docker_host), NULL,
     "Docker Engine API address (unix:///path or tcp://host:port); default $DOCKER_HOST",
     EMU_OPT_SCALAR},
    {"log-level", "LEVEL", GLOBAL(log_level), "error|warn|info|debug|trace",
     "how much fargate-emu itself logs on stderr (default info)", EMU_OPT_SCALAR},
    {"region", "REGION", GLOBAL(region), NULL, "AWS region of the task (default us-east-1)",
     EMU_OPT_SCALAR},
    {"cluster", "NAME", GLOBAL(cluster), NULL, "ECS cluster name (default \"default\")",
     EMU_OPT_SCALAR},
    {"json", NULL, GLOBAL(json), NULL, "print machine-readable JSON", EMU_OPT_SCALAR},
    {"help", NULL, GLOBAL(help), NULL, "show this help", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

const struct emu_cli_option emu_cli_taskdef_options[] = {
    {"tftpl", "FILE", SOURCE(tftpl), NULL,
     "render this Terraform template the way templatefile() does and run the result (instead "
     "of TASKDEF)",
     EMU_OPT_SCALAR},
    {"var", "NAME=VALUE", SOURCE(vars), NULL, "a string variable for --tftpl (repeatable)",
     EMU_OPT_LIST},
    {"var-json", "NAME=JSON", SOURCE(var_json), NULL,
     "a variable for --tftpl given as JSON: a list, map, number or bool; --var wins for the "
     "same name (repeatable)",
     EMU_OPT_LIST},
    {"var-file", "FILE", SOURCE(var_file), NULL,
     "variables for --tftpl from a .tfvars.json object (--var and --var-json win)", EMU_OPT_SCALAR},
    {"tf-plan", "FILE", SOURCE(tf_plan), NULL,
     "run the aws_ecs_task_definition of this `terraform show -json` plan or state (instead of "
     "TASKDEF)",
     EMU_OPT_SCALAR},
    {"resource", "ADDRESS", SOURCE(resource), NULL,
     "with --tf-plan: the task definition's address when there are several", EMU_OPT_SCALAR},
    {"family", "NAME", TASKDEF(family), NULL, "task family, for a bare containerDefinitions array",
     EMU_OPT_SCALAR},
    {"cpu", "UNITS", TASKDEF(cpu), NULL, "task cpu (\"256\", \"1 vCPU\"), for a bare array",
     EMU_OPT_SCALAR},
    {"memory", "MIB", TASKDEF(memory), NULL, "task memory (\"512\", \"1GB\"), for a bare array",
     EMU_OPT_SCALAR},
    {"network-mode", "MODE", TASKDEF(network_mode), "awsvpc|bridge|host|none",
     "task network mode, for a bare array", EMU_OPT_SCALAR},
    {"requires-compatibilities", "LIST", TASKDEF(requires_compatibilities), NULL,
     "comma-separated launch types (FARGATE,EC2), for a bare array", EMU_OPT_SCALAR},
    {"task-role-arn", "ARN", TASKDEF(task_role_arn), NULL, "task role, for a bare array",
     EMU_OPT_SCALAR},
    {"execution-role-arn", "ARN", TASKDEF(execution_role_arn), NULL,
     "execution role, for a bare array", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

static const struct emu_cli_option *find_in(const struct emu_cli_option *table, const char *name,
                                            size_t len)
{
    for (const struct emu_cli_option *o = table; o && o->name; o++) {
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
            return o;
        }
    }
    return NULL;
}

const struct emu_cli_option *emu_cli_find_option(const struct emu_cli_command *cmd,
                                                 const char *name, size_t len)
{
    const struct emu_cli_option *o = find_in(cmd->options, name, len);
    if (!o && cmd->reads_taskdef) {
        o = find_in(emu_cli_taskdef_options, name, len);
    }
    if (!o) {
        o = find_in(emu_cli_global_options, name, len);
    }
    return o;
}

static int choice_ok(const char *choices, const char *value)
{
    size_t vlen = strlen(value);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vlen && strncmp(p, value, n) == 0) {
            return 1;
        }
        p += n + (bar ? 1 : 0);
    }
    return 0;
}

int emu_cli_parse(const struct emu_cli_command *cmd, int argc, char **argv,
                  struct emu_cli_global *g, void *opts, int *ret_argc)
{
    int npos = 0;
    int only_positionals = 0;
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        if (only_positionals || arg[0] != '-' || strcmp(arg, "-") == 0) {
            argv[npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positionals = 1;
            continue;
        }
        if (strcmp(arg, "-h") == 0) {
            g->help = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "fargate-emu %s: unknown option '%s' (try 'fargate-emu help %s')\n",
                    cmd->name, arg, cmd->name);
            return EMU_EUSAGE;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct emu_cli_option *o = emu_cli_find_option(cmd, name, nlen);
        if (!o) {
            fprintf(stderr, "fargate-emu %s: unknown option '--%.*s' (try 'fargate-emu help %s')\n",
                    cmd->name, (int)nlen, name, cmd->name);
            return EMU_EUSAGE;
        }
        char *base = o->group == EMU_OPT_GLOBAL ? (char *)g : (char *)opts;
        if (!o->metavar) {
            if (eq) {
                fprintf(stderr, "fargate-emu %s: option '--%s' takes no value\n", cmd->name,
                        o->name);
                return EMU_EUSAGE;
            }
            *(bool *)(base + o->offset) = true;
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fargate-emu %s: option '--%s' needs a value (%s)\n", cmd->name,
                        o->name, o->metavar);
                return EMU_EUSAGE;
            }
            value = argv[++i];
        }
        if (o->choices && !choice_ok(o->choices, value)) {
            fprintf(stderr, "fargate-emu %s: invalid value '%s' for '--%s' (one of: %s)\n",
                    cmd->name, value, o->name, o->choices);
            return EMU_EUSAGE;
        }
        if (o->kind == EMU_OPT_LIST) {
            struct emu_cli_list *list = (struct emu_cli_list *)(base + o->offset);
            if (list->n >= EMU_CLI_LIST_MAX) {
                fprintf(stderr, "fargate-emu %s: option '--%s' given more than %d times\n",
                        cmd->name, o->name, EMU_CLI_LIST_MAX);
                return EMU_EUSAGE;
            }
            list->items[list->n++] = value;
            continue;
        }
        *(const char **)(base + o->offset) = value;
    }
    *ret_argc = npos;
    return 0;
}

const struct emu_cli_command *emu_cli_find_command(const char *name)
{
    for (const struct emu_cli_command *const *c = emu_cli_commands; *c; c++) {
        if (strcmp((*c)->name, name) == 0) {
            return *c;
        }
    }
    return NULL;
}
