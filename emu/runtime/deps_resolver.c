/* SPDX-License-Identifier: Apache-2.0 */
/* The dependsOn resolver of spec section 4: which containers may start now (START, COMPLETE,
 * SUCCESS, HEALTHY, CREATE, with the dependency's startTimeout), which dependencies can never
 * be met and why, and which containers may be stopped (no running dependent left). Pure. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emu/runtime/runtime.h"

static size_t find(const struct emu_task_plan *plan, const char *name)
{
    for (size_t i = 0; name && i < plan->n_containers; i++) {
        const char *n = plan->containers[i].def->name;
        if (n && strcmp(n, name) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

enum { WHITE = 0, GREY, BLACK };

/* Depth-first search; returns the index where a cycle closes, or SIZE_MAX. */
static size_t dfs(const struct emu_deps_graph *g, size_t i, unsigned char *color)
{
    color[i] = GREY;
    for (size_t k = 0; k < g->nodes[i].n_edges; k++) {
        size_t t = g->nodes[i].edges[k].target;
        if (color[t] == GREY) {
            return t;
        }
        if (color[t] == WHITE) {
            size_t c = dfs(g, t, color);
            if (c != SIZE_MAX) {
                return c;
            }
        }
    }
    color[i] = BLACK;
    return SIZE_MAX;
}

int emu_deps_build(const struct emu_task_plan *plan, struct emu_arena *arena,
                   struct emu_deps_graph *ret, char *why, size_t why_len)
{
    char scratch[8];
    if (!why) {
        why = scratch;
        why_len = sizeof(scratch);
    }
    why[0] = '\0';
    if (plan->n_containers > EMU_TASK_MAX_CONTAINERS) {
        (void)snprintf(why, why_len, "more than %d containers", EMU_TASK_MAX_CONTAINERS);
        return -E2BIG;
    }
    struct emu_deps_graph g = {.n = plan->n_containers};
    g.nodes = emu_arena_alloc(arena, (g.n ? g.n : 1) * sizeof(*g.nodes));
    if (!g.nodes) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < g.n; i++) {
        const struct emu_container_plan *cp = &plan->containers[i];
        struct emu_deps_node *node = &g.nodes[i];
        memset(node, 0, sizeof(*node));
        const struct emu_opt_int *to = &cp->def->start_timeout;
        node->start_timeout_ms = to->has && to->v > 0 ? to->v * 1000 : 0;
        node->edges = emu_arena_alloc(arena, (cp->n_depends_on + 1) * sizeof(*node->edges));
        if (!node->edges) {
            return -ENOMEM;
        }
        for (size_t k = 0; k < cp->n_depends_on; k++) {
            const struct emu_dependency *d = &cp->depends_on[k];
            size_t t = find(plan, d->container_name);
            if (t == SIZE_MAX || d->condition < 0 || d->condition >= _EMU_DEP_MAX) {
                (void)snprintf(why, why_len, "container %s depends on unknown container %s",
                               cp->def->name, d->container_name ? d->container_name : "");
                return -EINVAL;
            }
            node->edges[node->n_edges++] = (struct emu_deps_edge){t, d->condition};
        }
    }
    unsigned char color[EMU_TASK_MAX_CONTAINERS] = {0};
    for (size_t i = 0; i < g.n; i++) {
        size_t c = color[i] == WHITE ? dfs(&g, i, color) : SIZE_MAX;
        if (c != SIZE_MAX) {
            (void)snprintf(why, why_len, "dependency cycle through container %s",
                           plan->containers[c].def->name);
            return -EINVAL;
        }
    }
    *ret = g;
    return 0;
}

