/* SPDX-License-Identifier: Apache-2.0 */
/* The per-container plan of a FireLens task (spec 2, 3, 4): effective dependencies (user's,
 * volumesFrom -> CREATE, links -> START, then the implicit START on the router), a stable
 * topological start order and its reverse as stop order, the router's binds and environment,
 * and every awsfirelens container's LogConfig and FLUENT_HOST/FLUENT_PORT. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "emu/model/render_internal.h"

#define NO_TARGET SIZE_MAX

struct dep_list {
    struct emu_dependency *items;
    size_t *targets; /* index of each dependency's container, NO_TARGET if unknown */
    size_t n;
    size_t cap;
};

struct planner {
    const struct emu_taskdef *td;
    const struct emu_render_ctx *ctx;
    struct emu_arena *a;
    struct emu_diags *diags;
    struct dep_list *deps; /* one per container */
    bool failed;
};

static size_t index_of(const struct emu_taskdef *td, const char *name)
{
    const struct emu_container_def *c = name ? emu_taskdef_container(td, name) : NULL;
    return c ? (size_t)(c - td->containers) : NO_TARGET;
}

static int dep_add(struct planner *p, size_t i, const char *name, enum emu_dep_condition cond,
                   const char *cond_raw, bool implicit)
{
    struct dep_list *l = &p->deps[i];
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        struct emu_dependency *items = emu_arena_alloc(p->a, cap * sizeof(*items));
        size_t *targets = emu_arena_alloc(p->a, cap * sizeof(*targets));
        if (!items || !targets) {
            return -ENOMEM;
        }
        if (l->n) {
            memcpy(items, l->items, l->n * sizeof(*items));
            memcpy(targets, l->targets, l->n * sizeof(*targets));
        }
        l->items = items;
        l->targets = targets;
        l->cap = cap;
    }
    l->items[l->n] = (struct emu_dependency){name, cond_raw, cond, implicit};
    l->targets[l->n] = index_of(p->td, name);
    l->n++;
    return 0;
}

static int report(struct planner *p, size_t i, const char *suffix, const char *msg, const char *arg)
{
    const char *where = emu_render_where(p->a, p->td, i, suffix);
    if (!where || emu_diags_add(p->diags, EMU_DIAG_ERROR, where, msg, arg) < 0) {
        return -ENOMEM;
    }
    p->failed = true;
    return 0;
}

/* User dependsOn, then volumesFrom (CREATE) and links (START), as the agent's
 * initializeContainerOrdering appends them. */
static int explicit_deps(struct planner *p, size_t i)
{
    const struct emu_container_def *c = &p->td->containers[i];
    const char *suffix;
    for (size_t k = 0; k < c->n_depends_on; k++) {
        const struct emu_dependency *d = &c->depends_on[k];
        if (dep_add(p, i, d->container_name, d->condition, d->condition_raw, false) < 0) {
            return -ENOMEM;
        }
        if (p->deps[i].targets[p->deps[i].n - 1] == NO_TARGET) {
            suffix = emu_arena_printf(p->a, "dependsOn[%zu].containerName", k);
            if (!suffix || report(p, i, suffix, "could not find container for dependsOn %s",
                                  d->container_name ? d->container_name : "") < 0) {
                return -ENOMEM;
            }
        }
    }
    for (size_t k = 0; k < c->n_volumes_from; k++) {
        const char *src = c->volumes_from[k].source_container;
        if (dep_add(p, i, src, EMU_DEP_CREATE, "CREATE", false) < 0) {
            return -ENOMEM;
        }
        if (p->deps[i].targets[p->deps[i].n - 1] == NO_TARGET) {
            suffix = emu_arena_printf(p->a, "volumesFrom[%zu].sourceContainer", k);
            if (!suffix ||
                report(p, i, suffix, "could not find volume source container with name %s",
                       src ? src : "") < 0) {
                return -ENOMEM;
            }
        }
    }
    for (size_t k = 0; k < c->links.n; k++) {
        const char *link = c->links.items[k];
        const char *colon = strchr(link, ':');
        suffix = emu_arena_printf(p->a, "links[%zu]", k);
        if (!suffix) {
            return -ENOMEM;
        }
        if (colon && strchr(colon + 1, ':')) {
            if (report(p, i, suffix, "%s", "Invalid link format") < 0) {
                return -ENOMEM;
            }
            continue;
        }
        const char *name = colon ? emu_arena_strndup(p->a, link, (size_t)(colon - link)) : link;
        if (!name || dep_add(p, i, name, EMU_DEP_START, "START", false) < 0) {
            return -ENOMEM;
        }
        if (p->deps[i].targets[p->deps[i].n - 1] == NO_TARGET) {
            if (report(p, i, suffix, "could not find container for link %s", link) < 0) {
                return -ENOMEM;
            }
        }
    }
    return 0;
}

