/* SPDX-License-Identifier: Apache-2.0 */
/* The ECS task-definition model: every field of the TaskDefinition and ContainerDefinition
 * shapes, parsed once (taskdef_parse.c), validated (taskdef_validate.c) and read by the
 * renderers and the runtime. Pure data: no I/O anywhere in emu/model.
 *
 * DESIGN
 * All memory of a parsed task definition (structs, arrays, strings) lives in its arena and is
 * released by emu_taskdef_free(). Optional scalars carry a `has_` flag so "absent" and "0" stay
 * distinct, as ECS distinguishes them (memoryReservation 0 vs unset). Lists keep input order;
 * key/value maps keep the order of the input JSON object. */
#ifndef EMU_MODEL_MODEL_H
#define EMU_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/arena.h"
#include "emu/base/diag.h"

/* ---- Generic collections -------------------------------------------------------------- */

struct emu_kv {
    const char *key;
    const char *value;
};

struct emu_kv_list {
    struct emu_kv *items;
    size_t n;
};

struct emu_str_list {
    const char **items;
    size_t n;
};

/* An optional integer: has == false means the key was absent (or JSON null). */
struct emu_opt_int {
    bool has;
    int64_t v;
};

/* An optional boolean. */
struct emu_opt_bool {
    bool has;
    bool v;
};

/* ---- Enumerations --------------------------------------------------------------------- */

enum emu_network_mode {
    EMU_NETWORK_UNSET = 0, /* absent: EC2 default (bridge on Linux) */
    EMU_NETWORK_AWSVPC,
    EMU_NETWORK_BRIDGE,
    EMU_NETWORK_HOST,
    EMU_NETWORK_NONE,
    _EMU_NETWORK_MAX,
    _EMU_NETWORK_INVALID = -22
};

enum emu_launch_type {
    EMU_LAUNCH_FARGATE = 0,
    EMU_LAUNCH_EC2,
    _EMU_LAUNCH_MAX,
    _EMU_LAUNCH_INVALID = -22
};

enum emu_dep_condition {
    EMU_DEP_START = 0,
    EMU_DEP_COMPLETE,
    EMU_DEP_SUCCESS,
    EMU_DEP_HEALTHY,
    EMU_DEP_CREATE, /* agent-internal, derived from volumesFrom */
    _EMU_DEP_MAX,
    _EMU_DEP_INVALID = -22
};

enum emu_router_type {
    EMU_ROUTER_NONE = 0,
    EMU_ROUTER_FLUENTBIT,
    EMU_ROUTER_FLUENTD,
    EMU_ROUTER_OTHER, /* a type ECS rejects; kept so validation can name it */
};

/* Which of the three accepted input shapes the task definition came from. */
enum emu_taskdef_form {
    EMU_FORM_REGISTER = 0, /* RegisterTaskDefinition request (--cli-input-json) */
    EMU_FORM_DESCRIBE,     /* DescribeTaskDefinition response {"taskDefinition": {...}} */
    EMU_FORM_CONTAINERS,   /* bare containerDefinitions array (Terraform) */
};

/* ---- Container-definition parts --------------------------------------------------------- */

struct emu_port_mapping {
    struct emu_opt_int container_port;
    struct emu_opt_int host_port;
    const char *protocol;             /* "tcp" | "udp" | NULL */
    const char *name;                 /* Service Connect name */
    const char *app_protocol;         /* http | http2 | grpc */
    const char *container_port_range; /* "8000-8010" */
};

struct emu_mount_point {
    const char *source_volume;
    const char *container_path;
    struct emu_opt_bool read_only;
};

struct emu_volume_from {
    const char *source_container;
    struct emu_opt_bool read_only;
};

struct emu_dependency {
    const char *container_name;
    const char *condition_raw; /* as written, for error messages */
    enum emu_dep_condition condition;
    bool implicit; /* added by the FireLens rule of spec section 4, not by the user */
};

struct emu_health_check {
    bool present;
    struct emu_str_list command; /* ["CMD-SHELL", "..."] */
    struct emu_opt_int interval;
    struct emu_opt_int timeout;
    struct emu_opt_int retries;
    struct emu_opt_int start_period;
};

struct emu_ulimit {
    const char *name;
    struct emu_opt_int soft_limit;
    struct emu_opt_int hard_limit;
};

struct emu_env_file {
    const char *value;
    const char *type; /* "s3" */
};

struct emu_secret {
    const char *name;
    const char *value_from;
};

struct emu_secret_list {
    struct emu_secret *items;
    size_t n;
};

struct emu_log_config {
    bool present;
    const char *log_driver; /* "awsfirelens", "awslogs", ... */
    struct emu_kv_list options;
    struct emu_secret_list secret_options;
};

struct emu_firelens_config {
    bool present;
    const char *type_raw; /* as written */
    enum emu_router_type type;
    struct emu_kv_list options;
};

