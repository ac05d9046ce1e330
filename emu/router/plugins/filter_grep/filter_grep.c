/* SPDX-License-Identifier: Apache-2.0 */
/* filter_grep: keeps records whose field matches every Regex and drops those matching an
 * Exclude (Fluent Bit's legacy rule order), or combines rules with logical_op AND/OR. Patterns
 * are Ruby regular expressions through Oniguruma; keys are plain or $key['sub'] accessors. */
#include <errno.h>
#include <oniguruma.h>
#include <string.h>
#include <strings.h>

#include "emu/base/buf.h"
#include "emu/base/log.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

#define PATH_MAX_PARTS 8

struct rule {
    int exclude;
    char path[PATH_MAX_PARTS][128];
    size_t n_path;
    OnigRegex re;
};

struct grep_ctx {
    struct emu_router_strlist regex, exclude;
    const char *logical_op;
    int op; /* 0 legacy, 1 AND, 2 OR */
    struct rule rules[2 * EMU_ROUTER_STRLIST_MAX];
    size_t n_rules;
};

#define OFF(f) offsetof(struct grep_ctx, f)

static const struct emu_router_option grep_options[] = {
    {EMU_ROPT_STR, "regex", NULL, EMU_ROPT_MULT, OFF(regex),
     "Keep records whose KEY matches REGEX: 'KEY REGEX'."},
    {EMU_ROPT_STR, "exclude", NULL, EMU_ROPT_MULT, OFF(exclude),
     "Drop records whose KEY matches REGEX: 'KEY REGEX'."},
    {EMU_ROPT_STR, "logical_op", "legacy", 0, OFF(logical_op),
     "How rules combine: legacy, AND or OR."},
    {0, NULL, NULL, 0, 0, NULL},
};

/* "log", "$log", "$kubernetes['labels']['app']" -> path parts. */
static int parse_key(struct rule *r, const char *k, size_t kl)
{
    size_t i = 0;
    if (kl > 0 && k[0] == '$') {
        i = 1;
    }
    size_t end = i;
    while (end < kl && k[end] != '[') {
        end++;
    }
    if (end == i || end - i >= sizeof(r->path[0])) {
        return -1;
    }
    memcpy(r->path[0], k + i, end - i);
    r->n_path = 1;
    i = end;
    while (i < kl) {
        if (kl - i < 4 || k[i] != '[' || (k[i + 1] != '\'' && k[i + 1] != '"')) {
            return -1;
        }
        char q = k[i + 1];
        const char *close = memchr(k + i + 2, q, kl - i - 2);
        size_t pl = close ? (size_t)(close - (k + i + 2)) : 0;
        if (!close || (size_t)(close - k) + 1 >= kl || close[1] != ']' || pl == 0 ||
            pl >= sizeof(r->path[0]) || r->n_path >= PATH_MAX_PARTS) {
            return -1;
        }
        memcpy(r->path[r->n_path++], k + i + 2, pl);
        i = (size_t)(close - k) + 2;
    }
    return 0;
}

static int add_rules(struct emu_router_filter *ins, struct grep_ctx *ctx,
                     const struct emu_router_strlist *l, int exclude)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->v[i];
        size_t kl = strcspn(s, " \t");
        const char *pat = s + kl + strspn(s + kl, " \t");
        struct rule *r = &ctx->rules[ctx->n_rules];
        memset(r, 0, sizeof(*r));
        r->exclude = exclude;
        OnigErrorInfo einfo;
        if (!*pat || parse_key(r, s, kl) < 0 ||
            onig_new(&r->re, (const UChar *)pat, (const UChar *)pat + strlen(pat),
                     ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY,
                     &einfo) != ONIG_NORMAL) {
            emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins), "invalid %s rule '%s'",
                        exclude ? "Exclude" : "Regex", s);
            return -EINVAL;
        }
        ctx->n_rules++;
    }
    return 0;
}

static int cb_grep_init(struct emu_router_filter *ins, void *data)
{
    struct grep_ctx *ctx = data;
    if (strcasecmp(ctx->logical_op, "legacy") == 0) {
        ctx->op = 0;
    }
    else if (strcasecmp(ctx->logical_op, "and") == 0) {
        ctx->op = 1;
    }
    else if (strcasecmp(ctx->logical_op, "or") == 0) {
        ctx->op = 2;
    }
    else {
        emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins), "invalid logical_op '%s'",
                    ctx->logical_op);
        return -EINVAL;
    }
    if (ctx->op != 0 && ctx->regex.n > 0 && ctx->exclude.n > 0) {
        emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins),
                    "Regex and Exclude cannot be mixed with logical_op %s", ctx->logical_op);
        return -EINVAL;
    }
    int r = add_rules(ins, ctx, &ctx->regex, 0);
    return r < 0 ? r : add_rules(ins, ctx, &ctx->exclude, 1);
}

