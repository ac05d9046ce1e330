/* SPDX-License-Identifier: Apache-2.0 */
/* Task-definition parsing: detects which of the three input forms the JSON is, checks it
 * against the ECS API shapes with the AWS CLI's own wording, and fills struct emu_taskdef
 * (task-level fields here, containers in taskdef_parse_container.c).
 *
 * Choices: a root that is neither an object nor an array gives one error diagnostic and
 * returns 0 with an empty task definition (form REGISTER, no containers). Overrides apply in
 * every form (a command-line value wins over the file's). JSON null is a type error in the
 * register/describe forms (as botocore says "<class 'NoneType'>") and "absent" in the
 * bare-array form (as Go's encoding/json reads it). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/model/parse_util.h"

/* Ceiling on one task definition's arena: bounds what a hostile 10 MB input can allocate. */
#define TASKDEF_ARENA_LIMIT ((size_t)256 * 1024 * 1024)

/* Largest task-level cpu units / memory MiB we normalise (far above any ECS size). */
#define TASK_SIZE_MAX ((int64_t)1 << 40)

/* ---- cpu / memory ------------------------------------------------------------------------- */

/* Parses "<digits>[.<digits>]" then optional blanks and a case-insensitive unit, giving
 * value * scale when that is a whole number. unit NULL: no decimals, no unit allowed. */
static int parse_scaled(const char *s, const char *unit, int64_t scale, int64_t *ret)
{
    if (!s) {
        return EMU_EINVAL;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    int64_t whole = 0, frac = 0, frac_div = 1;
    size_t nd = 0;
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        if (whole > TASK_SIZE_MAX) {
            return EMU_EINVAL;
        }
        whole = whole * 10 + (*s - '0');
    }
    bool has_dot = false;
    if (*s == '.') {
        has_dot = true;
        s++;
        for (; *s >= '0' && *s <= '9'; s++, nd++) {
            if (frac_div >= 1000000000) {
                return EMU_EINVAL; /* more decimals than anyone means */
            }
            frac = frac * 10 + (*s - '0');
            frac_div *= 10;
        }
    }
    if (nd == 0) {
        return EMU_EINVAL;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    int64_t mul = 1;
    if (*s) {
        size_t ul = unit ? strlen(unit) : 0;
        if (!unit || strncasecmp(s, unit, ul) != 0) {
            return EMU_EINVAL;
        }
        s += ul;
        while (isspace((unsigned char)*s)) {
            s++;
        }
        if (*s) {
            return EMU_EINVAL;
        }
        mul = scale;
    }
    else if (has_dot) {
        return EMU_EINVAL; /* "0.5" without a unit means nothing */
    }
    if (whole > TASK_SIZE_MAX || (frac * mul) % frac_div != 0) {
        return EMU_EINVAL;
    }
    int64_t v = whole * mul + frac * mul / frac_div;
    if (v > TASK_SIZE_MAX) {
        return EMU_EINVAL;
    }
    *ret = v;
    return 0;
}

int emu_parse_task_cpu(const char *s, int64_t *ret_units)
{
    return parse_scaled(s, "vcpu", 1024, ret_units);
}

int emu_parse_task_memory(const char *s, int64_t *ret_mib)
{
    return parse_scaled(s, "gb", 1024, ret_mib);
}

/* ---- Task level ------------------------------------------------------------------------ */

/* Raw text of a task-level cpu/memory value: the string, or the number as Python prints it. */
static const char *size_raw(struct pu_ctx *ctx, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        return pu_strdup(ctx, v->valuestring);
    }
    if (cJSON_IsNumber(v)) {
        char buf[64];
        pu_py_str(v, buf, sizeof(buf));
        return pu_strdup(ctx, buf);
    }
    return NULL;
}