struct emu_device {
    const char *host_path;
    const char *container_path;
    struct emu_str_list permissions;
};

struct emu_tmpfs {
    const char *container_path;
    struct emu_opt_int size;
    struct emu_str_list mount_options;
};

struct emu_linux_parameters {
    bool present;
    struct emu_str_list cap_add;
    struct emu_str_list cap_drop;
    struct emu_device *devices;
    size_t n_devices;
    struct emu_opt_bool init_process_enabled;
    struct emu_opt_int shared_memory_size;
    struct emu_tmpfs *tmpfs;
    size_t n_tmpfs;
    struct emu_opt_int max_swap;
    struct emu_opt_int swappiness;
};

struct emu_host_entry {
    const char *hostname;
    const char *ip_address;
};

struct emu_resource_requirement {
    const char *type; /* GPU | InferenceAccelerator */
    const char *value;
};

struct emu_restart_policy {
    bool present;
    struct emu_opt_bool enabled;
    struct emu_opt_int restart_attempt_period;
    int64_t *ignored_exit_codes;
    size_t n_ignored_exit_codes;
};

struct emu_repository_credentials {
    const char *credentials_parameter;
};

struct emu_container_def {
    size_t index; /* position in containerDefinitions */
    const char *name;
    const char *image;
    struct emu_repository_credentials repository_credentials;
    struct emu_opt_int cpu;
    struct emu_opt_int memory;
    struct emu_opt_int memory_reservation;
    struct emu_str_list links;
    struct emu_port_mapping *port_mappings;
    size_t n_port_mappings;
    struct emu_opt_bool essential; /* absent = true */
    struct emu_restart_policy restart_policy;
    struct emu_str_list entry_point;
    struct emu_str_list command;
    struct emu_kv_list environment; /* [{name, value}] in order */
    struct emu_env_file *environment_files;
    size_t n_environment_files;
    struct emu_mount_point *mount_points;
    size_t n_mount_points;
    struct emu_volume_from *volumes_from;
    size_t n_volumes_from;
    struct emu_linux_parameters linux_parameters;
    struct emu_secret_list secrets;
    struct emu_dependency *depends_on;
    size_t n_depends_on;
    struct emu_opt_int start_timeout;
    struct emu_opt_int stop_timeout;
    const char *version_consistency;
    const char *hostname;
    const char *user;
    const char *working_directory;
    struct emu_opt_bool disable_networking;
    struct emu_opt_bool privileged;
    struct emu_opt_bool readonly_root_filesystem;
    struct emu_str_list dns_servers;
    struct emu_str_list dns_search_domains;
    struct emu_host_entry *extra_hosts;
    size_t n_extra_hosts;
    struct emu_str_list docker_security_options;
    struct emu_opt_bool interactive;
    struct emu_opt_bool pseudo_terminal;
    struct emu_kv_list docker_labels;
    struct emu_ulimit *ulimits;
    size_t n_ulimits;
    struct emu_log_config log_configuration;
    struct emu_health_check health_check;
    struct emu_kv_list system_controls; /* [{namespace, value}] */
    struct emu_resource_requirement *resource_requirements;
    size_t n_resource_requirements;
    struct emu_firelens_config firelens_configuration;
    struct emu_str_list credential_specs;
    const char *network_mode_ignored; /* Terraform form: a container-level networkMode */
};

/* ---- Task-level parts ------------------------------------------------------------------- */

struct emu_volume {
    const char *name;
    const char *host_source_path; /* host.sourcePath; NULL = task-scoped empty volume */
    bool has_host;
    bool has_docker_volume_configuration;
    const char *docker_scope;
    struct emu_opt_bool docker_autoprovision;
    const char *docker_driver;
    struct emu_kv_list docker_driver_opts;
    struct emu_kv_list docker_labels;
    bool has_efs_volume_configuration;
    const char *efs_file_system_id;
    const char *efs_root_directory;
    struct emu_opt_bool configured_at_launch;
};

struct emu_placement_constraint {
    const char *type;
    const char *expression;
};

struct emu_taskdef {
    struct emu_arena arena;
    enum emu_taskdef_form form;
    /* JSON path of the containerDefinitions array in the input ("containerDefinitions",
     * "taskDefinition.containerDefinitions" or "" for a bare array), for messages. */
    const char *containers_path;
    const char *task_path; /* "" or "taskDefinition." prefix for task-level keys */

