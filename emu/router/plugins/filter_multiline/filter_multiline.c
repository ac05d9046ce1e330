/* SPDX-License-Identifier: Apache-2.0 */
/* filter_multiline in `mode partial_message`: joins the parts of a line Docker split at 16 KiB.
 * A record whose partial_message is "true" is buffered under (partial_id, input, tag): its
 * content key (multiline.key_content) is appended to the buffer; the first part's other keys,
 * minus every partial_* key, and its time make the joined record. The part with partial_last
 * "true" completes it in place of that part; a buffer not written for flush_ms is completed by a
 * timer (every flush_ms/2) and re-emitted through the emitter input, as Fluent Bit does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"
#include "emu/router/plugins/filter_multiline/filter_multiline.h"

#define OFF(f) offsetof(struct ml_ctx, f)

static const struct emu_router_option ml_options[] = {
    {EMU_ROPT_BOOL, "debug_flush", "false", 0, OFF(debug_flush),
     "enable debugging for concatenation flush to stdout"},
    {EMU_ROPT_BOOL, "buffer", "true", 0, OFF(buffer),
     "Enable buffered mode: completed records are re-emitted through an emitter input."},
    {EMU_ROPT_STR, "mode", "parser", 0, OFF(mode),
     "Mode can be 'parser' for regex concat, or 'partial_message' to concat split docker logs."},
    {EMU_ROPT_INT, "flush_ms", "2000", 0, OFF(flush_ms),
     "Flush time for pending multiline records"},
    {EMU_ROPT_STR, "multiline.parser", NULL, EMU_ROPT_MULT, OFF(parsers),
     "specify one or multiple multiline parsers: docker, cri, go, java, etc."},
    {EMU_ROPT_STR, "multiline.key_content", NULL, 0, OFF(key_content),
     "specify the key name that holds the content to process."},
    {EMU_ROPT_INT, "multiline.max_lines", "100", 0, OFF(max_lines),
     "specify the maximum number of lines to be concatenated."},
    {EMU_ROPT_STR, "emitter_name", NULL, 0, OFF(emitter_name), "Name of the emitter input."},
    {EMU_ROPT_STR, "emitter_storage.type", "memory", 0, OFF(emitter_storage),
     "Storage type of the emitter input."},
    {EMU_ROPT_SIZE, "emitter_mem_buf_limit", "10M", 0, OFF(emitter_mem_buf_limit),
     "set a memory buffer limit to restrict memory usage of emitter"},
    {0, NULL, NULL, 0, 0, NULL},
};

static void packer_free(struct packer *p)
{
    emu_free(p->tag);
    emu_free(p->input);
    emu_free(p->id);
    emu_buf_done(&p->fields);
    emu_buf_done(&p->key);
    emu_buf_done(&p->content);
    emu_free(p);
}

static void unlink_packer(struct ml_ctx *ctx, struct packer *p)
{
    struct packer **pp = &ctx->packers;
    while (*pp != p) {
        pp = &(*pp)->next;
    }
    *pp = p->next;
    ctx->n_packers--;
}

/* Appends the joined record [time, {fields..., key: content}] to out. */
static int packer_complete(const struct packer *p, struct emu_buf *out)
{
    int r = emu_buf_putc(out, (char)0x92);
    if (r == 0) {
        r = emu_mp_put_eventtime(out, p->sec, p->nsec);
    }
    if (r == 0) {
        r = emu_mp_put_map(out, p->n_fields + 1);
    }
    if (r == 0) {
        r = emu_buf_append(out, p->fields.data, p->fields.len);
    }
    if (r == 0) {
        r = emu_buf_append(out, p->key.data, p->key.len);
    }
    if (r == 0) {
        r = emu_mp_put_str(out, p->content.data ? p->content.data : "", p->content.len);
    }
    return r;
}

