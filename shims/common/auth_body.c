/* SPDX-License-Identifier: Apache-2.0 */
/* Access control of the JSON and query-protocol shims (CloudWatch Logs, STS): SigV4 with the
 * body in hand (its hash goes into the canonical request), refusals in the service's own error
 * shape rather than S3's, and the process-wide IAM authorizer with S3's AccessDenied answer. */
#include <string.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/auth.h"
#include "shims/common/codec.h"
#include "shims/common/iam_hook.h"

#define AUTH_MAX_HEADERS 128

#define MSG_INVALID_TOKEN "The security token included in the request is invalid."
#define MSG_EXPIRED_TOKEN "The security token included in the request is expired"
#define MSG_MISMATCH                                                                           \
    "The request signature we calculated does not match the signature you provided. Check "   \
    "your AWS Secret Access Key and signing method. Consult the service documentation for "   \
    "details."

/* How one refusal reads in each style. */
struct refusal {
    const char *json_code;
    const char *query_code;
    unsigned query_status;
    const char *message;
};

static struct refusal refusal_for(enum emu_sigv4_status s)
{
    switch (s) {
    case EMU_SIGV4_ANONYMOUS:
        return (struct refusal){"MissingAuthenticationTokenException",
                                "MissingAuthenticationToken", 403,
                                "Request is missing Authentication Token"};
    case EMU_SIGV4_MALFORMED_HEADER:
    case EMU_SIGV4_MALFORMED_QUERY:
    case EMU_SIGV4_BAD_ALGORITHM:
    case EMU_SIGV4_MISSING_DATE:
        return (struct refusal){"IncompleteSignatureException", "IncompleteSignature", 400,
                                emu_sigv4_status_message(s)};
    case EMU_SIGV4_WRONG_REGION:
        return (struct refusal){"InvalidSignatureException", "SignatureDoesNotMatch", 403,
                                "Credential should be scoped to a valid region."};
    case EMU_SIGV4_INVALID_ACCESS_KEY:
    case EMU_SIGV4_INVALID_TOKEN:
        return (struct refusal){"UnrecognizedClientException", "InvalidClientTokenId", 403,
                                MSG_INVALID_TOKEN};
    case EMU_SIGV4_TIME_SKEWED:
    case EMU_SIGV4_EXPIRED:
        return (struct refusal){"InvalidSignatureException", "SignatureDoesNotMatch", 403,
                                "Signature expired: the request time is more than 15 minutes "
                                "away from the server's time."};
    default:
        return (struct refusal){"InvalidSignatureException", "SignatureDoesNotMatch", 403,
                                MSG_MISMATCH};
    }
}

void shim_respond_error_query(struct shim_request *req, unsigned status, const char *xmlns,
                              bool sender, const char *code, const char *message)
{
    if (shim_request_responded(req)) {
        return;
    }
    struct emu_buf b;
    emu_buf_init(&b, 64 * 1024);
    int r = emu_buf_printf(&b, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>%s</Type>\n"
                               "    <Code>",
                           xmlns, sender ? "Sender" : "Receiver");
    r = r ? r : shim_xml_escape(code, strlen(code), &b);
    r = r ? r : emu_buf_puts(&b, "</Code>\n    <Message>");
    r = r ? r : shim_xml_escape(message, strlen(message), &b);
    r = r ? r : emu_buf_printf(&b, "</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n"
                                   "</ErrorResponse>\n",
                               shim_request_id(req));
    if (r < 0) {
        emu_buf_done(&b);
    }
    (void)shim_response_header(req, "x-amzn-RequestId", shim_request_id(req));
    shim_respond_buf(req, status, "text/xml", &b);
}

static void refuse(struct shim_request *req, enum shim_auth_style style, struct refusal f)
{
    if (style == SHIM_AUTH_JSON) {
        shim_respond_error_json(req, 400, f.json_code, f.message);
        return;
    }
    shim_respond_error_query(req, f.query_status, "https://sts.amazonaws.com/doc/2011-06-15/",
                             true, f.query_code, f.message);
}

