/* SPDX-License-Identifier: Apache-2.0 */
/* The task supervisor: provisions a task (images, a Docker network, the pause container that
 * owns the awsvpc namespace), creates its containers, starts each when its dependencies are
 * met, follows exits and health, stops the task when an essential container stops, and stops
 * containers in reverse dependency order before removing everything it created.
 *
 * DESIGN
 * Everything runs on the caller's libuv loop; every Docker call completes through one of the
 * callbacks below, which update the task state and then call settle(), the single place that
 * decides what to do next (start, stop, clean up) and writes the state file when it changed.
 * A container has at most one create/start/stop call and one wait call in flight. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/runtime/runtime_int.h"

#define TICK_MS 250

static void settle(struct emu_task_runner *r);

static void set_reason(char *dst, size_t n, const char *prefix, const struct emu_docker_reply *rep,
                       int status)
{
    const char *msg = rep && rep->message && rep->message[0] ? rep->message : emu_strerror(status);
    (void)snprintf(dst, n, "%s: %s", prefix, msg);
}

/* Fails the task before it ran: the reason goes to the containers running image (to all
 * when image is NULL or none runs it); they all stop with no exit code. */
static void fail_task_image(struct emu_task_runner *r, const char *reason, const char *image)
{
    int64_t now = emu_now_ms();
    emu_log_debug("task %s: %s", r->st->id, reason);
    (void)emu_task_request_stop(r->st, EMU_STOP_TASK_FAILED_TO_START, EMU_REASON_FAILED_TO_START,
                                now);
    size_t matched = 0;
    for (size_t i = 0; image && i < r->st->n_containers; i++) {
        const char *img = r->ctrs[i].create.image;
        matched += img && strcmp(img, image) == 0;
    }
    for (size_t i = 0; i < r->st->n_containers; i++) {
        struct emu_ctr_state *c = &r->st->containers[i];
        const char *img = r->ctrs[i].create.image;
        bool uses = !matched || (img && strcmp(img, image) == 0);
        if (!c->reason[0] && uses) {
            (void)snprintf(c->reason, sizeof(c->reason), "%s", reason);
        }
    }
}

static void fail_task(struct emu_task_runner *r, const char *reason)
{
    fail_task_image(r, reason, NULL);
}

void emu__runner_fail(struct emu_task_runner *r, const char *why)
{
    fail_task(r, why);
}

/* ---- container calls ------------------------------------------------------------------- */

static void issue_wait(struct runner_ctr *rc);
static int call(struct emu_task_runner *r, struct runner_ctr *rc, int rv);

static void notice(struct emu_task_runner *r, const char *text)
{
    if (r->opts.on_notice) {
        r->opts.on_notice(text, r->opts.ud);
    }
}

static void on_restart(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    struct emu_task_runner *r = rc->r;
    rc->busy = false;
    r->inflight--;
    if (status == 0) {
        emu__output_restarted(rc);
        issue_wait(rc);
    }
    else {
        char why[EMU_REASON_MAX];
        set_reason(why, sizeof(why), "CannotStartContainerError", rep, status);
        emu_task_container_stopped(r->st, rc->i, false, 0, why, emu_now_ms());
    }
    settle(r);
}

/* A container exited: restarts it in place when its restartPolicy says so (the container
 * stays RUNNING for ECS, as the agent reports it). Returns true when a restart was asked. */
static bool maybe_restart(struct runner_ctr *rc, int exit_code)
{
    struct emu_task_runner *r = rc->r;
    struct emu_ctr_state *c = &r->st->containers[rc->i];
    const struct emu_container_def *def = r->plan->containers[rc->i].def;
    int64_t now = emu_now_ms();
    char why[256], text[EMU_CTR_NAME_MAX + 400];
    if (!c->restart_enabled || c->status != EMU_CTR_RUNNING) {
        return false;
    }
    if (!emu_restart_should(&def->restart_policy, r->opts.restart_period_s, c, r->st->desired,
                            exit_code, now, why, sizeof(why))) {
        if (r->st->desired != EMU_TASK_STOPPED) {
            (void)snprintf(text, sizeof(text), "fargate-emu: container %s exited with code %d "
                                               "and is not restarted: %s\n", c->name, exit_code,
                           why);
            notice(r, text);
        }
        return false;
    }
    if (call(r, rc, emu_docker_container_start(r->docker, c->docker_name, on_restart, rc)) < 0) {
        return false;
    }
    c->restart_count++;
    c->last_restart_ms = now;
    (void)snprintf(text, sizeof(text), "fargate-emu: container %s exited with code %d; restarting "
                                       "it (restartPolicy, restart %d)\n", c->name, exit_code,
                   c->restart_count);
    notice(r, text);
    return true;
}

