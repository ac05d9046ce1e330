/* SPDX-License-Identifier: Apache-2.0 */
/* What the audit needs from the router's config (the snapshot under <id>.out/.router, loaded
 * with emu-router's own parser): the grep rules (Onigmo, Ruby syntax, as Fluent Bit compiles
 * them) to tell lines excluded on purpose from lost ones, the outputs that are destinations,
 * and the input's Mem_Buf_Limit / storage.type and the service's Grace for advice. */
#include <errno.h>
#include <oniguruma.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/audit/audit.h"
#include "emu/base/diag.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/plugin.h"

bool emu_audit_tag_match(const char *p, const char *t)
{
    /* '*' matches any run; everything else literally (iterative, with one backtrack point). */
    const char *star = NULL, *resume = NULL;
    while (*t) {
        if (*p == '*') {
            star = p++;
            resume = t;
        }
        else if (*p == *t) {
            p++;
            t++;
        }
        else if (star) {
            p = star + 1;
            t = ++resume;
        }
        else {
            return false;
        }
    }
    while (*p == '*') {
        p++;
    }
    return *p == '\0';
}

static char *dup_or_null(const char *s)
{
    return s ? emu_strdup(s) : NULL;
}

static void add_rule(struct emu_audit_conf *c, const char *match, const char *spec, bool exclude)
{
    if (c->n_rules == EMU_AUDIT_MAX_RULES) {
        c->n_unevaluated++;
        return;
    }
    size_t kl = strcspn(spec, " \t");
    const char *pat = spec + kl + strspn(spec + kl, " \t");
    bool on_log = (kl == 3 && strncmp(spec, "log", 3) == 0) ||
                  (kl == 4 && strncmp(spec, "$log", 4) == 0);
    if (!on_log || !*pat) {
        c->n_unevaluated++;
        return;
    }
    OnigRegex re;
    OnigErrorInfo einfo;
    if (onig_new(&re, (const UChar *)pat, (const UChar *)pat + strlen(pat), ONIG_OPTION_NONE,
                 ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &einfo) != ONIG_NORMAL) {
        c->n_unevaluated++;
        return;
    }
    struct emu_audit_rule *r = &c->rules[c->n_rules++];
    *r = (struct emu_audit_rule){.match = emu_strdup(match ? match : "*"), .exclude = exclude,
                                 .on_log = true, .re = re};
}

static void take_filter(struct emu_audit_conf *c, const struct emu_router_section *s)
{
    const char *name = emu_router_section_get(s, "Name");
    if (!name || strcasecmp(name, "grep") != 0) {
        return;
    }
    const char *op = emu_router_section_get(s, "logical_op");
    if (op && strcasecmp(op, "legacy") != 0) {
        c->n_unevaluated++;
        return;
    }
    const char *match = emu_router_section_get(s, "Match");
    for (size_t i = 0; i < s->n_props; i++) {
        const char *k = s->props[i].key;
        if (strcasecmp(k, "Regex") == 0 || strcasecmp(k, "Exclude") == 0) {
            add_rule(c, match, s->props[i].value, strcasecmp(k, "Exclude") == 0);
        }
    }
}

/* The instance's name in the router's metrics: its Alias, else <plugin>.<N>, N counting the
 * earlier sections of the same plugin (emu-router's and Fluent Bit's naming). */
static void instance_name(char *out, size_t n, const struct emu_router_section *s,
                          const struct emu_router_config *cf, size_t idx)
{
    const char *alias = emu_router_section_get(s, "Alias");
    const char *name = emu_router_section_get(s, "Name");
    if (alias) {
        (void)snprintf(out, n, "%s", alias);
        return;
    }
    unsigned k = 0;
    for (size_t i = 0; i < idx; i++) {
        const char *o = emu_router_section_get(&cf->sections[i], "Name");
        k += cf->sections[i].kind == s->kind && o && strcasecmp(o, name) == 0;
    }
    size_t len = strlen(name) < n - 16 ? strlen(name) : n - 16;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    (void)snprintf(out + len, n - len, ".%u", k);
}

static void take_output(struct emu_audit_conf *c, const struct emu_router_config *cf, size_t idx)
{
    const struct emu_router_section *s = &cf->sections[idx];
    const char *name = emu_router_section_get(s, "Name");
    if (!name || c->n_outputs == EMU_AUDIT_MAX_OUTPUTS) {
        return;
    }
    struct emu_audit_output *o = &c->outputs[c->n_outputs++];
    const char *stream = emu_router_section_get(s, "log_stream_name");
    *o = (struct emu_audit_output){
        .plugin = emu_strdup(name),
        .match = dup_or_null(emu_router_section_get(s, "Match")),
        .bucket = dup_or_null(emu_router_section_get(s, "bucket")),
        .key_format = dup_or_null(emu_router_section_get(s, "s3_key_format")),
        .group = dup_or_null(emu_router_section_get(s, "log_group_name")),
        .stream_name = dup_or_null(stream),
        .stream_prefix = dup_or_null(emu_router_section_get(s, "log_stream_prefix")),
        .retry_limit = dup_or_null(emu_router_section_get(s, "Retry_Limit")),
        .line = s->line};
    instance_name(o->instance, sizeof(o->instance), s, cf, idx);
}

