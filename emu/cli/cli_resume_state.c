/* SPDX-License-Identifier: Apache-2.0 */
/* The resume state file: format, parse (bad input named by member), atomic 0600 write.
 *
 * {"version":1,"wall_ms":N,"enforce_iam":B,"task_role":[...],"execution_role":[...],
 *  "faults":{...},"awslogs":[{"container":"app","ns":"1764000000123456789","same":N}]}
 * Nanosecond timestamps are strings: a JSON number (a double) does not hold 64 bits. */
#include "emu/cli/cli_resume_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"

int emu_cli_resume_state_format(const struct emu_cli_resume_parts *p, struct emu_buf *out)
{
    int r = emu_buf_printf(out, "{\"version\":1,\"wall_ms\":%lld,\"enforce_iam\":%s",
                           (long long)p->wall_ms, p->enforce_iam ? "true" : "false");
    if (r == 0 && p->enforce_iam) {
        r = emu_buf_printf(out, ",\"task_role\":%s",
                           p->task_role_json ? p->task_role_json : "[]");
    }
    if (r == 0 && p->enforce_iam && p->exec_role_json) {
        r = emu_buf_printf(out, ",\"execution_role\":%s", p->exec_role_json);
    }
    if (r == 0 && p->faults_json) {
        r = emu_buf_printf(out, ",\"faults\":%s", p->faults_json);
    }
    r = r ? r : emu_buf_puts(out, ",\"awslogs\":[");
    for (size_t i = 0; r == 0 && i < p->n_awslogs; i++) {
        const struct emu_cli_awslogs_pos *a = &p->awslogs[i];
        r = emu_buf_puts(out, i ? ",{\"container\":" : "{\"container\":");
        r = r ? r : emu_json_write_string(a->container, out);
        r = r ? r : emu_buf_printf(out, ",\"ns\":\"%lld\",\"same\":%llu}", (long long)a->ns,
                                   (unsigned long long)a->same);
    }
    return r ? r : emu_buf_puts(out, "]}\n");
}

static int fail(char *err, size_t n, const char *what)
{
    (void)snprintf(err, n, "%s", what);
    return -EINVAL;
}

static int parse_awslogs(const cJSON *arr, struct emu_cli_resume_state *s, char *err,
                         size_t err_size)
{
    if (!cJSON_IsArray(arr)) {
        return fail(err, err_size, "awslogs: expected an array");
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "container");
        const cJSON *ns = cJSON_GetObjectItemCaseSensitive(e, "ns");
        const cJSON *same = cJSON_GetObjectItemCaseSensitive(e, "same");
        if (s->n_awslogs >= EMU_TASK_MAX_CONTAINERS) {
            return fail(err, err_size, "awslogs: more entries than a task has containers");
        }
        if (!cJSON_IsString(c) || strlen(c->valuestring) >= sizeof(s->awslogs[0].container) ||
            !cJSON_IsString(ns) || !cJSON_IsNumber(same) || same->valuedouble < 0 ||
            same->valuedouble > 9007199254740992.0) {
            return fail(err, err_size, "awslogs[]: needs container, ns (a string) and same");
        }
        char *end = NULL;
        errno = 0;
        long long v = strtoll(ns->valuestring, &end, 10);
        if (!ns->valuestring[0] || *end || errno || v < 0) {
            return fail(err, err_size, "awslogs[].ns: expected Unix nanoseconds");
        }
        struct emu_cli_awslogs_pos *a = &s->awslogs[s->n_awslogs++];
        (void)snprintf(a->container, sizeof(a->container), "%s", c->valuestring);
        a->ns = v;
        a->same = (uint64_t)same->valuedouble;
    }
    return 0;
}

