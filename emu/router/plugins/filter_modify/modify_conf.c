/* SPDX-License-Identifier: Apache-2.0 */
/* filter_modify configuration: each rule ("Set KEY VALUE", "Remove_wildcard PREFIX", ...) and
 * Condition line is split into its quoted parameters, checked for the number the operation
 * takes, and compiled (regular expressions, prepacked MessagePack keys and values). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "emu/base/log.h"
#include "emu/router/config.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"
#include "emu/router/plugins/filter_modify/modify.h"

struct op_def {
    const char *name;
    enum modify_op op;
    int nargs;
    int regex_a, regex_b;
};

static const struct op_def rule_defs[] = {
    {"set", MOD_SET, 2, 0, 0},
    {"add", MOD_ADD, 2, 0, 0},
    {"remove", MOD_REMOVE, 1, 0, 0},
    {"remove_wildcard", MOD_REMOVE_WILDCARD, 1, 0, 0},
    {"remove_regex", MOD_REMOVE_REGEX, 1, 1, 0},
    {"rename", MOD_RENAME, 2, 0, 0},
    {"hard_rename", MOD_HARD_RENAME, 2, 0, 0},
    {"copy", MOD_COPY, 2, 0, 0},
    {"hard_copy", MOD_HARD_COPY, 2, 0, 0},
    {"move_to_start", MOD_MOVE_TO_START, 1, 0, 0},
    {"move_to_end", MOD_MOVE_TO_END, 1, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static const struct op_def cond_defs[] = {
    {"key_exists", MOD_COND_KEY_EXISTS, 1, 0, 0},
    {"key_does_not_exist", MOD_COND_KEY_DOES_NOT_EXIST, 1, 0, 0},
    {"a_key_matches", MOD_COND_A_KEY_MATCHES, 1, 1, 0},
    {"no_key_matches", MOD_COND_NO_KEY_MATCHES, 1, 1, 0},
    {"key_value_equals", MOD_COND_KEY_VALUE_EQUALS, 2, 0, 0},
    {"key_value_does_not_equal", MOD_COND_KEY_VALUE_DOES_NOT_EQUAL, 2, 0, 0},
    {"key_value_matches", MOD_COND_KEY_VALUE_MATCHES, 2, 0, 1},
    {"key_value_does_not_match", MOD_COND_KEY_VALUE_DOES_NOT_MATCH, 2, 0, 1},
    {"matching_keys_have_matching_values", MOD_COND_MATCHING_KEYS_HAVE_MATCHING_VALUES, 2, 1,
     1},
    {"matching_keys_do_not_have_matching_values",
     MOD_COND_MATCHING_KEYS_DO_NOT_HAVE_MATCHING_VALUES, 2, 1, 1},
    {NULL, 0, 0, 0, 0},
};

int modify_split(const char *s, char out[][MODIFY_ARG_MAX], size_t *lens, int max)
{
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (!*s) {
            break;
        }
        if (n >= max) {
            return -EINVAL;
        }
        size_t len = 0;
        if (*s == '"') {
            s++;
            while (*s && *s != '"') {
                if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) {
                    s++;
                }
                if (len + 1 >= MODIFY_ARG_MAX) {
                    return -EINVAL;
                }
                out[n][len++] = *s++;
            }
            if (*s != '"') {
                return -EINVAL;
            }
            s++;
        }
        else {
            while (*s && *s != ' ' && *s != '\t') {
                if (len + 1 >= MODIFY_ARG_MAX) {
                    return -EINVAL;
                }
                out[n][len++] = *s++;
            }
        }
        out[n][len] = '\0';
        lens[n++] = len;
    }
    return n;
}

static int compile_re(OnigRegex *re, const char *pat, size_t len)
{
    OnigErrorInfo einfo;
    return onig_new(re, (const UChar *)pat, (const UChar *)pat + len, ONIG_OPTION_NONE,
                    ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &einfo) == ONIG_NORMAL
               ? 0
               : -EINVAL;
}

/* "$key" is Fluent Bit's record accessor for a top-level key; nested accessors are refused. */
static int plain_key(struct modify_rule *r, char *arg, size_t *len)
{
    if (arg[0] != '$') {
        return 0;
    }
    if (strchr(arg, '[')) {
        return -EINVAL;
    }
    memmove(arg, arg + 1, *len);
    (*len)--;
    (void)r;
    return 0;
}

