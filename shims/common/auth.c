/* SPDX-License-Identifier: Apache-2.0 */
/* SigV4 verification of shim requests through emu/aws (header and presigned-URL auth, session
 * tokens, clock skew) and the streaming body checks that follow it. */
#include "shims/common/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "shims/common/codec.h"
#include "shims/common/creds.h"

#define AUTH_MAX_HEADERS 128

int shim__auth_lookup_key(void *userdata, const char *access_key_id, const char **ret_secret,
                          const char **ret_session_token)
{
    struct shim__auth_lookup *lc = userdata;
    const struct shim_auth *cfg = lc->cfg;
    if (cfg->access_key && cfg->secret_key && strcmp(access_key_id, cfg->access_key) == 0) {
        *ret_secret = cfg->secret_key;
        *ret_session_token = NULL;
        return 0;
    }
    int r = shim_creds_lookup(access_key_id, lc->now, &lc->cred);
    if (r < 0) {
        return r; /* -ENOENT: InvalidAccessKeyId; -ETIMEDOUT: ExpiredToken */
    }
    *ret_secret = lc->cred.secret_access_key;
    *ret_session_token = lc->cred.session_token;
    return 0;
}

static bool is_signed(const struct shim_request *req)
{
    return shim_request_header(req, "Authorization") ||
           shim_request_query(req, "X-Amz-Signature") ||
           shim_request_query(req, "X-Amz-Credential") ||
           shim_request_query(req, "AWSAccessKeyId");
}

/* Adds <Name>escaped</Name> to the error's extra XML. */
static void extra_elem(struct emu_buf *x, const char *name, const char *value)
{
    (void)emu_buf_printf(x, "<%s>", name);
    (void)shim_xml_escape(value, strlen(value), x);
    (void)emu_buf_printf(x, "</%s>", name);
}

static void refuse(struct shim_request *req, const struct emu_sigv4_verdict *v)
{
    struct emu_buf x;
    emu_buf_init(&x, 512 * 1024);
    if (v->status == EMU_SIGV4_INVALID_ACCESS_KEY || v->status == EMU_SIGV4_SIGNATURE_MISMATCH) {
        extra_elem(&x, "AWSAccessKeyId", v->access_key_id);
    }
    if (v->status == EMU_SIGV4_SIGNATURE_MISMATCH) {
        extra_elem(&x, "StringToSign", v->string_to_sign.data ? v->string_to_sign.data : "");
        extra_elem(&x, "SignatureProvided", v->signature_provided);
        extra_elem(&x, "CanonicalRequest",
                   v->canonical_request.data ? v->canonical_request.data : "");
    }
    shim_respond_error_xml(req, (unsigned)emu_sigv4_status_http(v->status),
                           emu_sigv4_status_code(v->status), emu_sigv4_status_message(v->status),
                           x.data);
    emu_buf_done(&x);
}

static int payload_start(struct shim_payload *p, const struct emu_sigv4_verdict *v)
{
    p->mode = v->payload;
    p->decoded_length = v->decoded_content_length;
    if (v->payload == EMU_SIGV4_PAYLOAD_SIGNED && v->content_sha256[0]) {
        p->check_sha = true;
        memcpy(p->expect_sha, v->content_sha256, sizeof(p->expect_sha));
        p->sha = EVP_MD_CTX_new();
        if (!p->sha || EVP_DigestInit_ex(p->sha, EVP_sha256(), NULL) != 1) {
            return EMU_ENOMEM;
        }
    }
    if (v->payload == EMU_SIGV4_PAYLOAD_STREAMING ||
        v->payload == EMU_SIGV4_PAYLOAD_STREAMING_TRAILER ||
        v->payload == EMU_SIGV4_PAYLOAD_UNSIGNED_TRAILER) {
        unsigned flags = v->payload == EMU_SIGV4_PAYLOAD_STREAMING ? 0
                         : v->payload == EMU_SIGV4_PAYLOAD_STREAMING_TRAILER
                             ? EMU_AWS_CHUNKED_TRAILER
                             : EMU_AWS_CHUNKED_TRAILER | EMU_AWS_CHUNKED_UNSIGNED;
        int r = emu_aws_chunked_init_flags(&p->dec, &v->chain, v->decoded_content_length, 0,
                                           flags);
        if (r < 0) {
            return r;
        }
        p->chunked = true;
    }
    return 0;
}

