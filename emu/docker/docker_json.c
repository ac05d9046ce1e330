/* SPDX-License-Identifier: Apache-2.0 */
/* Pure builders and parsers of Docker Engine API payloads: the container-create body, inspect
 * and wait results, error bodies, API version comparison and URL escaping. No I/O. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/docker/docker.h"

void emu_docker_create_init(struct emu_docker_create *c)
{
    memset(c, 0, sizeof(*c));
    c->stop_timeout = -1;
}

/* ---- builders --------------------------------------------------------------------------- */

static int add_strings(cJSON *obj, const char *key, const char *const *v, size_t n)
{
    if (!v || n == 0) {
        return 0;
    }
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    if (!arr) {
        return EMU_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateString(v[i] ? v[i] : "");
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return EMU_ENOMEM;
        }
    }
    return 0;
}

static int add_map(cJSON *obj, const char *key, const struct emu_docker_kv *kv, size_t n)
{
    cJSON *m = cJSON_AddObjectToObject(obj, key);
    if (!m) {
        return EMU_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cJSON_AddStringToObject(m, kv[i].key, kv[i].value ? kv[i].value : "")) {
            return EMU_ENOMEM;
        }
    }
    return 0;
}

static int add_str(cJSON *obj, const char *key, const char *v)
{
    if (!v) {
        return 0;
    }
    return cJSON_AddStringToObject(obj, key, v) ? 0 : EMU_ENOMEM;
}

static int add_num(cJSON *obj, const char *key, long long v)
{
    if (v == 0) {
        return 0;
    }
    return cJSON_AddNumberToObject(obj, key, (double)v) ? 0 : EMU_ENOMEM;
}

static int add_health(cJSON *root, const struct emu_docker_health *h)
{
    if (!h || h->n_test == 0) {
        return 0;
    }
    cJSON *o = cJSON_AddObjectToObject(root, "Healthcheck");
    if (!o) {
        return EMU_ENOMEM;
    }
    int r = add_strings(o, "Test", h->test, h->n_test);
    r = r ? r : add_num(o, "Interval", h->interval_ns);
    r = r ? r : add_num(o, "Timeout", h->timeout_ns);
    r = r ? r : add_num(o, "StartPeriod", h->start_period_ns);
    r = r ? r : add_num(o, "Retries", h->retries);
    return r;
}

static const char *port_key(const struct emu_docker_port *p, char *buf, size_t size)
{
    (void)snprintf(buf, size, "%u/%s", (unsigned)p->container_port,
                   p->protocol ? p->protocol : "tcp");
    return buf;
}

static int add_ports(cJSON *root, cJSON *host, const struct emu_docker_create *c)
{
    if (c->n_ports == 0) {
        return 0;
    }
    cJSON *exposed = cJSON_AddObjectToObject(root, "ExposedPorts");
    cJSON *bindings = cJSON_AddObjectToObject(host, "PortBindings");
    if (!exposed || !bindings) {
        return EMU_ENOMEM;
    }
    for (size_t i = 0; i < c->n_ports; i++) {
        char key[32], hp[8];
        port_key(&c->ports[i], key, sizeof(key));
        (void)snprintf(hp, sizeof(hp), "%u", (unsigned)c->ports[i].host_port);
        cJSON *list = cJSON_GetObjectItemCaseSensitive(bindings, key);
        if (!list) {
            if (!cJSON_AddObjectToObject(exposed, key)) {
                return EMU_ENOMEM;
            }
            list = cJSON_AddArrayToObject(bindings, key);
        }
        cJSON *b = cJSON_CreateObject();
        if (!list || !b || !cJSON_AddItemToArray(list, b)) {
            cJSON_Delete(b);
            return EMU_ENOMEM;
        }
        if (!cJSON_AddStringToObject(b, "HostIp", "127.0.0.1") ||
            !cJSON_AddStringToObject(b, "HostPort", c->ports[i].host_port ? hp : "")) {
            return EMU_ENOMEM;
        }
    }
    return 0;
}

static int add_ulimits(cJSON *host, const struct emu_docker_create *c)
{
    if (c->n_ulimits == 0) {
        return 0;
    }
    cJSON *arr = cJSON_AddArrayToObject(host, "Ulimits");
    for (size_t i = 0; arr && i < c->n_ulimits; i++) {
        cJSON *u = cJSON_CreateObject();
        if (!u || !cJSON_AddItemToArray(arr, u)) {
            cJSON_Delete(u);
            return EMU_ENOMEM;
        }
        if (!cJSON_AddStringToObject(u, "Name", c->ulimits[i].name) ||
            !cJSON_AddNumberToObject(u, "Soft", (double)c->ulimits[i].soft) ||
            !cJSON_AddNumberToObject(u, "Hard", (double)c->ulimits[i].hard)) {
            return EMU_ENOMEM;
        }
    }
    return arr ? 0 : EMU_ENOMEM;
}

