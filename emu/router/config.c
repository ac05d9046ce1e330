/* SPDX-License-Identifier: Apache-2.0 */
/* Parser for Fluent Bit's classic configuration format. It reads files (no sockets, no loop),
 * follows @INCLUDE, applies @SET and ${VAR}, and stops at the first error, which it reports as
 * "file:line: message" the way fluent-bit does before anything starts. */
#include "emu/router/config.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/buf.h"
#include "emu/base/diag.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/mem.h"

struct parse_ctx {
    struct emu_router_config *cf;
    const struct emu_router_config_env *env;
    struct emu_diags *diags;
    const char *stack[EMU_ROUTER_CONF_MAX_DEPTH + 1]; /* files being read, for recursion */
    int depth;
};

static const char *const kind_names[_EMU_RSEC_MAX] = {
    [EMU_RSEC_SERVICE] = "SERVICE", [EMU_RSEC_INPUT] = "INPUT",
    [EMU_RSEC_FILTER] = "FILTER",   [EMU_RSEC_OUTPUT] = "OUTPUT",
    [EMU_RSEC_PARSER] = "PARSER",   [EMU_RSEC_MULTILINE_PARSER] = "MULTILINE_PARSER",
};

const char *emu_router_section_kind_name(enum emu_router_section_kind kind)
{
    return (unsigned)kind < _EMU_RSEC_MAX ? kind_names[kind] : "?";
}

static int fail(struct parse_ctx *p, const char *file, unsigned line, int code, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static int fail(struct parse_ctx *p, const char *file, unsigned line, int code, const char *fmt,
                ...)
{
    char where[4200];
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line) {
        snprintf(where, sizeof(where), "%s:%u", file, line);
    }
    else {
        snprintf(where, sizeof(where), "%s", file);
    }
    (void)emu_diags_add(p->diags, EMU_DIAG_ERROR, where, "%s", msg);
    return code;
}

struct emu_router_config *emu_router_config_new(void)
{
    struct emu_router_config *cf = emu_calloc(1, sizeof(*cf));
    if (cf) {
        emu_arena_init(&cf->arena, 64u * 1024u * 1024u);
    }
    return cf;
}

struct emu_router_config *emu_router_config_free(struct emu_router_config *cf)
{
    if (!cf) {
        return NULL;
    }
    for (size_t i = 0; i < cf->n_sections; i++) {
        emu_free(cf->sections[i].props);
    }
    emu_free(cf->sections);
    emu_free(cf->var_names);
    emu_free(cf->var_values);
    emu_arena_done(&cf->arena);
    emu_free(cf);
    return NULL;
}

struct emu_router_section *emu_router_config_add_section(struct emu_router_config *cf,
                                                         enum emu_router_section_kind kind,
                                                         const char *file, unsigned line)
{
    if (cf->n_sections >= EMU_ROUTER_CONF_MAX_SECTIONS) {
        return NULL;
    }
    if (cf->n_sections == cf->cap_sections) {
        size_t cap = cf->cap_sections ? cf->cap_sections * 2 : 16;
        void *p = emu_realloc(cf->sections, cap * sizeof(*cf->sections));
        if (!p) {
            return NULL;
        }
        cf->sections = p;
        cf->cap_sections = cap;
    }
    struct emu_router_section *s = &cf->sections[cf->n_sections++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->file = emu_arena_strdup(&cf->arena, file);
    s->line = line;
    return s->file ? s : NULL;
}

int emu_router_config_add_prop(struct emu_router_config *cf, struct emu_router_section *sec,
                               const char *key, const char *value, const char *file,
                               unsigned line)
{
    if (sec->n_props >= EMU_ROUTER_CONF_MAX_PROPS) {
        return -E2BIG;
    }
    if (sec->n_props == sec->cap_props) {
        size_t cap = sec->cap_props ? sec->cap_props * 2 : 8;
        void *p = emu_realloc(sec->props, cap * sizeof(*sec->props));
        if (!p) {
            return -ENOMEM;
        }
        sec->props = p;
        sec->cap_props = cap;
    }
    struct emu_router_prop *pr = &sec->props[sec->n_props];
    pr->key = emu_arena_strdup(&cf->arena, key);
    pr->value = emu_arena_strdup(&cf->arena, value);
    pr->file = emu_arena_strdup(&cf->arena, file);
    pr->line = line;
    if (!pr->key || !pr->value || !pr->file) {
        return -ENOMEM;
    }
    sec->n_props++;
    return 0;
}

const char *emu_router_section_get(const struct emu_router_section *sec, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < sec->n_props; i++) {
        if (strcasecmp(sec->props[i].key, key) == 0) {
            v = sec->props[i].value;
        }
    }
    return v;
}

