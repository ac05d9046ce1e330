/* SPDX-License-Identifier: Apache-2.0 */
/* in_emitter: the input a buffering filter (multiline) creates to re-emit the records it
 * completes, as Fluent Bit's in_emitter; its records run through every filter but its owner's.
 * It has no sockets: the owning filter appends to it with emu_router_input_append(). */
#include "emu/router/plugin.h"

static const struct emu_router_option emitter_options[] = {
    {0, NULL, NULL, 0, 0, NULL},
};

const struct emu_router_input_plugin in_emitter_plugin = {
    .name = "emitter",
    .description = "Emit records (used by filters that re-emit records)",
    .options = emitter_options,
    .ctx_size = 0,
};
