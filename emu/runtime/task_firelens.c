/* SPDX-License-Identifier: Apache-2.0 */
/* The FireLens resource of a task as the ECS agent lays it out (spec 1.1: <data>/firelens/
 * <taskID>/{config,socket}, fluent.conf written atomically, external.conf fetched for
 * config-file-type s3), and what a local run changes so the task reaches fargate-emu's
 * endpoints: AWS outputs patched in the generated config and in config files baked into the
 * router image (read through the Engine API's archive endpoint from a created, never started
 * container, and bind-mounted over the originals), plus the endpoint environment. Every change
 * is shown through on_notice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/model/metadata.h"
#include "emu/runtime/runtime_int.h"

#define ARCHIVE_MAX (EMU_LOCAL_CONF_MAX + 64u * 1024u)

static void notice(struct emu_task_runner *r, const char *text)
{
    if (text && *text && r->opts.on_notice) {
        r->opts.on_notice(text, r->opts.ud);
    }
}

static void notes_of(struct emu_task_runner *r, const char *file, const struct emu_local_patch *p)
{
    for (size_t i = 0; i < p->n_notes; i++) {
        notice(r, emu_arena_printf(&r->arena, "%s: %s\n", file, p->notes[i]));
    }
}

/* Patches conf for the endpoints; *ret (arena) is the bytes to write, *changed whether any. */
static int patch(struct emu_task_runner *r, const char *label, const char *conf, size_t len,
                 const char **ret, size_t *ret_len, bool *changed)
{
    enum emu_router_type type = r->td->containers[r->local.router].firelens_configuration.type;
    struct emu_buf out, diff;
    struct emu_local_patch p;
    emu_buf_init(&out, EMU_LOCAL_CONF_MAX * 2);
    emu_buf_init(&diff, EMU_LOCAL_CONF_MAX * 2);
    int rv = emu_local_patch_config(conf, len, type, &r->local.ep, &r->arena, &out, &p);
    rv = rv ? rv : emu_local_diff(label, &p, &diff);
    if (rv == 0) {
        *ret = emu_arena_strndup(&r->arena, out.data ? out.data : "", out.len);
        *ret_len = out.len;
        *changed = p.n_changes > 0;
        rv = *ret ? 0 : -ENOMEM;
        notice(r, diff.data);
        notes_of(r, label, &p);
        for (size_t i = 0; i < p.n_buckets && r->opts.ensure_bucket; i++) {
            (void)r->opts.ensure_bucket(p.buckets[i], r->opts.ud);
        }
    }
    emu_buf_done(&out);
    emu_buf_done(&diff);
    return rv;
}

static int make_dir(const char *path, char *why, size_t why_len)
{
    if (mkdir(path, 0777) < 0 && errno != EEXIST) {
        int rv = -errno;
        (void)snprintf(why, why_len, "ResourceInitializationError: failed to create firelens "
                                     "directory %s: %s", path, strerror(-rv));
        return rv;
    }
    return 0;
}

/* The agent's chown of the socket dir for a non-root router user: uid, uid:gid (numeric). */
static int chown_socket(const char *dir, const char *user, char *why, size_t why_len)
{
    char *end;
    unsigned long uid = strtoul(user, &end, 10);
    gid_t gid = getgid();
    if (end == user || (*end && *end != ':')) {
        (void)snprintf(why, why_len, "ResourceInitializationError: unable to parse firelens "
                                     "user %s: UID must be numeric", user);
        return -EINVAL;
    }
    if (*end == ':') {
        char *gend;
        unsigned long g = strtoul(end + 1, &gend, 10);
        gid = (gend != end + 1 && !*gend) ? (gid_t)g : gid;
    }
    if (chown(dir, (uid_t)uid, gid) < 0) {
        int rv = -errno;
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot chown %s to %s: %s",
                       dir, user, strerror(-rv));
        return rv;
    }
    return 0;
}

