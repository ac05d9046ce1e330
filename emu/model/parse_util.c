/* SPDX-License-Identifier: Apache-2.0 */
/* Paths, diagnostics and typed readers used by the task-definition parser: the readers copy
 * values into the task definition's arena; the schema check (parse_check.c) reported types. */
#include "emu/model/parse_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Paths --------------------------------------------------------------------------------- */

static void path_append(struct pu_ctx *ctx, const char *s, size_t n)
{
    size_t room = PU_PATH_MAX - 1 - ctx->path_len;
    if (n > room) {
        /* Cut with "..."; the full buffer then refuses further appends until popped. */
        if (room < 3) {
            return;
        }
        memcpy(ctx->path + ctx->path_len, s, room - 3);
        memcpy(ctx->path + ctx->path_len + room - 3, "...", 3);
        ctx->path_len = PU_PATH_MAX - 1;
        ctx->path[ctx->path_len] = '\0';
        return;
    }
    memcpy(ctx->path + ctx->path_len, s, n);
    ctx->path_len += n;
    ctx->path[ctx->path_len] = '\0';
}

size_t pu_path_key(struct pu_ctx *ctx, const char *key)
{
    size_t old = ctx->path_len;
    if (ctx->path_len > 0) {
        path_append(ctx, ".", 1);
    }
    path_append(ctx, key, strlen(key));
    return old;
}

size_t pu_path_index(struct pu_ctx *ctx, size_t i)
{
    size_t old = ctx->path_len;
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "[%zu]", i);
    path_append(ctx, tmp, (size_t)n);
    return old;
}

void pu_path_pop(struct pu_ctx *ctx, size_t old_len)
{
    if (old_len < ctx->path_len) {
        ctx->path_len = old_len;
        ctx->path[old_len] = '\0';
    }
}

const char *pu_path_name(const struct pu_ctx *ctx)
{
    return ctx->path_len ? ctx->path : "input";
}

void pu_diag(struct pu_ctx *ctx, enum emu_diag_severity sev, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (emu_diags_add(ctx->diags, sev, ctx->path, "%s", msg) < 0) {
        ctx->oom = true;
    }
}

/* ---- Typed readers -------------------------------------------------------------------------- */

const cJSON *pu_get(const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj)) {
        return NULL;
    }
    const cJSON *found = NULL;
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (c->string && strcmp(c->string, key) == 0) {
            found = c;
        }
    }
    return found && !cJSON_IsNull(found) ? found : NULL;
}

char *pu_strdup(struct pu_ctx *ctx, const char *s)
{
    char *r = emu_arena_strdup(&ctx->td->arena, s);
    if (!r) {
        ctx->oom = true;
    }
    return r;
}

void *pu_alloc(struct pu_ctx *ctx, size_t n, size_t size)
{
    if (n == 0) {
        return NULL;
    }
    if (size && n > (size_t)-1 / size) {
        ctx->oom = true;
        return NULL;
    }
    void *p = emu_arena_alloc(&ctx->td->arena, n * size);
    if (!p) {
        ctx->oom = true;
    }
    return p;
}

const char *pu_str(struct pu_ctx *ctx, const cJSON *obj, const char *key)
{
    const cJSON *v = pu_get(obj, key);
    return cJSON_IsString(v) ? pu_strdup(ctx, v->valuestring) : NULL;
}

struct emu_opt_int pu_int_of(struct pu_ctx *ctx, const cJSON *v)
{
    struct emu_opt_int r = {0};
    if (pu_number_is_int(v)) {
        r.has = true;
        r.v = (int64_t)v->valuedouble;
    }
    else if (ctx->lenient && cJSON_IsString(v) && pu_is_int_text(v->valuestring)) {
        r.has = true;
        r.v = strtoll(v->valuestring, NULL, 10);
    }
    return r;
}

struct emu_opt_int pu_int_get(struct pu_ctx *ctx, const cJSON *obj, const char *key)
{
    return pu_int_of(ctx, pu_get(obj, key));
}