static const char *lookup_var(struct parse_ctx *p, const char *name, size_t len)
{
    struct emu_router_config *cf = p->cf;
    for (size_t i = cf->n_vars; i-- > 0;) {
        if (strlen(cf->var_names[i]) == len && memcmp(cf->var_names[i], name, len) == 0) {
            return cf->var_values[i];
        }
    }
    if (p->env && p->env->envp) {
        for (const char *const *e = p->env->envp; *e; e++) {
            if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') {
                return *e + len + 1;
            }
        }
    }
    return NULL;
}

/* Expands ${NAME} from @SET variables, then the environment; unknown names expand to "". */
static int expand(struct parse_ctx *p, const char *in, struct emu_buf *out)
{
    int r = 0;
    while (*in && r == 0) {
        const char *open = strstr(in, "${");
        const char *close = open ? strchr(open + 2, '}') : NULL;
        if (!open || !close) {
            return emu_buf_puts(out, in);
        }
        r = emu_buf_append(out, in, (size_t)(open - in));
        const char *v = lookup_var(p, open + 2, (size_t)(close - open - 2));
        if (r == 0 && v) {
            r = emu_buf_puts(out, v);
        }
        in = close + 1;
    }
    return r;
}

static int cmd_set(struct parse_ctx *p, const char *file, unsigned line, const char *arg)
{
    struct emu_router_config *cf = p->cf;
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        return fail(p, file, line, EMU_ECONFIG, "invalid @SET, expected @SET KEY=VALUE");
    }
    if (cf->n_vars >= EMU_ROUTER_CONF_MAX_VARS) {
        return fail(p, file, line, -E2BIG, "too many @SET variables");
    }
    if (cf->n_vars % 16 == 0) {
        void *a = emu_realloc(cf->var_names, (cf->n_vars + 16) * sizeof(char *));
        if (!a) {
            return -ENOMEM;
        }
        cf->var_names = a;
        void *b = emu_realloc(cf->var_values, (cf->n_vars + 16) * sizeof(char *));
        if (!b) {
            return -ENOMEM;
        }
        cf->var_values = b;
    }
    size_t klen = (size_t)(eq - arg);
    while (klen > 0 && isspace((unsigned char)arg[klen - 1])) {
        klen--;
    }
    const char *val = eq + 1;
    while (*val == ' ' || *val == '\t') {
        val++;
    }
    struct emu_buf b;
    emu_buf_init(&b, EMU_ROUTER_CONF_MAX_LINE);
    int r = expand(p, val, &b);
    const char *name = emu_arena_strndup(&cf->arena, arg, klen);
    const char *value = r == 0 ? emu_arena_strdup(&cf->arena, b.data ? b.data : "") : NULL;
    emu_buf_done(&b);
    if (!name || !value) {
        return r < 0 ? r : -ENOMEM;
    }
    cf->var_names[cf->n_vars] = name;
    cf->var_values[cf->n_vars] = value;
    cf->n_vars++;
    return 0;
}

static int parse_file(struct parse_ctx *p, const char *path, const char *from, unsigned line);
static int parse_text(struct parse_ctx *p, const char *name, const char *data, size_t len);

static int has_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