/* Completes p and re-emits it through the emitter under its tag, then frees it. */
static void emit_packer(struct ml_ctx *ctx, struct packer *p)
{
    struct emu_buf b;
    emu_buf_init(&b, JOINED_MAX + 64u * 1024u);
    unlink_packer(ctx, p);
    if (packer_complete(p, &b) == 0 && ctx->emitter &&
        emu_router_input_append(ctx->emitter, p->tag, strlen(p->tag), b.data, b.len, 1) == 0) {
        emu_router_filter_count_emitted(ctx->ins, 1);
    }
    else {
        emu_plg_log(EMU_LOG_WARN, emu_router_filter_name(ctx->ins),
                    "Couldn't send concatenated record of size %zu bytes to in_emitter %s",
                    b.len, ctx->emitter_buf);
    }
    emu_buf_done(&b);
    packer_free(p);
}

static int is_parser_mode(const struct ml_ctx *ctx)
{
    return strcasecmp(ctx->mode, "parser") == 0;
}

static void timer_cb(uv_timer_t *t)
{
    struct ml_ctx *ctx = t->data;
    if (is_parser_mode(ctx)) {
        emu_mlf_pmode_idle(ctx, 0);
        return;
    }
    uint64_t now = uv_now(t->loop);
    struct packer *p = ctx->packers;
    while (p) {
        struct packer *next = p->next;
        if (now - p->last_write > (uint64_t)ctx->flush_ms) {
            emit_packer(ctx, p);
        }
        p = next;
    }
}

static int check_partial_mode(struct ml_ctx *ctx, const char *name)
{
    if (strcasecmp(ctx->mode, "partial_message") != 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "'Mode' must be 'partial_message' or 'parser'");
        return -EINVAL;
    }
    if (!ctx->buffer) {
        emu_plg_log(EMU_LOG_ERROR, name, "'partial_message' 'Mode' requires 'Buffer' to be 'On'");
        return -EINVAL;
    }
    if (!ctx->key_content) {
        emu_plg_log(EMU_LOG_ERROR, name, "'Mode' 'partial_message' requires "
                                         "'multiline.key_content'");
        return -EINVAL;
    }
    return 0;
}

static int cb_ml_init(struct emu_router_filter *ins, void *data)
{
    struct ml_ctx *ctx = data;
    const char *name = emu_router_filter_name(ins);
    ctx->ins = ins;
    if (ctx->flush_ms <= 0 || ctx->flush_ms > 86400000) {
        emu_plg_log(EMU_LOG_ERROR, name, "invalid flush_ms %lld", (long long)ctx->flush_ms);
        return -EINVAL;
    }
    ctx->idle_ms = (uint64_t)ctx->flush_ms;
    int rc = is_parser_mode(ctx) ? emu_mlf_pmode_init(ctx) : check_partial_mode(ctx, name);
    if (rc < 0) {
        return rc;
    }
    snprintf(ctx->emitter_buf, sizeof(ctx->emitter_buf), "%s%s",
             ctx->emitter_name ? "" : "emitter_for_",
             ctx->emitter_name ? ctx->emitter_name : name);
    ctx->emitter = emu_router_filter_emitter_new(ins, ctx->emitter_buf,
                                                 ctx->emitter_mem_buf_limit);
    if (!ctx->emitter) {
        emu_plg_log(EMU_LOG_ERROR, name, "emitter_name '%s' already exists", ctx->emitter_buf);
        return -EINVAL;
    }
    uv_loop_t *loop = emu_router_loop(emu_router_filter_router(ins));
    uv_timer_init(loop, &ctx->timer);
    ctx->timer.data = ctx;
    ctx->timer_inited = 1;
    uint64_t period = ctx->idle_ms / 2u;
    uv_timer_start(&ctx->timer, timer_cb, period ? period : 1, period ? period : 1);
    return 0;
}

/* Looks at one record: sets the partial fields found. */
struct part {
    int partial, last;
    const char *id;
    uint32_t id_len;
    const char *content;
    uint32_t content_len;
};