static void set_size(struct pu_ctx *ctx, const char *raw, const char *where, bool is_cpu)
{
    struct emu_taskdef *td = ctx->td;
    const char *what = is_cpu ? "cpu" : "memory";
    struct emu_opt_int *dst = is_cpu ? &td->cpu : &td->memory;
    if (is_cpu) {
        td->cpu_raw = raw;
    }
    else {
        td->memory_raw = raw;
    }
    dst->has = false;
    dst->v = 0;
    if (!raw) {
        return;
    }
    int64_t v;
    int r = is_cpu ? emu_parse_task_cpu(raw, &v) : emu_parse_task_memory(raw, &v);
    if (r == 0) {
        dst->has = true;
        dst->v = v;
        return;
    }
    size_t old = ctx->path_len;
    ctx->path_len = 0;
    ctx->path[0] = '\0';
    pu_path_key(ctx, where);
    pu_diag(ctx, EMU_DIAG_ERROR,
            is_cpu ? "Invalid '%s' setting for task: \"%.100s\" is neither CPU units (\"256\") "
                     "nor vCPUs (\"0.25 vCPU\")"
                   : "Invalid '%s' setting for task: \"%.100s\" is neither MiB (\"512\") nor GB "
                     "(\"1GB\")",
            what, raw);
    ctx->path_len = old;
    ctx->path[old] = '\0';
}

static void set_network_mode(struct pu_ctx *ctx, const char *raw, const char *where)
{
    struct emu_taskdef *td = ctx->td;
    td->network_mode_raw = raw;
    td->network_mode = EMU_NETWORK_UNSET;
    if (!raw) {
        return;
    }
    enum emu_network_mode m = emu_network_mode_from_string(raw);
    if (m < 0) {
        /* Keep UNSET so consumers never index with the invalid value; raw names it. */
        size_t old = ctx->path_len;
        ctx->path_len = 0;
        ctx->path[0] = '\0';
        pu_path_key(ctx, where);
        pu_diag(ctx, EMU_DIAG_ERROR,
                "Invalid value for parameter %s, value: %.100s, valid values: bridge, host, "
                "awsvpc, none",
                where, raw);
        ctx->path_len = old;
        ctx->path[old] = '\0';
        return;
    }
    td->network_mode = m;
}

static void parse_volumes(struct pu_ctx *ctx, const cJSON *o)
{
    struct emu_taskdef *td = ctx->td;
    size_t n;
    const cJSON *a = pu_array(o, "volumes", &n);
    td->volumes = pu_alloc(ctx, n, sizeof(*td->volumes));
    for (const cJSON *it = td->volumes ? a->child : NULL; it; it = it->next) {
        if (!cJSON_IsObject(it)) {
            continue;
        }
        struct emu_volume *v = &td->volumes[td->n_volumes++];
        v->name = pu_str(ctx, it, "name");
        const cJSON *host = pu_get(it, "host");
        if (cJSON_IsObject(host)) {
            v->has_host = true;
            v->host_source_path = pu_str(ctx, host, "sourcePath");
        }
        const cJSON *dv = pu_get(it, "dockerVolumeConfiguration");
        if (cJSON_IsObject(dv)) {
            v->has_docker_volume_configuration = true;
            v->docker_scope = pu_str(ctx, dv, "scope");
            v->docker_autoprovision = pu_bool_get(ctx, dv, "autoprovision");
            v->docker_driver = pu_str(ctx, dv, "driver");
            v->docker_driver_opts = pu_map(ctx, dv, "driverOpts");
            v->docker_labels = pu_map(ctx, dv, "labels");
        }
        const cJSON *efs = pu_get(it, "efsVolumeConfiguration");
        if (cJSON_IsObject(efs)) {
            v->has_efs_volume_configuration = true;
            v->efs_file_system_id = pu_str(ctx, efs, "fileSystemId");
            v->efs_root_directory = pu_str(ctx, efs, "rootDirectory");
        }
        /* s3filesVolumeConfiguration and fsxWindowsFileServerVolumeConfiguration are checked
         * by the shapes but have no model fields: nothing local can mount them. */
        v->configured_at_launch = pu_bool_get(ctx, it, "configuredAtLaunch");
    }
}

static void parse_placement(struct pu_ctx *ctx, const cJSON *o)
{
    struct emu_taskdef *td = ctx->td;
    size_t n;
    const cJSON *a = pu_array(o, "placementConstraints", &n);
    td->placement_constraints = pu_alloc(ctx, n, sizeof(*td->placement_constraints));
    for (const cJSON *it = td->placement_constraints ? a->child : NULL; it; it = it->next) {
        if (!cJSON_IsObject(it)) {
            continue;
        }
        struct emu_placement_constraint *p =
            &td->placement_constraints[td->n_placement_constraints++];
        p->type = pu_str(ctx, it, "type");
        p->expression = pu_str(ctx, it, "expression");
    }
}

