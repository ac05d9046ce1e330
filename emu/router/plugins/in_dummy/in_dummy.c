/* SPDX-License-Identifier: Apache-2.0 */
/* in_dummy: generates a fixed JSON record `rate` times a second (Fluent Bit's dummy input),
 * optionally `samples` times in total. */
#include <errno.h>
#include <cjson/cJSON.h>
#include <string.h>
#include <uv.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

struct dummy_ctx {
    const char *dummy, *metadata;
    int64_t rate, interval_sec, interval_nsec, samples, start_time_sec, start_time_nsec;
    int64_t copies;
    int fixed_timestamp, flush_on_startup;
    /* state */
    struct emu_router_input *ins;
    struct emu_buf record;
    uv_timer_t timer;
    int timer_open;
    int64_t sent;
};

#define OFF(f) offsetof(struct dummy_ctx, f)

static const struct emu_router_option dummy_options[] = {
    {EMU_ROPT_STR, "dummy", "{\"message\":\"dummy\"}", 0, OFF(dummy), "The record (JSON)."},
    {EMU_ROPT_STR, "metadata", "{}", 0, OFF(metadata), "Event metadata (JSON, ignored)."},
    {EMU_ROPT_INT, "rate", "1", 0, OFF(rate), "Events per second."},
    {EMU_ROPT_INT, "interval_sec", "0", 0, OFF(interval_sec), "Seconds between events."},
    {EMU_ROPT_INT, "interval_nsec", "0", 0, OFF(interval_nsec), "Nanoseconds between events."},
    {EMU_ROPT_INT, "copies", "1", 0, OFF(copies), "Events per tick."},
    {EMU_ROPT_INT, "samples", "0", 0, OFF(samples), "Stop after this many (0: never)."},
    {EMU_ROPT_INT, "start_time_sec", "-1", 0, OFF(start_time_sec), "Fixed event seconds."},
    {EMU_ROPT_INT, "start_time_nsec", "-1", 0, OFF(start_time_nsec), "Fixed event nanoseconds."},
    {EMU_ROPT_BOOL, "fixed_timestamp", "off", 0, OFF(fixed_timestamp), "Reuse one timestamp."},
    {EMU_ROPT_BOOL, "flush_on_startup", "false", 0, OFF(flush_on_startup),
     "Emit the first event at start."},
    {0, NULL, NULL, 0, 0, NULL},
};

static void tick(uv_timer_t *t)
{
    struct dummy_ctx *ctx = t->data;
    struct emu_buf ev;
    int64_t sec;
    uint32_t nsec;
    emu_buf_init(&ev, 16u * 1024u * 1024u);
    emu_router_now(&sec, &nsec);
    if (ctx->start_time_sec >= 0) {
        sec = ctx->start_time_sec;
        nsec = ctx->start_time_nsec >= 0 ? (uint32_t)ctx->start_time_nsec : 0;
    }
    int64_t n = 0;
    for (; n < ctx->copies; n++) {
        if (ctx->samples > 0 && ctx->sent >= ctx->samples) {
            break;
        }
        if (emu_mp_put_event(&ev, sec, nsec, ctx->record.data, ctx->record.len) < 0) {
            break;
        }
        ctx->sent++;
    }
    const char *tag = emu_router_input_tag(ctx->ins);
    if (!tag) {
        tag = emu_router_input_name(ctx->ins);
    }
    if (n > 0) {
        (void)emu_router_input_append(ctx->ins, tag, strlen(tag), ev.data, ev.len, (size_t)n);
    }
    emu_buf_done(&ev);
    if (ctx->samples > 0 && ctx->sent >= ctx->samples) {
        uv_timer_stop(&ctx->timer);
    }
}

static int cb_dummy_init(struct emu_router_input *ins, void *data)
{
    struct dummy_ctx *ctx = data;
    cJSON *root = NULL;
    struct emu_json_error jerr;
    ctx->ins = ins;
    emu_buf_init(&ctx->record, 1024u * 1024u);
    if (emu_json_parse(ctx->dummy, strlen(ctx->dummy), &root, &jerr) < 0 ||
        !cJSON_IsObject(root) || emu_mp_from_cjson(root, &ctx->record) < 0) {
        cJSON_Delete(root);
        emu_plg_log(EMU_LOG_ERROR, emu_router_input_name(ins), "invalid 'dummy' JSON map");
        return -EINVAL;
    }
    cJSON_Delete(root);
    uint64_t ms = 1000;
    if (ctx->interval_sec > 0 || ctx->interval_nsec > 0) {
        ms = (uint64_t)ctx->interval_sec * 1000u + (uint64_t)ctx->interval_nsec / 1000000u;
    }
    else if (ctx->rate > 0) {
        ms = 1000u / (uint64_t)ctx->rate;
    }
    uv_timer_init(emu_router_loop(emu_router_input_router(ins)), &ctx->timer);
    ctx->timer.data = ctx;
    ctx->timer_open = 1;
    uv_timer_start(&ctx->timer, tick, ctx->flush_on_startup ? 0 : (ms ? ms : 1), ms ? ms : 1);
    return 0;
}

static void cb_dummy_pause(struct emu_router_input *ins, void *data)
{
    struct dummy_ctx *ctx = data;
    (void)ins;
    uv_timer_stop(&ctx->timer);
}

static void cb_dummy_resume(struct emu_router_input *ins, void *data)
{
    struct dummy_ctx *ctx = data;
    (void)ins;
    uint64_t rep = uv_timer_get_repeat(&ctx->timer);
    uv_timer_start(&ctx->timer, tick, rep, rep);
}

static void timer_closed(uv_handle_t *h)
{
    struct dummy_ctx *ctx = h->data;
    emu_router_release(emu_router_input_router(ctx->ins));
}

static void cb_dummy_exit(struct emu_router_input *ins, void *data)
{
    struct dummy_ctx *ctx = data;
    if (ctx->timer_open) {
        ctx->timer_open = 0;
        emu_router_hold(emu_router_input_router(ins));
        uv_close((uv_handle_t *)&ctx->timer, timer_closed);
    }
    emu_buf_done(&ctx->record);
}

const struct emu_router_input_plugin in_dummy_plugin = {
    .name = "dummy",
    .description = "Generate dummy data",
    .options = dummy_options,
    .ctx_size = sizeof(struct dummy_ctx),
    .cb_init = cb_dummy_init,
    .cb_pause = cb_dummy_pause,
    .cb_resume = cb_dummy_resume,
    .cb_stop = cb_dummy_pause,
    .cb_exit = cb_dummy_exit,
};
