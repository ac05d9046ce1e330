/* SPDX-License-Identifier: Apache-2.0 */
/* Container calls: create, start, wait, inspect, stop with a timeout, kill, remove, and logs
 * decoded from the multiplexed stream into timestamped stdout and stderr lines. */
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/docker/docker_int.h"

static int parse_id(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    (void)state;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "Id");
    if (!cJSON_IsString(id)) {
        reply->message = "the daemon's answer has no Id";
        return EMU_EPROTO;
    }
    reply->id = id->valuestring;
    return 0;
}

int emu_docker_container_create(struct emu_docker *d, const struct emu_docker_create *c,
                                emu_docker_cb cb, void *ud)
{
    struct emu_buf body, path;
    emu_buf_init(&body, EMU_HTTP_MAX_REQUEST);
    emu_buf_init(&path, 4096);
    int r = emu_docker_create_body(c, &body);
    r = r ? r : emu_buf_puts(&path, "/containers/create");
    if (r == 0 && c->name) {
        r = emu_buf_puts(&path, "?name=");
        r = r ? r : emu_docker_url_escape(c->name, false, &path);
    }
    if (r == 0) {
        struct emu__docker_req rq = {.method = "POST", .path = path.data, .body = body.data,
                                     .body_len = body.len, .parse = parse_id};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&body);
    emu_buf_done(&path);
    return r;
}

/* Sends a body-less call on /containers/<id><suffix>. */
static int simple_call(struct emu_docker *d, const char *method, const char *id,
                       const char *suffix, long timeout_ms, bool ok_304,
                       int (*parse)(void *, const cJSON *, struct emu_docker_reply *),
                       emu_docker_cb cb, void *ud)
{
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    int r = emu__docker_path(&path, "/containers/", id, suffix);
    if (r == 0) {
        struct emu__docker_req rq = {.method = method, .path = path.data,
                                     .timeout_ms = timeout_ms, .ok_304 = ok_304,
                                     .parse = parse};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&path);
    return r;
}

int emu_docker_container_start(struct emu_docker *d, const char *id, emu_docker_cb cb, void *ud)
{
    return simple_call(d, "POST", id, "/start", 0, true, NULL, cb, ud);
}

static int parse_wait(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    (void)state;
    long code = -1;
    const char *msg = NULL;
    int r = emu_docker_wait_parse(json, &code, &msg);
    if (r == EMU_EDOCKER) {
        reply->message = msg;
    }
    else if (r < 0) {
        reply->message = "malformed wait answer";
    }
    reply->exit_code = code;
    return r;
}

int emu_docker_container_wait(struct emu_docker *d, const char *id, const char *condition,
                              emu_docker_cb cb, void *ud)
{
    char suffix[64];
    const char *cond = condition ? condition : "not-running";
    if (strcmp(cond, "not-running") != 0 && strcmp(cond, "next-exit") != 0 &&
        strcmp(cond, "removed") != 0) {
        return EMU_EINVAL;
    }
    (void)snprintf(suffix, sizeof(suffix), "/wait?condition=%s", cond);
    return simple_call(d, "POST", id, suffix, -1, false, parse_wait, cb, ud);
}

static int parse_inspect(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    struct emu_docker_container_info *info = state;
    int r = emu_docker_container_info_parse(json, info);
    if (r < 0) {
        reply->message = "malformed container inspect answer";
        return r;
    }
    reply->container = info;
    reply->json = json;
    reply->id = info->id;
    return 0;
}

int emu_docker_container_inspect(struct emu_docker *d, const char *id, emu_docker_cb cb,
                                 void *ud)
{
    struct emu_docker_container_info *info = emu_calloc(1, sizeof(*info));
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    int r = info ? emu__docker_path(&path, "/containers/", id, "/json") : EMU_ENOMEM;
    if (r == 0) {
        struct emu__docker_req rq = {.method = "GET", .path = path.data, .parse = parse_inspect,
                                     .free_state = emu_free, .state = info};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&path);
    if (r < 0) {
        emu_free(info);
    }
    return r;
}

