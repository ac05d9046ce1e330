/* SPDX-License-Identifier: Apache-2.0 */
/* `terraform show -json` reader: collects the managed resources of planned_values (a plan) or
 * values (a state), recursively through child_modules, picks the aws_ecs_task_definition, and
 * gathers the policies of its roles from aws_iam_role, aws_iam_role_policy,
 * aws_iam_role_policy_attachment and aws_iam_policy resources. */
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/tf/tfplan.h"

#define TFPLAN_MAX_RESOURCES 100000u
#define TFPLAN_MAX_DEPTH 32u
#define TFPLAN_ARENA_LIMIT (64u * 1024u * 1024u)

struct resources {
    const cJSON **v;
    size_t n;
    size_t cap;
};

struct reader {
    struct emu_tf_taskdef *t;
    struct resources res;
    const cJSON *root;
    struct emu_diags *diags;
    int rc;
};

static const cJSON *array_or_null(const cJSON *a)
{
    return cJSON_IsArray(a) ? a : NULL;
}

static int add_resource(struct reader *rd, const cJSON *r)
{
    if (rd->res.n == rd->res.cap) {
        if (rd->res.cap >= TFPLAN_MAX_RESOURCES) {
            return EMU_E2BIG;
        }
        size_t ncap = rd->res.cap ? rd->res.cap * 2 : 32;
        const cJSON **v = emu_realloc(rd->res.v, ncap * sizeof(*v));
        if (!v) {
            return EMU_ENOMEM;
        }
        rd->res.v = v;
        rd->res.cap = ncap;
    }
    rd->res.v[rd->res.n++] = r;
    return 0;
}

static int collect(struct reader *rd, const cJSON *module, unsigned depth)
{
    if (!cJSON_IsObject(module)) {
        return 0;
    }
    if (depth > TFPLAN_MAX_DEPTH) {
        return EMU_E2BIG;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(module, "resources");
    const cJSON *r;
    cJSON_ArrayForEach(r, array_or_null(list))
    {
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(r, "mode");
        if (cJSON_IsObject(r) &&
            (!cJSON_IsString(mode) || strcmp(mode->valuestring, "managed") == 0)) {
            int e = add_resource(rd, r);
            if (e < 0) {
                return e;
            }
        }
    }
    const cJSON *children = cJSON_GetObjectItemCaseSensitive(module, "child_modules");
    const cJSON *c;
    cJSON_ArrayForEach(c, array_or_null(children))
    {
        int e = collect(rd, c, depth + 1);
        if (e < 0) {
            return e;
        }
    }
    return 0;
}

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool is_type(const cJSON *r, const char *type)
{
    const char *t = str_of(r, "type");
    return t && strcmp(t, type) == 0;
}

static const cJSON *values_of(const cJSON *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "values");
    return cJSON_IsObject(v) ? v : NULL;
}

static const char *copy(struct reader *rd, const char *s)
{
    if (!s) {
        return NULL;
    }
    char *c = emu_arena_strdup(&rd->t->arena, s);
    if (!c) {
        rd->rc = EMU_ENOMEM;
    }
    return c;
}

/* The after_unknown object of the resource change for address (plans only). */
static const cJSON *after_unknown(const struct reader *rd, const char *address)
{
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(rd->root, "resource_changes");
    const cJSON *c;
    cJSON_ArrayForEach(c, array_or_null(changes))
    {
        const char *a = str_of(c, "address");
        if (a && strcmp(a, address) == 0) {
            const cJSON *change = cJSON_GetObjectItemCaseSensitive(c, "change");
            return cJSON_GetObjectItemCaseSensitive(change, "after_unknown");
        }
    }
    return NULL;
}

static bool is_unknown(const struct reader *rd, const char *address, const char *attr)
{
    const cJSON *u = after_unknown(rd, address);
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, attr));
}

static int add_policy(struct reader *rd, struct emu_tf_role *role, struct emu_tf_policy p)
{
    struct emu_tf_policy *v = emu_arena_alloc(&rd->t->arena, (role->n_policies + 1) * sizeof(*v));
    if (!v) {
        return rd->rc = EMU_ENOMEM;
    }
    if (role->n_policies) {
        memcpy(v, role->policies, role->n_policies * sizeof(*v));
    }
    v[role->n_policies++] = p;
    role->policies = v;
    return 0;
}

/* The managed policy document for an attached ARN, when the plan creates that policy. */
static const char *policy_document_for(const struct reader *rd, const char *arn)
{
    for (size_t i = 0; i < rd->res.n; i++) {
        const cJSON *v = values_of(rd->res.v[i]);
        if (is_type(rd->res.v[i], "aws_iam_policy") && str_of(v, "arn") &&
            strcmp(str_of(v, "arn"), arn) == 0) {
            return str_of(v, "policy");
        }
    }
    return NULL;
}

