/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only questions about a parsed task definition. */
#include <string.h>

#include "emu/model/model.h"

bool emu_container_is_essential(const struct emu_container_def *c)
{
    return !c->essential.has || c->essential.v;
}

const struct emu_container_def *emu_taskdef_container(const struct emu_taskdef *td,
                                                      const char *name)
{
    for (size_t i = 0; i < td->n_containers; i++) {
        if (td->containers[i].name && strcmp(td->containers[i].name, name) == 0) {
            return &td->containers[i];
        }
    }
    return NULL;
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
