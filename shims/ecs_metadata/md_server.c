/* SPDX-License-Identifier: Apache-2.0 */
/* The task metadata and credentials endpoint: routes GET /v2/credentials/<id>, /v3/<id>[...]
 * and /v4/<id>[...] to the credentials table and the document provider, answering errors with
 * the agent's bodies ({"code","message","HTTPErrorCode"}). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/model/metadata.h"
#include "shims/common/http.h"
#include "shims/ecs_metadata/md.h"

#define DOC_MAX (4u * 1024u * 1024u)

struct md_cred {
    char id[SHIM_MD_ID_MAX];
    char role_arn[512];
    char key[64];
    char secret[128];
    char token[1024];
    char expiration[40];
    bool delivered;
};

struct shim_md {
    struct shim_http_server *http;
    shim_md_doc_fn doc;
    void *ud;
    struct md_cred creds[SHIM_MD_MAX_CREDENTIALS];
    size_t n_creds;
};

static void respond_json(struct shim_request *req, unsigned status, struct emu_buf *b)
{
    shim_respond_buf(req, status, "application/json", b);
}

static void respond_error(struct shim_request *req, unsigned status, const char *code,
                          const char *message)
{
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    (void)emu_md_error_json(code, message, status, &b);
    respond_json(req, status, &b);
    emu_buf_done(&b);
}

static void credentials(struct shim_md *md, struct shim_request *req, const char *id)
{
    if (!id[0]) {
        respond_error(req, 400, "NoIdInRequest",
                      "CredentialsV2Request: No Credential ID in the request");
        return;
    }
    for (size_t i = 0; i < md->n_creds; i++) {
        const struct md_cred *c = &md->creds[i];
        if (strcmp(c->id, id) != 0) {
            continue;
        }
        if (!c->delivered) {
            respond_error(req, 503, "CredentialsUninitialized",
                          "CredentialsV2Request: Credentials uninitialized for ID");
            return;
        }
        struct emu_md_credentials doc = {
            .role_arn = c->role_arn,
            .access_key_id = c->key,
            .secret_access_key = c->secret,
            .token = c->token,
            .expiration = c->expiration,
        };
        struct emu_buf b;
        emu_buf_init(&b, DOC_MAX);
        int r = emu_md_credentials_json(&doc, &b);
        if (r < 0) {
            emu_buf_done(&b);
            respond_error(req, 500, "InternalServerError", "CredentialsV2Request: internal");
            return;
        }
        respond_json(req, 200, &b);
        emu_buf_done(&b);
        return;
    }
    respond_error(req, 400, "InvalidIdInRequest", "CredentialsV2Request: Credentials not found");
}

/* /v3/<id>[/rest] or /v4/<id>[/rest]. */
static void metadata(struct shim_md *md, struct shim_request *req, int version, const char *p)
{
    char id[SHIM_MD_ID_MAX];
    size_t n = strcspn(p, "/");
    if (n == 0 || n >= sizeof(id)) {
        respond_error(req, 400, "InvalidIdInRequest", "V4 metadata handler: invalid endpoint");
        return;
    }
    (void)snprintf(id, sizeof(id), "%.*s", (int)n, p);
    const char *rest = p + n;
    enum shim_md_doc kind;
    if (!rest[0] || strcmp(rest, "/") == 0) {
        kind = SHIM_MD_CONTAINER;
    }
    else if (strcmp(rest, "/task") == 0) {
        kind = SHIM_MD_TASK;
    }
    else if (strcmp(rest, "/taskWithTags") == 0 && version == 4) {
        kind = SHIM_MD_TASK_WITH_TAGS;
    }
    else if (strcmp(rest, "/stats") == 0) {
        kind = SHIM_MD_STATS;
    }
    else if (strcmp(rest, "/task/stats") == 0) {
        kind = SHIM_MD_TASK_STATS;
    }
    else {
        shim_respond_empty(req, 404);
        return;
    }
    struct emu_buf b;
    emu_buf_init(&b, DOC_MAX);
    int r = md->doc ? md->doc(md->ud, id, version, kind, &b) : -ENOENT;
    if (r == -ENOENT) {
        char msg[256];
        (void)snprintf(msg, sizeof(msg), "V%d container metadata handler: unable to get task "
                                         "arn from request: unable to get task Arn from v3 "
                                         "endpoint ID: %s", version, id);
        respond_error(req, 404, "InvalidIdInRequest", msg);
    }
    else if (r < 0) {
        respond_error(req, 500, "InternalServerError", emu_strerror(r));
    }
    else {
        respond_json(req, 200, &b);
    }
    emu_buf_done(&b);
}

