/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between cmd_run.c (flags, validation, detaching) and cli_supervise.c (the loop that
 * runs one task): the options of `run` and the prepared job. */
#ifndef EMU_CLI_CLI_RUN_H
#define EMU_CLI_CLI_RUN_H

#include "emu/base/mem.h"
#include "emu/cli/cli.h"
#include "emu/cli/cli_fault.h"
#include "emu/cli/cli_http_limits.h"
#include "emu/cli/cli_iam.h"
#include "emu/cli/cli_resume_state.h"
#include "emu/cli/cli_tasks.h"
#include "emu/model/metadata.h"
#include "emu/runtime/runtime.h"

#define RUN_MAX_PUBLISH 64

struct run_opts {
    struct emu_cli_taskdef_opts td; /* must stay first */
    bool detach;
    bool wait;
    const char *timeout;
    const char *publish;
    const char *secrets_file;
    bool keep;
    const char *pull;
    struct emu_cli_list image_map; /* --image-map, repeatable */
    const char *image_map_file;
    const char *pause_image;
    const char *what;
    const char *task_arn;
    const char *task_id;
    const char *account_id;
    const char *launch_type;
    const char *ec2_instance_id;
    bool no_validate;
    struct emu_cli_fault_opts faults; /* --fault, --fault-seed */
    const char *restart_attempt_period; /* --restart-attempt-period S */
    const char *s3_max_bytes;
    struct emu_cli_http_limit_opts limits; /* --client-timeout, --max-connections */
    bool enforce_iam;
    struct emu_cli_list task_role_policy;      /* --task-role-policy, repeatable */
    struct emu_cli_list execution_role_policy; /* --execution-role-policy, repeatable */
    bool audit;           /* print the delivery audit when the task stops */
    const char *max_loss; /* with --audit: tolerated loss in percent */
    struct emu_cli_list what_if; /* with --audit: rerun with these settings (cli_whatif.c) */
};

struct run_job {
    const char *file;
    char data_dir[EMU_CLI_PATH_MAX];
    struct emu_arena arena;
    struct emu_taskdef *td;
    struct emu_task_plan plan;
    struct emu_task_state st;
    struct emu_secret_map secrets;
    struct emu_publish publish[RUN_MAX_PUBLISH];
    size_t n_publish;
    struct emu_docker_image_map image_map;
    enum emu_docker_pull_policy pull;
    long timeout_s;
    char fault_seed[24];   /* the --fault-seed pinned before detaching */
    long restart_period_s; /* --restart-attempt-period, 0 = the task definition's */
    struct emu_render_ctx ctx; /* what the plan was built with */
    bool adopt;                /* resume: take over the running task in st */
    uint64_t s3_max_bytes;     /* --s3-max-bytes */
    unsigned client_timeout_ms; /* --client-timeout; 0 = the shims' default */
    unsigned max_connections;   /* --max-connections; 0 = the shims' default */
    const char *taskdef_json;  /* the final task definition (arena), for resume */
    struct emu_cli_iam iam;     /* --enforce-iam: the task role */
    struct emu_cli_iam exec_iam; /* --enforce-iam: the execution role (awslogs) */
    bool exec_iam_on;
    long creds_duration_s;      /* task role credentials' lifetime; 0 = the default 6 h */
    bool no_firelens_async;     /* what-if fluentd-async=false (ECS_ENABLE_FIRELENS_ASYNC) */
    bool router_storage_fs;     /* what-if storage.type=filesystem on the router's input */
    /* resume: what the dead supervisor kept (<id>.resume.json), NULL for run */
    const struct emu_cli_resume_state *resumed;
};

/* The endpoints a supervisor serves to its task (cli_endpoints.c). */
struct shim_s3;
struct shim_cwl;
struct shim_sts;
struct shim_md;
struct emu_cli_awslogs;
struct emu_cli_endpoints {
    const struct run_job *job;
    struct shim_faults *faults; /* --fault engine, borrowed */
    /* resume: serve again where the task's containers were told (ports, credentials ID) */
    const struct emu_task_endpoints *reuse;
    struct shim_s3 *s3;
    struct shim_cwl *cwl;
    struct shim_sts *sts;
    char s3_root[EMU_CLI_PATH_MAX + 8];
    char logs_root[EMU_CLI_PATH_MAX + 8];
    char s3_url[128];
    char logs_url[128];
    char sts_url[128];
    char region[64];
    char gateway[64];
    /* task metadata and credentials (cli_metadata.c) */
    struct shim_md *md;
    char device[16]; /* the task network's bridge */
    bool addr_added; /* 169.254.170.2 added to it */
    bool net_asked;
    char md_url[64];
    char cred_id[40];
    char cred_uri[80];
    uv_timer_t creds_timer;  /* re-mints the task role's credentials (cli_metadata.c) */
    bool creds_timer_on;
    long creds_duration_s;
    struct {
        char ipv4[64], mac[32], subnet[64], gateway[80], dns[96];
    } net;
    struct emu_md_network md_net;
    char image_ids[EMU_TASK_MAX_CONTAINERS][80]; /* "sha256:...", from inspect once running */
    bool image_asked[EMU_TASK_MAX_CONTAINERS];
    char *stats[EMU_TASK_MAX_CONTAINERS]; /* last Docker stats JSON, emu_malloc'd */
    bool stats_inflight[EMU_TASK_MAX_CONTAINERS];
    struct emu_docker *docker;            /* for the stats refreshes */
    struct emu_cli_awslogs *awslogs; /* cli_awslogs.c */
    /* <id>.resume.json kept current (cli_resume_save.c) */
    void (*on_progress)(struct emu_cli_endpoints *e); /* an awslogs batch was delivered */
    uv_loop_t *loop;
    uv_timer_t save_timer;
    bool save_timer_on;
    uint64_t save_stamp;
    bool save_warned;
};