static void on_wait(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    struct emu_task_runner *r = rc->r;
    rc->waiting = false;
    r->inflight--;
    if (status == 0 && maybe_restart(rc, (int)rep->exit_code)) {
        settle(r);
        return;
    }
    if (status == 0) {
        emu_task_container_stopped(r->st, rc->i, true, (int)rep->exit_code, NULL, emu_now_ms());
    }
    else if (status == EMU_EDOCKER && rep && rep->http_status == 404) {
        emu_task_container_stopped(r->st, rc->i, false, 0, "the container no longer exists "
                                   "(removed outside fargate-emu)", emu_now_ms());
    }
    else if (status != -ECANCELED) {
        rc->rewait = true; /* the timer asks again */
    }
    settle(r);
}

static void issue_wait(struct runner_ctr *rc)
{
    struct emu_task_runner *r = rc->r;
    rc->rewait = false;
    if (emu_docker_container_wait(r->docker, r->st->containers[rc->i].docker_name, "not-running",
                                  on_wait, rc) == 0) {
        rc->waiting = true;
        r->inflight++;
    }
    else {
        rc->rewait = true;
    }
}

static void on_start(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    struct emu_task_runner *r = rc->r;
    struct emu_ctr_state *c = &r->st->containers[rc->i];
    rc->busy = false;
    r->inflight--;
    if (status == 0) {
        (void)emu_ctr_transition(c, EMU_CTR_RUNNING, emu_now_ms());
        if (r->st->started_ms == 0) {
            r->st->started_ms = c->started_ms;
        }
        emu__output_start(rc);
        issue_wait(rc);
    }
    else {
        char why[EMU_REASON_MAX];
        set_reason(why, sizeof(why), "CannotStartContainerError", rep, status);
        emu_task_container_stopped(r->st, rc->i, false, 0, why, emu_now_ms());
    }
    settle(r);
}

static void on_create(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    struct emu_task_runner *r = rc->r;
    struct emu_ctr_state *c = &r->st->containers[rc->i];
    rc->busy = false;
    r->inflight--;
    if (status == 0) {
        (void)snprintf(c->docker_id, sizeof(c->docker_id), "%s", rep->id ? rep->id : "");
        (void)emu_ctr_transition(c, EMU_CTR_CREATED, emu_now_ms());
    }
    else {
        char why[EMU_REASON_MAX];
        set_reason(why, sizeof(why), "CannotCreateContainerError", rep, status);
        emu_task_container_stopped(r->st, rc->i, false, 0, why, emu_now_ms());
    }
    settle(r);
}

static void on_stop_call(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    (void)rep;
    rc->busy = false;
    rc->r->inflight--;
    if (status < 0 && status != -ECANCELED) {
        emu_log_debug("task %s: stopping %s: %s", rc->r->st->id,
                      rc->r->st->containers[rc->i].name, emu_strerror(status));
    }
    settle(rc->r);
}

static void on_inspect(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    struct emu_ctr_state *c = &rc->r->st->containers[rc->i];
    rc->inspecting = false;
    rc->r->inflight--;
    if (status == 0 && c->status == EMU_CTR_RUNNING && rep->container && rep->container->health) {
        const char *h = rep->container->health;
        c->health = strcmp(h, "healthy") == 0     ? EMU_HEALTH_HEALTHY
                    : strcmp(h, "unhealthy") == 0 ? EMU_HEALTH_UNHEALTHY
                                                  : EMU_HEALTH_UNKNOWN;
    }
    settle(rc->r);
}