/* config-file-type s3: the object of arn:<partition>:s3:::bucket/key into external.conf. */
static int fetch_external(struct emu_task_runner *r, const char *arn, char *why, size_t why_len)
{
    const char *p = strstr(arn, ":s3:::");
    const char *slash = p ? strchr(p + 6, '/') : NULL;
    if (!slash || slash[1] == '\0') {
        (void)snprintf(why, why_len, "ResourceInitializationError: unable to parse firelens "
                                     "config-file-value %s: Invalid arn syntax.", arn);
        return -EINVAL;
    }
    char *bucket = emu_arena_strndup(&r->arena, p + 6, (size_t)(slash - p - 6));
    struct emu_buf body;
    emu_buf_init(&body, EMU_LOCAL_CONF_MAX);
    int rv = bucket ? 0 : -ENOMEM;
    if (rv == 0 && !r->opts.fetch_object) {
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot download %s: no "
                                     "local S3 endpoint", arn);
        rv = -ENOTSUP;
    }
    rv = rv ? rv : r->opts.fetch_object(bucket, slash + 1, &body, why, why_len, r->opts.ud);
    const char *out = NULL;
    size_t out_len = 0;
    bool changed = false;
    rv = rv ? rv : patch(r, r->local.paths.external_file, body.data ? body.data : "", body.len,
                         &out, &out_len, &changed);
    if (rv == 0) {
        emu__output_config(r, r->local.external_target, out, out_len);
    }
    if (rv == 0 && (rv = emu_file_write_atomic(r->local.paths.external_file, out, out_len,
                                               0644)) < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot write %s: %s",
                       r->local.paths.external_file, strerror(-rv));
    }
    emu_buf_done(&body);
    return rv;
}

/* what-if storage.type=filesystem: [SERVICE] storage.path first, then the generated config
 * with storage.type filesystem after each forward input's Name (never in a faithful run). */
#define STORAGE_PATH "/var/log/flb-storage/"
static int storage_fs(struct emu_task_runner *r, struct emu_buf *conf)
{
    struct emu_buf out;
    emu_buf_init(&out, EMU_LOCAL_CONF_MAX);
    static const char name_fwd[] = "    Name forward\n";
    int rv = emu_buf_puts(&out, "\n[SERVICE]\n    storage.path " STORAGE_PATH "\n");
    const char *p = conf->data ? conf->data : "";
    const char *end = p + conf->len;
    while (rv == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        rv = emu_buf_append(&out, p, n);
        if (rv == 0 && n == sizeof(name_fwd) - 1 && memcmp(p, name_fwd, n) == 0) {
            rv = emu_buf_puts(&out, "    storage.type filesystem\n");
        }
        p += n;
    }
    if (rv == 0) {
        emu_buf_done(conf);
        *conf = out;
        notice(r, "what-if: the router's forward inputs buffer in the filesystem (storage.type "
                  "filesystem, storage.path " STORAGE_PATH ")\n");
        return 0;
    }
    emu_buf_done(&out);
    return rv;
}

