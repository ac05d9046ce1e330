/* SPDX-License-Identifier: Apache-2.0 */
/* local.h: the endpoint patcher (walks a router config line by line, finds the output sections
 * of AWS plugins and points their endpoint keys at the local shims, keeping every other byte,
 * recording each change as a diff), the router's -c path, includes, and the endpoint env. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "emu/model/local.h"

#define MAX_LINES 200000
#define MAX_INSERTS 4

struct line {
    const char *s;
    size_t len;
    const char *replace;              /* new text of this line, or NULL */
    const char *ins[MAX_INSERTS];     /* lines inserted after this one */
    size_t n_ins;
};

/* One output section being read. */
struct section {
    bool open;
    int depth;            /* Fluentd: nesting inside <match> */
    size_t name_line;     /* index of the Name/@type line, SIZE_MAX if none */
    const char *name;
    const char *indent;
    size_t endpoint_line; /* SIZE_MAX if absent */
    size_t sts_line;
    size_t path_style_line;
    const char *bucket;
};

struct patcher {
    enum emu_router_type type;
    const struct emu_local_endpoints *ep;
    struct emu_arena *a;
    struct line *lines;
    size_t n;
    struct emu_local_patch *p;
    size_t cap_changes, cap_buckets, cap_notes;
};

static int push(struct emu_arena *a, void **items, size_t *n, size_t *cap, size_t size,
                const void *item)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        void *ni = emu_arena_alloc(a, nc * size);
        if (!ni) {
            return -ENOMEM;
        }
        if (*n) {
            memcpy(ni, *items, *n * size);
        }
        *items = ni;
        *cap = nc;
    }
    memcpy((char *)*items + *n * size, item, size);
    (*n)++;
    return 0;
}

static int note(struct patcher *pt, const char *text)
{
    if (!text) {
        return -ENOMEM;
    }
    return push(pt->a, (void **)&pt->p->notes, &pt->p->n_notes, &pt->cap_notes,
                sizeof(const char *), &text);
}

/* Sets key to value in the section: replaces its line, or inserts after the Name line. */
static int set_key(struct patcher *pt, struct section *s, size_t at, const char *key,
                   const char *value)
{
    char *text = emu_arena_printf(pt->a, "%s%s %s", s->indent ? s->indent : "    ", key, value);
    if (!text) {
        return -ENOMEM;
    }
    if (at != SIZE_MAX) {
        struct line *l = &pt->lines[at];
        if (strlen(text) == l->len && memcmp(text, l->s, l->len) == 0) {
            return 0; /* already pointing there */
        }
        l->replace = text;
        return 0;
    }
    struct line *l = &pt->lines[s->name_line];
    if (l->n_ins >= MAX_INSERTS) {
        return -E2BIG;
    }
    l->ins[l->n_ins++] = text;
    return 0;
}

static int close_section(struct patcher *pt, struct section *s)
{
    bool was_open = s->open;
    s->open = false;
    if (!was_open || s->name_line == SIZE_MAX || !s->name) {
        return 0;
    }
    const struct emu_local_endpoints *ep = pt->ep;
    const char *n = s->name;
    bool fd = pt->type == EMU_ROUTER_FLUENTD;
    bool is_s3 = strcasecmp(n, "s3") == 0;
    bool is_logs = strcasecmp(n, "cloudwatch") == 0 || strcasecmp(n, "cloudwatch_logs") == 0;
    bool is_kinesis = strncasecmp(n, "kinesis", 7) == 0 || strcasecmp(n, "firehose") == 0;
    size_t line_no = s->name_line + 1;
    int r = 0;
    if (is_kinesis) {
        return note(pt, emu_arena_printf(pt->a, "line %zu: output %s has no local endpoint "
                                                "(fargate-emu has no Kinesis shim); it would "
                                                "reach AWS",
                                         line_no, n));
    }
    if (!is_s3 && !is_logs) {
        return 0;
    }
    const char *url = is_s3 ? ep->s3 : ep->logs;
    if (!url) {
        return note(pt, emu_arena_printf(pt->a, "line %zu: output %s left unchanged: no local "
                                                "%s endpoint in this build",
                                         line_no, n, is_s3 ? "S3" : "CloudWatch Logs"));
    }
    r = set_key(pt, s, s->endpoint_line, fd && is_s3 ? "s3_endpoint" : "endpoint", url);
    if (r == 0 && fd && is_s3) {
        r = set_key(pt, s, s->path_style_line, "force_path_style", "true");
    }
    if (r == 0 && s->sts_line != SIZE_MAX) {
        if (ep->sts) {
            r = set_key(pt, s, s->sts_line, "sts_endpoint", ep->sts);
        }
        else {
            r = note(pt, emu_arena_printf(pt->a, "line %zu: sts_endpoint left unchanged (no "
                                                 "local STS endpoint yet; only used with "
                                                 "role_arn)",
                                          s->sts_line + 1));
        }
    }
    if (r == 0 && is_s3 && s->bucket) {
        r = push(pt->a, (void **)&pt->p->buckets, &pt->p->n_buckets, &pt->cap_buckets,
                 sizeof(const char *), &s->bucket);
    }
    return r;
}

