/* SPDX-License-Identifier: Apache-2.0 */
/* Task IDs and ARNs as ECS forms them (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>). */
#ifndef EMU_MODEL_IDS_H
#define EMU_MODEL_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "emu/base/arena.h"

/* Writes 32 lowercase hex characters and a NUL into out[33] from 16 random bytes. */
void emu_ids_task_id_from_bytes(const uint8_t bytes[16], char out[33]);

/* The task ARN for the parts given; arena-owned, NULL on OOM. */
char *emu_ids_task_arn(struct emu_arena *a, const char *region, const char *account_id,
                       const char *cluster, const char *task_id);

/* The last '/'-separated segment of an ARN (the task ID), pointing into arn. */
const char *emu_ids_task_id_of_arn(const char *arn);

#endif
