/* SPDX-License-Identifier: Apache-2.0 */
/* out_null: throws events away (FireLens routes its health-check input here). */
#include "emu/router/plugin.h"

struct null_ctx {
    const char *format, *json_date_key, *json_date_format;
};

#define OFF(f) offsetof(struct null_ctx, f)

static const struct emu_router_option null_options[] = {
    {EMU_ROPT_STR, "format", NULL, 0, OFF(format), "Test formatter format (ignored)."},
    {EMU_ROPT_STR, "json_date_key", "date", 0, OFF(json_date_key), "Date key (ignored)."},
    {EMU_ROPT_STR, "json_date_format", "double", 0, OFF(json_date_format),
     "Date format (ignored)."},
    {0, NULL, NULL, 0, 0, NULL},
};

static void cb_null_flush(struct emu_router_flush *f, const char *data, size_t len,
                          const char *tag, size_t n, struct emu_router_output *ins, void *ctx)
{
    (void)data;
    (void)len;
    (void)tag;
    (void)n;
    (void)ins;
    (void)ctx;
    emu_router_flush_done(f, EMU_FLUSH_OK);
}

const struct emu_router_output_plugin out_null_plugin = {
    .name = "null",
    .description = "Throws away events",
    .options = null_options,
    .ctx_size = sizeof(struct null_ctx),
    .cb_flush = cb_null_flush,
};