static int is_true(struct emu_mp *m)
{
    const char *s;
    uint32_t l;
    return emu_mp_read_strbin(m, &s, &l) == 0 && l >= 4 && strncasecmp(s, "true", 4) == 0;
}

static int inspect(const struct ml_ctx *ctx, const uint8_t *rec, size_t len, struct part *pt)
{
    struct emu_mp m = {.p = rec, .len = len};
    uint32_t n;
    size_t ckl = strlen(ctx->key_content);
    memset(pt, 0, sizeof(*pt));
    if (emu_mp_read_map(&m, &n) < 0) {
        return -EBADMSG;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (emu_mp_read_strbin(&m, &k, &kl) < 0) {
            if (emu_mp_next(&m, NULL, NULL) < 0 || emu_mp_next(&m, NULL, NULL) < 0) {
                return -EBADMSG;
            }
            continue;
        }
        size_t save = m.off;
        if (kl == 15 && memcmp(k, "partial_message", 15) == 0) {
            pt->partial = is_true(&m);
        }
        else if (kl == 12 && memcmp(k, "partial_last", 12) == 0) {
            pt->last = is_true(&m);
        }
        else if (kl == 10 && memcmp(k, "partial_id", 10) == 0) {
            (void)emu_mp_read_strbin(&m, &pt->id, &pt->id_len);
        }
        else if (kl == ckl && memcmp(k, ctx->key_content, kl) == 0) {
            (void)emu_mp_read_strbin(&m, &pt->content, &pt->content_len);
        }
        m.off = save;
        if (emu_mp_next(&m, NULL, NULL) < 0) {
            return -EBADMSG;
        }
    }
    return 0;
}

static struct packer *packer_find(struct ml_ctx *ctx, const char *tag, const char *input,
                                  const struct part *pt)
{
    for (struct packer *p = ctx->packers; p; p = p->next) {
        if (strlen(p->id) == pt->id_len && memcmp(p->id, pt->id, pt->id_len) == 0 &&
            strcmp(p->input, input) == 0 && strcmp(p->tag, tag) == 0) {
            return p;
        }
    }
    return NULL;
}

/* A new packer from the first part: every key but the content key and partial_* ones. */
static struct packer *packer_new(struct ml_ctx *ctx, const char *tag, const char *input,
                                 const struct part *pt, int64_t sec, uint32_t nsec,
                                 const uint8_t *rec, size_t len)
{
    struct packer *p = emu_calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    emu_buf_init(&p->fields, len);
    emu_buf_init(&p->key, len);
    emu_buf_init(&p->content, JOINED_MAX);
    p->sec = sec;
    p->nsec = nsec;
    p->tag = emu_strdup(tag);
    p->input = emu_strdup(input);
    p->id = emu_strndup(pt->id, pt->id_len);
    struct emu_mp m = {.p = rec, .len = len};
    uint32_t n = 0;
    int r = p->tag && p->input && p->id && emu_mp_read_map(&m, &n) == 0 ? 0 : -ENOMEM;
    size_t ckl = strlen(ctx->key_content);
    for (uint32_t i = 0; i < n && r == 0; i++) {
        size_t start = m.off;
        const char *k;
        uint32_t kl;
        if (emu_mp_read_strbin(&m, &k, &kl) < 0) {
            r = -EBADMSG;
            break;
        }
        size_t key_end = m.off;
        (void)emu_mp_next(&m, NULL, NULL);
        if (kl == ckl && memcmp(k, ctx->key_content, kl) == 0) {
            r = emu_buf_append(&p->key, rec + start, key_end - start);
        }
        else if (kl < 8 || memcmp(k, "partial_", 8) != 0) {
            r = emu_buf_append(&p->fields, rec + start, m.off - start);
            p->n_fields++;
        }
    }
    if (r < 0) {
        packer_free(p);
        return NULL;
    }
    p->next = ctx->packers;
    ctx->packers = p;
    ctx->n_packers++;
    return p;
}

