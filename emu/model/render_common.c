/* SPDX-License-Identifier: Apache-2.0 */
/* What the Fluent Bit and Fluentd renderers share: the agent's option collection per container
 * (plain options, log-driver secrets as placeholders), the router options of spec 1.4 with the
 * agent's error texts, metadata fields, network mode and Mem_Buf_Limit of spec 1.3. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu/model/ids.h"
#include "emu/model/render_internal.h"

#define EMU_S3_INCLUDE_FLUENTBIT "/fluent-bit/etc/external.conf"
#define EMU_S3_INCLUDE_FLUENTD "/fluentd/etc/external.conf"

void emu_render_ctx_init(struct emu_render_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->cluster = "default";
    ctx->host_data_dir = "/var/lib/ecs";
    ctx->launch_type = EMU_LAUNCH_FARGATE;
    ctx->firelens_async = true;
    ctx->docker_before_20_10 = false;
}

int emu_render_parse_go_bool(const char *s, bool *ret)
{
    static const char *const truthy[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const falsy[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < sizeof(truthy) / sizeof(truthy[0]); i++) {
        if (strcmp(s, truthy[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcmp(s, falsy[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return -EINVAL;
}

static int kv_cmp(const void *a, const void *b)
{
    const struct emu_kv *x = a;
    const struct emu_kv *y = b;
    return strcmp(x->key, y->key); /* strcmp compares as unsigned char: byte order */
}

void emu_render_sort_kv(struct emu_kv *items, size_t n)
{
    if (n > 1) {
        qsort(items, n, sizeof(*items), kv_cmp);
    }
}

int emu_render_kv_set(struct emu_arena *a, struct emu_kv_list *l, size_t *cap, const char *key,
                      const char *value)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            l->items[i].value = value;
            return 0;
        }
    }
    if (l->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct emu_kv *items = emu_arena_alloc(a, ncap * sizeof(*items));
        if (!items) {
            return -ENOMEM;
        }
        if (l->n) {
            memcpy(items, l->items, l->n * sizeof(*items));
        }
        l->items = items;
        *cap = ncap;
    }
    l->items[l->n].key = key;
    l->items[l->n].value = value;
    l->n++;
    return 0;
}

const char *emu_render_config_network_mode(const struct emu_taskdef *td)
{
    switch (td->network_mode) {
    case EMU_NETWORK_AWSVPC:
        return "awsvpc";
    case EMU_NETWORK_UNSET:
    case EMU_NETWORK_BRIDGE:
        return "bridge";
    case EMU_NETWORK_HOST:
        return "host";
    case EMU_NETWORK_NONE:
        return "none";
    default:
        /* A mode ECS would reject: the agent would use the container's own mode verbatim. */
        return td->network_mode_raw ? td->network_mode_raw : "";
    }
}

int64_t emu_render_mem_buf_limit_mb(const struct emu_container_def *router)
{
    int64_t mem = 0;
    if (router->memory_reservation.has && router->memory_reservation.v > 0) {
        mem = router->memory_reservation.v;
    }
    else if (router->memory.has && router->memory.v > 0) {
        mem = router->memory.v;
    }
    int64_t n = mem / 2;
    return n <= 0 ? 25 : n;
}

const char *emu_render_task_id(const struct emu_render_ctx *ctx)
{
    if (ctx->task_id) {
        return ctx->task_id;
    }
    return ctx->task_arn ? emu_ids_task_id_of_arn(ctx->task_arn) : "";
}

char *emu_render_task_definition(struct emu_arena *a, const struct emu_taskdef *td)
{
    int64_t rev = td->revision.has ? td->revision.v : 1;
    return emu_arena_printf(a, "%s:%lld", td->family ? td->family : "", (long long)rev);
}

