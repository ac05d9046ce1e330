/* SPDX-License-Identifier: Apache-2.0 */
/* SigV4 verification for the shims: parses the Authorization header or the presigned-URL
 * query parameters, checks dates, expiry, credentials and session token, recomputes the
 * signature and compares it in constant time, and reports S3's error for each failure. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu/aws/aws_sigv4_int.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

static const struct {
    const char *code;
    const char *message;
    int http;
} statuses[_EMU_SIGV4_STATUS_MAX] = {
    [EMU_SIGV4_OK] = {"", "", 200},
    [EMU_SIGV4_ANONYMOUS] = {"AccessDenied", "Access Denied", 403},
    [EMU_SIGV4_MALFORMED_HEADER] = {"AuthorizationHeaderMalformed",
                                    "The authorization header is malformed.", 400},
    [EMU_SIGV4_MALFORMED_QUERY] = {"AuthorizationQueryParametersError",
                                   "Query-string authentication version 4 requires the "
                                   "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
                                   "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires "
                                   "parameters.",
                                   400},
    [EMU_SIGV4_BAD_ALGORITHM] = {"InvalidRequest",
                                 "The authorization mechanism you have provided is not "
                                 "supported. Please use AWS4-HMAC-SHA256.",
                                 400},
    [EMU_SIGV4_MISSING_DATE] = {"AccessDenied",
                                "AWS authentication requires a valid Date or x-amz-date header",
                                403},
    [EMU_SIGV4_MISSING_CONTENT_SHA256] = {"InvalidRequest",
                                          "Missing required header for this request: "
                                          "x-amz-content-sha256",
                                          400},
    [EMU_SIGV4_BAD_CONTENT_SHA256] = {"InvalidArgument",
                                      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 "
                                      "value.",
                                      400},
    [EMU_SIGV4_CONTENT_SHA256_MISMATCH] = {"XAmzContentSHA256Mismatch",
                                           "The provided 'x-amz-content-sha256' header does "
                                           "not match what was computed.",
                                           400},
    [EMU_SIGV4_WRONG_REGION] = {"AuthorizationHeaderMalformed",
                                "The authorization header is malformed; the region is wrong.",
                                400},
    [EMU_SIGV4_INVALID_ACCESS_KEY] = {"InvalidAccessKeyId",
                                      "The AWS Access Key Id you provided does not exist in "
                                      "our records.",
                                      403},
    [EMU_SIGV4_INVALID_TOKEN] = {"InvalidToken",
                                 "The provided token is malformed or otherwise invalid.", 400},
    [EMU_SIGV4_TIME_SKEWED] = {"RequestTimeTooSkewed",
                               "The difference between the request time and the current time "
                               "is too large.",
                               403},
    [EMU_SIGV4_EXPIRED] = {"AccessDenied", "Request has expired", 403},
    [EMU_SIGV4_SIGNATURE_MISMATCH] = {"SignatureDoesNotMatch",
                                      "The request signature we calculated does not match the "
                                      "signature you provided. Check your key and signing "
                                      "method.",
                                      403},
    [EMU_SIGV4_INCOMPLETE_BODY] = {"IncompleteBody",
                                   "You did not provide the number of bytes specified by the "
                                   "Content-Length HTTP header",
                                   400},
};

const char *emu_sigv4_status_code(enum emu_sigv4_status s)
{
    return s >= 0 && s < _EMU_SIGV4_STATUS_MAX ? statuses[s].code : "InternalError";
}

const char *emu_sigv4_status_message(enum emu_sigv4_status s)
{
    return s >= 0 && s < _EMU_SIGV4_STATUS_MAX ? statuses[s].message
                                               : "We encountered an internal error.";
}

int emu_sigv4_status_http(enum emu_sigv4_status s)
{
    return s >= 0 && s < _EMU_SIGV4_STATUS_MAX ? statuses[s].http : 500;
}

void emu_sigv4_verdict_init(struct emu_sigv4_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->decoded_content_length = -1;
    emu_buf_init(&v->canonical_request, EMU_SIGV4_MAX_CANONICAL);
    emu_buf_init(&v->string_to_sign, EMU_SIGV4_MAX_CANONICAL);
}

void emu_sigv4_verdict_done(struct emu_sigv4_verdict *v)
{
    emu_buf_done(&v->canonical_request);
    emu_buf_done(&v->string_to_sign);
    OPENSSL_cleanse(&v->chain, sizeof(v->chain));
}

/* The authentication parameters, decoded, from either the header or the query. */
struct auth {
    struct emu_buf credential;
    struct emu_buf signed_headers;
    struct emu_buf signature;
    struct emu_buf date;
    struct emu_buf expires;
    struct emu_buf token;
    int has_token;
    /* Split credential. */
    const char *key_id, *date8, *region, *service;
    size_t key_id_len, region_len, service_len;
};

