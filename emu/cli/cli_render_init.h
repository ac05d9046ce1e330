/* SPDX-License-Identifier: Apache-2.0 */
/* `render --local` for routers of the aws-for-fluent-bit "init" variant (cli_render_init.c). */
#ifndef EMU_CLI_CLI_RENDER_INIT_H
#define EMU_CLI_CLI_RENDER_INIT_H

#include <stdbool.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/cli/cli.h"
#include "emu/model/local.h"
#include "emu/model/model.h"
#include "emu/model/render.h"

/* True when the task definition's image or the image it is mapped to has a tag containing
 * "init" (aws-for-fluent-bit:init-latest, init-2.32.4, fargate-emu/emu-router:init). */
bool emu_cli_render_init_variant(const char *image, const char *mapped);

/* When router's image (after image_map_file) is an init variant: appends the variables its init
 * process exports, the main config and command it assembles from the container's
 * aws_fluent_bit_init_* variables, and each S3 config object as the local S3 store of the run
 * data dir holds it (with the endpoint diff the init applies). Appends nothing for other
 * images. 0 or a negative code. */
int emu_cli_render_init(const struct emu_cli_global *g, const struct emu_container_def *router,
                        const struct emu_render_ctx *ctx, const char *family,
                        const char *revision, const char *region, const char *image_map_file,
                        const struct emu_local_endpoints *ep, struct emu_arena *a,
                        struct emu_buf *out);

#endif
