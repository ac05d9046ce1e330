/* SPDX-License-Identifier: Apache-2.0 */
/* Per-task state files: <data-dir>/tasks/<id>.json written atomically on every change, so ps,
 * describe, stop and wait work from other shells and after a supervisor crash; plus the
 * DescribeTasks-shaped view of a task. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/runtime/runtime.h"

#define STATE_FILE_MAX (4u * 1024u * 1024u)
#define PATH_MAX_LEN 4096u
#define MAX_TASKS 100000

int emu_store_paths(const char *data_dir, const char *id, const char *suffix,
                    struct emu_buf *out)
{
    emu_buf_init(out, PATH_MAX_LEN);
    int r = emu_buf_printf(out, "%s/tasks", data_dir);
    if (r == 0 && id) {
        r = emu_buf_printf(out, "/%s%s", id, suffix ? suffix : "");
    }
    if (r < 0) {
        emu_buf_done(out);
    }
    return r == -E2BIG ? -ENAMETOOLONG : r;
}

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            int r = mkdir(path, 0700);
            *p = '/';
            if (r < 0 && errno != EEXIST) {
                return -errno;
            }
        }
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

int emu_store_init(const char *data_dir)
{
    struct emu_buf p;
    int r = emu_store_paths(data_dir, NULL, NULL, &p);
    if (r < 0) {
        return r;
    }
    r = mkdir_p(p.data);
    emu_buf_done(&p);
    return r;
}

/* ---- JSON ------------------------------------------------------------------------------- */

#define PUT_STR(o, k, v) ok = ok && cJSON_AddStringToObject(o, k, v)
#define PUT_NUM(o, k, v) ok = ok && cJSON_AddNumberToObject(o, k, (double)(v))
#define PUT_BOOL(o, k, v) ok = ok && cJSON_AddBoolToObject(o, k, v)

static bool ctr_to_json(const struct emu_ctr_state *c, cJSON *o)
{
    bool ok = true;
    PUT_STR(o, "name", c->name);
    PUT_STR(o, "dockerName", c->docker_name);
    PUT_STR(o, "dockerId", c->docker_id);
    PUT_STR(o, "image", c->image);
    PUT_STR(o, "ports", c->ports);
    PUT_BOOL(o, "essential", c->essential);
    PUT_BOOL(o, "hasHealthCheck", c->has_health_check);
    PUT_STR(o, "status", emu_ctr_status_to_string(c->status));
    PUT_BOOL(o, "created", c->status >= EMU_CTR_CREATED);
    PUT_STR(o, "desiredStatus", emu_ctr_status_to_string(c->desired));
    PUT_STR(o, "healthStatus", emu_health_to_string(c->health));
    if (c->has_exit_code) {
        PUT_NUM(o, "exitCode", c->exit_code);
    }
    PUT_STR(o, "reason", c->reason);
    PUT_NUM(o, "createdMs", c->created_ms);
    PUT_NUM(o, "startedMs", c->started_ms);
    PUT_NUM(o, "stoppedMs", c->stopped_ms);
    PUT_NUM(o, "stopTimeout", c->stop_timeout_s);
    if (c->restart_enabled) {
        PUT_BOOL(o, "restartEnabled", true);
        PUT_NUM(o, "restartCount", c->restart_count);
        PUT_NUM(o, "lastRestartMs", c->last_restart_ms);
    }
    return ok;
}