/* Finds the string at the rule's path in a record; 0 and s/len, or -1. */
static int lookup(const struct rule *rule, const uint8_t *rec, size_t rec_len, const char **s,
                  uint32_t *len)
{
    struct emu_mp m = {.p = rec, .len = rec_len};
    for (size_t part = 0; part < rule->n_path; part++) {
        uint32_t n;
        int found = 0;
        if (emu_mp_read_map(&m, &n) < 0) {
            return -1;
        }
        size_t pl = strlen(rule->path[part]);
        for (uint32_t i = 0; i < n && !found; i++) {
            const char *k;
            uint32_t kl;
            if (emu_mp_read_strbin(&m, &k, &kl) < 0) {
                return -1;
            }
            if (kl == pl && memcmp(k, rule->path[part], pl) == 0) {
                found = 1;
            }
            else if (emu_mp_next(&m, NULL, NULL) < 0) {
                return -1;
            }
        }
        if (!found) {
            return -1;
        }
    }
    return emu_mp_read_strbin(&m, s, len) < 0 ? -1 : 0;
}

static int rule_matches(const struct rule *r, const uint8_t *rec, size_t rec_len)
{
    const char *s;
    uint32_t len;
    if (lookup(r, rec, rec_len, &s, &len) < 0) {
        return 0;
    }
    const UChar *u = (const UChar *)s;
    return onig_search(r->re, u, u + len, u, u + len, NULL, ONIG_OPTION_NONE) >= 0;
}

static int keep_record(const struct grep_ctx *ctx, const uint8_t *rec, size_t rec_len)
{
    if (ctx->op == 0) {
        for (size_t i = 0; i < ctx->n_rules; i++) {
            int m = rule_matches(&ctx->rules[i], rec, rec_len);
            if (ctx->rules[i].exclude ? m : !m) {
                return 0;
            }
        }
        return 1;
    }
    int any = 0, all = 1;
    for (size_t i = 0; i < ctx->n_rules; i++) {
        int m = rule_matches(&ctx->rules[i], rec, rec_len);
        any |= m;
        all &= m;
    }
    int hit = ctx->op == 1 ? all : any;
    return ctx->exclude.n > 0 ? !hit : hit;
}

static int cb_grep_filter(const char *data, size_t len, const char *tag, struct emu_buf *out,
                          size_t *ret_n, struct emu_router_filter *ins, void *vctx)
{
    struct grep_ctx *ctx = vctx;
    struct emu_mp m = {.p = (const uint8_t *)data, .len = len};
    size_t n = 0, dropped = 0;
    (void)tag;
    while (m.off < m.len) {
        size_t start = m.off;
        int64_t sec;
        uint32_t nsec;
        const uint8_t *rec;
        size_t rec_len;
        if (emu_mp_read_event(&m, &sec, &nsec, &rec, &rec_len) < 0) {
            break;
        }
        if (!keep_record(ctx, rec, rec_len)) {
            dropped++;
            continue;
        }
        if (emu_buf_append(out, data + start, m.off - start) < 0) {
            emu_plg_log(EMU_LOG_ERROR, emu_router_filter_name(ins), "buffer full");
            return EMU_FILTER_NOTOUCH;
        }
        n++;
    }
    if (dropped == 0) {
        return EMU_FILTER_NOTOUCH;
    }
    *ret_n = n;
    return EMU_FILTER_MODIFIED;
}

static void cb_grep_exit(struct emu_router_filter *ins, void *data)
{
    struct grep_ctx *ctx = data;
    (void)ins;
    for (size_t i = 0; i < ctx->n_rules; i++) {
        onig_free(ctx->rules[i].re);
    }
    ctx->n_rules = 0;
}

const struct emu_router_filter_plugin filter_grep_plugin = {
    .name = "grep",
    .description = "grep events by specified field values",
    .options = grep_options,
    .ctx_size = sizeof(struct grep_ctx),
    .cb_init = cb_grep_init,
    .cb_filter = cb_grep_filter,
    .cb_exit = cb_grep_exit,
};
