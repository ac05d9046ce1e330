/* SPDX-License-Identifier: Apache-2.0 */
/* The rest of local.h: which config file a router image runs (`-c` in its command), the
 * @INCLUDE targets of a config and how they resolve, and the environment a local run adds so
 * the task's AWS clients reach the shims. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "emu/model/local.h"

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
                  struct emu_arena *a, struct emu_kv_list *ret)
{
    const size_t cap = 8;
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
    if (r == 0 && ep->access_key && ep->secret_key && !has_env(c, "AWS_ACCESS_KEY_ID")) {
        r = add(a, items, &n, cap, c, "AWS_ACCESS_KEY_ID", ep->access_key);
        r = r ? r : add(a, items, &n, cap, c, "AWS_SECRET_ACCESS_KEY", ep->secret_key);
    }
    ret->items = items;
    ret->n = n;
    return r;
}
