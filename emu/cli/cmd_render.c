/* SPDX-License-Identifier: Apache-2.0 */
/* `fargate-emu render`: prints what the ECS agent would derive from a task definition: the
 * router's fluent.conf byte for byte, the Docker LogConfig of each awsfirelens container, and
 * the per-container plan (start/stop order, router binds and environment). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/random.h"
#include "emu/cli/cli.h"
#include "emu/cli/cli_image_map.h"
#include "emu/cli/cli_tasks.h"
#include "emu/docker/docker.h"
#include "emu/cli/commands.h"
#include "emu/model/ids.h"
#include "emu/cli/cli_render_init.h"
#include "emu/cli/cli_render_secrets.h"
#include "emu/model/local.h"
#include "emu/model/render.h"
#include "emu/model/validate.h"
#include "emu/tf/tfplan.h"

#define RENDER_OUTPUT_MAX (64u * 1024u * 1024u)
#define DEFAULT_REGION "us-east-1"
#define DEFAULT_ACCOUNT "123456789012"
/* What `--local` shows in place of the task network's gateway and the shims' ports, which
 * exist only once `run` has created the network. */
#define LOCAL_S3_PLACEHOLDER "http://GATEWAY:PORT"
#define LOCAL_MAX_FILES 32
#define LOCAL_ARGV_MAX 256
#define ARCHIVE_MAX (EMU_LOCAL_CONF_MAX + 64u * 1024u)

struct render_opts {
    struct emu_cli_taskdef_opts td; /* must stay first */
    const char *what;
    const char *task_arn;
    const char *task_id;
    const char *account_id;
    const char *launch_type;
    const char *ec2_instance_id;
    bool no_validate;
    bool local;
    const char *image_map_file;
    const char *secrets_file;
    bool show_secrets;
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
    {"local", NULL, OPT(local), NULL,
     "print, as unified diffs, what a local run changes in the router configs (endpoints "
     "shown as " LOCAL_S3_PLACEHOLDER "); config files baked into the router image are read "
     "through the Docker daemon when it is reachable", EMU_OPT_SCALAR},
    {"image-map-file", "FILE", OPT(image_map_file), NULL,
     "with --local: the image map `run` is given (which image the router really is)",
     EMU_OPT_SCALAR},
    {"secrets-file", "FILE", OPT(secrets_file), NULL,
     "with --what containers|all: resolve the containers' secrets and the log-driver "
     "secretOptions through this file as `run` does (an error names each one missing); values "
     "are shown as " EMU_CLI_SECRET_MASK, EMU_OPT_SCALAR},
    {"show-secrets", NULL, OPT(show_secrets), NULL,
     "with --secrets-file: show the secret values instead of " EMU_CLI_SECRET_MASK,
     EMU_OPT_SCALAR},
    {NULL, NULL, 0, 0, NULL, NULL, EMU_OPT_SCALAR},
};

struct render_job {
    const struct emu_taskdef *td;
    struct emu_render_ctx ctx;
    struct emu_arena arena;
    struct emu_diags *diags;
    const char *region;
    const struct emu_cli_global *g;
    const char *image_map_file;
    bool json;
    struct emu_cli_render_secrets secrets;
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

static cJSON *plan_to_json(const struct emu_task_plan *plan,
                           const struct emu_cli_render_secrets *sec)
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
            const char *from = NULL;
            const char *key = cp->extra_env.items[e].key;
            cJSON_AddStringToObject(kv, "name", key);
            cJSON_AddStringToObject(kv, "value", emu_cli_render_secret_env(
                                                     sec, cp, key, cp->extra_env.items[e].value,
                                                     &from));
            if (from) {
                cJSON_AddStringToObject(kv, "valueFrom", from);
            }
        }
        emu_cli_render_secrets_json(sec, cp, o);
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

static int plan_to_text(const struct emu_task_plan *plan,
                        const struct emu_cli_render_secrets *sec, struct emu_buf *out)
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
            const char *from = NULL;
            const char *key = cp->extra_env.items[e].key;
            const char *v =
                emu_cli_render_secret_env(sec, cp, key, cp->extra_env.items[e].value, &from);
            r = from ? emu_buf_printf(out, "  env %s=%s (from %s)\n", key, v, from)
                     : emu_buf_printf(out, "  env %s=%s\n", key, v);
        }
        r = r ? r : emu_cli_render_secrets_text(sec, cp, out);
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
            cJSON *pj = plan_to_json(&plan, &job->secrets);
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
            r = r ? r : plan_to_text(&plan, &job->secrets, out);
        }
    }
    if (r == 0 && job->json && (all || strcmp(what, "router-config") == 0)) {
        r = emu_json_write_pretty(root, out);
    }
