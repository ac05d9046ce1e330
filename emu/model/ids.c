/* SPDX-License-Identifier: Apache-2.0 */
/* Task ID and ARN formatting. */
#include "emu/model/ids.h"

#include <string.h>

void emu_ids_task_id_from_bytes(const uint8_t bytes[16], char out[33])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 16; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 0xf];
    }
    out[32] = '\0';
}

char *emu_ids_task_arn(struct emu_arena *a, const char *region, const char *account_id,
                       const char *cluster, const char *task_id)
{
    return emu_arena_printf(a, "arn:aws:ecs:%s:%s:task/%s/%s", region, account_id, cluster,
                            task_id);
}

const char *emu_ids_task_id_of_arn(const char *arn)
{
    const char *slash = strrchr(arn, '/');
    return slash ? slash + 1 : arn;
}
