/* SPDX-License-Identifier: Apache-2.0 */
/* The aws-for-fluent-bit init process's rules as pure functions: variable names, the metadata
 * /task fields and what is derived from them, S3 ARNs, parser detection, the main config. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/router/init.h"

/* Whether name holds prefix followed by one of two spellings of its last word. */
static bool holds(const char *name, size_t len, const char *prefix, const char *a,
                  const char *b)
{
    size_t pl = strlen(prefix), wl = strlen(a);
    for (size_t i = 0; i + pl + wl <= len; i++) {
        if (memcmp(name + i, prefix, pl) == 0 &&
            (memcmp(name + i + pl, a, wl) == 0 || memcmp(name + i + pl, b, wl) == 0)) {
            return true;
        }
    }
    return false;
}

unsigned emu_router_init_var_kind(const char *name, size_t len)
{
    unsigned k = 0;
    if (holds(name, len, "aws_fluent_bit_init_", "s3", "S3")) {
        k |= EMU_ROUTER_INIT_S3;
    }
    if (holds(name, len, "aws_fluent_bit_init_", "file", "File")) {
        k |= EMU_ROUTER_INIT_FILE;
    }
    return k;
}

int emu_router_init_arn_parse(const char *s, struct emu_arena *a, struct emu_router_arn *ret)
{
    const char *parts[5];
    size_t lens[5];
    if (!s || strncmp(s, "arn:", 4) != 0) {
        return EMU_EINVAL;
    }
    const char *p = s + 4;
    for (int i = 0; i < 4; i++) {
        const char *c = strchr(p, ':');
        if (!c) {
            return EMU_EINVAL;
        }
        parts[i] = p;
        lens[i] = (size_t)(c - p);
        p = c + 1;
    }
    parts[4] = p;
    lens[4] = strlen(p);
    const char **out[5] = {&ret->partition, &ret->service, &ret->region, &ret->account,
                           &ret->resource};
    for (int i = 0; i < 5; i++) {
        *out[i] = emu_arena_strndup(a, parts[i], lens[i]);
        if (!*out[i]) {
            return EMU_ENOMEM;
        }
    }
    return 0;
}

/* The last '/' part of s (s itself without one). */
static const char *last_part(const char *s)
{
    const char *sl = strrchr(s, '/');
    return sl ? sl + 1 : s;
}

static const char *field(const cJSON *root, const char *name, struct emu_arena *a)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    const char *s = cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
    return emu_arena_strdup(a, s);
}

int emu_router_init_meta_parse(const char *json, size_t len, struct emu_arena *a,
                               struct emu_router_init_meta *ret, char *why, size_t why_len)
{
    cJSON *root = NULL;
    struct emu_json_error je;
    struct emu_router_arn arn;
    memset(ret, 0, sizeof(*ret));
    int r = emu_json_parse(json, len, &root, &je);
    if (r < 0 || !cJSON_IsObject(root)) {
        if (r == EMU_EJSON) {
            snprintf(why, why_len, "not JSON: %u:%u: %s", je.line, je.column, je.message);
        }
        else {
            snprintf(why, why_len, "%s", r < 0 ? emu_strerror(r) : "not a JSON object");
        }
        cJSON_Delete(root);
        return r == EMU_ENOMEM ? r : EMU_EBADMSG;
    }
    ret->cluster = field(root, "Cluster", a);
    ret->task_arn = field(root, "TaskARN", a);
    ret->family = field(root, "Family", a);
    ret->revision = field(root, "Revision", a);
    ret->az = field(root, "AvailabilityZone", a);
    ret->launch_type = field(root, "LaunchType", a);
    cJSON_Delete(root);
    if (!ret->cluster || !ret->task_arn || !ret->family || !ret->revision || !ret->az ||
        !ret->launch_type) {
        return EMU_ENOMEM;
    }
    r = emu_router_init_arn_parse(ret->task_arn, a, &arn);
    if (r < 0) {
        snprintf(why, why_len, "TaskARN \"%.200s\" is not an ARN", ret->task_arn);
        return r == EMU_ENOMEM ? r : EMU_EBADMSG;
    }
    ret->region = arn.region;
    ret->task_id = emu_arena_strdup(a, last_part(arn.resource));
    ret->task_definition = emu_arena_printf(a, "%s:%s", ret->family, ret->revision);
    /* Cluster may be a name or an ARN; the name is exported. */
    if (strchr(ret->cluster, '/')) {
        r = emu_router_init_arn_parse(ret->cluster, a, &arn);
        if (r < 0) {
            snprintf(why, why_len, "Cluster \"%.200s\" is not an ARN", ret->cluster);
            return r == EMU_ENOMEM ? r : EMU_EBADMSG;
        }
        ret->cluster = emu_arena_strdup(a, last_part(arn.resource));
    }
    return ret->task_id && ret->task_definition && ret->cluster ? 0 : EMU_ENOMEM;
}

