/* SPDX-License-Identifier: Apache-2.0 */
/* The ECS task and container state machine: status names, forward-only container transitions,
 * the task status derived from its containers, and the stop request with ECS's stoppedReason
 * and stopCode. Pure: no I/O. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/base/mem.h"
#include "emu/runtime/runtime.h"

static const char *const task_names[_EMU_TASK_MAX] = {
    [EMU_TASK_PROVISIONING] = "PROVISIONING", [EMU_TASK_PENDING] = "PENDING",
    [EMU_TASK_RUNNING] = "RUNNING",           [EMU_TASK_STOPPING] = "STOPPING",
    [EMU_TASK_DEPROVISIONING] = "DEPROVISIONING", [EMU_TASK_STOPPED] = "STOPPED",
};

static const char *const ctr_names[_EMU_CTR_MAX] = {
    [EMU_CTR_PENDING] = "PENDING", [EMU_CTR_CREATED] = "CREATED",
    [EMU_CTR_RUNNING] = "RUNNING", [EMU_CTR_STOPPED] = "STOPPED",
};

static const char *const health_names[_EMU_HEALTH_MAX] = {
    [EMU_HEALTH_UNKNOWN] = "UNKNOWN", [EMU_HEALTH_HEALTHY] = "HEALTHY",
    [EMU_HEALTH_UNHEALTHY] = "UNHEALTHY",
};

static const char *const stop_code_names[_EMU_STOP_MAX] = {
    [EMU_STOP_NONE] = NULL,
    [EMU_STOP_TASK_FAILED_TO_START] = "TaskFailedToStart",
    [EMU_STOP_ESSENTIAL_CONTAINER_EXITED] = "EssentialContainerExited",
    [EMU_STOP_USER_INITIATED] = "UserInitiated",
};

static int lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++) {
        if (names[i] && strcmp(names[i], s) == 0) {
            return i;
        }
    }
    return -EINVAL;
}

const char *emu_task_status_to_string(enum emu_task_status s)
{
    return s >= 0 && s < _EMU_TASK_MAX ? task_names[s] : NULL;
}

enum emu_task_status emu_task_status_from_string(const char *s)
{
    return (enum emu_task_status)lookup(task_names, _EMU_TASK_MAX, s);
}

const char *emu_ctr_status_to_string(enum emu_ctr_status s)
{
    if (s == EMU_CTR_CREATED) {
        return "PENDING";
    }
    return s >= 0 && s < _EMU_CTR_MAX ? ctr_names[s] : NULL;
}

enum emu_ctr_status emu_ctr_status_from_string(const char *s)
{
    return (enum emu_ctr_status)lookup(ctr_names, _EMU_CTR_MAX, s);
}

const char *emu_health_to_string(enum emu_health h)
{
    return h >= 0 && h < _EMU_HEALTH_MAX ? health_names[h] : NULL;
}

enum emu_health emu_health_from_string(const char *s)
{
    return (enum emu_health)lookup(health_names, _EMU_HEALTH_MAX, s);
}

const char *emu_stop_code_to_string(enum emu_stop_code c)
{
    return c > 0 && c < _EMU_STOP_MAX ? stop_code_names[c] : NULL;
}

enum emu_stop_code emu_stop_code_from_string(const char *s)
{
    if (!s) {
        return EMU_STOP_NONE;
    }
    return (enum emu_stop_code)lookup(stop_code_names, _EMU_STOP_MAX, s);
}

int emu_task_state_init(struct emu_task_state *st, size_t n_containers)
{
    memset(st, 0, sizeof(*st));
    if (n_containers > EMU_TASK_MAX_CONTAINERS) {
        return -E2BIG;
    }
    if (n_containers) {
        st->containers = emu_calloc(n_containers, sizeof(*st->containers));
        if (!st->containers) {
            return -ENOMEM;
        }
    }
    st->n_containers = n_containers;
    st->desired = EMU_TASK_RUNNING;
    for (size_t i = 0; i < n_containers; i++) {
        st->containers[i].desired = EMU_CTR_RUNNING;
        st->containers[i].stop_timeout_s = EMU_STOP_TIMEOUT_DEFAULT;
    }
    return 0;
}

void emu_task_state_done(struct emu_task_state *st)
{
    emu_free(st->containers);
    st->containers = NULL;
    st->n_containers = 0;
}

int emu_ctr_transition(struct emu_ctr_state *c, enum emu_ctr_status to, int64_t now_ms)
{
    if (to < 0 || to >= _EMU_CTR_MAX || to < c->status) {
        return -EINVAL;
    }
    if (to == c->status) {
        return 0;
    }
    c->status = to;
    switch (to) {
    case EMU_CTR_CREATED:
        c->created_ms = now_ms;
        break;
    case EMU_CTR_RUNNING:
        c->started_ms = now_ms;
        break;
    case EMU_CTR_STOPPED:
        c->stopped_ms = now_ms;
        c->desired = EMU_CTR_STOPPED;
        break;
    default:
        break;
    }
    return 0;
}

bool emu_task_request_stop(struct emu_task_state *st, enum emu_stop_code code,
                           const char *reason, int64_t now_ms)
{
    if (st->desired == EMU_TASK_STOPPED) {
        return false;
    }
    st->desired = EMU_TASK_STOPPED;
    st->stop_code = code;
    (void)snprintf(st->stopped_reason, sizeof(st->stopped_reason), "%s", reason ? reason : "");
    st->stopping_ms = now_ms;
    for (size_t i = 0; i < st->n_containers; i++) {
        st->containers[i].desired = EMU_CTR_STOPPED;
    }
    return true;
}

void emu_task_container_stopped(struct emu_task_state *st, size_t i, bool has_exit_code,
                                int exit_code, const char *reason, int64_t now_ms)
{
    struct emu_ctr_state *c = &st->containers[i];
    if (c->status == EMU_CTR_STOPPED) {
        return;
    }
    (void)emu_ctr_transition(c, EMU_CTR_STOPPED, now_ms);
    c->has_exit_code = has_exit_code;
    c->exit_code = has_exit_code ? exit_code : 0;
    if (reason && !c->reason[0]) {
        (void)snprintf(c->reason, sizeof(c->reason), "%s", reason);
    }
    if (!c->essential) {
        return;
    }
    if (!st->has_exit_code && has_exit_code) {
        st->has_exit_code = true;
        st->exit_code = exit_code;
    }
    /* A container that never ran means the task never started. */
    bool ran = c->started_ms != 0;
    enum emu_stop_code code = ran || st->status == EMU_TASK_RUNNING
                                  ? EMU_STOP_ESSENTIAL_CONTAINER_EXITED
                                  : EMU_STOP_TASK_FAILED_TO_START;
    (void)emu_task_request_stop(st, code,
                                code == EMU_STOP_TASK_FAILED_TO_START
                                    ? EMU_REASON_FAILED_TO_START
                                    : EMU_REASON_ESSENTIAL_EXITED,
                                now_ms);
}

enum emu_task_status emu_task_derive_status(const struct emu_task_state *st, bool provisioned,
                                            bool cleaned_up)
{
    bool all_stopped = true;
    bool all_started = true;
    for (size_t i = 0; i < st->n_containers; i++) {
        enum emu_ctr_status s = st->containers[i].status;
        all_stopped = all_stopped && s == EMU_CTR_STOPPED;
        all_started = all_started && s >= EMU_CTR_RUNNING;
    }
    enum emu_task_status next;
    if (st->desired == EMU_TASK_STOPPED) {
        next = !all_stopped ? EMU_TASK_STOPPING
               : cleaned_up ? EMU_TASK_STOPPED
                            : EMU_TASK_DEPROVISIONING;
    }
    else if (!provisioned) {
        next = EMU_TASK_PROVISIONING;
    }
    else if (all_started && !all_stopped) {
        next = EMU_TASK_RUNNING;
    }
    else {
        next = EMU_TASK_PENDING;
    }
    return next > st->status ? next : st->status;
}

int64_t emu_now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
