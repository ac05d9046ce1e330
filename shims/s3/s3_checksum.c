/* SPDX-License-Identifier: Apache-2.0 */
/* Additional checksums of PutObject and UploadPart: x-amz-checksum-crc32, -crc32c, -sha1 and
 * -sha256, given as a header or as a trailer of an aws-chunked body (x-amz-trailer), computed
 * over the decoded body as it streams, verified at its end (BadDigest), stored with the object
 * and returned with x-amz-checksum-mode: ENABLED. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu/base/err.h"
#include "shims/common/codec.h"
#include "shims/common/crc.h"
#include "shims/s3/s3_internal.h"

static const struct {
    const char *name; /* header suffix */
    const char *upper;
    size_t len;       /* digest bytes */
} algs[] = {
    [S3_CK_CRC32] = {"crc32", "CRC32", 4},
    [S3_CK_CRC32C] = {"crc32c", "CRC32C", 4},
    [S3_CK_SHA1] = {"sha1", "SHA1", 20},
    [S3_CK_SHA256] = {"sha256", "SHA256", 32},
};

static enum s3_ck_alg alg_of(const char *header)
{
    if (strncasecmp(header, "x-amz-checksum-", 15) != 0) {
        return S3_CK_NONE;
    }
    for (int a = S3_CK_CRC32; a <= S3_CK_SHA256; a++) {
        if (strcasecmp(header + 15, algs[a].name) == 0) {
            return (enum s3_ck_alg)a;
        }
    }
    return S3_CK_NONE;
}

static bool refuse(struct s3_call *c, enum s3_err e, const char *msg)
{
    s3_error(c->req, e, NULL, NULL, msg);
    return false;
}

bool s3_cksum_start(struct s3_call *c)
{
    struct s3_cksum *k = &c->ck;
    const char *name, *value;
    for (size_t i = 0; shim_request_header_at(c->req, i, &name, &value); i++) {
        enum s3_ck_alg a = alg_of(name);
        if (a == S3_CK_NONE) {
            if (strcasecmp(name, "x-amz-checksum-crc64nvme") == 0) {
                return refuse(c, S3E_NOT_IMPLEMENTED, "The CRC64NVME checksum is not "
                                                      "implemented by fargate-emu.");
            }
            continue;
        }
        if (k->alg != S3_CK_NONE) {
            return refuse(c, S3E_INVALID_REQUEST, "Expecting a single x-amz-checksum- header. "
                                                  "Multiple checksum Types are not allowed.");
        }
        k->alg = a;
        int n = shim_base64_decode(value, strlen(value), k->want, sizeof(k->want));
        if (n != (int)algs[a].len) {
            char msg[96];
            snprintf(msg, sizeof(msg), "Value for x-amz-checksum-%s header is invalid.",
                     algs[a].name);
            return refuse(c, S3E_INVALID_REQUEST, msg);
        }
    }
    const char *trailer = shim_request_header(c->req, "x-amz-trailer");
    if (trailer) {
        enum s3_ck_alg a = alg_of(trailer);
        enum emu_sigv4_payload mode = c->payload.mode;
        bool chunked = mode == EMU_SIGV4_PAYLOAD_STREAMING_TRAILER ||
                       mode == EMU_SIGV4_PAYLOAD_UNSIGNED_TRAILER;
        if (a == S3_CK_NONE || !chunked) {
            return refuse(c, S3E_INVALID_REQUEST,
                          chunked ? "The value specified in the x-amz-trailer header is not "
                                    "supported"
                                  : "x-amz-trailer needs a STREAMING-*-TRAILER "
                                    "x-amz-content-sha256 and an aws-chunked body");
        }
        if (k->alg != S3_CK_NONE) {
            return refuse(c, S3E_INVALID_REQUEST, "Expecting a single x-amz-checksum- header. "
                                                  "Multiple checksum Types are not allowed.");
        }
        k->alg = a;
        k->trailer = true;
    }
    if (k->alg == S3_CK_SHA1 || k->alg == S3_CK_SHA256) {
        k->md = EVP_MD_CTX_new();
        if (!k->md || EVP_DigestInit_ex(k->md, k->alg == S3_CK_SHA1 ? EVP_sha1() : EVP_sha256(),
                                        NULL) != 1) {
            return refuse(c, S3E_SLOW_DOWN, NULL);
        }
    }
    return true;
}

int s3_cksum_update(struct s3_cksum *k, const void *data, size_t len)
{
    switch (k->alg) {
    case S3_CK_CRC32:
        k->crc = shim_crc32(k->crc, data, len);
        return 0;
    case S3_CK_CRC32C:
        k->crc = shim_crc32c(k->crc, data, len);
        return 0;
    case S3_CK_SHA1:
    case S3_CK_SHA256:
        return EVP_DigestUpdate(k->md, data, len) == 1 ? 0 : EMU_ENOMEM;
    default:
        return 0;
    }
}

bool s3_cksum_finish(struct s3_call *c)
{
    struct s3_cksum *k = &c->ck;
    if (k->alg == S3_CK_NONE) {
        return true;
    }
    unsigned char got[32];
    size_t len = algs[k->alg].len;
    if (k->alg == S3_CK_CRC32 || k->alg == S3_CK_CRC32C) {
        for (int i = 0; i < 4; i++) { /* big-endian, as S3 encodes it */
            got[i] = (unsigned char)(k->crc >> (24 - 8 * i));
        }
    }
    else {
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(k->md, got, &n) != 1 || n != len) {
            return refuse(c, S3E_INTERNAL, NULL);
        }
    }
    char header[40];
    snprintf(header, sizeof(header), "x-amz-checksum-%s", algs[k->alg].name);
    if (k->trailer) {
        char value[64];
        int r = emu_aws_chunked_trailer(&c->payload.dec, header, value, sizeof(value));
        if (r < 0) {
            return refuse(c, S3E_INVALID_REQUEST,
                          "The request contained trailing data that was not well-formed or "
                          "did not conform to our published schema.");
        }
        if (shim_base64_decode(value, strlen(value), k->want, sizeof(k->want)) != (int)len) {
            char msg[96];
            snprintf(msg, sizeof(msg), "Value for %s trailing header is invalid.", header);
            return refuse(c, S3E_INVALID_REQUEST, msg);
        }
    }
    if (memcmp(got, k->want, len) != 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "The %s you specified did not match the calculated checksum.",
                 algs[k->alg].upper);
        return refuse(c, S3E_BAD_DIGEST, msg);
    }
    if (shim_base64_encode(got, len, k->value, sizeof(k->value)) < 0 ||
        s3_meta_add(&c->meta, header, k->value) < 0) {
        return refuse(c, S3E_SLOW_DOWN, NULL);
    }
    return true;
}

void s3_cksum_respond_header(struct s3_call *c)
{
    if (c->ck.alg != S3_CK_NONE && c->ck.value[0]) {
        char header[40];
        snprintf(header, sizeof(header), "x-amz-checksum-%s", algs[c->ck.alg].name);
        (void)shim_response_header(c->req, header, c->ck.value);
    }
}

void s3_cksum_done(struct s3_cksum *k)
{
    EVP_MD_CTX_free(k->md);
    k->md = NULL;
}

bool s3_cksum_shown(const struct shim_request *req, const char *header)
{
    if (strncasecmp(header, "x-amz-checksum-", 15) != 0) {
        return true;
    }
    const char *mode = shim_request_header(req, "x-amz-checksum-mode");
    return mode && strcasecmp(mode, "ENABLED") == 0 && !shim_request_header(req, "Range");
}
