/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's time-driven half: the flush timer that dispatches sealed chunks to matching
 * outputs, flush tasks with retry backoff and Retry_Limit, start, the Grace-bounded stop, and
 * teardown that closes every handle before freeing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"
#include "emu/router/router_internal.h"

static void release_cb(uv_handle_t *h)
{
    emu_router_release(h->data);
}

static void free_task_cb(uv_handle_t *h)
{
    struct emu_router_flush *t = h->data;
    emu_router_release(t->r);
    emu_free(t);
}

static void finish_stop(struct emu_router *r)
{
    if (r->stop_finished) {
        return;
    }
    r->stop_finished = 1;
    if (r->timers_inited) {
        uv_timer_stop(&r->flush_timer);
        uv_timer_stop(&r->grace_timer);
        uv_timer_stop(&r->soon_timer);
    }
    emu__router_http_close(r); /* the monitoring API answers until the drain is over */
    if (r->stop_done) {
        r->stop_done(r, r->stop_data);
    }
}

static void task_unlink(struct emu_router_flush *t)
{
    struct emu_router_flush **pp = &t->r->tasks;
    while (*pp && *pp != t) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = t->next;
    }
}

static void task_free(struct emu_router_flush *t)
{
    if (t->timer_inited) {
        emu_router_hold(t->r);
        uv_close((uv_handle_t *)&t->timer, free_task_cb);
    }
    else {
        emu_free(t);
    }
}

static void task_finish(struct emu_router_flush *t)
{
    struct emu_router *r = t->r;
    task_unlink(t);
    t->out->fs_queued -= t->fs_bytes;
    emu__router_chunk_unref(t->chunk);
    task_free(t);
    if (r->stopping && !r->tasks) {
        finish_stop(r);
    }
}

static void task_run(struct emu_router_flush *t)
{
    struct emu_router_chunk *c = t->chunk;
    t->attempts++;
    t->running = 1;
    t->out->p->cb_flush(t, c->data.data ? c->data.data : "", c->data.len, c->tag, c->n, t->out,
                        t->out->ctx);
}

static void retry_cb(uv_timer_t *timer)
{
    task_run(timer->data);
}

/* Fluent Bit's backoff: a random wait in [base, min(cap, base * 2^attempt)] seconds. */
static uint64_t backoff_ms(const struct emu_router *r, int attempts)
{
    uint64_t base = r->svc.scheduler_base > 0 ? (uint64_t)r->svc.scheduler_base : 1;
    uint64_t cap = r->svc.scheduler_cap > 0 ? (uint64_t)r->svc.scheduler_cap : base;
    uint64_t top = base << (attempts < 30 ? attempts : 30);
    uint32_t rnd = 0;
    if (top > cap) {
        top = cap;
    }
    if (top < base) {
        top = base;
    }
    (void)emu_random_bytes(&rnd, sizeof(rnd));
    return (base + rnd % (top - base + 1)) * 1000u;
}

void emu_router_flush_done(struct emu_router_flush *t, enum emu_router_flush_result result)
{
    struct emu_router *r = t->r;
    struct emu_router_output *o = t->out;
    t->running = 0;
    if (result == EMU_FLUSH_OK) {
        r->stats.records_out += t->chunk->n;
        o->m.proc_records += t->chunk->n;
        o->m.proc_bytes += t->chunk->data.len;
        task_finish(t);
        return;
    }
    /* Fluent Bit's counters: a scheduled retry counts retries and retried_records; a retry
     * past Retry_Limit counts retries_failed; an error counts errors; every drop counts
     * dropped_records (no_retries drops without counting retries_failed). */
    int can_retry = o->retry_limit < 0 || t->attempts <= o->retry_limit;
    if (result == EMU_FLUSH_RETRY && can_retry) {
        o->m.retries++;
        o->m.retried_records += t->chunk->n;
        uint64_t ms = backoff_ms(r, t->attempts);
        if (!t->timer_inited) {
            uv_timer_init(r->loop, &t->timer);
            t->timer.data = t;
            t->timer_inited = 1;
        }
        r->stats.retries++;
        emu_plg_log(EMU_LOG_WARN, o->name, "chunk of tag '%s' failed, retry in %llu seconds",
                    t->chunk->tag, (unsigned long long)(ms / 1000));
        uv_timer_start(&t->timer, retry_cb, ms, 0);
        return;
    }
    o->m.dropped_records += t->chunk->n;
    if (result == EMU_FLUSH_ERROR) {
        o->m.errors++;
    }
    else if (o->retry_limit != 0) {
        o->m.retries_failed++;
    }
    r->stats.records_dropped += t->chunk->n;
    emu_plg_log(EMU_LOG_ERROR, o->name, "chunk of tag '%s' (%zu records) %s, dropping it",
                t->chunk->tag, t->chunk->n,
                result == EMU_FLUSH_RETRY ? "cannot be retried" : "failed");
    task_finish(t);
}

