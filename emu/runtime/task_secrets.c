/* SPDX-License-Identifier: Apache-2.0 */
/* The --secrets-file map (a JSON object from secret ARN or name to value) and the lookup of a
 * container secret's valueFrom in it: the full ARN, the SSM parameter name (with and without
 * its leading '/'), the Secrets Manager secret name, and a Secrets Manager json-key. Pure. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/runtime/runtime.h"

#define MAX_SECRETS 10000

int emu_secret_map_parse(const char *json, size_t len, struct emu_arena *arena,
                         struct emu_secret_map *ret, char *why, size_t why_len)
{
    cJSON *root = NULL;
    struct emu_json_error jerr;
    int r = emu_json_parse(json, len, &root, &jerr);
    if (r < 0) {
        (void)snprintf(why, why_len, "line %u, column %u: %s", jerr.line, jerr.column,
                       jerr.message);
        return r;
    }
    if (!cJSON_IsObject(root)) {
        (void)snprintf(why, why_len, "expected a JSON object of secret ARN or name to value, "
                                     "got %s", emu_json_type_name(root));
        cJSON_Delete(root);
        return -EINVAL;
    }
    size_t n = (size_t)cJSON_GetArraySize(root);
    if (n > MAX_SECRETS) {
        cJSON_Delete(root);
        (void)snprintf(why, why_len, "more than %d secrets", MAX_SECRETS);
        return -E2BIG;
    }
    struct emu_kv *items = emu_arena_alloc(arena, (n + 1) * sizeof(*items));
    if (!items) {
        cJSON_Delete(root);
        return -ENOMEM;
    }
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        if (!cJSON_IsString(it)) {
            (void)snprintf(why, why_len, "secret \"%s\": expected a string value, got %s",
                           it->string, emu_json_type_name(it));
            cJSON_Delete(root);
            return -EINVAL;
        }
        items[k].key = emu_arena_strdup(arena, it->string);
        items[k].value = emu_arena_strdup(arena, it->valuestring);
        if (!items[k].key || !items[k].value) {
            cJSON_Delete(root);
            return -ENOMEM;
        }
        k++;
    }
    cJSON_Delete(root);
    ret->items = items;
    ret->n = k;
    return 0;
}

static const char *get(const struct emu_secret_map *m, const char *key, size_t len)
{
    for (size_t i = 0; key && i < m->n; i++) {
        if (strlen(m->items[i].key) == len && memcmp(m->items[i].key, key, len) == 0) {
            return m->items[i].value;
        }
    }
    return NULL;
}

/* A Secrets Manager value's json-key, when the value is a JSON object holding it. */
static const char *json_key(const char *value, const char *key, size_t key_len,
                            struct emu_arena *a)
{
    cJSON *root = NULL;
    struct emu_json_error jerr;
    if (emu_json_parse(value, strlen(value), &root, &jerr) < 0) {
        return NULL;
    }
    char *k = emu_arena_strndup(a, key, key_len);
    const cJSON *item = k ? cJSON_GetObjectItemCaseSensitive(root, k) : NULL;
    const char *out = NULL;
    if (cJSON_IsString(item)) {
        out = emu_arena_strdup(a, item->valuestring);
    }
    else if (item) {
        char *printed = cJSON_PrintUnformatted(item);
        out = printed ? emu_arena_strdup(a, printed) : NULL;
        cJSON_free(printed);
    }
    cJSON_Delete(root);
    return out;
}

static const char *lookup_asm(const struct emu_secret_map *m, const char *vf, const char *name,
                              struct emu_arena *a)
{
    /* arn:aws:secretsmanager:R:A:secret:NAME[:json-key:version-stage:version-id] */
    const char *colon = strchr(name, ':');
    size_t name_len = colon ? (size_t)(colon - name) : strlen(name);
    size_t base_len = (size_t)(name - vf) + name_len;
    const char *v = get(m, vf, base_len);
    v = v ? v : get(m, name, name_len);
    /* The console's ARN ends in "-" and six random characters; the name does not. */
    if (!v && name_len > 7 && name[name_len - 7] == '-') {
        v = get(m, name, name_len - 7);
    }
    if (!v || !colon) {
        return v;
    }
    const char *key = colon + 1;
    const char *key_end = strchr(key, ':');
    size_t key_len = key_end ? (size_t)(key_end - key) : strlen(key);
    return key_len ? json_key(v, key, key_len, a) : v;
}

const char *emu_secret_lookup(const struct emu_secret_map *m, const char *value_from,
                              struct emu_arena *arena)
{
    if (!value_from) {
        return NULL;
    }
    const char *v = get(m, value_from, strlen(value_from));
    if (v) {
        return v;
    }
    const char *p = strstr(value_from, ":secret:");
    if (strncmp(value_from, "arn:", 4) == 0 && p) {
        return lookup_asm(m, value_from, p + strlen(":secret:"), arena);
    }
    p = strstr(value_from, ":parameter");
    if (strncmp(value_from, "arn:", 4) == 0 && p) {
        const char *name = p + strlen(":parameter");
        v = get(m, name, strlen(name)); /* "/name" */
        return v ? v : (name[0] == '/' ? get(m, name + 1, strlen(name + 1)) : NULL);
    }
    /* A bare parameter name: try it with and without the leading '/'. */
    if (value_from[0] == '/') {
        return get(m, value_from + 1, strlen(value_from + 1));
    }
    return NULL;
}
