/* SPDX-License-Identifier: Apache-2.0 */
/* The aws-for-fluent-bit "init" process, pure part: which environment variables name config
 * files, the task metadata it exports, S3 ARNs, parser-file detection and the assembled main
 * config and command. emu-router-init (init_main.c) does the I/O; `render --local` reuses it. */
#ifndef EMU_ROUTER_INIT_H
#define EMU_ROUTER_INIT_H

#include <stdbool.h>
#include <stddef.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"

/* The image's fixed paths (the real init's, with its /tmp fallback). */
#define EMU_ROUTER_INIT_DIR "/init"
#define EMU_ROUTER_INIT_FALLBACK_DIR "/tmp/init"
#define EMU_ROUTER_INIT_S3_SUBDIR "fluent-bit-init-s3-files"
#define EMU_ROUTER_INIT_MAIN_NAME "fluent-bit-init.conf"
#define EMU_ROUTER_INIT_BASE_CONFIG "/fluent-bit/etc/fluent-bit.conf"
#define EMU_ROUTER_INIT_ROUTER "/fluent-bit/bin/fluent-bit"
/* The user agent the real init exports. */
#define EMU_ROUTER_INIT_USER_AGENT "ecs-init"
/* Ceiling of one config file downloaded or read (emu-router's per-file limit). */
#define EMU_ROUTER_INIT_FILE_MAX (4u * 1024u * 1024u)
/* Ceiling of the metadata /task document. */
#define EMU_ROUTER_INIT_META_MAX (1024u * 1024u)

/* What a variable asks for: bit 1 an S3 object, bit 2 a file of the image. A name matching
 * both does both (as the real init's two unanchored regexps do). */
#define EMU_ROUTER_INIT_S3 1u
#define EMU_ROUTER_INIT_FILE 2u

/* The kind of an environment variable name (its part before '='): the name contains
 * "aws_fluent_bit_init_s3" or "aws_fluent_bit_init_S3" (S3), "aws_fluent_bit_init_file" or
 * "aws_fluent_bit_init_File" (file), anywhere. 0 for other names. */
unsigned emu_router_init_var_kind(const char *name, size_t len);

/* The exported task metadata; empty strings ("") when unknown. */
struct emu_router_init_meta {
    const char *region;          /* AWS_REGION: the task ARN's region */
    const char *az;              /* AWS_AVAILABILITY_ZONE */
    const char *cluster;         /* ECS_CLUSTER: a cluster ARN is cut to its name */
    const char *task_arn;        /* ECS_TASK_ARN */
    const char *task_id;         /* ECS_TASK_ID: last '/' part of the ARN's resource */
    const char *family;          /* ECS_FAMILY */
    const char *launch_type;     /* ECS_LAUNCH_TYPE */
    const char *revision;        /* ECS_REVISION */
    const char *task_definition; /* ECS_TASK_DEFINITION: family:revision */
};

/* An ARN split as AWS SDKs do: "arn:" then partition, service, region, account, resource
 * (which may hold ':'). Returns 0 or -EINVAL (fewer than six sections, or no "arn:"). */
struct emu_router_arn {
    const char *partition, *service, *region, *account, *resource;
};
int emu_router_init_arn_parse(const char *s, struct emu_arena *a, struct emu_router_arn *ret);

/* Reads the metadata v4 /task document (fields Cluster, TaskARN, Family, Revision,
 * AvailabilityZone, LaunchType; a missing or non-string field is ""), then derives region,
 * task id, task definition and the cluster name. -EBADMSG with why ("TaskARN \"x\" is not an
 * ARN", "not a JSON object: ...") when it does not hold what the init needs. */
int emu_router_init_meta_parse(const char *json, size_t len, struct emu_arena *a,
                               struct emu_router_init_meta *ret, char *why, size_t why_len);

/* The variables exported before the router starts, in the real init's order:
 * FLB_AWS_USER_AGENT=ecs-init, then AWS_REGION, AWS_AVAILABILITY_ZONE, ECS_CLUSTER,
 * ECS_TASK_ARN, ECS_TASK_ID, ECS_FAMILY, ECS_LAUNCH_TYPE, ECS_REVISION, ECS_TASK_DEFINITION,
 * each only when not empty. m may be NULL (no metadata). Fills names/values (arrays of at least
 * EMU_ROUTER_INIT_MAX_EXPORTS) and returns their count. */
#define EMU_ROUTER_INIT_MAX_EXPORTS 10
size_t emu_router_init_exports(const struct emu_router_init_meta *m,
                               const char *names[EMU_ROUTER_INIT_MAX_EXPORTS],
                               const char *values[EMU_ROUTER_INIT_MAX_EXPORTS]);

/* arn:<partition>:s3:::bucket/key into bucket and key (key non-empty, may hold '/').
 * -EINVAL when it is not an ARN or the resource has no '/'. */
int emu_router_init_s3_arn(const char *arn, struct emu_arena *a, const char **bucket,
                           const char **key);

/* GetBucketLocation's LocationConstraint as a region: "" is us-east-1, "EU" is eu-west-1. */
const char *emu_router_init_bucket_region(const char *constraint);

/* The file name a downloaded object is stored under: the key's last '/' part. */
const char *emu_router_init_s3_name(const char *key);

/* True when the text holds "[PARSER]" or "[MULTILINE_PARSER]" anywhere (case-sensitive,
 * comments included): the file is then passed with -R instead of @INCLUDE. */
bool emu_router_init_is_parser(const char *data, size_t len);

/* The assembled result: main config text and the parser files for -R, in order. */
struct emu_router_init_plan {
    struct emu_buf main_conf; /* "@INCLUDE /fluent-bit/etc/fluent-bit.conf\n@INCLUDE ..." */
    const char **parsers;     /* arena-owned */
    size_t n_parsers;
    size_t cap_parsers;
};

void emu_router_init_plan_init(struct emu_router_init_plan *p, const char *base_config);
void emu_router_init_plan_done(struct emu_router_init_plan *p);
/* Adds one processed file: -R when its content is a parser file, else an @INCLUDE line.
 * 0 or -ENOMEM/-E2BIG. */
int emu_router_init_plan_add(struct emu_router_init_plan *p, struct emu_arena *a,
                             const char *path, const char *data, size_t len);

#endif
