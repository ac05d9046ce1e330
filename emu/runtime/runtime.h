/* SPDX-License-Identifier: Apache-2.0 */
/* The task runtime: ECS task and container states (task_state.c), the dependency resolver
 * (deps_resolver.c), model -> Docker create translation (task_docker.c), the per-task state
 * file (task_store.c) and the loop-driven supervisor (task_runner.c). */
#ifndef EMU_RUNTIME_RUNTIME_H
#define EMU_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "emu/base/arena.h"
#include "emu/base/buf.h"
#include "emu/docker/docker.h"
#include "emu/model/local.h"
#include "emu/model/model.h"
#include "emu/model/render.h"

/* ECS's quota is 10 containers per task; the state file and resolver keep a margin. */
#define EMU_TASK_MAX_CONTAINERS 64
/* Fargate's stopTimeout default and maximum, in seconds. */
#define EMU_STOP_TIMEOUT_DEFAULT 30
#define EMU_STOP_TIMEOUT_MAX 120
/* Label keys on every Docker object the emulator creates. */
#define EMU_LABEL_TASK "fargate-emu.task-id"
#define EMU_LABEL_ROLE "fargate-emu.role"

/* ==== states (task_state.c) =============================================================== */

/* Task lastStatus/desiredStatus, in the order ECS moves through them. */
enum emu_task_status {
    EMU_TASK_PROVISIONING = 0,
    EMU_TASK_PENDING,
    EMU_TASK_RUNNING,
    EMU_TASK_STOPPING,
    EMU_TASK_DEPROVISIONING,
    EMU_TASK_STOPPED,
    _EMU_TASK_MAX,
    _EMU_TASK_INVALID = -22
};

/* Container state; CREATED is internal and shows as ECS's PENDING. */
enum emu_ctr_status {
    EMU_CTR_PENDING = 0,
    EMU_CTR_CREATED,
    EMU_CTR_RUNNING,
    EMU_CTR_STOPPED,
    _EMU_CTR_MAX,
    _EMU_CTR_INVALID = -22
};

enum emu_health {
    EMU_HEALTH_UNKNOWN = 0,
    EMU_HEALTH_HEALTHY,
    EMU_HEALTH_UNHEALTHY,
    _EMU_HEALTH_MAX,
    _EMU_HEALTH_INVALID = -22
};

/* ECS's task stopCode values. */
enum emu_stop_code {
    EMU_STOP_NONE = 0,
    EMU_STOP_TASK_FAILED_TO_START,
    EMU_STOP_ESSENTIAL_CONTAINER_EXITED,
    EMU_STOP_USER_INITIATED,
    _EMU_STOP_MAX,
    _EMU_STOP_INVALID = -22
};

/* stoppedReason texts, worded as ECS words them. */
#define EMU_REASON_ESSENTIAL_EXITED "Essential container in task exited"
#define EMU_REASON_USER_STOPPED "Task stopped by user"
#define EMU_REASON_FAILED_TO_START "Task failed to start"

#define EMU_CTR_NAME_MAX 256
#define EMU_REASON_MAX 1024

struct emu_ctr_state {
    char name[EMU_CTR_NAME_MAX];
    char docker_name[320];
    char docker_id[72];
    char image[512];
    char ports[256]; /* "127.0.0.1:8080->8080/tcp, ..." */
    bool essential;
    bool has_health_check;
    enum emu_ctr_status status;
    enum emu_ctr_status desired;
    enum emu_health health;
    bool has_exit_code;
    int exit_code;
    char reason[EMU_REASON_MAX];
    int64_t created_ms, started_ms, stopped_ms; /* Unix ms; 0 = not yet */
    int stop_timeout_s;
    bool restart_enabled;    /* restartPolicy.enabled */
    int restart_count;       /* restarts done by the restart policy */
    int64_t last_restart_ms; /* Unix ms of the last restart; 0 = none */
};

/* Where the supervisor served the task's endpoints (the task's containers were given these
 * addresses, so a resumed supervisor must serve them there again). Ports 0 = not served. */
struct emu_task_endpoints {
    char gateway[64];
    uint16_t s3_port, logs_port, sts_port;
    uint16_t metadata_port; /* 0 with the 169.254.170.2:80 endpoint */
    char credentials_id[40];
    uint64_t s3_max_bytes; /* --s3-max-bytes; 0 = none */
    uint32_t client_timeout_ms; /* --client-timeout; 0 = the shims' default */
    uint32_t max_connections;   /* --max-connections; 0 = the shims' default */
};