size_t emu_router_init_exports(const struct emu_router_init_meta *m,
                               const char *names[EMU_ROUTER_INIT_MAX_EXPORTS],
                               const char *values[EMU_ROUTER_INIT_MAX_EXPORTS])
{
    size_t n = 0;
    names[n] = "FLB_AWS_USER_AGENT";
    values[n++] = EMU_ROUTER_INIT_USER_AGENT;
    if (!m) {
        return n;
    }
    const char *const kv[][2] = {
        {"AWS_REGION", m->region},       {"AWS_AVAILABILITY_ZONE", m->az},
        {"ECS_CLUSTER", m->cluster},     {"ECS_TASK_ARN", m->task_arn},
        {"ECS_TASK_ID", m->task_id},     {"ECS_FAMILY", m->family},
        {"ECS_LAUNCH_TYPE", m->launch_type}, {"ECS_REVISION", m->revision},
        {"ECS_TASK_DEFINITION", m->task_definition},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        if (kv[i][1] && kv[i][1][0]) {
            names[n] = kv[i][0];
            values[n++] = kv[i][1];
        }
    }
    return n;
}

int emu_router_init_s3_arn(const char *s, struct emu_arena *a, const char **bucket,
                           const char **key)
{
    struct emu_router_arn arn;
    int r = emu_router_init_arn_parse(s, a, &arn);
    if (r < 0) {
        return r;
    }
    const char *sl = strchr(arn.resource, '/');
    if (!sl || sl == arn.resource || !sl[1]) {
        return EMU_EINVAL;
    }
    *bucket = emu_arena_strndup(a, arn.resource, (size_t)(sl - arn.resource));
    *key = emu_arena_strdup(a, sl + 1);
    return *bucket && *key ? 0 : EMU_ENOMEM;
}

const char *emu_router_init_bucket_region(const char *constraint)
{
    if (!constraint || !*constraint) {
        return "us-east-1";
    }
    return strcmp(constraint, "EU") == 0 ? "eu-west-1" : constraint;
}

const char *emu_router_init_s3_name(const char *key)
{
    return last_part(key);
}

static bool contains(const char *data, size_t len, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++) {
        if (data[i] == '[' && memcmp(data + i, needle, nl) == 0) {
            return true;
        }
    }
    return false;
}

bool emu_router_init_is_parser(const char *data, size_t len)
{
    return contains(data, len, "[PARSER]") || contains(data, len, "[MULTILINE_PARSER]");
}

void emu_router_init_plan_init(struct emu_router_init_plan *p, const char *base_config)
{
    memset(p, 0, sizeof(*p));
    emu_buf_init(&p->main_conf, 1024u * 1024u);
    (void)emu_buf_printf(&p->main_conf, "@INCLUDE %s\n",
                         base_config ? base_config : EMU_ROUTER_INIT_BASE_CONFIG);
}

void emu_router_init_plan_done(struct emu_router_init_plan *p)
{
    emu_buf_done(&p->main_conf);
    memset(p, 0, sizeof(*p));
}

int emu_router_init_plan_add(struct emu_router_init_plan *p, struct emu_arena *a,
                             const char *path, const char *data, size_t len)
{
    if (!emu_router_init_is_parser(data, len)) {
        return emu_buf_printf(&p->main_conf, "@INCLUDE %s\n", path);
    }
    if (p->n_parsers == p->cap_parsers) {
        size_t cap = p->cap_parsers ? p->cap_parsers * 2 : 8;
        if (cap > 1024) {
            return EMU_E2BIG;
        }
        const char **n = emu_arena_alloc(a, cap * sizeof(*n));
        if (!n) {
            return EMU_ENOMEM;
        }
        if (p->n_parsers) {
            memcpy(n, p->parsers, p->n_parsers * sizeof(*n));
        }
        p->parsers = n;
        p->cap_parsers = cap;
    }
    p->parsers[p->n_parsers] = emu_arena_strdup(a, path);
    return p->parsers[p->n_parsers++] ? 0 : EMU_ENOMEM;
}