    const char *family;
    struct emu_opt_int revision;
    const char *task_definition_arn;
    const char *status;
    const char *task_role_arn;
    const char *execution_role_arn;
    const char *network_mode_raw;
    enum emu_network_mode network_mode;
    struct emu_str_list requires_compatibilities;
    struct emu_str_list compatibilities;
    const char *cpu_raw;           /* as written: "256", "1 vCPU", 256 printed as "256" */
    struct emu_opt_int cpu;        /* normalised CPU units; has = false if absent/unparsable */
    const char *memory_raw;        /* "512", "1GB" */
    struct emu_opt_int memory;     /* normalised MiB */
    const char *pid_mode;
    const char *ipc_mode;
    struct emu_opt_int ephemeral_storage_gib;
    const char *runtime_os_family;
    const char *runtime_cpu_architecture;
    struct emu_placement_constraint *placement_constraints;
    size_t n_placement_constraints;
    struct emu_kv_list tags; /* [{key, value}] */
    struct emu_opt_bool enable_fault_injection;
    bool has_proxy_configuration;
    const char *proxy_container_name;
    struct emu_container_def *containers;
    size_t n_containers;
    struct emu_volume *volumes;
    size_t n_volumes;
    /* Indices of the named containers sorted by (name, index), so name lookups are
     * O(log n) on 10,000-container definitions; built by the parser (emu_taskdef_index_names),
     * NULL in a hand-built model, where lookups fall back to a linear scan. */
    size_t *name_index;
    size_t n_name_index;
};

/* Task-level values for the bare-array form, from command-line flags. NULL/unset = absent. */
struct emu_taskdef_overrides {
    const char *family;
    const char *cpu;
    const char *memory;
    const char *network_mode;
    const char *requires_compatibilities; /* comma-separated */
    const char *task_role_arn;
    const char *execution_role_arn;
};

/* ---- Parsing (taskdef_parse.c) ---------------------------------------------------------- */

/* Parses a task definition in any of the three forms (detected from the JSON shape). Problems
 * go to diags with their JSON path: unknown keys (an error worded like the AWS CLI's for the
 * register/describe forms, a warning ending in ", ignoring" for the bare-array form), wrong
 * types, unparsable numbers. Returns 0 with *ret set (even when diags holds errors, so callers
 * can validate the rest), -EJSON for malformed JSON (diags holds "line L, column C: ..."),
 * -E2BIG over EMU_JSON_MAX_INPUT, or -ENOMEM. overrides may be NULL. */
int emu_taskdef_parse(const char *json, size_t len, const struct emu_taskdef_overrides *overrides,
                      struct emu_taskdef **ret, struct emu_diags *diags);

/* The final task definition as a RegisterTaskDefinition request (cJSON; members in the API's
 * order, keys unknown to ECS dropped, the bare-array form's "80"/"true" typed, overrides
 * applied over the input's task-level values): what `render --what taskdef` prints. Returns 0,
 * -EJSON, -EINVAL (not a task-definition shape), -E2BIG or -ENOMEM. taskdef_export.c. */
struct cJSON;
int emu_taskdef_export(const char *json, size_t len, const struct emu_taskdef_overrides *ov,
                       struct cJSON **ret);

/* Frees a task definition (NULL allowed); returns NULL. */
struct emu_taskdef *emu_taskdef_free(struct emu_taskdef *td);

/* Normalises ECS task-level cpu ("256", "1 vCPU", "0.25 vcpu") to CPU units; -EINVAL. */
int emu_parse_task_cpu(const char *s, int64_t *ret_units);

/* Normalises ECS task-level memory ("512", "1GB", "2 gb") to MiB; -EINVAL. */
int emu_parse_task_memory(const char *s, int64_t *ret_mib);

/* ---- Names of enumerations (model_names.c) -------------------------------------------- */

const char *emu_network_mode_to_string(enum emu_network_mode m); /* "awsvpc"; NULL for UNSET */
enum emu_network_mode emu_network_mode_from_string(const char *s);
const char *emu_dep_condition_to_string(enum emu_dep_condition c); /* "START" */
enum emu_dep_condition emu_dep_condition_from_string(const char *s);
const char *emu_launch_type_to_string(enum emu_launch_type t); /* "FARGATE" */
enum emu_launch_type emu_launch_type_from_string(const char *s);

/* ---- Queries (model_query.c) -------------------------------------------------------------- */

/* essential defaults to true. */
bool emu_container_is_essential(const struct emu_container_def *c);

/* Builds td->name_index in td's arena. Returns 0 or -ENOMEM. */
int emu_taskdef_index_names(struct emu_taskdef *td);

/* Index of the first container (in definition order) named name, or td->n_containers. */
size_t emu_taskdef_first_named(const struct emu_taskdef *td, const char *name);

/* Looks a container up by name (the first one of that name); NULL if none. */
const struct emu_container_def *emu_taskdef_container(const struct emu_taskdef *td,
                                                      const char *name);

/* The FireLens router: the first container with a firelensConfiguration; NULL if none. */
const struct emu_container_def *emu_taskdef_router(const struct emu_taskdef *td);

/* True when the container's log driver is awsfirelens. */
bool emu_container_uses_firelens(const struct emu_container_def *c);

/* Value of key in a kv list, NULL if absent (the last one wins when repeated). */
const char *emu_kv_get(const struct emu_kv_list *l, const char *key);

#endif
