/* SPDX-License-Identifier: Apache-2.0 */
/* AWS Signature Version 4: signing, verification (Authorization header and presigned URL) and
 * the aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) body decoder. Pure code: no I/O, no
 * clock reads (callers pass the time), no allocation beyond ceiling-bounded emu_bufs. */
#ifndef EMU_AWS_SIGV4_H
#define EMU_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "emu/base/buf.h"

/* Limits. Requests over them are rejected (-E2BIG, or a MALFORMED verdict). */
#define EMU_SIGV4_MAX_HEADERS 256            /* headers considered per request */
#define EMU_SIGV4_MAX_QUERY_PARAMS 256       /* query parameters per request */
#define EMU_SIGV4_MAX_CANONICAL (256u * 1024u) /* canonical request / string to sign bytes */
#define EMU_SIGV4_MAX_SCOPE 128              /* "20150830/us-east-1/s3/aws4_request" */
#define EMU_SIGV4_MAX_KEY_ID 128             /* access key id length */
#define EMU_SIGV4_DEFAULT_SKEW 900           /* seconds: S3's 15 minutes */
#define EMU_SIGV4_MAX_EXPIRES 604800         /* X-Amz-Expires ceiling: 7 days */

/* Payload-hash sentinels (x-amz-content-sha256 values). */
#define EMU_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define EMU_SIGV4_STREAMING_PAYLOAD "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define EMU_SIGV4_STREAMING_TRAILER "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define EMU_SIGV4_UNSIGNED_TRAILER "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
#define EMU_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One header as received. Neither string needs a NUL; name is matched case-insensitively, the
 * value is trimmed and has runs of spaces collapsed when canonicalised. */
struct emu_sigv4_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* A request as it arrived (verify) or as it will be sent (sign). All pointers are borrowed
 * for the duration of the call. */
struct emu_sigv4_request {
    const char *method;  /* "GET", NUL-terminated */
    const char *path;    /* raw path from the request line, as sent (percent-encoded), no '?' */
    size_t path_len;
    const char *query;   /* raw query string after '?', without the '?'; NULL or "" = none */
    size_t query_len;
    const struct emu_sigv4_header *headers; /* arrival order; repeated names allowed */
    size_t n_headers;
    /* Payload hash to put in the canonical request: a lowercase hex SHA-256,
     * EMU_SIGV4_UNSIGNED_PAYLOAD or EMU_SIGV4_STREAMING_PAYLOAD. NULL = take the
     * x-amz-content-sha256 header if present, else hash body (sign) / body (verify). */
    const char *payload_hash;
    const void *body; /* may be NULL; hashed only when no payload hash is known */
    size_t body_len;
};

/* Flags for sign and verify. */
enum {
    /* S3 rules: the path is decoded once and re-encoded once ('/' kept), without dot-segment
     * removal or slash merging. Without it (other services): RFC 3986 dot segments removed,
     * '//' merged, and the raw path encoded again ('%' becomes "%25": double encoding). */
    EMU_SIGV4_S3 = 1u << 0,
    /* sign: produce a presigned URL (query auth) instead of an Authorization header. */
    EMU_SIGV4_PRESIGN = 1u << 1,
    /* sign: add X-Amz-Security-Token to the signed query (presign); for header signing the
     * caller adds the header itself and chooses whether it is signed via signed_headers. */
    EMU_SIGV4_SIGN_TOKEN = 1u << 2,
};

/* Signing-key material that chunk signatures chain from (see emu_aws_chunked_*). */
struct emu_sigv4_chain {
    unsigned char signing_key[32];
    char amz_date[17];                 /* "20150830T123600Z" */
    char scope[EMU_SIGV4_MAX_SCOPE];   /* "20150830/us-east-1/s3/aws4_request" */
    char prev_signature[65];           /* seed signature, then each chunk's */
};

struct emu_sigv4_sign_params {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL = none */
    const char *region;        /* "us-east-1" */
    const char *service;       /* "s3", "logs", "service" */
    time_t time;               /* signing time (UTC seconds) */
    unsigned flags;            /* EMU_SIGV4_* */
    /* Lowercase names of the headers to sign, any order; NULL = sign every header given. */
    const char *const *signed_headers;
    size_t n_signed_headers;
    long expires; /* presign: X-Amz-Expires seconds (1..EMU_SIGV4_MAX_EXPIRES) */
};

