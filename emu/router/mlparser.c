/* SPDX-License-Identifier: Apache-2.0 */
/* [MULTILINE_PARSER] sections to multiline parsers: name, type regex, parser, key_content,
 * flush_timeout and `rule "state[,state]" "/regex/" "next"` lines, each checked with an error
 * naming its own line. The first rule must be a start_state rule, as Fluent Bit's docs say. */
#include "emu/router/mlparser.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/router/config.h"
#include "emu/router/plugin.h"

#define FIELD_MAX 8192

void emu_router_ml_rule_done(struct emu_router_ml_rule *r)
{
    for (size_t i = 0; i < r->n_from; i++) {
        emu_free(r->from[i]);
    }
    if (r->re) {
        onig_free(r->re);
    }
    emu_free(r->to);
    memset(r, 0, sizeof(*r));
}

void emu_router_ml_parser_done(struct emu_router_ml_parser *p)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        emu_router_ml_rule_done(&p->rules[i]);
    }
    emu_free(p->rules);
    emu_free(p->name);
    emu_free(p->key_content);
    emu_free(p->parser);
    memset(p, 0, sizeof(*p));
}

/* Reads one double-quoted field at *s into out (\" and \\" are a quote; every other backslash
 * is kept for the regex). Returns its length, or -1 (no field, unterminated, too long). */
static int read_field(const char **s, char *out, size_t cap)
{
    const char *p = *s + strspn(*s, " \t");
    size_t n = 0;
    if (*p != '"') {
        return -1;
    }
    for (p++; *p && *p != '"'; p++) {
        if (p[0] == '\\' && p[1] == '"') {
            p++;
        }
        if (n + 1 >= cap) {
            return -1;
        }
        out[n++] = *p;
    }
    if (*p != '"') {
        return -1;
    }
    out[n] = '\0';
    *s = p + 1;
    return (int)n;
}

static int compile(struct emu_router_ml_rule *r, char *re, char *err, size_t err_len)
{
    OnigOptionType opts = ONIG_OPTION_NONE;
    size_t n = strlen(re);
    char *start = re, *end = re + n;
    char *last = strrchr(re, '/');
    if (n >= 2 && re[0] == '/' && last > re && strspn(last + 1, "imx") == strlen(last + 1)) {
        for (const char *f = last + 1; *f; f++) {
            opts |= *f == 'i' ? ONIG_OPTION_IGNORECASE
                    : *f == 'm' ? ONIG_OPTION_MULTILINE
                                : ONIG_OPTION_EXTEND;
        }
        start = re + 1;
        end = last;
    }
    OnigErrorInfo einfo;
    int rc = onig_new(&r->re, (const UChar *)start, (const UChar *)end, opts, ONIG_ENCODING_UTF8,
                      ONIG_SYNTAX_RUBY, &einfo);
    if (rc != ONIG_NORMAL) {
        UChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
        onig_error_code_to_str(msg, rc, &einfo);
        snprintf(err, err_len, "invalid regex '%.200s': %s", re, (char *)msg);
        r->re = NULL;
        return -EINVAL;
    }
    return 0;
}

static int split_from(struct emu_router_ml_rule *r, const char *states, char *err,
                      size_t err_len)
{
    const char *s = states;
    for (;;) {
        s += strspn(s, " \t");
        size_t n = strcspn(s, ",");
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
        if (n == 0 || r->n_from >= EMU_ROUTER_ML_FROM_MAX) {
            snprintf(err, err_len, n ? "rule has more than %d state names"
                                     : "rule has an empty state name",
                     EMU_ROUTER_ML_FROM_MAX);
            return -EINVAL;
        }
        r->from[r->n_from] = emu_strndup(s, n);
        if (!r->from[r->n_from]) {
            return -ENOMEM;
        }
        r->start |= n == 11 && memcmp(s, "start_state", 11) == 0;
        r->n_from++;
        s += strcspn(s, ",");
        if (*s != ',') {
            return 0;
        }
        s++;
    }
}

int emu_router_ml_rule_parse(struct emu_router_ml_rule *r, const char *value, char *err,
                             size_t err_len)
{
    char *f[3] = {NULL, NULL, NULL};
    const char *s = value;
    int n = 0, rc = -EINVAL;
    memset(r, 0, sizeof(*r));
    for (n = 0; n < 3; n++) {
        f[n] = emu_malloc(FIELD_MAX);
        if (!f[n]) {
            rc = -ENOMEM;
            goto out;
        }
        if (read_field(&s, f[n], FIELD_MAX) < 0) {
            break;
        }
    }
    s += strspn(s, " \t");
    if (n != 3 || *s) {
        snprintf(err, err_len,
                 "rule needs 3 double-quoted fields: \"state name\" \"/regex/\" \"next state\"");
        goto out;
    }
    if (!f[1][0] || !f[2][0]) {
        snprintf(err, err_len, "rule has an empty %s", f[1][0] ? "next state" : "regex");
        goto out;
    }
    if ((rc = split_from(r, f[0], err, err_len)) < 0 || (rc = compile(r, f[1], err, err_len)) < 0) {
        goto out;
    }
    r->to = emu_strdup(f[2]);
    rc = r->to ? 0 : -ENOMEM;
out:
    for (int i = 0; i < 3; i++) {
        emu_free(f[i]);
    }
    if (rc < 0) {
        emu_router_ml_rule_done(r);
    }
    return rc;
}