static int build_host_config(cJSON *root, const struct emu_docker_create *c)
{
    cJSON *host = cJSON_AddObjectToObject(root, "HostConfig");
    if (!host) {
        return EMU_ENOMEM;
    }
    int r = add_strings(host, "Binds", c->binds, c->n_binds);
    r = r ? r : add_str(host, "NetworkMode", c->network_mode);
    r = r ? r : add_ports(root, host, c);
    if (r == 0 && c->log_type) {
        cJSON *lc = cJSON_AddObjectToObject(host, "LogConfig");
        r = !lc || !cJSON_AddStringToObject(lc, "Type", c->log_type) ? EMU_ENOMEM : 0;
        r = r ? r : add_map(lc, "Config", c->log_opts, c->n_log_opts);
    }
    r = r ? r : add_num(host, "Memory", c->memory_bytes);
    r = r ? r : add_num(host, "MemoryReservation", c->memory_reservation_bytes);
    r = r ? r : add_num(host, "CpuShares", c->cpu_shares);
    r = r ? r : add_ulimits(host, c);
    if (r == 0 && c->init) {
        r = cJSON_AddTrueToObject(host, "Init") ? 0 : EMU_ENOMEM;
    }
    r = r ? r : add_strings(host, "CapAdd", c->cap_add, c->n_cap_add);
    r = r ? r : add_strings(host, "CapDrop", c->cap_drop, c->n_cap_drop);
    if (r == 0 && c->readonly_rootfs) {
        r = cJSON_AddTrueToObject(host, "ReadonlyRootfs") ? 0 : EMU_ENOMEM;
    }
    return r;
}

int emu_docker_create_body(const struct emu_docker_create *c, struct emu_buf *out)
{
    if (!c || !c->image || !*c->image) {
        return EMU_EINVAL;
    }
    emu_json_init();
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        return EMU_ENOMEM;
    }
    int r = add_str(root, "Image", c->image);
    r = r ? r : add_str(root, "Hostname", c->hostname);
    r = r ? r : add_str(root, "User", c->user);
    r = r ? r : add_str(root, "WorkingDir", c->workdir);
    r = r ? r : add_strings(root, "Entrypoint", c->entrypoint, c->n_entrypoint);
    r = r ? r : add_strings(root, "Cmd", c->cmd, c->n_cmd);
    r = r ? r : add_strings(root, "Env", c->env, c->n_env);
    if (r == 0 && c->n_labels) {
        r = add_map(root, "Labels", c->labels, c->n_labels);
    }
    r = r ? r : add_health(root, c->health);
    if (r == 0 && c->stop_timeout >= 0) {
        r = cJSON_AddNumberToObject(root, "StopTimeout", c->stop_timeout) ? 0 : EMU_ENOMEM;
    }
    if (r == 0) {
        /* No stdin, no TTY: logs come back as the multiplexed stream. */
        r = cJSON_AddFalseToObject(root, "Tty") && cJSON_AddFalseToObject(root, "OpenStdin")
                ? 0
                : EMU_ENOMEM;
    }
    r = r ? r : build_host_config(root, c);
    if (r == 0) {
        r = emu_json_write_pretty(root, out);
    }
    cJSON_Delete(root);
    return r;
}

/* ---- parsers ---------------------------------------------------------------------------- */

static const char *get_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long get_long(const cJSON *obj, const char *key, long dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble) {
        return dflt;
    }
    if (v->valuedouble > 2147483647.0 || v->valuedouble < -2147483648.0) {
        return dflt;
    }
    return (long)v->valuedouble;
}

const char *emu_docker_error_message(const cJSON *root)
{
    return cJSON_IsObject(root) ? get_str(root, "message") : NULL;
}

int emu_docker_container_info_parse(const cJSON *root, struct emu_docker_container_info *ret)
{
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(root, "State");
    const char *id = cJSON_IsObject(root) ? get_str(root, "Id") : NULL;
    if (!id || !cJSON_IsObject(state)) {
        return EMU_EBADMSG;
    }
    struct emu_docker_container_info info = {.id = id, .name = "", .image = "", .status = "",
                                             .started_at = "", .finished_at = "", .error = "",
                                             .ip_address = ""};
    const char *name = get_str(root, "Name");
    if (name) {
        info.name = name[0] == '/' ? name + 1 : name;
    }
    info.image = get_str(root, "Image") ? get_str(root, "Image") : "";
    info.status = get_str(state, "Status") ? get_str(state, "Status") : "";
    info.running = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "Running"));
    info.oom_killed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "OOMKilled"));
    info.exit_code = get_long(state, "ExitCode", -1);
    info.pid = get_long(state, "Pid", 0);
    info.started_at = get_str(state, "StartedAt") ? get_str(state, "StartedAt") : "";
    info.finished_at = get_str(state, "FinishedAt") ? get_str(state, "FinishedAt") : "";
    info.error = get_str(state, "Error") ? get_str(state, "Error") : "";
    const cJSON *health = cJSON_GetObjectItemCaseSensitive(state, "Health");
    info.health = cJSON_IsObject(health) ? get_str(health, "Status") : NULL;
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(root, "NetworkSettings");
    const cJSON *nets = cJSON_GetObjectItemCaseSensitive(ns, "Networks");
    const cJSON *net;
    cJSON_ArrayForEach(net, nets)
    {
        const char *ip = get_str(net, "IPAddress");
        if (ip && *ip) {
            info.ip_address = ip;
            break;
        }
    }
    *ret = info;
    return 0;
}

