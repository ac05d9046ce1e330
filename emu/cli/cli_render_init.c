/* SPDX-License-Identifier: Apache-2.0 */
/* `render --local` for a router image of the aws-for-fluent-bit "init" variant: what its init
 * process exports and the main config and command it assembles, with the S3 config objects
 * read from the local S3 store of the data dir `run` uses (docs/init.md). */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/cli/cli_image_map.h"
#include "emu/cli/cli_render_init.h"
#include "emu/cli/cli_tasks.h"
#include "emu/docker/docker.h"
#include "emu/model/local.h"
#include "emu/router/init.h"
#include "shims/s3/s3.h"

/* The tag of an image reference ("repo:tag", the ':' after the last '/'), or "". */
static const char *image_tag(const char *image)
{
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    return colon ? colon + 1 : "";
}

bool emu_cli_render_init_variant(const char *image, const char *mapped)
{
    return (image && strstr(image_tag(image), "init")) ||
           (mapped && strstr(image_tag(mapped), "init"));
}

/* Where the image's own built-in files are: shipped configs are never parser files, the
 * parsers folder always is. Other paths are read by the init process at start. */
static const char *file_kind(const char *path)
{
    if (strncmp(path, "/fluent-bit/parsers/", 20) == 0) {
        return "parser";
    }
    if (strncmp(path, "/ecs/", 5) == 0 || strncmp(path, "/fluent-bit/configs/", 20) == 0) {
        return "include";
    }
    return NULL;
}

struct init_render {
    struct emu_arena *a;
    struct emu_buf *out;
    struct shim_s3_view *view; /* NULL = no store */
    const char *store;
    const struct emu_local_endpoints *ep;
    struct emu_router_init_plan plan;
    struct emu_buf files; /* the S3 objects' texts, printed after the plan */
};

/* One aws_fluent_bit_init_s3 variable: the object from the local store, classified. */
static int add_s3(struct init_render *ir, const char *var, const char *arn)
{
    const char *bucket, *key;
    if (emu_router_init_s3_arn(arn, ir->a, &bucket, &key) < 0) {
        return emu_buf_printf(ir->out, "note: %s=%s: not an S3 object ARN "
                                       "(arn:aws:s3:::bucket/key); the init process fails on it\n",
                              var, arn);
    }
    const char *path = emu_arena_printf(ir->a, EMU_ROUTER_INIT_DIR "/" EMU_ROUTER_INIT_S3_SUBDIR
                                               "/%s", emu_router_init_s3_name(key));
    struct emu_buf body, patched, diff;
    struct emu_local_patch p;
    emu_buf_init(&body, EMU_ROUTER_INIT_FILE_MAX);
    int st = ir->view ? shim_s3_view_read(ir->view, bucket, key, &body) : EMU_ENOENT;
    int r = path ? 0 : EMU_ENOMEM;
    if (r == 0 && st < 0) {
        r = emu_buf_printf(ir->out, "note: %s: s3://%s/%s is not in the local S3 store (%s): "
                                    "put it there before run, or the init process fails\n",
                           var, bucket, key, ir->store);
        r = r ? r : emu_buf_printf(&ir->plan.main_conf, "@INCLUDE %s\n", path);
        emu_buf_done(&body);
        return r;
    }
    r = r ? r
          : emu_router_init_plan_add(&ir->plan, ir->a, path, body.data ? body.data : "",
                                     body.len);
    r = r ? r : emu_buf_printf(&ir->files, "--- %s: s3://%s/%s (local S3) as %s\n", var, bucket,
                               key, path);
    r = r ? r : emu_buf_append(&ir->files, body.data ? body.data : "", body.len);
    if (r == 0 && body.len && body.data[body.len - 1] != '\n') {
        r = emu_buf_putc(&ir->files, '\n');
    }
    /* The init process of the emu-router image points its AWS outputs at the shims. */
    emu_buf_init(&patched, EMU_LOCAL_CONF_MAX * 2);
    emu_buf_init(&diff, EMU_LOCAL_CONF_MAX * 2);
    r = r ? r
          : emu_local_patch_config(body.data ? body.data : "", body.len, EMU_ROUTER_FLUENTBIT,
                                   ir->ep, ir->a, &patched, &p);
    r = r ? r : emu_local_diff(path, &p, &diff);
    if (r == 0 && diff.len) {
        r = emu_buf_append(&ir->files, diff.data, diff.len);
    }
    emu_buf_done(&patched);
    emu_buf_done(&diff);
    emu_buf_done(&body);
    return r;
}