int shim_auth_verify(struct shim_request *req, const struct shim_auth *cfg,
                     struct shim_payload *p)
{
    memset(p, 0, sizeof(*p));
    p->decoded_length = -1;
    if (!is_signed(req)) {
        if (cfg->allow_anonymous) {
            return 0;
        }
        shim_respond_error_xml(req, 403, "AccessDenied",
                               "Anonymous access is refused (start fargate-emu serve with "
                               "--allow-anonymous to accept unsigned requests).",
                               NULL);
        return EMU_EAWS;
    }
    struct emu_sigv4_header hdrs[AUTH_MAX_HEADERS];
    size_t n = 0;
    const char *name, *value;
    for (size_t i = 0; shim_request_header_at(req, i, &name, &value); i++) {
        if (n == AUTH_MAX_HEADERS) {
            shim_respond_error_xml(req, 400, "RequestHeaderSectionTooLarge",
                                   "Your request header section exceeds the maximum allowed "
                                   "size.",
                                   NULL);
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
    };
    struct shim__auth_lookup *lc = emu_calloc(1, sizeof(*lc)); /* 4 KiB token: off the stack */
    if (!lc) {
        shim_respond_error_xml(req, 503, "SlowDown", "Please reduce your request rate.", NULL);
        return EMU_ENOMEM;
    }
    lc->cfg = cfg;
    lc->now = (int64_t)time(NULL);
    struct emu_sigv4_verify_params vp = {
        .region = cfg->region,
        .service = cfg->service,
        .flags = cfg->s3 ? EMU_SIGV4_S3 : 0,
        .now = (time_t)lc->now,
        .lookup = shim__auth_lookup_key,
        .userdata = lc,
    };
    struct emu_sigv4_verdict v;
    emu_sigv4_verdict_init(&v);
    int r = emu_sigv4_verify(&sreq, &vp, &v);
    if (r == EMU_EAWS) {
        refuse(req, &v);
    }
    else if (r == EMU_ETIMEDOUT) {
        shim_respond_error_xml(req, 400, "ExpiredToken", "The provided token has expired.",
                               NULL);
    }
    else if (r < 0) {
        shim_respond_error_xml(req, r == EMU_E2BIG ? 400 : 500,
                               r == EMU_E2BIG ? "InvalidRequest" : "InternalError",
                               r == EMU_E2BIG ? "The request is too large to verify."
                                              : "We encountered an internal error.",
                               NULL);
    }
    else {
        memcpy(p->key_id, v.access_key_id, sizeof(p->key_id));
        p->key_id[sizeof(p->key_id) - 1] = '\0';
        r = payload_start(p, &v);
        if (r < 0) {
            shim_payload_done(p);
            shim_respond_error_xml(req, 500, "InternalError", "Out of memory.", NULL);
        }
    }
    emu_sigv4_verdict_done(&v);
    explicit_bzero(lc, sizeof(*lc));
    emu_free(lc);
    return r;
}

struct sink_tee {
    struct shim_payload *p;
    shim_payload_sink sink;
    void *ud;
};

static int tee(void *ud, const void *data, size_t len)
{
    struct sink_tee *t = ud;
    if (t->p->sha && EVP_DigestUpdate(t->p->sha, data, len) != 1) {
        return EMU_ENOMEM;
    }
    return t->sink ? t->sink(t->ud, data, len) : 0;
}

int shim_payload_feed(struct shim_payload *p, const char *data, size_t len,
                      shim_payload_sink sink, void *ud)
{
    struct sink_tee t = {p, sink, ud};
    if (!p->chunked) {
        return tee(&t, data, len);
    }
    if (p->chunked_ended) {
        return 0; /* bytes after the final chunk are not part of the body */
    }
    ssize_t r = emu_aws_chunked_feed(&p->dec, data, len, tee, &t);
    if (r >= 0) {
        p->chunked_ended = true;
        return 0;
    }
    if (r == EMU_EAGAIN) {
        return 0;
    }
    if (r == EMU_EBADMSG || r == EMU_E2BIG) {
        p->status = p->dec.status != EMU_SIGV4_OK ? p->dec.status : EMU_SIGV4_INCOMPLETE_BODY;
        return EMU_EBADMSG;
    }
    return (int)r;
}

int shim_payload_finish(struct shim_payload *p)
{
    if (p->chunked && !p->chunked_ended) {
        p->status = EMU_SIGV4_INCOMPLETE_BODY;
        return EMU_EBADMSG;
    }
    if (p->check_sha && p->sha) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        char hex[65];
        if (EVP_DigestFinal_ex(p->sha, md, &mdlen) != 1) {
            return EMU_ENOMEM;
        }
        shim_hex_encode(md, 32, hex);
        if (strcasecmp(hex, p->expect_sha) != 0) {
            p->status = EMU_SIGV4_CONTENT_SHA256_MISMATCH;
            return EMU_EBADMSG;
        }
    }
    return 0;
}

void shim_payload_respond_error(struct shim_request *req, const struct shim_payload *p)
{
    enum emu_sigv4_status s = p->status != EMU_SIGV4_OK ? p->status : EMU_SIGV4_INCOMPLETE_BODY;
    shim_respond_error_xml(req, (unsigned)emu_sigv4_status_http(s), emu_sigv4_status_code(s),
                           emu_sigv4_status_message(s), NULL);
}

void shim_payload_done(struct shim_payload *p)
{
    if (p->sha) {
        EVP_MD_CTX_free(p->sha);
        p->sha = NULL;
    }
    if (p->chunked) {
        emu_aws_chunked_done(&p->dec);
        p->chunked = false;
    }
}