int emu_docker_image_info_parse(const cJSON *root, const char **tags, size_t max_tags,
                                struct emu_docker_image_info *ret)
{
    const char *id = cJSON_IsObject(root) ? get_str(root, "Id") : NULL;
    if (!id) {
        return EMU_EBADMSG;
    }
    struct emu_docker_image_info info = {.id = id, .repo_tags = tags, .user = ""};
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(root, "RepoTags"))
    {
        if (cJSON_IsString(t) && info.n_repo_tags < max_tags) {
            tags[info.n_repo_tags++] = t->valuestring;
        }
    }
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(root, "Config");
    if (cJSON_IsObject(cfg) && get_str(cfg, "User")) {
        info.user = get_str(cfg, "User");
    }
    /* Cmd and Entrypoint share the tag slots' tail: callers size tags for both. */
    size_t used = info.n_repo_tags;
    const char *keys[2] = {"Entrypoint", "Cmd"};
    for (int k = 0; k < 2 && cJSON_IsObject(cfg); k++) {
        size_t start = used;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(cfg, keys[k]))
        {
            if (cJSON_IsString(t) && used < max_tags) {
                tags[used++] = t->valuestring;
            }
        }
        if (k == 0) {
            info.entrypoint = tags + start;
            info.n_entrypoint = used - start;
        }
        else {
            info.cmd = tags + start;
            info.n_cmd = used - start;
        }
    }
    *ret = info;
    return 0;
}

int emu_docker_wait_parse(const cJSON *root, long *ret_code, const char **ret_msg)
{
    const cJSON *code = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "StatusCode")
                                             : NULL;
    if (!cJSON_IsNumber(code)) {
        return EMU_EBADMSG;
    }
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "Error");
    const char *msg = cJSON_IsObject(err) ? get_str(err, "Message") : NULL;
    if (msg && *msg) {
        *ret_msg = msg;
        return EMU_EDOCKER;
    }
    *ret_code = get_long(root, "StatusCode", -1);
    return 0;
}

/* ---- small helpers ---------------------------------------------------------------------- */

static int parse_api(const char *v, long *major, long *minor)
{
    char *end;
    if (!v || *v < '0' || *v > '9') {
        return EMU_EINVAL;
    }
    *major = strtol(v, &end, 10);
    if (*end != '.' || end[1] < '0' || end[1] > '9') {
        return EMU_EINVAL;
    }
    *minor = strtol(end + 1, &end, 10);
    return *end == '\0' ? 0 : EMU_EINVAL;
}

int emu_docker_api_cmp(const char *a, const char *b)
{
    long amaj = 0, amin = 0, bmaj = 0, bmin = 0;
    int ra = parse_api(a, &amaj, &amin), rb = parse_api(b, &bmaj, &bmin);
    if (ra || rb) {
        return ra ? (rb ? 0 : -1) : 1; /* unparsable sorts first */
    }
    if (amaj != bmaj) {
        return amaj < bmaj ? -1 : 1;
    }
    return amin < bmin ? -1 : (amin > bmin ? 1 : 0);
}

int emu_docker_url_escape(const char *s, bool keep_slash, struct emu_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~' ||
                     (keep_slash && (c == '/' || c == ':' || c == '@'));
        int r;
        if (plain) {
            r = emu_buf_putc(out, (char)c);
        }
        else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            r = emu_buf_append(out, enc, sizeof(enc));
        }
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

int emu_docker_split_image(const char *image, struct emu_buf *repo, struct emu_buf *tag)
{
    if (!image || !*image) {
        return EMU_EINVAL;
    }
    const char *at = strchr(image, '@');
    if (at) {
        /* A digest is the "tag" of a pull by digest. */
        int r = emu_buf_append(repo, image, (size_t)(at - image));
        return r ? r : emu_buf_puts(tag, at + 1);
    }
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(image, ':');
    if (colon && (!slash || colon > slash)) {
        int r = emu_buf_append(repo, image, (size_t)(colon - image));
        return r ? r : emu_buf_puts(tag, colon + 1);
    }
    int r = emu_buf_puts(repo, image);
    return r ? r : emu_buf_puts(tag, "latest");
}