struct emu_opt_bool pu_bool_get(struct pu_ctx *ctx, const cJSON *obj, const char *key)
{
    struct emu_opt_bool r = {0};
    const cJSON *v = pu_get(obj, key);
    if (cJSON_IsBool(v)) {
        r.has = true;
        r.v = cJSON_IsTrue(v);
    }
    else if (ctx->lenient && cJSON_IsString(v)) {
        if (strcmp(v->valuestring, "true") == 0) {
            r.has = true;
            r.v = true;
        }
        else if (strcmp(v->valuestring, "false") == 0) {
            r.has = true;
        }
    }
    return r;
}

const cJSON *pu_array(const cJSON *obj, const char *key, size_t *ret_n)
{
    const cJSON *a = pu_get(obj, key);
    *ret_n = 0;
    if (!cJSON_IsArray(a)) {
        return NULL;
    }
    size_t n = 0;
    for (const cJSON *c = a->child; c; c = c->next) {
        n++;
    }
    *ret_n = n;
    return a;
}

struct emu_str_list pu_str_list(struct pu_ctx *ctx, const cJSON *obj, const char *key)
{
    struct emu_str_list r = {0};
    size_t n;
    const cJSON *a = pu_array(obj, key, &n);
    if (!a || n == 0) {
        return r;
    }
    r.items = pu_alloc(ctx, n, sizeof(*r.items));
    if (!r.items) {
        return r;
    }
    for (const cJSON *c = a->child; c; c = c->next) {
        if (cJSON_IsString(c)) {
            r.items[r.n++] = pu_strdup(ctx, c->valuestring);
        }
    }
    return r;
}

struct emu_kv_list pu_map(struct pu_ctx *ctx, const cJSON *obj, const char *key)
{
    struct emu_kv_list r = {0};
    const cJSON *m = pu_get(obj, key);
    if (!cJSON_IsObject(m)) {
        return r;
    }
    size_t n = 0;
    for (const cJSON *c = m->child; c; c = c->next) {
        n++;
    }
    r.items = pu_alloc(ctx, n, sizeof(*r.items));
    if (!r.items) {
        return r;
    }
    for (const cJSON *c = m->child; c; c = c->next) {
        if (cJSON_IsString(c) && c->string) {
            r.items[r.n].key = pu_strdup(ctx, c->string);
            r.items[r.n].value = pu_strdup(ctx, c->valuestring);
            r.n++;
        }
    }
    return r;
}

struct emu_kv_list pu_pairs(struct pu_ctx *ctx, const cJSON *obj, const char *key,
                            const char *kname, const char *vname)
{
    struct emu_kv_list r = {0};
    size_t n;
    const cJSON *a = pu_array(obj, key, &n);
    if (!a || n == 0) {
        return r;
    }
    r.items = pu_alloc(ctx, n, sizeof(*r.items));
    if (!r.items) {
        return r;
    }
    size_t i = 0;
    for (const cJSON *c = a->child; c; c = c->next, i++) {
        if (!cJSON_IsObject(c)) {
            continue;
        }
        const char *k = pu_str(ctx, c, kname);
        if (!k) {
            /* Consumers look entries up by key: an entry without one cannot be used. */
            size_t old = pu_path_key(ctx, key);
            pu_path_index(ctx, i);
            pu_diag(ctx, EMU_DIAG_WARNING, "%s has no \"%s\", ignoring it", pu_path_name(ctx),
                    kname);
            pu_path_pop(ctx, old);
            continue;
        }
        const char *v = pu_str(ctx, c, vname);
        r.items[r.n].key = k;
        r.items[r.n].value = v ? v : pu_strdup(ctx, "");
        r.n++;
    }
    return r;
}

struct emu_secret_list pu_secrets(struct pu_ctx *ctx, const cJSON *obj, const char *key)
{
    struct emu_secret_list r = {0};
    size_t n;
    const cJSON *a = pu_array(obj, key, &n);
    if (!a || n == 0) {
        return r;
    }
    r.items = pu_alloc(ctx, n, sizeof(*r.items));
    if (!r.items) {
        return r;
    }
    for (const cJSON *c = a->child; c; c = c->next) {
        /* name and valueFrom are required members: pu_check reported a missing one. */
        const char *name = pu_str(ctx, c, "name");
        const char *value_from = pu_str(ctx, c, "valueFrom");
        if (name && value_from) {
            r.items[r.n].name = name;
            r.items[r.n].value_from = value_from;
            r.n++;
        }
    }
    return r;
}