/* Spec 1.1: the directories, external.conf, then fluent.conf. */
static int write_resource(struct emu_task_runner *r, char *why, size_t why_len)
{
    const struct emu_container_def *c = &r->td->containers[r->local.router];
    struct emu_firelens_paths *fp = &r->local.paths;
    int rv = emu_render_firelens_paths(r->opts.render_ctx, &r->arena, fp);
    if (rv < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: the FireLens socket path "
                                     "under the data dir is over 107 bytes; use a shorter "
                                     "--data-dir");
        return rv;
    }
    r->local.has_paths = true;
    char *data = emu_arena_printf(&r->arena, "%s/data", r->opts.data_dir);
    char *fl = emu_arena_printf(&r->arena, "%s/data/firelens", r->opts.data_dir);
    rv = data && fl ? 0 : -ENOMEM;
    rv = rv ? rv : make_dir(data, why, why_len);
    rv = rv ? rv : make_dir(fl, why, why_len);
    rv = rv ? rv : make_dir(fp->resource_dir, why, why_len);
    rv = rv ? rv : make_dir(fp->config_dir, why, why_len);
    rv = rv ? rv : make_dir(fp->socket_dir, why, why_len);
    const char *owner = r->plan->containers[r->local.router].socket_owner;
    rv = rv ? rv : (owner ? chown_socket(fp->socket_dir, owner, why, why_len) : 0);
    const char *ctype = emu_kv_get(&c->firelens_configuration.options, "config-file-type");
    const char *cval = emu_kv_get(&c->firelens_configuration.options, "config-file-value");
    if (rv == 0 && ctype && strcmp(ctype, "s3") == 0) {
        rv = fetch_external(r, cval ? cval : "", why, why_len);
    }
    struct emu_buf conf;
    struct emu_diags diags;
    emu_buf_init(&conf, EMU_LOCAL_CONF_MAX);
    emu_diags_init(&diags);
    if (rv == 0 && (rv = emu_render_router_config(r->td, r->opts.render_ctx, &conf, &diags)) < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot generate the "
                                     "firelens config: %s", emu_strerror(rv));
    }
    if (rv == 0 && r->opts.router_storage_fs) {
        if (c->firelens_configuration.type != EMU_ROUTER_FLUENTBIT) {
            (void)snprintf(why, why_len, "ResourceInitializationError: what-if storage.type "
                                         "applies to a Fluent Bit router only");
            rv = -EINVAL;
        }
        rv = rv ? rv : storage_fs(r, &conf);
    }
    const char *out = NULL;
    size_t out_len = 0;
    bool changed = false;
    rv = rv ? rv : patch(r, fp->config_file, conf.data ? conf.data : "", conf.len, &out,
                         &out_len, &changed);
    if (rv == 0) {
        emu__output_config(r, r->local.config_target, out, out_len);
    }
    if (rv == 0 && (rv = emu_file_write_atomic(fp->config_file, out, out_len, 0644)) < 0) {
        (void)snprintf(why, why_len, "ResourceInitializationError: cannot write %s: %s",
                       fp->config_file, strerror(-rv));
    }
    /* The generated config's includes that come from the image (config-file-type file). */
    struct emu_str_list inc = {0};
    if (rv == 0 && emu_local_includes(conf.data ? conf.data : "", conf.len, &r->arena, &inc) == 0) {
        for (size_t i = 0; i < inc.n && r->local.n_queue < LOCAL_MAX_FILES; i++) {
            const char *t = emu_local_resolve(r->local.config_target, inc.items[i], &r->arena);
            if (t && strcmp(t, r->local.external_target) != 0) {
                r->local.queue[r->local.n_queue++] = t;
            }
        }
    }
    emu_diags_done(&diags);
    emu_buf_done(&conf);
    return rv;
}

/* Appends the endpoint environment to every container's create description. */
static int add_env(struct emu_task_runner *r)
{
    for (size_t i = 0; i < r->st->n_containers; i++) {
        struct emu_docker_create *c = &r->ctrs[i].create;
        struct emu_kv_list extra;
        char md_id[80];
        int rv = emu_md_endpoint_id(r->st->id, r->st->containers[i].name, md_id);
        rv = rv ? rv : emu_local_env(r->plan->containers[i].def, &r->local.ep, md_id,
                                     &r->arena, &extra);
        if (rv < 0) {
            return rv;
        }
        const char **env = emu_arena_alloc(&r->arena, (c->n_env + extra.n + 1) * sizeof(*env));
        if (!env) {
            return -ENOMEM;
        }
        if (c->n_env) {
            memcpy(env, c->env, c->n_env * sizeof(*env));
        }
        for (size_t k = 0; k < extra.n; k++) {
            env[c->n_env + k] = emu_arena_printf(&r->arena, "%s=%s", extra.items[k].key,
                                                 extra.items[k].value);
            if (!env[c->n_env + k]) {
                return -ENOMEM;
            }
        }
        c->env = env;
        c->n_env += extra.n;
    }
    return 0;
}

