/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: SigV4 canonicalisation, signing and verification (header and presigned auth,
 * S3 and normalised paths) over a request given as "METHOD target\nName:value...\n\nbody",
 * and the aws-chunked decoder on bodies that verify as streaming uploads. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/aws/sigv4.h"
#include "emu/base/err.h"
#include "emu/base/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FUZZ_HEADERS 64

static int lookup(void *userdata, const char *key_id, const char **ret_secret,
                  const char **ret_token)
{
    (void)userdata;
    if (strcmp(key_id, "AKIDEXAMPLE") == 0) {
        *ret_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        *ret_token = NULL;
        return 0;
    }
    if (strcmp(key_id, "AKIAIOSFODNN7EXAMPLE") == 0) {
        *ret_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        *ret_token = NULL;
        return 0;
    }
    if (strcmp(key_id, "ASIATOKEN") == 0) {
        *ret_secret = "secret";
        *ret_token = "token";
        return 0;
    }
    return EMU_ENOENT;
}

static int discard(void *userdata, const void *buf, size_t len)
{
    (void)userdata;
    (void)buf;
    (void)len;
    return 0;
}

/* Splits the input into a request; returns 0 or -1 when there is no request line. */
static int parse(const char *s, size_t len, char *method, size_t method_max,
                 struct emu_sigv4_request *req, struct emu_sigv4_header *h)
{
    const char *end = s + len;
    const char *nl = memchr(s, '\n', len);
    const char *le = nl ? nl : end;
    const char *sp = memchr(s, ' ', (size_t)(le - s));
    if (!sp || (size_t)(sp - s) >= method_max) {
        return -1;
    }
    memcpy(method, s, (size_t)(sp - s));
    method[sp - s] = '\0';
    const char *t = sp + 1;
    const char *q = memchr(t, '?', (size_t)(le - t));
    req->method = method;
    req->path = t;
    req->path_len = (size_t)((q ? q : le) - t);
    req->query = q ? q + 1 : NULL;
    req->query_len = q ? (size_t)(le - q - 1) : 0;
    req->headers = h;
    s = nl ? nl + 1 : end;
    while (s < end) {
        nl = memchr(s, '\n', (size_t)(end - s));
        le = nl ? nl : end;
        if (le == s) {
            req->body = nl + 1;
            req->body_len = (size_t)(end - nl - 1);
            break;
        }
        const char *colon = memchr(s, ':', (size_t)(le - s));
        if (colon && req->n_headers < MAX_FUZZ_HEADERS) {
            h[req->n_headers++] = (struct emu_sigv4_header){s, (size_t)(colon - s), colon + 1,
                                                            (size_t)(le - colon - 1)};
        }
        s = nl ? nl + 1 : end;
    }
    return 0;
}

/* The request's own X-Amz-Date (header or query), so signatures can actually match. */
static time_t request_time(const struct emu_sigv4_request *req)
{
    time_t t = 1440938160;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (req->headers[i].name_len == 10 &&
            strncasecmp(req->headers[i].name, "x-amz-date", 10) == 0) {
            (void)emu_sigv4_parse_date(req->headers[i].value, req->headers[i].value_len, &t);
            return t;
        }
    }
    for (size_t i = 0; req->query && i + 27 <= req->query_len; i++) {
        if (memcmp(req->query + i, "X-Amz-Date=", 11) == 0) {
            (void)emu_sigv4_parse_date(req->query + i + 11, 16, &t);
            break;
        }
    }
    return t;
}

static void verify_once(const struct emu_sigv4_request *req, unsigned flags)
{
    struct emu_sigv4_verify_params vp = {
        .flags = flags,
        .now = request_time(req),
        .lookup = lookup,
    };
    struct emu_sigv4_verdict v;
    emu_sigv4_verdict_init(&v);
    int r = emu_sigv4_verify(req, &vp, &v);
    if (r == 0 && v.payload == EMU_SIGV4_PAYLOAD_STREAMING && req->body) {
        struct emu_aws_chunked c;
        if (emu_aws_chunked_init(&c, &v.chain, v.decoded_content_length, 1u << 20) == 0) {
            (void)emu_aws_chunked_feed(&c, req->body, req->body_len, discard, NULL);
            emu_aws_chunked_done(&c);
        }
    }
    (void)emu_sigv4_status_code(v.status);
    emu_sigv4_verdict_done(&v);
}

static void sign_once(const struct emu_sigv4_request *req, unsigned flags)
{
    struct emu_sigv4_sign_params sp = {
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = "token",
        .region = "us-east-1",
        .service = "service",
        .time = 1440938160,
        .flags = flags,
        .expires = 3600,
    };
    struct emu_sigv4_signature sig;
    emu_sigv4_signature_init(&sig);
    (void)emu_sigv4_sign(req, &sp, &sig);
    emu_sigv4_signature_done(&sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = emu_mem_outstanding();
    char method[32];
    struct emu_sigv4_header h[MAX_FUZZ_HEADERS];
    struct emu_sigv4_request req;
    memset(&req, 0, sizeof(req));
    if (parse((const char *)data, size, method, sizeof(method), &req, h) == 0) {
        verify_once(&req, 0);
        verify_once(&req, EMU_SIGV4_S3);
        sign_once(&req, 0);
        sign_once(&req, EMU_SIGV4_S3 | EMU_SIGV4_PRESIGN | EMU_SIGV4_SIGN_TOKEN);
    }
    if (emu_mem_outstanding() != before) {
        fprintf(stderr, "fuzz_sigv4: leaked %ld allocations\n", emu_mem_outstanding() - before);
        __builtin_trap();
    }
    return 0;
}