/* Everything signing produces. Init before use, done after; each buffer has a ceiling. */
struct emu_sigv4_signature {
    struct emu_buf canonical_request;
    struct emu_buf string_to_sign;
    struct emu_buf authorization;  /* header value "AWS4-HMAC-SHA256 Credential=..." (header) */
    struct emu_buf presigned_query; /* full query string incl. X-Amz-Signature (presign) */
    char signature[65];            /* lowercase hex */
    char amz_date[17];
    struct emu_sigv4_chain chain;  /* seed for aws-chunked encoding */
};

void emu_sigv4_signature_init(struct emu_sigv4_signature *s);
void emu_sigv4_signature_done(struct emu_sigv4_signature *s);

/* Signs req. Header mode signs the given headers (the caller includes Host, X-Amz-Date and,
 * for S3, X-Amz-Content-Sha256 with the values it will send). Presign mode ignores
 * X-Amz-* auth parameters already in req->query and builds them. Returns 0, -EINVAL (bad
 * params or request), -E2BIG, -ENOMEM. */
int emu_sigv4_sign(const struct emu_sigv4_request *req, const struct emu_sigv4_sign_params *p,
                   struct emu_sigv4_signature *out);

/* Credential lookup for verify: sets *ret_secret (and *ret_session_token, NULL when the key
 * has no token) to strings valid until emu_sigv4_verify returns. Returns 0, or -ENOENT for an
 * unknown key id (any other negative code aborts verification with that code). */
typedef int (*emu_sigv4_lookup_fn)(void *userdata, const char *access_key_id,
                                   const char **ret_secret, const char **ret_session_token);

struct emu_sigv4_verify_params {
    const char *region;  /* expected scope region; NULL = accept the client's */
    const char *service; /* expected scope service ("s3"); NULL = accept the client's */
    unsigned flags;      /* EMU_SIGV4_S3 */
    time_t now;          /* current UTC time */
    long max_skew;       /* seconds; 0 = EMU_SIGV4_DEFAULT_SKEW */
    emu_sigv4_lookup_fn lookup;
    void *userdata;
};

/* Why a request was rejected; each maps to an S3 error code, message and HTTP status. */
enum emu_sigv4_status {
    EMU_SIGV4_OK = 0,
    EMU_SIGV4_ANONYMOUS,          /* no Authorization header, no X-Amz-Signature: AccessDenied */
    EMU_SIGV4_MALFORMED_HEADER,   /* AuthorizationHeaderMalformed (400) */
    EMU_SIGV4_MALFORMED_QUERY,    /* AuthorizationQueryParametersError (400) */
    EMU_SIGV4_BAD_ALGORITHM,      /* unsupported algorithm, e.g. SigV2: InvalidArgument (400) */
    EMU_SIGV4_MISSING_DATE,       /* no X-Amz-Date: AccessDenied (403) */
    EMU_SIGV4_MISSING_CONTENT_SHA256, /* S3 header auth without it: InvalidRequest (400) */
    EMU_SIGV4_BAD_CONTENT_SHA256, /* not hex/UNSIGNED/STREAMING: InvalidArgument (400) */
    EMU_SIGV4_CONTENT_SHA256_MISMATCH, /* body hash differs: XAmzContentSHA256Mismatch (400) */
    EMU_SIGV4_WRONG_REGION,       /* scope region != expected: AuthorizationHeaderMalformed */
    EMU_SIGV4_INVALID_ACCESS_KEY, /* InvalidAccessKeyId (403) */
    EMU_SIGV4_INVALID_TOKEN,      /* missing/wrong X-Amz-Security-Token: InvalidToken (400) */
    EMU_SIGV4_TIME_SKEWED,        /* RequestTimeTooSkewed (403) */
    EMU_SIGV4_EXPIRED,            /* presigned URL expired: AccessDenied (403) */
    EMU_SIGV4_SIGNATURE_MISMATCH, /* SignatureDoesNotMatch (403) */
    EMU_SIGV4_INCOMPLETE_BODY,    /* aws-chunked: fewer bytes than declared: IncompleteBody */
    _EMU_SIGV4_STATUS_MAX,
    _EMU_SIGV4_STATUS_INVALID = -22
};

/* Static S3 error code ("SignatureDoesNotMatch"), message and HTTP status for a status. */
const char *emu_sigv4_status_code(enum emu_sigv4_status s);
const char *emu_sigv4_status_message(enum emu_sigv4_status s);
int emu_sigv4_status_http(enum emu_sigv4_status s);

