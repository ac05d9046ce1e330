/* SPDX-License-Identifier: Apache-2.0 */
/* filter_parser: parses the string field Key_Name of each record with the first of its Parser
 * entries that matches; the parsed map replaces the record (Reserve_Data appends the other
 * original fields after it, Preserve_Key keeps Key_Name among them), and a parsed time
 * replaces the event time. Records whose field is missing or matches no parser pass unchanged. */
#include <errno.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/router/mp.h"
#include "emu/router/parser.h"
#include "emu/router/plugin.h"

/* Parsed maps are built here before the record is written (a record's own ceiling). */
#define PARSED_MAX (64u * 1024u * 1024u)

struct fp_ctx {
    const char *key_name;
    struct emu_router_strlist parser_names;
    int preserve_key, reserve_data;
    const struct emu_router_parser *parsers[EMU_ROUTER_STRLIST_MAX];
    size_t n_parsers;
    struct emu_buf parsed;
};

#define OFF(f) offsetof(struct fp_ctx, f)

static const struct emu_router_option fp_options[] = {
    {EMU_ROPT_STR, "key_name", NULL, 0, OFF(key_name), "Specify field name in record to parse."},
    {EMU_ROPT_STR, "parser", NULL, EMU_ROPT_MULT, OFF(parser_names),
     "Specify the parser name to interpret the field. Multiple Parser entries are allowed "
     "(one per line)."},
    {EMU_ROPT_BOOL, "preserve_key", "false", 0, OFF(preserve_key),
     "Keep original Key_Name field in the parsed result. If false, the field will be removed."},
    {EMU_ROPT_BOOL, "reserve_data", "false", 0, OFF(reserve_data),
     "Keep all other original fields in the parsed result. If false, all other original "
     "fields will be removed."},
    {EMU_ROPT_DEPRECATED, "unescape_key", NULL, 0, EMU_ROPT_NOSTORE, "(deprecated)"},
    {0, NULL, NULL, 0, 0, NULL},
};

static int cb_fp_init(struct emu_router_filter *ins, void *data)
{
    struct fp_ctx *ctx = data;
    struct emu_router *r = emu_router_filter_router(ins);
    const char *name = emu_router_filter_name(ins);
    emu_buf_init(&ctx->parsed, PARSED_MAX);
    if (!ctx->key_name) {
        emu_plg_log(EMU_LOG_ERROR, name, "Key_Name is mandatory");
        return -EINVAL;
    }
    if (ctx->parser_names.n == 0) {
        emu_plg_log(EMU_LOG_ERROR, name, "Invalid 'parser'");
        return -EINVAL;
    }
    for (size_t i = 0; i < ctx->parser_names.n; i++) {
        const struct emu_router_parser *p = emu_router_parser_get(r, ctx->parser_names.v[i]);
        if (!p) {
            emu_plg_log(EMU_LOG_ERROR, name, "requested parser '%s' not found",
                        ctx->parser_names.v[i]);
            return -EINVAL;
        }
        if (p->format == EMU_PARSER_UNSUPPORTED) {
            emu_plg_log(EMU_LOG_ERROR, name, "parser '%s': format '%s' is not supported",
                        p->name, p->format_name);
            return -EINVAL;
        }
        ctx->parsers[ctx->n_parsers++] = p;
    }
    return 0;
}

/* Writes the replacement record [time, map] to out; returns 1 when the record was parsed, 0
 * when it passes unchanged (nothing written), or a negative errno. */
static int parse_record(void *vctx, int64_t sec, uint32_t nsec, const uint8_t *rec,
                        size_t rec_len, struct emu_buf *out)
{
    struct fp_ctx *ctx = vctx;
    struct emu_mp m = {.p = rec, .len = rec_len};
    uint32_t n;
    const char *val = NULL;
    uint32_t val_len = 0;
    size_t kl = strlen(ctx->key_name);
    if (emu_mp_read_map(&m, &n) < 0) {
        return 0;
    }
    size_t fields = m.off;
    for (uint32_t i = 0; i < n && !val; i++) {
        const char *k;
        uint32_t klen;
        if (emu_mp_read_strbin(&m, &k, &klen) < 0) {
            return 0;
        }
        if (klen == kl && memcmp(k, ctx->key_name, kl) == 0 &&
            emu_mp_read_strbin(&m, &val, &val_len) == 0) {
            break;
        }
        val = NULL;
        if (emu_mp_next(&m, NULL, NULL) < 0) {
            return 0;
        }
    }
    if (!val) {
        return 0;
    }
    int has_time = 0, r = -ENOENT;
    int64_t psec = 0;
    uint32_t pnsec = 0;
    for (size_t i = 0; i < ctx->n_parsers && r == -ENOENT; i++) {
        ctx->parsed.len = 0;
        r = emu_router_parser_do(ctx->parsers[i], val, val_len, &ctx->parsed, &has_time, &psec,
                                 &pnsec);
    }
    if (r < 0) {
        return r == -ENOENT ? 0 : r;
    }
    if (has_time) {
        sec = psec;
        nsec = pnsec;
    }
    struct emu_mp pm = {.p = (const uint8_t *)ctx->parsed.data, .len = ctx->parsed.len};
    uint32_t pn;
    if (emu_mp_read_map(&pm, &pn) < 0) {
        return -EBADMSG;
    }
    uint32_t extra = 0;
    m.off = fields;
    for (uint32_t i = 0; ctx->reserve_data && i < n; i++) {
        const char *k;
        uint32_t klen;
        (void)emu_mp_read_strbin(&m, &k, &klen);
        (void)emu_mp_next(&m, NULL, NULL);
        extra += ctx->preserve_key || klen != kl || memcmp(k, ctx->key_name, kl) != 0;
    }
    r = emu_buf_putc(out, (char)0x92);
    if (r == 0) {
        r = emu_mp_put_eventtime(out, sec, nsec);
    }
    if (r == 0) {
        r = emu_mp_put_map(out, pn + extra);
    }
    if (r == 0) {
        r = emu_buf_append(out, ctx->parsed.data + pm.off, ctx->parsed.len - pm.off);
    }
    m.off = fields;
    for (uint32_t i = 0; ctx->reserve_data && i < n && r == 0; i++) {
        const char *k;
        uint32_t klen;
        size_t start = m.off;
        (void)emu_mp_read_strbin(&m, &k, &klen);
        (void)emu_mp_next(&m, NULL, NULL);
        if (ctx->preserve_key || klen != kl || memcmp(k, ctx->key_name, kl) != 0) {
            r = emu_buf_append(out, rec + start, m.off - start);
        }
    }
    return r < 0 ? r : 1;
}

static int cb_fp_filter(const char *data, size_t len, const char *tag, struct emu_buf *out,
                        size_t *ret_n, struct emu_router_filter *ins, void *vctx)
{
    (void)tag;
    return emu_router_filter_rewrite_each(data, len, out, ret_n, ins, parse_record, vctx);
}

static void cb_fp_exit(struct emu_router_filter *ins, void *data)
{
    struct fp_ctx *ctx = data;
    (void)ins;
    emu_buf_done(&ctx->parsed);
}

const struct emu_router_filter_plugin filter_parser_plugin = {
    .name = "parser",
    .description = "Parse events",
    .options = fp_options,
    .ctx_size = sizeof(struct fp_ctx),
    .cb_init = cb_fp_init,
    .cb_filter = cb_fp_filter,
    .cb_exit = cb_fp_exit,
};