out:
    cJSON_Delete(root);
    return r;
}

/* ---- render --local: config files baked into the router image (through the daemon) ---- */

/* One Docker call waited for on the CLI's loop; what the callback must keep is copied. */
struct sync_call {
    struct emu_arena *a;
    bool done;
    int status;
    const char *message;
    const char *argv[LOCAL_ARGV_MAX]; /* image inspect: entrypoint then cmd */
    size_t n_ep, n_cmd;
    char *body; /* archive */
    size_t body_len;
};

static void on_sync(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct sync_call *s = ud;
    s->done = true;
    s->status = status;
    if (rep && rep->message) {
        s->message = emu_arena_strdup(s->a, rep->message);
    }
    if (status == 0 && rep && rep->image) {
        const struct emu_docker_image_info *img = rep->image;
        for (size_t i = 0; i < img->n_entrypoint && s->n_ep < LOCAL_ARGV_MAX / 2; i++) {
            s->argv[s->n_ep++] = emu_arena_strdup(s->a, img->entrypoint[i]);
        }
        for (size_t i = 0; i < img->n_cmd && s->n_cmd < LOCAL_ARGV_MAX / 2; i++) {
            s->argv[LOCAL_ARGV_MAX / 2 + s->n_cmd++] = emu_arena_strdup(s->a, img->cmd[i]);
        }
    }
    if (status == 0 && rep && rep->body && rep->body_len) {
        s->body = emu_arena_alloc(s->a, rep->body_len);
        if (s->body) {
            memcpy(s->body, rep->body, rep->body_len);
            s->body_len = rep->body_len;
        }
    }
}

static int sync_wait(struct emu_cli_docker *d, int r, struct sync_call *s)
{
    while (r == 0 && !s->done) {
        (void)uv_run(&d->loop.loop, UV_RUN_ONCE);
    }
    return r ? r : s->status;
}

struct image_walk {
    struct render_job *job;
    const struct emu_local_endpoints *ep;
    enum emu_router_type type;
    const char *skip[2]; /* the generated config and external.conf: ours, not the image's */
    const char *queue[LOCAL_MAX_FILES];
    size_t n_queue;
    struct emu_buf *out;
};

static int walk_note(struct image_walk *w, const char *fmt, const char *a, const char *b)
{
    return emu_buf_printf(w->out, fmt, a, b ? b : "");
}

static int walk_enqueue(struct image_walk *w, const char *path)
{
    if (!path || strcmp(path, w->skip[0]) == 0 || strcmp(path, w->skip[1]) == 0) {
        return path ? 0 : -ENOMEM;
    }
    for (size_t i = 0; i < w->n_queue; i++) {
        if (strcmp(w->queue[i], path) == 0) {
            return 0;
        }
    }
    if (strpbrk(path, "*?[")) {
        return walk_note(w, "note: router image: @INCLUDE %s is a pattern; the files it "
                            "matches are not patched%s\n", path, NULL);
    }
    if (w->n_queue < LOCAL_MAX_FILES) {
        w->queue[w->n_queue++] = path;
    }
    return 0;
}

/* One file of the image: its diff (or that it is unchanged), its includes queued. */
static int walk_file(struct image_walk *w, const char *path, const char *data, size_t len)
{
    struct emu_arena *a = &w->job->arena;
    const char *label = emu_arena_printf(a, "%s (router image)", path);
    struct emu_buf patched, diff;
    struct emu_local_patch p;
    emu_buf_init(&patched, EMU_LOCAL_CONF_MAX * 2);
    emu_buf_init(&diff, EMU_LOCAL_CONF_MAX * 2);
    int r = label ? 0 : -ENOMEM;
    r = r ? r : emu_local_patch_config(data, len, w->type, w->ep, a, &patched, &p);
    r = r ? r : emu_local_diff(label, &p, &diff);
    if (r == 0 && p.n_changes == 0) {
        r = emu_buf_printf(w->out, "%s: unchanged (no AWS output)\n", label);
    }
    if (r == 0 && diff.len) {
        r = emu_buf_append(w->out, diff.data, diff.len);
    }
    for (size_t i = 0; r == 0 && i < p.n_notes; i++) {
        r = emu_buf_printf(w->out, "note: %s: %s\n", label, p.notes[i]);
    }
    for (size_t i = 0; r == 0 && i < p.n_buckets; i++) {
        r = emu_buf_printf(w->out, "note: bucket %s is created in the local S3 when missing\n",
                           p.buckets[i]);
    }
    struct emu_str_list inc = {0};
    if (r == 0 && emu_local_includes(data, len, a, &inc) == 0) {
        for (size_t i = 0; r == 0 && i < inc.n; i++) {
            r = walk_enqueue(w, emu_local_resolve(path, inc.items[i], a));
        }
    }
    emu_buf_done(&patched);
    emu_buf_done(&diff);
    return r;
}

