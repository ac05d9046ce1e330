/* SPDX-License-Identifier: Apache-2.0 */
/* [PARSER] sections to parsers, and the json and regex formats: a JSON object or the named
 * captures of a Ruby regular expression (Oniguruma, as Fluent Bit) become the record map; the
 * Time_Key field sets the event time and is dropped unless Time_Keep is on. */
#include "emu/router/parser.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "emu/base/buf.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/mp.h"
#include "emu/router/plugin.h"

static int bool_prop(const struct emu_router_section *sec, const char *key, int def,
                     char *err, size_t err_len)
{
    const char *v = emu_router_section_get(sec, key);
    if (!v) {
        return def;
    }
    int b = emu_router_parse_bool(v);
    if (b < 0) {
        snprintf(err, err_len, "invalid value '%s' for parser property '%s'", v, key);
    }
    return b;
}

static int parse_types(struct emu_router_parser *p, const char *s, char *err, size_t err_len)
{
    static const char *const names[] = {"string", "integer", "float", "bool", "hex"};
    while (*s) {
        s += strspn(s, " \t");
        size_t n = strcspn(s, " \t");
        if (n == 0) {
            break;
        }
        const char *colon = memchr(s, ':', n);
        size_t kl = colon ? (size_t)(colon - s) : 0;
        size_t tl = colon ? n - kl - 1 : 0;
        int type = -1;
        for (int i = 0; colon && i < 5; i++) {
            if (strlen(names[i]) == tl && strncasecmp(colon + 1, names[i], tl) == 0) {
                type = i;
            }
        }
        if (type < 0 || kl == 0 || kl >= EMU_ROUTER_PARSER_NAME_MAX ||
            p->n_types >= EMU_ROUTER_PARSER_TYPES_MAX) {
            snprintf(err, err_len, "invalid Types entry '%.*s'", (int)n, s);
            return -EINVAL;
        }
        memcpy(p->types[p->n_types].key, s, kl);
        p->types[p->n_types].key[kl] = '\0';
        p->types[p->n_types++].type = (enum emu_router_parser_type)type;
        s += n;
    }
    return 0;
}

/* Fluent Bit accepts a regex written as /.../ and strips the slashes. */
static int compile_regex(struct emu_router_parser *p, const char *re, char *err, size_t err_len)
{
    size_t n = strlen(re);
    const UChar *start = (const UChar *)re, *end = (const UChar *)re + n;
    OnigErrorInfo einfo;
    if (n >= 2 && re[0] == '/' && re[n - 1] == '/') {
        start++;
        end--;
    }
    int r = onig_new(&p->re, start, end, ONIG_OPTION_CAPTURE_GROUP, ONIG_ENCODING_UTF8,
                     ONIG_SYNTAX_RUBY, &einfo);
    if (r != ONIG_NORMAL) {
        UChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
        onig_error_code_to_str(msg, r, &einfo);
        snprintf(err, err_len, "invalid Regex in parser '%s': %s", p->name, (char *)msg);
        p->re = NULL;
        return -EINVAL;
    }
    return 0;
}