/* One dependency edge against the state of its target. */
static enum emu_deps_verdict check_edge(const struct emu_deps_graph *g,
                                        const struct emu_task_state *st,
                                        const struct emu_deps_edge *e, int64_t now_ms,
                                        char *why, size_t why_len)
{
    const struct emu_ctr_state *d = &st->containers[e->target];
    const char *cond = emu_dep_condition_to_string(e->condition);
    bool stopped = d->status == EMU_CTR_STOPPED;
    bool ran = d->started_ms != 0;
    enum emu_deps_verdict v = EMU_DEPS_WAIT;
    switch (e->condition) {
    case EMU_DEP_CREATE:
        v = d->status >= EMU_CTR_CREATED && (!stopped || d->docker_id[0]) ? EMU_DEPS_MET
            : stopped                                                      ? EMU_DEPS_NEVER
                                                                           : EMU_DEPS_WAIT;
        break;
    case EMU_DEP_START:
        v = d->status == EMU_CTR_RUNNING || (stopped && ran) ? EMU_DEPS_MET
            : stopped                                        ? EMU_DEPS_NEVER
                                                             : EMU_DEPS_WAIT;
        break;
    case EMU_DEP_COMPLETE:
        v = stopped ? (ran ? EMU_DEPS_MET : EMU_DEPS_NEVER) : EMU_DEPS_WAIT;
        break;
    case EMU_DEP_SUCCESS:
        v = !stopped                                ? EMU_DEPS_WAIT
            : ran && d->has_exit_code && !d->exit_code ? EMU_DEPS_MET
                                                       : EMU_DEPS_NEVER;
        break;
    case EMU_DEP_HEALTHY:
        v = !d->has_health_check               ? EMU_DEPS_NEVER
            : d->health == EMU_HEALTH_HEALTHY && !stopped ? EMU_DEPS_MET
            : stopped                                     ? EMU_DEPS_NEVER
                                                          : EMU_DEPS_WAIT;
        break;
    default:
        v = EMU_DEPS_NEVER;
        break;
    }
    if (v == EMU_DEPS_NEVER) {
        if (e->condition == EMU_DEP_HEALTHY && !d->has_health_check) {
            (void)snprintf(why, why_len, "dependency %s has no health check, so %s can never "
                                         "be met", d->name, cond);
        }
        else if (e->condition == EMU_DEP_SUCCESS && stopped && ran && d->has_exit_code) {
            (void)snprintf(why, why_len, "dependency %s exited with code %d, so %s can never "
                                         "be met", d->name, d->exit_code, cond);
        }
        else {
            (void)snprintf(why, why_len, "dependency %s stopped before it %s, so %s can never "
                                         "be met", d->name,
                           e->condition == EMU_DEP_HEALTHY ? "became healthy" : "started", cond);
        }
        return v;
    }
    /* The dependency's startTimeout bounds COMPLETE, SUCCESS and HEALTHY (spec 4). */
    int64_t timeout = g->nodes[e->target].start_timeout_ms;
    bool timed = e->condition == EMU_DEP_COMPLETE || e->condition == EMU_DEP_SUCCESS ||
                 e->condition == EMU_DEP_HEALTHY;
    if (v == EMU_DEPS_WAIT && timed && timeout > 0 && ran && now_ms - d->started_ms >= timeout) {
        (void)snprintf(why, why_len, "dependency %s did not reach %s within its startTimeout "
                                     "of %" PRId64 " seconds", d->name, cond, timeout / 1000);
        return EMU_DEPS_NEVER;
    }
    return v;
}

enum emu_deps_verdict emu_deps_can_start(const struct emu_deps_graph *g,
                                         const struct emu_task_state *st, size_t i,
                                         int64_t now_ms, char *why, size_t why_len)
{
    char scratch[8];
    if (!why || why_len == 0) {
        why = scratch;
        why_len = sizeof(scratch);
    }
    why[0] = '\0';
    enum emu_deps_verdict all = EMU_DEPS_MET;
    const struct emu_deps_node *node = &g->nodes[i];
    for (size_t k = 0; k < node->n_edges; k++) {
        enum emu_deps_verdict v = check_edge(g, st, &node->edges[k], now_ms, why, why_len);
        if (v == EMU_DEPS_NEVER) {
            return v;
        }
        if (v == EMU_DEPS_WAIT) {
            all = EMU_DEPS_WAIT;
        }
    }
    return all;
}

bool emu_deps_can_stop(const struct emu_deps_graph *g, const struct emu_task_state *st, size_t i)
{
    for (size_t j = 0; j < g->n; j++) {
        if (j == i || st->containers[j].status != EMU_CTR_RUNNING) {
            continue;
        }
        for (size_t k = 0; k < g->nodes[j].n_edges; k++) {
            if (g->nodes[j].edges[k].target == i) {
                return false;
            }
        }
    }
    return true;
}
