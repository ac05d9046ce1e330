/* SPDX-License-Identifier: Apache-2.0 */
/* Turns a model container into the Docker client's create description, as the ECS agent
 * would: image, entryPoint/command, environment (files, then environment, then secrets),
 * labels (dockerLabels plus the agent's com.amazonaws.ecs.*), resources, ulimits, health
 * check, binds for task volumes and volumesFrom, log driver; and the task's pause container. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/runtime/runtime.h"

#define ENV_FILE_MAX (1024u * 1024u)
#define MAX_ENV 4096
#define MIB (1024LL * 1024LL)

/* A growable array of strings in arena memory, bounded. */
struct strv {
    const char **items;
    size_t n, cap;
};

static int strv_add(struct emu_arena *a, struct strv *v, const char *s)
{
    if (!s) {
        return -ENOMEM;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        if (cap > MAX_ENV) {
            return -E2BIG;
        }
        const char **items = emu_arena_alloc(a, cap * sizeof(*items));
        if (!items) {
            return -ENOMEM;
        }
        if (v->n) {
            memcpy(items, v->items, v->n * sizeof(*items));
        }
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = s;
    return 0;
}

int emu_task_docker_labels(const struct emu_task_state *st, const char *container,
                           const char *role, struct emu_arena *arena,
                           struct emu_docker_kv **ret, size_t *ret_n)
{
    struct emu_docker_kv *kv = emu_arena_alloc(arena, 8 * sizeof(*kv));
    char *rev = emu_arena_printf(arena, "%ld", st->revision);
    if (!kv || !rev) {
        return -ENOMEM;
    }
    size_t n = 0;
    kv[n++] = (struct emu_docker_kv){"com.amazonaws.ecs.cluster", st->cluster};
    if (container) {
        kv[n++] = (struct emu_docker_kv){"com.amazonaws.ecs.container-name", container};
    }
    kv[n++] = (struct emu_docker_kv){"com.amazonaws.ecs.task-arn", st->arn};
    kv[n++] = (struct emu_docker_kv){"com.amazonaws.ecs.task-definition-family", st->family};
    kv[n++] = (struct emu_docker_kv){"com.amazonaws.ecs.task-definition-version", rev};
    kv[n++] = (struct emu_docker_kv){EMU_LABEL_TASK, st->id};
    kv[n++] = (struct emu_docker_kv){EMU_LABEL_ROLE, role};
    *ret = kv;
    *ret_n = n;
    return 0;
}

/* dockerLabels first, then the agent's labels (which win over a user label of the same key). */
static int container_labels(const struct emu_task_docker_ctx *ctx,
                            const struct emu_container_def *c, struct emu_arena *a,
                            struct emu_docker_create *out)
{
    struct emu_docker_kv *agent;
    size_t n_agent;
    int r = emu_task_docker_labels(ctx->st, c->name, "container", a, &agent, &n_agent);
    if (r < 0) {
        return r;
    }
    size_t n = c->docker_labels.n + n_agent;
    struct emu_docker_kv *kv = emu_arena_alloc(a, n * sizeof(*kv));
    if (!kv) {
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < c->docker_labels.n; i++) {
        bool shadowed = false;
        for (size_t j = 0; j < n_agent; j++) {
            shadowed = shadowed || strcmp(agent[j].key, c->docker_labels.items[i].key) == 0;
        }
        if (!shadowed) {
            kv[k++] = (struct emu_docker_kv){c->docker_labels.items[i].key,
                                             c->docker_labels.items[i].value};
        }
    }
    memcpy(kv + k, agent, n_agent * sizeof(*kv));
    out->labels = kv;
    out->n_labels = k + n_agent;
    return 0;
}

/* One environment file: VAR=VALUE lines; '#' comments and blank lines are skipped. */
static int env_file(const char *path, struct emu_arena *a, struct strv *env, char *why,
                    size_t why_len)
{
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, ENV_FILE_MAX, &data, &len);
    if (r < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: failed to download env "
                                     "files: cannot read local environment file %s: %s",
                       path, r == -E2BIG ? "over 1 MiB" : strerror(-r));
        return r;
    }
    const char *end = data + len;
    for (const char *line = data; r == 0 && line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)((nl ? nl : end) - line);
        size_t m = n && line[n - 1] == '\r' ? n - 1 : n;
        if (m && line[0] != '#' && memchr(line, '=', m)) {
            r = strv_add(a, env, emu_arena_strndup(a, line, m));
        }
        line += n + (nl ? 1 : 0);
    }
    emu_free(data);
    return r;
}