/* Reads every queued file from helper container id, following symlinks. */
static int walk_files(struct image_walk *w, struct emu_cli_docker *d, const char *id)
{
    int r = 0;
    for (size_t next = 0; r == 0 && next < w->n_queue; next++) {
        const char *path = w->queue[next];
        struct sync_call *s = emu_arena_alloc(&w->job->arena, sizeof(*s));
        struct emu_docker_tar_entry *e = emu_arena_alloc(&w->job->arena, sizeof(*e));
        if (!s || !e) {
            return -ENOMEM;
        }
        memset(s, 0, sizeof(*s));
        s->a = &w->job->arena;
        int st = sync_wait(d, emu_docker_container_archive(d->docker, id, path, ARCHIVE_MAX,
                                                           on_sync, s), s);
        struct emu_docker_tar_iter it;
        if (st == 0) {
            emu_docker_tar_init(&it, s->body ? s->body : "", s->body_len);
            st = emu_docker_tar_next(&it, e);
            st = st == 0 ? -ENOENT : st;
        }
        if (st == 1 && e->type == '2') {
            r = walk_enqueue(w, emu_local_resolve(path, e->link, &w->job->arena));
        }
        else if (st == 1 && e->type == '0') {
            r = walk_file(w, path, e->data, e->size);
        }
        else {
            r = walk_note(w, "note: router image: cannot read %s (%s); left as it is\n", path,
                          s->message ? s->message : emu_strerror(st));
        }
    }
    return r;
}

/* The image's config files as `run` reads them: image inspect for its command, a created and
 * never started helper container, GET /containers/{id}/archive per file, then removal. When
 * the daemon cannot be reached, says so. */