static int parse_any(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    (void)state;
    reply->json = json;
    return 0;
}

int emu_docker_container_stats(struct emu_docker *d, const char *id, emu_docker_cb cb, void *ud)
{
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    int r = emu__docker_path(&path, "/containers/", id, "/stats?stream=false&one-shot=true");
    if (r == 0) {
        struct emu__docker_req rq = {.method = "GET", .path = path.data, .parse = parse_any};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&path);
    return r;
}

int emu_docker_container_stop(struct emu_docker *d, const char *id, int timeout_s,
                              emu_docker_cb cb, void *ud)
{
    char suffix[48];
    long budget_ms = EMU__DOCKER_TIMEOUT_MS;
    if (timeout_s >= 0) {
        (void)snprintf(suffix, sizeof(suffix), "/stop?t=%d", timeout_s);
        budget_ms = (timeout_s + 60L) * 1000L;
    }
    else {
        (void)snprintf(suffix, sizeof(suffix), "/stop");
    }
    return simple_call(d, "POST", id, suffix, budget_ms, true, NULL, cb, ud);
}

int emu_docker_container_kill(struct emu_docker *d, const char *id, const char *signal,
                              emu_docker_cb cb, void *ud)
{
    struct emu_buf suffix;
    emu_buf_init(&suffix, 128);
    int r = emu_buf_puts(&suffix, "/kill?signal=");
    r = r ? r : emu_docker_url_escape(signal ? signal : "SIGKILL", false, &suffix);
    if (r == 0) {
        r = simple_call(d, "POST", id, suffix.data, 0, false, NULL, cb, ud);
    }
    emu_buf_done(&suffix);
    return r;
}

int emu_docker_container_remove(struct emu_docker *d, const char *id, bool force,
                                emu_docker_cb cb, void *ud)
{
    return simple_call(d, "DELETE", id, force ? "?force=1&v=1" : "?v=1", 0, false, NULL, cb, ud);
}

/* ---- logs ------------------------------------------------------------------------------- */

struct logs_state {
    struct emu_docker_logs_decoder dec;
    int err;
};

static int logs_chunk(void *state, const char *data, size_t len)
{
    struct logs_state *ls = state;
    return emu_docker_logs_feed(&ls->dec, data, len);
}

static int logs_parse(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    struct logs_state *ls = state;
    (void)json;
    (void)reply;
    /* Deliver an unterminated last line before the caller hears the end. */
    emu_docker_logs_decoder_done(&ls->dec);
    emu_docker_logs_decoder_init(&ls->dec, ls->dec.timestamps, ls->dec.cb, ls->dec.ud);
    return 0;
}

static void logs_free(void *state)
{
    struct logs_state *ls = state;
    ls->dec.cb = NULL;
    for (int i = 0; i < 3; i++) {
        emu_buf_done(&ls->dec.line[i]);
    }
    emu_free(ls);
}

int emu_docker_container_logs(struct emu_docker *d, const char *id, bool follow,
                              emu_docker_log_line_cb on_line, void *line_ud, emu_docker_cb cb,
                              void *ud)
{
    return emu_docker_container_logs_req(d, id, follow, on_line, line_ud, cb, ud, NULL);
}

static int logs_req(struct emu_docker *d, const char *id, const char *query,
                    emu_docker_log_line_cb on_line, void *line_ud, emu_docker_cb cb, void *ud,
                    struct emu_http_req **ret_req);

int emu_docker_container_logs_req(struct emu_docker *d, const char *id, bool follow,
                                  emu_docker_log_line_cb on_line, void *line_ud,
                                  emu_docker_cb cb, void *ud, struct emu_http_req **ret_req)
{
    return logs_req(d, id, follow ? "/logs?stdout=1&stderr=1&timestamps=1&follow=1"
                                  : "/logs?stdout=1&stderr=1&timestamps=1",
                    on_line, line_ud, cb, ud, ret_req);
}