char *emu_render_secret_placeholder(struct emu_arena *a, enum emu_router_type type,
                                    const char *secret_name, size_t idx)
{
    if (type == EMU_ROUTER_FLUENTD) {
        return emu_arena_printf(a, "\"#{ENV['%s_%zu']}\"", secret_name, idx);
    }
    return emu_arena_printf(a, "${%s_%zu}", secret_name, idx);
}

char *emu_render_where(struct emu_arena *a, const struct emu_taskdef *td, size_t i,
                       const char *suffix)
{
    const char *base = td->containers_path ? td->containers_path : "containerDefinitions";
    return emu_arena_printf(a, "%s[%zu].%s", base, i, suffix);
}

/* The agent's S3 ARN rule: the unanchored regexp arn:([^:]+):s3:::([^/]+)/(.+) must match
 * somewhere in the value (Go RE2: `.` does not match a newline). */
static bool s3_arn_matches(const char *s)
{
    for (const char *p = strstr(s, "arn:"); p; p = strstr(p + 1, "arn:")) {
        const char *q = p + 4;
        const char *r = q;
        while (*r && *r != ':') {
            r++;
        }
        if (r == q || strncmp(r, ":s3:::", 6) != 0) {
            continue;
        }
        const char *b = r + 6;
        const char *t = b;
        while (*t && *t != '/') {
            t++;
        }
        if (t == b || *t != '/') {
            continue;
        }
        if (t[1] != '\0' && t[1] != '\n') {
            return true;
        }
    }
    return false;
}

/* Spec 1.4: enable-ecs-log-metadata, config-file-type, config-file-value. */
static int prepare_router_options(const struct emu_taskdef *td, const struct emu_container_def *rt,
                                  struct emu_arena *a, struct emu_rc *rc, struct emu_diags *diags)
{
    size_t ri = (size_t)(rt - td->containers);
    const struct emu_kv_list *opts = &rt->firelens_configuration.options;
    const char *where = emu_render_where(a, td, ri, "firelensConfiguration.options");
    const char *where_type =
        emu_render_where(a, td, ri, "firelensConfiguration.options." EMU_OPT_CONFIG_TYPE);
    const char *where_value =
        emu_render_where(a, td, ri, "firelensConfiguration.options." EMU_OPT_CONFIG_VALUE);
    if (!where || !where_type || !where_value) {
        return -ENOMEM;
    }
    const char *meta = emu_kv_get(opts, EMU_OPT_METADATA);
    rc->metadata = true;
    if (meta) {
        /* Unparsable: the agent only logs a warning (emu_taskdef_validate reports it) and
         * leaves its zero value, so metadata is off. */
        bool b = false;
        rc->metadata = emu_render_parse_go_bool(meta, &b) == 0 && b;
    }
    const char *ctype = emu_kv_get(opts, EMU_OPT_CONFIG_TYPE);
    if (!ctype) {
        return 0;
    }
    if (strcmp(ctype, "s3") != 0 && strcmp(ctype, "file") != 0) {
        int r = emu_diags_add(diags, EMU_DIAG_ERROR, where_type,
                              "invalid value %s is specified for option %s", ctype,
                              EMU_OPT_CONFIG_TYPE);
        return r < 0 ? r : -EINVAL;
    }
    const char *cval = emu_kv_get(opts, EMU_OPT_CONFIG_VALUE);
    if (!cval) {
        int r = emu_diags_add(diags, EMU_DIAG_ERROR, where,
                              "option %s is specified but %s is not specified", EMU_OPT_CONFIG_TYPE,
                              EMU_OPT_CONFIG_VALUE);
        return r < 0 ? r : -EINVAL;
    }
    if (strcmp(ctype, "file") == 0) {
        rc->include_path = cval;
        return 0;
    }
    if (!s3_arn_matches(cval)) {
        int r =
            emu_diags_add(diags, EMU_DIAG_ERROR, where_value,
                          "unable to parse bucket and key from s3 arn: invalid s3 arn: %s", cval);
        return r < 0 ? r : -EINVAL;
    }
    rc->include_path =
        rc->type == EMU_ROUTER_FLUENTD ? EMU_S3_INCLUDE_FLUENTD : EMU_S3_INCLUDE_FLUENTBIT;
    return 0;
}