int emu_store_to_json(const struct emu_task_state *st, struct emu_buf *out)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    PUT_STR(o, "id", st->id);
    PUT_STR(o, "taskArn", st->arn);
    PUT_STR(o, "cluster", st->cluster);
    PUT_STR(o, "region", st->region);
    PUT_STR(o, "family", st->family);
    PUT_NUM(o, "revision", st->revision);
    PUT_STR(o, "taskDefinitionArn", st->taskdef_arn);
    PUT_STR(o, "taskDefinitionPath", st->taskdef_path);
    PUT_STR(o, "launchType", st->launch_type);
    PUT_STR(o, "cpu", st->cpu);
    PUT_STR(o, "memory", st->memory);
    PUT_STR(o, "lastStatus", emu_task_status_to_string(st->status));
    PUT_STR(o, "desiredStatus", emu_task_status_to_string(st->desired));
    if (st->stop_code) {
        PUT_STR(o, "stopCode", emu_stop_code_to_string(st->stop_code));
    }
    PUT_STR(o, "stoppedReason", st->stopped_reason);
    PUT_NUM(o, "createdMs", st->created_ms);
    PUT_NUM(o, "startedMs", st->started_ms);
    PUT_NUM(o, "stoppingMs", st->stopping_ms);
    PUT_NUM(o, "stoppedMs", st->stopped_ms);
    PUT_NUM(o, "pullStartedMs", st->pull_started_ms);
    PUT_NUM(o, "pullStoppedMs", st->pull_stopped_ms);
    PUT_NUM(o, "supervisorPid", st->supervisor_pid);
    PUT_BOOL(o, "keep", st->keep);
    PUT_STR(o, "networkName", st->network_name);
    PUT_STR(o, "networkId", st->network_id);
    PUT_STR(o, "pauseName", st->pause_name);
    PUT_STR(o, "pauseId", st->pause_id);
    if (st->has_exit_code) {
        PUT_NUM(o, "exitCode", st->exit_code);
    }
    if (ok && st->endpoints.gateway[0]) {
        const struct emu_task_endpoints *e = &st->endpoints;
        cJSON *ep = cJSON_AddObjectToObject(o, "endpoints");
        ok = ep != NULL;
        PUT_STR(ep, "gateway", e->gateway);
        PUT_NUM(ep, "s3Port", e->s3_port);
        PUT_NUM(ep, "logsPort", e->logs_port);
        PUT_NUM(ep, "stsPort", e->sts_port);
        PUT_NUM(ep, "metadataPort", e->metadata_port);
        PUT_STR(ep, "credentialsId", e->credentials_id);
        PUT_NUM(ep, "s3MaxBytes", e->s3_max_bytes);
        PUT_NUM(ep, "clientTimeoutMs", e->client_timeout_ms);
        PUT_NUM(ep, "maxConnections", e->max_connections);
    }
    cJSON *list = ok ? cJSON_AddArrayToObject(o, "containers") : NULL;
    ok = ok && list;
    for (size_t i = 0; ok && i < st->n_containers; i++) {
        cJSON *c = cJSON_CreateObject();
        ok = c && cJSON_AddItemToArray(list, c) && ctr_to_json(&st->containers[i], c);
    }
    int r = ok ? emu_json_write_pretty(o, out) : -ENOMEM;
    cJSON_Delete(o);
    return r;
}

static void get_str(const cJSON *o, const char *k, char *dst, size_t n)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    (void)snprintf(dst, n, "%s", cJSON_IsString(it) ? it->valuestring : "");
}

static int64_t get_num(const cJSON *o, const char *k, bool *has)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (has) {
        *has = cJSON_IsNumber(it);
    }
    return cJSON_IsNumber(it) ? (int64_t)it->valuedouble : 0;
}