static const char *role_name_from_arn(const char *arn)
{
    const char *slash = arn ? strrchr(arn, '/') : NULL;
    return arn && strstr(arn, ":role/") ? slash + 1 : NULL;
}

static void read_role(struct reader *rd, const char *arn, struct emu_tf_role *role)
{
    const char *want_name = role_name_from_arn(arn);
    const cJSON *found = NULL;
    for (size_t i = 0; i < rd->res.n && !found; i++) {
        const cJSON *v = values_of(rd->res.v[i]);
        if (!is_type(rd->res.v[i], "aws_iam_role") || !v) {
            continue;
        }
        const char *a = str_of(v, "arn"), *n = str_of(v, "name");
        if ((arn && a && strcmp(a, arn) == 0) || (want_name && n && strcmp(n, want_name) == 0)) {
            found = rd->res.v[i];
        }
    }
    role->arn = copy(rd, arn);
    if (!found) {
        role->name = copy(rd, want_name);
        return;
    }
    const cJSON *v = values_of(found);
    role->address = copy(rd, str_of(found, "address"));
    role->name = copy(rd, str_of(v, "name"));
    const cJSON *inl = cJSON_GetObjectItemCaseSensitive(v, "inline_policy");
    const cJSON *ip;
    cJSON_ArrayForEach(ip, array_or_null(inl))
    {
        if (str_of(ip, "policy") && str_of(ip, "policy")[0]) {
            add_policy(rd, role,
                       (struct emu_tf_policy){.address = role->address,
                                              .name = copy(rd, str_of(ip, "name")),
                                              .document = copy(rd, str_of(ip, "policy"))});
        }
    }
    const cJSON *managed = cJSON_GetObjectItemCaseSensitive(v, "managed_policy_arns");
    const cJSON *m;
    cJSON_ArrayForEach(m, array_or_null(managed))
    {
        if (cJSON_IsString(m)) {
            add_policy(rd, role,
                       (struct emu_tf_policy){
                           .address = role->address,
                           .arn = copy(rd, m->valuestring),
                           .document = copy(rd, policy_document_for(rd, m->valuestring))});
        }
    }
    for (size_t i = 0; i < rd->res.n && role->name; i++) {
        const cJSON *r = rd->res.v[i];
        const cJSON *rv = values_of(r);
        const char *target = str_of(rv, "role");
        if (!target || strcmp(target, role->name) != 0) {
            continue;
        }
        if (is_type(r, "aws_iam_role_policy")) {
            add_policy(rd, role,
                       (struct emu_tf_policy){.address = copy(rd, str_of(r, "address")),
                                              .name = copy(rd, str_of(rv, "name")),
                                              .document = copy(rd, str_of(rv, "policy"))});
        }
        else if (is_type(r, "aws_iam_role_policy_attachment") && str_of(rv, "policy_arn")) {
            const char *parn = str_of(rv, "policy_arn");
            add_policy(rd, role,
                       (struct emu_tf_policy){.address = copy(rd, str_of(r, "address")),
                                              .arn = copy(rd, parn),
                                              .document = copy(rd, policy_document_for(rd, parn))});
        }
    }
}

/* Joins a set of strings (requires_compatibilities) with commas into the arena. */
static const char *join_list(struct reader *rd, const cJSON *list)
{
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    const cJSON *e;
    int r = 0;
    cJSON_ArrayForEach(e, array_or_null(list))
    {
        if (cJSON_IsString(e)) {
            r = r ? r : b.len ? emu_buf_putc(&b, ',') : 0;
            r = r ? r : emu_buf_puts(&b, e->valuestring);
        }
    }
    const char *s = r == 0 && b.data ? copy(rd, b.data) : NULL;
    emu_buf_done(&b);
    return s;
}

static int pick(struct reader *rd, const char *resource, const cJSON **ret)
{
    const cJSON *picked = NULL;
    size_t count = 0;
    struct emu_buf names;
    emu_buf_init(&names, 64u * 1024u);
    for (size_t i = 0; i < rd->res.n; i++) {
        const cJSON *r = rd->res.v[i];
        const char *addr = str_of(r, "address");
        if (!is_type(r, "aws_ecs_task_definition") || !addr) {
            continue;
        }
        (void)emu_buf_printf(&names, "%s%s", count ? ", " : "", addr);
        count++;
        if (!resource || strcmp(resource, addr) == 0) {
            picked = r;
        }
    }
    int e = 0;
    if (count == 0) {
        (void)emu_diags_add(rd->diags, EMU_DIAG_ERROR, "",
                            "no aws_ecs_task_definition resource in this plan or state");
        e = EMU_ENOENT;
    }
    else if (resource && !picked) {
        (void)emu_diags_add(rd->diags, EMU_DIAG_ERROR, "",
                            "no aws_ecs_task_definition at address \"%s\"; there is: %s", resource,
                            names.data ? names.data : "");
        e = EMU_ENOENT;
    }
    else if (!resource && count > 1) {
        (void)emu_diags_add(rd->diags, EMU_DIAG_ERROR, "",
                            "%zu aws_ecs_task_definition resources; pick one with --resource: %s",
                            count, names.data ? names.data : "");
        e = EMU_EINVAL;
    }
    emu_buf_done(&names);
    *ret = picked;
    return e;
}