static int add_bind(struct emu_task_runner *r, const char *bind)
{
    struct emu_docker_create *c = &r->ctrs[r->local.router].create;
    const char **binds = emu_arena_alloc(&r->arena, (c->n_binds + 1) * sizeof(*binds));
    if (!binds || !bind) {
        return -ENOMEM;
    }
    if (c->n_binds) {
        memcpy(binds, c->binds, c->n_binds * sizeof(*binds));
    }
    binds[c->n_binds] = bind;
    c->binds = binds;
    c->n_binds++;
    return 0;
}

/* ---- the router image's own config files ------------------------------------------------- */

static void on_helper_removed(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    (void)status;
    (void)rep;
    r->setup_inflight--;
    emu__runner_network_ready(r);
}

static void finish_images(struct emu_task_runner *r)
{
    if (r->local.helper &&
        emu_docker_container_remove(r->docker, r->local.helper, true, on_helper_removed, r) == 0) {
        r->setup_inflight++;
        return;
    }
    emu__runner_network_ready(r);
}

static void read_next(struct emu_task_runner *r);

static bool queued(struct emu_task_runner *r, const char *path)
{
    for (size_t i = 0; i < r->local.n_queue; i++) {
        if (strcmp(r->local.queue[i], path) == 0) {
            return true;
        }
    }
    return false;
}

static void enqueue(struct emu_task_runner *r, const char *path)
{
    if (!path || queued(r, path) || strcmp(path, r->local.config_target) == 0 ||
        strcmp(path, r->local.external_target) == 0) {
        return;
    }
    if (strpbrk(path, "*?[")) {
        notice(r, emu_arena_printf(&r->arena, "router image: @INCLUDE %s is a pattern; the "
                                              "files it matches are not patched\n", path));
        return;
    }
    if (r->local.n_queue < LOCAL_MAX_FILES) {
        r->local.queue[r->local.n_queue++] = path;
    }
}

/* One file of the image: patched and mounted when it changed; its includes are queued. */
static void image_file(struct emu_task_runner *r, const char *path, const char *data, size_t len)
{
    const char *label = emu_arena_printf(&r->arena, "%s (router image)", path);
    const char *out = NULL;
    size_t out_len = 0;
    bool changed = false;
    if (!label || patch(r, label, data, len, &out, &out_len, &changed) < 0) {
        return;
    }
    emu__output_config(r, path, out, out_len);
    struct emu_str_list inc = {0};
    if (emu_local_includes(data, len, &r->arena, &inc) == 0) {
        for (size_t i = 0; i < inc.n; i++) {
            enqueue(r, emu_local_resolve(path, inc.items[i], &r->arena));
        }
    }
    if (!changed) {
        return;
    }
    char *host = emu_arena_printf(&r->arena, "%s/image-%zu.conf", r->local.paths.config_dir,
                                  ++r->local.n_written);
    int rv = host ? emu_file_write_atomic(host, out, out_len, 0644) : -ENOMEM;
    rv = rv ? rv : add_bind(r, emu_arena_printf(&r->arena, "%s:%s:ro", host, path));
    if (rv < 0) {
        char why[EMU_REASON_MAX];
        (void)snprintf(why, sizeof(why), "ResourceInitializationError: cannot mount the "
                                         "patched %s: %s", path, emu_strerror(rv));
        emu__runner_fail(r, why);
    }
}

