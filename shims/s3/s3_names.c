/* SPDX-License-Identifier: Apache-2.0 */
/* Pure S3 naming rules: bucket names, key limits, the bucket named by a virtual-hosted Host
 * header, and Range header parsing. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu/base/err.h"
#include "shims/s3/s3_internal.h"

bool s3_bucket_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len < 3 || len > 63) {
        return false;
    }
    bool all_ip = true;
    unsigned dots = 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool lower = c >= 'a' && c <= 'z';
        bool digit = c >= '0' && c <= '9';
        if (!lower && !digit && c != '.' && c != '-') {
            return false;
        }
        if ((i == 0 || i == len - 1) && !lower && !digit) {
            return false;
        }
        if (c == '.') {
            dots++;
            if (name[i + 1] == '.' || name[i + 1] == '-' || (i > 0 && name[i - 1] == '-')) {
                return false;
            }
        }
        else if (!digit) {
            all_ip = false;
        }
    }
    if (all_ip && dots == 3) {
        return false; /* looks like an IPv4 address */
    }
    if (strncmp(name, "xn--", 4) == 0 || (len > 8 && strcmp(name + len - 8, "-s3alias") == 0)) {
        return false;
    }
    return true;
}

int s3_key_check(const char *key, size_t len)
{
    if (len == 0) {
        return EMU_EINVAL;
    }
    if (len > S3_MAX_KEY) {
        return EMU_ENAMETOOLONG;
    }
    if (memchr(key, '\0', len)) {
        return EMU_EINVAL;
    }
    return 0;
}

bool s3_host_bucket(const char *host, const char *base, char *out, size_t out_size)
{
    if (!host || !base || !*base) {
        return false;
    }
    size_t hlen = strcspn(host, ":"); /* drop the port */
    if (host[0] == '[') {
        return false; /* IPv6 literal */
    }
    size_t blen = strlen(base);
    if (hlen <= blen + 1 || host[hlen - blen - 1] != '.' ||
        strncasecmp(host + hlen - blen, base, blen) != 0) {
        return false;
    }
    size_t n = hlen - blen - 1;
    if (n + 1 > out_size) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (char)tolower((unsigned char)host[i]);
    }
    out[n] = '\0';
    /* "s3.<base>" is the service endpoint itself, not a bucket. */
    return strcmp(out, "s3") != 0;
}

/* Parses a decimal uint64 from [s, end); false when empty, not digits or overflowing. */
static bool parse_u64(const char *s, const char *end, uint64_t *ret)
{
    if (s == end) {
        return false;
    }
    uint64_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *ret = v;
    return true;
}

int s3_range_parse(const char *h, uint64_t size, uint64_t *ret_start, uint64_t *ret_len)
{
    if (!h || strncmp(h, "bytes=", 6) != 0) {
        return 0; /* S3 ignores what it cannot parse */
    }
    const char *spec = h + 6;
    if (strchr(spec, ',')) {
        return 0; /* multiple ranges are not supported by S3: the whole object is sent */
    }
    const char *dash = strchr(spec, '-');
    if (!dash) {
        return 0;
    }
    const char *end = spec + strlen(spec);
    uint64_t a = 0, b = 0;
    bool has_a = parse_u64(spec, dash, &a);
    bool has_b = parse_u64(dash + 1, end, &b);
    if ((!has_a && dash != spec) || (!has_b && dash + 1 != end)) {
        return 0;
    }
    if (!has_a) {
        if (!has_b) {
            return 0;
        }
        if (b == 0 || size == 0) {
            return EMU_ERANGE;
        }
        if (b > size) {
            b = size;
        }
        *ret_start = size - b;
        *ret_len = b;
        return 1;
    }
    if (has_b && b < a) {
        return 0;
    }
    if (a >= size) {
        return EMU_ERANGE;
    }
    if (!has_b || b >= size) {
        b = size - 1;
    }
    *ret_start = a;
    *ret_len = b - a + 1;
    return 1;
}
