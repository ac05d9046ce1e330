/* SPDX-License-Identifier: Apache-2.0 */
/* Pure text codecs the shims share: percent-decoding and -encoding, query-string splitting,
 * base64 and hex, HTTP and ISO-8601 dates. No I/O, no allocation beyond emu_bufs. */
#ifndef SHIMS_COMMON_CODEC_H
#define SHIMS_COMMON_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/base/buf.h"

struct shim_kv {
    const char *name;
    const char *value;
};

/* Percent-decodes len bytes of s into out ('+' becomes a space when plus_is_space).
 * Returns 0, -EBADMSG for a malformed escape, -E2BIG/-ENOMEM from out. Decoded bytes may
 * include NUL; out->len is exact. */
int shim_percent_decode(const char *s, size_t len, bool plus_is_space, struct emu_buf *out);

/* Appends s percent-encoded as AWS does for encoding-type=url (unreserved kept; '/' kept when
 * keep_slash). Returns 0 or the emu_buf error. */
int shim_percent_encode(const char *s, size_t len, bool keep_slash, struct emu_buf *out);

/* Splits a raw query string in place ('&' separated, '=' optional) and decodes names and
 * values into store (a NUL after each). Fills up to max pairs. Returns the number of pairs,
 * -E2BIG over max, -EBADMSG for a bad escape or a NUL byte, -ENOMEM. store must be empty and
 * is sized by the caller (pointers in out point into it, so it must not grow: use
 * shim_query_store_size). */
int shim_query_parse(const char *query, struct shim_kv *out, size_t max, char *store,
                     size_t store_size);
size_t shim_query_store_size(const char *query);

/* Base64 (standard alphabet, padded). decode returns the decoded length, or -EBADMSG, or
 * -E2BIG when out_size is too small. encode writes a NUL-terminated string and returns its
 * length or -E2BIG. */
int shim_base64_decode(const char *s, size_t len, unsigned char *out, size_t out_size);
int shim_base64_encode(const unsigned char *data, size_t len, char *out, size_t out_size);

/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void shim_hex_encode(const unsigned char *data, size_t len, char *out);
/* Decodes exactly 2*n hex digits; returns 0 or -EBADMSG. */
int shim_hex_decode(const char *s, size_t n, unsigned char *out);

/* "Wed, 12 Oct 2009 17:50:00 GMT" and "2009-10-12T17:50:30.000Z" (out: 40 bytes). */
void shim_http_date(int64_t epoch_ms, char out[40]);
void shim_iso8601(int64_t epoch_ms, char out[40]);
/* Parses an HTTP date (RFC 1123, RFC 850 or asctime). Returns 0 and epoch seconds or
 * -EINVAL. */
int shim_http_date_parse(const char *s, int64_t *ret_epoch_s);

/* Appends s escaped for XML text or attribute values (control characters as &#xN;). */
int shim_xml_escape(const char *s, size_t len, struct emu_buf *out);

#endif