int emu_docker_container_logs_since(struct emu_docker *d, const char *id, const char *since,
                                    emu_docker_log_line_cb on_line, void *line_ud,
                                    emu_docker_cb cb, void *ud, struct emu_http_req **ret_req)
{
    return emu_docker_container_logs_from(d, id, since, false, on_line, line_ud, cb, ud,
                                          ret_req);
}

int emu_docker_container_logs_from(struct emu_docker *d, const char *id, const char *since,
                                   bool follow, emu_docker_log_line_cb on_line, void *line_ud,
                                   emu_docker_cb cb, void *ud, struct emu_http_req **ret_req)
{
    char query[112];
    if (!since || strspn(since, "0123456789.") != strlen(since) || strlen(since) > 40) {
        return EMU_EINVAL;
    }
    (void)snprintf(query, sizeof(query), "/logs?stdout=1&stderr=1&timestamps=1&since=%s%s",
                   since, follow ? "&follow=1" : "");
    return logs_req(d, id, query, on_line, line_ud, cb, ud, ret_req);
}

static int logs_req(struct emu_docker *d, const char *id, const char *query,
                    emu_docker_log_line_cb on_line, void *line_ud, emu_docker_cb cb, void *ud,
                    struct emu_http_req **ret_req)
{
    if (!on_line) {
        return EMU_EINVAL;
    }
    struct logs_state *ls = emu_calloc(1, sizeof(*ls));
    if (!ls) {
        return EMU_ENOMEM;
    }
    emu_docker_logs_decoder_init(&ls->dec, true, on_line, line_ud);
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    int r = emu__docker_path(&path, "/containers/", id, query);
    if (r == 0) {
        struct emu__docker_req rq = {.method = "GET", .path = path.data, .timeout_ms = -1,
                                     .parse = logs_parse, .chunk = logs_chunk,
                                     .free_state = logs_free, .state = ls};
        r = emu__docker_send(d, &rq, cb, ud, ret_req);
    }
    emu_buf_done(&path);
    if (r < 0) {
        logs_free(ls);
    }
    return r;
}

/* ---- archive ---------------------------------------------------------------------------- */

struct archive_state {
    struct emu_buf body;
};

static int archive_chunk(void *state, const char *data, size_t len)
{
    struct archive_state *as = state;
    return emu_buf_append(&as->body, data, len);
}

static int archive_parse(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    struct archive_state *as = state;
    (void)json;
    reply->body = as->body.data ? as->body.data : "";
    reply->body_len = as->body.len;
    return 0;
}

static void archive_free(void *state)
{
    struct archive_state *as = state;
    emu_buf_done(&as->body);
    emu_free(as);
}

int emu_docker_container_archive(struct emu_docker *d, const char *id, const char *path,
                                 size_t max_bytes, emu_docker_cb cb, void *ud)
{
    if (!path || path[0] != '/' || max_bytes == 0) {
        return EMU_EINVAL;
    }
    struct archive_state *as = emu_calloc(1, sizeof(*as));
    if (!as) {
        return EMU_ENOMEM;
    }
    emu_buf_init(&as->body, max_bytes);
    struct emu_buf suffix, url;
    emu_buf_init(&suffix, 8192);
    emu_buf_init(&url, 8192);
    int r = emu_buf_puts(&suffix, "/archive?path=");
    r = r ? r : emu_docker_url_escape(path, false, &suffix);
    r = r ? r : emu__docker_path(&url, "/containers/", id, suffix.data);
    if (r == 0) {
        struct emu__docker_req rq = {.method = "GET", .path = url.data, .parse = archive_parse,
                                     .chunk = archive_chunk, .free_state = archive_free,
                                     .state = as};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&suffix);
    emu_buf_done(&url);
    if (r < 0) {
        archive_free(as);
    }
    return r;
}