static void on_archive(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    const char *path = r->local.queue[r->local.next++];
    r->setup_inflight--;
    struct emu_docker_tar_iter it;
    struct emu_docker_tar_entry *e = emu_arena_alloc(&r->arena, sizeof(*e));
    int rv = status;
    if (rv == 0 && e) {
        emu_docker_tar_init(&it, rep->body, rep->body_len);
        rv = emu_docker_tar_next(&it, e);
        rv = rv == 0 ? -ENOENT : rv;
    }
    if (rv == 1 && e->type == '2') {
        enqueue(r, emu_local_resolve(path, e->link, &r->arena)); /* a symlink: read its target */
    }
    else if (rv == 1 && e->type == '0') {
        image_file(r, path, e->data, e->size);
    }
    else {
        notice(r, emu_arena_printf(&r->arena, "router image: cannot read %s (%s); left as it "
                                              "is\n", path,
                                   rep && rep->message ? rep->message : emu_strerror(rv)));
    }
    read_next(r);
}

static void read_next(struct emu_task_runner *r)
{
    if (r->st->desired == EMU_TASK_STOPPED || r->local.next >= r->local.n_queue) {
        finish_images(r);
        return;
    }
    if (emu_docker_container_archive(r->docker, r->local.helper,
                                     r->local.queue[r->local.next], ARCHIVE_MAX, on_archive,
                                     r) == 0) {
        r->setup_inflight++;
        return;
    }
    r->local.next++;
    read_next(r);
}

static void on_helper_created(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    r->setup_inflight--;
    if (status < 0) {
        notice(r, emu_arena_printf(&r->arena, "router image: cannot read its config files "
                                              "(%s); they are left as they are\n",
                                   rep && rep->message ? rep->message : emu_strerror(status)));
        r->local.helper = NULL;
        finish_images(r);
        return;
    }
    read_next(r);
}

/* The argv the router runs: Docker's rules for entryPoint/command over the image's. */
static void on_image(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    r->setup_inflight--;
    const struct emu_container_def *c = &r->td->containers[r->local.router];
    const char *argv[256];
    size_t n = 0;
    const struct emu_docker_image_info *img = status == 0 ? rep->image : NULL;
    const char *const *ep = c->entry_point.n ? c->entry_point.items : img ? img->entrypoint : NULL;
    size_t n_ep = c->entry_point.n ? c->entry_point.n : img ? img->n_entrypoint : 0;
    const char *const *cmd = c->command.n ? c->command.items
                             : (c->entry_point.n || !img) ? NULL : img->cmd;
    size_t n_cmd = c->command.n ? c->command.n : (c->entry_point.n || !img) ? 0 : img->n_cmd;
    for (size_t i = 0; i < n_ep && n < 256; i++) {
        argv[n++] = ep[i];
    }
    for (size_t i = 0; i < n_cmd && n < 256; i++) {
        argv[n++] = cmd[i];
    }
    enum emu_router_type type = c->firelens_configuration.type;
    const char *main_conf = emu_local_config_path(argv, n, type, &r->arena);
    emu__output_router_main(r, main_conf ? main_conf : r->local.config_target);
    enqueue(r, main_conf);
    if (r->local.n_queue == 0) {
        finish_images(r);
        return;
    }
    struct emu_docker_create hc;
    emu_docker_create_init(&hc);
    hc.name = r->local.helper;
    hc.image = r->ctrs[r->local.router].create.image;
    hc.network_mode = "none";
    struct emu_docker_kv *labels = NULL;
    if (emu_task_docker_labels(r->st, NULL, "config-reader", &r->arena, &labels,
                               &hc.n_labels) == 0) {
        hc.labels = labels;
    }
    if (emu_docker_container_create(r->docker, &hc, on_helper_created, r) == 0) {
        r->setup_inflight++;
        return;
    }
    r->local.helper = NULL;
    finish_images(r);
}

/* ---- the steps ----------------------------------------------------------------------------- */

