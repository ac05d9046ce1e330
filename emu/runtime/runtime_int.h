/* SPDX-License-Identifier: Apache-2.0 */
/* Private to emu/runtime: the supervisor's structures shared by task_runner.c (deciding),
 * task_prepare.c (what to create) and task_cleanup.c (removing it all again). */
#ifndef EMU_RUNTIME_RUNTIME_INT_H
#define EMU_RUNTIME_RUNTIME_INT_H

#include <uv.h>

#include "emu/runtime/runtime.h"

enum runner_phase {
    PHASE_PREPARE = 0,
    PHASE_IMAGES,
    PHASE_NETWORK,
    PHASE_CONTAINERS,
    PHASE_CLEANUP,
};

/* Removes a task's Docker objects by their deterministic names: containers and the pause
 * container first, then the network; "no such ..." counts as removed. */
struct emu_sweeper {
    struct emu_docker *docker;
    const struct emu_task_state *st;
    int pending;
    bool network_phase;
    bool finished;
    int first_error;
    void (*done)(struct emu_sweeper *sw);
    void *ud;
};

/* Starts the removals; done runs once (possibly before this returns). */
void emu__sweeper_start(struct emu_sweeper *sw);

struct runner_ctr {
    struct emu_task_runner *r;
    size_t i;
    struct emu_docker_create create;
    bool busy;       /* a create, start or stop call is in flight */
    bool waiting;    /* a wait call is in flight */
    bool rewait;     /* the wait call failed: ask again on the next tick */
    bool inspecting; /* a health inspect is in flight */
    bool stop_sent;
    bool killed;
    int64_t socket_wait_since;      /* ms: first tick it waited for the router's socket */
    struct emu_output_writer *out;  /* the copy of its output being written */
    struct emu_http_req *logs_req;  /* the logs stream feeding it */
    uint64_t out_seen;              /* lines the follow stream gave */
    uint64_t out_followed;          /* out_seen when the follow stream ended */
    bool out_reread;                /* the full re-read after the follow ended was asked */
    struct emu_output_writer *out_final; /* the full re-read, replacing out when complete */
    bool out_resume;                /* restarted: resume the copy once the last one ended */
    uint64_t out_replay;            /* lines of the resumed follow to skip (already written) */
};

/* One image being ensured (the pause image included). */
struct runner_image {
    struct emu_task_runner *r;
    const char *image;
};

#define LOCAL_MAX_FILES 32

/* The FireLens resource and the local endpoints of a task (task_firelens.c). */
struct runner_local {
    struct emu_local_endpoints ep;
    struct emu_firelens_paths paths;
    bool has_paths;
    size_t router;      /* index of the router container, SIZE_MAX when none */
    const char *config_target; /* where the generated config is mounted in the router */
    const char *external_target;
    const char *queue[LOCAL_MAX_FILES]; /* image files to read, in order */
    size_t n_queue, next;
    size_t n_written;
    const char *helper; /* "fe-<id>.cfg": created, never started, to read the image */
};

/* The router's /api/v1/metrics, polled while the task runs when its config turns Fluent Bit's
 * HTTP_Server on (task_metrics.c); the last good reading is kept in <id>.out/.router.metrics.json. */
struct runner_metrics {
    int state;         /* 0 not decided yet, 1 off (or no router), 2 on */
    long port;
    char listen[64];   /* HTTP_Listen, "" = every address */
    char url[128];     /* "" until the router's address is known */
    bool inspecting;   /* the pause container's address is being read */
    bool polling;      /* a GET is in flight */
    bool final_asked;  /* the reading before the router is stopped was started */
    bool final_done;   /* ... and has ended (well or not) */
    bool final_poll;   /* the GET in flight is that reading */
    int64_t next_ms;   /* next regular reading */
    int64_t final_deadline_ms;
    uint64_t readings, failures;
    char last_error[240];
    char written_error[240]; /* the error last written out (to write a new one once) */
    char *body;        /* the last good document written out */
    size_t body_len;
    bool have_good;
};