static void copy_val(char *dst, size_t n, const char *v)
{
    if (v) {
        (void)snprintf(dst, n, "%s", v);
    }
}

static void take(struct emu_audit_conf *c, const struct emu_router_config *cf)
{
    for (size_t i = 0; i < cf->n_sections; i++) {
        const struct emu_router_section *s = &cf->sections[i];
        const char *name = emu_router_section_get(s, "Name");
        switch (s->kind) {
        case EMU_RSEC_SERVICE: {
            copy_val(c->grace, sizeof(c->grace), emu_router_section_get(s, "Grace"));
            const char *http = emu_router_section_get(s, "HTTP_Server");
            c->http_server = http ? emu_router_parse_bool(http) == 1 : c->http_server;
            break;
        }
        case EMU_RSEC_INPUT:
            if (name && strcasecmp(name, "forward") == 0 && c->n_forward < 8) {
                instance_name(c->forward[c->n_forward], sizeof(c->forward[0]), s, cf, i);
                c->n_forward++;
            }
            if (name && strcasecmp(name, "forward") == 0 && !c->mem_buf_limit[0]) {
                copy_val(c->mem_buf_limit, sizeof(c->mem_buf_limit),
                         emu_router_section_get(s, "Mem_Buf_Limit"));
                copy_val(c->storage_type, sizeof(c->storage_type),
                         emu_router_section_get(s, "storage.type"));
            }
            break;
        case EMU_RSEC_FILTER:
            take_filter(c, s);
            break;
        case EMU_RSEC_OUTPUT:
            take_output(c, cf, i);
            break;
        default:
            break;
        }
    }
    c->loaded = true;
}

static void set_error(struct emu_audit_conf *c, int r, struct emu_diags *d)
{
    (void)snprintf(c->error, sizeof(c->error), "%s",
                   d->n > 0 ? d->items[0].message : r == -ENOENT ? "no such file" : "unreadable");
}

int emu_audit_conf_load(const char *out_dir, struct emu_audit_conf *c)
{
    char root[4096], main_path[4096], path[8200];
    memset(c, 0, sizeof(*c));
    (void)snprintf(root, sizeof(root), "%s/%s", out_dir, EMU_OUTPUT_ROUTER_DIR);
    emu_output_router_main(out_dir, main_path, sizeof(main_path));
    (void)snprintf(path, sizeof(path), "%s%s", root, main_path);
    struct emu_router_config_env env = {.root = root};
    struct emu_router_config *cf = NULL;
    struct emu_diags d;
    emu_diags_init(&d);
    int r = emu_router_config_load(path, &env, &cf, &d);
    if (r == 0) {
        take(c, cf);
    }
    else {
        set_error(c, r, &d);
    }
    emu_diags_done(&d);
    emu_router_config_free(cf);
    return r;
}

int emu_audit_conf_parse(const char *name, const char *text, size_t len,
                         struct emu_audit_conf *c)
{
    memset(c, 0, sizeof(*c));
    struct emu_router_config_env env = {.no_include = 1};
    struct emu_router_config *cf = NULL;
    struct emu_diags d;
    emu_diags_init(&d);
    int r = emu_router_config_load_buffer(name, text, len, &env, &cf, &d);
    if (r == 0) {
        take(c, cf);
    }
    else {
        set_error(c, r, &d);
    }
    emu_diags_done(&d);
    emu_router_config_free(cf);
    return r;
}

void emu_audit_conf_done(struct emu_audit_conf *c)
{
    for (size_t i = 0; i < c->n_rules; i++) {
        emu_free(c->rules[i].match);
        onig_free((OnigRegex)c->rules[i].re);
    }
    for (size_t i = 0; i < c->n_outputs; i++) {
        struct emu_audit_output *o = &c->outputs[i];
        emu_free(o->plugin);
        emu_free(o->match);
        emu_free(o->bucket);
        emu_free(o->key_format);
        emu_free(o->group);
        emu_free(o->stream_name);
        emu_free(o->stream_prefix);
        emu_free(o->retry_limit);
    }
    memset(c, 0, sizeof(*c));
}

bool emu_audit_conf_excluded(const struct emu_audit_conf *c, const char *tag, const char *text,
                             size_t len)
{
    const UChar *u = (const UChar *)text;
    for (size_t i = 0; i < c->n_rules; i++) {
        const struct emu_audit_rule *r = &c->rules[i];
        if (!emu_audit_tag_match(r->match, tag)) {
            continue;
        }
        bool m = onig_search((OnigRegex)r->re, u, u + len, u, u + len, NULL,
                             ONIG_OPTION_NONE) >= 0;
        if (r->exclude ? m : !m) {
            return true;
        }
    }
    return false;
}