/* awslogs containers: validates their options and log group (a missing group without
 * awslogs-create-group fails the start with ECS's reason in why), creates their streams. */
int emu_cli_awslogs_start(struct emu_cli_endpoints *e, uv_loop_t *loop, char *why,
                          size_t why_len);
/* Starts following the output of awslogs containers that started. */
void emu_cli_awslogs_task_changed(struct emu_cli_endpoints *e, struct emu_docker *d);
/* Delivers what is pending and frees everything. */
void emu_cli_awslogs_stop(struct emu_cli_endpoints *e);
/* The position each awslogs container's delivery reached (those with one); returns how many
 * of max were filled. */
size_t emu_cli_awslogs_positions(const struct emu_cli_endpoints *e,
                                 struct emu_cli_awslogs_pos *out, size_t max);

/* Writes <id>.resume.json now and then every second when the fault engine changed (and after
 * each awslogs delivery through on_progress); a write failure is warned about once. */
void emu_cli_resume_save_start(struct emu_cli_endpoints *e, uv_loop_t *loop);
void emu_cli_resume_save(struct emu_cli_endpoints *e);
/* Writes a last time and stops the timer (the loop must run again to close it). */
void emu_cli_resume_save_stop(struct emu_cli_endpoints *e);
/* resume: puts the kept fault engine state back into engine (the clock of loop). 0 or a
 * negative errno after printing why. */
int emu_cli_resume_restore_faults(const struct run_job *job, struct shim_faults *engine,
                                  uv_loop_t *loop);

/* Adds 169.254.170.2 to the bridge holding gateway, serves the metadata and credentials
 * endpoint there, mints the task role's credentials; fills ep->metadata/credentials_uri. */
int emu_cli_metadata_start(struct emu_cli_endpoints *e, uv_loop_t *loop, const char *gateway,
                           struct emu_local_endpoints *ep, char *why, size_t why_len);
/* Reads the task's network details once it runs (for the documents' Networks). */
void emu_cli_metadata_task_changed(struct emu_cli_endpoints *e, struct emu_docker *d);
/* Stops serving and removes the address. */
void emu_cli_metadata_stop(struct emu_cli_endpoints *e);

/* Starts the S3, CloudWatch Logs and STS endpoints on the task network's gateway (stores
 * <data-dir>/s3 and <data-dir>/logs, shared with serve and logs) and fills ep. */
int emu_cli_endpoints_start(struct emu_cli_endpoints *e, uv_loop_t *loop, const char *data_dir,
                            const char *gateway, const char *region,
                            struct emu_local_endpoints *ep, char *why, size_t why_len);
/* Creates a bucket an output writes to (saying so on out). */
int emu_cli_endpoints_bucket(struct emu_cli_endpoints *e, const char *bucket, FILE *out);
/* Reads an object (config-file-type s3). */
int emu_cli_endpoints_read(struct emu_cli_endpoints *e, const char *bucket, const char *key,
                           struct emu_buf *out, char *why, size_t why_len);
void emu_cli_endpoints_stop(struct emu_cli_endpoints *e);

/* Runs the task on a fresh loop until it stopped; live view on stdout when live. Returns the
 * process exit code. */
int emu_cli_supervise(const struct emu_cli_global *g, const struct run_opts *opts,
                      struct run_job *job, bool live);

/* Forks the detached supervisor (its output to <id>.log), then waits as
 * emu_cli_await_running does. Returns the process exit code. */
int emu_cli_run_detach(const struct emu_cli_global *g, struct run_opts *opts, struct run_job *job);

/* Loads, validates and plans job->file with opts (cmd_run.c). 0 or a negative code (said). */
int emu_cli_run_prepare(const struct emu_cli_global *g, struct run_opts *opts,
                        struct run_job *job);

/* <data-dir>/tasks/<id>.taskdef.json: the final task definition (RegisterTaskDefinition form)
 * a task ran, kept for `resume` (0600: environment values). */
int emu_cli_taskdef_save(const struct run_job *job);

/* The parent of a detached run: waits for the state file to show RUNNING (prints the ID, or
 * with json the task as RunTask answers, returns 0) or STOPPED (prints why, returns 1). */
int emu_cli_await_running(struct run_job *job, bool json);

#endif