static void auth_init(struct auth *a)
{
    memset(a, 0, sizeof(*a));
    emu_buf_init(&a->credential, 1024);
    emu_buf_init(&a->signed_headers, 16384);
    emu_buf_init(&a->signature, 256);
    emu_buf_init(&a->date, 64);
    emu_buf_init(&a->expires, 64);
    emu_buf_init(&a->token, 8192);
}

static void auth_done(struct auth *a)
{
    emu_buf_done(&a->credential);
    emu_buf_done(&a->signed_headers);
    emu_buf_done(&a->signature);
    emu_buf_done(&a->date);
    emu_buf_done(&a->expires);
    emu_buf_done(&a->token);
}

static const char *str(const struct emu_buf *b)
{
    return b->data ? b->data : "";
}

/* Marks a rejection: sets the status and returns -EAWS. */
static int reject(struct emu_sigv4_verdict *v, enum emu_sigv4_status s)
{
    v->status = s;
    return EMU_EAWS;
}

/* Maps a parse failure: -E2BIG from an over-long field is a malformed request too. */
static int malformed(struct emu_sigv4_verdict *v, int r, enum emu_sigv4_status s)
{
    if (r == EMU_ENOMEM) {
        return r;
    }
    return reject(v, s);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* "Credential=..., SignedHeaders=..., Signature=..." in any order, ',' with optional spaces. */
static int parse_header_params(const char *p, const char *end, struct auth *a)
{
    int seen = 0;
    while (p < end) {
        while (p < end && (is_space(*p) || *p == ',')) {
            p++;
        }
        if (p == end) {
            break;
        }
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (!eq) {
            return EMU_EBADMSG;
        }
        const char *vend = stop;
        while (vend > eq + 1 && is_space(vend[-1])) {
            vend--;
        }
        size_t klen = (size_t)(eq - p);
        struct emu_buf *dst = NULL;
        int bit = 0;
        if (klen == 10 && memcmp(p, "Credential", 10) == 0) {
            dst = &a->credential;
            bit = 1;
        }
        else if (klen == 13 && memcmp(p, "SignedHeaders", 13) == 0) {
            dst = &a->signed_headers;
            bit = 2;
        }
        else if (klen == 9 && memcmp(p, "Signature", 9) == 0) {
            dst = &a->signature;
            bit = 4;
        }
        if (!dst || (seen & bit)) {
            return EMU_EBADMSG;
        }
        seen |= bit;
        int r = emu_buf_append(dst, eq + 1, (size_t)(vend - eq - 1));
        if (r < 0) {
            return r;
        }
        p = stop;
    }
    return seen == 7 ? 0 : EMU_EBADMSG;
}

static int parse_header_auth(const struct emu_sigv4_request *req,
                             const struct emu_sigv4_header *h, struct auth *a,
                             struct emu_sigv4_verdict *v)
{
    const char *p = h->value, *end = h->value + h->value_len;
    while (p < end && is_space(*p)) {
        p++;
    }
    size_t alg = strlen(EMU__SIGV4_ALGORITHM);
    if ((size_t)(end - p) <= alg || memcmp(p, EMU__SIGV4_ALGORITHM, alg) != 0 ||
        !is_space(p[alg])) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        int known = sp && (size_t)(sp - p) == 3 && memcmp(p, "AWS", 3) == 0;
        return reject(v, known || (size_t)(end - p) < 4 || memcmp(p, "AWS4", 4) != 0
                             ? EMU_SIGV4_BAD_ALGORITHM
                             : EMU_SIGV4_MALFORMED_HEADER);
    }
    int r = parse_header_params(p + alg, end, a);
    if (r < 0) {
        return malformed(v, r, EMU_SIGV4_MALFORMED_HEADER);
    }
    if (emu__sigv4_header_count(req, "x-amz-date") == 0) {
        return reject(v, EMU_SIGV4_MISSING_DATE);
    }
    const struct emu_sigv4_header *d = emu__sigv4_header(req, "x-amz-date");
    r = emu_buf_append(&a->date, d->value, d->value_len);
    if (r < 0) {
        return malformed(v, r, EMU_SIGV4_MISSING_DATE);
    }
    const struct emu_sigv4_header *t = emu__sigv4_header(req, "x-amz-security-token");
    if (t) {
        a->has_token = 1;
        r = emu_buf_append(&a->token, t->value, t->value_len);
        if (r < 0) {
            return malformed(v, r, EMU_SIGV4_INVALID_TOKEN);
        }
    }
    return 0;
}