struct emu_task_state {
    char id[33];
    char arn[512];
    char cluster[256];
    char region[64];
    char family[256];
    long revision;
    char taskdef_arn[768];
    char taskdef_path[1024];
    char launch_type[16];
    char cpu[32];
    char memory[32];
    enum emu_task_status status;
    enum emu_task_status desired;
    enum emu_stop_code stop_code;
    char stopped_reason[EMU_REASON_MAX];
    int64_t created_ms, started_ms, stopping_ms, stopped_ms;
    int64_t pull_started_ms, pull_stopped_ms; /* image pulls (or checks) of the task */
    long supervisor_pid;
    bool keep;
    char network_name[128];
    char network_id[72];
    char pause_name[128];
    char pause_id[72];
    bool has_exit_code; /* exit code of the first essential container that stopped */
    int exit_code;
    struct emu_task_endpoints endpoints;
    struct emu_ctr_state *containers; /* owned, emu_calloc'd */
    size_t n_containers;
};

const char *emu_task_status_to_string(enum emu_task_status s);
enum emu_task_status emu_task_status_from_string(const char *s);
/* ECS's container lastStatus: PENDING (also for CREATED), RUNNING, STOPPED. */
const char *emu_ctr_status_to_string(enum emu_ctr_status s);
enum emu_ctr_status emu_ctr_status_from_string(const char *s);
const char *emu_health_to_string(enum emu_health h);
enum emu_health emu_health_from_string(const char *s);
const char *emu_stop_code_to_string(enum emu_stop_code c); /* NULL for NONE */
enum emu_stop_code emu_stop_code_from_string(const char *s);

/* Allocates n zeroed containers. Returns 0, -E2BIG over EMU_TASK_MAX_CONTAINERS, -ENOMEM. */
int emu_task_state_init(struct emu_task_state *st, size_t n_containers);
void emu_task_state_done(struct emu_task_state *st);

/* Moves a container forward (PENDING < CREATED < RUNNING < STOPPED); going back is refused
 * with -EINVAL. Stamps the matching timestamp with now_ms. */
int emu_ctr_transition(struct emu_ctr_state *c, enum emu_ctr_status to, int64_t now_ms);

/* Records that a container stopped: exit code (when known), reason (may be NULL). If it is
 * essential and the task is not yet stopping, asks the task to stop with ECS's reason. */
void emu_task_container_stopped(struct emu_task_state *st, size_t i, bool has_exit_code,
                                int exit_code, const char *reason, int64_t now_ms);

/* ECS's default restartAttemptPeriod and its range, in seconds. */
#define EMU_RESTART_PERIOD_DEFAULT 300
#define EMU_RESTART_PERIOD_MIN 60
#define EMU_RESTART_PERIOD_MAX 1800

/* Whether container c, which just exited with exit_code at now_ms, is restarted under its
 * restartPolicy p, as the ECS agent decides: the policy is enabled, the task is not stopping,
 * the exit code is not ignored, and restartAttemptPeriod seconds (period_override_s when > 0,
 * else the policy's, else 300) passed since the container's last restart, or since it started
 * when it never restarted. When not, why (may be NULL) says which rule held it back. Pure. */
bool emu_restart_should(const struct emu_restart_policy *p, long period_override_s,
                        const struct emu_ctr_state *c, enum emu_task_status task_desired,
                        int exit_code, int64_t now_ms, char *why, size_t why_len);

/* Sets desired STOPPED with code and reason (the first request wins). Returns true when this
 * call made the request. */
bool emu_task_request_stop(struct emu_task_state *st, enum emu_stop_code code,
                           const char *reason, int64_t now_ms);

/* The task lastStatus derived from its containers (ECS's "earliest container status"):
 * PROVISIONING until provisioned, RUNNING once every container is RUNNING or STOPPED, STOPPING
 * when desired STOPPED and some container is not, DEPROVISIONING when all are stopped and
 * cleanup is left, STOPPED after cleanup. Never moves backwards from st->status. */
enum emu_task_status emu_task_derive_status(const struct emu_task_state *st, bool provisioned,
                                            bool cleaned_up);

/* ==== dependencies (deps_resolver.c) ====================================================== */

struct emu_deps_edge {
    size_t target; /* index of the container depended on */
    enum emu_dep_condition condition;
};