static int render_image_configs(struct render_job *job, const struct emu_container_def *c,
                                const struct emu_local_endpoints *ep,
                                const struct emu_str_list *gen_includes, struct emu_buf *out)
{
    struct emu_docker_image_map map;
    emu_docker_image_map_init(&map);
    struct emu_cli_list none = {0};
    int r = emu_cli_image_map_load(&none, job->image_map_file, &map);
    if (r < 0) {
        emu_docker_image_map_done(&map);
        return r;
    }
    const char *image = emu_docker_image_map_apply(&map, c->image ? c->image : "");
    image = emu_arena_strdup(&job->arena, image ? image : (c->image ? c->image : ""));
    emu_docker_image_map_done(&map);
    /* No socket at all: said here, without the connect error run would print. */
    const char *host = emu_docker_host_pick(job->g->docker_host, getenv("DOCKER_HOST"));
    bool no_socket = host && strncmp(host, "unix://", 7) == 0 && access(host + 7, F_OK) != 0;
    struct emu_cli_docker d;
    if (no_socket || emu_cli_docker_open(job->g, "render", &d) < 0) {
        return emu_buf_printf(out, "note: the Docker daemon is not reachable: config files baked "
                                   "into the router image %s are not shown (run patches them "
                                   "too)\n", image ? image : "");
    }
    bool fd = c->firelens_configuration.type == EMU_ROUTER_FLUENTD;
    struct image_walk w = {
        .job = job,
        .ep = ep,
        .type = c->firelens_configuration.type,
        .skip = {fd ? "/fluentd/etc/fluent.conf" : "/fluent-bit/etc/fluent-bit.conf",
                 fd ? "/fluentd/etc/external.conf" : "/fluent-bit/etc/external.conf"},
        .out = out,
    };
    struct sync_call *s = emu_arena_alloc(&job->arena, sizeof(*s));
    r = s && image ? 0 : -ENOMEM;
    if (r == 0) {
        memset(s, 0, sizeof(*s));
        s->a = &job->arena;
        int st = sync_wait(&d, emu_docker_image_inspect(d.docker, image, on_sync, s), s);
        if (st < 0) {
            r = emu_buf_printf(out, "note: router image %s: %s; its config files are not "
                                    "shown\n", image, s->message ? s->message : emu_strerror(st));
            goto out;
        }
    }
    const char *argv[LOCAL_ARGV_MAX];
    size_t n = 0;
    if (r == 0) {
        const char *const *epv = c->entry_point.n ? c->entry_point.items : s->argv;
        size_t n_ep = c->entry_point.n ? c->entry_point.n : s->n_ep;
        const char *const *cmd = c->command.n ? c->command.items
                                 : c->entry_point.n ? NULL : s->argv + LOCAL_ARGV_MAX / 2;
        size_t n_cmd = c->command.n ? c->command.n : c->entry_point.n ? 0 : s->n_cmd;
        for (size_t i = 0; i < n_ep && n < LOCAL_ARGV_MAX; i++) {
            argv[n++] = epv[i];
        }
        for (size_t i = 0; i < n_cmd && n < LOCAL_ARGV_MAX; i++) {
            argv[n++] = cmd[i];
        }
        r = walk_enqueue(&w, emu_local_config_path(argv, n, w.type, &job->arena));
    }
    for (size_t i = 0; r == 0 && i < gen_includes->n; i++) {
        r = walk_enqueue(&w, emu_local_resolve(w.skip[0], gen_includes->items[i], &job->arena));
    }
    if (r < 0 || w.n_queue == 0) {
        goto out;
    }
    struct emu_docker_create hc;
    emu_docker_create_init(&hc);
    hc.name = emu_arena_printf(&job->arena, "fe-render-%s.cfg", job->ctx.task_id);
    hc.image = image;
    hc.network_mode = "none";
    memset(s, 0, sizeof(*s));
    s->a = &job->arena;
    int st = hc.name ? sync_wait(&d, emu_docker_container_create(d.docker, &hc, on_sync, s), s)
                     : -ENOMEM;
    if (st < 0) {
        r = emu_buf_printf(out, "note: router image %s: cannot read its config files (%s)\n",
                           image, s->message ? s->message : emu_strerror(st));
        goto out;
    }
    r = walk_files(&w, &d, hc.name);
    memset(s, 0, sizeof(*s));
    s->a = &job->arena;
    (void)sync_wait(&d, emu_docker_container_remove(d.docker, hc.name, true, on_sync, s), s);
out:
    emu_cli_docker_close(&d);
    return r;
}

/* `--local`: every change a local run makes to the router configs, as `run` prints them (the
 * same emu_local_patch_config and emu_local_diff). The generated fluent.conf is shown in full
 * detail; external.conf (config-file-type s3) and files baked into the router image are read
 * only by `run` (from the local S3 and through the Docker daemon), so they are named in notes. */