static int secret_env(const struct emu_task_docker_ctx *ctx, const struct emu_secret *s,
                      struct emu_arena *a, struct strv *env, char *why, size_t why_len)
{
    const char *v = ctx->secrets ? emu_secret_lookup(ctx->secrets, s->value_from, a) : NULL;
    if (v) {
        return strv_add(a, env, emu_arena_printf(a, "%s=%s", s->name, v));
    }
    if (s->value_from && strstr(s->value_from, ":secretsmanager:")) {
        (void)snprintf(why, why_len,
                       "ResourceInitializationError: unable to pull secrets or registry auth: "
                       "execution resource retrieval failed: unable to retrieve secret from asm: "
                       "service call has been retried 1 time(s): failed to fetch secret %s from "
                       "secrets manager: ResourceNotFoundException: Secrets Manager can't find "
                       "the specified secret.",
                       s->value_from);
    }
    else {
        (void)snprintf(why, why_len,
                       "ResourceInitializationError: unable to pull secrets or registry auth: "
                       "execution resource retrieval failed: unable to retrieve secrets from "
                       "ssm: service call has been retried 1 time(s): invalid parameters: %s",
                       s->value_from ? s->value_from : "");
    }
    return -ENOENT;
}

static int build_env(const struct emu_task_docker_ctx *ctx, size_t i, struct emu_arena *a,
                     struct emu_docker_create *out, char *why, size_t why_len)
{
    const struct emu_container_def *c = ctx->plan->containers[i].def;
    struct strv env = {0};
    int r = strv_add(a, &env, "AWS_EXECUTION_ENV=AWS_ECS_FARGATE");
    for (size_t k = 0; r == 0 && k < c->n_environment_files; k++) {
        const char *path = c->environment_files[k].value;
        if (path && strncmp(path, "arn:", 4) == 0) {
            (void)snprintf(why, why_len, "ResourceInitializationError: failed to download env "
                                         "files: %s is an S3 object; fargate-emu reads "
                                         "environmentFiles from local paths", path);
            return -ENOTSUP;
        }
        r = env_file(path ? path : "", a, &env, why, why_len);
    }
    for (size_t k = 0; r == 0 && k < c->environment.n; k++) {
        r = strv_add(a, &env, emu_arena_printf(a, "%s=%s", c->environment.items[k].key,
                                               c->environment.items[k].value));
    }
    for (size_t k = 0; r == 0 && k < c->secrets.n; k++) {
        r = secret_env(ctx, &c->secrets.items[k], a, &env, why, why_len);
    }
    const struct emu_container_plan *cp = &ctx->plan->containers[i];
    for (size_t k = 0; r == 0 && k < cp->extra_env.n; k++) {
        const char *key = cp->extra_env.items[k].key;
        const char *from = emu_render_log_secret_from(cp, key);
        if (from) { /* a log-driver secret: the router gets its value, as the agent gives it */
            const struct emu_secret s = {.name = key, .value_from = from};
            r = secret_env(ctx, &s, a, &env, why, why_len);
            continue;
        }
        r = strv_add(a, &env, emu_arena_printf(a, "%s=%s", key, cp->extra_env.items[k].value));
    }
    out->env = env.items;
    out->n_env = env.n;
    return r;
}

static const struct emu_volume *find_volume(const struct emu_taskdef *td, const char *name)
{
    for (size_t v = 0; name && v < td->n_volumes; v++) {
        if (td->volumes[v].name && strcmp(td->volumes[v].name, name) == 0) {
            return &td->volumes[v];
        }
    }
    return NULL;
}