struct emu_deps_node {
    struct emu_deps_edge *edges;
    size_t n_edges;
    int64_t start_timeout_ms; /* this container's startTimeout as a dependency; <= 0 = none */
};

struct emu_deps_graph {
    struct emu_deps_node *nodes;
    size_t n;
};

/* Builds the graph from the plan's effective dependencies in arena memory. Unknown names and
 * cycles give -EINVAL with a sentence in why (why may be NULL). */
int emu_deps_build(const struct emu_task_plan *plan, struct emu_arena *arena,
                   struct emu_deps_graph *ret, char *why, size_t why_len);

enum emu_deps_verdict {
    EMU_DEPS_WAIT = 0, /* not yet */
    EMU_DEPS_MET,      /* may start now */
    EMU_DEPS_NEVER,    /* can never be met: why says which and why */
};

/* Whether container i may start, given every container's state at now_ms. */
enum emu_deps_verdict emu_deps_can_start(const struct emu_deps_graph *g,
                                         const struct emu_task_state *st, size_t i,
                                         int64_t now_ms, char *why, size_t why_len);

/* Whether container i may be stopped now: every container that depends on it is stopped or
 * never got a Docker container. */
bool emu_deps_can_stop(const struct emu_deps_graph *g, const struct emu_task_state *st, size_t i);

/* ==== Docker translation (task_docker.c) ================================================== */

/* A secret value by ARN or name (from --secrets-file). */
struct emu_secret_map {
    struct emu_kv *items;
    size_t n;
};

/* Parses a --secrets-file body (a JSON object of strings) into arena memory. 0, -EJSON,
 * -EINVAL (a non-string value, with why filled). */
int emu_secret_map_parse(const char *json, size_t len, struct emu_arena *arena,
                         struct emu_secret_map *ret, char *why, size_t why_len);

/* The value of a secret's valueFrom (full ARN, then its name), NULL when absent. Handles
 * Secrets Manager json-key suffixes (arn:...:secret:name:key::) when the value is JSON. */
const char *emu_secret_lookup(const struct emu_secret_map *m, const char *value_from,
                              struct emu_arena *arena);

/* --publish HOSTPORT:CONTAINERPORT overrides. */
struct emu_publish {
    uint16_t host_port;
    uint16_t container_port;
};

/* The task-level facts the translation needs. */
struct emu_task_docker_ctx {
    const struct emu_taskdef *td;
    const struct emu_task_plan *plan;
    const struct emu_task_state *st;
    const char *task_dir; /* <data-dir>/tasks/<id> */
    const struct emu_secret_map *secrets;
    const struct emu_docker_image_map *image_map; /* may be NULL */
};

/* Fills ret for container i (network mode container:<pause>) in arena memory. Errors are the
 * texts ECS puts in a stoppedReason (missing secret, unreadable environment file), in why;
 * returns 0, -ENOENT, -EINVAL, -E2BIG or -ENOMEM. */
int emu_task_docker_container(const struct emu_task_docker_ctx *ctx, size_t i,
                              const char *pause_ref, struct emu_arena *arena,
                              struct emu_docker_create *ret, char *why, size_t why_len);

/* The pause container that owns the task's network namespace and publishes its ports on
 * 127.0.0.1 (each containerPort on the same host port, or as --publish moves it). */
int emu_task_docker_pause(const struct emu_task_docker_ctx *ctx, const char *pause_image,
                          const struct emu_publish *publish, size_t n_publish,
                          struct emu_arena *arena, struct emu_docker_create *ret, char *why,
                          size_t why_len);

/* The labels every object of the task carries (agent's com.amazonaws.ecs.* plus ours). */
int emu_task_docker_labels(const struct emu_task_state *st, const char *container,
                           const char *role, struct emu_arena *arena,
                           struct emu_docker_kv **ret, size_t *ret_n);

/* ==== state files (task_store.c) ========================================================== */

/* <data-dir>/tasks, <data-dir>/tasks/<id>.json, <id>.log, <id>.stop, <id> (task dir). */
int emu_store_paths(const char *data_dir, const char *id, const char *suffix,
                    struct emu_buf *out);
/* Creates <data-dir>/tasks (mode 0700 parents). 0 or negative errno. */
int emu_store_init(const char *data_dir);
/* Serialises and writes atomically. 0 or negative errno. */
int emu_store_save(const char *data_dir, const struct emu_task_state *st);
/* Reads a task by full ID or unique prefix (at least 4 characters). -ENOENT, -EEXIST
 * (ambiguous prefix), -EBADMSG. */