/* Splits "  key value" into key and value (arena copies). */
static void split_kv(struct emu_arena *a, const char *s, size_t len, const char **key,
                     const char **value, const char **indent)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    *indent = emu_arena_strndup(a, s, i);
    size_t k = i;
    while (k < len && !isspace((unsigned char)s[k])) {
        k++;
    }
    *key = emu_arena_strndup(a, s + i, k - i);
    while (k < len && isspace((unsigned char)s[k])) {
        k++;
    }
    size_t e = len;
    while (e > k && isspace((unsigned char)s[e - 1])) {
        e--;
    }
    *value = emu_arena_strndup(a, s + k, e - k);
}

static void section_reset(struct section *s)
{
    *s = (struct section){.open = true, .name_line = SIZE_MAX, .endpoint_line = SIZE_MAX,
                          .sts_line = SIZE_MAX, .path_style_line = SIZE_MAX};
}

static int walk(struct patcher *pt)
{
    struct section s = {0};
    bool fd = pt->type == EMU_ROUTER_FLUENTD;
    for (size_t i = 0; i < pt->n; i++) {
        const char *l = pt->lines[i].s;
        size_t len = pt->lines[i].len, t = 0;
        while (t < len && (l[t] == ' ' || l[t] == '\t')) {
            t++;
        }
        if (t == len || l[t] == '#') {
            continue;
        }
        int r = 0;
        if (!fd && l[t] == '[') {
            r = close_section(pt, &s);
            if (len - t >= 8 && strncasecmp(l + t, "[OUTPUT]", 8) == 0) {
                section_reset(&s);
            }
        }
        else if (!fd && t == 0) {
            r = close_section(pt, &s);
        }
        else if (fd && l[t] == '<') {
            bool closing = t + 1 < len && l[t + 1] == '/';
            if (!s.open && !closing && len - t >= 6 && strncmp(l + t, "<match", 6) == 0) {
                section_reset(&s);
            }
            else if (s.open && closing && s.depth == 0) {
                r = close_section(pt, &s);
            }
            else if (s.open) {
                s.depth += closing ? -1 : 1;
            }
        }
        else if (s.open && (fd ? s.depth == 0 : t > 0)) {
            const char *key, *value, *indent;
            split_kv(pt->a, l, len, &key, &value, &indent);
            if (!key || !value || !indent) {
                return -ENOMEM;
            }
            if (strcasecmp(key, fd ? "@type" : "Name") == 0) {
                s.name = value;
                s.name_line = i;
                s.indent = indent;
            }
            else if (strcasecmp(key, "endpoint") == 0 || strcasecmp(key, "s3_endpoint") == 0) {
                s.endpoint_line = i;
            }
            else if (strcasecmp(key, "sts_endpoint") == 0) {
                s.sts_line = i;
            }
            else if (strcasecmp(key, "force_path_style") == 0) {
                s.path_style_line = i;
            }
            else if (strcasecmp(key, fd ? "s3_bucket" : "bucket") == 0) {
                s.bucket = value;
            }
        }
        if (r < 0) {
            return r;
        }
    }
    return close_section(pt, &s);
}

static int add_change(struct patcher *pt, size_t line, const char *old, const char *new_line)
{
    struct emu_local_change c = {line, old, new_line};
    return push(pt->a, (void **)&pt->p->changes, &pt->p->n_changes, &pt->cap_changes,
                sizeof(c), &c);
}