/* storage.total_limit_size: makes room for `need` bytes of filesystem chunks queued for o by
 * dropping its oldest ones waiting for a retry (those being flushed cannot be recalled). */
static void enforce_total_limit(struct emu_router *r, struct emu_router_output *o, size_t need)
{
    size_t limit = (size_t)o->g.total_limit_size;
    while (o->fs_queued + need > limit) {
        struct emu_router_flush *oldest = NULL;
        for (struct emu_router_flush *t = r->tasks; t; t = t->next) {
            if (t->out == o && t->fs_bytes > 0 && !t->running) {
                oldest = t; /* tasks are prepended: the last one found is the oldest */
            }
        }
        if (!oldest) {
            return;
        }
        emu_plg_log(EMU_LOG_WARN, o->name,
                    "storage.total_limit_size %zu bytes reached: "
                    "dropping the oldest chunk of tag '%s' (%zu records)",
                    limit, oldest->chunk->tag, oldest->chunk->n);
        o->m.dropped_records += oldest->chunk->n;
        r->stats.records_dropped += oldest->chunk->n;
        if (oldest->timer_inited) {
            uv_timer_stop(&oldest->timer);
        }
        task_finish(oldest);
    }
}

static void dispatch(struct emu_router *r, struct emu_router_chunk *c)
{
    size_t tag_len = strlen(c->tag);
    int routed = 0;
    c->refs = 1;
    for (size_t i = 0; i < r->n_outputs; i++) {
        struct emu_router_output *o = r->outputs[i];
        if (!o->inited || !emu__router_match(o->g.match, o->match_re, c->tag, tag_len)) {
            continue;
        }
        if (c->path && o->g.total_limit_size > 0) {
            enforce_total_limit(r, o, c->data.len);
        }
        struct emu_router_flush *t = emu_calloc(1, sizeof(*t));
        if (!t) {
            r->stats.records_dropped += c->n;
            emu_log_error("out of memory creating a flush task, dropping %zu records", c->n);
            continue;
        }
        t->r = r;
        t->chunk = c;
        t->out = o;
        t->fs_bytes = c->path ? c->data.len : 0;
        o->fs_queued += t->fs_bytes;
        t->next = r->tasks;
        r->tasks = t;
        c->refs++;
        routed = 1;
        task_run(t);
    }
    if (!routed) {
        r->stats.chunks_unrouted++;
    }
    emu__router_chunk_unref(c);
}

static void dispatch_sealed(struct emu_router *r, struct emu_router_input *in)
{
    struct emu_router_chunk *c = in->sealed_head;
    in->sealed_head = NULL;
    in->sealed_tail = &in->sealed_head;
    in->sealed_bytes = 0;
    while (c) {
        struct emu_router_chunk *next = c->next;
        c->next = NULL;
        dispatch(r, c);
        c = next;
    }
}

static void flush_all(struct emu_router *r)
{
    emu__router_storage_backlog(r); /* the next batch, if the last one was released */
    for (size_t i = 0; i < r->n_inputs; i++) {
        struct emu_router_input *in = r->inputs[i];
        while (in->open) {
            emu__router_chunk_seal(in, in->open);
        }
        dispatch_sealed(r, in);
    }
}

/* Records arriving faster than Flush: full chunks go out before the tick (open ones wait). */
static void soon_cb(uv_timer_t *timer)
{
    struct emu_router *r = timer->data;
    for (size_t i = 0; i < r->n_inputs; i++) {
        if (r->inputs[i]->sealed_bytes >= EMU_ROUTER_EAGER_BYTES) {
            dispatch_sealed(r, r->inputs[i]);
        }
    }
}

void emu__router_flush_soon(struct emu_router *r)
{
    if (r->timers_inited && !r->stop_finished && !uv_is_active((uv_handle_t *)&r->soon_timer)) {
        uv_timer_start(&r->soon_timer, soon_cb, 0, 0);
    }
}

static void flush_cb(uv_timer_t *timer)
{
    flush_all(timer->data);
}

static void grace_cb(uv_timer_t *timer)
{
    struct emu_router *r = timer->data;
    size_t pending = 0;
    for (struct emu_router_flush *t = r->tasks; t; t = t->next) {
        pending += t->chunk->n;
    }
    emu_log_warn("Grace period expired with %zu records not flushed", pending);
    finish_stop(r);
}