int emu_store_load(const char *data_dir, const char *id_or_prefix, struct emu_task_state *ret);
/* JSON <-> state (pure). */
int emu_store_to_json(const struct emu_task_state *st, struct emu_buf *out);
int emu_store_from_json(const char *json, size_t len, struct emu_task_state *ret);
/* Lists task IDs sorted by creation (oldest first); *ret_ids is emu_calloc'd rows of 33. */
int emu_store_list(const char *data_dir, char (**ret_ids)[33], size_t *ret_n);
/* Deletes the state file and its side files. */
int emu_store_remove(const char *data_dir, const char *id);
/* True when the supervisor pid of a non-STOPPED task is alive. */
bool emu_store_supervisor_alive(const struct emu_task_state *st);
/* The ECS DescribeTasks shape of one task (a cJSON object the caller deletes). */
cJSON *emu_store_describe_json(const struct emu_task_state *st);

/* ==== supervisor (task_runner.c) ========================================================== */

struct emu_task_runner;

struct emu_task_runner_opts {
    uv_loop_t *loop;
    const char *data_dir;
    const char *pause_image;                      /* "fargate-emu/pause:local" default */
    const struct emu_secret_map *secrets;
    const struct emu_publish *publish;
    size_t n_publish;
    const struct emu_docker_image_map *image_map; /* may be NULL */
    enum emu_docker_pull_policy pull_policy;
    bool keep; /* keep the task dir */
    /* > 0: every restartPolicy's restartAttemptPeriod is this many seconds instead (tests). */
    long restart_period_s;
    /* The render context the plan was built with (FireLens config, paths). */
    const struct emu_render_ctx *render_ctx;
    /* Called once the task's network exists with its gateway, the host address the task's
     * containers reach: starts the endpoints there and fills ep (strings must outlive the
     * runner). Returns 0, or a negative code with why set (the task fails to start). NULL =
     * no endpoints (outputs stay pointed at AWS). */
    int (*on_network)(const char *gateway, struct emu_local_endpoints *ep, char *why,
                      size_t why_len, void *ud);
    /* Reads object key of bucket from the local S3 (config-file-type s3). 0 or negative with
     * why set. */
    int (*fetch_object)(const char *bucket, const char *key, struct emu_buf *out, char *why,
                        size_t why_len, void *ud);
    /* An S3 bucket an output of the task writes to (created in the local S3). */
    int (*ensure_bucket)(const char *bucket, void *ud);
    /* Every change a local run makes (config diffs, notes), as text to show the user. */
    void (*on_notice)(const char *text, void *ud);
    /* Called after every state change (the state file is already written). */
    void (*on_change)(const struct emu_task_state *st, void *ud);
    /* No copy of the containers' output and router config under <id>.out (tests). */
    bool no_output;
    /* what-if (`--what-if storage.type=filesystem`): the generated Fluent Bit config gets
     * [SERVICE] storage.path and storage.type filesystem on its forward inputs */
    bool router_storage_fs;
    uint64_t output_max; /* per container; 0 = EMU_OUTPUT_MAX_DEFAULT */
    /* Called once when the task reached STOPPED and every call finished. */
    void (*on_done)(const struct emu_task_state *st, void *ud);
    void *ud;
};

/* Starts supervising: st must be filled (IDs, names, containers from the plan); td and plan
 * must outlive the runner. Returns 0 (on_done will run) or a negative code. */
int emu_task_runner_start(struct emu_docker *docker, const struct emu_taskdef *td,
                          const struct emu_task_plan *plan, struct emu_task_state *st,
                          const struct emu_task_runner_opts *opts, struct emu_task_runner **ret);

/* Takes over a task whose supervisor died while its containers kept running (`fargate-emu
 * resume`): st comes from the state file (lastStatus RUNNING, STOPPING or DEPROVISIONING), td
 * and plan are rebuilt from the saved task definition. Nothing is created: running containers
 * are waited on again, a requested stop carries on, and the end is as after `run`. The
 * endpoints must already serve at st->endpoints. Returns 0 (on_done will run), -EINVAL for a
 * task that was still starting (its containers are half made: stop it instead), -ENOMEM. */
int emu_task_runner_adopt(struct emu_docker *docker, const struct emu_taskdef *td,
                          const struct emu_task_plan *plan, struct emu_task_state *st,
                          const struct emu_task_runner_opts *opts, struct emu_task_runner **ret);