static int build(struct modify_rule *r, const struct op_def *d, const char *value)
{
    char args[3][MODIFY_ARG_MAX] = {{0}};
    size_t lens[3] = {0, 0, 0};
    int n = modify_split(value, args, lens, 3);
    if (n != d->nargs) {
        return -EINVAL;
    }
    memcpy(r->a, args[0], lens[0] + 1);
    r->a_len = lens[0];
    if (n > 1) {
        memcpy(r->b, args[1], lens[1] + 1);
        r->b_len = lens[1];
    }
    if (!d->regex_a && plain_key(r, r->a, &r->a_len) < 0) {
        return -EINVAL;
    }
    if (r->op == MOD_REMOVE_WILDCARD || r->op == MOD_MOVE_TO_START ||
        r->op == MOD_MOVE_TO_END) {
        if (r->a_len > 0 && r->a[r->a_len - 1] == '*') {
            r->a[--r->a_len] = '\0';
        }
    }
    if ((d->regex_a && compile_re(&r->re_a, r->a, r->a_len) < 0) ||
        (d->regex_b && compile_re(&r->re_b, r->b, r->b_len) < 0)) {
        return -EINVAL;
    }
    emu_buf_init(&r->packed_a, MODIFY_ARG_MAX + 8);
    emu_buf_init(&r->packed_b, MODIFY_ARG_MAX + 8);
    if (emu_mp_put_str(&r->packed_a, r->a, r->a_len) < 0 ||
        emu_mp_put_str(&r->packed_b, r->b, r->b_len) < 0) {
        return -ENOMEM;
    }
    return 0;
}

static const struct op_def *find_def(const struct op_def *defs, const char *name)
{
    for (; defs->name; defs++) {
        if (strcasecmp(defs->name, name) == 0) {
            return defs;
        }
    }
    return NULL;
}

int modify_compile(struct modify_ctx *ctx, const struct emu_router_section *sec,
                   const char *insname)
{
    for (size_t i = 0; sec && i < sec->n_props; i++) {
        const struct emu_router_prop *p = &sec->props[i];
        const struct op_def *d = find_def(rule_defs, p->key);
        const char *value = p->value;
        struct modify_rule *r;
        if (d) {
            if (ctx->n_rules >= MODIFY_RULES_MAX) {
                emu_plg_log(EMU_LOG_ERROR, insname, "too many rules");
                return -EINVAL;
            }
            r = &ctx->rules[ctx->n_rules++];
        }
        else if (strcasecmp(p->key, "condition") == 0) {
            char op[1][MODIFY_ARG_MAX];
            size_t skip = strspn(value, " \t");
            size_t wl = strcspn(value + skip, " \t");
            if (wl == 0 || wl >= MODIFY_ARG_MAX || ctx->n_conds >= MODIFY_RULES_MAX) {
                emu_plg_log(EMU_LOG_ERROR, insname, "invalid condition '%s'", value);
                return -EINVAL;
            }
            memcpy(op[0], value + skip, wl);
            op[0][wl] = '\0';
            d = find_def(cond_defs, op[0]);
            if (!d) {
                emu_plg_log(EMU_LOG_ERROR, insname, "invalid condition '%s'", value);
                return -EINVAL;
            }
            value += skip + wl;
            r = &ctx->conds[ctx->n_conds++];
        }
        else {
            continue; /* Name, Match and the other generic properties */
        }
        memset(r, 0, sizeof(*r));
        r->op = d->op;
        if (build(r, d, value) < 0) {
            emu_plg_log(EMU_LOG_ERROR, insname, "invalid %s '%s': expected %d parameter%s",
                        d->name, p->value, d->nargs, d->nargs > 1 ? "s" : "");
            return -EINVAL;
        }
    }
    if (ctx->n_rules == 0) {
        emu_plg_log(EMU_LOG_ERROR, insname, "no rules configured");
        return -EINVAL;
    }
    return 0;
}

static void release_one(struct modify_rule *r)
{
    if (r->re_a) {
        onig_free(r->re_a);
    }
    if (r->re_b) {
        onig_free(r->re_b);
    }
    emu_buf_done(&r->packed_a);
    emu_buf_done(&r->packed_b);
    r->re_a = r->re_b = NULL;
}

void modify_release(struct modify_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_rules; i++) {
        release_one(&ctx->rules[i]);
    }
    for (size_t i = 0; i < ctx->n_conds; i++) {
        release_one(&ctx->conds[i]);
    }
    ctx->n_rules = ctx->n_conds = 0;
}