static void local_files(struct emu_task_runner *r)
{
    char why[EMU_REASON_MAX] = "";
    int rv = add_env(r);
    if (rv == 0 && r->local.router != SIZE_MAX) {
        rv = write_resource(r, why, sizeof(why));
    }
    if (rv < 0) {
        if (!why[0]) {
            (void)snprintf(why, sizeof(why), "ResourceInitializationError: %s",
                           emu_strerror(rv));
        }
        emu__runner_fail(r, why);
        emu__runner_settle(r);
        return;
    }
    if (r->local.router == SIZE_MAX) {
        emu__runner_network_ready(r);
        return;
    }
    r->local.helper = emu_arena_printf(&r->arena, "fe-%s.cfg", r->st->id);
    if (r->local.helper && emu_docker_image_inspect(r->docker, r->ctrs[r->local.router].create.image,
                                                    on_image, r) == 0) {
        r->setup_inflight++;
        return;
    }
    finish_images(r);
}

/* IPAM.Config[0].Gateway of a network inspect answer. */
static const char *gateway_of(const cJSON *json)
{
    const cJSON *ipam = cJSON_GetObjectItemCaseSensitive(json, "IPAM");
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(ipam, "Config");
    const cJSON *item;
    cJSON_ArrayForEach(item, cfg)
    {
        const cJSON *gw = cJSON_GetObjectItemCaseSensitive(item, "Gateway");
        if (cJSON_IsString(gw) && gw->valuestring[0] && !strchr(gw->valuestring, ':')) {
            return gw->valuestring;
        }
    }
    return NULL;
}

static void on_network_inspect(int status, const struct emu_docker_reply *rep, void *ud)
{
    struct emu_task_runner *r = ud;
    r->setup_inflight--;
    char why[EMU_REASON_MAX] = "";
    const char *gw = status == 0 ? gateway_of(rep->json) : NULL;
    const char *gateway = gw ? emu_arena_strdup(&r->arena, gw) : NULL;
    int rv = 0;
    if (r->st->desired == EMU_TASK_STOPPED) {
        emu__runner_settle(r);
        return;
    }
    if (!gateway) {
        (void)snprintf(why, sizeof(why), "ResourceInitializationError: the task network %s has "
                                         "no IPv4 gateway for the local endpoints",
                       r->st->network_name);
        rv = -EINVAL;
    }
    else if (r->opts.on_network) {
        rv = r->opts.on_network(gateway, &r->local.ep, why, sizeof(why), r->opts.ud);
    }
    if (rv < 0) {
        emu__runner_fail(r, why[0] ? why : "ResourceInitializationError: no local endpoints");
        emu__runner_settle(r);
        return;
    }
    local_files(r);
}

void emu__local_begin(struct emu_task_runner *r)
{
    const struct emu_container_def *router = emu_taskdef_router(r->td);
    r->local.router = router ? (size_t)(router - r->td->containers) : SIZE_MAX;
    bool fd = router && router->firelens_configuration.type == EMU_ROUTER_FLUENTD;
    r->local.config_target = fd ? "/fluentd/etc/fluent.conf" : "/fluent-bit/etc/fluent-bit.conf";
    r->local.external_target = fd ? "/fluentd/etc/external.conf"
                                  : "/fluent-bit/etc/external.conf";
    if (router && !r->opts.render_ctx) {
        emu__runner_fail(r, "ResourceInitializationError: no render context for FireLens");
        emu__runner_settle(r);
        return;
    }
    if (emu_docker_network_inspect(r->docker, r->st->network_name, on_network_inspect, r) == 0) {
        r->setup_inflight++;
        return;
    }
    emu__runner_fail(r, "ResourceInitializationError: cannot inspect the task network");
    emu__runner_settle(r);
}

void emu__local_cleanup(struct emu_task_runner *r)
{
    if (!r->local.has_paths) {
        return;
    }
    /* The config it ran with stays in <id>.out/.router (emu__output_config). */
    if (r->st->keep) {
        return;
    }
    int rv = emu_task_remove_dir(r->local.paths.resource_dir);
    if (rv < 0) {
        emu_log_warn("task %s: cannot remove %s: %s, ignoring", r->st->id,
                     r->local.paths.resource_dir, emu_strerror(rv));
    }
}
