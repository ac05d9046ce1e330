/* SPDX-License-Identifier: Apache-2.0 */
/* filter_record_modifier: appends Record "key value" pairs (FireLens adds ecs_cluster,
 * ecs_task_arn, ecs_task_definition this way), drops Remove_key keys, keeps only
 * Allowlist_key keys when given, and can add a uuid_key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/base/random.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

struct kv {
    const char *key;
    size_t key_len;
    const char *val;
};

struct rm_ctx {
    struct emu_router_strlist records, remove, allow, whitelist;
    const char *uuid_key;
    struct kv kvs[EMU_ROUTER_STRLIST_MAX];
    size_t n_kvs;
};

#define OFF(f) offsetof(struct rm_ctx, f)

static const struct emu_router_option rm_options[] = {
    {EMU_ROPT_STR, "record", NULL, EMU_ROPT_MULT, OFF(records),
     "Append a field: 'key value'."},
    {EMU_ROPT_STR, "remove_key", NULL, EMU_ROPT_MULT, OFF(remove),
     "Remove the field with this key."},
    {EMU_ROPT_STR, "allowlist_key", NULL, EMU_ROPT_MULT, OFF(allow),
     "Keep only fields with these keys."},
    {EMU_ROPT_STR, "whitelist_key", NULL, EMU_ROPT_MULT, OFF(whitelist),
     "Alias of allowlist_key."},
    {EMU_ROPT_STR, "uuid_key", NULL, 0, OFF(uuid_key), "Add a random UUID under this key."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int cb_rm_init(struct emu_router_filter *ins, void *data)
{
    struct rm_ctx *ctx = data;
    for (size_t i = 0; i < ctx->records.n; i++) {
        const char *s = ctx->records.v[i];
        size_t kl = strcspn(s, " \t");
        const char *v = s + kl;
        v += strspn(v, " \t");
        if (kl == 0 || !*v) {
            emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins),
                        "invalid Record '%s': expected 'key value'", s);
            return -EINVAL;
        }
        ctx->kvs[ctx->n_kvs++] = (struct kv){s, kl, v};
    }
    for (size_t i = 0; i < ctx->whitelist.n; i++) {
        if (ctx->allow.n < EMU_ROUTER_STRLIST_MAX) {
            ctx->allow.v[ctx->allow.n++] = ctx->whitelist.v[i];
        }
    }
    return 0;
}

static int in_list(const struct emu_router_strlist *l, const char *k, size_t kl)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strlen(l->v[i]) == kl && memcmp(l->v[i], k, kl) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_record_key(const struct rm_ctx *ctx, const char *k, size_t kl)
{
    for (size_t i = 0; i < ctx->n_kvs; i++) {
        if (ctx->kvs[i].key_len == kl && memcmp(ctx->kvs[i].key, k, kl) == 0) {
            return 1;
        }
    }
    return 0;
}

static int keep(const struct rm_ctx *ctx, const char *k, size_t kl)
{
    if (ctx->allow.n > 0 && !in_list(&ctx->allow, k, kl)) {
        return 0;
    }
    return !in_list(&ctx->remove, k, kl) && !is_record_key(ctx, k, kl) &&
           !(ctx->uuid_key && strlen(ctx->uuid_key) == kl && memcmp(ctx->uuid_key, k, kl) == 0);
}

static int put_uuid(struct emu_buf *out)
{
    uint8_t u[16];
    char s[40];
    (void)emu_random_bytes(u, sizeof(u));
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    snprintf(s, sizeof(s), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
    return emu_mp_put_str(out, s, strlen(s));
}

/* Rewrites one record map into out. */
static int modify(const struct rm_ctx *ctx, const uint8_t *rec, size_t rec_len,
                  struct emu_buf *out)
{
    struct emu_mp m = {.p = rec, .len = rec_len};
    uint32_t n, kept = 0;
    const uint8_t *vp;
    size_t vl;
    if (emu_mp_read_map(&m, &n) < 0) {
        return -EBADMSG;
    }
    size_t start = m.off;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t klen;
        if (emu_mp_read_strbin(&m, &k, &klen) < 0 || emu_mp_next(&m, &vp, &vl) < 0) {
            return -EBADMSG;
        }
        kept += keep(ctx, k, klen) ? 1u : 0u;
    }
    int r = emu_mp_put_map(out, kept + (uint32_t)ctx->n_kvs + (ctx->uuid_key ? 1u : 0u));
    m.off = start;
    for (uint32_t i = 0; i < n && r == 0; i++) {
        const char *k;
        uint32_t klen;
        const uint8_t *kstart = m.p + m.off;
        (void)emu_mp_read_strbin(&m, &k, &klen);
        size_t kraw = (size_t)(m.p + m.off - kstart);
        (void)emu_mp_next(&m, &vp, &vl);
        if (keep(ctx, k, klen)) {
            r = emu_buf_append(out, kstart, kraw);
            if (r == 0) {
                r = emu_buf_append(out, vp, vl);
            }
        }
    }
    for (size_t i = 0; i < ctx->n_kvs && r == 0; i++) {
        r = emu_mp_put_str(out, ctx->kvs[i].key, ctx->kvs[i].key_len);
        if (r == 0) {
            r = emu_mp_put_str(out, ctx->kvs[i].val, strlen(ctx->kvs[i].val));
        }
    }
    if (r == 0 && ctx->uuid_key) {
        r = emu_mp_put_str(out, ctx->uuid_key, strlen(ctx->uuid_key));
        if (r == 0) {
            r = put_uuid(out);
        }
    }
    return r;
}

static int cb_rm_filter(const char *data, size_t len, const char *tag, struct emu_buf *out,
                        size_t *ret_n, struct emu_router_filter *ins, void *vctx)
{
    struct rm_ctx *ctx = vctx;
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    size_t n = 0;
    (void)tag;
    while (m.off < m.len) {
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            break;
        }
        size_t save = out->len;
        int r = emu_buf_putc(out, (char)0x92);
        if (r == 0) {
            r = emu_mp_put_eventtime(out, sec, nsec);
        }
        if (r == 0) {
            r = modify(ctx, rec, rec_len, out);
        }
        if (r < 0) {
            out->len = save; /* keep the record as it was */
            if (emu_mp_put_event(out, sec, nsec, rec, rec_len) < 0) {
                emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins), "buffer full");
                return EMU_FILTER_NOTOUCH;
            }
        }
        n++;
    }
    *ret_n = n;
    return EMU_FILTER_MODIFIED;
}

const struct emu_router_filter_plugin filter_record_modifier_plugin = {
    .name = "record_modifier",
    .description = "modify record",
    .options = rm_options,
    .ctx_size = sizeof(struct rm_ctx),
    .cb_init = cb_rm_init,
    .cb_filter = cb_rm_filter,
};