static int cmd_include(struct parse_ctx *p, const char *file, unsigned line, const char *arg)
{
    char path[4096];
    int n;
    if (p->env && p->env->no_include) {
        return fail(p, file, line, EMU_ECONFIG, "@INCLUDE is not allowed here");
    }
    if (arg[0] == '/') {
        n = snprintf(path, sizeof(path), "%s%s", p->env && p->env->root ? p->env->root : "",
                     arg);
    }
    else {
        const char *slash = strrchr(file, '/');
        int dlen = slash ? (int)(slash - file) : 1;
        n = snprintf(path, sizeof(path), "%.*s/%s", dlen, slash ? file : ".", arg);
    }
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return fail(p, file, line, EMU_ECONFIG, "@INCLUDE path too long");
    }
    if (!has_glob(arg)) {
        return parse_file(p, path, file, line);
    }
    glob_t g;
    int gr = glob(path, GLOB_ERR, NULL, &g);
    if (gr == GLOB_NOMATCH) {
        return 0;
    }
    if (gr != 0) {
        return fail(p, file, line, EMU_ECONFIG, "cannot expand @INCLUDE %s", arg);
    }
    int r = 0;
    for (size_t i = 0; i < g.gl_pathc && r == 0; i++) {
        r = parse_file(p, g.gl_pathv[i], file, line);
    }
    globfree(&g);
    return r;
}

static int parse_file(struct parse_ctx *p, const char *path, const char *from, unsigned line)
{
    for (int i = 0; i < p->depth; i++) {
        if (strcmp(p->stack[i], path) == 0) {
            return fail(p, from, line, EMU_ECONFIG, "recursive @INCLUDE of %s", path);
        }
    }
    if (p->depth >= EMU_ROUTER_CONF_MAX_DEPTH) {
        return fail(p, from, line, EMU_ECONFIG, "@INCLUDE nested too deeply");
    }
    char *data = NULL;
    size_t len = 0;
    int r = emu_file_read(path, EMU_ROUTER_CONF_MAX_FILE, &data, &len);
    if (r == -ENOMEM) {
        return r; /* said once, by load() */
    }
    if (r < 0) {
        if (from) {
            return fail(p, from, line, r == -E2BIG ? r : EMU_ECONFIG,
                        "cannot read included file %s: %s", path, emu_strerror(r));
        }
        return fail(p, path, 0, r == -E2BIG ? r : EMU_ECONFIG, "cannot read file: %s",
                    emu_strerror(r));
    }
    r = parse_text(p, path, data, len);
    emu_free(data);
    return r;
}

static int section_kind(const char *name, size_t len)
{
    for (int k = 0; k < _EMU_RSEC_MAX; k++) {
        if (strlen(kind_names[k]) == len && strncasecmp(kind_names[k], name, len) == 0) {
            return k;
        }
    }
    return -1;
}