static void parse_containers(struct pu_ctx *ctx, const cJSON *list)
{
    struct emu_taskdef *td = ctx->td;
    size_t n = 0;
    for (const cJSON *c = cJSON_IsArray(list) ? list->child : NULL; c; c = c->next) {
        n++;
    }
    td->containers = pu_alloc(ctx, n, sizeof(*td->containers));
    if (!td->containers) {
        return;
    }
    size_t i = 0;
    for (const cJSON *c = list->child; c; c = c->next, i++) {
        if (!cJSON_IsObject(c)) {
            continue; /* pu_check reported it; indexes of later containers stay true */
        }
        struct emu_container_def *cd = &td->containers[td->n_containers++];
        cd->index = i;
        size_t old = pu_path_index(ctx, i);
        pu_parse_container(ctx, c, cd);
        pu_path_pop(ctx, old);
    }
}

/* Task-level members shared by RegisterTaskDefinitionRequest and TaskDefinition; the path is
 * the task object's ("" or "taskDefinition"). */
static void parse_task(struct pu_ctx *ctx, const cJSON *o)
{
    struct emu_taskdef *td = ctx->td;
    char where[64];
    td->family = pu_str(ctx, o, "family");
    td->task_role_arn = pu_str(ctx, o, "taskRoleArn");
    td->execution_role_arn = pu_str(ctx, o, "executionRoleArn");
    snprintf(where, sizeof(where), "%snetworkMode", td->task_path);
    set_network_mode(ctx, pu_str(ctx, o, "networkMode"), where);
    parse_volumes(ctx, o);
    parse_placement(ctx, o);
    td->requires_compatibilities = pu_str_list(ctx, o, "requiresCompatibilities");
    snprintf(where, sizeof(where), "%scpu", td->task_path);
    set_size(ctx, size_raw(ctx, pu_get(o, "cpu")), where, true);
    snprintf(where, sizeof(where), "%smemory", td->task_path);
    set_size(ctx, size_raw(ctx, pu_get(o, "memory")), where, false);
    td->pid_mode = pu_str(ctx, o, "pidMode");
    td->ipc_mode = pu_str(ctx, o, "ipcMode");
    const cJSON *proxy = pu_get(o, "proxyConfiguration");
    if (cJSON_IsObject(proxy)) {
        td->has_proxy_configuration = true;
        td->proxy_container_name = pu_str(ctx, proxy, "containerName");
    }
    td->ephemeral_storage_gib = pu_int_get(ctx, pu_get(o, "ephemeralStorage"), "sizeInGiB");
    const cJSON *rp = pu_get(o, "runtimePlatform");
    td->runtime_os_family = pu_str(ctx, rp, "operatingSystemFamily");
    td->runtime_cpu_architecture = pu_str(ctx, rp, "cpuArchitecture");
    td->enable_fault_injection = pu_bool_get(ctx, o, "enableFaultInjection");
    /* Read-only members of a described task definition (absent in a register request). */
    td->task_definition_arn = pu_str(ctx, o, "taskDefinitionArn");
    td->revision = pu_int_get(ctx, o, "revision");
    td->status = pu_str(ctx, o, "status");
    td->compatibilities = pu_str_list(ctx, o, "compatibilities");

    size_t old = pu_path_key(ctx, "containerDefinitions");
    parse_containers(ctx, pu_get(o, "containerDefinitions"));
    pu_path_pop(ctx, old);
}

static struct emu_str_list split_commas(struct pu_ctx *ctx, const char *s)
{
    struct emu_str_list r = {0};
    size_t n = 1;
    for (const char *p = s; *p; p++) {
        n += *p == ',';
    }
    r.items = pu_alloc(ctx, n, sizeof(*r.items));
    while (r.items && *s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *b = s, *e = s + len;
        while (b < e && isspace((unsigned char)*b)) {
            b++;
        }
        while (e > b && isspace((unsigned char)e[-1])) {
            e--;
        }
        if (e > b) {
            char *item = emu_arena_strndup(&ctx->td->arena, b, (size_t)(e - b));
            if (!item) {
                ctx->oom = true;
                break;
            }
            r.items[r.n++] = item;
        }
        s += len + (end ? 1 : 0);
    }
    return r;
}