static uint16_t port_of(const cJSON *o, const char *k)
{
    int64_t v = get_num(o, k, NULL);
    return v > 0 && v <= 65535 ? (uint16_t)v : 0;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void ctr_from_json(const cJSON *o, struct emu_ctr_state *c)
{
    get_str(o, "name", c->name, sizeof(c->name));
    get_str(o, "dockerName", c->docker_name, sizeof(c->docker_name));
    get_str(o, "dockerId", c->docker_id, sizeof(c->docker_id));
    get_str(o, "image", c->image, sizeof(c->image));
    get_str(o, "ports", c->ports, sizeof(c->ports));
    get_str(o, "reason", c->reason, sizeof(c->reason));
    c->essential = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "essential"));
    c->has_health_check = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "hasHealthCheck"));
    enum emu_ctr_status s = emu_ctr_status_from_string(str_of(o, "status"));
    c->status = s < 0 ? EMU_CTR_PENDING : s;
    if (c->status == EMU_CTR_PENDING &&
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "created"))) {
        c->status = EMU_CTR_CREATED;
    }
    s = emu_ctr_status_from_string(str_of(o, "desiredStatus"));
    c->desired = s < 0 ? EMU_CTR_RUNNING : s;
    enum emu_health h = emu_health_from_string(str_of(o, "healthStatus"));
    c->health = h < 0 ? EMU_HEALTH_UNKNOWN : h;
    c->exit_code = (int)get_num(o, "exitCode", &c->has_exit_code);
    c->created_ms = get_num(o, "createdMs", NULL);
    c->started_ms = get_num(o, "startedMs", NULL);
    c->stopped_ms = get_num(o, "stoppedMs", NULL);
    c->stop_timeout_s = (int)get_num(o, "stopTimeout", NULL);
    c->restart_enabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "restartEnabled"));
    c->restart_count = (int)get_num(o, "restartCount", NULL);
    c->last_restart_ms = get_num(o, "lastRestartMs", NULL);
}

int emu_store_from_json(const char *json, size_t len, struct emu_task_state *ret)
{
    cJSON *o = NULL;
    struct emu_json_error jerr;
    if (emu_json_parse(json, len, &o, &jerr) < 0 || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -EBADMSG;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "containers");
    size_t n = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0;
    int r = emu_task_state_init(ret, n);
    if (r < 0) {
        cJSON_Delete(o);
        return r;
    }
    get_str(o, "id", ret->id, sizeof(ret->id));
    get_str(o, "taskArn", ret->arn, sizeof(ret->arn));
    get_str(o, "cluster", ret->cluster, sizeof(ret->cluster));
    get_str(o, "region", ret->region, sizeof(ret->region));
    get_str(o, "family", ret->family, sizeof(ret->family));
    ret->revision = (long)get_num(o, "revision", NULL);
    get_str(o, "taskDefinitionArn", ret->taskdef_arn, sizeof(ret->taskdef_arn));
    get_str(o, "taskDefinitionPath", ret->taskdef_path, sizeof(ret->taskdef_path));
    get_str(o, "launchType", ret->launch_type, sizeof(ret->launch_type));
    get_str(o, "cpu", ret->cpu, sizeof(ret->cpu));
    get_str(o, "memory", ret->memory, sizeof(ret->memory));
    enum emu_task_status s = emu_task_status_from_string(str_of(o, "lastStatus"));
    ret->status = s < 0 ? EMU_TASK_PROVISIONING : s;
    s = emu_task_status_from_string(str_of(o, "desiredStatus"));
    ret->desired = s < 0 ? EMU_TASK_RUNNING : s;
    enum emu_stop_code sc = emu_stop_code_from_string(str_of(o, "stopCode"));
    ret->stop_code = sc < 0 ? EMU_STOP_NONE : sc;
    get_str(o, "stoppedReason", ret->stopped_reason, sizeof(ret->stopped_reason));
    ret->created_ms = get_num(o, "createdMs", NULL);
    ret->started_ms = get_num(o, "startedMs", NULL);
    ret->stopping_ms = get_num(o, "stoppingMs", NULL);
    ret->stopped_ms = get_num(o, "stoppedMs", NULL);
    ret->pull_started_ms = get_num(o, "pullStartedMs", NULL);
    ret->pull_stopped_ms = get_num(o, "pullStoppedMs", NULL);
    ret->supervisor_pid = (long)get_num(o, "supervisorPid", NULL);
    ret->keep = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "keep"));
    get_str(o, "networkName", ret->network_name, sizeof(ret->network_name));
    get_str(o, "networkId", ret->network_id, sizeof(ret->network_id));
    get_str(o, "pauseName", ret->pause_name, sizeof(ret->pause_name));
    get_str(o, "pauseId", ret->pause_id, sizeof(ret->pause_id));
    ret->exit_code = (int)get_num(o, "exitCode", &ret->has_exit_code);
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(o, "endpoints");
    if (cJSON_IsObject(ep)) {
        struct emu_task_endpoints *e = &ret->endpoints;
        get_str(ep, "gateway", e->gateway, sizeof(e->gateway));
        e->s3_port = port_of(ep, "s3Port");
        e->logs_port = port_of(ep, "logsPort");
        e->sts_port = port_of(ep, "stsPort");
        e->metadata_port = port_of(ep, "metadataPort");
        get_str(ep, "credentialsId", e->credentials_id, sizeof(e->credentials_id));
        int64_t cap = get_num(ep, "s3MaxBytes", NULL);
        e->s3_max_bytes = cap > 0 ? (uint64_t)cap : 0;
        int64_t ms = get_num(ep, "clientTimeoutMs", NULL);
        e->client_timeout_ms = ms > 0 && ms <= 86400000 ? (uint32_t)ms : 0;
        int64_t conns = get_num(ep, "maxConnections", NULL);
        e->max_connections = conns > 0 && conns <= 65536 ? (uint32_t)conns : 0;
    }
    size_t i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        ctr_from_json(c, &ret->containers[i++]);
    }
    cJSON_Delete(o);
    return ret->id[0] ? 0 : -EBADMSG;
}