static void on_request(struct shim_request *req, void *ctx)
{
    struct shim_md *md = ctx;
    const char *path = shim_request_raw_path(req);
    if (strcmp(shim_request_method(req), "GET") != 0 &&
        strcmp(shim_request_method(req), "HEAD") != 0) {
        shim_respond_empty(req, 405);
        return;
    }
    if (strcmp(path, "/v2/credentials") == 0 || strncmp(path, "/v2/credentials/", 16) == 0) {
        credentials(md, req, path[15] ? path + 16 : "");
    }
    else if (strncmp(path, "/v4/", 4) == 0 || strncmp(path, "/v3/", 4) == 0) {
        metadata(md, req, path[2] - '0', path + 4);
    }
    else {
        shim_respond_empty(req, 404);
    }
}

int shim_md_start(uv_loop_t *loop, const struct shim_md_config *cfg, struct shim_md **ret)
{
    struct shim_md *md = emu_calloc(1, sizeof(*md));
    if (!md) {
        return EMU_ENOMEM;
    }
    md->doc = cfg->doc;
    md->ud = cfg->ud;
    struct shim_http_config hc = {
        .name = "ecs-metadata",
        .address = cfg->address,
        .port = cfg->port,
        .device = cfg->device,
        .timeout_s = 30,
        .on_request = on_request,
        .ctx = md,
    };
    int r = shim_http_start(loop, &hc, &md->http);
    if (r < 0) {
        emu_free(md);
        return r;
    }
    *ret = md;
    return 0;
}

uint16_t shim_md_port(const struct shim_md *md)
{
    return shim_http_port(md->http);
}

void shim_md_stop(struct shim_md *md)
{
    if (!md) {
        return;
    }
    shim_http_stop(md->http);
    emu_free(md);
}

static int copy(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src ? src : "");
    if (l >= n) {
        return -EINVAL;
    }
    memcpy(dst, src ? src : "", l + 1);
    return 0;
}

int shim_md_set_credentials(struct shim_md *md, const char *id, const char *role_arn,
                            const char *key, const char *secret, const char *token,
                            const char *expiration)
{
    struct md_cred *c = NULL;
    for (size_t i = 0; i < md->n_creds && !c; i++) {
        c = strcmp(md->creds[i].id, id) == 0 ? &md->creds[i] : NULL;
    }
    if (!c) {
        if (md->n_creds >= SHIM_MD_MAX_CREDENTIALS) {
            return -E2BIG;
        }
        c = &md->creds[md->n_creds];
        memset(c, 0, sizeof(*c));
        int r = copy(c->id, sizeof(c->id), id);
        if (r < 0 || !id[0]) {
            return -EINVAL;
        }
        md->n_creds++;
    }
    c->delivered = role_arn != NULL;
    if (!role_arn) {
        return 0;
    }
    int r = copy(c->role_arn, sizeof(c->role_arn), role_arn);
    r = r ? r : copy(c->key, sizeof(c->key), key);
    r = r ? r : copy(c->secret, sizeof(c->secret), secret);
    r = r ? r : copy(c->token, sizeof(c->token), token);
    r = r ? r : copy(c->expiration, sizeof(c->expiration), expiration);
    c->delivered = r == 0;
    return r;
}
