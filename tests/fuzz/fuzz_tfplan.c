/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the `terraform show -json` reader on arbitrary bytes, with and without a
 * --resource address, and the task-definition export of whatever container definitions it
 * finds. Any crash or leak is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/diag.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/model/model.h"
#include "emu/tf/tfplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = emu_mem_outstanding();
    emu_json_init();
    static const char *const picks[] = {NULL, "aws_ecs_task_definition.app"};
    for (size_t i = 0; i < 2; i++) {
        struct emu_diags diags;
        emu_diags_init(&diags);
        struct emu_tf_taskdef *t = NULL;
        if (emu_tfplan_read((const char *)data, size, picks[i], &t, &diags) == 0) {
            const char *defs = t->container_definitions;
            cJSON *exported = NULL;
            if (emu_taskdef_export(defs, strlen(defs), &t->overrides, &exported) == 0) {
                cJSON_Delete(exported);
            }
            emu_tfplan_free(t);
        }
        emu_diags_done(&diags);
    }
    if (emu_mem_outstanding() != before) {
        abort(); /* a leak through emu_malloc */
    }
    return 0;
}