/* Whether a task in this state can be resumed by emu_task_runner_adopt. */
bool emu_task_resumable(const struct emu_task_state *st);

/* Asks the task to stop (reason NULL = "Task stopped by user"); force kills every container
 * with SIGKILL at once instead of the ordered SIGTERM stop. */
void emu_task_runner_stop(struct emu_task_runner *r, const char *reason, bool force);

/* Frees a runner whose on_done ran. Returns NULL. */
struct emu_task_runner *emu_task_runner_free(struct emu_task_runner *r);

/* Fills st from the task definition and plan: IDs, names, containers (plan order = task
 * definition order), essential flags, stop timeouts. st must be zeroed. */
int emu_task_state_from_plan(struct emu_task_state *st, const struct emu_taskdef *td,
                             const struct emu_task_plan *plan, const char *task_id,
                             const char *task_arn, const char *cluster, const char *region);

/* The Availability Zone a local task reports (metadata, DescribeTasks, the init image's
 * AWS_AVAILABILITY_ZONE): the region's first zone, "<region>a". */
void emu_task_availability_zone(const struct emu_task_state *st, char out[72]);

/* Removes every Docker object of a task by its deterministic names (crash-recovery sweep);
 * runs on the given loop until done. Returns 0 or the first error. */
int emu_task_sweep(struct emu_docker *docker, uv_loop_t *loop, const struct emu_task_state *st);

/* Removes a directory tree (a task dir); absent is success. 0 or negative errno. */
int emu_task_remove_dir(const char *path);

/* ==== output copies (task_output.c) ======================================================= */

/* <data-dir>/tasks/<id>.out/<container>.log: "<RFC3339Nano> <stdout|stderr> <line>\n" per line
 * a container wrote (see the output contract in docs/reliability.md). */
#define EMU_OUTPUT_MAX_DEFAULT (1024ull * 1024ull * 1024ull)
#define EMU_OUTPUT_PART 16384u          /* Docker splits longer lines into parts of this size */
#define EMU_OUTPUT_ROUTER_DIR ".router" /* <id>.out/.router/<path>: the router's config files */
#define EMU_OUTPUT_TASK_FILE ".task.json" /* <id>.out/.task.json: what the audit needs */
/* <id>.out/.router.main: the path in the router of the config file it loads (its -c; absent:
 * EMU_OUTPUT_ROUTER_DEFAULT), read by audit and report to load the snapshot from. */
#define EMU_OUTPUT_ROUTER_MAIN ".router.main"
/* <id>.out/.router.metrics.json: the last good reading of the router's /api/v1/metrics (when
 * its HTTP_Server is on) with its time, or why there is none: {"url","time","timeMs","final",
 * "readings","failures","lastError","metrics"}. */
#define EMU_OUTPUT_ROUTER_METRICS ".router.metrics.json"
#define EMU_OUTPUT_ROUTER_DEFAULT "/fluent-bit/etc/fluent-bit.conf"
/* Reads out_dir/.router.main into main (n bytes): the router's main config path, or the
 * default. Always usable. */
void emu_output_router_main(const char *out_dir, char *main_path, size_t n);

struct emu_output_writer {
    FILE *f;
    char path[4096];
    char trunc_path[4096];
    uint64_t written, max, lines;
    bool truncated;
    int error;
};

/* <data-dir>/tasks/<id>.out into out (initialised here). */
int emu_output_dir(const char *data_dir, const char *id, struct emu_buf *out);
/* Opens dir/name.log for writing (creating dir); max_bytes 0 = EMU_OUTPUT_MAX_DEFAULT. */
int emu_output_writer_open(struct emu_output_writer *w, const char *dir, const char *name,
                           uint64_t max_bytes);
/* Writes one line of the logs endpoint (stream 1 stdout, 2 stderr), splitting parts of a line
 * over EMU_OUTPUT_PART the endpoint joined; past the ceiling writes stop and name.truncated is
 * created. */
void emu_output_writer_line(struct emu_output_writer *w, int stream, const char *ts,
                            const char *line, size_t len);
/* Flushes and closes. 0 or the first write error. */
int emu_output_writer_close(struct emu_output_writer *w);
/* Whether s starts with an RFC 3339 timestamp followed by a space; *ret_len its length. */
bool emu_output_is_timestamp(const char *s, size_t len, size_t *ret_len);

/* Wall clock in Unix ms. */
int64_t emu_now_ms(void);

#endif