static int parse_query_auth(const struct emu_sigv4_request *req, struct auth *a,
                            struct emu_sigv4_verdict *v)
{
    struct emu_buf alg;
    emu_buf_init(&alg, 64);
    struct {
        const char *name;
        struct emu_buf *dst;
    } fields[] = {
        {"X-Amz-Algorithm", &alg},           {"X-Amz-Credential", &a->credential},
        {"X-Amz-Date", &a->date},            {"X-Amz-Expires", &a->expires},
        {"X-Amz-SignedHeaders", &a->signed_headers}, {"X-Amz-Signature", &a->signature},
    };
    int r = 0;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && r >= 0; i++) {
        r = emu__sigv4_query_get(req, fields[i].name, fields[i].dst);
        if (r == 0) {
            r = EMU_EBADMSG;
        }
    }
    if (r >= 0 && strcmp(str(&alg), EMU__SIGV4_ALGORITHM) != 0) {
        emu_buf_done(&alg);
        return reject(v, EMU_SIGV4_BAD_ALGORITHM);
    }
    emu_buf_done(&alg);
    if (r < 0) {
        return malformed(v, r, EMU_SIGV4_MALFORMED_QUERY);
    }
    r = emu__sigv4_query_get(req, "X-Amz-Security-Token", &a->token);
    if (r < 0) {
        return malformed(v, r, EMU_SIGV4_INVALID_TOKEN);
    }
    a->has_token = r;
    if (!a->has_token) {
        const struct emu_sigv4_header *t = emu__sigv4_header(req, "x-amz-security-token");
        if (t) {
            a->has_token = 1;
            r = emu_buf_append(&a->token, t->value, t->value_len);
            if (r < 0) {
                return malformed(v, r, EMU_SIGV4_INVALID_TOKEN);
            }
        }
    }
    return 0;
}

/* Splits "<key id>/<yyyymmdd>/<region>/<service>/aws4_request". */
static int split_credential(struct auth *a)
{
    const char *c = str(&a->credential);
    size_t len = a->credential.len;
    const char *slash[4];
    size_t found = 0;
    for (size_t i = len; i > 0 && found < 4; i--) {
        if (c[i - 1] == '/') {
            slash[found++] = c + i - 1;
        }
    }
    if (found < 4) {
        return EMU_EBADMSG;
    }
    /* slash[3] ends the key id, slash[2] the date, slash[1] the region, slash[0] the service. */
    a->key_id = c;
    a->key_id_len = (size_t)(slash[3] - c);
    a->date8 = slash[3] + 1;
    a->region = slash[2] + 1;
    a->region_len = (size_t)(slash[1] - a->region);
    a->service = slash[1] + 1;
    a->service_len = (size_t)(slash[0] - a->service);
    const char *term = slash[0] + 1;
    if (a->key_id_len == 0 || a->key_id_len >= EMU_SIGV4_MAX_KEY_ID ||
        slash[2] - a->date8 != 8 || a->region_len == 0 || a->service_len == 0 ||
        (size_t)(c + len - term) != 12 || memcmp(term, "aws4_request", 12) != 0 ||
        a->region_len + a->service_len + 24 > EMU_SIGV4_MAX_SCOPE) {
        return EMU_EBADMSG;
    }
    for (size_t i = 0; i < 8; i++) {
        if (a->date8[i] < '0' || a->date8[i] > '9') {
            return EMU_EBADMSG;
        }
    }
    return 0;
}

static int parse_signed_headers(const struct auth *a, struct emu__sigv4_names *names)
{
    const char *p = str(&a->signed_headers), *end = p + a->signed_headers.len;
    names->n = 0;
    if (p == end) {
        return EMU_EBADMSG;
    }
    for (;;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        if (stop == p) {
            return EMU_EBADMSG;
        }
        for (const char *q = p; q < stop; q++) {
            if (*q <= ' ' || *q == ':' || *q == 0x7f) {
                return EMU_EBADMSG;
            }
        }
        int r = emu__sigv4_names_add(names, p, (size_t)(stop - p));
        if (r < 0) {
            return r;
        }
        if (!semi) {
            return 0;
        }
        p = stop + 1;
    }
}

