/* SPDX-License-Identifier: Apache-2.0 */
/* The STS service: parameters from the query string and the form body, SigV4 (not needed for
 * AssumeRoleWithWebIdentity, as on AWS), the three actions, and their XML answers.
 *
 * DESIGN: GET /?Action=... (what Fluent Bit's sts_endpoint sends) and POST / with a
 * form-encoded body (SDKs, the AWS CLI) are the same request once the parameters are merged.
 * Issued credentials go into the process-wide store that every shim's SigV4 lookup consults. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/common/fault.h"
#include "shims/sts/sts_internal.h"

static void fail(struct shim_request *req, const struct sts_err *e)
{
    shim_respond_error_query(req, e->status ? e->status : 400, STS_XMLNS, true, e->code,
                             e->message);
}

static int xml_elem(struct emu_buf *b, const char *indent, const char *name, const char *value)
{
    int r = emu_buf_printf(b, "%s<%s>", indent, name);
    r = r ? r : shim_xml_escape(value, strlen(value), b);
    return r ? r : emu_buf_printf(b, "</%s>\n", name);
}

static void respond(struct shim_request *req, const char *action, struct emu_buf *result)
{
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    int r = emu_buf_printf(&b, "<%sResponse xmlns=\"%s\">\n  <%sResult>\n", action, STS_XMLNS,
                           action);
    r = r ? r : emu_buf_append(&b, result->data ? result->data : "", result->len);
    r = r ? r : emu_buf_printf(&b, "  </%sResult>\n  <ResponseMetadata>\n    <RequestId>%s"
                                   "</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n",
                               action, shim_request_id(req), action);
    if (r < 0) {
        emu_buf_done(&b);
        shim_respond_error_query(req, 500, STS_XMLNS, false, "InternalFailure", "Out of memory.");
        return;
    }
    (void)shim_response_header(req, "x-amzn-RequestId", shim_request_id(req));
    shim_respond_buf(req, 200, "text/xml", &b);
}

static void caller_identity(struct shim_sts *sts, struct shim_request *req, const char *key)
{
    char arn[512], user_id[256];
    if (shim_sts_principal(key, arn, sizeof(arn)) == 0) {
        const char *session = strrchr(arn, '/');
        (void)snprintf(user_id, sizeof(user_id), "AROAFARGATEEMUROLE000:%s",
                       session ? session + 1 : "session");
    }
    else {
        (void)snprintf(arn, sizeof(arn), "arn:aws:iam::%s:user/fargate-emu", sts->account);
        (void)snprintf(user_id, sizeof(user_id), "AIDAFARGATEEMUUSER000");
    }
    struct emu_buf b;
    emu_buf_init(&b, 4096);
    int r = xml_elem(&b, "    ", "UserId", user_id);
    r = r ? r : xml_elem(&b, "    ", "Account", sts->account);
    r = r ? r : xml_elem(&b, "    ", "Arn", arn);
    if (r == 0) {
        respond(req, "GetCallerIdentity", &b);
    }
    emu_buf_done(&b);
}

static void assume(struct shim_sts *sts, struct shim_request *req, const struct sts_req *q)
{
    (void)sts;
    char key[32], secret[64], token[1024], expiration[32], arn[512], role_id[256];
    int64_t now = (int64_t)time(NULL);
    int r = shim_sts_mint(q->role_arn, q->session, now, q->duration, key, secret, token,
                          expiration);
    if (r < 0) {
        emu_log_errno(r, "sts: cannot issue credentials");
        shim_respond_error_query(req, 500, STS_XMLNS, false, "InternalFailure",
                                 "The request processing has failed because of an unknown "
                                 "error, exception or failure.");
        return;
    }
    (void)shim_sts_principal(key, arn, sizeof(arn));
    (void)snprintf(role_id, sizeof(role_id), "AROAFARGATEEMUROLE000:%s", q->session);
    bool web = q->action == STS_ASSUME_ROLE_WITH_WEB_IDENTITY;
    struct emu_buf b;
    emu_buf_init(&b, 16 * 1024);
    r = 0;
    if (web) {
        r = xml_elem(&b, "    ", "SubjectFromWebIdentityToken", q->subject);
        r = r ? r : xml_elem(&b, "    ", "Audience", q->audience);
        r = r ? r : xml_elem(&b, "    ", "Provider", q->provider);
    }
    r = r ? r : emu_buf_puts(&b, "    <AssumedRoleUser>\n");
    r = r ? r : xml_elem(&b, "      ", "AssumedRoleId", role_id);
    r = r ? r : xml_elem(&b, "      ", "Arn", arn);
    r = r ? r : emu_buf_puts(&b, "    </AssumedRoleUser>\n    <Credentials>\n");
    r = r ? r : xml_elem(&b, "      ", "AccessKeyId", key);
    r = r ? r : xml_elem(&b, "      ", "SecretAccessKey", secret);
    r = r ? r : xml_elem(&b, "      ", "SessionToken", token);
    r = r ? r : xml_elem(&b, "      ", "Expiration", expiration);
    r = r ? r : emu_buf_puts(&b, "    </Credentials>\n");
    if (r == 0) {
        respond(req, web ? "AssumeRoleWithWebIdentity" : "AssumeRole", &b);
    }
    emu_buf_done(&b);
}

/* Merges query-string parameters and the form body into params (decoded into store). */
static int collect(struct shim_request *req, struct shim_kv *params, size_t *ret_n, char **store)
{
    size_t n = 0;
    const char *name, *value;
    for (size_t i = 0; shim_request_query_at(req, i, &name, &value); i++) {
        if (n == STS_MAX_PARAMS) {
            return EMU_E2BIG;
        }
        params[n++] = (struct shim_kv){name, value};
    }
    const struct emu_buf *body = shim_request_body(req);
    if (body->len > 0) {
        size_t size = shim_query_store_size(body->data);
        *store = emu_malloc(size);
        if (!*store) {
            return EMU_ENOMEM;
        }
        int r = shim_query_parse(body->data, params + n, STS_MAX_PARAMS - n, *store, size);
        if (r < 0) {
            return r;
        }
        n += (size_t)r;
    }
    *ret_n = n;
    return 0;
}