int emu_cli_resume_state_parse(const char *data, size_t len, struct emu_cli_resume_state *ret,
                               char *err, size_t err_size)
{
    memset(ret, 0, sizeof(*ret));
    struct emu_json_error jerr;
    cJSON *root = NULL;
    int r = len > EMU_CLI_RESUME_MAX ? -E2BIG : emu_json_parse(data, len, &root, &jerr);
    if (r == -ENOMEM) {
        return r;
    }
    if (r < 0) {
        (void)snprintf(err, err_size, "not JSON at %u:%u: %s", r == -E2BIG ? 0 : jerr.line,
                       r == -E2BIG ? 0 : jerr.column, r == -E2BIG ? "too large" : jerr.message);
        return -EINVAL;
    }
    ret->root = root;
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *wall = cJSON_GetObjectItemCaseSensitive(root, "wall_ms");
    const cJSON *iam = cJSON_GetObjectItemCaseSensitive(root, "enforce_iam");
    if (!cJSON_IsObject(root) || !cJSON_IsNumber(ver) || ver->valuedouble != 1) {
        return fail(err, err_size, "version: expected 1");
    }
    if (!cJSON_IsNumber(wall) || wall->valuedouble < 0 || wall->valuedouble > 1e15) {
        return fail(err, err_size, "wall_ms: expected Unix milliseconds");
    }
    if (!cJSON_IsBool(iam)) {
        return fail(err, err_size, "enforce_iam: expected true or false");
    }
    ret->wall_ms = (int64_t)wall->valuedouble;
    ret->enforce_iam = cJSON_IsTrue(iam);
    ret->task_role = cJSON_GetObjectItemCaseSensitive(root, "task_role");
    ret->exec_role = cJSON_GetObjectItemCaseSensitive(root, "execution_role");
    if (ret->enforce_iam && !cJSON_IsArray(ret->task_role)) {
        return fail(err, err_size, "task_role: expected an array with enforce_iam");
    }
    if (ret->exec_role && !cJSON_IsArray(ret->exec_role)) {
        return fail(err, err_size, "execution_role: expected an array");
    }
    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(root, "faults");
    if (faults) {
        if (!cJSON_IsObject(faults)) {
            return fail(err, err_size, "faults: expected an object");
        }
        ret->faults = emu_json_print(faults, 0);
        if (!ret->faults) {
            return -ENOMEM;
        }
        ret->faults_len = strlen(ret->faults);
    }
    const cJSON *aw = cJSON_GetObjectItemCaseSensitive(root, "awslogs");
    return aw ? parse_awslogs(aw, ret, err, err_size) : 0;
}

int emu_cli_resume_state_load(const char *data_dir, const char *id,
                              struct emu_cli_resume_state *ret, char *err, size_t err_size)
{
    memset(ret, 0, sizeof(*ret));
    struct emu_buf path;
    int r = emu_store_paths(data_dir, id, EMU_CLI_RESUME_SUFFIX, &path);
    if (r < 0) {
        return r;
    }
    char *data = NULL;
    size_t len = 0;
    r = emu_file_read(path.data, EMU_CLI_RESUME_MAX, &data, &len);
    emu_buf_done(&path);
    if (r < 0) {
        return r;
    }
    r = emu_cli_resume_state_parse(data, len, ret, err, err_size);
    emu_free(data);
    return r;
}

int emu_cli_resume_state_write(const char *data_dir, const char *id,
                               const struct emu_cli_resume_parts *p)
{
    struct emu_buf body, path;
    emu_buf_init(&body, EMU_CLI_RESUME_MAX);
    int r = emu_cli_resume_state_format(p, &body);
    r = r ? r : emu_store_paths(data_dir, id, EMU_CLI_RESUME_SUFFIX, &path);
    if (r == 0) {
        r = emu_file_write_atomic(path.data, body.data, body.len, 0600);
        emu_buf_done(&path);
    }
    emu_buf_done(&body);
    return r;
}

const struct emu_cli_awslogs_pos *emu_cli_resume_state_awslogs(
    const struct emu_cli_resume_state *s, const char *container)
{
    for (size_t i = 0; s && i < s->n_awslogs; i++) {
        if (strcmp(s->awslogs[i].container, container) == 0) {
            return &s->awslogs[i];
        }
    }
    return NULL;
}

void emu_cli_resume_state_done(struct emu_cli_resume_state *s)
{
    cJSON_Delete(s->root);
    emu_free(s->faults);
    memset(s, 0, sizeof(*s));
}