static int render_local(struct render_job *job, struct emu_buf *out)
{
    const struct emu_container_def *router = emu_taskdef_router(job->td);
    if (!router) {
        (void)emu_diags_add(job->diags, EMU_DIAG_ERROR, "",
                            "no container has a firelensConfiguration, so a local run changes "
                            "no router config");
        return EMU_ENOENT;
    }
    struct emu_local_endpoints ep = {.s3 = LOCAL_S3_PLACEHOLDER, .logs = LOCAL_S3_PLACEHOLDER,
                                     .sts = LOCAL_S3_PLACEHOLDER, .region = job->region};
    struct emu_firelens_paths paths;
    struct emu_local_patch p;
    struct emu_buf conf, patched, diff;
    emu_buf_init(&conf, EMU_LOCAL_CONF_MAX);
    emu_buf_init(&patched, EMU_LOCAL_CONF_MAX * 2);
    emu_buf_init(&diff, EMU_LOCAL_CONF_MAX * 2);
    int r = emu_render_firelens_paths(&job->ctx, &job->arena, &paths);
    r = r ? r : emu_render_router_config(job->td, &job->ctx, &conf, job->diags);
    r = r ? r
          : emu_local_patch_config(conf.data ? conf.data : "", conf.len,
                                   router->firelens_configuration.type, &ep, &job->arena,
                                   &patched, &p);
    r = r ? r : emu_local_diff(paths.config_file, &p, &diff);
    if (r == 0 && p.n_changes == 0) {
        r = emu_buf_printf(out, "%s: unchanged (no AWS output)\n", paths.config_file);
    }
    if (r == 0 && diff.len) {
        r = emu_buf_append(out, diff.data, diff.len);
    }
    for (size_t i = 0; r == 0 && i < p.n_notes; i++) {
        r = emu_buf_printf(out, "note: %s: %s\n", paths.config_file, p.notes[i]);
    }
    for (size_t i = 0; r == 0 && i < p.n_buckets; i++) {
        r = emu_buf_printf(out, "note: bucket %s is created in the local S3 when missing\n",
                           p.buckets[i]);
    }
    const struct emu_kv_list *o = &router->firelens_configuration.options;
    const char *ctype = emu_kv_get(o, "config-file-type");
    const char *cval = emu_kv_get(o, "config-file-value");
    if (r == 0 && ctype && strcmp(ctype, "s3") == 0) {
        r = emu_buf_printf(out, "note: %s: %s is read from the local S3 by run and patched the "
                                "same way (run prints its diff)\n",
                           paths.external_file, cval ? cval : "");
    }
    struct emu_str_list inc = {0};
    if (r == 0) {
        r = emu_local_includes(conf.data ? conf.data : "", conf.len, &job->arena, &inc);
    }
    if (r == 0) {
        r = render_image_configs(job, router, &ep, &inc, out);
    }
    const char *rev = job->td->revision.has
                          ? emu_arena_printf(&job->arena, "%lld", (long long)job->td->revision.v)
                          : "1";
    r = r ? r
          : emu_cli_render_init(job->g, router, &job->ctx, job->td->family ? job->td->family : "",
                                rev ? rev : "1", job->region, job->image_map_file, &ep,
                                &job->arena, out);
    emu_buf_done(&conf);
    emu_buf_done(&patched);
    emu_buf_done(&diff);
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
    if ((opts->show_secrets && !opts->secrets_file) ||
        (opts->secrets_file && (opts->local || strcmp(what, "taskdef") == 0 ||
                                strcmp(what, "router-config") == 0 ||
                                strcmp(what, "log-options") == 0))) {
        fprintf(stderr, "fargate-emu render: --show-secrets needs --secrets-file, which goes "
                        "with --what containers or all (the other parts hold no secret values)\n");
        return EMU_EXIT_USAGE;
    }
    if (opts->local && (g->json || opts->what)) {
        fprintf(stderr, "fargate-emu render: --local prints diffs: not with --json or --what\n");
        return EMU_EXIT_USAGE;
    }
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
    struct emu_secret_map secret_map = {0};
    job.secrets.arena = &job.arena;
    job.secrets.show = opts->show_secrets;
    if (opts->secrets_file) {
        if (emu_cli_secrets_load("render", opts->secrets_file, &job.arena, &secret_map) < 0) {
            exit_code = EMU_EXIT_USAGE;
            goto out;
        }
        job.secrets.map = &secret_map;
        if (emu_cli_render_secrets_check(&job.secrets, td, &diags) > 0) {
            emu_cli_print_diags(file, &diags, false, true);
            fprintf(stderr, "%s: not rendered: secrets missing from --secrets-file %s\n", file,
                    opts->secrets_file);
            goto out;
        }
    }
    job.region = g->region ? g->region : DEFAULT_REGION;
    job.g = g;
    job.image_map_file = opts->image_map_file;
    if (opts->local) {
        r = render_local(&job, &out);
    }
    else {
        r = strcmp(what, "taskdef") == 0 ? render_taskdef(&job, &src, &out)
                                         : render_parts(&job, what, &out);
    }
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
    {"fargate-emu render --local fixtures/seed/task-s3-full.json",
     "Print what a local run changes in the generated router config, as a unified diff."},
    {"fargate-emu render --what taskdef --tf-plan plan.json",
     "Print the task definition a Terraform plan deploys, as a RegisterTaskDefinition request."},
    {NULL, NULL},
};

const struct emu_cli_command emu_cmd_render = {
    .name = "render",
    .summary = "Print what the ECS agent derives from a task definition: the router's "
               "fluent.conf byte for byte, the awsfirelens containers' Docker log options, "
               "and the containers' start order, binds and environment.",
    .usage = "[--what router-config|log-options|containers|all|taskdef] [--json] [--local] "
             "[--cluster NAME] [--task-arn ARN | --task-id ID] [--region R] [--account-id N] "
             "[--launch-type FARGATE|EC2] [--ec2-instance-id ID] [--data-dir DIR] "
             "[--secrets-file FILE [--show-secrets]] (TASKDEF | --tftpl FILE "
             "[--var NAME=VALUE]... | --tf-plan FILE [--resource ADDRESS])",
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