/* Answers the request once its parameters are in (after any injected latency). */
static void dispatch(struct shim_request *req)
{
    struct shim_sts *sts = shim_request_data(req);
    const struct emu_buf *body = shim_request_body(req);
    struct shim_kv params[STS_MAX_PARAMS];
    size_t n = 0;
    char *store = NULL;
    struct sts_err e = {0};
    struct sts_req q;
    if (shim_request_body_error(req) || collect(req, params, &n, &store) < 0) {
        e = (struct sts_err){"InvalidParameterValue", 400, "The request could not be parsed."};
        fail(req, &e);
        emu_free(store);
        return;
    }
    int r = sts_req_parse(params, n, &q, &e);
    bool anonymous_ok = q.action == STS_ASSUME_ROLE_WITH_WEB_IDENTITY &&
                        !shim_request_header(req, "Authorization");
    char key[EMU_SIGV4_MAX_KEY_ID] = "";
    if (!anonymous_ok && shim_auth_verify_buffered(req, &sts->auth, SHIM_AUTH_QUERY, body->data,
                                                   body->len, key) < 0) {
        emu_free(store);
        return;
    }
    if (r < 0) {
        fail(req, &e);
    }
    else if (q.action == STS_GET_CALLER_IDENTITY) {
        caller_identity(sts, req, key);
    }
    else {
        assume(sts, req, &q);
    }
    emu_free(store);
}

/* Consults fault injection with the Action (query string or form body), then dispatches. */
static void on_body(struct shim_request *req)
{
    struct shim_kv params[STS_MAX_PARAMS];
    size_t n = 0;
    char *store = NULL;
    char action[SHIM_FAULT_MAX_OP] = "Unknown";
    if (!shim_request_body_error(req) && collect(req, params, &n, &store) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(params[i].name, "Action") == 0) {
                (void)snprintf(action, sizeof(action), "%s", params[i].value);
            }
        }
    }
    emu_free(store);
    if (!shim_request_fault(req, action, dispatch)) {
        dispatch(req);
    }
}

static void on_request(struct shim_request *req, void *ctx)
{
    const char *m = shim_request_method(req);
    if (strcmp(m, "POST") != 0 && strcmp(m, "GET") != 0) {
        shim_respond_error_query(req, 405, STS_XMLNS, true, "InvalidAction",
                                 "STS takes GET or POST /.");
        return;
    }
    shim_request_set_data(req, ctx, NULL);
    shim_request_buffer_body(req, STS_MAX_BODY, on_body);
}

int shim_sts_start(uv_loop_t *loop, const struct shim_sts_config *cfg, struct shim_sts **ret)
{
    struct shim_sts *sts = emu_calloc(1, sizeof(*sts));
    if (!sts) {
        return EMU_ENOMEM;
    }
    sts->region = emu_strdup(cfg->region ? cfg->region : "us-east-1");
    sts->account = emu_strdup(cfg->account_id ? cfg->account_id : "123456789012");
    char *ak = cfg->access_key ? emu_strdup(cfg->access_key) : NULL;
    char *sk = cfg->secret_key ? emu_strdup(cfg->secret_key) : NULL;
    sts->auth = (struct shim_auth){.access_key = ak, .secret_key = sk, .service = "sts",
                                   .allow_anonymous = cfg->allow_anonymous};
    int r = (!sts->region || !sts->account || (cfg->access_key && !ak) ||
             (cfg->secret_key && !sk))
                ? EMU_ENOMEM
                : 0;
    if (r == 0) {
        struct shim_http_config hc = {
            .name = "sts",
            .address = cfg->address,
            .port = cfg->port,
            .on_request = on_request,
            .ctx = sts,
            .faults = cfg->faults,
            .error_shape = SHIM_ERRORS_QUERY,
            .error_xmlns = STS_XMLNS,
        };
        r = shim_http_start(loop, &hc, &sts->http);
    }
    if (r < 0) {
        shim_sts_stop(sts);
        return r;
    }
    *ret = sts;
    return 0;
}

uint16_t shim_sts_port(const struct shim_sts *sts)
{
    return shim_http_port(sts->http);
}

void shim_sts_stop(struct shim_sts *sts)
{
    if (!sts) {
        return;
    }
    shim_http_stop(sts->http);
    emu_free((void *)(uintptr_t)sts->auth.access_key);
    emu_free((void *)(uintptr_t)sts->auth.secret_key);
    emu_free(sts->region);
    emu_free(sts->account);
    emu_free(sts);
}
