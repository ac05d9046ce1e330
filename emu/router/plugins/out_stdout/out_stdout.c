/* SPDX-License-Identifier: Apache-2.0 */
/* out_stdout: prints events, either Fluent Bit's human-readable msgpack form
 * ("[0] tag: [[sec.nsec, {}], {"k"=>"v"}]") or json / json_lines / json_stream. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/router/format.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

struct stdout_ctx {
    const char *format, *json_date_key, *json_date_format;
    int msgpack, fmt, date_fmt;
    uint64_t counter;
};

#define OFF(f) offsetof(struct stdout_ctx, f)

static const struct emu_router_option stdout_options[] = {
    {EMU_ROPT_STR, "format", "msgpack", 0, OFF(format),
     "Output format: msgpack, json, json_lines or json_stream."},
    {EMU_ROPT_STR, "json_date_key", "date", 0, OFF(json_date_key),
     "Name of the time key in JSON records; false to leave it out."},
    {EMU_ROPT_STR, "json_date_format", "double", 0, OFF(json_date_format),
     "double, epoch, epoch_ms, iso8601 or java_sql_timestamp."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int cb_stdout_init(struct emu_router_output *ins, void *data)
{
    struct stdout_ctx *ctx = data;
    const char *name = emu_router_output_name(ins);
    ctx->msgpack = strcasecmp(ctx->format, "msgpack") == 0;
    ctx->fmt = ctx->msgpack ? 0 : emu_router_json_fmt_parse(ctx->format);
    ctx->date_fmt = emu_router_date_fmt_parse(ctx->json_date_format);
    if (ctx->fmt < 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "unrecognized 'format' option '%s'", ctx->format);
        return -EINVAL;
    }
    if (ctx->date_fmt < 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "invalid json_date_format '%s'",
                    ctx->json_date_format);
        return -EINVAL;
    }
    return 0;
}

static int format_text(struct stdout_ctx *ctx, const char *data, size_t len, const char *tag,
                       struct emu_buf *out)
{
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    int r = 0;
    while (r == 0 && m.off < m.len) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            return -EBADMSG;
        }
        r = emu_buf_printf(out, "[%" PRIu64 "] %s: [[%" PRId64 ".%09u, {}], ", ctx->counter++,
                           tag, sec, nsec);
        if (r == 0) {
            r = emu_mp_to_text(rec, rec_len, out);
        }
        if (r == 0) {
            r = emu_buf_puts(out, "]\n");
        }
    }
    return r;
}

static void write_all(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, p, len);
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static void cb_stdout_flush(struct emu_router_flush *f, const char *data, size_t len,
                            const char *tag, size_t n, struct emu_router_output *ins, void *vctx)
{
    struct stdout_ctx *ctx = vctx;
    struct emu_buf out;
    (void)n;
    emu_buf_init(&out, 512u * 1024u * 1024u);
    int r = ctx->msgpack ? format_text(ctx, data, len, tag, &out)
                         : emu_router_format_json(data, len, ctx->fmt, ctx->json_date_key,
                                                  ctx->date_fmt, &out);
    if (r == 0 && ctx->fmt == EMU_JSON_FMT_JSON && !ctx->msgpack) {
        r = emu_buf_putc(&out, '\n');
    }
    if (r < 0) {
        emu_plg_log(EMU_LOG_ERROR, emu_router_output_name(ins), "cannot format records: %d", r);
        emu_buf_done(&out);
        emu_router_flush_done(f, EMU_FLUSH_ERROR);
        return;
    }
    write_all(out.data ? out.data : "", out.len);
    emu_buf_done(&out);
    emu_router_flush_done(f, EMU_FLUSH_OK);
}

const struct emu_router_output_plugin out_stdout_plugin = {
    .name = "stdout",
    .description = "Prints events to STDOUT",
    .options = stdout_options,
    .ctx_size = sizeof(struct stdout_ctx),
    .cb_init = cb_stdout_init,
    .cb_flush = cb_stdout_flush,
};
