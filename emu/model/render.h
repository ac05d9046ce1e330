/* SPDX-License-Identifier: Apache-2.0 */
/* What the ECS agent derives from a task definition for FireLens: the router config file
 * (spec 1.5, 1.6), the Docker LogConfig of every awsfirelens container (spec 2), and the
 * per-container plan (dependencies with the implicit router dependency of spec 4, the router's
 * binds and environment of spec 3, FLUENT_HOST/FLUENT_PORT). Pure; output is deterministic. */
#ifndef EMU_MODEL_RENDER_H
#define EMU_MODEL_RENDER_H

#include <stdbool.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/model/model.h"

/* The facts about the task and the agent that are not in the task definition. */
struct emu_render_ctx {
    const char *cluster;         /* ecs_cluster value; "default" when NULL */
    const char *task_arn;        /* full task ARN */
    const char *task_id;         /* last '/'-segment of task_arn */
    enum emu_launch_type launch_type;
    const char *ec2_instance_id; /* only used with EMU_LAUNCH_EC2 */
    const char *host_data_dir;   /* ECS_HOST_DATA_DIR; "/var/lib/ecs" when NULL */
    bool firelens_async;         /* ECS_ENABLE_FIRELENS_ASYNC (default true) */
    bool docker_before_20_10;    /* use fluentd-async-connect instead of fluentd-async */
};

/* Fills defaults (cluster "default", data dir "/var/lib/ecs", async true, FARGATE). */
void emu_render_ctx_init(struct emu_render_ctx *ctx);

/* Appends to out the exact bytes of <resourceDir>/config/fluent.conf. Agent-side failures
 * (unsupported type, bad config-file-type, missing config-file-value, options without Name or
 * @type) go to diags with the agent's wording and return -EINVAL; no router returns -ENOENT. */
int emu_render_router_config(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                             struct emu_buf *out, struct emu_diags *diags);

/* The Docker LogConfig the agent creates an awsfirelens container with. Config keys are
 * sorted by byte order (as Docker reports a Go map). */
struct emu_log_config_out {
    const char *type; /* "fluentd" */
    struct emu_kv_list config;
};

/* Computes c's LogConfig into arena-owned memory. c must use awsfirelens. 0 or -ENOMEM. */
int emu_render_log_config(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                          const struct emu_container_def *c, struct emu_arena *arena,
                          struct emu_log_config_out *ret);

/* The host paths of spec 1.1/1.2 for this task, arena-owned. */
struct emu_firelens_paths {
    const char *resource_dir; /* <host>/data/firelens/<taskID> */
    const char *config_dir;   /* .../config */
    const char *config_file;  /* .../config/fluent.conf */
    const char *external_file;/* .../config/external.conf */
    const char *socket_dir;   /* .../socket/ (trailing slash, as the bind uses) */
    const char *socket_path;  /* .../socket/fluent.sock */
};

/* Builds the paths; -ENAMETOOLONG when the socket path would not fit a sun_path (108). */
int emu_render_firelens_paths(const struct emu_render_ctx *ctx, struct emu_arena *arena,
                              struct emu_firelens_paths *ret);

/* What the runtime needs for one container. */
struct emu_container_plan {
    const struct emu_container_def *def;
    bool is_router;
    bool uses_firelens;
    struct emu_dependency *depends_on; /* effective: user's + implicit router dependency */
    size_t n_depends_on;
    struct emu_str_list extra_binds;   /* "host:container" strings appended to Binds */
    struct emu_kv_list extra_env;      /* FLUENT_HOST/PORT, FLUENT_UID, log secrets */
    /* The log-driver secrets among extra_env (router only): key "<name>_<idx>", value the
     * secret's valueFrom, which `run` resolves through --secrets-file as the agent resolves it
     * through SSM or Secrets Manager; extra_env holds the valueFrom in their place. */
    struct emu_kv_list log_secrets;
    struct emu_log_config_out log_config; /* type NULL unless uses_firelens */
    const char *socket_owner;          /* router user to chown the socket dir to, or NULL */
};

struct emu_task_plan {
    struct emu_container_plan *containers; /* task-definition order */
    size_t n_containers;
    size_t *start_order; /* indices into containers, dependencies first */
    size_t *stop_order;  /* indices, dependents first (router last) */
    const char *fluent_host_note; /* bridge mode: FLUENT_HOST is the router's bridge IP */
};

/* The valueFrom of the log-driver secret behind extra_env key `key` of cp, or NULL when that
 * entry is not a secret. */
const char *emu_render_log_secret_from(const struct emu_container_plan *cp, const char *key);

/* Builds the plan into arena-owned memory. A dependency cycle or unknown dependency goes to
 * diags and returns -EINVAL. */
int emu_render_task_plan(const struct emu_taskdef *td, const struct emu_render_ctx *ctx,
                         struct emu_arena *arena, struct emu_task_plan *ret,
                         struct emu_diags *diags);

#endif