int emu_local_patch_config(const char *conf, size_t len, enum emu_router_type type,
                           const struct emu_local_endpoints *ep, struct emu_arena *a,
                           struct emu_buf *out, struct emu_local_patch *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (len > EMU_LOCAL_CONF_MAX) {
        return -E2BIG;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += conf[i] == '\n';
    }
    n += len > 0 && conf[len - 1] != '\n';
    if (n > MAX_LINES) {
        return -E2BIG;
    }
    struct patcher pt = {.type = type, .ep = ep, .a = a, .n = n, .p = ret};
    pt.lines = emu_arena_alloc(a, (n + 1) * sizeof(*pt.lines));
    if (!pt.lines) {
        return -ENOMEM;
    }
    memset(pt.lines, 0, (n + 1) * sizeof(*pt.lines));
    const char *p = conf, *end = conf + len;
    for (size_t i = 0; i < n; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        pt.lines[i].s = p;
        pt.lines[i].len = (size_t)((nl ? nl : end) - p);
        p = nl ? nl + 1 : end;
    }
    int r = walk(&pt);
    for (size_t i = 0; r == 0 && i < n; i++) {
        struct line *l = &pt.lines[i];
        const char *orig = emu_arena_strndup(a, l->s, l->len);
        r = orig ? 0 : -ENOMEM;
        if (r == 0 && l->replace) {
            r = add_change(&pt, i + 1, orig, l->replace);
        }
        for (size_t k = 0; r == 0 && k < l->n_ins; k++) {
            r = add_change(&pt, i + 2, NULL, l->ins[k]);
        }
        bool last = i + 1 == n;
        bool nl = !last || (len > 0 && conf[len - 1] == '\n');
        r = r ? r : (l->replace ? emu_buf_puts(out, l->replace) : emu_buf_append(out, l->s, l->len));
        if (r == 0 && (nl || l->n_ins)) {
            r = emu_buf_putc(out, '\n');
        }
        for (size_t k = 0; r == 0 && k < l->n_ins; k++) {
            r = emu_buf_puts(out, l->ins[k]);
            r = r ? r : (k + 1 < l->n_ins || nl ? emu_buf_putc(out, '\n') : 0);
        }
    }
    if (r == 0 && len == 0) {
        r = emu_buf_puts(out, "");
    }
    return r;
}

int emu_local_diff(const char *path, const struct emu_local_patch *p, struct emu_buf *out)
{
    if (p->n_changes == 0) {
        return 0;
    }
    int r = emu_buf_printf(out, "--- %s\n+++ %s (as fargate-emu mounts it)\n", path, path);
    long shift = 0; /* inserted lines so far */
    for (size_t i = 0; r == 0 && i < p->n_changes; i++) {
        const struct emu_local_change *c = &p->changes[i];
        if (c->old_line) {
            r = emu_buf_printf(out, "@@ -%zu +%ld @@\n-%s\n+%s\n", c->line,
                               (long)c->line + shift, c->old_line, c->new_line);
        }
        else {
            r = emu_buf_printf(out, "@@ -%zu,0 +%ld @@\n+%s\n", c->line - 1,
                               (long)c->line + shift, c->new_line);
            shift++;
        }
    }
    return r;
}

/* ---- config paths, includes, environment ---- */

#define MAX_INCLUDES 256

int emu_local_includes(const char *conf, size_t len, struct emu_arena *a,
                       struct emu_str_list *ret)
{
    const char **items = emu_arena_alloc(a, MAX_INCLUDES * sizeof(*items));
    size_t n = 0;
    if (!items) {
        return -ENOMEM;
    }
    const char *p = conf, *end = conf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *s = p;
        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }
        if ((size_t)(e - s) > 9 && strncasecmp(s, "@include", 8) == 0 &&
            (s[8] == ' ' || s[8] == '\t')) {
            const char *v = s + 9;
            while (v < e && (*v == ' ' || *v == '\t')) {
                v++;
            }
            const char *ve = e;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r')) {
                ve--;
            }
            if (ve > v) {
                if (n == MAX_INCLUDES) {
                    return -E2BIG;
                }
                items[n] = emu_arena_strndup(a, v, (size_t)(ve - v));
                if (!items[n++]) {
                    return -ENOMEM;
                }
            }
        }
        p = nl ? nl + 1 : end;
    }
    ret->items = items;
    ret->n = n;
    return 0;
}

