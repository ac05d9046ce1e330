/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shims/sts: the query-protocol request (parsed and validated, pure), the store of
 * issued temporary credentials, and the service state. */
#ifndef SHIMS_STS_STS_INTERNAL_H
#define SHIMS_STS_STS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shims/common/auth.h"
#include "shims/common/codec.h"
#include "shims/common/http.h"
#include "shims/sts/sts.h"

#define STS_XMLNS "https://sts.amazonaws.com/doc/2011-06-15/"
#define STS_MAX_PARAMS 64
#define STS_MAX_BODY (64u * 1024u)
#define STS_MAX_CREDS 10000
#define STS_MIN_DURATION 900
#define STS_MAX_DURATION 43200
#define STS_DEFAULT_DURATION 3600

enum sts_action {
    STS_GET_CALLER_IDENTITY,
    STS_ASSUME_ROLE,
    STS_ASSUME_ROLE_WITH_WEB_IDENTITY,
    _STS_ACTION_MAX,
    _STS_ACTION_INVALID = -22
};

/* A parsed request; strings point into the caller's parameter store. */
struct sts_req {
    enum sts_action action;
    const char *role_arn;
    const char *role_name;   /* after "role/" (paths dropped), NUL-terminated copy below */
    char role_name_buf[128];
    const char *session;
    const char *token;       /* WebIdentityToken */
    long duration;
    char subject[256];       /* "sub" of the web identity token */
    char audience[256];      /* "aud" */
    char provider[256];      /* "iss" */
};

struct sts_err {
    const char *code;
    unsigned status;
    char message[512];
};

/* Parses decoded parameters (query string and form body together). Returns 0, or -EINVAL with
 * e filled with the STS error (InvalidAction, MissingParameter, ValidationError,
 * InvalidIdentityToken). Pure. */
int sts_req_parse(const struct shim_kv *params, size_t n, struct sts_req *q, struct sts_err *e);

/* The store (sts_creds.c). */
int sts_creds_add(const char *key, const char *secret, const char *token, int64_t expires_s,
                  const char *arn, int64_t now_s);
/* emu_sigv4_lookup_fn over the store: -ENOENT unknown, -ETIMEDOUT expired. */

/* Random identifiers: "ASIA"/"AROA" + 16 uppercase letters and digits; a 40-character secret;
 * a base64 session token of about 400 characters. */
int sts_random_id(const char *prefix, char *out, size_t out_size);
int sts_random_secret(char *out, size_t out_size);
int sts_random_token(char *out, size_t out_size);
/* "2026-11-24T14:35:00Z". */
void sts_format_time(int64_t epoch_s, char out[32]);

struct shim_sts {
    struct shim_http_server *http;
    struct shim_auth auth;
    char *region;
    char *account;
};

#endif