enum emu_sigv4_payload {
    EMU_SIGV4_PAYLOAD_SIGNED = 0, /* hex SHA-256 in x-amz-content-sha256 (or not S3) */
    EMU_SIGV4_PAYLOAD_UNSIGNED,   /* UNSIGNED-PAYLOAD (always for presigned URLs) */
    EMU_SIGV4_PAYLOAD_STREAMING,  /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD: use emu_aws_chunked */
    EMU_SIGV4_PAYLOAD_STREAMING_TRAILER, /* ...-PAYLOAD-TRAILER: signed chunks, signed trailer */
    EMU_SIGV4_PAYLOAD_UNSIGNED_TRAILER,  /* STREAMING-UNSIGNED-PAYLOAD-TRAILER */
};

/* The verdict on one request. Init before use, done after. On rejection, code/message and, for
 * SignatureDoesNotMatch, canonical_request/string_to_sign are what S3 puts in its error body. */
struct emu_sigv4_verdict {
    enum emu_sigv4_status status;
    int presigned;                      /* 1 = query auth */
    char access_key_id[EMU_SIGV4_MAX_KEY_ID]; /* as given by the client (may be "") */
    char signature_provided[65];
    enum emu_sigv4_payload payload;
    /* The payload hash the client declared: a hex SHA-256 that the caller must compare with
     * the body it receives when the body was not passed to verify ("" otherwise). */
    char content_sha256[65];
    long long decoded_content_length; /* x-amz-decoded-content-length, -1 = absent */
    struct emu_buf canonical_request;
    struct emu_buf string_to_sign;
    struct emu_sigv4_chain chain;       /* valid when status == OK: seeds emu_aws_chunked */
};

void emu_sigv4_verdict_init(struct emu_sigv4_verdict *v);
void emu_sigv4_verdict_done(struct emu_sigv4_verdict *v);

/* Verifies req (Authorization header or presigned query). Returns 0 when authentic (verdict
 * status OK), -EAWS when rejected (verdict->status says why), or -ENOMEM/-E2BIG, or a negative
 * code from the lookup callback. When req->body is given and the payload is a signed hash,
 * the body is hashed and compared too (else the caller compares content_sha256 itself). */
int emu_sigv4_verify(const struct emu_sigv4_request *req, const struct emu_sigv4_verify_params *p,
                     struct emu_sigv4_verdict *v);

/* Building blocks, exposed for the shims, clients and tests. */

/* Appends the canonical request of req (signed_headers as in sign params) to out. */
int emu_sigv4_canonical_request(const struct emu_sigv4_request *req, unsigned flags,
                                const char *const *signed_headers, size_t n_signed_headers,
                                const char *payload_hash, struct emu_buf *out);

/* Formats t as "YYYYMMDDTHHMMSSZ". Returns 0 or -ERANGE. */
int emu_sigv4_format_date(time_t t, char out[17]);

/* Parses "YYYYMMDDTHHMMSSZ". Returns 0 or -EINVAL. */
int emu_sigv4_parse_date(const char *s, size_t len, time_t *ret);

/* Appends the URI encoding of s (unreserved kept; '/' kept when keep_slash) to out. */
int emu_sigv4_uri_encode(const char *s, size_t len, int keep_slash, struct emu_buf *out);

/* Lowercase hex SHA-256 of data into out (65 bytes with NUL). */
void emu_sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* aws-chunked decoder (STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies).
 *
 * Wire format: "<hex size>;chunk-signature=<64 hex>\r\n<size bytes>\r\n" repeated, ending with a
 * 0-size chunk "0;chunk-signature=<sig>\r\n\r\n". Each chunk's signature chains from the
 * previous one (the seed is the request signature). Data is handed to the callback as it
 * arrives, before its chunk's signature has been checked: on any error the caller must discard
 * everything it received (S3 does not store the object). Memory use is fixed: the only buffer
 * is the header line, at most EMU_AWS_CHUNKED_LINE_MAX bytes. */
#define EMU_AWS_CHUNKED_LINE_MAX 256
/* Trailer variants (STREAMING-*-TRAILER): after the final 0-size chunk come trailing header
 * lines "name:value\r\n" and an empty line. Signed: the chunks carry signatures as above and
 * the trailer ends with "x-amz-trailer-signature:<sig>", the HMAC of
 * "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<final chunk's signature>\n<hex SHA-256 of
 * the trailing headers as "name:value\n" lines>". Unsigned: chunk lines are just "<hex size>".
 * The trailing headers (without the signature) are kept, at most EMU_AWS_CHUNKED_TRAILER_MAX
 * bytes, for emu_aws_chunked_trailer. */
