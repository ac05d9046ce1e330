/* SPDX-License-Identifier: Apache-2.0 */
/* SigV4 access control of the shims through emu/aws: verifies a request's Authorization header
 * or presigned query, answers refusals with S3's own codes, and checks the body as it streams
 * (declared SHA-256, aws-chunked signatures). */
#ifndef SHIMS_COMMON_AUTH_H
#define SHIMS_COMMON_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/aws/sigv4.h"
#include "shims/common/creds.h"
#include "shims/common/http.h"

struct shim_auth {
    const char *access_key; /* NULL = no key accepted (anonymous only) */
    const char *secret_key;
    const char *region;     /* expected scope region; NULL = any */
    const char *service;    /* "s3" */
    bool s3;                /* S3 canonicalisation rules */
    bool allow_anonymous;   /* unsigned requests pass; signed ones are still verified */
};

/* Error shape of a service's authentication refusals (shim_auth_verify_buffered). */
enum shim_auth_style {
    SHIM_AUTH_JSON = 0, /* JSON 1.0/1.1 services: {"__type","message"}, 400 */
    SHIM_AUTH_QUERY,    /* query-protocol services (STS): <ErrorResponse>, 403 */
};

/* Body checks of one request. */
struct shim_payload {
    enum emu_sigv4_payload mode;
    bool check_sha;      /* compare the body's SHA-256 with expect_sha at the end */
    char expect_sha[65];
    void *sha;           /* EVP_MD_CTX */
    bool chunked;        /* aws-chunked body: decode and verify chunk signatures */
    bool chunked_ended;
    struct emu_aws_chunked dec;
    long long decoded_length; /* x-amz-decoded-content-length, -1 = absent */
    enum emu_sigv4_status status; /* why the body was refused */
    char key_id[EMU_SIGV4_MAX_KEY_ID]; /* access key the request was signed with; "" anonymous */
};

/* Sink for decoded body bytes. */
typedef int (*shim_payload_sink)(void *ud, const void *data, size_t len);

/* Verifies req. Returns 0 when it may proceed (p initialised: release with
 * shim_payload_done), or a negative code after answering req with the S3 error. */
int shim_auth_verify(struct shim_request *req, const struct shim_auth *cfg,
                     struct shim_payload *p);

/* Passes raw body bytes through the checks to sink. Returns 0, a negative code from sink, or
 * -EBADMSG with p->status set (bad chunk framing or signature). */
int shim_payload_feed(struct shim_payload *p, const char *data, size_t len,
                      shim_payload_sink sink, void *ud);

/* After the last byte: 0, or -EBADMSG with p->status (SHA-256 mismatch, incomplete body). */
int shim_payload_finish(struct shim_payload *p);

/* Answers req with the S3 error for p->status. */
void shim_payload_respond_error(struct shim_request *req, const struct shim_payload *p);

void shim_payload_done(struct shim_payload *p);

/* Private to shims/common: one verification's key lookup, the long-term pair of cfg and then
 * the temporary credentials of shims/common/creds.h (copied into cred, so they outlive a
 * concurrent expiry). userdata is a struct shim__auth_lookup. */
struct shim__auth_lookup {
    const struct shim_auth *cfg;
    int64_t now;
    struct shim_cred cred;
};
int shim__auth_lookup_key(void *userdata, const char *access_key_id, const char **ret_secret,
                          const char **ret_session_token);

/* Verifies req with its whole body (non-S3 services sign the body's hash without sending it).
 * Returns 0 and the signing key id in ret_key_id (may be NULL), or a negative code after
 * answering req in the service's style (UnrecognizedClientException, InvalidSignatureException,
 * ExpiredTokenException, MissingAuthenticationTokenException, or the query-protocol names).
 * With allow_anonymous an unsigned request passes with ret_key_id "". */
int shim_auth_verify_buffered(struct shim_request *req, const struct shim_auth *cfg,
                              enum shim_auth_style style, const void *body, size_t len,
                              char ret_key_id[EMU_SIGV4_MAX_KEY_ID]);

/* Query-protocol error body (STS): <ErrorResponse><Error><Type/><Code/><Message/></Error>
 * <RequestId/></ErrorResponse>. sender picks Type Sender or Receiver. */
void shim_respond_error_query(struct shim_request *req, unsigned status, const char *xmlns,
                              bool sender, const char *code, const char *message);

#endif