/* A rule whose next state has a start rule completes the message with its line. */
static void link_rules(struct emu_router_ml_parser *p)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        struct emu_router_ml_rule *r = &p->rules[i];
        for (size_t j = 0; j < p->n_rules && !r->ends; j++) {
            for (size_t k = 0; k < p->rules[j].n_from && p->rules[j].start; k++) {
                r->ends |= strcmp(p->rules[j].from[k], r->to) == 0;
            }
        }
    }
}

static int fail(struct emu_diags *diags, const char *file, unsigned line, const char *msg)
{
    char where[4200];
    snprintf(where, sizeof(where), "%s:%u", file, line);
    (void)emu_diags_add(diags, EMU_DIAG_ERROR, where, "%s", msg);
    return EMU_ECONFIG;
}

static int add_rule(struct emu_router_ml_parser *p, const struct emu_router_prop *prop,
                    struct emu_diags *diags)
{
    char err[512], msg[700];
    if (p->n_rules >= EMU_ROUTER_ML_RULES_MAX) {
        snprintf(msg, sizeof(msg), "multiline parser '%s' has more than %d rules", p->name,
                 EMU_ROUTER_ML_RULES_MAX);
        return fail(diags, prop->file, prop->line, msg);
    }
    struct emu_router_ml_rule r;
    int rc = emu_router_ml_rule_parse(&r, prop->value, err, sizeof(err));
    if (rc == -ENOMEM) {
        return rc;
    }
    if (rc == 0 && p->n_rules == 0 && !r.start) {
        snprintf(err, sizeof(err), "the first rule must be for state 'start_state', not '%s'",
                 r.from[0]);
        emu_router_ml_rule_done(&r);
        rc = -EINVAL;
    }
    if (rc < 0) {
        snprintf(msg, sizeof(msg), "multiline parser '%s': %s", p->name, err);
        return fail(diags, prop->file, prop->line, msg);
    }
    p->rules[p->n_rules++] = r;
    return 0;
}

