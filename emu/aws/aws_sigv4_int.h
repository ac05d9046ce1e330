/* SPDX-License-Identifier: Apache-2.0 */
/* Module-private pieces shared by the SigV4 signer, verifier and aws-chunked codec: hashing,
 * key derivation, header and query look-ups, and the canonical request builder. */
#ifndef EMU_AWS_SIGV4_INT_H
#define EMU_AWS_SIGV4_INT_H

#include <stddef.h>

#include "emu/aws/sigv4.h"

#define EMU__SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* A sorted, de-duplicated list of signed header names (borrowed, not NUL-terminated). */
struct emu__sigv4_names {
    const char *name[EMU_SIGV4_MAX_HEADERS];
    size_t len[EMU_SIGV4_MAX_HEADERS];
    size_t n;
};

/* Lowercase hex of n bytes into out (2n+1 bytes with the NUL). */
void emu__sigv4_hex(const unsigned char *in, size_t n, char *out);

/* HMAC-SHA256 of msg under key. Returns 0 or -ENOMEM. */
int emu__sigv4_hmac(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char out[32]);

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date8), region), service), "aws4_request").
 * Returns 0, -E2BIG for an absurd secret, or -ENOMEM. */
int emu__sigv4_signing_key(const char *secret, const char *date8, size_t date8_len,
                           const char *region, size_t region_len, const char *service,
                           size_t service_len, unsigned char out[32]);

/* Appends "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256(creq)>" to out. */
int emu__sigv4_string_to_sign(const char *amz_date, const char *scope, const char *creq,
                              size_t creq_len, struct emu_buf *out);

/* Adds one name to the list (kept sorted, case-insensitively, without duplicates).
 * Returns 0 or -E2BIG. */
int emu__sigv4_names_add(struct emu__sigv4_names *n, const char *name, size_t len);

/* Builds the canonical request. exclude_query names one query parameter (decoded) to leave
 * out (X-Amz-Signature for presigned URLs), NULL for none. */
int emu__sigv4_canonical(const struct emu_sigv4_request *req, unsigned flags,
                         const struct emu__sigv4_names *names, const char *exclude_query,
                         const char *payload_hash, struct emu_buf *out);

/* Appends "a;b;c" (lowercase) for names to out. */
int emu__sigv4_names_join(const struct emu__sigv4_names *names, struct emu_buf *out);

/* First header named name (case-insensitive), or NULL. */
const struct emu_sigv4_header *emu__sigv4_header(const struct emu_sigv4_request *req,
                                                 const char *name);

/* Number of headers named name. */
size_t emu__sigv4_header_count(const struct emu_sigv4_request *req, const char *name);

/* Appends the percent-decoded value of the first query parameter named name (decoded,
 * case-sensitive) to out. Returns 1 found, 0 absent, or a negative code. */
int emu__sigv4_query_get(const struct emu_sigv4_request *req, const char *name,
                         struct emu_buf *out);

/* Appends the percent-decoding of s ('+' stays '+'; a bad escape stays literal) to out. */
int emu__sigv4_uri_decode(const char *s, size_t len, struct emu_buf *out);

/* Whether s is 64 lowercase hex digits. */
int emu__sigv4_is_hex64(const char *s, size_t len);

#endif