static int add_file(struct init_render *ir, const char *var, const char *path)
{
    const char *kind = file_kind(path);
    if (kind && strcmp(kind, "parser") == 0) {
        return emu_router_init_plan_add(&ir->plan, ir->a, path, "[PARSER]", 8);
    }
    int r = emu_buf_printf(&ir->plan.main_conf, "@INCLUDE %s\n", path);
    if (r == 0 && !kind) {
        r = emu_buf_printf(ir->out, "note: %s: %s is read from the image at start: passed with "
                                    "-R instead when it holds [PARSER] or [MULTILINE_PARSER]\n",
                           var, path);
    }
    return r;
}

int emu_cli_render_init(const struct emu_cli_global *g, const struct emu_container_def *router,
                        const struct emu_render_ctx *ctx, const char *family,
                        const char *revision, const char *region, const char *image_map_file,
                        const struct emu_local_endpoints *ep, struct emu_arena *a,
                        struct emu_buf *out)
{
    struct emu_docker_image_map map;
    struct emu_cli_list none = {0};
    emu_docker_image_map_init(&map);
    int r = emu_cli_image_map_load(&none, image_map_file, &map);
    const char *image = router->image ? router->image : "";
    const char *mapped = r == 0 ? emu_docker_image_map_apply(&map, image) : NULL;
    mapped = mapped ? emu_arena_strdup(a, mapped) : NULL;
    emu_docker_image_map_done(&map);
    if (r < 0 || !emu_cli_render_init_variant(image, mapped)) {
        return r;
    }
    struct init_render ir = {.a = a, .out = out, .ep = ep};
    char dir[4096];
    r = emu_cli_data_dir(g, "render", dir, sizeof(dir));
    ir.store = r == 0 ? emu_arena_printf(a, "%s/s3", dir) : "(no data dir)";
    if (r == 0 && ir.store && shim_s3_view_open(ir.store, &ir.view) < 0) {
        ir.view = NULL;
    }
    r = ir.store ? 0 : EMU_ENOMEM;
    /* The metadata the init process reads from /task, as the metadata shim serves it
     * (AvailabilityZone is the region's first zone, as emu_task_availability_zone says). */
    struct emu_router_init_meta m = {
        .region = region, .az = emu_arena_printf(a, "%sa", region), .cluster = ctx->cluster ? ctx->cluster : "default",
        .task_arn = ctx->task_arn, .task_id = ctx->task_id, .family = family,
        .launch_type = ctx->launch_type == EMU_LAUNCH_EC2 ? "EC2" : "FARGATE",
        .revision = revision,
        .task_definition = emu_arena_printf(a, "%s:%s", family, revision)};
    const char *names[EMU_ROUTER_INIT_MAX_EXPORTS], *values[EMU_ROUTER_INIT_MAX_EXPORTS];
    size_t n = emu_router_init_exports(&m, names, values);
    r = r ? r
          : emu_buf_printf(out, "init: %s%s%s is an init variant of aws-for-fluent-bit (its tag "
                                "contains \"init\"): its init process exports\n",
                           image, mapped && strcmp(mapped, image) ? " -> " : "",
                           mapped && strcmp(mapped, image) ? mapped : "");
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = emu_buf_printf(out, "    %s=%s\n", names[i], values[i] ? values[i] : "");
    }
    emu_router_init_plan_init(&ir.plan, EMU_ROUTER_INIT_BASE_CONFIG);
    emu_buf_init(&ir.files, 64u * 1024u * 1024u);
    /* The container's environment in task-definition order, as `run` passes it to Docker. */
    for (size_t i = 0; r == 0 && i < router->environment.n; i++) {
        const struct emu_kv *kv = &router->environment.items[i];
        unsigned k = emu_router_init_var_kind(kv->key, strlen(kv->key));
        if (k & EMU_ROUTER_INIT_S3) {
            r = add_s3(&ir, kv->key, kv->value ? kv->value : "");
        }
        if (r == 0 && (k & EMU_ROUTER_INIT_FILE)) {
            r = add_file(&ir, kv->key, kv->value ? kv->value : "");
        }
    }
    r = r ? r
          : emu_buf_printf(out, "init: and writes " EMU_ROUTER_INIT_DIR "/"
                                EMU_ROUTER_INIT_MAIN_NAME ":\n%s",
                           ir.plan.main_conf.data ? ir.plan.main_conf.data : "");
    r = r ? r : emu_buf_puts(out, "init: command: " EMU_ROUTER_INIT_ROUTER " -c "
                                  EMU_ROUTER_INIT_DIR "/" EMU_ROUTER_INIT_MAIN_NAME);
    for (size_t i = 0; r == 0 && i < ir.plan.n_parsers; i++) {
        r = emu_buf_printf(out, " -R %s", ir.plan.parsers[i]);
    }
    r = r ? r : emu_buf_putc(out, '\n');
    if (r == 0 && ir.files.len) {
        r = emu_buf_append(out, ir.files.data, ir.files.len);
    }
    emu_buf_done(&ir.files);
    emu_router_init_plan_done(&ir.plan);
    shim_s3_view_free(ir.view);
    return r;
}