static void apply_overrides(struct pu_ctx *ctx, const struct emu_taskdef_overrides *ov)
{
    struct emu_taskdef *td = ctx->td;
    if (!ov) {
        return;
    }
    ctx->path_len = 0;
    ctx->path[0] = '\0';
    if (ov->family) {
        td->family = pu_strdup(ctx, ov->family);
    }
    if (ov->cpu) {
        set_size(ctx, pu_strdup(ctx, ov->cpu), "--cpu", true);
    }
    if (ov->memory) {
        set_size(ctx, pu_strdup(ctx, ov->memory), "--memory", false);
    }
    if (ov->network_mode) {
        set_network_mode(ctx, pu_strdup(ctx, ov->network_mode), "--network-mode");
    }
    if (ov->requires_compatibilities) {
        td->requires_compatibilities = split_commas(ctx, ov->requires_compatibilities);
    }
    if (ov->task_role_arn) {
        td->task_role_arn = pu_strdup(ctx, ov->task_role_arn);
    }
    if (ov->execution_role_arn) {
        td->execution_role_arn = pu_strdup(ctx, ov->execution_role_arn);
    }
}

/* ---- Entry point -------------------------------------------------------------------------- */

static void parse_root(struct pu_ctx *ctx, const cJSON *root)
{
    struct emu_taskdef *td = ctx->td;
    if (cJSON_IsArray(root)) {
        td->form = EMU_FORM_CONTAINERS;
        td->containers_path = "";
        td->task_path = "";
        ctx->lenient = true;
        pu_check(ctx, root, pu_shape_container_list);
        parse_containers(ctx, root);
        return;
    }
    if (!cJSON_IsObject(root)) {
        pu_diag(ctx, EMU_DIAG_ERROR,
                "A task definition must be a JSON object (a RegisterTaskDefinition request or a "
                "DescribeTaskDefinition response) or an array of container definitions, not %s",
                emu_json_type_name(root));
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "taskDefinition")) {
        td->form = EMU_FORM_DESCRIBE;
        td->containers_path = "taskDefinition.containerDefinitions";
        td->task_path = "taskDefinition.";
        pu_check(ctx, root, pu_shape_describe_response);
        td->tags = pu_pairs(ctx, root, "tags", "key", "value");
        const cJSON *t = pu_get(root, "taskDefinition");
        size_t old = pu_path_key(ctx, "taskDefinition");
        parse_task(ctx, cJSON_IsObject(t) ? t : NULL);
        pu_path_pop(ctx, old);
        return;
    }
    td->form = EMU_FORM_REGISTER;
    td->containers_path = "containerDefinitions";
    td->task_path = "";
    pu_check(ctx, root, pu_shape_register_request);
    td->tags = pu_pairs(ctx, root, "tags", "key", "value");
    parse_task(ctx, root);
}

int emu_taskdef_parse(const char *json, size_t len, const struct emu_taskdef_overrides *overrides,
                      struct emu_taskdef **ret, struct emu_diags *diags)
{
    *ret = NULL;
    if (len > EMU_JSON_MAX_INPUT) {
        return EMU_E2BIG;
    }
    cJSON *root = NULL;
    struct emu_json_error jerr = {0};
    int r = emu_json_parse(json ? json : "", json ? len : 0, &root, &jerr);
    if (r == EMU_EJSON) {
        if (emu_diags_add(diags, EMU_DIAG_ERROR, "", "line %u, column %u: %s", jerr.line,
                          jerr.column, jerr.message) < 0) {
            return EMU_ENOMEM;
        }
        return EMU_EJSON;
    }
    if (r < 0) {
        return r;
    }
    struct emu_taskdef *td = emu_calloc(1, sizeof(*td));
    struct pu_ctx *ctx = emu_calloc(1, sizeof(*ctx));
    if (!td || !ctx) {
        emu_free(td);
        emu_free(ctx);
        cJSON_Delete(root);
        return EMU_ENOMEM;
    }
    emu_arena_init(&td->arena, TASKDEF_ARENA_LIMIT);
    td->containers_path = "containerDefinitions";
    td->task_path = "";
    ctx->td = td;
    ctx->diags = diags;
    parse_root(ctx, root);
    apply_overrides(ctx, overrides);
    bool oom = ctx->oom;
    emu_free(ctx);
    cJSON_Delete(root);
    if (!oom && emu_taskdef_index_names(td) < 0) {
        oom = true;
    }
    if (oom) {
        emu_taskdef_free(td);
        return EMU_ENOMEM;
    }
    *ret = td;
    return 0;
}

struct emu_taskdef *emu_taskdef_free(struct emu_taskdef *td)
{
    if (td) {
        emu_arena_done(&td->arena);
        emu_free(td);
    }
    return NULL;
}