int emu_router_parser_init(struct emu_router_parser *p, const struct emu_router_section *sec,
                           char *err, size_t err_len)
{
    memset(p, 0, sizeof(*p));
    p->name = emu_router_section_get(sec, "name");
    p->format_name = emu_router_section_get(sec, "format");
    if (!p->name || !*p->name) {
        snprintf(err, err_len, "[PARSER] section without a Name");
        return -EINVAL;
    }
    if (!p->format_name) {
        snprintf(err, err_len, "parser '%s' has no Format", p->name);
        return -EINVAL;
    }
    p->time_key = emu_router_section_get(sec, "time_key");
    p->time_format = emu_router_section_get(sec, "time_format");
    p->time_offset = emu_router_section_get(sec, "time_offset");
    if ((p->time_keep = bool_prop(sec, "time_keep", 0, err, err_len)) < 0 ||
        (p->time_strict = bool_prop(sec, "time_strict", 1, err, err_len)) < 0 ||
        (p->skip_empty = bool_prop(sec, "skip_empty_values", 1, err, err_len)) < 0) {
        return -EINVAL;
    }
    if (p->time_offset && emu_router_parse_utc_offset(p->time_offset, &p->offset_sec) < 0) {
        snprintf(err, err_len, "invalid Time_Offset '%s' in parser '%s'", p->time_offset,
                 p->name);
        return -EINVAL;
    }
    const char *types = emu_router_section_get(sec, "types");
    if (types && parse_types(p, types, err, err_len) < 0) {
        return -EINVAL;
    }
    if (strcasecmp(p->format_name, "json") == 0) {
        p->format = EMU_PARSER_JSON;
        return 0;
    }
    if (strcasecmp(p->format_name, "regex") == 0) {
        const char *re = emu_router_section_get(sec, "regex");
        p->format = EMU_PARSER_REGEX;
        if (!re) {
            snprintf(err, err_len, "parser '%s' has Format regex but no Regex", p->name);
            return -EINVAL;
        }
        return compile_regex(p, re, err, err_len);
    }
    if (strcasecmp(p->format_name, "logfmt") == 0 || strcasecmp(p->format_name, "ltsv") == 0) {
        p->format = EMU_PARSER_UNSUPPORTED;
        return 0;
    }
    snprintf(err, err_len, "parser '%s': unknown Format '%s'", p->name, p->format_name);
    return -EINVAL;
}

void emu_router_parser_done(struct emu_router_parser *p)
{
    if (p->re) {
        onig_free(p->re);
        p->re = NULL;
    }
}

/* JSON: the text must be an object; Time_Key is looked up at the top level. */
static int do_json(const struct emu_router_parser *p, const char *text, size_t len,
                   struct emu_buf *out, int *has_time, int64_t *sec, uint32_t *nsec)
{
    cJSON *root = NULL;
    struct emu_json_error jerr;
    if (emu_json_parse(text, len, &root, &jerr) < 0) {
        return -ENOENT;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -ENOENT;
    }
    if (p->time_key && p->time_format) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(root, p->time_key);
        if (cJSON_IsString(t) &&
            emu_router_parse_timestamp(t->valuestring, strlen(t->valuestring), p->time_format,
                                       p->offset_sec, sec, nsec) == 0) {
            *has_time = 1;
            if (!p->time_keep) {
                cJSON_DeleteItemFromObjectCaseSensitive(root, p->time_key);
            }
        }
    }
    int r = emu_mp_from_cjson(root, out);
    cJSON_Delete(root);
    return r;
}

static int typed_value(const struct emu_router_parser *p, const char *k, size_t kl,
                       const char *v, size_t vl, struct emu_buf *out)
{
    char tmp[64];
    for (size_t i = 0; i < p->n_types; i++) {
        if (strlen(p->types[i].key) != kl || memcmp(p->types[i].key, k, kl) != 0) {
            continue;
        }
        enum emu_router_parser_type t = p->types[i].type;
        if (t == EMU_PTYPE_BOOL) {
            return emu_mp_put_bool(out, vl == 4 && strncasecmp(v, "true", 4) == 0);
        }
        if (t == EMU_PTYPE_STRING || vl >= sizeof(tmp)) {
            break;
        }
        memcpy(tmp, v, vl);
        tmp[vl] = '\0';
        char *end;
        errno = 0;
        if (t == EMU_PTYPE_FLOAT) {
            double d = strtod(tmp, &end);
            return *end || errno ? emu_mp_put_str(out, v, vl) : emu_mp_put_double(out, d);
        }
        long long n = strtoll(tmp, &end, t == EMU_PTYPE_HEX ? 16 : 10);
        return *end || errno || end == tmp ? emu_mp_put_str(out, v, vl)
                                           : emu_mp_put_int(out, n);
    }
    return emu_mp_put_str(out, v, vl);
}

#define NAMES_MAX 128

/* A named group, to emit fields in the order of the groups in the pattern (Fluent Bit's
 * order) rather than Oniguruma's name-table order. */
struct named_group {
    const UChar *name;
    size_t len;
    int group;
};

struct regex_walk {
    const struct emu_router_parser *p;
    const char *text;
    OnigRegion *region;
    struct emu_buf *out;
    struct named_group names[NAMES_MAX];
    size_t n_names;
    uint32_t count;
    int has_time, rc;
    int64_t sec;
    uint32_t nsec;
};

