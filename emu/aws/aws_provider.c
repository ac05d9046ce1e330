/* SPDX-License-Identifier: Apache-2.0 */
/* The credential provider chain on the loop: environment, shared credentials file, container
 * credentials endpoint, then STS AssumeRole when role_arn is set.
 *
 * DESIGN: one lookup runs at a time; callers that ask while it runs wait in a list and all get
 * its result. Results are cached until EMU_AWS_REFRESH_WINDOW seconds before they expire.
 * Callbacks always run from the loop (a zero-delay timer for cached or synchronous sources). */
#include <stdio.h>
#include <string.h>

#include "emu/aws/aws_creds.h"
#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/file.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "emu/base/random.h"

#define ECS_HOST "http://169.254.170.2"

struct waiter {
    struct waiter *next;
    emu_aws_creds_cb cb;
    void *ud;
};

struct emu_aws_provider {
    struct emu_http *http;
    const char *const *envp;
    char *profile, *role_arn, *external_id, *sts_endpoint, *region, *creds_endpoint;
    struct emu_aws_creds cached, base;
    struct waiter *waiters;
    struct emu_http_req *inflight;
    uv_timer_t *kick; /* heap: closed asynchronously */
    int running, freed;
};

static char *dup_or_null(const char *s)
{
    return s ? emu_strdup(s) : NULL;
}

int emu_aws_provider_new(uv_loop_t *loop, struct emu_http *http,
                         const struct emu_aws_provider_config *cfg, struct emu_aws_provider **ret)
{
    struct emu_aws_provider *p = emu_calloc(1, sizeof(*p));
    if (!p) {
        return EMU_ENOMEM;
    }
    p->http = http;
    p->envp = cfg->envp;
    p->profile = dup_or_null(cfg->profile);
    p->role_arn = dup_or_null(cfg->role_arn);
    p->external_id = dup_or_null(cfg->external_id);
    p->sts_endpoint = dup_or_null(cfg->sts_endpoint);
    p->region = emu_strdup(cfg->region ? cfg->region : "us-east-1");
    p->creds_endpoint = dup_or_null(cfg->credentials_endpoint);
    p->kick = emu_calloc(1, sizeof(*p->kick));
    if (!p->region || !p->kick || (cfg->profile && !p->profile) ||
        (cfg->role_arn && !p->role_arn) || (cfg->external_id && !p->external_id) ||
        (cfg->sts_endpoint && !p->sts_endpoint) ||
        (cfg->credentials_endpoint && !p->creds_endpoint)) {
        emu_free(p->kick);
        p->kick = NULL;
        emu_aws_provider_free(p);
        return EMU_ENOMEM;
    }
    uv_timer_init(loop, p->kick);
    p->kick->data = p;
    *ret = p;
    return 0;
}

static void finish(struct emu_aws_provider *p, int status, const struct emu_aws_creds *c)
{
    struct waiter *w = p->waiters;
    p->waiters = NULL;
    p->running = 0;
    if (status == 0) {
        p->cached = *c;
    }
    while (w) {
        struct waiter *next = w->next;
        w->cb(status, status == 0 ? &p->cached : NULL, w->ud);
        emu_free(w);
        w = next;
    }
}

static void close_free_cb(uv_handle_t *h)
{
    emu_free(h);
}

void emu_aws_provider_free(struct emu_aws_provider *p)
{
    if (!p) {
        return;
    }
    p->freed = 1;
    if (p->inflight) {
        /* Its callback sees freed and only clears inflight; cancel completes it later. */
        emu_http_cancel(p->inflight);
    }
    finish(p, EMU_ECANCELED, NULL);
    if (p->kick) {
        uv_close((uv_handle_t *)p->kick, close_free_cb);
    }
    emu_free(p->profile);
    emu_free(p->role_arn);
    emu_free(p->external_id);
    emu_free(p->sts_endpoint);
    emu_free(p->region);
    emu_free(p->creds_endpoint);
    if (!p->inflight) {
        emu_free(p);
    }
}

const struct emu_aws_creds *emu_aws_provider_cached(struct emu_aws_provider *p)
{
    return emu_aws_creds_fresh(&p->cached, time(NULL)) ? &p->cached : NULL;
}

/* ---- STS AssumeRole --------------------------------------------------------------------- */

static void sts_done(int status, const struct emu_http_response *resp, void *ud)
{
    struct emu_aws_provider *p = ud;
    struct emu_aws_creds c;
    char code[128] = "";
    p->inflight = NULL;
    if (p->freed) {
        emu_free(p);
        return;
    }
    if (status == 0 && resp->status == 200) {
        status = emu_aws_creds_parse_sts_xml(resp->body, resp->body_len, &c, code, sizeof(code));
    }
    else if (status == 0) {
        (void)emu_aws_error_parse(resp->body, resp->body_len, code, sizeof(code), NULL, 0);
        status = EMU_EAWS;
    }
    if (status < 0) {
        emu_log_debug("sts: AssumeRole failed: %s %s", emu_strerror(status), code);
    }
    finish(p, status, &c);
}

static int form_escape(struct emu_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int r = 0;
    for (; *s && r == 0; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            r = emu_buf_putc(b, (char)c);
        }
        else {
            r = emu_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
        }
    }
    return r;
}