const char *emu_local_config_path(const char *const *argv, size_t argc,
                                  enum emu_router_type type, struct emu_arena *a)
{
    for (size_t i = 0; i < argc; i++) {
        const char *s = argv[i] ? argv[i] : "";
        /* `sh -c 'exec fluent-bit ...'` or `python3 -c CODE`: the value is a program, not a
         * config path (a path with a space or a newline is taken for one, too). */
        if (strcmp(s, "-c") == 0 && i + 1 < argc && argv[i + 1] &&
            strpbrk(argv[i + 1], " \n\t")) {
            i++;
            continue;
        }
        if ((strcmp(s, "-c") == 0 || strcmp(s, "--config") == 0) && i + 1 < argc && argv[i + 1]) {
            return emu_arena_strdup(a, argv[i + 1]);
        }
        if (strncmp(s, "--config=", 9) == 0) {
            return emu_arena_strdup(a, s + 9);
        }
        if (strncmp(s, "-c", 2) == 0 && s[2] && s[2] != '-') {
            return emu_arena_strdup(a, s + 2);
        }
    }
    return emu_arena_strdup(a, type == EMU_ROUTER_FLUENTD ? "/fluentd/etc/fluent.conf"
                                                          : "/fluent-bit/etc/fluent-bit.conf");
}

const char *emu_local_resolve(const char *including_file, const char *target,
                              struct emu_arena *a)
{
    if (!target || target[0] == '/') {
        return target ? emu_arena_strdup(a, target) : NULL;
    }
    const char *slash = including_file ? strrchr(including_file, '/') : NULL;
    size_t dir = slash ? (size_t)(slash - including_file) : 0;
    /* Fluent Bit resolves relative includes against the including file's directory. */
    return emu_arena_printf(a, "%.*s/%s", (int)dir, including_file ? including_file : "",
                            target);
}

static bool has_env(const struct emu_container_def *c, const char *key)
{
    return emu_kv_get(&c->environment, key) != NULL;
}

static int add(struct emu_arena *a, struct emu_kv *items, size_t *n, size_t cap,
               const struct emu_container_def *c, const char *key, const char *value)
{
    if (!value || has_env(c, key)) {
        return 0;
    }
    if (*n == cap) {
        return -E2BIG;
    }
    items[*n] = (struct emu_kv){key, emu_arena_strdup(a, value)};
    if (!items[*n].value) {
        return -ENOMEM;
    }
    (*n)++;
    return 0;
}

int emu_local_env(const struct emu_container_def *c, const struct emu_local_endpoints *ep,
                  const char *metadata_id, struct emu_arena *a, struct emu_kv_list *ret)
{
    const size_t cap = 12;
    struct emu_kv *items = emu_arena_alloc(a, cap * sizeof(*items));
    size_t n = 0;
    if (!items) {
        return -ENOMEM;
    }
    int r = 0;
    /* The agent sets both region variables only when neither is set already. */
    if (ep->region && !has_env(c, "AWS_REGION") && !has_env(c, "AWS_DEFAULT_REGION")) {
        r = add(a, items, &n, cap, c, "AWS_REGION", ep->region);
        r = r ? r : add(a, items, &n, cap, c, "AWS_DEFAULT_REGION", ep->region);
    }
    r = r ? r : add(a, items, &n, cap, c, "AWS_ENDPOINT_URL_S3", ep->s3);
    r = r ? r : add(a, items, &n, cap, c, "AWS_ENDPOINT_URL_LOGS", ep->logs);
    r = r ? r : add(a, items, &n, cap, c, "AWS_ENDPOINT_URL_STS", ep->sts);
    if (r == 0 && ep->metadata && metadata_id) {
        const char *m = ep->metadata;
        r = add(a, items, &n, cap, c, "ECS_CONTAINER_METADATA_URI",
                emu_arena_printf(a, "%s/v3/%s", m, metadata_id));
        r = r ? r : add(a, items, &n, cap, c, "ECS_CONTAINER_METADATA_URI_V4",
                        emu_arena_printf(a, "%s/v4/%s", m, metadata_id));
        r = r ? r : add(a, items, &n, cap, c, "ECS_AGENT_URI",
                        emu_arena_printf(a, "%s/api/%s", m, metadata_id));
    }
    if (r == 0 && ep->credentials_uri && ep->credentials_full && ep->metadata) {
        r = add(a, items, &n, cap, c, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                emu_arena_printf(a, "%s%s", ep->metadata, ep->credentials_uri));
    }
    else if (r == 0 && ep->credentials_uri) {
        r = add(a, items, &n, cap, c, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                ep->credentials_uri);
    }
    else if (r == 0 && ep->access_key && ep->secret_key && !has_env(c, "AWS_ACCESS_KEY_ID")) {
        r = add(a, items, &n, cap, c, "AWS_ACCESS_KEY_ID", ep->access_key);
        r = r ? r : add(a, items, &n, cap, c, "AWS_SECRET_ACCESS_KEY", ep->secret_key);
    }
    ret->items = items;
    ret->n = n;
    return r;
}
