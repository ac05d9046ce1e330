/* SPDX-License-Identifier: Apache-2.0 */
/* Network calls: create (the per-task bridge network standing in for awsvpc), remove, connect
 * a container with DNS aliases, and inspect. */
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/mem.h"
#include "emu/docker/docker_int.h"

static int parse_network(void *state, const cJSON *json, struct emu_docker_reply *reply)
{
    (void)state;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "Id");
    if (!cJSON_IsString(id)) {
        reply->message = "the daemon's answer has no Id";
        return EMU_EPROTO;
    }
    reply->id = id->valuestring;
    reply->json = json;
    return 0;
}

/* Serialises root compactly and sends it as the body of a POST to path. */
static int post_json(struct emu_docker *d, const char *path, cJSON *root,
                     int (*parse)(void *, const cJSON *, struct emu_docker_reply *),
                     emu_docker_cb cb, void *ud)
{
    char *body = emu_json_print(root, 0);
    if (!body) {
        return EMU_ENOMEM;
    }
    struct emu__docker_req rq = {.method = "POST", .path = path, .body = body,
                                 .body_len = strlen(body), .parse = parse};
    int r = emu__docker_send(d, &rq, cb, ud, NULL);
    emu_free(body);
    return r;
}

int emu_docker_network_create(struct emu_docker *d, const char *name,
                              const struct emu_docker_kv *labels, size_t n_labels, bool internal,
                              emu_docker_cb cb, void *ud)
{
    if (!name || !*name) {
        return EMU_EINVAL;
    }
    emu_json_init();
    cJSON *root = cJSON_CreateObject();
    cJSON *lab = NULL;
    int r = root && cJSON_AddStringToObject(root, "Name", name) &&
                    cJSON_AddTrueToObject(root, "CheckDuplicate") &&
                    cJSON_AddStringToObject(root, "Driver", "bridge") &&
                    cJSON_AddBoolToObject(root, "Internal", internal) &&
                    (lab = cJSON_AddObjectToObject(root, "Labels")) != NULL
                ? 0
                : EMU_ENOMEM;
    for (size_t i = 0; r == 0 && i < n_labels; i++) {
        if (!cJSON_AddStringToObject(lab, labels[i].key, labels[i].value ? labels[i].value : "")) {
            r = EMU_ENOMEM;
        }
    }
    if (r == 0) {
        r = post_json(d, "/networks/create", root, parse_network, cb, ud);
    }
    cJSON_Delete(root);
    return r;
}

int emu_docker_network_remove(struct emu_docker *d, const char *id, emu_docker_cb cb, void *ud)
{
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    int r = emu__docker_path(&path, "/networks/", id, NULL);
    if (r == 0) {
        struct emu__docker_req rq = {.method = "DELETE", .path = path.data};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&path);
    return r;
}

int emu_docker_network_connect(struct emu_docker *d, const char *network, const char *container,
                               const char *const *aliases, size_t n_aliases, emu_docker_cb cb,
                               void *ud)
{
    if (!container || !*container) {
        return EMU_EINVAL;
    }
    emu_json_init();
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    cJSON *root = cJSON_CreateObject();
    cJSON *ep = NULL, *al = NULL;
    int r = emu__docker_path(&path, "/networks/", network, "/connect");
    if (r == 0) {
        r = root && cJSON_AddStringToObject(root, "Container", container) &&
                    (ep = cJSON_AddObjectToObject(root, "EndpointConfig")) != NULL &&
                    (al = cJSON_AddArrayToObject(ep, "Aliases")) != NULL
                ? 0
                : EMU_ENOMEM;
    }
    for (size_t i = 0; r == 0 && i < n_aliases; i++) {
        cJSON *s = cJSON_CreateString(aliases[i]);
        if (!s || !cJSON_AddItemToArray(al, s)) {
            cJSON_Delete(s);
            r = EMU_ENOMEM;
        }
    }
    if (r == 0) {
        r = post_json(d, path.data, root, NULL, cb, ud);
    }
    cJSON_Delete(root);
    emu_buf_done(&path);
    return r;
}

int emu_docker_network_inspect(struct emu_docker *d, const char *id, emu_docker_cb cb,
                               void *ud)
{
    struct emu_buf path;
    emu_buf_init(&path, 4096);
    int r = emu__docker_path(&path, "/networks/", id, NULL);
    if (r == 0) {
        struct emu__docker_req rq = {.method = "GET", .path = path.data, .parse = parse_network};
        r = emu__docker_send(d, &rq, cb, ud, NULL);
    }
    emu_buf_done(&path);
    return r;
}