/* The agent's containerToLogOptions entry for container i: its awsfirelens options without
 * log-driver-buffer-limit, then its log-driver secrets as placeholders (spec 1.5, 8).
 * *present is false when the container has no entry at all. */
static int collect_options(const struct emu_taskdef *td, size_t i, enum emu_router_type type,
                           struct emu_arena *a, struct emu_kv_list *ret, bool *present)
{
    const struct emu_container_def *c = &td->containers[i];
    size_t cap = 0;
    memset(ret, 0, sizeof(*ret));
    *present = false;
    if (emu_container_uses_firelens(c)) {
        *present = true;
        const struct emu_kv_list *o = &c->log_configuration.options;
        for (size_t k = 0; k < o->n; k++) {
            if (strcmp(o->items[k].key, EMU_OPT_BUFFER_LIMIT) == 0) {
                continue;
            }
            if (emu_render_kv_set(a, ret, &cap, o->items[k].key, o->items[k].value) < 0) {
                return -ENOMEM;
            }
        }
    }
    const struct emu_secret_list *s = &c->log_configuration.secret_options;
    for (size_t k = 0; k < s->n; k++) {
        const char *name = s->items[k].name ? s->items[k].name : "";
        char *ph = emu_render_secret_placeholder(a, type, name, i);
        if (!ph || emu_render_kv_set(a, ret, &cap, name, ph) < 0) {
            return -ENOMEM;
        }
        *present = true;
    }
    return 0;
}

/* addOutputSection's split of one entry; reports a missing Name/@type. */
static int prepare_app(const struct emu_taskdef *td, size_t i, struct emu_arena *a,
                       struct emu_rc *rc, struct emu_diags *diags, bool *failed)
{
    struct emu_kv_list opts;
    bool present = false;
    if (collect_options(td, i, rc->type, a, &opts, &present) < 0) {
        return -ENOMEM;
    }
    if (!present) {
        return 0;
    }
    const char *out_key = rc->type == EMU_ROUTER_FLUENTD ? "@type" : "Name";
    struct emu_rc_app *app = &rc->apps[rc->n_apps];
    memset(app, 0, sizeof(*app));
    app->c = &td->containers[i];
    app->opts = opts.n ? emu_arena_alloc(a, opts.n * sizeof(*app->opts)) : NULL;
    if (opts.n && !app->opts) {
        return -ENOMEM;
    }
    for (size_t k = 0; k < opts.n; k++) {
        const struct emu_kv *kv = &opts.items[k];
        if (strcmp(kv->key, out_key) == 0) {
            app->output = kv->value;
        }
        else if (strcmp(kv->key, EMU_OPT_INCLUDE) == 0) {
            app->include = kv->value;
        }
        else if (strcmp(kv->key, EMU_OPT_EXCLUDE) == 0) {
            app->exclude = kv->value;
        }
        else {
            app->opts[app->n_opts++] = *kv;
        }
    }
    emu_render_sort_kv(app->opts, app->n_opts);
    if (app->n_opts > 0 && !app->output) {
        const char *where = emu_render_where(a, td, i, "logConfiguration.options");
        if (!where ||
            emu_diags_add(diags, EMU_DIAG_ERROR, where,
                          "missing output key %s which is required for firelens configuration "
                          "of type %s",
                          out_key, rc->type == EMU_ROUTER_FLUENTD ? "fluentd" : "fluentbit") < 0) {
            return -ENOMEM;
        }
        *failed = true;
    }
    rc->n_apps++;
    return 0;
}

