/* SPDX-License-Identifier: Apache-2.0 */
/* out_s3's pure parts: s3_key_format expansion with Fluent Bit's semantics, the random
 * alphanumeric strings it uses for $UUID and the "-object" suffix, and the gzip framing. */
#ifndef EMU_ROUTER_OUT_S3_KEY_H
#define EMU_ROUTER_OUT_S3_KEY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct emu_buf;

/* S3's key limit: longer expansions are cut here, as Fluent Bit does. */
#define EMU_S3_KEY_MAX 1024
/* $TAG[0] .. $TAG[9]. */
#define EMU_S3_TAG_PARTS_MAX 10
/* Length of $UUID and of the "-object" suffix's random part. */
#define EMU_S3_UUID_LEN 8

/* Expands fmt: each $TAG[n] (n < number of tag parts, at most 10; the tag split on any of delims,
 * empty parts skipped) becomes that part, then $TAG the whole tag, $INDEX the decimal index (only
 * when fmt has $INDEX), $UUID the given 8 characters, and finally strftime() fields at t in UTC.
 * A $TAG[n] with no such part is left for the $TAG rule (Fluent Bit warns and does the same).
 * Appends at most EMU_S3_KEY_MAX bytes to out. Returns 0, -ENOMEM or -E2BIG. */
int emu_s3_key_format(const char *fmt, const char *tag, const char *delims, uint64_t index,
                      const char *uuid, time_t t, struct emu_buf *out);

/* Whether PutObject appends "-object" + 8 random characters to the key: fmt has neither $UUID
 * nor $INDEX and static_file_path is off. */
int emu_s3_key_needs_suffix(const char *fmt, int static_file_path);

/* Fills out[0..n-1] with random characters from [0-9a-zA-Z] and NUL-terminates it (out holds
 * n + 1 bytes). Returns 0 or a negative errno from the random source. */
int emu_s3_random_alnum(char *out, size_t n);

/* gzip (RFC 1952, one member) of in into out, which must hold emu_s3_gzip_bound(len) bytes.
 * Thread-safe (no emu allocator use): runs on uv_queue_work. Returns the compressed size or
 * -EIO. */
size_t emu_s3_gzip_bound(size_t len);
long long emu_s3_gzip(const void *in, size_t len, void *out, size_t out_cap);

#endif