/* Spec 4: every awsfirelens container not already depending on the router gets START on it,
 * unless the router itself has any dependency. The agent uses the last router found. */
static int implicit_deps(struct planner *p)
{
    const struct emu_taskdef *td = p->td;
    size_t r = NO_TARGET;
    for (size_t i = 0; i < td->n_containers; i++) {
        if (td->containers[i].firelens_configuration.present) {
            r = i;
        }
    }
    if (r == NO_TARGET || p->deps[r].n > 0) {
        return 0;
    }
    for (size_t i = 0; i < td->n_containers; i++) {
        if (i == r || !emu_container_uses_firelens(&td->containers[i])) {
            continue;
        }
        bool has = false;
        for (size_t k = 0; k < p->deps[i].n; k++) {
            has = has || p->deps[i].targets[k] == r;
        }
        if (!has && dep_add(p, i, td->containers[r].name, EMU_DEP_START, "START", true) < 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

/* Names a cycle among the containers not yet ordered: every one of them waits on another. */
static int report_cycle(struct planner *p, const bool *done)
{
    size_t n = p->td->n_containers;
    size_t *walk = emu_arena_alloc(p->a, (n + 1) * sizeof(*walk));
    struct emu_buf msg;
    if (!walk) {
        return -ENOMEM;
    }
    size_t len = 0;
    size_t u = 0;
    while (done[u]) {
        u++;
    }
    size_t start = 0;
    for (;;) {
        for (size_t k = 0; k < len; k++) {
            if (walk[k] == u) {
                start = k;
                goto found;
            }
        }
        walk[len++] = u;
        size_t next = NO_TARGET;
        for (size_t k = 0; k < p->deps[u].n && next == NO_TARGET; k++) {
            size_t t = p->deps[u].targets[k];
            if (t != NO_TARGET && !done[t]) {
                next = t;
            }
        }
        if (next == NO_TARGET) {
            return -EINVAL; /* cannot happen: u was not ready */
        }
        u = next;
    }
found:
    emu_buf_init(&msg, 64 * 1024);
    int r = 0;
    for (size_t k = start; k < len && r == 0; k++) {
        r = emu_buf_printf(&msg, "%s -> ", p->td->containers[walk[k]].name);
    }
    if (r == 0) {
        r = emu_buf_puts(&msg, p->td->containers[walk[start]].name);
    }
    if (r == 0) {
        r = report(p, walk[start], "dependsOn", "dependency cycle between containers: %s",
                   msg.data);
    }
    emu_buf_done(&msg);
    return r;
}

/* A binary min-heap of container indices: the ready container that comes first in the task
 * definition is always started first. */
struct ready_heap {
    size_t *items;
    size_t n;
};

static void heap_push(struct ready_heap *h, size_t v)
{
    size_t i = h->n++;
    h->items[i] = v;
    while (i > 0 && h->items[(i - 1) / 2] > h->items[i]) {
        size_t parent = (i - 1) / 2, tmp = h->items[parent];
        h->items[parent] = h->items[i];
        h->items[i] = tmp;
        i = parent;
    }
}

static size_t heap_pop(struct ready_heap *h)
{
    size_t top = h->items[0];
    h->items[0] = h->items[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->items[l] < h->items[m]) {
            m = l;
        }
        if (r < h->n && h->items[r] < h->items[m]) {
            m = r;
        }
        if (m == i) {
            break;
        }
        size_t tmp = h->items[m];
        h->items[m] = h->items[i];
        h->items[i] = tmp;
        i = m;
    }
    return top;
}

/* Kahn's algorithm over the reversed edges (who depends on u), O((n + e) log n); unknown
 * targets are left out of the graph (already reported). */
static int order(struct planner *p, struct emu_task_plan *plan)
{
    size_t n = p->td->n_containers;
    size_t edges = 0;
    for (size_t i = 0; i < n; i++) {
        edges += p->deps[i].n;
    }
    size_t *indeg = emu_arena_alloc(p->a, (n + 1) * sizeof(*indeg));
    size_t *first = emu_arena_alloc(p->a, (n + 2) * sizeof(*first)); /* CSR offsets */
    size_t *dependents = emu_arena_alloc(p->a, (edges + 1) * sizeof(*dependents));
    size_t *fill = emu_arena_alloc(p->a, (n + 1) * sizeof(*fill));
    bool *done = emu_arena_alloc(p->a, n + 1);
    struct ready_heap heap = {emu_arena_alloc(p->a, (n + 1) * sizeof(size_t)), 0};
    plan->start_order = emu_arena_alloc(p->a, (n + 1) * sizeof(size_t));
    plan->stop_order = emu_arena_alloc(p->a, (n + 1) * sizeof(size_t));
    if (!indeg || !first || !dependents || !fill || !done || !heap.items ||
        !plan->start_order || !plan->stop_order) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < p->deps[i].n; k++) {
            size_t t = p->deps[i].targets[k];
            if (t != NO_TARGET) {
                indeg[i]++;
                first[t + 1]++;
            }
        }
    }
    for (size_t t = 0; t < n; t++) {
        first[t + 1] += first[t];
        fill[t] = first[t];
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < p->deps[i].n; k++) {
            size_t t = p->deps[i].targets[k];
            if (t != NO_TARGET) {
                dependents[fill[t]++] = i;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (indeg[i] == 0) {
            heap_push(&heap, i);
        }
    }
    size_t emitted = 0;
    while (heap.n > 0) {
        size_t u = heap_pop(&heap);
        done[u] = true;
        plan->start_order[emitted++] = u;
        for (size_t e = first[u]; e < first[u + 1]; e++) {
            if (--indeg[dependents[e]] == 0) {
                heap_push(&heap, dependents[e]);
            }
        }
    }
    if (emitted < n) {
        if (report_cycle(p, done) < 0) {
            return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            if (!done[i]) {
                plan->start_order[emitted++] = i;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        plan->stop_order[i] = plan->start_order[n - 1 - i];
    }
    return 0;
}

static int add_bind(struct emu_arena *a, struct emu_str_list *l, char *s)
{
    if (!s) {
        return -ENOMEM;
    }
    const char **items = emu_arena_alloc(a, (l->n + 1) * sizeof(*items));
    if (!items) {
        return -ENOMEM;
    }
    if (l->n) {
        memcpy(items, l->items, l->n * sizeof(*items));
    }
    items[l->n++] = s;
    l->items = items;
    return 0;
}

/* Spec 1.2 binds and spec 3.2 environment of a router container. */
static int router_extras(struct planner *p, size_t i, struct emu_container_plan *cp)
{
    const struct emu_taskdef *td = p->td;
    const struct emu_container_def *c = &td->containers[i];
    const char *host = p->ctx->host_data_dir ? p->ctx->host_data_dir : "/var/lib/ecs";
    const char *id = emu_render_task_id(p->ctx);
    enum emu_router_type type = c->firelens_configuration.type;
    size_t cap = 0;
    if (type == EMU_ROUTER_FLUENTBIT || type == EMU_ROUTER_FLUENTD) {
        const char *etc = type == EMU_ROUTER_FLUENTD ? "/fluentd/etc" : "/fluent-bit/etc";
        const char *conf = type == EMU_ROUTER_FLUENTD ? "fluent.conf" : "fluent-bit.conf";
        const char *ctype = emu_kv_get(&c->firelens_configuration.options, EMU_OPT_CONFIG_TYPE);
        if (add_bind(p->a, &cp->extra_binds,
                     emu_arena_printf(p->a, "%s/data/firelens/%s/config/fluent.conf:%s/%s", host,
                                      id, etc, conf)) < 0 ||
            add_bind(p->a, &cp->extra_binds,
                     emu_arena_printf(p->a, "%s/data/firelens/%s/socket/:/var/run/", host, id)) <
                0) {
            return -ENOMEM;
        }
        if (ctype && strcmp(ctype, "s3") == 0 &&
            add_bind(p->a, &cp->extra_binds,
                     emu_arena_printf(p->a, "%s/data/firelens/%s/config/external.conf:%s/%s", host,
                                      id, etc, "external.conf")) < 0) {
            return -ENOMEM;
        }
    }
    if (type == EMU_ROUTER_FLUENTD &&
        emu_render_kv_set(p->a, &cp->extra_env, &cap, "FLUENT_UID", "0") < 0) {
        return -ENOMEM;
    }
    if (c != emu_taskdef_router(td)) {
        return 0; /* log secrets go to the first router only */
    }
    size_t secrets_cap = 0;
    for (size_t k = 0; k < td->n_containers; k++) {
        const struct emu_secret_list *s = &td->containers[k].log_configuration.secret_options;
        for (size_t j = 0; j < s->n; j++) {
            const char *name = s->items[j].name ? s->items[j].name : "";
            char *key = emu_arena_printf(p->a, "%s_%zu", name, k);
            const char *value = s->items[j].value_from ? s->items[j].value_from : "";
            if (!key || emu_render_kv_set(p->a, &cp->extra_env, &cap, key, value) < 0 ||
                emu_render_kv_set(p->a, &cp->log_secrets, &secrets_cap, key, value) < 0) {
                return -ENOMEM;
            }
        }
    }
    if (c->user && *c->user) {
        cp->socket_owner = c->user;
    }
    return 0;
}

/* LogConfig and FLUENT_HOST/FLUENT_PORT of an awsfirelens container (spec 2). */
static int app_extras(struct planner *p, size_t i, struct emu_container_plan *cp,
                      struct emu_task_plan *plan)
{
    const struct emu_taskdef *td = p->td;
    const struct emu_container_def *router = emu_taskdef_router(td);
    int r = emu_render_log_config(td, p->ctx, &td->containers[i], p->a, &cp->log_config);
    if (r < 0 || !router) {
        return r;
    }
    const char *mode = emu_render_config_network_mode(td);
    const char *host = NULL;
    if (strcmp(mode, "awsvpc") == 0) {
        host = "127.0.0.1";
    }
    else if (strcmp(mode, "bridge") == 0) {
        host = emu_arena_printf(p->a, "<bridge IP of %s>", router->name);
        if (!plan->fluent_host_note) {
            plan->fluent_host_note = emu_arena_printf(
                p->a,
                "FLUENT_HOST is the bridge IP address of container %s, known only once it "
                "has started (the router starts first)",
                router->name);
            if (!plan->fluent_host_note) {
                return -ENOMEM;
            }
        }
    }
    if (!host) {
        return 0;
    }
    size_t cap = cp->extra_env.n;
    if (emu_render_kv_set(p->a, &cp->extra_env, &cap, "FLUENT_HOST", host) < 0 ||
        emu_render_kv_set(p->a, &cp->extra_env, &cap, "FLUENT_PORT", EMU_FLUENT_PORT) < 0) {
        return -ENOMEM;
    }
    return 0;
}

int emu_render_task_plan(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                         struct emu_arena *arena, struct emu_task_plan *ret,
                         struct emu_diags *diags)
{
    size_t n = td->n_containers;
    struct planner p = {td, ctx, arena, diags, NULL, false};
    memset(ret, 0, sizeof(*ret));
    ret->containers = emu_arena_alloc(arena, (n + 1) * sizeof(*ret->containers));
    p.deps = emu_arena_alloc(arena, (n + 1) * sizeof(*p.deps));
    if (!ret->containers || !p.deps) {
        return -ENOMEM;
    }
    ret->n_containers = n;
    for (size_t i = 0; i < n; i++) {
        if (explicit_deps(&p, i) < 0) {
            return -ENOMEM;
        }
    }
    if (implicit_deps(&p) < 0 || order(&p, ret) < 0) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct emu_container_plan *cp = &ret->containers[i];
        cp->def = &td->containers[i];
        cp->is_router = cp->def->firelens_configuration.present;
        cp->uses_firelens = emu_container_uses_firelens(cp->def);
        cp->depends_on = p.deps[i].items;
        cp->n_depends_on = p.deps[i].n;
        if (cp->is_router && router_extras(&p, i, cp) < 0) {
            return -ENOMEM;
        }
        if (cp->uses_firelens && app_extras(&p, i, cp, ret) < 0) {
            return -ENOMEM;
        }
    }
    return p.failed ? -EINVAL : 0;
}
