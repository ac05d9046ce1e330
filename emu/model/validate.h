/* SPDX-License-Identifier: Apache-2.0 */
/* ECS validation of a parsed task definition: the FireLens rules and general task-definition
 * rules of spec section 5, each reported with the JSON path it is about and, where the spec
 * quotes ECS's own text, that exact text. Pure; no I/O. */
#ifndef EMU_MODEL_VALIDATE_H
#define EMU_MODEL_VALIDATE_H

#include "emu/base/diag.h"
#include "emu/model/model.h"

/* Checks td as ECS would when registering it for launch_type and as the agent would when
 * starting it (the agent-side FireLens failures of spec 5.1 included). Every problem goes to
 * diags (errors and warnings). Returns the number of errors added (0 = valid) or -ENOMEM. */
int emu_taskdef_validate(const struct emu_taskdef *td, enum emu_launch_type launch_type,
                         struct emu_diags *diags);

#endif