static void on_kill(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_ctr *rc = ud;
    (void)rep;
    (void)status;
    rc->r->inflight--;
    settle(rc->r);
}

static int call(struct emu_task_runner *r, struct runner_ctr *rc, int rv)
{
    if (rv == 0) {
        r->inflight++;
        if (rc) {
            rc->busy = true;
        }
    }
    return rv;
}

/* ---- deciding -------------------------------------------------------------------------- */

/* With a synchronous fluentd driver (fluentd-async=false: only a --what-if rerun, Fargate is
 * always asynchronous) Docker connects to the router's socket when the container starts and
 * refuses to start it when nothing listens yet: the START dependency on the router does not
 * wait for its socket. Such a container waits for the socket (up to 10 s, then starts anyway and
 * fails as Docker decides). True while it should wait. */
#define SYNC_SOCKET_WAIT_MS 10000
static bool wait_router_socket(struct emu_task_runner *r, struct runner_ctr *rc, int64_t now)
{
    const struct emu_container_plan *cp = &r->plan->containers[rc->i];
    const char *addr = NULL;
    bool sync = false;
    for (size_t k = 0; cp->uses_firelens && k < cp->log_config.config.n; k++) {
        const struct emu_kv *kv = &cp->log_config.config.items[k];
        if (strcmp(kv->key, "fluentd-async") == 0) {
            sync = strcmp(kv->value, "false") == 0;
        }
        else if (strcmp(kv->key, "fluentd-address") == 0) {
            addr = kv->value;
        }
    }
    if (!sync || !addr || strncmp(addr, "unix://", 7) != 0) {
        return false;
    }
    struct stat sb;
    if (stat(addr + 7, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
        return false;
    }
    if (!rc->socket_wait_since) {
        rc->socket_wait_since = now;
    }
    return now - rc->socket_wait_since < SYNC_SOCKET_WAIT_MS;
}

/* Starts what may start; stops for good what never can. */
static void advance_running(struct emu_task_runner *r, int64_t now)
{
    for (size_t i = 0; i < r->st->n_containers; i++) {
        struct runner_ctr *rc = &r->ctrs[i];
        struct emu_ctr_state *c = &r->st->containers[i];
        if (c->status != EMU_CTR_CREATED || rc->busy) {
            continue;
        }
        char why[EMU_REASON_MAX];
        enum emu_deps_verdict v = emu_deps_can_start(&r->graph, r->st, i, now, why, sizeof(why));
        if (v == EMU_DEPS_MET && wait_router_socket(r, rc, now)) {
            continue;
        }
        if (v == EMU_DEPS_MET) {
            if (call(r, rc, emu_docker_container_start(r->docker, c->docker_name, on_start,
                                                       rc)) < 0) {
                emu_task_container_stopped(r->st, i, false, 0,
                                           "CannotStartContainerError: no Docker call", now);
            }
        }
        else if (v == EMU_DEPS_NEVER) {
            char reason[EMU_REASON_MAX + 32];
            (void)snprintf(reason, sizeof(reason), "DependencyError: %s", why);
            emu_task_container_stopped(r->st, i, false, 0, reason, now);
            if (c->essential) {
                (void)snprintf(r->st->stopped_reason, sizeof(r->st->stopped_reason), "%s",
                               EMU_REASON_ESSENTIAL_EXITED);
            }
        }
    }
}

/* Stops containers in reverse dependency order (SIGTERM, SIGKILL after stopTimeout), or all
 * at once with SIGKILL when forced. */
static void advance_stopping(struct emu_task_runner *r, int64_t now)
{
    for (size_t i = 0; i < r->st->n_containers; i++) {
        struct runner_ctr *rc = &r->ctrs[i];
        struct emu_ctr_state *c = &r->st->containers[i];
        if (rc->busy && !(r->force && !rc->killed && c->status == EMU_CTR_RUNNING)) {
            continue;
        }
        if (c->status < EMU_CTR_RUNNING) {
            (void)emu_ctr_transition(c, EMU_CTR_STOPPED, now); /* never started */
            continue;
        }
        if (c->status != EMU_CTR_RUNNING) {
            continue;
        }
        if (r->force && !rc->killed) {
            rc->killed = true;
            (void)call(r, NULL, emu_docker_container_kill(r->docker, c->docker_name, "SIGKILL",
                                                          on_kill, rc));
        }
        else if (!rc->stop_sent && emu_deps_can_stop(&r->graph, r->st, i) &&
                 (i != r->local.router || emu__metrics_final(r, now))) {
            rc->stop_sent = true;
            (void)call(r, rc, emu_docker_container_stop(r->docker, c->docker_name,
                                                        c->stop_timeout_s, on_stop_call, rc));
        }
    }
}

static void poll_health_and_waits(struct emu_task_runner *r)
{
    for (size_t i = 0; i < r->st->n_containers; i++) {
        struct runner_ctr *rc = &r->ctrs[i];
        struct emu_ctr_state *c = &r->st->containers[i];
        if (c->status != EMU_CTR_RUNNING) {
            continue;
        }
        if (rc->rewait && !rc->waiting) {
            issue_wait(rc);
        }
        if (c->has_health_check && !rc->inspecting &&
            emu_docker_container_inspect(r->docker, c->docker_name, on_inspect, rc) == 0) {
            rc->inspecting = true;
            r->inflight++;
        }
    }
}

static bool all_stopped(const struct emu_task_runner *r)
{
    for (size_t i = 0; i < r->st->n_containers; i++) {
        if (r->st->containers[i].status != EMU_CTR_STOPPED) {
            return false;
        }
    }
    return true;
}

static void on_timer_closed(uv_handle_t *h)
{
    struct emu_task_runner *r = h->data;
    r->timer_closed = true;
    if (r->opts.on_done) {
        r->opts.on_done(r->st, r->opts.ud);
    }
}

static void save(struct emu_task_runner *r)
{
    struct emu_buf body;
    emu_buf_init(&body, 4u * 1024u * 1024u);
    int rv = emu_store_to_json(r->st, &body);
    bool changed = rv == 0 && (!r->last_saved.data || strcmp(body.data, r->last_saved.data) != 0);
    if (changed) {
        rv = emu_store_save(r->opts.data_dir, r->st);
        if (rv < 0 && !r->save_failed) {
            r->save_failed = true;
            emu_log_warn("task %s: cannot write its state file: %s, ignoring", r->st->id,
                         emu_strerror(rv));
        }
        emu_buf_done(&r->last_saved);
        r->last_saved = body;
        if (r->opts.on_change) {
            r->opts.on_change(r->st, r->opts.ud);
        }
        return;
    }
    emu_buf_done(&body);
}

static void settle(struct emu_task_runner *r)
{
    if (r->finished) {
        return;
    }
    int64_t now = emu_now_ms();
    struct emu_task_state *st = r->st;
    if (st->desired != EMU_TASK_STOPPED && r->phase == PHASE_CONTAINERS) {
        advance_running(r, now);
    }
    if (st->desired == EMU_TASK_STOPPED && r->setup_inflight == 0) {
        advance_stopping(r, now);
        if (all_stopped(r) && r->phase < PHASE_CLEANUP && emu__output_drained(r, now)) {
            r->phase = PHASE_CLEANUP;
            emu__runner_cleanup(r);
        }
    }
    st->status = emu_task_derive_status(st, r->phase >= PHASE_CONTAINERS, r->cleaned_up);
    if (st->status == EMU_TASK_STOPPED && !st->stopped_ms) {
        st->stopped_ms = now;
    }
    save(r);
    if (!r->finished && st->status == EMU_TASK_STOPPED && r->inflight == 0 &&
        r->setup_inflight == 0) {
        r->finished = true;
        uv_timer_stop(&r->timer);
        uv_close((uv_handle_t *)&r->timer, on_timer_closed);
    }
}

void emu__runner_settle(struct emu_task_runner *r)
{
    settle(r);
}

static void on_tick(uv_timer_t *t)
{
    struct emu_task_runner *r = t->data;
    if (r->phase == PHASE_CONTAINERS) {
        poll_health_and_waits(r);
    }
    emu__output_flush(r);
    emu__metrics_tick(r, emu_now_ms());
    settle(r);
}

/* ---- provisioning ---------------------------------------------------------------------- */

static void create_containers(struct emu_task_runner *r)
{
    r->phase = PHASE_CONTAINERS;
    for (size_t i = 0; i < r->st->n_containers; i++) {
        struct runner_ctr *rc = &r->ctrs[i];
        if (call(r, rc, emu_docker_container_create(r->docker, &rc->create, on_create, rc)) < 0) {
            emu_task_container_stopped(r->st, i, false, 0, "CannotCreateContainerError: no "
                                                            "Docker call", emu_now_ms());
        }
    }
}

static void setup_done(struct emu_task_runner *r, int status, const struct emu_docker_reply *rep,
                       const char *what)
{
    r->setup_inflight--;
    if (status < 0 && r->st->desired != EMU_TASK_STOPPED) {
        char why[EMU_REASON_MAX];
        set_reason(why, sizeof(why), what, rep, status);
        emu__runner_explain_port(r, why, sizeof(why));
        fail_task(r, why);
    }
}

static void on_pause_start(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    setup_done(r, status, rep, "ResourceInitializationError: cannot start the task's network");
    if (r->st->desired != EMU_TASK_STOPPED) {
        create_containers(r);
    }
    settle(r);
}

static void on_pause_create(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    if (status == 0) {
        (void)snprintf(r->st->pause_id, sizeof(r->st->pause_id), "%s", rep->id ? rep->id : "");
    }
    setup_done(r, status, rep, "ResourceInitializationError: cannot create the task's network");
    if (r->st->desired != EMU_TASK_STOPPED &&
        emu_docker_container_start(r->docker, r->st->pause_name, on_pause_start, r) == 0) {
        r->setup_inflight++;
    }
    settle(r);
}

static void on_network(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    if (status == 0) {
        (void)snprintf(r->st->network_id, sizeof(r->st->network_id), "%s",
                       rep->id ? rep->id : "");
    }
    setup_done(r, status, rep, "ResourceInitializationError: cannot create the task network");
    if (r->st->desired != EMU_TASK_STOPPED) {
        emu__local_begin(r);
    }
    settle(r);
}

void emu__runner_network_ready(struct emu_task_runner *r)
{
    if (r->st->desired != EMU_TASK_STOPPED &&
        emu_docker_container_create(r->docker, &r->pause_create, on_pause_create, r) == 0) {
        r->setup_inflight++;
    }
    settle(r);
}

static void on_image(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct runner_image *ri = ud;
    struct emu_task_runner *r = ri->r;
    r->setup_inflight--;
    if (status < 0 && r->st->desired != EMU_TASK_STOPPED) {
        char why[EMU_REASON_MAX];
        set_reason(why, sizeof(why), "CannotPullContainerError", rep, status);
        fail_task_image(r, why, ri->image);
    }
    if (r->images_pending == 1) {
        r->st->pull_stopped_ms = emu_now_ms();
    }
    if (--r->images_pending == 0 && r->st->desired != EMU_TASK_STOPPED) {
        struct emu_docker_kv *labels;
        size_t n;
        r->phase = PHASE_NETWORK;
        if (emu_task_docker_labels(r->st, NULL, "network", &r->arena, &labels, &n) == 0 &&
            emu_docker_network_create(r->docker, r->st->network_name, labels, n, false,
                                      on_network, r) == 0) {
            r->setup_inflight++;
        }
        else {
            fail_task(r, "ResourceInitializationError: cannot create the task network");
        }
    }
    settle(r);
}

static void ensure_images(struct emu_task_runner *r)
{
    const char *seen[EMU_TASK_MAX_CONTAINERS + 1];
    size_t n_seen = 0;
    r->phase = PHASE_IMAGES;
    r->st->pull_started_ms = emu_now_ms();
    for (size_t i = 0; i <= r->st->n_containers; i++) {
        const char *img = i < r->st->n_containers ? r->ctrs[i].create.image : r->opts.pause_image;
        bool dup = false;
        for (size_t k = 0; k < n_seen; k++) {
            dup = dup || strcmp(seen[k], img) == 0;
        }
        if (dup) {
            continue;
        }
        seen[n_seen++] = img;
        struct runner_image *ri = &r->images[r->images_pending++];
        *ri = (struct runner_image){r, img};
        struct emu_docker_pull_opts po = {.progress = stderr, .tty = false};
        /* The image map was applied when the create was built. */
        if (emu_docker_image_ensure(r->docker, NULL, img, r->opts.pull_policy, &po, on_image,
                                    ri) == 0) {
            r->setup_inflight++;
        }
        else {
            r->images_pending--;
            fail_task(r, "CannotPullContainerError: cannot ask Docker for the image");
        }
    }
}

struct emu_task_runner *emu__runner_new(struct emu_docker *docker, const struct emu_taskdef *td,
                                        const struct emu_task_plan *plan,
                                        struct emu_task_state *st,
                                        const struct emu_task_runner_opts *opts)
{
    struct emu_task_runner *r = emu_calloc(1, sizeof(*r));
    struct runner_ctr *ctrs = emu_calloc(st->n_containers + 1, sizeof(*ctrs));
    if (!r || !ctrs) {
        emu_free(r);
        emu_free(ctrs);
        return NULL;
    }
    r->docker = docker;
    r->td = td;
    r->plan = plan;
    r->st = st;
    r->opts = *opts;
    r->ctrs = ctrs;
    if (!r->opts.pause_image) {
        r->opts.pause_image = "fargate-emu/pause:local";
    }
    emu_arena_init(&r->arena, 0);
    emu_buf_init(&r->last_saved, 4u * 1024u * 1024u);
    r->local.router = SIZE_MAX;
    for (size_t i = 0; i < st->n_containers; i++) {
        ctrs[i].r = r;
        ctrs[i].i = i;
    }
    return r;
}

void emu__runner_tick_start(struct emu_task_runner *r)
{
    (void)uv_timer_init(r->opts.loop, &r->timer);
    r->timer.data = r;
    (void)uv_timer_start(&r->timer, on_tick, TICK_MS, TICK_MS);
}

int emu_task_runner_start(struct emu_docker *docker, const struct emu_taskdef *td,
                          const struct emu_task_plan *plan, struct emu_task_state *st,
                          const struct emu_task_runner_opts *opts, struct emu_task_runner **ret)
{
    if (!opts->loop || !opts->data_dir || st->n_containers != plan->n_containers) {
        return -EINVAL;
    }
    struct emu_task_runner *r = emu__runner_new(docker, td, plan, st, opts);
    if (!r) {
        return -ENOMEM;
    }
    st->keep = opts->keep;
    if (!st->created_ms) {
        st->created_ms = emu_now_ms();
    }
    emu__runner_tick_start(r);
    char why[EMU_REASON_MAX];
    int rv = emu__runner_prepare(r, why, sizeof(why));
    if (rv < 0) {
        fail_task(r, why);
    }
    else {
        emu__output_task_facts(r);
        ensure_images(r);
    }
    *ret = r;
    settle(r);
    return 0;
}

void emu_task_runner_stop(struct emu_task_runner *r, const char *reason, bool force)
{
    if (r->finished) {
        return;
    }
    (void)emu_task_request_stop(r->st, EMU_STOP_USER_INITIATED,
                                reason && *reason ? reason : EMU_REASON_USER_STOPPED,
                                emu_now_ms());
    if (force) {
        r->force = true; /* graceful stops in flight give way to SIGKILL */
    }
    settle(r);
}

struct emu_task_runner *emu_task_runner_free(struct emu_task_runner *r)
{
    if (!r) {
        return NULL;
    }
    emu_arena_done(&r->arena);
    emu_buf_done(&r->last_saved);
    emu__metrics_done(r);
    emu_free(r->ctrs);
    emu_free(r);
    return NULL;
}