/* ---- files ------------------------------------------------------------------------------ */

int emu_store_save(const char *data_dir, const struct emu_task_state *st)
{
    struct emu_buf path, body;
    int r = emu_store_paths(data_dir, st->id, ".json", &path);
    if (r < 0) {
        return r;
    }
    emu_buf_init(&body, STATE_FILE_MAX);
    r = emu_store_to_json(st, &body);
    r = r ? r : emu_file_write_atomic(path.data, body.data, body.len, 0600);
    emu_buf_done(&body);
    emu_buf_done(&path);
    return r;
}

static bool is_task_file(const char *name, size_t *ret_len)
{
    size_t n = strlen(name);
    if (n != 32 + 5 || strcmp(name + 32, ".json") != 0) {
        return false;
    }
    *ret_len = 32;
    return strspn(name, "0123456789abcdef") == 32;
}

static int load_exact(const char *data_dir, const char *id, struct emu_task_state *ret)
{
    struct emu_buf path;
    int r = emu_store_paths(data_dir, id, ".json", &path);
    if (r < 0) {
        return r;
    }
    char *data = NULL;
    size_t len = 0;
    r = emu_file_read(path.data, STATE_FILE_MAX, &data, &len);
    emu_buf_done(&path);
    if (r == 0) {
        r = emu_store_from_json(data, len, ret);
    }
    emu_free(data);
    return r;
}

int emu_store_load(const char *data_dir, const char *id_or_prefix, struct emu_task_state *ret)
{
    /* A task ARN works too: its last segment is the ID. */
    const char *slash = strrchr(id_or_prefix, '/');
    const char *want = slash ? slash + 1 : id_or_prefix;
    size_t want_len = strlen(want);
    if (want_len < 4 || want_len > 32) {
        return -ENOENT;
    }
    char (*ids)[33] = NULL;
    size_t n = 0;
    int r = emu_store_list(data_dir, &ids, &n);
    if (r < 0) {
        return r;
    }
    const char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(ids[i], want, want_len) == 0) {
            if (found) {
                emu_free(ids);
                return -EEXIST;
            }
            found = ids[i];
        }
    }
    r = found ? load_exact(data_dir, found, ret) : -ENOENT;
    emu_free(ids);
    return r;
}

struct listed {
    char id[33];
    int64_t created_ms; /* the task's createdMs, else its state file's ctime */
};