/* One non-empty, non-comment line: rest starts after the indentation ind. */
static int parse_line(struct parse_ctx *p, const char *name, unsigned lineno, size_t ind,
                      char *rest, struct emu_router_section **cur, long *indent)
{
    if (ind == 0 && rest[0] == '@') {
        size_t cl = strcspn(rest, " \t");
        char *arg = rest + cl;
        while (*arg == ' ' || *arg == '\t') {
            arg++;
        }
        *cur = NULL;
        if (cl == 8 && strncasecmp(rest, "@INCLUDE", 8) == 0 && *arg) {
            return cmd_include(p, name, lineno, arg);
        }
        if (cl == 4 && strncasecmp(rest, "@SET", 4) == 0 && *arg) {
            return cmd_set(p, name, lineno, arg);
        }
        return fail(p, name, lineno, EMU_ECONFIG, "invalid command '%.*s'", (int)cl, rest);
    }
    if (ind == 0 && rest[0] == '[') {
        size_t rl = strlen(rest);
        if (rest[rl - 1] != ']') {
            return fail(p, name, lineno, EMU_ECONFIG, "expected a section end ']'");
        }
        int k = section_kind(rest + 1, rl - 2);
        if (k < 0) {
            return fail(p, name, lineno, EMU_ECONFIG, "invalid section %s", rest);
        }
        *cur = emu_router_config_add_section(p->cf, (enum emu_router_section_kind)k, name,
                                             lineno);
        if (!*cur && p->cf->n_sections < EMU_ROUTER_CONF_MAX_SECTIONS) {
            return -ENOMEM;
        }
        if (!*cur) {
            return fail(p, name, lineno, -E2BIG, "too many sections");
        }
        return 0;
    }
    if (ind == 0 || !*cur) {
        return fail(p, name, lineno, EMU_ECONFIG, "invalid indentation level");
    }
    if (*indent < 0) {
        *indent = (long)ind;
    }
    else if (*indent != (long)ind) {
        return fail(p, name, lineno, EMU_ECONFIG, "invalid indentation level");
    }
    size_t kl = strcspn(rest, " \t");
    char *val = rest + kl;
    while (*val == ' ' || *val == '\t') {
        val++;
    }
    if (!*val) {
        return fail(p, name, lineno, EMU_ECONFIG, "undefined value for key '%.*s'", (int)kl, rest);
    }
    rest[kl] = '\0';
    struct emu_buf b;
    emu_buf_init(&b, EMU_ROUTER_CONF_MAX_LINE);
    int r = expand(p, val, &b);
    if (r == 0) {
        r = emu_router_config_add_prop(p->cf, *cur, rest, b.data ? b.data : "", name, lineno);
    }
    emu_buf_done(&b);
    if (r == -E2BIG) {
        return fail(p, name, lineno, r, "too many properties in one section");
    }
    return r;
}

static int parse_text(struct parse_ctx *p, const char *name, const char *data, size_t len)
{
    struct emu_router_section *cur = NULL;
    long indent = -1;
    unsigned lineno = 0;
    size_t pos = 0;
    int r = 0;
    char *line = emu_malloc(EMU_ROUTER_CONF_MAX_LINE + 1);
    if (!line) {
        return -ENOMEM;
    }
    p->stack[p->depth++] = name;
    while (pos < len && r == 0) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;
        lineno++;
        if (ll > EMU_ROUTER_CONF_MAX_LINE) {
            r = fail(p, name, lineno, -E2BIG, "line too long");
            break;
        }
        memcpy(line, data + pos, ll);
        line[ll] = '\0';
        pos += ll + 1;
        ll = strlen(line); /* a NUL byte ends the line */
        while (ll > 0 && isspace((unsigned char)line[ll - 1])) {
            line[--ll] = '\0';
        }
        size_t ind = strspn(line, " \t");
        if (ind == ll || line[ind] == '#') {
            continue;
        }
        r = parse_line(p, name, lineno, ind, line + ind, &cur, &indent);
    }
    p->depth--;
    emu_free(line);
    return r;
}

static int load(const char *name, const char *data, size_t len,
                const struct emu_router_config_env *env, struct emu_router_config **ret,
                struct emu_diags *diags)
{
    struct parse_ctx p = {.env = env, .diags = diags};
    p.cf = emu_router_config_new();
    if (!p.cf) {
        return -ENOMEM;
    }
    int r = data ? parse_text(&p, name, data, len) : parse_file(&p, name, NULL, 0);
    if (r < 0) {
        if (r == -ENOMEM) {
            (void)fail(&p, name, 0, r, "out of memory");
        }
        emu_router_config_free(p.cf);
        return r;
    }
    *ret = p.cf;
    return 0;
}

int emu_router_config_load(const char *path, const struct emu_router_config_env *env,
                           struct emu_router_config **ret, struct emu_diags *diags)
{
    return load(path, NULL, 0, env, ret, diags);
}

int emu_router_config_load_buffer(const char *name, const char *data, size_t len,
                                  const struct emu_router_config_env *env,
                                  struct emu_router_config **ret, struct emu_diags *diags)
{
    if (len > EMU_ROUTER_CONF_MAX_FILE) {
        struct parse_ctx p = {.env = env, .diags = diags};
        return fail(&p, name, 0, -E2BIG, "file too large");
    }
    return load(name, data ? data : "", len, env, ret, diags);
}