static int read_taskdef(struct reader *rd, const cJSON *r)
{
    struct emu_tf_taskdef *t = rd->t;
    const cJSON *v = values_of(r);
    t->address = copy(rd, str_of(r, "address"));
    const char *defs = str_of(v, "container_definitions");
    if (!defs) {
        if (is_unknown(rd, t->address, "container_definitions")) {
            (void)emu_diags_add(rd->diags, EMU_DIAG_ERROR, "",
                                "%s: container_definitions is not known until apply (it depends "
                                "on a value Terraform has yet to create); plan again once its "
                                "dependencies exist, or run the template with --tftpl",
                                t->address);
        }
        else {
            (void)emu_diags_add(rd->diags, EMU_DIAG_ERROR, "", "%s has no container_definitions",
                                t->address);
        }
        return EMU_EINVAL;
    }
    t->container_definitions = copy(rd, defs);
    struct emu_taskdef_overrides *ov = &t->overrides;
    ov->family = copy(rd, str_of(v, "family"));
    ov->cpu = copy(rd, str_of(v, "cpu"));
    ov->memory = copy(rd, str_of(v, "memory"));
    ov->network_mode = copy(rd, str_of(v, "network_mode"));
    ov->requires_compatibilities =
        join_list(rd, cJSON_GetObjectItemCaseSensitive(v, "requires_compatibilities"));
    ov->task_role_arn = copy(rd, str_of(v, "task_role_arn"));
    ov->execution_role_arn = copy(rd, str_of(v, "execution_role_arn"));
    static const char *const roles[] = {"task_role_arn", "execution_role_arn"};
    for (size_t i = 0; i < 2; i++) {
        if (!str_of(v, roles[i]) && is_unknown(rd, t->address, roles[i])) {
            (void)emu_diags_add(rd->diags, EMU_DIAG_WARNING, "",
                                "%s: %s is not known until apply; running without it", t->address,
                                roles[i]);
        }
    }
    if (ov->task_role_arn) {
        read_role(rd, ov->task_role_arn, &t->task_role);
    }
    if (ov->execution_role_arn) {
        read_role(rd, ov->execution_role_arn, &t->execution_role);
    }
    return rd->rc;
}

int emu_tfplan_read(const char *json, size_t len, const char *resource, struct emu_tf_taskdef **ret,
                    struct emu_diags *diags)
{
    *ret = NULL;
    cJSON *root = NULL;
    struct emu_json_error jerr = {0};
    int r = emu_json_parse(json, len, &root, &jerr);
    if (r == EMU_EJSON) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "", "line %u, column %u: %s", jerr.line,
                            jerr.column, jerr.message);
        return r;
    }
    if (r < 0) {
        return r;
    }
    struct reader rd = {.root = root, .diags = diags};
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(root, "planned_values");
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(root, "values");
    const cJSON *module = cJSON_GetObjectItemCaseSensitive(pv ? pv : sv, "root_module");
    if (!cJSON_IsObject(root) || !cJSON_IsObject(module)) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                            "not `terraform show -json` output: no planned_values.root_module "
                            "(a plan) or values.root_module (a state)");
        cJSON_Delete(root);
        return EMU_EJSON;
    }
    rd.t = emu_calloc(1, sizeof(*rd.t));
    if (!rd.t) {
        cJSON_Delete(root);
        return EMU_ENOMEM;
    }
    emu_arena_init(&rd.t->arena, TFPLAN_ARENA_LIMIT);
    r = collect(&rd, module, 0);
    if (r == EMU_E2BIG) {
        (void)emu_diags_add(diags, EMU_DIAG_ERROR, "",
                            "more than %u resources or %u levels of modules", TFPLAN_MAX_RESOURCES,
                            TFPLAN_MAX_DEPTH);
    }
    const cJSON *picked = NULL;
    r = r ? r : pick(&rd, resource, &picked);
    r = r ? r : read_taskdef(&rd, picked);
    if (r == 0 && rd.rc) {
        r = rd.rc;
    }
    emu_free(rd.res.v);
    cJSON_Delete(root);
    if (r < 0) {
        emu_tfplan_free(rd.t);
        return r;
    }
    *ret = rd.t;
    return 0;
}

struct emu_tf_taskdef *emu_tfplan_free(struct emu_tf_taskdef *t)
{
    if (t) {
        emu_arena_done(&t->arena);
        emu_free(t);
    }
    return NULL;
}