/* Takes one partial record; returns 1 when consumed, 0 to pass it through unchanged. */
static int take_partial(struct ml_ctx *ctx, const char *tag, const struct part *pt, int64_t sec,
                        uint32_t nsec, const uint8_t *rec, size_t rec_len, struct emu_buf *out)
{
    const char *input = emu_router_filter_input_name(ctx->ins);
    struct packer *p = packer_find(ctx, tag, input, pt);
    if (!p) {
        if (ctx->n_packers >= PACKERS_MAX) {
            return 0;
        }
        p = packer_new(ctx, tag, input, pt, sec, nsec, rec, rec_len);
        if (!p) {
            return 0;
        }
    }
    if (emu_buf_append(&p->content, pt->content, pt->content_len) < 0) {
        emit_packer(ctx, p); /* over the ceiling: send what was joined so far */
        return 0;
    }
    p->last_write = uv_now(emu_router_loop(emu_router_filter_router(ctx->ins)));
    if (pt->last) {
        unlink_packer(ctx, p);
        int r = packer_complete(p, out);
        packer_free(p);
        if (r < 0) {
            emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ctx->ins), "buffer full");
        }
        return r < 0 ? -1 : 2;
    }
    return 1;
}

static int cb_ml_filter(const char *data, size_t len, const char *tag, struct emu_buf *out,
                        size_t *ret_n, struct emu_router_filter *ins, void *vctx)
{
    struct ml_ctx *ctx = vctx;
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    size_t n = 0, partials = 0;
    if (is_parser_mode(ctx)) {
        return emu_mlf_pmode_filter(ctx, data, len, tag, out, ret_n);
    }
    while (m.off < m.len) {
        size_t start = m.off;
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        struct part pt;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            break;
        }
        int taken = 0;
        if (inspect(ctx, rec, rec_len, &pt) == 0 && pt.partial && pt.id && pt.content) {
            taken = take_partial(ctx, tag, &pt, sec, nsec, rec, rec_len, out);
        }
        if (taken > 0) {
            partials++;
            n += taken == 2;
            continue;
        }
        if (emu_buf_append(out, data + start, m.off - start) < 0) {
            emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins), "buffer full");
            return EMU_FILTER_NOTOUCH;
        }
        n++;
    }
    if (partials == 0) {
        return EMU_FILTER_NOTOUCH;
    }
    *ret_n = n;
    return EMU_FILTER_MODIFIED;
}

static void cb_ml_stop(struct emu_router_filter *ins, void *data)
{
    struct ml_ctx *ctx = data;
    (void)ins;
    if (ctx->timer_inited) {
        uv_timer_stop(&ctx->timer);
    }
    while (ctx->packers) {
        emit_packer(ctx, ctx->packers);
    }
    emu_mlf_pmode_idle(ctx, 1);
}

static void close_cb(uv_handle_t *h)
{
    struct ml_ctx *ctx = h->data;
    emu_router_release(emu_router_filter_router(ctx->ins));
}

static void cb_ml_exit(struct emu_router_filter *ins, void *data)
{
    struct ml_ctx *ctx = data;
    while (ctx->packers) {
        struct packer *p = ctx->packers;
        unlink_packer(ctx, p);
        packer_free(p);
    }
    emu_mlf_pmode_free(ctx);
    if (ctx->timer_inited) {
        ctx->timer_inited = 0;
        emu_router_hold(emu_router_filter_router(ins));
        uv_close((uv_handle_t *)&ctx->timer, close_cb);
    }
}

const struct emu_router_filter_plugin filter_multiline_plugin = {
    .name = "multiline",
    .description = "Concatenate multiline messages",
    .options = ml_options,
    .ctx_size = sizeof(struct ml_ctx),
    .cb_init = cb_ml_init,
    .cb_filter = cb_ml_filter,
    .cb_stop = cb_ml_stop,
    .cb_exit = cb_ml_exit,
};
