/* SPDX-License-Identifier: Apache-2.0 */
/* The router engine on one libuv loop.
 *
 * DESIGN: inputs hand events to emu_router_input_append(), which runs the matching filters and
 * appends the result to the input's open chunk for that tag (sealed at ~2 MB). Every Flush
 * seconds all chunks are sealed and dispatched: one task per output whose Match accepts the
 * tag, each holding a chunk reference. A task that returns RETRY is re-run after a backoff
 * (scheduler.base/cap) until Retry_Limit. An input whose unreleased chunk bytes reach its
 * Mem_Buf_Limit is paused (it stops reading its sockets) and resumed once chunks are released;
 * accepted records are never dropped for memory. Stop: inputs stop, everything is flushed, and
 * the caller is told once all tasks are done or Grace seconds passed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/router_internal.h"

#define TAG_MAX 4096

void emu_plg_log(int level, const char *insname, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    emu_log((enum emu_log_level)level, "[%s] %s", insname, msg);
}

void emu_router_now(int64_t *ret_sec, uint32_t *ret_nsec)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *ret_sec = (int64_t)ts.tv_sec;
    *ret_nsec = (uint32_t)ts.tv_nsec;
}

uv_loop_t *emu_router_loop(struct emu_router *r)
{
    return r->loop;
}

struct emu_router *emu_router_input_router(struct emu_router_input *ins)
{
    return ins->r;
}

struct emu_router *emu_router_output_router(struct emu_router_output *ins)
{
    return ins->r;
}

const char *emu_router_input_tag(const struct emu_router_input *ins)
{
    return ins->g.tag;
}

const char *emu_router_input_name(const struct emu_router_input *ins)
{
    return ins->name;
}

const char *emu_router_output_name(const struct emu_router_output *ins)
{
    return ins->name;
}

const char *emu_router_filter_name(const struct emu_router_filter *ins)
{
    return ins->name;
}

struct emu_router *emu_router_filter_router(struct emu_router_filter *ins)
{
    return ins->r;
}

const struct emu_router_section *emu_router_filter_section(const struct emu_router_filter *ins)
{
    return ins->sec;
}

extern const struct emu_router_input_plugin in_emitter_plugin;

struct emu_router_input *emu_router_filter_emitter_new(struct emu_router_filter *ins,
                                                       const char *name,
                                                       int64_t mem_buf_limit)
{
    ins->emitter = emu__router_input_internal(ins->r, &in_emitter_plugin, name, mem_buf_limit);
    return ins->emitter;
}

const char *emu_router_filter_input_name(const struct emu_router_filter *ins)
{
    return ins->r->cur_input ? ins->r->cur_input->name : "";
}

void emu_router_filter_count_emitted(struct emu_router_filter *ins, size_t n)
{
    ins->m.emit_records += n;
}

int emu_router_input_paused(const struct emu_router_input *ins)
{
    return ins->paused;
}

const struct emu_router_service *emu_router_get_service(const struct emu_router *r)
{
    return &r->svc;
}

const struct emu_router_stats *emu_router_get_stats(const struct emu_router *r)
{
    return &r->stats;
}

void emu_router_set_envp(struct emu_router *r, const char *const *envp)
{
    r->envp = envp;
}

const char *const *emu_router_envp(struct emu_router *r)
{
    return r->envp;
}

int emu_router_output_retry_limit(const struct emu_router_output *ins)
{
    return ins->retry_limit;
}

int emu_router_output_tls(const struct emu_router_output *ins, int *ret_verify,
                          const char **ret_ca_file)
{
    *ret_verify = ins->g.tls_verify;
    *ret_ca_file = ins->g.tls_ca_file;
    return ins->g.tls;
}

void emu_router_hold(struct emu_router *r)
{
    r->holds++;
}

void emu_router_release(struct emu_router *r)
{
    r->holds--;
}

struct emu_router *emu_router_new(uv_loop_t *loop)
{
    struct emu_router *r = emu_calloc(1, sizeof(*r));
    if (!r) {
        return NULL;
    }
    r->loop = loop;
    emu_buf_init(&r->scratch[0], EMU_ROUTER_BUF_MAX);
    emu_buf_init(&r->scratch[1], EMU_ROUTER_BUF_MAX);
    return r;
}

int emu_router_configure(struct emu_router *r, const struct emu_router_config *cf,
                         struct emu_diags *diags)
{
    int rc = emu__router_instances_create(r, cf, diags);
    if (rc == 0) {
        rc = emu__router_parsers_load(r, cf, diags);
    }
    if (rc < 0) {
        return rc;
    }
    for (size_t i = 0; i < r->n_inputs; i++) {
        r->inputs[i]->sealed_tail = &r->inputs[i]->sealed_head;
    }
    return 0;
}

/* Chunks. */

static void maybe_resume(struct emu_router_input *in)
{
    if (in->paused && !in->stopped && (size_t)in->g.mem_buf_limit > in->mem_used) {
        in->paused = 0;
        emu_plg_log(EMU_LOG_INFO, in->name, "resume (mem buf %zu bytes)", in->mem_used);
        if (in->p->cb_resume) {
            in->p->cb_resume(in, in->ctx);
        }
    }
}