/* The binds of c's mountPoints; ro_override >= 0 forces read-only (volumesFrom). */
static int mount_binds(const struct emu_task_docker_ctx *ctx, const struct emu_container_def *c,
                       int ro_override, struct emu_arena *a, struct strv *binds, char *why,
                       size_t why_len)
{
    for (size_t m = 0; m < c->n_mount_points; m++) {
        const struct emu_mount_point *mp = &c->mount_points[m];
        const struct emu_volume *v = find_volume(ctx->td, mp->source_volume);
        if (!v || !mp->container_path) {
            (void)snprintf(why, why_len, "container %s mounts unknown volume %s", c->name,
                           mp->source_volume ? mp->source_volume : "");
            return -EINVAL;
        }
        bool ro = ro_override >= 0 ? ro_override : (mp->read_only.has && mp->read_only.v);
        const char *src = v->host_source_path
                              ? v->host_source_path
                              : emu_arena_printf(a, "%s/volumes/%s", ctx->task_dir, v->name);
        int r = strv_add(a, binds, emu_arena_printf(a, "%s:%s%s", src ? src : "",
                                                     mp->container_path, ro ? ":ro" : ""));
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* Task volumes, then volumesFrom (the source's mountPoints; Docker's own VolumesFrom would
 * also copy image VOLUMEs, which Fargate's task-scoped volumes do not need). */
static int build_binds(const struct emu_task_docker_ctx *ctx, size_t i, struct emu_arena *a,
                       struct emu_docker_create *out, char *why, size_t why_len)
{
    const struct emu_container_def *c = ctx->plan->containers[i].def;
    struct strv binds = {0};
    int r = mount_binds(ctx, c, -1, a, &binds, why, why_len);
    for (size_t k = 0; r == 0 && k < c->n_volumes_from; k++) {
        const struct emu_volume_from *vf = &c->volumes_from[k];
        const struct emu_container_def *src =
            vf->source_container ? emu_taskdef_container(ctx->td, vf->source_container) : NULL;
        if (!src) {
            (void)snprintf(why, why_len, "container %s takes volumesFrom unknown container %s",
                           c->name, vf->source_container ? vf->source_container : "");
            return -EINVAL;
        }
        r = mount_binds(ctx, src, vf->read_only.has && vf->read_only.v ? 1 : -1, a, &binds,
                        why, why_len);
    }
    /* The router's FireLens binds (spec 1.2), exactly as the plan words them. */
    const struct emu_str_list *extra = &ctx->plan->containers[i].extra_binds;
    for (size_t k = 0; r == 0 && k < extra->n; k++) {
        r = strv_add(a, &binds, extra->items[k]);
    }
    out->binds = binds.items;
    out->n_binds = binds.n;
    return r;
}

static int build_health(const struct emu_container_def *c, struct emu_arena *a,
                        struct emu_docker_create *out)
{
    const struct emu_health_check *h = &c->health_check;
    if (!h->present || h->command.n == 0) {
        return 0;
    }
    struct emu_docker_health *dh = emu_arena_alloc(a, sizeof(*dh));
    if (!dh) {
        return -ENOMEM;
    }
    memset(dh, 0, sizeof(*dh));
    const long long s = 1000000000LL;
    dh->test = c->health_check.command.items;
    dh->n_test = c->health_check.command.n;
    /* ECS's defaults: interval 30 s, timeout 5 s, retries 3, no start period. */
    dh->interval_ns = (h->interval.has ? h->interval.v : 30) * s;
    dh->timeout_ns = (h->timeout.has ? h->timeout.v : 5) * s;
    dh->retries = (int)(h->retries.has ? h->retries.v : 3);
    dh->start_period_ns = h->start_period.has ? h->start_period.v * s : 0;
    out->health = dh;
    return 0;
}

static int build_limits(const struct emu_container_def *c, struct emu_arena *a,
                        struct emu_docker_create *out)
{
    if (c->cpu.has) {
        /* The agent's floor: the kernel's minimum of 2 shares. */
        out->cpu_shares = c->cpu.v < 2 ? 2 : c->cpu.v;
    }
    if (c->memory.has && c->memory.v > 0) {
        out->memory_bytes = c->memory.v * MIB;
    }
    if (c->memory_reservation.has && c->memory_reservation.v > 0) {
        out->memory_reservation_bytes = c->memory_reservation.v * MIB;
    }
    if (c->n_ulimits) {
        struct emu_docker_ulimit *u = emu_arena_alloc(a, c->n_ulimits * sizeof(*u));
        if (!u) {
            return -ENOMEM;
        }
        for (size_t k = 0; k < c->n_ulimits; k++) {
            u[k] = (struct emu_docker_ulimit){c->ulimits[k].name, c->ulimits[k].soft_limit.v,
                                              c->ulimits[k].hard_limit.v};
        }
        out->ulimits = u;
        out->n_ulimits = c->n_ulimits;
    }
    const struct emu_linux_parameters *lp = &c->linux_parameters;
    out->init = lp->present && lp->init_process_enabled.has && lp->init_process_enabled.v;
    out->cap_add = lp->cap_add.items;
    out->n_cap_add = lp->cap_add.n;
    out->cap_drop = lp->cap_drop.items;
    out->n_cap_drop = lp->cap_drop.n;
    out->readonly_rootfs = c->readonly_root_filesystem.has && c->readonly_root_filesystem.v;
    return 0;
}

/* awsfirelens: the agent's fluentd LogConfig (spec 2) from the plan; other drivers pass
 * through; awslogs stays on Docker's default driver: the supervisor follows that output into the
 * CloudWatch Logs shim (emu/cli/cli_awslogs.c). */
static void build_log(const struct emu_container_plan *cp, struct emu_arena *a,
                      struct emu_docker_create *out)
{
    const struct emu_container_def *c = cp->def;
    const struct emu_log_config *lc = &c->log_configuration;
    if (cp->uses_firelens && cp->log_config.type) {
        const struct emu_kv_list *cfg = &cp->log_config.config;
        struct emu_docker_kv *kv = emu_arena_alloc(a, (cfg->n + 1) * sizeof(*kv));
        if (!kv) {
            return;
        }
        for (size_t k = 0; k < cfg->n; k++) {
            kv[k] = (struct emu_docker_kv){cfg->items[k].key, cfg->items[k].value};
        }
        out->log_type = cp->log_config.type;
        out->log_opts = kv;
        out->n_log_opts = cfg->n;
        return;
    }
    if (!lc->present || !lc->log_driver || strcmp(lc->log_driver, "awsfirelens") == 0 ||
        strcmp(lc->log_driver, "awslogs") == 0) {
        return;
    }
    struct emu_docker_kv *kv = emu_arena_alloc(a, (lc->options.n + 1) * sizeof(*kv));
    if (!kv) {
        return;
    }
    for (size_t k = 0; k < lc->options.n; k++) {
        kv[k] = (struct emu_docker_kv){lc->options.items[k].key, lc->options.items[k].value};
    }
    out->log_type = lc->log_driver;
    out->log_opts = kv;
    out->n_log_opts = lc->options.n;
}

int emu_task_docker_container(const struct emu_task_docker_ctx *ctx, size_t i,
                              const char *pause_ref, struct emu_arena *arena,
                              struct emu_docker_create *ret, char *why, size_t why_len)
{
    const struct emu_container_def *c = ctx->plan->containers[i].def;
    struct emu_docker_create out;
    emu_docker_create_init(&out);
    why[0] = '\0';
    out.name = ctx->st->containers[i].docker_name;
    out.image = ctx->image_map ? emu_docker_image_map_apply(ctx->image_map, c->image) : c->image;
    out.entrypoint = c->entry_point.items;
    out.n_entrypoint = c->entry_point.n;
    out.cmd = c->command.items;
    out.n_cmd = c->command.n;
    out.user = c->user;
    out.workdir = c->working_directory;
    out.network_mode = emu_arena_printf(arena, "container:%s", pause_ref);
    out.stop_timeout = ctx->st->containers[i].stop_timeout_s;
    int r = out.network_mode ? 0 : -ENOMEM;
    r = r ? r : container_labels(ctx, c, arena, &out);
    r = r ? r : build_env(ctx, i, arena, &out, why, why_len);
    r = r ? r : build_binds(ctx, i, arena, &out, why, why_len);
    r = r ? r : build_health(c, arena, &out);
    r = r ? r : build_limits(c, arena, &out);
    if (r < 0) {
        if (!why[0]) {
            (void)snprintf(why, why_len, "container %s: %s", c->name, strerror(-r));
        }
        return r;
    }
    build_log(&ctx->plan->containers[i], arena, &out);
    *ret = out;
    return 0;
}

int emu_task_docker_pause(const struct emu_task_docker_ctx *ctx, const char *pause_image,
                          const struct emu_publish *publish, size_t n_publish,
                          struct emu_arena *arena, struct emu_docker_create *ret, char *why,
                          size_t why_len)
{
    struct emu_docker_create out;
    emu_docker_create_init(&out);
    why[0] = '\0';
    out.name = ctx->st->pause_name;
    out.image = pause_image;
    out.network_mode = ctx->st->network_name;
    out.stop_timeout = 1;
    size_t max = 0;
    for (size_t i = 0; i < ctx->td->n_containers; i++) {
        max += ctx->td->containers[i].n_port_mappings;
    }
    struct emu_docker_port *ports = emu_arena_alloc(arena, (max + 1) * sizeof(*ports));
    if (!ports) {
        return -ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < ctx->td->n_containers; i++) {
        const struct emu_container_def *c = &ctx->td->containers[i];
        for (size_t k = 0; k < c->n_port_mappings; k++) {
            const struct emu_port_mapping *pm = &c->port_mappings[k];
            if (!pm->container_port.has || pm->container_port.v <= 0 ||
                pm->container_port.v > 65535) {
                continue;
            }
            uint16_t cport = (uint16_t)pm->container_port.v;
            uint16_t hport = cport; /* awsvpc: the host port is the container port */
            for (size_t p = 0; p < n_publish; p++) {
                hport = publish[p].container_port == cport ? publish[p].host_port : hport;
            }
            const char *proto = pm->protocol ? pm->protocol : "tcp";
            bool dup = false;
            for (size_t p = 0; p < n; p++) {
                dup = dup || (ports[p].container_port == cport &&
                              strcmp(ports[p].protocol, proto) == 0);
            }
            if (!dup) {
                ports[n++] = (struct emu_docker_port){cport, hport, proto};
            }
        }
    }
    out.ports = ports;
    out.n_ports = n;
    struct emu_docker_kv *labels = NULL;
    int r = emu_task_docker_labels(ctx->st, NULL, "pause", arena, &labels, &out.n_labels);
    out.labels = labels;
    if (r < 0) {
        (void)snprintf(why, why_len, "pause container: %s", strerror(-r));
        return r;
    }
    *ret = out;
    return 0;
}