int emu_router_ml_parser_init(struct emu_router_ml_parser *p,
                              const struct emu_router_section *sec, struct emu_diags *diags)
{
    char msg[700];
    memset(p, 0, sizeof(*p));
    const char *name = emu_router_section_get(sec, "name");
    const char *type = emu_router_section_get(sec, "type");
    if (!name || !*name) {
        return fail(diags, sec->file, sec->line, "[MULTILINE_PARSER] section without a name");
    }
    p->name = emu_strdup(name);
    p->rules = emu_calloc(EMU_ROUTER_ML_RULES_MAX, sizeof(*p->rules));
    if (!p->name || !p->rules) {
        return -ENOMEM;
    }
    p->flush_timeout_ms = EMU_ROUTER_ML_FLUSH_DEFAULT;
    if (!type || strcasecmp(type, "regex") != 0) {
        snprintf(msg, sizeof(msg), "multiline parser '%s': %s type '%s' (only 'regex')", name,
                 type ? "unsupported" : "missing", type ? type : "");
        return fail(diags, sec->file, sec->line, msg);
    }
    for (size_t i = 0; i < sec->n_props; i++) {
        const struct emu_router_prop *prop = &sec->props[i];
        const char *k = prop->key;
        int rc = 0;
        if (strcasecmp(k, "rule") == 0) {
            rc = add_rule(p, prop, diags);
        }
        else if (strcasecmp(k, "flush_timeout") == 0) {
            /* read like atoi: leading digits, the rest ignored ("1s" is 1 ms) */
            char *end = NULL;
            errno = 0;
            long long v = strtoll(prop->value, &end, 10);
            if (end == prop->value || errno || v < 0 || v > 86400000) {
                snprintf(msg, sizeof(msg), "multiline parser '%s': invalid flush_timeout '%s'",
                         name, prop->value);
                rc = fail(diags, prop->file, prop->line, msg);
            }
            else {
                p->flush_timeout_ms = v;
            }
        }
        else if (strcasecmp(k, "key_content") == 0 || strcasecmp(k, "parser") == 0) {
            char **dst = strcasecmp(k, "parser") == 0 ? &p->parser : &p->key_content;
            emu_free(*dst);
            *dst = emu_strdup(prop->value);
            rc = *dst ? 0 : -ENOMEM;
        }
        else if (strcasecmp(k, "name") != 0 && strcasecmp(k, "type") != 0) {
            emu_log_warn("%s:%u: multiline parser '%s': property '%s' is ignored", prop->file,
                         prop->line, name, k);
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (p->n_rules == 0) {
        snprintf(msg, sizeof(msg), "multiline parser '%s' has no rule", name);
        return fail(diags, sec->file, sec->line, msg);
    }
    link_rules(p);
    return 0;
}

/* The built-in parsers, written from the formats their languages print. */
struct brule {
    const char *from, *re, *to;
};

static const struct brule java_rules[] = {
    {"start_state", "/(?:Exception|Error|Throwable)(?::|\\s*$)/", "java_after_exception"},
    {"java_after_exception, java", "/^\\s+at\\s/", "java"},
    {"java_after_exception, java", "/^\\s*(?:Caused by|Suppressed):/", "java_after_exception"},
    {"java_after_exception, java", "/^\\s*\\.\\.\\. \\d+ (?:more|common frames omitted)/",
     "java"},
    {"java_after_exception", "/^\\s*nested exception is:/", "java_after_exception"},
    {NULL, NULL, NULL},
};

static const struct brule python_rules[] = {
    {"start_state", "/^Traceback \\(most recent call last\\):$/", "python"},
    {"python, python_code", "/^[\\t ]+File /", "python_code"},
    {"python_code", "/^[\\t ]+\\S/", "python"},
    {"python, python_code", "/^[\\t ]+\\[Previous line repeated \\d+ more times?\\]$/", "python"},
    {"python, python_code", "/^[A-Za-z_][\\w.]*(?::.*)?$/", "python_end"},
    {"python_end", "/^$/", "python_blank"},
    {"python_blank",
     "/^(?:During handling of the above exception, another exception occurred|"
     "The above exception was the direct cause of the following exception):$/",
     "python_chain"},
    {"python_chain", "/^$/", "python_chain_blank"},
    {"python_chain_blank", "/^Traceback \\(most recent call last\\):$/", "python"},
    {NULL, NULL, NULL},
};

static const struct brule go_rules[] = {
    {"start_state", "/^(?:panic: |fatal error: )/", "go_after_panic"},
    {"go_after_panic", "/^$/", "go_after_panic"},
    {"go_after_panic", "/^\\t?panic: /", "go_after_panic"},
    {"go_after_panic", "/^\\[signal /", "go_after_panic"},
    {"go_after_panic, go_frame", "/^goroutine \\d+ \\[[^\\]]*\\]:$/", "go_frame"},
    {"go_frame", "/^(?:created by \\S+(?: in goroutine \\d+)?|\\S+\\(.*\\))$/", "go_file"},
    {"go_file", "/^\\s+\\S.*:\\d+/", "go_frame"},
    {"go_frame", "/^\\.\\.\\.\\d* ?additional frames elided\\.\\.\\.$/", "go_frame"},
    {"go_frame", "/^$/", "go_after_panic"},
    {NULL, NULL, NULL},
};

static const char *const builtins[] = {"docker", "cri", "go", "python", "java"};

int emu_router_ml_is_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (strcmp(name, builtins[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int emu_router_ml_parser_builtin(struct emu_router_ml_parser *p, const char *name)
{
    const struct brule *rules = NULL;
    memset(p, 0, sizeof(*p));
    if (!emu_router_ml_is_builtin(name)) {
        return -ENOENT;
    }
    p->builtin = 1;
    p->flush_timeout_ms = EMU_ROUTER_ML_FLUSH_DEFAULT;
    p->name = emu_strdup(name);
    p->rules = emu_calloc(16, sizeof(*p->rules));
    if (!p->name || !p->rules) {
        return -ENOMEM;
    }
    if (strcmp(name, "docker") == 0 || strcmp(name, "cri") == 0) {
        p->type = name[0] == 'd' ? EMU_ML_DOCKER : EMU_ML_CRI;
        p->key_content = emu_strdup("log");
        return p->key_content ? 0 : -ENOMEM;
    }
    rules = name[0] == 'g' ? go_rules : name[0] == 'p' ? python_rules : java_rules;
    for (; rules->from; rules++) {
        char value[1024], err[512];
        snprintf(value, sizeof(value), "\"%s\" \"%s\" \"%s\"", rules->from, rules->re, rules->to);
        int rc = emu_router_ml_rule_parse(&p->rules[p->n_rules], value, err, sizeof(err));
        if (rc < 0) {
            return rc == -ENOMEM ? rc : -EINVAL; /* a bug in the tables above */
        }
        p->n_rules++;
    }
    link_rules(p);
    return 0;
}