static int name_is(const struct emu__sigv4_names *names, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < names->n; i++) {
        if (names->len[i] == len && strncasecmp(names->name[i], name, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Decides which payload hash goes into the canonical request. */
static int payload_hash(const struct emu_sigv4_request *req,
                        const struct emu_sigv4_verify_params *p, struct emu_sigv4_verdict *v,
                        char out[65])
{
    const struct emu_sigv4_header *h = emu__sigv4_header(req, "x-amz-content-sha256");
    if (h) {
        if (h->value_len == strlen(EMU_SIGV4_UNSIGNED_PAYLOAD) &&
            memcmp(h->value, EMU_SIGV4_UNSIGNED_PAYLOAD, h->value_len) == 0) {
            v->payload = EMU_SIGV4_PAYLOAD_UNSIGNED;
        }
        else if (h->value_len == strlen(EMU_SIGV4_STREAMING_PAYLOAD) &&
                 memcmp(h->value, EMU_SIGV4_STREAMING_PAYLOAD, h->value_len) == 0) {
            if (v->presigned) {
                return reject(v, EMU_SIGV4_BAD_CONTENT_SHA256);
            }
            v->payload = EMU_SIGV4_PAYLOAD_STREAMING;
        }
        else if (h->value_len == strlen(EMU_SIGV4_STREAMING_TRAILER) &&
                 memcmp(h->value, EMU_SIGV4_STREAMING_TRAILER, h->value_len) == 0) {
            if (v->presigned) {
                return reject(v, EMU_SIGV4_BAD_CONTENT_SHA256);
            }
            v->payload = EMU_SIGV4_PAYLOAD_STREAMING_TRAILER;
        }
        else if (h->value_len == strlen(EMU_SIGV4_UNSIGNED_TRAILER) &&
                 memcmp(h->value, EMU_SIGV4_UNSIGNED_TRAILER, h->value_len) == 0) {
            v->payload = EMU_SIGV4_PAYLOAD_UNSIGNED_TRAILER;
        }
        else if (emu__sigv4_is_hex64(h->value, h->value_len)) {
            v->payload = EMU_SIGV4_PAYLOAD_SIGNED;
            memcpy(v->content_sha256, h->value, 64);
            v->content_sha256[64] = '\0';
        }
        else {
            return reject(v, EMU_SIGV4_BAD_CONTENT_SHA256);
        }
        memcpy(out, h->value, h->value_len);
        out[h->value_len] = '\0';
        return 0;
    }
    if (v->presigned && (p->flags & EMU_SIGV4_S3)) {
        v->payload = EMU_SIGV4_PAYLOAD_UNSIGNED;
        memcpy(out, EMU_SIGV4_UNSIGNED_PAYLOAD, sizeof(EMU_SIGV4_UNSIGNED_PAYLOAD));
        return 0;
    }
    if (p->flags & EMU_SIGV4_S3) {
        return reject(v, EMU_SIGV4_MISSING_CONTENT_SHA256);
    }
    v->payload = EMU_SIGV4_PAYLOAD_SIGNED;
    if (req->payload_hash && emu__sigv4_is_hex64(req->payload_hash, strlen(req->payload_hash))) {
        memcpy(out, req->payload_hash, 65);
    }
    else {
        emu_sigv4_sha256_hex(req->body, req->body ? req->body_len : 0, out);
    }
    memcpy(v->content_sha256, out, 65);
    return 0;
}

/* Dates, skew and expiry. */
static int check_time(const struct auth *a, const struct emu_sigv4_verify_params *p,
                      struct emu_sigv4_verdict *v, enum emu_sigv4_status malformed_status)
{
    time_t t;
    if (emu_sigv4_parse_date(str(&a->date), a->date.len, &t) < 0) {
        return reject(v, v->presigned ? EMU_SIGV4_MALFORMED_QUERY : EMU_SIGV4_MISSING_DATE);
    }
    if (memcmp(a->date8, str(&a->date), 8) != 0) {
        return reject(v, malformed_status);
    }
    long skew = p->max_skew > 0 ? p->max_skew : EMU_SIGV4_DEFAULT_SKEW;
    long long diff = (long long)p->now - (long long)t;
    if (v->presigned) {
        char *end = NULL;
        const char *e = str(&a->expires);
        long expires = strtol(e, &end, 10);
        if (a->expires.len == 0 || *end != '\0' || e[0] < '0' || e[0] > '9' || expires < 1 ||
            expires > EMU_SIGV4_MAX_EXPIRES) {
            return reject(v, EMU_SIGV4_MALFORMED_QUERY);
        }
        if (-diff > skew) {
            return reject(v, EMU_SIGV4_TIME_SKEWED);
        }
        if (diff > expires) {
            return reject(v, EMU_SIGV4_EXPIRED);
        }
        return 0;
    }
    if (diff > skew || -diff > skew) {
        return reject(v, EMU_SIGV4_TIME_SKEWED);
    }
    return 0;
}

static int token_matches(const struct auth *a, const char *expected)
{
    if (!expected) {
        return !a->has_token;
    }
    size_t len = strlen(expected);
    return a->has_token && a->token.len == len &&
           CRYPTO_memcmp(str(&a->token), expected, len) == 0;
}

static int check_scope(const struct auth *a, const struct emu_sigv4_verify_params *p,
                       struct emu_sigv4_verdict *v, enum emu_sigv4_status malformed_status)
{
    if (p->region && (a->region_len != strlen(p->region) ||
                      memcmp(a->region, p->region, a->region_len) != 0)) {
        return reject(v, EMU_SIGV4_WRONG_REGION);
    }
    if (p->service && (a->service_len != strlen(p->service) ||
                       memcmp(a->service, p->service, a->service_len) != 0)) {
        return reject(v, malformed_status);
    }
    return 0;
}

/* Recomputes the signature and fills the verdict's canonical request and string to sign. */
static int compute(const struct emu_sigv4_request *req, const struct emu_sigv4_verify_params *p,
                   const struct auth *a, const struct emu__sigv4_names *names,
                   const char *phash, const char *secret, struct emu_sigv4_verdict *v)
{
    struct emu_sigv4_chain *ch = &v->chain;
    memcpy(ch->amz_date, str(&a->date), 16);
    ch->amz_date[16] = '\0';
    size_t scope_len = a->credential.len - a->key_id_len - 1;
    memcpy(ch->scope, a->date8, scope_len);
    ch->scope[scope_len] = '\0';
    int r = emu__sigv4_canonical(req, p->flags, names, v->presigned ? "X-Amz-Signature" : NULL,
                                 phash, &v->canonical_request);
    if (r == 0) {
        r = emu__sigv4_string_to_sign(ch->amz_date, ch->scope, str(&v->canonical_request),
                                      v->canonical_request.len, &v->string_to_sign);
    }
    if (r == 0) {
        r = emu__sigv4_signing_key(secret, a->date8, 8, a->region, a->region_len, a->service,
                                   a->service_len, ch->signing_key);
    }
    unsigned char sig[32];
    if (r == 0) {
        r = emu__sigv4_hmac(ch->signing_key, 32, str(&v->string_to_sign), v->string_to_sign.len,
                            sig);
    }
    if (r == 0) {
        emu__sigv4_hex(sig, 32, ch->prev_signature);
    }
    return r;
}

static int verify_parsed(const struct emu_sigv4_request *req,
                         const struct emu_sigv4_verify_params *p, struct auth *a,
                         struct emu__sigv4_names *names, struct emu_sigv4_verdict *v)
{
    enum emu_sigv4_status bad = v->presigned ? EMU_SIGV4_MALFORMED_QUERY
                                             : EMU_SIGV4_MALFORMED_HEADER;
    int r = split_credential(a);
    if (r < 0) {
        return reject(v, bad);
    }
    memcpy(v->access_key_id, a->key_id, a->key_id_len);
    v->access_key_id[a->key_id_len] = '\0';
    if (a->signature.len > 0 && a->signature.len < sizeof(v->signature_provided)) {
        memcpy(v->signature_provided, a->signature.data, a->signature.len + 1);
    }
    r = parse_signed_headers(a, names);
    if (r < 0) {
        return malformed(v, r, bad);
    }
    if (!emu__sigv4_is_hex64(str(&a->signature), a->signature.len)) {
        return reject(v, bad);
    }
    if ((r = check_scope(a, p, v, bad)) < 0 || (r = check_time(a, p, v, bad)) < 0) {
        return r;
    }
    const char *secret = NULL, *token = NULL;
    r = p->lookup(p->userdata, v->access_key_id, &secret, &token);
    if (r == EMU_ENOENT || (r == 0 && !secret)) {
        return reject(v, EMU_SIGV4_INVALID_ACCESS_KEY);
    }
    if (r < 0) {
        return r;
    }
    if (!token_matches(a, token)) {
        return reject(v, EMU_SIGV4_INVALID_TOKEN);
    }
    if ((p->flags & EMU_SIGV4_S3) && !name_is(names, "host")) {
        return reject(v, bad);
    }
    char phash[65];
    if ((r = payload_hash(req, p, v, phash)) < 0) {
        return r;
    }
    v->decoded_content_length = -1;
    const struct emu_sigv4_header *dl = emu__sigv4_header(req, "x-amz-decoded-content-length");
    if (dl) {
        char tmp[24];
        char *end = NULL;
        if (dl->value_len == 0 || dl->value_len >= sizeof(tmp)) {
            return reject(v, EMU_SIGV4_BAD_CONTENT_SHA256);
        }
        memcpy(tmp, dl->value, dl->value_len);
        tmp[dl->value_len] = '\0';
        long long n = strtoll(tmp, &end, 10);
        if (*end != '\0' || tmp[0] < '0' || tmp[0] > '9' || n < 0) {
            return reject(v, EMU_SIGV4_BAD_CONTENT_SHA256);
        }
        v->decoded_content_length = n;
    }
    r = compute(req, p, a, names, phash, secret, v);
    if (r < 0) {
        return r;
    }
    if (CRYPTO_memcmp(v->chain.prev_signature, str(&a->signature), 64) != 0) {
        return reject(v, EMU_SIGV4_SIGNATURE_MISMATCH);
    }
    if (v->payload == EMU_SIGV4_PAYLOAD_SIGNED && req->body) {
        char actual[65];
        emu_sigv4_sha256_hex(req->body, req->body_len, actual);
        if (CRYPTO_memcmp(actual, v->content_sha256, 64) != 0) {
            return reject(v, EMU_SIGV4_CONTENT_SHA256_MISMATCH);
        }
    }
    v->status = EMU_SIGV4_OK;
    return 0;
}

int emu_sigv4_verify(const struct emu_sigv4_request *req, const struct emu_sigv4_verify_params *p,
                     struct emu_sigv4_verdict *v)
{
    if (!req || !p || !v || !p->lookup || !req->method || (!req->path && req->path_len) ||
        (!req->headers && req->n_headers) || (!req->query && req->query_len)) {
        return EMU_EINVAL;
    }
    if (req->n_headers > EMU_SIGV4_MAX_HEADERS) {
        return reject(v, EMU_SIGV4_MALFORMED_HEADER);
    }
    struct auth a;
    auth_init(&a);
    struct emu__sigv4_names *names = emu_calloc(1, sizeof(*names));
    int r;
    if (!names) {
        r = EMU_ENOMEM;
        goto out;
    }
    size_t n_auth = emu__sigv4_header_count(req, "authorization");
    const struct emu_sigv4_header *h = emu__sigv4_header(req, "authorization");
    if (n_auth > 1) {
        r = reject(v, EMU_SIGV4_MALFORMED_HEADER);
        goto out;
    }
    if (h) {
        r = parse_header_auth(req, h, &a, v);
    }
    else {
        struct emu_buf probe;
        emu_buf_init(&probe, 1024);
        int has_sig = emu__sigv4_query_get(req, "X-Amz-Signature", &probe);
        int has_alg = has_sig > 0 ? 1 : emu__sigv4_query_get(req, "X-Amz-Algorithm", &probe);
        emu_buf_done(&probe);
        if (has_sig == 0 && has_alg == 0) {
            r = reject(v, EMU_SIGV4_ANONYMOUS);
            goto out;
        }
        v->presigned = 1;
        r = parse_query_auth(req, &a, v);
    }
    if (r == 0) {
        r = verify_parsed(req, p, &a, names, v);
    }
out:
    auth_done(&a);
    emu_free(names);
    if (r < 0 && r != EMU_EAWS) {
        v->status = _EMU_SIGV4_STATUS_INVALID;
    }
    if (r < 0) {
        OPENSSL_cleanse(v->chain.signing_key, sizeof(v->chain.signing_key));
    }
    return r;
}
