/* SPDX-License-Identifier: Apache-2.0 */
/* Task metadata v4 and container credentials documents as the ECS agent's task metadata server
 * writes them (spec firelens.md section 6): pure builders from plain structs to the compact
 * JSON Go's encoding/json produces (struct field order, map keys sorted, <>& escaped). */
#ifndef EMU_MODEL_METADATA_H
#define EMU_MODEL_METADATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"

/* Ceilings of one document's inputs. */
#define EMU_MD_MAX_CONTAINERS 64
#define EMU_MD_MAX_MAP 256 /* labels, log options, tags */

struct emu_md_pair {
    const char *key;
    const char *value;
};

struct emu_md_port {
    int container_port;
    const char *protocol; /* "tcp" */
    int host_port;
    const char *host_ip;
};

/* The awsvpc network of the task (the pause container's interface). */
struct emu_md_network {
    const char *ipv4;        /* "172.20.0.2" */
    const char *mac;         /* "02:42:ac:14:00:02" */
    const char *subnet_cidr; /* "172.20.0.0/16" */
    const char *gateway;     /* "172.20.0.1/16" (the agent appends the prefix) */
    const char *private_dns; /* "ip-172-20-0-2.ec2.internal" */
};

struct emu_md_container {
    const char *docker_id;
    const char *name;
    const char *docker_name;
    const char *image;
    const char *image_id;
    const struct emu_md_port *ports;
    size_t n_ports;
    const struct emu_md_pair *labels; /* any order: written sorted */
    size_t n_labels;
    const char *desired_status;
    const char *known_status;
    bool has_exit_code;
    int exit_code;
    long cpu;    /* CPU units; below 2 reported as 2 */
    long memory; /* MiB; 0 = omitted */
    int64_t created_ms, started_ms, finished_ms; /* Unix ms; 0 = omitted */
    const struct emu_md_network *network;        /* NULL = none */
    const char *health_status;                   /* NULL = no health check */
    int64_t health_since_ms;
    bool has_health_exit_code;
    int health_exit_code;
    const char *health_output;
    const char *log_driver; /* NULL = omitted */
    const struct emu_md_pair *log_options;
    size_t n_log_options;
    const char *container_arn;
    bool has_restart_count; /* the container has an enabled restartPolicy */
    int restart_count;
};

struct emu_md_task {
    const char *cluster;
    const char *task_arn;
    const char *family;
    const char *revision;
    const char *desired_status;
    const char *known_status;
    const char *cpu;    /* vCPU as in the task definition's units / 1024: "0.25"; NULL = none */
    long memory;        /* MiB; 0 = omitted */
    int64_t pull_started_ms, pull_stopped_ms, execution_stopped_ms;
    const char *availability_zone;
    const char *launch_type;
    /* ClockDrift (Fargate): present when clock_reference_ms > 0; bound in ms */
    double clock_error_bound_ms;
    int64_t clock_reference_ms;
    bool clock_synchronized;
    const struct emu_md_pair *tags; /* taskWithTags only */
    size_t n_tags;
    const struct emu_md_container *containers;
    size_t n_containers;
};

struct emu_md_credentials {
    const char *role_arn;
    const char *access_key_id;
    const char *secret_access_key;
    const char *token;
    const char *expiration; /* "2026-11-24T20:00:00Z" */
};

/* GET ${ECS_CONTAINER_METADATA_URI_V4}: one container. Appends to out; 0, -ENOMEM, -E2BIG. */
int emu_md_container_json(const struct emu_md_container *c, struct emu_buf *out);
/* GET .../task (with_tags false) or .../taskWithTags. */
int emu_md_task_json(const struct emu_md_task *t, bool with_tags, struct emu_buf *out);
/* GET /v2/credentials/<id>: {"RoleArn","AccessKeyId","SecretAccessKey","Token","Expiration"}. */
int emu_md_credentials_json(const struct emu_md_credentials *c, struct emu_buf *out);
/* The agent's error body {"code","message","HTTPErrorCode"}. */
int emu_md_error_json(const char *code, const char *message, unsigned http_code,
                      struct emu_buf *out);
/* The <id> of a container's ECS_CONTAINER_METADATA_URI_V4: "<taskID>-<10 digits>" as Fargate
 * shows it, the digits a hash of the container name (stable across the task's life). */
int emu_md_endpoint_id(const char *task_id, const char *container, char out[80]);
/* Go's RFC3339Nano of Unix ms in UTC (trailing zeros of the fraction trimmed). */
int emu_md_time(int64_t ms, char out[40]);

#endif
