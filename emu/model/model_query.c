/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only questions about a parsed task definition. */
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"

#include "emu/model/model.h"

bool emu_container_is_essential(const struct emu_container_def *c)
{
    return !c->essential.has || c->essential.v;
}

/* qsort has no context argument; the array being sorted is reached through this. */
static const struct emu_container_def *sort_containers;

static int by_name_then_index(const void *a, const void *b)
{
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    int c = strcmp(sort_containers[ia].name, sort_containers[ib].name);
    return c ? c : (ia > ib) - (ia < ib);
}

int emu_taskdef_index_names(struct emu_taskdef *td)
{
    size_t n = 0;
    for (size_t i = 0; i < td->n_containers; i++) {
        n += td->containers[i].name != NULL;
    }
    size_t *idx = emu_arena_alloc(&td->arena, (n ? n : 1) * sizeof(*idx));
    if (!idx) {
        return EMU_ENOMEM;
    }
    n = 0;
    for (size_t i = 0; i < td->n_containers; i++) {
        if (td->containers[i].name) {
            idx[n++] = i;
        }
    }
    sort_containers = td->containers;
    qsort(idx, n, sizeof(*idx), by_name_then_index);
    sort_containers = NULL;
    td->name_index = idx;
    td->n_name_index = n;
    return 0;
}

size_t emu_taskdef_first_named(const struct emu_taskdef *td, const char *name)
{
    if (!td->name_index) {
        for (size_t i = 0; i < td->n_containers; i++) {
            if (td->containers[i].name && strcmp(td->containers[i].name, name) == 0) {
                return i;
            }
        }
        return td->n_containers;
    }
    /* Leftmost entry with this name: the lowest index, since ties sort by index. */
    size_t lo = 0, hi = td->n_name_index;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(td->containers[td->name_index[mid]].name, name) < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    if (lo < td->n_name_index && strcmp(td->containers[td->name_index[lo]].name, name) == 0) {
        return td->name_index[lo];
    }
    return td->n_containers;
}

const struct emu_container_def *emu_taskdef_container(const struct emu_taskdef *td,
                                                      const char *name)
{
    size_t i = emu_taskdef_first_named(td, name);
    return i < td->n_containers ? &td->containers[i] : NULL;
}

const struct emu_container_def *emu_taskdef_router(const struct emu_taskdef *td)
{
    for (size_t i = 0; i < td->n_containers; i++) {
        if (td->containers[i].firelens_configuration.present) {
            return &td->containers[i];
        }
    }
    return NULL;
}

bool emu_container_uses_firelens(const struct emu_container_def *c)
{
    return c->log_configuration.present && c->log_configuration.log_driver &&
           strcmp(c->log_configuration.log_driver, "awsfirelens") == 0;
}

const char *emu_kv_get(const struct emu_kv_list *l, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            v = l->items[i].value;
        }
    }
    return v;
}
