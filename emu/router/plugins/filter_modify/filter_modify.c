/* SPDX-License-Identifier: Apache-2.0 */
/* filter_modify: when every Condition holds for a record, applies its rules in the order they
 * are written, each on the result of the previous one (Set, Add, Remove, Remove_wildcard,
 * Remove_regex, Rename, Hard_rename, Copy, Hard_copy, Move_to_start, Move_to_end). A record is
 * held as a list of key/value slices into the original bytes or the rules' prepacked strings. */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"
#include "emu/router/plugins/filter_modify/modify.h"

#define KV_MAX 65536

struct kv {
    const uint8_t *key; /* packed key */
    size_t key_len;
    const char *k;      /* key text */
    uint32_t kl;
    const uint8_t *val; /* packed value */
    size_t val_len;
};

struct fm_ctx {
    struct modify_ctx mc;
    struct kv *kvs;
    size_t cap;
};

static const struct emu_router_option fm_options[] = {
    {EMU_ROPT_STR, "set", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Add a key/value pair, overwriting KEY: 'KEY VALUE'."},
    {EMU_ROPT_STR, "add", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Add a key/value pair if KEY does not exist: 'KEY VALUE'."},
    {EMU_ROPT_STR, "remove", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE, "Remove KEY."},
    {EMU_ROPT_STR, "remove_wildcard", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Remove every key starting with the wildcard KEY."},
    {EMU_ROPT_STR, "remove_regex", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Remove every key matching the regular expression."},
    {EMU_ROPT_STR, "rename", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Rename KEY to RENAMED_KEY if RENAMED_KEY does not exist."},
    {EMU_ROPT_STR, "hard_rename", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Rename KEY to RENAMED_KEY, overwriting RENAMED_KEY."},
    {EMU_ROPT_STR, "copy", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Copy KEY to COPIED_KEY if COPIED_KEY does not exist."},
    {EMU_ROPT_STR, "hard_copy", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Copy KEY to COPIED_KEY, overwriting COPIED_KEY."},
    {EMU_ROPT_STR, "move_to_start", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Move keys matching the wildcard KEY to the start."},
    {EMU_ROPT_STR, "move_to_end", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Move keys matching the wildcard KEY to the end."},
    {EMU_ROPT_STR, "condition", NULL, EMU_ROPT_MULT, EMU_ROPT_NOSTORE,
     "Apply the rules only when every condition holds: 'Key_exists KEY', ..."},
    {0, NULL, NULL, 0, 0, NULL},
};

static int cb_fm_init(struct emu_router_filter *ins, void *data)
{
    struct fm_ctx *ctx = data;
    return modify_compile(&ctx->mc, emu_router_filter_section(ins), emu_router_filter_name(ins));
}

static void cb_fm_exit(struct emu_router_filter *ins, void *data)
{
    struct fm_ctx *ctx = data;
    (void)ins;
    modify_release(&ctx->mc);
    emu_free(ctx->kvs);
    ctx->kvs = NULL;
}

static int key_is(const struct kv *kv, const char *k, size_t kl)
{
    return kv->kl == kl && memcmp(kv->k, k, kl) == 0;
}

static int re_hit(OnigRegex re, const char *s, size_t len)
{
    const UChar *u = (const UChar *)s;
    return onig_search(re, u, u + len, u, u + len, NULL, ONIG_OPTION_NONE) >= 0;
}

/* The value as a string (str or bin), or NULL. */
static const char *val_str(const struct kv *kv, uint32_t *len)
{
    struct emu_mp m = {.p = kv->val, .len = kv->val_len};
    const char *s;
    return emu_mp_read_strbin(&m, &s, len) == 0 ? s : NULL;
}

static int cond_holds(const struct modify_rule *c, const struct kv *kvs, size_t n)
{
    int found = 0, all = 1;
    for (size_t i = 0; i < n; i++) {
        const struct kv *kv = &kvs[i];
        uint32_t vl = 0;
        const char *v;
        switch (c->op) {
        case MOD_COND_KEY_EXISTS:
        case MOD_COND_KEY_DOES_NOT_EXIST:
            found |= key_is(kv, c->a, c->a_len);
            break;
        case MOD_COND_A_KEY_MATCHES:
        case MOD_COND_NO_KEY_MATCHES:
            found |= re_hit(c->re_a, kv->k, kv->kl);
            break;
        case MOD_COND_KEY_VALUE_EQUALS:
        case MOD_COND_KEY_VALUE_DOES_NOT_EQUAL:
        case MOD_COND_KEY_VALUE_MATCHES:
        case MOD_COND_KEY_VALUE_DOES_NOT_MATCH:
            if (key_is(kv, c->a, c->a_len) && (v = val_str(kv, &vl))) {
                int eq = c->op == MOD_COND_KEY_VALUE_EQUALS ||
                                 c->op == MOD_COND_KEY_VALUE_DOES_NOT_EQUAL
                             ? vl == c->b_len && memcmp(v, c->b, vl) == 0
                             : re_hit(c->re_b, v, vl);
                found |= eq ? 1 : 2;
            }
            break;
        default: /* matching keys */
            if (re_hit(c->re_a, kv->k, kv->kl)) {
                v = val_str(kv, &vl);
                int hit = v && re_hit(c->re_b, v, vl);
                found = 1;
                all &= c->op == MOD_COND_MATCHING_KEYS_HAVE_MATCHING_VALUES ? hit : !hit;
            }
            break;
        }
    }
    switch (c->op) {
    case MOD_COND_KEY_EXISTS:
    case MOD_COND_A_KEY_MATCHES:
        return found;
    case MOD_COND_KEY_DOES_NOT_EXIST:
    case MOD_COND_NO_KEY_MATCHES:
        return !found;
    case MOD_COND_KEY_VALUE_EQUALS:
    case MOD_COND_KEY_VALUE_MATCHES:
        return (found & 1) != 0;
    case MOD_COND_KEY_VALUE_DOES_NOT_EQUAL:
    case MOD_COND_KEY_VALUE_DOES_NOT_MATCH:
        return found == 2;
    default:
        return found && all;
    }
}

static size_t remove_if(struct kv *kvs, size_t n, const struct modify_rule *r, int how)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        const struct kv *kv = &kvs[i];
        int drop = how == 0   ? key_is(kv, r->a, r->a_len)
                   : how == 1 ? kv->kl >= r->a_len && memcmp(kv->k, r->a, r->a_len) == 0
                   : how == 2 ? re_hit(r->re_a, kv->k, kv->kl)
                              : key_is(kv, r->b, r->b_len);
        if (!drop) {
            kvs[w++] = *kv;
        }
    }
    return w;
}

static struct kv packed_kv(const struct emu_buf *key, const char *k, size_t kl,
                           const uint8_t *val, size_t val_len)
{
    return (struct kv){(const uint8_t *)key->data, key->len, k, (uint32_t)kl, val, val_len};
}

static ssize_t find(const struct kv *kvs, size_t n, const char *k, size_t kl)
{
    for (size_t i = 0; i < n; i++) {
        if (key_is(&kvs[i], k, kl)) {
            return (ssize_t)i;
        }
    }
    return -1;
}

/* Moves the keys starting with r->a to the start or the end, keeping their order. */
static void move_keys(struct kv *kvs, size_t n, const struct modify_rule *r, int to_end)
{
    for (size_t pass = 0, moved = 0; pass < n; pass++) {
        size_t i = to_end ? n - 1 - pass : pass;
        if (kvs[i].kl < r->a_len || memcmp(kvs[i].k, r->a, r->a_len) != 0) {
            continue;
        }
        struct kv tmp = kvs[i];
        if (to_end) {
            memmove(&kvs[i], &kvs[i + 1], (n - 1 - moved - i) * sizeof(tmp));
            kvs[n - 1 - moved] = tmp;
        }
        else {
            memmove(&kvs[moved + 1], &kvs[moved], (i - moved) * sizeof(tmp));
            kvs[moved] = tmp;
        }
        moved++;
    }
}

/* Applies one rule; n has room for one more entry. Returns the new count. */
static size_t apply(const struct modify_rule *r, struct kv *kvs, size_t n)
{
    ssize_t at;
    switch (r->op) {
    case MOD_SET:
        n = remove_if(kvs, n, r, 0);
        __attribute__((fallthrough));
    case MOD_ADD:
        if (find(kvs, n, r->a, r->a_len) < 0) {
            kvs[n++] = packed_kv(&r->packed_a, r->a, r->a_len, (const uint8_t *)r->packed_b.data,
                                 r->packed_b.len);
        }
        return n;
    case MOD_REMOVE:
        return remove_if(kvs, n, r, 0);
    case MOD_REMOVE_WILDCARD:
        return remove_if(kvs, n, r, 1);
    case MOD_REMOVE_REGEX:
        return remove_if(kvs, n, r, 2);
    case MOD_RENAME:
    case MOD_HARD_RENAME:
    case MOD_COPY:
    case MOD_HARD_COPY:
        at = find(kvs, n, r->a, r->a_len);
        if (at < 0 || (r->a_len == r->b_len && memcmp(r->a, r->b, r->a_len) == 0) ||
            (find(kvs, n, r->b, r->b_len) >= 0 && (r->op == MOD_RENAME || r->op == MOD_COPY))) {
            return n;
        }
        {
            struct kv src = kvs[at];
            n = remove_if(kvs, n, r, 3);
            at = find(kvs, n, r->a, r->a_len);
            struct kv nkv = packed_kv(&r->packed_b, r->b, r->b_len, src.val, src.val_len);
            if (r->op == MOD_RENAME || r->op == MOD_HARD_RENAME) {
                kvs[at] = nkv;
            }
            else {
                kvs[n++] = nkv;
            }
        }
        return n;
    case MOD_MOVE_TO_START:
    case MOD_MOVE_TO_END:
        move_keys(kvs, n, r, r->op == MOD_MOVE_TO_END);
        return n;
    default:
        return n;
    }
}

/* Rewrites one record into out; 0 when unchanged (nothing written), 1 when written. */
static int modify_record(void *vctx, int64_t sec, uint32_t nsec, const uint8_t *rec,
                         size_t rec_len, struct emu_buf *out)
{
    struct fm_ctx *ctx = vctx;
    struct emu_mp m = {.p = rec, .len = rec_len};
    uint32_t n;
    if (emu_mp_read_map(&m, &n) < 0 || n + ctx->mc.n_rules >= KV_MAX) {
        return 0;
    }
    size_t need = (size_t)n + ctx->mc.n_rules + 1;
    if (need > ctx->cap) {
        struct kv *a = emu_realloc(ctx->kvs, need * sizeof(*a));
        if (!a) {
            return -ENOMEM;
        }
        ctx->kvs = a;
        ctx->cap = need;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct kv *kv = &ctx->kvs[i];
        size_t ks = m.off;
        if (emu_mp_read_strbin(&m, &kv->k, &kv->kl) < 0) {
            return 0; /* a non-string key: left alone */
        }
        kv->key = rec + ks;
        kv->key_len = m.off - ks;
        if (emu_mp_next(&m, &kv->val, &kv->val_len) < 0) {
            return 0;
        }
    }
    for (size_t i = 0; i < ctx->mc.n_conds; i++) {
        if (!cond_holds(&ctx->mc.conds[i], ctx->kvs, n)) {
            return 0;
        }
    }
    size_t cnt = n;
    for (size_t i = 0; i < ctx->mc.n_rules; i++) {
        cnt = apply(&ctx->mc.rules[i], ctx->kvs, cnt);
    }
    int r = emu_buf_putc(out, (char)0x92);
    if (r == 0) {
        r = emu_mp_put_eventtime(out, sec, nsec);
    }
    if (r == 0) {
        r = emu_mp_put_map(out, (uint32_t)cnt);
    }
    for (size_t i = 0; i < cnt && r == 0; i++) {
        r = emu_buf_append(out, ctx->kvs[i].key, ctx->kvs[i].key_len);
        if (r == 0) {
            r = emu_buf_append(out, ctx->kvs[i].val, ctx->kvs[i].val_len);
        }
    }
    return r < 0 ? r : 1;
}

static int cb_fm_filter(const char *data, size_t len, const char *tag, struct emu_buf *out,
                        size_t *ret_n, struct emu_router_filter *ins, void *vctx)
{
    (void)tag;
    return emu_router_filter_rewrite_each(data, len, out, ret_n, ins, modify_record, vctx);
}

const struct emu_router_filter_plugin filter_modify_plugin = {
    .name = "modify",
    .description = "modify records by applying rules",
    .options = fm_options,
    .ctx_size = sizeof(struct fm_ctx),
    .cb_init = cb_fm_init,
    .cb_filter = cb_fm_filter,
    .cb_exit = cb_fm_exit,
};