static int assume_role(struct emu_aws_provider *p)
{
    char ep[512], session[24];
    unsigned char rnd[12];
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct emu_buf body;
    if (p->sts_endpoint) {
        snprintf(ep, sizeof(ep), "%s", p->sts_endpoint);
    }
    else {
        snprintf(ep, sizeof(ep), "https://sts.%s.amazonaws.com", p->region);
    }
    (void)emu_random_bytes(rnd, sizeof(rnd));
    for (size_t i = 0; i < sizeof(rnd); i++) {
        session[i] = alnum[rnd[i] % (sizeof(alnum) - 1)];
    }
    session[sizeof(rnd)] = '\0';
    emu_buf_init(&body, 16u * 1024u);
    int r = emu_buf_puts(&body, "Action=AssumeRole&Version=2011-06-15&RoleArn=");
    r = r ? r : form_escape(&body, p->role_arn);
    r = r ? r : emu_buf_printf(&body, "&RoleSessionName=%s", session);
    if (r == 0 && p->external_id) {
        r = emu_buf_puts(&body, "&ExternalId=");
        r = r ? r : form_escape(&body, p->external_id);
    }
    static const char *const hdrs[] = {
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL};
    struct emu_aws_call call = {.method = "POST", .endpoint = ep, .path = "/",
                                .service = "sts", .region = p->region, .headers = hdrs,
                                .body = body.data, .body_len = body.len};
    r = r ? r : emu_aws_request(p->http, &p->base, &call, sts_done, p, &p->inflight);
    emu_buf_done(&body);
    return r;
}

/* ---- base chain ------------------------------------------------------------------------- */

static void base_ready(struct emu_aws_provider *p, const struct emu_aws_creds *c)
{
    if (!p->role_arn) {
        finish(p, 0, c);
        return;
    }
    p->base = *c;
    int r = assume_role(p);
    if (r < 0) {
        finish(p, r, NULL);
    }
}

static void container_done(int status, const struct emu_http_response *resp, void *ud)
{
    struct emu_aws_provider *p = ud;
    struct emu_aws_creds c;
    p->inflight = NULL;
    if (p->freed) {
        emu_free(p);
        return;
    }
    if (status == 0) {
        status = resp->status == 200 ? emu_aws_creds_parse_json(resp->body, resp->body_len, &c)
                                     : EMU_EAWS;
    }
    if (status < 0) {
        emu_log_debug("credentials: container endpoint failed: %s", emu_strerror(status));
        finish(p, status, NULL);
        return;
    }
    base_ready(p, &c);
}

static int from_profile(struct emu_aws_provider *p, struct emu_aws_creds *c)
{
    char path[1024];
    const char *file = emu_aws_env_get(p->envp, "AWS_SHARED_CREDENTIALS_FILE");
    const char *home = emu_aws_env_get(p->envp, "HOME");
    const char *profile = p->profile ? p->profile : emu_aws_env_get(p->envp, "AWS_PROFILE");
    char *data = NULL;
    size_t len = 0;
    if (file && *file) {
        snprintf(path, sizeof(path), "%s", file);
    }
    else if (home && *home) {
        snprintf(path, sizeof(path), "%s/.aws/credentials", home);
    }
    else {
        return EMU_ENOENT;
    }
    int r = emu_file_read(path, EMU_AWS_CREDS_DOC_MAX, &data, &len);
    if (r == 0) {
        r = emu_aws_creds_parse_profile(data, len, profile && *profile ? profile : "default", c);
        emu_free(data);
    }
    return r < 0 ? EMU_ENOENT : 0;
}

static int from_container(struct emu_aws_provider *p)
{
    char url[2048], auth[2100];
    const char *rel = emu_aws_env_get(p->envp, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = emu_aws_env_get(p->envp, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const char *token = emu_aws_env_get(p->envp, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    const char *hdrs[2] = {NULL, NULL};
    if (p->creds_endpoint) {
        snprintf(url, sizeof(url), "%s", p->creds_endpoint);
    }
    else if (rel && *rel) {
        snprintf(url, sizeof(url), "%s%s", ECS_HOST, rel);
    }
    else if (full && *full) {
        snprintf(url, sizeof(url), "%s", full);
        if (token && *token) {
            snprintf(auth, sizeof(auth), "Authorization: %s", token);
            hdrs[0] = auth;
        }
    }
    else {
        return EMU_ENOENT;
    }
    struct emu_http_request rq = {.url = url, .headers = hdrs, .timeout_ms = 5000,
                                  .max_response = EMU_AWS_CREDS_DOC_MAX};
    return emu_http_request(p->http, &rq, container_done, p, &p->inflight);
}

static void kick_cb(uv_timer_t *t)
{
    struct emu_aws_provider *p = t->data;
    struct emu_aws_creds c;
    if (emu_aws_creds_fresh(&p->cached, time(NULL))) {
        finish(p, 0, &p->cached);
        return;
    }
    if (!p->creds_endpoint && (emu_aws_creds_from_env(p->envp, &c) == 0 ||
                               from_profile(p, &c) == 0)) {
        base_ready(p, &c);
        return;
    }
    int r = from_container(p);
    if (r < 0) {
        finish(p, r == EMU_ENOENT ? EMU_ENOENT : r, NULL);
    }
}

int emu_aws_provider_get(struct emu_aws_provider *p, emu_aws_creds_cb cb, void *ud)
{
    struct waiter *w = emu_calloc(1, sizeof(*w));
    if (!w) {
        return EMU_ENOMEM;
    }
    w->cb = cb;
    w->ud = ud;
    w->next = p->waiters;
    p->waiters = w;
    if (!p->running) {
        p->running = 1;
        uv_timer_start(p->kick, kick_cb, 0, 0);
    }
    return 0;
}