/* Oldest task first, as created (a state file's ctime moves with every rewrite). */
static int by_time(const void *a, const void *b)
{
    const struct listed *x = a, *y = b;
    return x->created_ms < y->created_ms   ? -1
           : x->created_ms > y->created_ms ? 1
                                           : strcmp(x->id, y->id);
}

/* Fills each entry's created_ms from its state (one state struct reused for all). */
static void read_created(const char *data_dir, struct listed *l, size_t n)
{
    struct emu_task_state *st = emu_calloc(1, sizeof(*st));
    for (size_t i = 0; st && i < n; i++) {
        if (load_exact(data_dir, l[i].id, st) == 0 && st->created_ms > 0) {
            l[i].created_ms = st->created_ms;
        }
        emu_task_state_done(st);
        memset(st, 0, sizeof(*st));
    }
    emu_free(st);
}

int emu_store_list(const char *data_dir, char (**ret_ids)[33], size_t *ret_n)
{
    struct emu_buf dir;
    int r = emu_store_paths(data_dir, NULL, NULL, &dir);
    if (r < 0) {
        return r;
    }
    DIR *d = opendir(dir.data);
    *ret_ids = NULL;
    *ret_n = 0;
    if (!d) {
        emu_buf_done(&dir);
        return errno == ENOENT ? 0 : -errno;
    }
    struct listed *l = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d)) != NULL) {
        size_t len;
        if (!is_task_file(e->d_name, &len)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct listed *nl = cap <= MAX_TASKS ? emu_realloc(l, cap * sizeof(*l)) : NULL;
            if (!nl) {
                r = cap > MAX_TASKS ? -E2BIG : -ENOMEM;
                break;
            }
            l = nl;
        }
        memcpy(l[n].id, e->d_name, 32);
        l[n].id[32] = '\0';
        struct stat sb;
        char p[PATH_MAX_LEN];
        (void)snprintf(p, sizeof(p), "%s/%s", dir.data, e->d_name);
        l[n].created_ms = stat(p, &sb) == 0 ? (int64_t)sb.st_ctim.tv_sec * 1000 : 0;
        n++;
    }
    closedir(d);
    emu_buf_done(&dir);
    char (*ids)[33] = r == 0 && n ? emu_calloc(n, sizeof(*ids)) : NULL;
    if (r == 0 && n && !ids) {
        r = -ENOMEM;
    }
    if (r == 0 && n) {
        read_created(data_dir, l, n);
        qsort(l, n, sizeof(*l), by_time);
        for (size_t i = 0; i < n; i++) {
            memcpy(ids[i], l[i].id, 33);
        }
        *ret_ids = ids;
        *ret_n = n;
    }
    emu_free(l);
    return r;
}

int emu_store_remove(const char *data_dir, const char *id)
{
    static const char *const suffixes[] = {".json", ".stop", ".log", ".taskdef.json",
                                           ".resume.json"};
    int first = 0;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        struct emu_buf p;
        int r = emu_store_paths(data_dir, id, suffixes[i], &p);
        if (r == 0 && unlink(p.data) < 0 && errno != ENOENT && !first) {
            first = -errno;
        }
        emu_buf_done(&p);
    }
    struct emu_buf dir; /* the output copies and router config kept for audit and report */
    if (emu_store_paths(data_dir, id, ".out", &dir) == 0) {
        int r = emu_task_remove_dir(dir.data);
        first = first ? first : r;
        emu_buf_done(&dir);
    }
    return first;
}

bool emu_store_supervisor_alive(const struct emu_task_state *st)
{
    if (st->supervisor_pid <= 0) {
        return false;
    }
    if (kill((pid_t)st->supervisor_pid, 0) < 0 && errno != EPERM) {
        return false;
    }
    /* A killed supervisor whose parent never reaps it stays a zombie: dead all the same. */
    char path[64], buf[256];
    (void)snprintf(path, sizeof(path), "/proc/%ld/stat", st->supervisor_pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return true;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return !(close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z');
}
