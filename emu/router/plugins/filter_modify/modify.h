/* SPDX-License-Identifier: Apache-2.0 */
/* filter_modify's rule and condition model, shared by the config side (modify_conf.c: the
 * quoted-argument splitter and rule compilation) and the record side (filter_modify.c). */
#ifndef EMU_ROUTER_FILTER_MODIFY_H
#define EMU_ROUTER_FILTER_MODIFY_H

#include <oniguruma.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"

struct emu_router_section;

enum modify_op {
    MOD_SET = 0,
    MOD_ADD,
    MOD_REMOVE,
    MOD_REMOVE_WILDCARD,
    MOD_REMOVE_REGEX,
    MOD_RENAME,
    MOD_HARD_RENAME,
    MOD_COPY,
    MOD_HARD_COPY,
    MOD_MOVE_TO_START,
    MOD_MOVE_TO_END,
    MOD_COND_KEY_EXISTS,
    MOD_COND_KEY_DOES_NOT_EXIST,
    MOD_COND_A_KEY_MATCHES,
    MOD_COND_NO_KEY_MATCHES,
    MOD_COND_KEY_VALUE_EQUALS,
    MOD_COND_KEY_VALUE_DOES_NOT_EQUAL,
    MOD_COND_KEY_VALUE_MATCHES,
    MOD_COND_KEY_VALUE_DOES_NOT_MATCH,
    MOD_COND_MATCHING_KEYS_HAVE_MATCHING_VALUES,
    MOD_COND_MATCHING_KEYS_DO_NOT_HAVE_MATCHING_VALUES,
};

#define MODIFY_ARG_MAX 1024
#define MODIFY_RULES_MAX 128

struct modify_rule {
    enum modify_op op;
    char a[MODIFY_ARG_MAX], b[MODIFY_ARG_MAX]; /* the parameters, unquoted */
    size_t a_len, b_len;
    OnigRegex re_a, re_b;                      /* regex parameters, compiled */
    struct emu_buf packed_a, packed_b;         /* a and b as MessagePack strings */
};

struct modify_ctx {
    struct modify_rule rules[MODIFY_RULES_MAX];
    size_t n_rules;
    struct modify_rule conds[MODIFY_RULES_MAX];
    size_t n_conds;
};

/* Splits s into at most max space-separated tokens ("double quoted" tokens may hold spaces and
 * \" escapes). Returns the token count or -EINVAL (unterminated quote, too long, too many). */
int modify_split(const char *s, char out[][MODIFY_ARG_MAX], size_t *lens, int max);

/* Compiles the rules and conditions of a [FILTER] section in file order. Returns 0 or -EINVAL
 * after logging under insname. */
int modify_compile(struct modify_ctx *ctx, const struct emu_router_section *sec,
                   const char *insname);
void modify_release(struct modify_ctx *ctx);

#endif
