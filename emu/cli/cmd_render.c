/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu render`: prints what the ECS agent would derive from a task definition: the
 * router's fluent.conf byte for byte, the Docker LogConfig of each awsfirelens container, and
 * the per-container plan (start/stop order, router binds and environment). */
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/random.h"
#include "emu/cli/cli.h"
#include "emu/cli/commands.h"
#include "emu/model/ids.h"
#include "emu/model/render.h"
#include "emu/model/validate.h"
#include "emu/tf/tfplan.h"

#define RENDER_OUTPUT_MAX (64u * 1024u * 1024u)
#define DEFAULT_REGION "us-east-1"
#define DEFAULT_ACCOUNT "123456789012"

struct render_opts {
    struct emu_cli_taskdef_opts td; /* must stay first */
    const char *what;
    const char *task_arn;
    const char *task_id;
    const char *account_id;
    const char *launch_type;
    const char *ec2_instance_id;
    bool no_validate;
};

#define OPT(field) EMU_OPT_COMMAND, offsetof(struct render_opts, field)

static const struct emu_cli_option render_options[] = {
    {"what", "PART", OPT(what), "router-config|log-options|containers|all|taskdef",
     "what to print (default router-config); taskdef: the final task definition as a "
     "RegisterTaskDefinition request (with --json and --tf-plan, also the roles' IAM policies)",
     EMU_OPT_SCALAR},
    {"task-arn", "ARN", OPT(task_arn), NULL, "task ARN for the ecs_task_arn metadata",
     EMU_OPT_SCALAR},
    {"task-id", "ID", OPT(task_id), NULL,
     "task ID (32 hex) used to build the ARN (default: random)", EMU_OPT_SCALAR},
    {"account-id", "N", OPT(account_id), NULL, "AWS account ID in the ARN (default 123456789012)",
     EMU_OPT_SCALAR},
    {"launch-type", "TYPE", OPT(launch_type), "FARGATE|EC2",
     "launch type (default FARGATE, or EC2 when requiresCompatibilities names only EC2)",
     EMU_OPT_SCALAR},
    {"ec2-instance-id", "ID", OPT(ec2_instance_id), NULL,
     "EC2 instance ID for the ec2_instance_id record (with --launch-type EC2)", EMU_OPT_SCALAR},
    {"no-validate", NULL, OPT(no_validate), NULL,
     "render even when the task definition fails validation", EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

struct render_job {
    const struct emu_taskdef *td;
    struct emu_render_ctx ctx;
    struct emu_arena arena;
    struct emu_diags *diags;
    bool json;
};

static int render_log_options_json(struct render_job *job, cJSON **ret)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        return EMU_ENOMEM;
    }
    for (size_t i = 0; i < job->td->n_containers; i++) {
        const struct emu_container_def *c = &job->td->containers[i];
        if (!emu_container_uses_firelens(c) || !c->name) {
            continue;
        }
        struct emu_log_config_out lc;
        int r = emu_render_log_config(job->td, &job->ctx, c, &job->arena, &lc);
        if (r < 0) {
            cJSON_Delete(root);
            return r;
        }
        cJSON *entry = cJSON_AddObjectToObject(root, c->name);
        cJSON *config = entry ? (cJSON_AddStringToObject(entry, "Type", lc.type),
                                 cJSON_AddObjectToObject(entry, "Config"))
                              : NULL;
        for (size_t k = 0; config && k < lc.config.n; k++) {
            cJSON_AddStringToObject(config, lc.config.items[k].key, lc.config.items[k].value);
        }
    }
    *ret = root;
    return 0;
}

static cJSON *str_array(const struct emu_str_list *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < l->n; i++) {
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
    }
    return a;
}

static cJSON *order_array(const struct emu_task_plan *plan, const size_t *order)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < plan->n_containers; i++) {
        const char *name = plan->containers[order[i]].def->name;
        cJSON_AddItemToArray(a, cJSON_CreateString(name ? name : ""));
    }
    return a;
}

static cJSON *plan_to_json(const struct emu_task_plan *plan)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        return NULL;
    }
    cJSON_AddItemToObject(root, "startOrder", order_array(plan, plan->start_order));
    cJSON_AddItemToObject(root, "stopOrder", order_array(plan, plan->stop_order));
    cJSON *list = cJSON_AddArrayToObject(root, "containers");
    for (size_t i = 0; list && i < plan->n_containers; i++) {
        const struct emu_container_plan *cp = &plan->containers[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            break;
        }
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "name", cp->def->name ? cp->def->name : "");
        cJSON_AddBoolToObject(o, "essential", emu_container_is_essential(cp->def));
        cJSON_AddBoolToObject(o, "logRouter", cp->is_router);
        cJSON_AddBoolToObject(o, "awsfirelens", cp->uses_firelens);
        cJSON *deps = cJSON_AddArrayToObject(o, "dependsOn");
        for (size_t d = 0; deps && d < cp->n_depends_on; d++) {
            cJSON *dep = cJSON_CreateObject();
            cJSON_AddItemToArray(deps, dep);
            cJSON_AddStringToObject(dep, "containerName", cp->depends_on[d].container_name);
            cJSON_AddStringToObject(dep, "condition",
                                    emu_dep_condition_to_string(cp->depends_on[d].condition));
            cJSON_AddBoolToObject(dep, "implicit", cp->depends_on[d].implicit);
        }
        cJSON_AddItemToObject(o, "extraBinds", str_array(&cp->extra_binds));
        cJSON *env = cJSON_AddArrayToObject(o, "extraEnvironment");
        for (size_t e = 0; env && e < cp->extra_env.n; e++) {
            cJSON *kv = cJSON_CreateObject();
            cJSON_AddItemToArray(env, kv);
            cJSON_AddStringToObject(kv, "name", cp->extra_env.items[e].key);
            cJSON_AddStringToObject(kv, "value", cp->extra_env.items[e].value);
        }
        if (cp->socket_owner) {
            cJSON_AddStringToObject(o, "socketDirOwner", cp->socket_owner);
        }
        if (cp->log_config.type) {
            cJSON *lc = cJSON_AddObjectToObject(o, "logConfiguration");
            cJSON_AddStringToObject(lc, "Type", cp->log_config.type);
            cJSON *cfg = cJSON_AddObjectToObject(lc, "Config");
            for (size_t k = 0; cfg && k < cp->log_config.config.n; k++) {
                cJSON_AddStringToObject(cfg, cp->log_config.config.items[k].key,
                                        cp->log_config.config.items[k].value);
            }
        }
    }
    if (plan->fluent_host_note) {
        cJSON_AddStringToObject(root, "note", plan->fluent_host_note);
    }
    return root;
}

static int plan_to_text(const struct emu_task_plan *plan, struct emu_buf *out)
{
    int r = emu_buf_puts(out, "start order:");
    for (size_t i = 0; r == 0 && i < plan->n_containers; i++) {
        r = emu_buf_printf(out, " %s", plan->containers[plan->start_order[i]].def->name);
    }
    r = r ? r : emu_buf_puts(out, "\nstop order:");
    for (size_t i = 0; r == 0 && i < plan->n_containers; i++) {
        r = emu_buf_printf(out, " %s", plan->containers[plan->stop_order[i]].def->name);
    }
    r = r ? r : emu_buf_putc(out, '\n');
    for (size_t i = 0; r == 0 && i < plan->n_containers; i++) {
        const struct emu_container_plan *cp = &plan->containers[i];
        r = emu_buf_printf(out, "\n%s (%s%s%s)\n", cp->def->name,
                           emu_container_is_essential(cp->def) ? "essential" : "not essential",
                           cp->is_router ? ", log router" : "",
                           cp->uses_firelens ? ", awsfirelens" : "");
        for (size_t d = 0; r == 0 && d < cp->n_depends_on; d++) {
            r = emu_buf_printf(out, "  dependsOn %s %s%s\n", cp->depends_on[d].container_name,
                               emu_dep_condition_to_string(cp->depends_on[d].condition),
                               cp->depends_on[d].implicit ? " (implicit, FireLens)" : "");
        }
        for (size_t b = 0; r == 0 && b < cp->extra_binds.n; b++) {
            r = emu_buf_printf(out, "  bind %s\n", cp->extra_binds.items[b]);
        }
        for (size_t e = 0; r == 0 && e < cp->extra_env.n; e++) {
            r = emu_buf_printf(out, "  env %s=%s\n", cp->extra_env.items[e].key,
                               cp->extra_env.items[e].value);
        }
        if (r == 0 && cp->socket_owner) {
            r = emu_buf_printf(out, "  socket dir owner %s\n", cp->socket_owner);
        }
        if (r == 0 && cp->log_config.type) {
            r = emu_buf_printf(out, "  log driver %s\n", cp->log_config.type);
            for (size_t k = 0; r == 0 && k < cp->log_config.config.n; k++) {
                r = emu_buf_printf(out, "    %s=%s\n", cp->log_config.config.items[k].key,
                                   cp->log_config.config.items[k].value);
            }
        }
    }
    if (r == 0 && plan->fluent_host_note) {
        r = emu_buf_printf(out, "\nnote: %s\n", plan->fluent_host_note);
    }
    return r;
}

/* Renders the parts selected by `what` into out (text) or root (JSON). */
static int render_parts(struct render_job *job, const char *what, struct emu_buf *out)
{
    bool all = strcmp(what, "all") == 0;
    bool has_router = emu_taskdef_router(job->td) != NULL;
    cJSON *root = job->json ? cJSON_CreateObject() : NULL;
    int r = 0;
    if (job->json && !root) {
        return EMU_ENOMEM;
    }
    if (all || strcmp(what, "router-config") == 0) {
        if (!has_router) {
            if (!all) {
                (void)emu_diags_add(job->diags, EMU_DIAG_ERROR, "",
                                    "no container has a firelensConfiguration, so there is no "
                                    "router config to render");
                r = EMU_ENOENT;
                goto out;
            }
        }
        else {
            struct emu_buf conf;
            emu_buf_init(&conf, RENDER_OUTPUT_MAX);
            r = emu_render_router_config(job->td, &job->ctx, &conf, job->diags);
            if (r == 0 && !conf.data) {
                r = emu_buf_append(&conf, "", 0);
            }
            if (r == 0) {
                if (job->json) {
                    cJSON_AddStringToObject(root, "routerConfig", conf.data);
                }
                else if (all) {
                    struct emu_firelens_paths paths;
                    r = emu_render_firelens_paths(&job->ctx, &job->arena, &paths);
                    r = r ? r
                          : emu_buf_printf(out, "==> router config: %s <==\n%s\n",
                                           paths.config_file, conf.data);
                }
                else {
                    r = emu_buf_append(out, conf.data, conf.len);
                }
            }
            emu_buf_done(&conf);
            if (r < 0) {
                goto out;
            }
        }
    }
    if (all || strcmp(what, "log-options") == 0) {
        cJSON *lo = NULL;
        r = render_log_options_json(job, &lo);
        if (r < 0) {
            goto out;
        }
        if (job->json && all) {
            cJSON_AddItemToObject(root, "logOptions", lo);
        }
        else {
            r = all ? emu_buf_puts(out, "==> log options <==\n") : 0;
            r = r ? r : emu_json_write_pretty(lo, out);
            cJSON_Delete(lo);
            if (r < 0) {
                goto out;
            }
            r = all ? emu_buf_putc(out, '\n') : 0;
        }
    }
    if (all || strcmp(what, "containers") == 0) {
        struct emu_task_plan plan;
        r = emu_render_task_plan(job->td, &job->ctx, &job->arena, &plan, job->diags);
        if (r < 0) {
            goto out;
        }
        if (job->json) {
            cJSON *pj = plan_to_json(&plan);
            if (!pj) {
                r = EMU_ENOMEM;
                goto out;
            }
            if (all) {
                cJSON_AddItemToObject(root, "containers", pj);
            }
            else {
                r = emu_json_write_pretty(pj, out);
                cJSON_Delete(pj);
            }
        }
        else {
            r = all ? emu_buf_puts(out, "==> containers <==\n") : 0;
            r = r ? r : plan_to_text(&plan, out);
        }
    }
    if (r == 0 && job->json && (all || strcmp(what, "router-config") == 0)) {
        r = emu_json_write_pretty(root, out);
    }
out:
    cJSON_Delete(root);
    return r;
}

static cJSON *role_json(const struct emu_tf_role *role)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        return NULL;
    }
    if (role->address) {
        cJSON_AddStringToObject(o, "address", role->address);
    }
    if (role->name) {
        cJSON_AddStringToObject(o, "name", role->name);
    }
    if (role->arn) {
        cJSON_AddStringToObject(o, "arn", role->arn);
    }
    cJSON *list = cJSON_AddArrayToObject(o, "policies");
    for (size_t i = 0; list && i < role->n_policies; i++) {
        const struct emu_tf_policy *p = &role->policies[i];
        cJSON *po = cJSON_CreateObject();
        if (!po || !cJSON_AddItemToArray(list, po)) {
            cJSON_Delete(po);
            break;
        }
        if (p->address) {
            cJSON_AddStringToObject(po, "address", p->address);
        }
        if (p->name) {
            cJSON_AddStringToObject(po, "name", p->name);
        }
        if (p->arn) {
            cJSON_AddStringToObject(po, "arn", p->arn);
        }
        cJSON *doc = NULL;
        struct emu_json_error jerr;
        if (p->document && emu_json_parse(p->document, strlen(p->document), &doc, &jerr) == 0) {
            cJSON_AddItemToObject(po, "document", doc);
        }
        else if (p->document) {
            cJSON_AddStringToObject(po, "document", p->document);
        }
        else {
            cJSON_AddNullToObject(po, "document"); /* AWS-managed: not in the plan */
        }
    }
    return o;
}

/* `--what taskdef`: the final task definition (with --json, beside the plan's IAM policies). */
static int render_taskdef(struct render_job *job, const struct emu_cli_source *src,
                          struct emu_buf *out)
{
    cJSON *td = NULL;
    int r = emu_taskdef_export(src->json, src->len, &src->overrides, &td);
    if (r < 0) {
        return r;
    }
    if (!job->json) {
        r = emu_json_write_pretty(td, out);
        cJSON_Delete(td);
        return r;
    }
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, "taskDefinition", td)) {
        cJSON_Delete(td);
        cJSON_Delete(root);
        return EMU_ENOMEM;
    }
    if (src->plan) {
        cJSON_AddStringToObject(root, "resource", src->plan->address);
        cJSON *iam = cJSON_AddObjectToObject(root, "iam");
        cJSON *task = role_json(&src->plan->task_role);
        cJSON *exec = role_json(&src->plan->execution_role);
        if (!iam || !task || !exec || !cJSON_AddItemToObject(iam, "taskRole", task)) {
            cJSON_Delete(task);
            cJSON_Delete(exec);
            cJSON_Delete(root);
            return EMU_ENOMEM;
        }
        if (!cJSON_AddItemToObject(iam, "executionRole", exec)) {
            cJSON_Delete(exec);
            cJSON_Delete(root);
            return EMU_ENOMEM;
        }
    }
    r = emu_json_write_pretty(root, out);
    cJSON_Delete(root);
    return r;
}

static int setup_ctx(const struct emu_cli_global *g, struct render_opts *opts,
                     struct render_job *job)
{
    struct emu_render_ctx *ctx = &job->ctx;
    emu_render_ctx_init(ctx);
    ctx->launch_type = emu_cli_pick_launch_type(opts->launch_type, job->td);
    if (g->cluster) {
        ctx->cluster = g->cluster;
    }
    if (g->data_dir) {
        ctx->host_data_dir = g->data_dir;
    }
    if (opts->ec2_instance_id) {
        if (ctx->launch_type != EMU_LAUNCH_EC2) {
            fprintf(stderr, "fargate-emu render: --ec2-instance-id needs --launch-type EC2 "
                            "(Fargate tasks have no instance), ignoring\n");
        }
        else {
            ctx->ec2_instance_id = opts->ec2_instance_id;
        }
    }
    if (opts->task_arn) {
        if (opts->task_id) {
            fprintf(stderr, "fargate-emu render: give --task-arn or --task-id, not both\n");
            return EMU_EUSAGE;
        }
        ctx->task_arn = opts->task_arn;
        ctx->task_id = emu_ids_task_id_of_arn(opts->task_arn);
        return 0;
    }
    char random_id[33];
    const char *id = opts->task_id;
    if (!id) {
        uint8_t bytes[16];
        int r = emu_random_bytes(bytes, sizeof(bytes));
        if (r < 0) {
            fprintf(stderr, "fargate-emu render: no random task ID: %s\n", emu_strerror(r));
            return r;
        }
        emu_ids_task_id_from_bytes(bytes, random_id);
        id = random_id;
    }
    const char *region = g->region ? g->region : DEFAULT_REGION;
    const char *account = opts->account_id ? opts->account_id : DEFAULT_ACCOUNT;
    ctx->task_arn = emu_ids_task_arn(&job->arena, region, account, ctx->cluster, id);
    if (!ctx->task_arn) {
        return EMU_ENOMEM;
    }
    ctx->task_id = emu_ids_task_id_of_arn(ctx->task_arn);
    return 0;
}

static int exec_render(const struct emu_cli_global *g, void *optsp, int argc, char **argv)
{
    struct render_opts *opts = optsp;
    const char *file = NULL;
    if (emu_cli_taskdef_source("render", &opts->td, argc, argv, &file) < 0) {
        fprintf(stderr, "usage: fargate-emu render %s\n", emu_cmd_render.usage);
        return EMU_EXIT_USAGE;
    }
    const char *what = opts->what ? opts->what : "router-config";
    struct emu_diags diags;
    emu_diags_init(&diags);
    struct render_job job = {.diags = &diags, .json = g->json};
    emu_arena_init(&job.arena, 0);
    struct emu_taskdef *td = NULL;
    struct emu_buf out;
    emu_buf_init(&out, RENDER_OUTPUT_MAX);
    int exit_code = EMU_EXIT_FAILURE;

    struct emu_cli_source src = {0};
    int r = emu_cli_load_taskdef_opts(&opts->td, file, &td, &src, &diags);
    if (r < 0) {
        emu_cli_print_diags(file, &diags, false, false);
        exit_code = EMU_EXIT_USAGE;
        goto out;
    }
    job.td = td;
    r = setup_ctx(g, opts, &job);
    if (r < 0) {
        exit_code = r == EMU_EUSAGE ? EMU_EXIT_USAGE : EMU_EXIT_FAILURE;
        goto out;
    }
    if (!opts->no_validate) {
        r = emu_taskdef_validate(td, job.ctx.launch_type, &diags);
    }
    if (emu_diags_count(&diags, EMU_DIAG_ERROR) > 0) {
        emu_cli_print_diags(file, &diags, false, true);
        fprintf(stderr,
                "%s: not rendered: ECS would refuse this task definition "
                "(--no-validate renders it anyway)\n",
                file);
        goto out;
    }
    r = strcmp(what, "taskdef") == 0 ? render_taskdef(&job, &src, &out)
                                     : render_parts(&job, what, &out);
    emu_cli_print_diags(file, &diags, false, false);
    if (r < 0) {
        if (emu_diags_count(&diags, EMU_DIAG_ERROR) == 0) {
            fprintf(stderr, "%s: error: %s\n", file, emu_strerror(r));
        }
        goto out;
    }
    if (out.len) {
        fwrite(out.data, 1, out.len, stdout);
    }
    exit_code = EMU_EXIT_OK;
out:
    emu_buf_done(&out);
    emu_cli_source_done(&src);
    emu_taskdef_free(td);
    emu_arena_done(&job.arena);
    emu_diags_done(&diags);
    return exit_code;
}

static const struct emu_cli_exit render_exits[] = {
    {EMU_EXIT_OK, "rendered"},
    {EMU_EXIT_FAILURE, "ECS would refuse the task definition (--no-validate renders it anyway), "
                       "or it could not be rendered"},
    {EMU_EXIT_USAGE, "usage error, an unreadable or malformed task definition, template or plan"},
    {0, NULL},
};

static const struct emu_cli_example render_examples[] = {
    {"fargate-emu render --what all --cluster demo --task-id 0123456789abcdef0123456789abcdef "
     "fixtures/seed/task-s3-full.json",
     "Print the router config, log options and containers the ECS agent would derive."},
    {"fargate-emu render --what log-options --json task.json",
     "Print the Docker log options of the awsfirelens containers as JSON."},
    {"fargate-emu render --what taskdef --tf-plan plan.json",
     "Print the task definition a Terraform plan deploys, as a RegisterTaskDefinition request."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_render = {
    .name = "render",
    .summary = "Print what the ECS agent derives from a task definition: the router's "
               "fluent.conf byte for byte, the awsfirelens containers' Docker log options, "
               "and the containers' start order, binds and environment.",
    .usage = "[--what router-config|log-options|containers|all|taskdef] [--json] "
             "[--cluster NAME] [--task-arn ARN | --task-id ID] [--region R] [--account-id N] "
             "[--launch-type FARGATE|EC2] [--ec2-instance-id ID] [--data-dir DIR] "
             "(TASKDEF | --tftpl FILE [--var NAME=VALUE]... | --tf-plan FILE [--resource "
             "ADDRESS])",
    .description = "Derives, without running anything, what the ECS agent derives from a task "
                   "definition: the FireLens router's fluent.conf byte for byte, the Docker "
                   "`fluentd` log options of every awsfirelens container, the containers' start "
                   "order, binds and environment, or the final task definition. --data-dir "
                   "defaults to the agent's /var/lib/ecs so the output compares with AWS byte "
                   "for byte. The task definition is validated first.",
    .options = render_options,
    .exit_codes = render_exits,
    .examples = render_examples,
    .opts_size = sizeof(struct render_opts),
    .reads_taskdef = true,
    .exec = exec_render,
};