static void maybe_pause(struct emu_router_input *in)
{
    if (!in->paused && !in->stopped && in->g.mem_buf_limit > 0 &&
        in->mem_used >= (size_t)in->g.mem_buf_limit) {
        in->paused = 1;
        in->r->stats.pauses++;
        emu_plg_log(EMU_LOG_INFO, in->name, "paused (mem buf overlimit %zu bytes)",
                    in->mem_used);
        if (in->p->cb_pause) {
            in->p->cb_pause(in, in->ctx);
        }
    }
}

static void chunk_free(struct emu_router_chunk *c)
{
    struct emu_router_input *in = c->in;
    if (c->backlog) {
        in->r->backlog_mem -= c->data.len;
    }
    else {
        in->mem_used -= c->data.len;
    }
    /* Delivered (or given up) unless the router is being torn down with it pending. */
    emu__router_storage_chunk_done(c, !in->r->tearing_down);
    emu_buf_done(&c->data);
    emu_free(c->tag);
    emu_free(c);
    maybe_resume(in);
}

void emu__router_chunk_unref(struct emu_router_chunk *c)
{
    if (--c->refs <= 0) {
        chunk_free(c);
    }
}

static struct emu_router_chunk *chunk_open(struct emu_router_input *in, const char *tag,
                                           size_t tag_len)
{
    for (struct emu_router_chunk *c = in->open; c; c = c->next) {
        if (strlen(c->tag) == tag_len && memcmp(c->tag, tag, tag_len) == 0) {
            return c;
        }
    }
    struct emu_router_chunk *c = emu_calloc(1, sizeof(*c));
    if (!c || !(c->tag = emu_strndup(tag, tag_len))) {
        emu_free(c);
        return NULL;
    }
    c->in = in;
    c->fd = -1;
    emu_buf_init(&c->data, EMU_ROUTER_BUF_MAX);
    c->next = in->open;
    in->open = c;
    if (in->fs_dir) {
        emu__router_storage_chunk_new(in, c);
    }
    return c;
}

void emu__router_chunk_seal(struct emu_router_input *in, struct emu_router_chunk *c)
{
    struct emu_router_chunk **pp = &in->open;
    while (*pp != c) {
        pp = &(*pp)->next;
    }
    *pp = c->next;
    c->next = NULL;
    emu__router_storage_seal(c);
    *in->sealed_tail = c;
    in->sealed_tail = &c->next;
}

static int run_filters(struct emu_router *r, struct emu_router_input *src, const char *tag,
                       size_t tag_len, const char **data, size_t *len, size_t *n)
{
    int cur = 0;
    for (size_t i = 0; i < r->n_filters && *n > 0; i++) {
        struct emu_router_filter *f = r->filters[i];
        if (!f->inited || f->emitter == src ||
            !emu__router_match(f->g.match, f->match_re, tag, tag_len)) {
            continue;
        }
        f->m.records += *n;
        f->m.bytes += *len;
        struct emu_buf *out = &r->scratch[cur];
        out->len = 0;
        if (out->data) {
            out->data[0] = '\0';
        }
        size_t on = 0;
        if (f->p->cb_filter(*data, *len, tag, out, &on, f, f->ctx) == EMU_FILTER_MODIFIED) {
            if (on < *n) {
                r->stats.records_filtered_out += *n - on;
                f->m.drop_records += *n - on;
                f->m.drop_bytes += out->len < *len ? *len - out->len : 0;
            }
            else {
                f->m.add_records += on - *n;
            }
            *data = out->data ? out->data : "";
            *len = out->len;
            *n = on;
            cur ^= 1;
        }
    }
    return 0;
}

int emu_router_input_append(struct emu_router_input *ins, const char *tag, size_t tag_len,
                            const char *events, size_t len, size_t n)
{
    struct emu_router *r = ins->r;
    char tagz[TAG_MAX];
    if (tag_len >= TAG_MAX) {
        return -E2BIG;
    }
    memcpy(tagz, tag, tag_len);
    tagz[tag_len] = '\0';
    r->stats.records_in += n;
    ins->m.records += n;
    ins->m.bytes += len;
    struct emu_router_input *prev = r->cur_input;
    r->cur_input = ins;
    (void)run_filters(r, ins, tagz, tag_len, &events, &len, &n);
    r->cur_input = prev;
    if (n == 0 || len == 0) {
        return 0;
    }
    struct emu_router_chunk *c = chunk_open(ins, tagz, tag_len);
    if (!c) {
        return -ENOMEM;
    }
    int rc = emu_buf_append(&c->data, events, len);
    if (rc < 0) {
        return rc;
    }
    c->n += n;
    ins->mem_used += len;
    if (c->fd >= 0) {
        emu__router_storage_append(c, events, len, n);
    }
    if (c->data.len >= EMU_ROUTER_CHUNK_MAX) {
        emu__router_chunk_seal(ins, c);
        ins->sealed_bytes += c->data.len;
        if (ins->sealed_bytes >= EMU_ROUTER_EAGER_BYTES) {
            emu__router_flush_soon(r);
        }
    }
    maybe_pause(ins);
    return 0;
}
