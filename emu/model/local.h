/* SPDX-License-Identifier: Apache-2.0 */
/* What a local run changes on purpose so a task reaches fargate-emu's shims instead of AWS
 * (DESIGN "How a local run differs"): the AWS outputs' endpoint keys in router configs (the
 * generated one and files baked into the router image), the environment added to containers,
 * and a diff of each change for `render --local`. Pure: bytes in, bytes out. */
#ifndef EMU_MODEL_LOCAL_H
#define EMU_MODEL_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/model/model.h"

/* Ceiling of one router config file (emu-router's own per-file limit). */
#define EMU_LOCAL_CONF_MAX (4u * 1024u * 1024u)

/* Where this emulator's endpoints are, as seen from inside the task; NULL = no such shim. */
struct emu_local_endpoints {
    const char *s3;   /* "http://172.20.0.1:40123" */
    const char *logs; /* CloudWatch Logs */
    const char *sts;
    const char *region;
    const char *access_key;
    const char *secret_key;
    /* The task metadata endpoint as containers reach it ("http://169.254.170.2"); NULL =
     * none. With it every container gets ECS_CONTAINER_METADATA_URI(_V4) and ECS_AGENT_URI. */
    const char *metadata;
    /* "/v2/credentials/<id>" when the task has a role: containers get
     * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (or _FULL_URI = metadata + it, when
     * credentials_full) instead of the static access keys. */
    const char *credentials_uri;
    bool credentials_full;
};

/* One changed line: old is NULL for a line inserted before original line `line` (1-based). */
struct emu_local_change {
    size_t line;
    const char *old_line;
    const char *new_line;
};

struct emu_local_patch {
    struct emu_local_change *changes;
    size_t n_changes;
    const char **buckets; /* S3 buckets the outputs write to */
    size_t n_buckets;
    const char **notes;   /* outputs left pointing at AWS, and why */
    size_t n_notes;
};

/* Points every AWS output of a Fluent Bit (classic syntax) or Fluentd config at the local
 * endpoints: `endpoint` of s3, cloudwatch, cloudwatch_logs (replaced or inserted after the
 * Name line), `sts_endpoint` where present; Fluentd's s3 `s3_endpoint` + `force_path_style`.
 * Writes the patched bytes to out (identical when nothing changed). 0, -E2BIG, -ENOMEM. */
int emu_local_patch_config(const char *conf, size_t len, enum emu_router_type type,
                           const struct emu_local_endpoints *ep, struct emu_arena *a,
                           struct emu_buf *out, struct emu_local_patch *ret);

/* A unified diff (no context lines) of a patch against the original bytes, labelled path. */
int emu_local_diff(const char *path, const struct emu_local_patch *p, struct emu_buf *out);

/* The @INCLUDE (Fluent Bit) or @include (Fluentd) targets of a config, in order. */
int emu_local_includes(const char *conf, size_t len, struct emu_arena *a,
                       struct emu_str_list *ret);

/* The config file a router process reads: `-c FILE`, `-cFILE`, `--config FILE` or
 * `--config=FILE` in its entrypoint + command, else the image type's default
 * (/fluent-bit/etc/fluent-bit.conf, /fluentd/etc/fluent.conf). Arena-owned. */
const char *emu_local_config_path(const char *const *argv, size_t argc,
                                  enum emu_router_type type, struct emu_arena *a);

/* Resolves an include target against the including file's directory (Go's path.Join). */
const char *emu_local_resolve(const char *including_file, const char *target,
                              struct emu_arena *a);

/* The variables a local run adds to container c (those it does not set itself):
 * AWS_REGION/AWS_DEFAULT_REGION (only when neither is set, as the agent does),
 * AWS_ENDPOINT_URL_S3/_LOGS/_STS, the agent's ECS_CONTAINER_METADATA_URI(_V4)/ECS_AGENT_URI
 * for metadata_id (the container's endpoint id; NULL = none), and the task role's
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. */
int emu_local_env(const struct emu_container_def *c, const struct emu_local_endpoints *ep,
                  const char *metadata_id, struct emu_arena *a, struct emu_kv_list *ret);

#endif
