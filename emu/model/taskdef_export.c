/* SPDX-License-Identifier: Apache-2.0 */
/* The final task definition as a RegisterTaskDefinition request: whatever the input form, the
 * members ECS would register (unknown keys such as a container-level networkMode dropped, the
 * Terraform form's "80"/"true" strings typed as the API types them) with the task-level
 * overrides applied, so users can diff what will run against the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/model/parse_util.h"

#define EXPORT_MAX_DEPTH 64

static const struct pu_shape *member_shape(const struct pu_shape *shape, const char *name)
{
    for (size_t i = 0; i < shape->n_members; i++) {
        if (strcmp(shape->members[i].name, name) == 0) {
            return shape->members[i].shape;
        }
    }
    return NULL;
}

/* A copy of item shaped like shape; NULL when it has no place there (or on OOM: *oom set). */
static cJSON *shaped(const cJSON *item, const struct pu_shape *shape, unsigned depth, bool *oom)
{
    if (!item || cJSON_IsNull(item) || depth > EXPORT_MAX_DEPTH) {
        return NULL;
    }
    cJSON *r = NULL;
    switch (shape->kind) {
    case PU_STRING:
        r = cJSON_IsString(item) ? cJSON_CreateString(item->valuestring) : NULL;
        break;
    case PU_STRING_OR_NUMBER:
        if (cJSON_IsString(item)) {
            r = cJSON_CreateString(item->valuestring);
        }
        else if (cJSON_IsNumber(item)) {
            char buf[64];
            pu_py_str(item, buf, sizeof(buf));
            r = cJSON_CreateString(buf);
        }
        break;
    case PU_INT:
        if (cJSON_IsNumber(item)) {
            r = cJSON_CreateNumber(item->valuedouble);
        }
        else if (cJSON_IsString(item) && pu_is_int_text(item->valuestring)) {
            r = cJSON_CreateNumber((double)strtoll(item->valuestring, NULL, 10));
        }
        break;
    case PU_BOOL:
        if (cJSON_IsBool(item)) {
            r = cJSON_CreateBool(cJSON_IsTrue(item));
        }
        else if (cJSON_IsString(item) && (strcmp(item->valuestring, "true") == 0 ||
                                          strcmp(item->valuestring, "false") == 0)) {
            r = cJSON_CreateBool(item->valuestring[0] == 't');
        }
        break;
    case PU_TIMESTAMP:
        break;
    case PU_LIST: {
        if (!cJSON_IsArray(item)) {
            break;
        }
        r = cJSON_CreateArray();
        const cJSON *e;
        cJSON_ArrayForEach(e, item)
        {
            cJSON *c = r ? shaped(e, shape->elem, depth + 1, oom) : NULL;
            if (c && !cJSON_AddItemToArray(r, c)) {
                cJSON_Delete(c);
                *oom = true;
            }
        }
        break;
    }
    case PU_MAP:
    case PU_STRUCT: {
        if (!cJSON_IsObject(item)) {
            break;
        }
        r = cJSON_CreateObject();
        const cJSON *e;
        cJSON_ArrayForEach(e, item)
        {
            const struct pu_shape *s =
                shape->kind == PU_MAP ? shape->elem : member_shape(shape, e->string);
            cJSON *c = r && s ? shaped(e, s, depth + 1, oom) : NULL;
            if (!c) {
                continue;
            }
            cJSON_DeleteItemFromObjectCaseSensitive(r, e->string); /* the last one wins */
            if (!cJSON_AddItemToObject(r, e->string, c)) {
                cJSON_Delete(c);
                *oom = true;
            }
        }
        break;
    }
    }
    return r; /* NULL: a value of a type with no place here is dropped, as validation said */
}

static cJSON *override_value(const struct emu_taskdef_overrides *ov, const char *name)
{
    const char *v = !ov                                     ? NULL
                    : strcmp(name, "family") == 0           ? ov->family
                    : strcmp(name, "taskRoleArn") == 0      ? ov->task_role_arn
                    : strcmp(name, "executionRoleArn") == 0 ? ov->execution_role_arn
                    : strcmp(name, "networkMode") == 0      ? ov->network_mode
                    : strcmp(name, "cpu") == 0              ? ov->cpu
                    : strcmp(name, "memory") == 0           ? ov->memory
                                                            : NULL;
    if (v) {
        return cJSON_CreateString(v);
    }
    if (ov && ov->requires_compatibilities && strcmp(name, "requiresCompatibilities") == 0) {
        cJSON *list = cJSON_CreateArray();
        const char *s = ov->requires_compatibilities;
        while (list && *s) {
            const char *end = strchr(s, ',');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            while (len && *s == ' ') {
                s++;
                len--;
            }
            while (len && s[len - 1] == ' ') {
                len--;
            }
            if (len) {
                char item[64];
                snprintf(item, sizeof(item), "%.*s", (int)len, s);
                cJSON_AddItemToArray(list, cJSON_CreateString(item));
            }
            s = end ? end + 1 : s + strlen(s);
        }
        return list;
    }
    return NULL;
}

int emu_taskdef_export(const char *json, size_t len, const struct emu_taskdef_overrides *ov,
                       cJSON **ret)
{
    *ret = NULL;
    cJSON *root = NULL;
    struct emu_json_error jerr;
    int r = emu_json_parse(json, len, &root, &jerr);
    if (r < 0) {
        return r;
    }
    const cJSON *task = root;
    const cJSON *containers = NULL;
    if (cJSON_IsArray(root)) {
        containers = root;
        task = NULL;
    }
    else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "taskDefinition"))) {
        task = cJSON_GetObjectItemCaseSensitive(root, "taskDefinition");
    }
    else if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return EMU_EINVAL;
    }
    const struct pu_shape *shape = pu_shape_register_request;
    cJSON *out = cJSON_CreateObject();
    bool oom = out == NULL;
    for (size_t i = 0; !oom && i < shape->n_members; i++) {
        const char *name = shape->members[i].name;
        cJSON *v = override_value(ov, name);
        if (!v && strcmp(name, "containerDefinitions") == 0 && containers) {
            v = shaped(containers, shape->members[i].shape, 0, &oom);
        }
        else if (!v && task) {
            const cJSON *src = cJSON_GetObjectItemCaseSensitive(task, name);
            if (!src && task != root && strcmp(name, "tags") == 0) {
                src = cJSON_GetObjectItemCaseSensitive(root, "tags"); /* beside taskDefinition */
            }
            v = shaped(src, shape->members[i].shape, 0, &oom);
        }
        if (v && !cJSON_AddItemToObject(out, name, v)) {
            cJSON_Delete(v);
            oom = true;
        }
    }
    cJSON_Delete(root);
    if (oom) {
        cJSON_Delete(out);
        return EMU_ENOMEM;
    }
    *ret = out;
    return 0;
}
