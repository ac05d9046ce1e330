/* SPDX-License-Identifier: Apache-2.0 */
/* The CloudWatch Logs service: start and stop, the X-Amz-Target table, body buffering, SigV4
 * over the whole body, and dispatch to the operations; JSON answers and errors.
 *
 * DESIGN: every request is POST / with a JSON 1.1 body of at most CWL_MAX_BODY bytes. At
 * headers time only the method and target are checked (unknown targets are refused before the
 * body is read); when the body is in, SigV4 is verified over it, the body is parsed into a
 * typed request (cwl_req.c), and the operation runs to completion on the loop thread: the
 * store is in memory plus files, so no operation waits for anything. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/json.h"
#include "emu/base/log.h"
#include "emu/base/mem.h"
#include "shims/cloudwatch_logs/cwl_internal.h"
#include "shims/common/iam_hook.h"

static void (*const handlers[_CWL_OP_MAX])(struct cwl_call *c) = {
    [CWL_OP_CREATE_LOG_GROUP] = cwl_op_create_log_group,
    [CWL_OP_DELETE_LOG_GROUP] = cwl_op_delete_log_group,
    [CWL_OP_DESCRIBE_LOG_GROUPS] = cwl_op_describe_log_groups,
    [CWL_OP_CREATE_LOG_STREAM] = cwl_op_create_log_stream,
    [CWL_OP_DELETE_LOG_STREAM] = cwl_op_delete_log_stream,
    [CWL_OP_DESCRIBE_LOG_STREAMS] = cwl_op_describe_log_streams,
    [CWL_OP_PUT_LOG_EVENTS] = cwl_op_put_log_events,
    [CWL_OP_GET_LOG_EVENTS] = cwl_op_get_log_events,
    [CWL_OP_FILTER_LOG_EVENTS] = cwl_op_filter_log_events,
    [CWL_OP_PUT_RETENTION_POLICY] = cwl_op_put_retention_policy,
    [CWL_OP_DELETE_RETENTION_POLICY] = cwl_op_delete_retention_policy,
    [CWL_OP_TAG_LOG_GROUP] = cwl_op_tags,
    [CWL_OP_UNTAG_LOG_GROUP] = cwl_op_tags,
    [CWL_OP_LIST_TAGS_LOG_GROUP] = cwl_op_tags,
    [CWL_OP_TAG_RESOURCE] = cwl_op_tags,
    [CWL_OP_UNTAG_RESOURCE] = cwl_op_tags,
    [CWL_OP_LIST_TAGS_FOR_RESOURCE] = cwl_op_tags,
};

void cwl_reply(struct cwl_call *c)
{
    if (c->out.len == 0 && emu_buf_puts(&c->out, "{}") < 0) {
        shim_respond_error_json(c->req, 500, "ServiceUnavailableException", "Out of memory.");
        return;
    }
    (void)shim_response_header(c->req, "x-amzn-RequestId", shim_request_id(c->req));
    shim_respond_buf(c->req, 200, "application/x-amz-json-1.1", &c->out);
}

void cwl_fail(struct cwl_call *c, const struct cwl_err *e)
{
    shim_respond_error_json(c->req, e->status ? e->status : 400, e->code, e->message);
}

void cwl_fail_code(struct cwl_call *c, const char *code, const char *message)
{
    shim_respond_error_json(c->req, strcmp(code, "ServiceUnavailableException") == 0 ? 500 : 400,
                            code, message);
}

int cwl_group_arn(const struct cwl_call *c, const char *group, bool star, struct emu_buf *out)
{
    return emu_buf_printf(out, "arn:aws:logs:%s:%s:log-group:%s%s", c->cwl->region,
                          c->cwl->account, group, star ? ":*" : "");
}

int cwl_stream_arn(const struct cwl_call *c, const char *group, const char *stream,
                   struct emu_buf *out)
{
    return emu_buf_printf(out, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", c->cwl->region,
                          c->cwl->account, group, stream);
}

bool cwl_authorized(struct cwl_call *c, const char *group, const char *stream)
{
    void *ud = NULL;
    shim_iam_authorize_fn authorize = shim_iam_authorizer(&ud);
    if (!authorize) {
        return true;
    }
    struct emu_buf res, action, msg;
    emu_buf_init(&res, 4096);
    emu_buf_init(&action, 128);
    emu_buf_init(&msg, 8192);
    int r;
    if (stream) {
        r = cwl_stream_arn(c, group, stream, &res);
    }
    else if (group) {
        r = cwl_group_arn(c, group, true, &res);
    }
    else {
        r = emu_buf_printf(&res, "arn:aws:logs:%s:%s:log-group:*", c->cwl->region,
                           c->cwl->account);
    }
    r = r ? r : emu_buf_printf(&action, "logs:%s", cwl_op_name(c->op));
    bool explicit_deny = false;
    char principal[256] = "";
    bool ok = r == 0 && authorize(ud, c->key_id, action.data, res.data, &explicit_deny,
                                  principal);
    if (!ok) {
        const char *a = action.data ? action.data : "";
        const char *rs = res.data ? res.data : "";
        if (explicit_deny) {
            (void)emu_buf_printf(&msg,
                                 "User: %s is not authorized to perform: %s on resource: %s "
                                 "with an explicit deny in an identity-based policy",
                                 principal, a, rs);
        }
        else {
            (void)emu_buf_printf(&msg,
                                 "User: %s is not authorized to perform: %s on resource: %s "
                                 "because no identity-based policy allows the %s action",
                                 principal, a, rs, a);
        }
        shim_respond_error_json(c->req, 400, "AccessDeniedException",
                                msg.data ? msg.data : "Access denied");
    }
    emu_buf_done(&res);
    emu_buf_done(&action);
    emu_buf_done(&msg);
    return ok;
}

struct cwl_group *cwl_need_group(struct cwl_call *c)
{
    struct cwl_group *g = cwl_store_group(c->cwl->store, c->in.group);
    if (!g) {
        cwl_fail_code(c, "ResourceNotFoundException", "The specified log group does not exist.");
    }
    return g;
}

static void call_free(void *p)
{
    struct cwl_call *c = p;
    if (c) {
        cwl_req_done(&c->in);
        emu_buf_done(&c->out);
        emu_free(c);
    }
}

static void dispatch(struct shim_request *req);

static void on_body(struct shim_request *req)
{
    struct cwl_call *c = shim_request_data(req);
    const struct emu_buf *body = shim_request_body(req);
    if (shim_request_body_error(req) == EMU_E2BIG) {
        shim_respond_error_json(req, 413, "InvalidParameterException",
                                "Request body is over the emulator's limit of 10485760 bytes.");
        return;
    }
    if (shim_auth_verify_buffered(req, &c->cwl->auth, SHIM_AUTH_JSON, body->data, body->len,
                                  c->key_id) < 0) {
        return;
    }
    if (!shim_request_fault(req, cwl_op_name(c->op), dispatch)) {
        dispatch(req);
    }
}

/* Parses the body and runs the operation (after any injected latency). */
static void dispatch(struct shim_request *req)
{
    struct cwl_call *c = shim_request_data(req);
    const struct emu_buf *body = shim_request_body(req);
    struct cwl_err e = {0};
    int r = cwl_req_parse(c->op, body->data ? body->data : "", body->len, &c->in, &e);
    if (r == EMU_ENOMEM) {
        cwl_fail_code(c, "ServiceUnavailableException", "Out of memory.");
        return;
    }
    if (r < 0) {
        cwl_fail(c, &e);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    handlers[c->op](c);
}

static void on_request(struct shim_request *req, void *ctx)
{
    struct shim_cwl *cwl = ctx;
    if (strcmp(shim_request_method(req), "POST") != 0) {
        shim_respond_error_json(req, 405, "UnknownOperationException",
                                "CloudWatch Logs takes POST / with an X-Amz-Target header.");
        return;
    }
    enum cwl_op op = cwl_op_from_target(shim_request_header(req, "X-Amz-Target"));
    if (op == _CWL_OP_INVALID) {
        shim_respond_error_json(req, 400, "UnknownOperationException",
                                "The operation is not supported by fargate-emu's CloudWatch "
                                "Logs endpoint.");
        return;
    }
    struct cwl_call *c = emu_calloc(1, sizeof(*c));
    if (!c) {
        shim_respond_error_json(req, 500, "ServiceUnavailableException", "Out of memory.");
        return;
    }
    c->cwl = cwl;
    c->req = req;
    c->op = op;
    emu_buf_init(&c->out, 64u * 1024u * 1024u);
    shim_request_set_data(req, c, call_free);
    shim_request_buffer_body(req, CWL_MAX_BODY, on_body);
}

int shim_cwl_start(uv_loop_t *loop, const struct shim_cwl_config *cfg, struct shim_cwl **ret)
{
    emu_json_init();
    struct shim_cwl *cwl = emu_calloc(1, sizeof(*cwl));
    if (!cwl) {
        return EMU_ENOMEM;
    }
    cwl->region = emu_strdup(cfg->region ? cfg->region : "us-east-1");
    cwl->account = emu_strdup(cfg->account_id ? cfg->account_id : SHIM_CWL_DEFAULT_ACCOUNT);
    char *ak = cfg->access_key ? emu_strdup(cfg->access_key) : NULL;
    char *sk = cfg->secret_key ? emu_strdup(cfg->secret_key) : NULL;
    cwl->auth = (struct shim_auth){
        .access_key = ak,
        .secret_key = sk,
        .service = "logs",
        .allow_anonymous = cfg->allow_anonymous,
    };
    int r = (!cwl->region || !cwl->account || (cfg->access_key && !ak) ||
             (cfg->secret_key && !sk))
                ? EMU_ENOMEM
                : 0;
    r = r ? r : cwl_store_open(cfg->root, &cwl->store);
    char journal[4200];
    int jn = snprintf(journal, sizeof(journal), "%s/failed-requests.jsonl", cfg->root);
    if (r == 0) {
        struct shim_http_config hc = {
            .journal = jn > 0 && (size_t)jn < sizeof(journal) ? journal : NULL,
            .name = "logs",
            .address = cfg->address,
            .port = cfg->port,
            .on_request = on_request,
            .ctx = cwl,
            .faults = cfg->faults,
            .error_shape = SHIM_ERRORS_JSON,
        };
        r = shim_http_start(loop, &hc, &cwl->http);
    }
    if (r < 0) {
        shim_cwl_stop(cwl);
        return r;
    }
    *ret = cwl;
    return 0;
}

uint16_t shim_cwl_port(const struct shim_cwl *cwl)
{
    return shim_http_port(cwl->http);
}

bool shim_cwl_has_operation(const char *op)
{
    char target[128];
    (void)snprintf(target, sizeof(target), "Logs_20140328.%s", op ? op : "");
    return cwl_op_from_target(target) != _CWL_OP_INVALID;
}

void shim_cwl_stop(struct shim_cwl *cwl)
{
    if (!cwl) {
        return;
    }
    shim_http_stop(cwl->http);
    cwl_store_free(cwl->store);
    emu_free((void *)(uintptr_t)cwl->auth.access_key);
    emu_free((void *)(uintptr_t)cwl->auth.secret_key);
    emu_free(cwl->region);
    emu_free(cwl->account);
    emu_free(cwl);
}
