/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu validate`: checks a task definition with ECS's rules and error texts, reporting
 * every problem with its JSON path. Exit 0 valid, 1 invalid, 2 usage or unreadable input. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/cli/cli.h"
#include "emu/cli/commands.h"
#include "emu/model/validate.h"

struct validate_opts {
    struct emu_cli_taskdef_opts td; /* must stay first */
    const char *launch_type;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct validate_opts, field)

static const struct emu_cli_option validate_options[] = {
    {"launch-type", "TYPE", OPT(launch_type), "FARGATE|EC2",
     "validate for this launch type (default: FARGATE, or EC2 when requiresCompatibilities "
     "names only EC2)",
     EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

enum emu_launch_type emu_cli_pick_launch_type(const char *flag, const struct emu_taskdef *td)
{
    if (flag) {
        return emu_launch_type_from_string(flag);
    }
    bool ec2 = false, fargate = false;
    for (size_t i = 0; td && i < td->requires_compatibilities.n; i++) {
        const char *c = td->requires_compatibilities.items[i];
        ec2 |= strcmp(c, "EC2") == 0;
        fargate |= strcmp(c, "FARGATE") == 0;
    }
    return ec2 && !fargate ? EMU_LAUNCH_EC2 : EMU_LAUNCH_FARGATE;
}

static int exec_validate(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    struct validate_opts *opts = optsp;
    const char *file = NULL;
    if (emu_cli_taskdef_source("validate", &opts->td, argc, argv, &file) < 0) {
        fprintf(stderr, "usage: fargate-emu validate %s\n", emu_cmd_validate.usage);
        return EMU_EXIT_USAGE;
    }
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct emu_taskdef *td = NULL;
    int r = emu_cli_load_taskdef_opts(&opts->td, file, &td, NULL, &diags);
    int exit_code;
    if (r < 0) {
        emu_cli_print_diags(file, &diags, g->json, false);
        exit_code = EMU_EXIT_USAGE;
        goto out;
    }
    enum emu_launch_type lt = emu_cli_pick_launch_type(opts->launch_type, td);
    r = emu_taskdef_validate(td, lt, &diags);
    if (r < 0) {
        fprintf(stderr, "fargate-emu validate: %s\n", emu_strerror(r));
        exit_code = EMU_EXIT_FAILURE;
        goto out;
    }
    size_t errors = emu_diags_count(&diags, EMU_DIAG_ERROR);
    size_t warnings = emu_diags_count(&diags, EMU_DIAG_WARNING);
    emu_cli_print_diags(file, &diags, g->json, errors || warnings);
    if (!errors && !g->json) {
        printf("%s: valid for %s (%zu container%s)\n", file, emu_launch_type_to_string(lt),
               td->n_containers, td->n_containers == 1 ? "" : "s");
    }
    exit_code = errors ? EMU_EXIT_FAILURE : EMU_EXIT_OK;
out:
    emu_taskdef_free(td);
    emu_diags_done(&diags);
    return exit_code;
}

static const struct emu_cli_exit validate_exits[] = {
    {EMU_EXIT_OK, "ECS would accept the task definition (warnings may have been printed)"},
    {EMU_EXIT_FAILURE, "ECS would refuse it: every error is printed with its JSON path"},
    {EMU_EXIT_USAGE, "usage error, an unreadable file, malformed JSON (with line and column), a "
                     "template error or a plan without a runnable task definition"},
    {0, NULL},
};

static const struct emu_cli_example validate_examples[] = {
    {"fargate-emu validate fixtures/seed/task-s3-full.json",
     "Check the seed's task definition for Fargate."},
    {"fargate-emu validate --launch-type EC2 --json task.json",
     "Check for EC2 and print the diagnostics as a JSON array."},
    {"fargate-emu validate --tftpl terraform/task.tftpl --var-file vars.tfvars.json",
     "Render a Terraform template as templatefile() would, then check the result."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_validate = {
    .name = "validate",
    .summary = "Check a task definition with ECS's own rules and error texts.",
    .usage = "[--launch-type FARGATE|EC2] [--json] (TASKDEF | --tftpl FILE [--var NAME=VALUE]... "
             "[--var-json NAME=JSON]... [--var-file FILE.tfvars.json] | --tf-plan FILE "
             "[--resource ADDRESS])",
    .description = "Reads the task definition (a RegisterTaskDefinition request, "
                   "DescribeTaskDefinition output, a bare containerDefinitions array, a Terraform "
                   "template or plan) and applies the checks RegisterTaskDefinition and RunTask "
                   "make for the launch type, with ECS's own error texts where ECS has them. "
                   "Every problem is reported, each with its JSON path, as `FILE: error: PATH: "
                   "MESSAGE` lines on stderr, or as a JSON array on stdout with --json.",
    .options = validate_options,
    .exit_codes = validate_exits,
    .examples = validate_examples,
    .opts_size = sizeof(struct validate_opts),
    .reads_taskdef = true,
    .exec = exec_validate,
};