static int collect_name(const UChar *name, const UChar *name_end, int ngroups, int *groups,
                        regex_t *re, void *arg)
{
    struct regex_walk *w = arg;
    (void)re;
    if (w->n_names < NAMES_MAX && ngroups > 0) {
        w->names[w->n_names++] =
            (struct named_group){name, (size_t)(name_end - name), groups[ngroups - 1]};
    }
    return 0;
}

static int cmp_group(const void *a, const void *b)
{
    return ((const struct named_group *)a)->group - ((const struct named_group *)b)->group;
}

static void emit_field(struct regex_walk *w, const struct named_group *ng)
{
    const UChar *name = ng->name;
    size_t kl = ng->len;
    int g = ng->group;
    if (w->rc < 0 || g >= w->region->num_regs || w->region->beg[g] < 0) {
        return;
    }
    const char *v = w->text + w->region->beg[g];
    size_t vl = (size_t)(w->region->end[g] - w->region->beg[g]);
    if (vl == 0 && w->p->skip_empty) {
        return;
    }
    const struct emu_router_parser *p = w->p;
    if (p->time_key && p->time_format && strlen(p->time_key) == kl &&
        memcmp(p->time_key, name, kl) == 0) {
        if (emu_router_parse_timestamp(v, vl, p->time_format, p->offset_sec, &w->sec,
                                       &w->nsec) == 0) {
            w->has_time = 1;
            if (!p->time_keep) {
                return;
            }
        }
    }
    w->rc = emu_mp_put_str(w->out, (const char *)name, kl);
    if (w->rc == 0) {
        w->rc = typed_value(p, (const char *)name, kl, v, vl, w->out);
    }
    w->count++;
}

static int do_regex(const struct emu_router_parser *p, const char *text, size_t len,
                    struct emu_buf *out, int *has_time, int64_t *sec, uint32_t *nsec)
{
    OnigRegion *region = onig_region_new();
    if (!region) {
        return -ENOMEM;
    }
    const UChar *s = (const UChar *)text;
    int m = onig_search(p->re, s, s + len, s, s + len, region, ONIG_OPTION_NONE);
    if (m < 0) {
        onig_region_free(region, 1);
        return -ENOENT;
    }
    /* The map header is written once the number of fields is known. */
    size_t hdr = out->len;
    int r = emu_mp_put_map(out, 0xffffffffu);
    struct regex_walk *w = emu_calloc(1, sizeof(*w));
    if (!w) {
        onig_region_free(region, 1);
        out->len = hdr;
        return -ENOMEM;
    }
    *w = (struct regex_walk){.p = p, .text = text, .region = region, .out = out};
    if (r == 0) {
        (void)onig_foreach_name(p->re, collect_name, w);
        qsort(w->names, w->n_names, sizeof(w->names[0]), cmp_group);
        for (size_t i = 0; i < w->n_names; i++) {
            emit_field(w, &w->names[i]);
        }
        r = w->rc;
    }
    onig_region_free(region, 1);
    struct regex_walk res = *w;
    emu_free(w);
    if (r < 0) {
        out->len = hdr;
        return r;
    }
    uint8_t *h = (uint8_t *)out->data + hdr; /* map32: 0xdf + 4 bytes */
    h[1] = (uint8_t)(res.count >> 24);
    h[2] = (uint8_t)(res.count >> 16);
    h[3] = (uint8_t)(res.count >> 8);
    h[4] = (uint8_t)res.count;
    if (res.has_time) {
        *has_time = 1;
        *sec = res.sec;
        *nsec = res.nsec;
    }
    return 0;
}

int emu_router_parser_do(const struct emu_router_parser *p, const char *text, size_t len,
                         struct emu_buf *out, int *ret_has_time, int64_t *ret_sec,
                         uint32_t *ret_nsec)
{
    *ret_has_time = 0;
    if (len > EMU_ROUTER_PARSER_INPUT_MAX) {
        return -E2BIG;
    }
    switch (p->format) {
    case EMU_PARSER_JSON:
        return do_json(p, text, len, out, ret_has_time, ret_sec, ret_nsec);
    case EMU_PARSER_REGEX:
        return p->re ? do_regex(p, text, len, out, ret_has_time, ret_sec, ret_nsec) : -ENOENT;
    default:
        return -ENOENT;
    }
}
