/* SPDX-License-Identifier: Apache-2.0 */
/* Dependency-cycle detection over the edges the ECS agent orders containers by: dependsOn,
 * volumesFrom (CREATE) and links (START). Iterative depth-first search, so a long chain cannot
 * overflow the stack; each cycle is reported once, at the edge that closes it. */
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/model/validate_internal.h"

/* ECS allows 10 containers per task; past this the quadratic name lookups are not worth it. */
#define CYCLE_CHECK_MAX_CONTAINERS 1000

enum edge_kind { EDGE_DEPENDS_ON, EDGE_VOLUMES_FROM, EDGE_LINKS };

static size_t edge_count(const struct emu_container_def *c)
{
    return (c->depends_on ? c->n_depends_on : 0) + (c->volumes_from ? c->n_volumes_from : 0) +
           (c->links.items ? c->links.n : 0);
}

/* The k-th edge of container c: its kind, position within that list, and target name. */
static const char *edge_at(const struct emu_container_def *c, size_t k, enum edge_kind *kind,
                           size_t *pos, char *tmp, size_t tmp_size)
{
    size_t nd = c->depends_on ? c->n_depends_on : 0;
    size_t nv = c->volumes_from ? c->n_volumes_from : 0;
    if (k < nd) {
        *kind = EDGE_DEPENDS_ON;
        *pos = k;
        return c->depends_on[k].container_name;
    }
    if (k < nd + nv) {
        *kind = EDGE_VOLUMES_FROM;
        *pos = k - nd;
        return c->volumes_from[*pos].source_container;
    }
    *kind = EDGE_LINKS;
    *pos = k - nd - nv;
    const char *link = c->links.items[*pos]; /* "name" or "name:alias" */
    if (!link) {
        return NULL;
    }
    size_t n = strcspn(link, ":");
    if (n >= tmp_size) {
        return NULL;
    }
    memcpy(tmp, link, n);
    tmp[n] = '\0';
    return tmp;
}

static void report_cycle(struct emu_vctx *v, const size_t *stack, size_t depth, size_t from,
                         enum edge_kind kind, size_t pos)
{
    const struct emu_taskdef *td = v->td;
    static const char *const lists[] = {"dependsOn", "volumesFrom", "links"};
    char w[EMU_VWHERE_MAX];
    struct emu_buf path;
    emu_buf_init(&path, 16 * 1024);
    int r = 0;
    for (size_t s = from; s < depth && r >= 0; s++) {
        r = emu_buf_printf(&path, "%s -> ", emu__vname(&td->containers[stack[s]]));
    }
    if (r >= 0) {
        r = emu_buf_puts(&path, emu__vname(&td->containers[stack[from]]));
    }
    if (r == EMU_ENOMEM) {
        v->rc = v->rc ? v->rc : r;
    }
    size_t last = stack[depth - 1];
    emu__verr(v, emu__vcwhere(v, w, sizeof(w), last, "%s[%zu]", lists[kind], pos),
              "Containers depend on each other in a cycle (%s), so none of them can start.",
              path.data ? path.data : "");
    emu_buf_done(&path);
}

void emu__validate_dependency_cycles(struct emu_vctx *v)
{
    const struct emu_taskdef *td = v->td;
    size_t n = td->containers ? td->n_containers : 0;
    if (n == 0 || n > CYCLE_CHECK_MAX_CONTAINERS) {
        return;
    }
    unsigned char *color = emu_calloc(n, 1); /* 0 unvisited, 1 on the stack, 2 done */
    size_t *stack = emu_calloc(n, sizeof(*stack));
    size_t *next = emu_calloc(n, sizeof(*next)); /* next edge to follow, per node */
    if (!color || !stack || !next) {
        v->rc = v->rc ? v->rc : EMU_ENOMEM;
        goto out;
    }
    for (size_t root = 0; root < n; root++) {
        if (color[root]) {
            continue;
        }
        size_t depth = 0;
        stack[depth++] = root;
        color[root] = 1;
        next[root] = 0;
        while (depth > 0) {
            size_t node = stack[depth - 1];
            const struct emu_container_def *c = &td->containers[node];
            if (next[node] >= edge_count(c)) {
                color[node] = 2;
                depth--;
                continue;
            }
            enum edge_kind kind;
            size_t pos;
            char tmp[256];
            const char *name = edge_at(c, next[node]++, &kind, &pos, tmp, sizeof(tmp));
            if (kind == EDGE_DEPENDS_ON && c->depends_on[pos].implicit) {
                continue;
            }
            const struct emu_container_def *t = emu__vfind(td, name);
            if (!t) {
                continue; /* unknown targets are reported by the container rules */
            }
            size_t ti = (size_t)(t - td->containers);
            if (color[ti] == 1) {
                size_t from = 0;
                while (stack[from] != ti) {
                    from++;
                }
                report_cycle(v, stack, depth, from, kind, pos);
            } else if (color[ti] == 0) {
                color[ti] = 1;
                next[ti] = 0;
                stack[depth++] = ti;
            }
        }
    }
out:
    emu_free(color);
    emu_free(stack);
    emu_free(next);
}