#define EMU_AWS_CHUNKED_TRAILER_MAX 1024
enum {
    EMU_AWS_CHUNKED_UNSIGNED = 1, /* chunk lines carry no signature */
    EMU_AWS_CHUNKED_TRAILER = 2,  /* trailing headers after the final chunk */
};

/* Data callback: data is valid until the callback returns. Returning a negative code stops the
 * decoder, and emu_aws_chunked_feed returns that code. */
typedef int (*emu_aws_chunked_data_fn)(void *userdata, const void *data, size_t len);

struct emu_aws_chunked {
    /* Private: set by init, advanced by feed. */
    struct emu_sigv4_chain chain;
    int state;
    char line[EMU_AWS_CHUNKED_LINE_MAX];
    size_t line_len;
    uint64_t chunk_left;  /* data bytes left in the current chunk */
    uint64_t chunk_size;
    char chunk_sig[65];
    void *sha;            /* EVP_MD_CTX of the current chunk's data */
    uint64_t decoded;     /* data bytes delivered so far */
    long long expect;     /* x-amz-decoded-content-length, -1 = unknown */
    uint64_t max_decoded; /* ceiling on the decoded size, 0 = none */
    unsigned flags;       /* EMU_AWS_CHUNKED_* */
    char trailers[EMU_AWS_CHUNKED_TRAILER_MAX]; /* "name:value\n" lines */
    size_t trailers_len;
    /* Public, read after an error: why it failed (SIGNATURE_MISMATCH, INCOMPLETE_BODY,
     * MALFORMED_HEADER for framing errors). */
    enum emu_sigv4_status status;
};

/* Prepares a decoder seeded with chain (from a verdict or a signature). expect is
 * x-amz-decoded-content-length (-1 unknown); max_decoded bounds the total (0 = none).
 * Returns 0 or -ENOMEM. */
int emu_aws_chunked_init(struct emu_aws_chunked *c, const struct emu_sigv4_chain *chain,
                         long long expect, uint64_t max_decoded);
/* Same with flags (EMU_AWS_CHUNKED_*); chain is not used for unsigned chunks (may be NULL). */
int emu_aws_chunked_init_flags(struct emu_aws_chunked *c, const struct emu_sigv4_chain *chain,
                               long long expect, uint64_t max_decoded, unsigned flags);
void emu_aws_chunked_done(struct emu_aws_chunked *c);
/* After the end: the value of trailing header name (case-insensitive) into out. 0, -ENOENT,
 * -E2BIG (out too small). */
int emu_aws_chunked_trailer(const struct emu_aws_chunked *c, const char *name, char *out,
                            size_t out_size);
/* Encoder of the end of a trailer body for tests and clients, after the data chunks: the
 * final chunk ("0;chunk-signature=<sig>\r\n" with chain, advancing it; "0\r\n" without),
 * the trailing header lines (each "name:value"), the trailer signature line (with chain) and
 * the empty line. */
int emu_aws_chunked_encode_trailer(struct emu_sigv4_chain *chain, const char *const *lines,
                                   size_t n, struct emu_buf *out);

/* Feeds len bytes (any split, even one byte at a time). Returns -EAGAIN when all of it was
 * consumed and the body is not finished, the number of bytes consumed (>= 0) when the final
 * chunk ended inside this input (bytes after it are not part of the body), -EBADMSG for
 * malformed framing, a bad chunk signature or a decoded-length mismatch (see c->status),
 * -E2BIG past max_decoded or for a header line over EMU_AWS_CHUNKED_LINE_MAX, or the
 * callback's negative code. After the end or an error, further feeds return -EINVAL. */
ssize_t emu_aws_chunked_feed(struct emu_aws_chunked *c, const void *data, size_t len,
                             emu_aws_chunked_data_fn cb, void *userdata);

/* Encoder for tests and clients: appends one signed chunk for data (len 0 = the final chunk)
 * to out and advances chain. Returns 0, -E2BIG or -ENOMEM. */
int emu_aws_chunked_encode(struct emu_sigv4_chain *chain, const void *data, size_t len,
                           struct emu_buf *out);

/* Size of the aws-chunked encoding of a body of decoded_len bytes cut in chunk_size chunks
 * (the Content-Length a client sends). */
uint64_t emu_aws_chunked_encoded_length(uint64_t decoded_len, uint64_t chunk_size);

#endif
