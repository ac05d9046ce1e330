/* SPDX-License-Identifier: Apache-2.0 */
/* s3_key_format expansion as Fluent Bit does it: textual replacement of $TAG[n], $TAG, $INDEX
 * and $UUID in that order, then strftime() in UTC over the result, capped at 1024 bytes. Also
 * the random alphanumeric strings and the gzip used for objects. Pure, no I/O. */
#include "emu/router/plugins/out_s3/s3_key.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "emu/base/buf.h"
#include "emu/base/err.h"
#include "emu/base/random.h"

/* Working ceiling while expanding (the result is cut to EMU_S3_KEY_MAX afterwards). */
#define WORK_MAX (64u * 1024u)

/* Replaces every occurrence of needle in *cur (left to right, no rescans) by repl. */
static int replace_all(struct emu_buf *cur, const char *needle, const char *repl,
                       size_t repl_len)
{
    struct emu_buf next;
    size_t nl = strlen(needle);
    const char *p = cur->data ? cur->data : "";
    int r = 0;
    emu_buf_init(&next, WORK_MAX);
    r = emu_buf_puts(&next, "");
    while (r == 0 && *p) {
        const char *hit = strstr(p, needle);
        if (!hit) {
            r = emu_buf_puts(&next, p);
            break;
        }
        r = emu_buf_append(&next, p, (size_t)(hit - p));
        r = r ? r : emu_buf_append(&next, repl, repl_len);
        p = hit + nl;
    }
    if (r < 0) {
        emu_buf_done(&next);
        return r;
    }
    emu_buf_done(cur);
    *cur = next;
    return 0;
}

/* The next part of tag at *pos split on delims (strtok semantics: runs of delimiters are one
 * separator, empty parts do not exist). Returns its length, 0 at the end. */
static size_t next_part(const char *tag, size_t *pos, const char *delims, const char **ret)
{
    size_t i = *pos;
    while (tag[i] && strchr(delims, tag[i])) {
        i++;
    }
    size_t start = i;
    while (tag[i] && !strchr(delims, tag[i])) {
        i++;
    }
    *pos = i;
    *ret = tag + start;
    return i - start;
}

int emu_s3_key_format(const char *fmt, const char *tag, const char *delims, uint64_t index,
                      const char *uuid, time_t t, struct emu_buf *out)
{
    struct emu_buf cur;
    char key[EMU_S3_KEY_MAX + 1];
    struct tm tm;
    size_t pos = 0;
    int r;
    emu_buf_init(&cur, WORK_MAX);
    r = emu_buf_puts(&cur, fmt);
    for (int i = 0; r == 0 && i < EMU_S3_TAG_PARTS_MAX; i++) {
        const char *part;
        char needle[16];
        size_t len = next_part(tag, &pos, delims ? delims : ".", &part);
        if (len == 0) {
            break;
        }
        snprintf(needle, sizeof(needle), "$TAG[%d]", i);
        r = replace_all(&cur, needle, part, len);
    }
    r = r ? r : replace_all(&cur, "$TAG", tag, strlen(tag));
    if (r == 0 && strstr(fmt, "$INDEX")) {
        char num[24];
        int n = snprintf(num, sizeof(num), "%" PRIu64, index);
        r = replace_all(&cur, "$INDEX", num, (size_t)n);
    }
    r = r ? r : replace_all(&cur, "$UUID", uuid, strlen(uuid));
    if (r == 0 && !gmtime_r(&t, &tm)) {
        r = EMU_ERANGE;
    }
    if (r == 0) {
        size_t n = cur.len ? strftime(key, sizeof(key) - 1, cur.data, &tm) : 0;
        if (n == 0 && cur.len > 0) {
            r = EMU_E2BIG; /* over 1024 bytes once formatted */
        }
        else {
            r = emu_buf_append(out, key, n > EMU_S3_KEY_MAX ? EMU_S3_KEY_MAX : n);
        }
    }
    emu_buf_done(&cur);
    return r;
}

int emu_s3_key_needs_suffix(const char *fmt, int static_file_path)
{
    return !static_file_path && !strstr(fmt, "$UUID") && !strstr(fmt, "$INDEX");
}

int emu_s3_random_alnum(char *out, size_t n)
{
    static const char charset[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    unsigned char rnd[64];
    if (n > sizeof(rnd)) {
        return EMU_E2BIG;
    }
    int r = emu_random_bytes(rnd, n);
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = charset[rnd[i] % (sizeof(charset) - 1)];
    }
    out[n] = '\0';
    return 0;
}

size_t emu_s3_gzip_bound(size_t len)
{
    /* deflateBound for the default settings plus the gzip header and trailer. */
    return len + len / 1000 + 64 + 18;
}

long long emu_s3_gzip(const void *in, size_t len, void *out, size_t out_cap)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return EMU_EIO;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)out_cap;
    int zr = deflate(&z, Z_FINISH);
    long long n = (long long)z.total_out;
    deflateEnd(&z);
    return zr == Z_STREAM_END ? n : EMU_EIO;
}
