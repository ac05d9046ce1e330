/* SPDX-License-Identifier: Apache-2.0 */
/* The /events stream: a pure incremental decoder (newline-delimited JSON objects into start,
 * die, oom and health_status events, filtered by label) and the long-lived call feeding it. */
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/docker/docker_int.h"

/* ---- decoder ---------------------------------------------------------------------------- */

static const char *str_or(const cJSON *obj, const char *key, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

static enum emu_docker_event_kind kind_of(const char *action, const char **ret_health)
{
    static const char health[] = "health_status";
    *ret_health = "";
    if (strcmp(action, "start") == 0) {
        return EMU_DOCKER_EVENT_START;
    }
    if (strcmp(action, "die") == 0) {
        return EMU_DOCKER_EVENT_DIE;
    }
    if (strcmp(action, "oom") == 0) {
        return EMU_DOCKER_EVENT_OOM;
    }
    if (strncmp(action, health, sizeof(health) - 1) == 0) {
        /* "health_status: healthy" (the status after ": ") */
        const char *p = action + sizeof(health) - 1;
        if (*p == ':') {
            p++;
        }
        while (*p == ' ') {
            p++;
        }
        *ret_health = p;
        return EMU_DOCKER_EVENT_HEALTH;
    }
    return EMU_DOCKER_EVENT_OTHER;
}

int emu_docker_event_parse(const cJSON *root, struct emu_docker_event *ret)
{
    if (!cJSON_IsObject(root)) {
        return EMU_EBADMSG;
    }
    const cJSON *actor = cJSON_GetObjectItemCaseSensitive(root, "Actor");
    /* "Action" since API 1.22; "status" is the older duplicate. */
    const char *action = str_or(root, "Action", str_or(root, "status", NULL));
    const char *id = cJSON_IsObject(actor) ? str_or(actor, "ID", NULL) : NULL;
    if (!id) {
        id = str_or(root, "id", NULL);
    }
    if (!action || !id) {
        return EMU_EBADMSG;
    }
    struct emu_docker_event ev = {.type = str_or(root, "Type", ""), .action = action, .id = id,
                                  .name = "", .exit_code = -1};
    ev.kind = kind_of(action, &ev.health);
    const cJSON *attrs = cJSON_IsObject(actor) ? cJSON_GetObjectItemCaseSensitive(actor,
                                                                                 "Attributes")
                                               : NULL;
    if (cJSON_IsObject(attrs)) {
        ev.attributes = attrs;
        ev.name = str_or(attrs, "name", "");
        const char *code = str_or(attrs, "exitCode", NULL);
        if (code && ev.kind == EMU_DOCKER_EVENT_DIE) {
            char *end;
            long v = strtol(code, &end, 10);
            ev.exit_code = (*code && *end == '\0' && v >= 0 && v <= 65535) ? v : -1;
        }
        if (ev.kind == EMU_DOCKER_EVENT_HEALTH && !*ev.health) {
            ev.health = str_or(attrs, "health_status", "");
        }
    }
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(root, "timeNano");
    if (cJSON_IsNumber(tn) && tn->valuedouble >= 0 && tn->valuedouble < 9.2e18) {
        ev.time_nano = (long long)tn->valuedouble;
    }
    *ret = ev;
    return 0;
}

void emu_docker_events_decoder_init(struct emu_docker_events_decoder *dec,
                                    const struct emu_docker_kv *labels, size_t n_labels,
                                    emu_docker_event_cb cb, void *ud)
{
    memset(dec, 0, sizeof(*dec));
    emu_buf_init(&dec->line, EMU_DOCKER_MAX_LINE);
    dec->labels = labels;
    dec->n_labels = n_labels;
    dec->cb = cb;
    dec->ud = ud;
}

void emu_docker_events_decoder_done(struct emu_docker_events_decoder *dec)
{
    emu_buf_done(&dec->line);
}

static bool labels_match(const struct emu_docker_events_decoder *dec,
                         const struct emu_docker_event *ev)
{
    for (size_t i = 0; i < dec->n_labels; i++) {
        const char *v = ev->attributes ? str_or(ev->attributes, dec->labels[i].key, NULL) : NULL;
        if (!v || (dec->labels[i].value && strcmp(v, dec->labels[i].value) != 0)) {
            return false;
        }
    }
    return true;
}

static int on_event_line(const char *line, size_t len, void *ud)
{
    struct emu_docker_events_decoder *dec = ud;
    cJSON *root = NULL;
    struct emu_json_error jerr;
    struct emu_docker_event ev;
    int r = emu_json_parse(line, len, &root, &jerr);
    if (r == EMU_ENOMEM) {
        return r;
    }
    if (r < 0 || emu_docker_event_parse(root, &ev) < 0) {
        dec->bad++;
    }
    else if (labels_match(dec, &ev)) {
        dec->cb(&ev, dec->ud);
    }
    cJSON_Delete(root);
    return 0;
}

int emu_docker_events_feed(struct emu_docker_events_decoder *dec, const char *data, size_t len)
{
    return emu__docker_lines_feed(&dec->line, data, len, on_event_line, dec);
}

/* ---- the stream ------------------------------------------------------------------------- */

struct emu_docker_events {
    struct emu_docker_events_decoder dec;
    struct emu_docker_kv *labels;
    size_t n_labels;
    struct emu_http_req *req;
};

static int events_chunk(void *state, const char *data, size_t len)
{
    struct emu_docker_events *ev = state;
    return emu_docker_events_feed(&ev->dec, data, len);
}

static void events_free(void *state)
{
    struct emu_docker_events *ev = state;
    emu_docker_events_decoder_done(&ev->dec);
    emu_free(ev->labels);
    emu_free(ev);
}

/* filters={"type":["container"],"event":[...],"label":["k=v",...]} */
static int events_path(const struct emu_docker_kv *labels, size_t n_labels, struct emu_buf *path)
{
    emu_json_init();
    cJSON *f = cJSON_CreateObject();
    const char *types[] = {"container"};
    const char *events[] = {"start", "die", "oom", "health_status"};
    cJSON *t = cJSON_CreateStringArray(types, 1);
    cJSON *e = cJSON_CreateStringArray(events, 4);
    cJSON *l = cJSON_CreateArray();
    int r = 0;
    if (!f || !t || !e || !l) {
        r = EMU_ENOMEM;
        cJSON_Delete(t);
        cJSON_Delete(e);
        cJSON_Delete(l);
    }
    else {
        cJSON_AddItemToObject(f, "type", t);
        cJSON_AddItemToObject(f, "event", e);
        if (n_labels > 0) {
            cJSON_AddItemToObject(f, "label", l);
        }
        else {
            cJSON_Delete(l);
        }
    }
    struct emu_buf one;
    emu_buf_init(&one, 8192);
    for (size_t i = 0; r == 0 && i < n_labels; i++) {
        one.len = 0;
        r = labels[i].value ? emu_buf_printf(&one, "%s=%s", labels[i].key, labels[i].value)
                            : emu_buf_puts(&one, labels[i].key);
        cJSON *s = r ? NULL : cJSON_CreateString(one.data);
        if (!s || !cJSON_AddItemToArray(l, s)) {
            cJSON_Delete(s);
            r = r ? r : EMU_ENOMEM;
        }
    }
    emu_buf_done(&one);
    char *json = r ? NULL : emu_json_print(f, 0);
    r = r ? r : (json ? emu_buf_puts(path, "/events?filters=") : EMU_ENOMEM);
    r = r ? r : emu_docker_url_escape(json, false, path);
    emu_free(json);
    cJSON_Delete(f);
    return r;
}

int emu_docker_events_start(struct emu_docker *d, const struct emu_docker_kv *labels,
                            size_t n_labels, emu_docker_event_cb on_event, void *event_ud,
                            emu_docker_cb cb, void *ud, struct emu_docker_events **ret)
{
    if (!on_event || n_labels > 64) {
        return EMU_EINVAL;
    }
    struct emu_docker_events *ev = emu_calloc(1, sizeof(*ev));
    if (!ev) {
        return EMU_ENOMEM;
    }
    /* The decoder keeps the label table; the strings stay the caller's. */
    ev->labels = n_labels ? emu_calloc(n_labels, sizeof(*ev->labels)) : NULL;
    if (n_labels && !ev->labels) {
        emu_free(ev);
        return EMU_ENOMEM;
    }
    if (n_labels) {
        memcpy(ev->labels, labels, n_labels * sizeof(*labels));
    }
    emu_docker_events_decoder_init(&ev->dec, ev->labels, n_labels, on_event, event_ud);
    struct emu_buf path;
    emu_buf_init(&path, 16384);
    int r = events_path(labels, n_labels, &path);
    if (r == 0) {
        struct emu__docker_req rq = {.method = "GET", .path = path.data, .timeout_ms = -1,
                                     .chunk = events_chunk, .free_state = events_free,
                                     .state = ev};
        r = emu__docker_send(d, &rq, cb, ud, &ev->req);
    }
    emu_buf_done(&path);
    if (r < 0) {
        events_free(ev);
        return r;
    }
    if (ret) {
        *ret = ev;
    }
    return 0;
}

void emu_docker_events_stop(struct emu_docker_events *ev)
{
    if (ev) {
        emu_http_cancel(ev->req);
    }
}