static int prepare_records(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                           struct emu_arena *a, struct emu_rc *rc)
{
    if (!rc->metadata) {
        return 0;
    }
    const char *taskdef = emu_render_task_definition(a, td);
    if (!taskdef) {
        return -ENOMEM;
    }
    if (ctx->launch_type == EMU_LAUNCH_EC2 && ctx->ec2_instance_id && *ctx->ec2_instance_id) {
        rc->records[rc->n_records++] = (struct emu_kv){"ec2_instance_id", ctx->ec2_instance_id};
    }
    rc->records[rc->n_records++] =
        (struct emu_kv){"ecs_cluster", ctx->cluster ? ctx->cluster : "default"};
    rc->records[rc->n_records++] =
        (struct emu_kv){"ecs_task_arn", ctx->task_arn ? ctx->task_arn : ""};
    rc->records[rc->n_records++] = (struct emu_kv){"ecs_task_definition", taskdef};
    emu_render_sort_kv(rc->records, rc->n_records);
    return 0;
}

int emu_render_prepare(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                       struct emu_arena *a, struct emu_rc *rc, struct emu_diags *diags)
{
    memset(rc, 0, sizeof(*rc));
    const struct emu_container_def *rt = emu_taskdef_router(td);
    if (!rt) {
        return -ENOENT;
    }
    const struct emu_firelens_config *fc = &rt->firelens_configuration;
    if (fc->type != EMU_ROUTER_FLUENTBIT && fc->type != EMU_ROUTER_FLUENTD) {
        const char *where =
            emu_render_where(a, td, (size_t)(rt - td->containers), "firelensConfiguration.type");
        if (!where ||
            emu_diags_add(diags, EMU_DIAG_ERROR, where, "unsupported firelens config type %s",
                          fc->type_raw ? fc->type_raw : "") < 0) {
            return -ENOMEM;
        }
        return -EINVAL;
    }
    rc->type = fc->type;
    int r = prepare_router_options(td, rt, a, rc, diags);
    if (r < 0) {
        return r;
    }
    rc->net_mode = emu_render_config_network_mode(td);
    if (strcmp(rc->net_mode, "awsvpc") == 0) {
        rc->listen = "127.0.0.1";
    }
    else if (strcmp(rc->net_mode, "bridge") == 0) {
        rc->listen = "0.0.0.0";
    }
    rc->mem_buf_mb = emu_render_mem_buf_limit_mb(rt);
    if (prepare_records(td, ctx, a, rc) < 0) {
        return -ENOMEM;
    }
    rc->apps = td->n_containers ? emu_arena_alloc(a, td->n_containers * sizeof(*rc->apps)) : NULL;
    if (td->n_containers && !rc->apps) {
        return -ENOMEM;
    }
    bool failed = false;
    for (size_t i = 0; i < td->n_containers; i++) {
        if (prepare_app(td, i, a, rc, diags, &failed) < 0) {
            return -ENOMEM;
        }
    }
    return failed ? -EINVAL : 0;
}

int emu_render_router_config(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                             struct emu_buf *out, struct emu_diags *diags)
{
    struct emu_arena a;
    struct emu_rc rc;
    size_t mark = out->len;
    emu_arena_init(&a, 0);
    int r = emu_render_prepare(td, ctx, &a, &rc, diags);
    if (r == 0) {
        r = rc.type == EMU_ROUTER_FLUENTD ? emu_render_fluentd(&rc, out)
                                          : emu_render_fluentbit(&rc, out);
    }
    if (r < 0 && out->data) {
        out->len = mark; /* all or nothing */
        out->data[mark] = '\0';
    }
    emu_arena_done(&a);
    return r;
}

const char *emu_render_log_secret_from(const struct emu_container_plan *cp, const char *key)
{
    for (size_t i = 0; key && i < cp->log_secrets.n; i++) {
        if (strcmp(cp->log_secrets.items[i].key, key) == 0) {
            return cp->log_secrets.items[i].value;
        }
    }
    return NULL;
}
