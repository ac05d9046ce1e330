/* SPDX-License-Identifier: Apache-2.0 */
/* Option tables applied to plugin contexts: Fluent Bit's value syntax for sizes ("5M"), times
 * ("10s", "1m") and booleans, defaults written before the user's properties. */
#include "emu/router/plugin.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_int(const char *s, int64_t *ret, char **end)
{
    errno = 0;
    long long v = strtoll(s, end, 10);
    if (errno || *end == s) {
        return -EINVAL;
    }
    *ret = v;
    return 0;
}

int emu_router_parse_size(const char *s, int64_t *ret)
{
    char *end;
    int64_t v;
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (parse_int(s, &v, &end) < 0 || v < 0) {
        return -EINVAL;
    }
    int64_t mul = 1;
    char u = (char)toupper((unsigned char)*end);
    if (u == 'K' || u == 'M' || u == 'G') {
        mul = u == 'K' ? 1000 : u == 'M' ? 1000000 : 1000000000;
        end++;
        if (toupper((unsigned char)*end) == 'B') {
            end++;
        }
    }
    else if (u == 'B') {
        end++;
    }
    if (*end || v > INT64_MAX / mul) {
        return -EINVAL;
    }
    *ret = v * mul;
    return 0;
}

int emu_router_parse_time(const char *s, int64_t *ret)
{
    char *end;
    int64_t v;
    if (parse_int(s, &v, &end) < 0 || v < 0) {
        return -EINVAL;
    }
    int64_t mul = 1;
    switch (tolower((unsigned char)*end)) {
    case '\0':
        break;
    case 's':
        end++;
        break;
    case 'm':
        mul = 60;
        end++;
        break;
    case 'h':
        mul = 3600;
        end++;
        break;
    case 'd':
        mul = 86400;
        end++;
        break;
    default:
        return -EINVAL;
    }
    if (*end || v > INT64_MAX / mul) {
        return -EINVAL;
    }
    *ret = v * mul;
    return 0;
}

int emu_router_parse_bool(const char *s)
{
    static const char *const yes[] = {"true", "on", "yes"};
    static const char *const no[] = {"false", "off", "no"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            return 1;
        }
        if (strcasecmp(s, no[i]) == 0) {
            return 0;
        }
    }
    return -EINVAL;
}

const struct emu_router_option *emu_router_option_find(const struct emu_router_option *table,
                                                       const char *name)
{
    for (; table && table->name; table++) {
        if (strcasecmp(table->name, name) == 0) {
            return table;
        }
    }
    return NULL;
}

static const char *type_name(enum emu_router_opt_type t)
{
    switch (t) {
    case EMU_ROPT_INT:
        return "an integer";
    case EMU_ROPT_BOOL:
        return "a boolean (on/off, true/false, yes/no)";
    case EMU_ROPT_DOUBLE:
        return "a number";
    case EMU_ROPT_SIZE:
        return "a size (e.g. 32000, 32k, 5M)";
    case EMU_ROPT_TIME:
        return "a time (e.g. 10, 10s, 5m, 1h)";
    default:
        return "a string";
    }
}

int emu_router_option_set(const struct emu_router_option *opt, void *ctx, const char *value,
                          unsigned line, char *err, size_t err_len)
{
    char *base = ctx;
    int64_t iv = 0;
    char *end;
    int r = 0;
    if (opt->type == EMU_ROPT_DEPRECATED || opt->offset == EMU_ROPT_NOSTORE) {
        return 0;
    }
    if (opt->flags & EMU_ROPT_MULT) {
        struct emu_router_strlist *l = (struct emu_router_strlist *)(void *)(base + opt->offset);
        if (l->n >= EMU_ROUTER_STRLIST_MAX) {
            snprintf(err, err_len, "too many '%s' properties", opt->name);
            return -EINVAL;
        }
        l->line[l->n] = line;
        l->v[l->n++] = value;
        return 0;
    }
    switch (opt->type) {
    case EMU_ROPT_STR:
        memcpy(base + opt->offset, &value, sizeof(value));
        return 0;
    case EMU_ROPT_INT:
        r = parse_int(value, &iv, &end);
        if (r == 0 && *end) {
            r = -EINVAL;
        }
        break;
    case EMU_ROPT_SIZE:
        r = emu_router_parse_size(value, &iv);
        break;
    case EMU_ROPT_TIME:
        r = emu_router_parse_time(value, &iv);
        break;
    case EMU_ROPT_BOOL: {
        int b = emu_router_parse_bool(value);
        if (b >= 0) {
            memcpy(base + opt->offset, &b, sizeof(b));
            return 0;
        }
        r = -EINVAL;
        break;
    }
    case EMU_ROPT_DOUBLE: {
        errno = 0;
        double d = strtod(value, &end);
        if (errno == 0 && end != value && !*end) {
            memcpy(base + opt->offset, &d, sizeof(d));
            return 0;
        }
        r = -EINVAL;
        break;
    }
    default:
        return 0;
    }
    if (r < 0) {
        snprintf(err, err_len, "invalid value '%s' for property '%s': expected %s", value,
                 opt->name, type_name(opt->type));
        return -EINVAL;
    }
    memcpy(base + opt->offset, &iv, sizeof(iv));
    return 0;
}

int emu_router_options_defaults(const struct emu_router_option *table, void *ctx)
{
    char err[256];
    for (; table && table->name; table++) {
        if (!table->def || (table->flags & EMU_ROPT_MULT)) {
            continue;
        }
        if (emu_router_option_set(table, ctx, table->def, 0, err, sizeof(err)) < 0) {
            return -EINVAL;
        }
    }
    return 0;
}