static bool is_signed(const struct shim_request *req)
{
    return shim_request_header(req, "Authorization") ||
           shim_request_query(req, "X-Amz-Signature") ||
           shim_request_query(req, "X-Amz-Credential");
}

int shim_auth_verify_buffered(struct shim_request *req, const struct shim_auth *cfg,
                              enum shim_auth_style style, const void *body, size_t len,
                              char ret_key_id[EMU_SIGV4_MAX_KEY_ID])
{
    if (!is_signed(req)) {
        if (cfg->allow_anonymous) {
            if (ret_key_id) {
                ret_key_id[0] = '\0';
            }
            return 0;
        }
        refuse(req, style, refusal_for(EMU_SIGV4_ANONYMOUS));
        return EMU_EAWS;
    }
    struct emu_sigv4_header hdrs[AUTH_MAX_HEADERS];
    size_t n = 0;
    const char *name, *value;
    for (size_t i = 0; shim_request_header_at(req, i, &name, &value); i++) {
        if (n == AUTH_MAX_HEADERS) {
            refuse(req, style, refusal_for(EMU_SIGV4_MALFORMED_HEADER));
            return EMU_E2BIG;
        }
        hdrs[n++] = (struct emu_sigv4_header){name, strlen(name), value, strlen(value)};
    }
    const char *path = shim_request_raw_path(req);
    const char *query = shim_request_raw_query(req);
    struct emu_sigv4_request sreq = {
        .method = shim_request_method(req),
        .path = path,
        .path_len = strlen(path),
        .query = query,
        .query_len = strlen(query),
        .headers = hdrs,
        .n_headers = n,
        .body = body ? body : "",
        .body_len = body ? len : 0,
    };
    struct shim__auth_lookup lc = {.cfg = cfg, .now = (int64_t)time(NULL)};
    struct emu_sigv4_verify_params vp = {
        .region = cfg->region,
        .service = cfg->service,
        .now = (time_t)lc.now,
        .lookup = shim__auth_lookup_key,
        .userdata = &lc,
    };
    struct emu_sigv4_verdict v;
    emu_sigv4_verdict_init(&v);
    int r = emu_sigv4_verify(&sreq, &vp, &v);
    if (r == EMU_EAWS) {
        refuse(req, style, refusal_for(v.status));
    }
    else if (r == EMU_ETIMEDOUT) {
        refuse(req, style,
               (struct refusal){"ExpiredTokenException", "ExpiredToken", 400, MSG_EXPIRED_TOKEN});
    }
    else if (r < 0) {
        if (style == SHIM_AUTH_JSON) {
            shim_respond_error_json(req, 500, "ServiceUnavailableException",
                                    "The service cannot complete the request.");
        }
        else {
            shim_respond_error_query(req, 500, "https://sts.amazonaws.com/doc/2011-06-15/", false,
                                     "InternalFailure",
                                     "The request processing has failed because of an unknown "
                                     "error, exception or failure.");
        }
    }
    else if (ret_key_id) {
        memcpy(ret_key_id, v.access_key_id, EMU_SIGV4_MAX_KEY_ID);
    }
    emu_sigv4_verdict_done(&v);
    return r;
}

static shim_iam_authorize_fn authorizer;
static void *authorizer_ud;

void shim_iam_set_authorizer(shim_iam_authorize_fn fn, void *ud)
{
    authorizer = fn;
    authorizer_ud = ud;
}

shim_iam_authorize_fn shim_iam_authorizer(void **ret_ud)
{
    if (ret_ud) {
        *ret_ud = authorizer_ud;
    }
    return authorizer;
}

bool shim_iam_check_s3(struct shim_request *req, const char *key_id, const char *action,
                       const char *resource)
{
    if (!authorizer) {
        return true;
    }
    bool explicit_deny = false;
    char principal[256] = "";
    if (authorizer(authorizer_ud, key_id ? key_id : "", action, resource, &explicit_deny,
                   principal)) {
        return true;
    }
    shim_respond_error_xml(req, 403, "AccessDenied", "Access Denied", NULL);
    return false;
}
