/* SPDX-License-Identifier: Apache-2.0 */
/* Shared internals of the FireLens renderers: the router-config inputs the agent derives from a
 * task (spec 1.3, 1.4) collected once into `struct emu_rc`, so the Fluent Bit and Fluentd
 * writers only lay bytes out. Not part of the public contract (render.h). */
#ifndef EMU_MODEL_RENDER_INTERNAL_H
#define EMU_MODEL_RENDER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/model/model.h"
#include "emu/model/render.h"

/* Option keys and constant values of the agent (spec 1.4, 1.5, 2). */
#define EMU_OPT_METADATA "enable-ecs-log-metadata"
#define EMU_OPT_CONFIG_TYPE "config-file-type"
#define EMU_OPT_CONFIG_VALUE "config-file-value"
#define EMU_OPT_INCLUDE "include-pattern"
#define EMU_OPT_EXCLUDE "exclude-pattern"
#define EMU_OPT_BUFFER_LIMIT "log-driver-buffer-limit"
#define EMU_FLUENT_PORT "24224"
#define EMU_ROUTER_SOCKET "/var/run/fluent.sock"

/* One app container's share of the router config (an entry of the agent's
 * containerToLogOptions map), already split the way addOutputSection splits it. */
struct emu_rc_app {
    const struct emu_container_def *c;
    const char *output;  /* value of Name (fluentbit) or @type (fluentd); NULL if absent */
    const char *include; /* include-pattern or NULL */
    const char *exclude; /* exclude-pattern or NULL */
    struct emu_kv *opts; /* remaining options, deduplicated, sorted by key in byte order */
    size_t n_opts;
};

/* Everything the layout of spec 1.5/1.6 depends on. */
struct emu_rc {
    enum emu_router_type type;
    const char *net_mode; /* config network mode: awsvpc | bridge | host | none | raw */
    const char *listen;   /* TCP forward input address; NULL = no TCP/health-check blocks */
    int64_t mem_buf_mb;   /* Mem_Buf_Limit in MB (fluentbit) */
    bool metadata;
    struct emu_kv records[4]; /* metadata fields sorted by key */
    size_t n_records;
    const char *include_path; /* @INCLUDE target, NULL when config-file-type is unset */
    struct emu_rc_app *apps;  /* task-definition order */
    size_t n_apps;
};

/* Go's strconv.ParseBool: 0 with *ret set, or -EINVAL. */
int emu_render_parse_go_bool(const char *s, bool *ret);

/* Sorts kv items by key in byte order (keys are expected unique). */
void emu_render_sort_kv(struct emu_kv *items, size_t n);

/* Sets key to value in an arena-grown list (replacing an existing key: the last one wins, as in
 * a Go map). 0 or -ENOMEM. */
int emu_render_kv_set(struct emu_arena *a, struct emu_kv_list *l, size_t *cap, const char *key,
                      const char *value);

/* The network mode the agent uses for the config (spec 1.3). */
const char *emu_render_config_network_mode(const struct emu_taskdef *td);

/* Router memory for Mem_Buf_Limit halved, 25 when that is <= 0 (spec 1.5 block 1). */
int64_t emu_render_mem_buf_limit_mb(const struct emu_container_def *router);

/* The task ID of the context: ctx->task_id, else the last '/'-segment of the task ARN. */
const char *emu_render_task_id(const struct emu_render_ctx *ctx);

/* "<family>:<revision>" (revision 1 when the input has none, as a first registration gets). */
char *emu_render_task_definition(struct emu_arena *a, const struct emu_taskdef *td);

/* The config-file placeholder of a log-driver secret: ${name_idx} or "#{ENV['name_idx']}". */
char *emu_render_secret_placeholder(struct emu_arena *a, enum emu_router_type type,
                                    const char *secret_name, size_t idx);

/* "<containers_path>[i].<suffix>", for diagnostics. */
char *emu_render_where(struct emu_arena *a, const struct emu_taskdef *td, size_t i,
                       const char *suffix);

/* Go's path.Clean, arena-owned. */
char *emu_render_path_clean(struct emu_arena *a, const char *path);

/* Collects the router-config inputs into rc (arena-owned). Agent-side failures go to diags with
 * the agent's wording and return -EINVAL; -ENOENT when the task has no router; -ENOMEM. */
int emu_render_prepare(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                       struct emu_arena *a, struct emu_rc *rc, struct emu_diags *diags);

/* Byte layouts of spec 1.5 and 1.6. 0, -E2BIG or -ENOMEM. */
int emu_render_fluentbit(const struct emu_rc *rc, struct emu_buf *out);
int emu_render_fluentd(const struct emu_rc *rc, struct emu_buf *out);

#endif