struct emu_task_runner {
    struct emu_docker *docker;
    const struct emu_taskdef *td;
    const struct emu_task_plan *plan;
    struct emu_task_state *st;
    struct emu_task_runner_opts opts;
    struct emu_arena arena;
    struct emu_deps_graph graph;
    struct runner_ctr *ctrs;
    struct emu_docker_create pause_create;
    const char *task_dir;
    uv_timer_t timer;
    enum runner_phase phase;
    int inflight;       /* container calls in flight */
    int setup_inflight; /* image, network and pause calls in flight */
    int cleanup_pending;
    int images_pending;
    int logs_inflight;    /* output copies still streaming */
    int64_t logs_wait_ms; /* when every container had stopped with copies still streaming */
    int64_t logs_moved_ms; /* when the copies last received a line after that */
    uint64_t logs_lines;   /* lines the copies held then */
    struct runner_image images[EMU_TASK_MAX_CONTAINERS + 1];
    struct emu_buf last_saved;
    struct emu_sweeper sweeper;
    struct runner_local local;
    struct runner_metrics metrics;
    bool force;
    bool cleaned_up;
    bool finished;
    bool timer_closed;
    bool save_failed;
};

/* A runner with its containers, nothing decided yet, no handle open (freed as is on a
 * failure); NULL on -ENOMEM. emu__runner_tick_start then opens its tick timer. */
struct emu_task_runner *emu__runner_new(struct emu_docker *docker, const struct emu_taskdef *td,
                                        const struct emu_task_plan *plan,
                                        struct emu_task_state *st,
                                        const struct emu_task_runner_opts *opts);
void emu__runner_tick_start(struct emu_task_runner *r);

/* Builds the graph, the task dir and every create description; nothing touches Docker. On
 * failure why holds the stoppedReason-style text. */
int emu__runner_prepare(struct emu_task_runner *r, char *why, size_t why_len);

/* Removes the task's containers, pause container, network and (unless --keep) task dir, then
 * sets cleaned_up and settles. */
void emu__runner_cleanup(struct emu_task_runner *r);

/* Re-decides after an asynchronous step finished. */
void emu__runner_settle(struct emu_task_runner *r);

/* Fails the task before it ran, with a stoppedReason-style text for every container. */
void emu__runner_fail(struct emu_task_runner *r, const char *why);

/* The task network exists: creates and starts the pause container, then the containers. */
void emu__runner_network_ready(struct emu_task_runner *r);

/* Between the network and the pause container: reads the network's gateway, has the caller
 * start the endpoints there, writes the FireLens resource (spec 1.1) with its configs patched
 * for the endpoints, adds the endpoint environment, and reads, patches and mounts the config
 * files baked into the router image. Ends in emu__runner_network_ready (or a failed task). */
void emu__local_begin(struct emu_task_runner *r);

/* Removes the FireLens resource dir (unless --keep). */
void emu__local_cleanup(struct emu_task_runner *r);

/* Starts copying a started container's output to <id>.out/<name>.log (task_output.c). */
void emu__output_start(struct runner_ctr *rc);
/* The container was restarted in place (restartPolicy): the copy goes on with the new run's
 * output, appended, as soon as the previous run's capture has ended. */
void emu__output_restarted(struct runner_ctr *rc);
/* Writes out what the output copies hold in their buffers (every tick: a live `report` or
 * `audit` sees a copy at most a tick behind Docker). */
void emu__output_flush(struct emu_task_runner *r);
/* Whether every output copy has ended; cuts those still streaming 10 s after first asked. */
bool emu__output_drained(struct emu_task_runner *r, int64_t now);
/* Keeps a copy of a router config file (its path inside the router) under <id>.out/.router:
 * the one snapshot of the config a task ran with, read by `audit` and `report`. */
void emu__output_config(struct emu_task_runner *r, const char *target, const char *data,
                        size_t len);

/* Records which of those files the router loads (its -c), in <id>.out/.router.main. */
void emu__output_router_main(struct emu_task_runner *r, const char *target);

/* Writes <id>.out/.task.json: each container's role, memory, stopTimeout and Docker log
 * options, for the audit's recommendations. */
void emu__output_task_facts(struct emu_task_runner *r);

/* Polls the router's /api/v1/metrics (every second while its HTTP_Server is on). */
void emu__metrics_tick(struct emu_task_runner *r, int64_t now);
/* Whether the router may be sent its stop: takes one more reading first (the HTTP server goes
 * away with the router), bounded by 2 s; true at once when there is nothing to read. */
bool emu__metrics_final(struct emu_task_runner *r, int64_t now);
/* Frees what the poller holds. */
void emu__metrics_done(struct emu_task_runner *r);

/* Rewrites a "port is already allocated" failure into advice naming --publish. */
void emu__runner_explain_port(struct emu_task_runner *r, char *why, size_t why_len);


#endif