int emu_router_start(struct emu_router *r)
{
    uint64_t ms = (uint64_t)(r->svc.flush * 1000.0);
    uv_timer_init(r->loop, &r->flush_timer);
    uv_timer_init(r->loop, &r->grace_timer);
    uv_timer_init(r->loop, &r->soon_timer);
    r->flush_timer.data = r;
    r->grace_timer.data = r;
    r->soon_timer.data = r;
    r->timers_inited = 1;
    for (size_t i = 0; i < r->n_outputs; i++) {
        struct emu_router_output *o = r->outputs[i];
        o->inited = 1; /* cb_exit runs even when cb_init fails half-way */
        int rc = o->p->cb_init ? o->p->cb_init(o, o->ctx) : 0;
        if (rc < 0) {
            return emu_log_errno(rc, "[%s] initialization failed", o->name);
        }
    }
    for (size_t i = 0; i < r->n_filters; i++) {
        struct emu_router_filter *f = r->filters[i];
        f->inited = 1;
        int rc = f->p->cb_init ? f->p->cb_init(f, f->ctx) : 0;
        if (rc < 0) {
            return emu_log_errno(rc, "[%s] initialization failed", f->name);
        }
    }
    int src = emu__router_storage_init(r);
    if (src < 0) {
        return src;
    }
    emu__router_storage_backlog(r); /* sealed before any new data */
    for (size_t i = 0; i < r->n_inputs; i++) {
        struct emu_router_input *in = r->inputs[i];
        in->inited = 1;
        int rc = in->p->cb_init ? in->p->cb_init(in, in->ctx) : 0;
        if (rc < 0) {
            return emu_log_errno(rc, "[%s] initialization failed", in->name);
        }
    }
    r->start_ms = uv_now(r->loop);
    r->start_time = (int64_t)time(NULL);
    if (r->svc.http_server) {
        int rc = emu__router_http_start(r);
        if (rc < 0) {
            return rc;
        }
    }
    uv_timer_start(&r->flush_timer, flush_cb, ms ? ms : 1, ms ? ms : 1);
    r->started = 1;
    return 0;
}

void emu_router_stop(struct emu_router *r, void (*done)(struct emu_router *r, void *data),
                     void *data)
{
    if (r->stopping) {
        return;
    }
    r->stopping = 1;
    r->stop_done = done;
    r->stop_data = data;
    for (size_t i = 0; i < r->n_inputs; i++) {
        struct emu_router_input *in = r->inputs[i];
        if (in->inited && in->p->cb_stop) {
            in->p->cb_stop(in, in->ctx);
        }
        in->stopped = 1;
    }
    for (size_t i = 0; i < r->n_filters; i++) {
        struct emu_router_filter *f = r->filters[i];
        if (f->inited && f->p->cb_stop) {
            f->p->cb_stop(f, f->ctx);
        }
    }
    flush_all(r);
    if (!r->tasks) {
        finish_stop(r);
        return;
    }
    emu_log_info("waiting up to %lld seconds (Grace) for pending flushes", (long long)r->svc.grace);
    if (r->timers_inited) {
        uv_timer_start(&r->grace_timer, grace_cb, (uint64_t)r->svc.grace * 1000u, 0);
    }
}

static void free_chunks(struct emu_router_chunk *c)
{
    while (c) {
        struct emu_router_chunk *next = c->next;
        c->refs = 1;
        emu__router_chunk_unref(c);
        c = next;
    }
}

struct emu_router *emu_router_free(struct emu_router *r)
{
    if (!r) {
        return NULL;
    }
    r->tearing_down = 1; /* chunks freed from here on keep their files for the next start */
    for (size_t i = 0; i < r->n_outputs; i++) {
        struct emu_router_output *o = r->outputs[i];
        if (o->inited && o->p->cb_exit) {
            o->p->cb_exit(o, o->ctx);
        }
    }
    while (r->tasks) {
        struct emu_router_flush *t = r->tasks;
        r->tasks = t->next;
        r->stats.records_dropped += t->chunk->n;
        emu__router_chunk_unref(t->chunk);
        task_free(t);
    }
    for (size_t i = 0; i < r->n_filters; i++) {
        struct emu_router_filter *f = r->filters[i];
        if (f->inited && f->p->cb_exit) {
            f->p->cb_exit(f, f->ctx);
        }
    }
    for (size_t i = 0; i < r->n_inputs; i++) {
        struct emu_router_input *in = r->inputs[i];
        in->stopped = 1;
        if (in->inited && in->p->cb_exit) {
            in->p->cb_exit(in, in->ctx);
        }
        free_chunks(in->open);
        free_chunks(in->sealed_head);
        in->open = in->sealed_head = NULL;
        emu__router_storage_free(in);
    }
    emu__router_http_close(r);
    if (r->timers_inited) {
        emu_router_hold(r);
        emu_router_hold(r);
        emu_router_hold(r);
        r->flush_timer.data = r;
        r->grace_timer.data = r;
        r->soon_timer.data = r;
        uv_close((uv_handle_t *)&r->flush_timer, release_cb);
        uv_close((uv_handle_t *)&r->grace_timer, release_cb);
        uv_close((uv_handle_t *)&r->soon_timer, release_cb);
    }
    while (r->holds > 0) {
        uv_run(r->loop, UV_RUN_ONCE);
    }
    emu__router_instances_free(r);
    emu__router_parsers_free(r);
    emu_buf_done(&r->scratch[0]);
    emu_buf_done(&r->scratch[1]);
    emu_free(r);
    return NULL;
}
