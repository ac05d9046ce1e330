/* SPDX-License-Identifier: Apache-2.0 */
/* Time_Format handling for parsers: strptime(3) conversions in UTC, plus Fluent Bit's %L
 * (fractional seconds of any precision), %s epoch seconds, %z offsets and Time_Offset. A format
 * without a year (syslog's "%b %d %H:%M:%S") takes the current year, as Fluent Bit does. */
#define _XOPEN_SOURCE 700 /* strptime */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/router/parser.h"

int emu_router_parse_utc_offset(const char *s, int64_t *ret_sec)
{
    while (*s == ' ') {
        s++;
    }
    if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
        *ret_sec = 0;
        return 0;
    }
    if (*s != '+' && *s != '-') {
        return -EINVAL;
    }
    int sign = *s == '-' ? -1 : 1;
    const char *p = s + 1;
    int d[4], n = 0;
    while (*p && n < 4) {
        if (*p == ':' && n == 2) {
            p++;
            continue;
        }
        if (!isdigit((unsigned char)*p)) {
            return -EINVAL;
        }
        d[n++] = *p++ - '0';
    }
    if (*p || (n != 2 && n != 4)) {
        return -EINVAL;
    }
    int hh = d[0] * 10 + d[1], mm = n == 4 ? d[2] * 10 + d[3] : 0;
    if (hh > 23 || mm > 59) {
        return -EINVAL;
    }
    *ret_sec = sign * (int64_t)(hh * 3600 + mm * 60);
    return 0;
}

/* Reads the digits of a fraction into nanoseconds; returns the characters consumed. */
static size_t read_fraction(const char *s, uint32_t *ret_nsec)
{
    size_t i = 0;
    uint32_t ns = 0, scale = 100000000u;
    while (isdigit((unsigned char)s[i])) {
        if (scale > 0) {
            ns += (uint32_t)(s[i] - '0') * scale;
            scale /= 10u;
        }
        i++;
    }
    *ret_nsec = ns;
    return i;
}

static int has_year(const char *fmt)
{
    return strstr(fmt, "%Y") || strstr(fmt, "%y") || strstr(fmt, "%G") || strstr(fmt, "%C") ||
           strstr(fmt, "%s") || strstr(fmt, "%F") || strstr(fmt, "%D");
}

/* Runs strptime over one piece of the format (no %L or %s in it). */
static const char *strptime_piece(const char *s, const char *fmt, size_t fmt_len, struct tm *tm)
{
    char piece[EMU_ROUTER_PARSER_TIME_MAX];
    if (fmt_len == 0) {
        return s;
    }
    if (fmt_len >= sizeof(piece)) {
        return NULL;
    }
    memcpy(piece, fmt, fmt_len);
    piece[fmt_len] = '\0';
    return strptime(s, piece, tm);
}

int emu_router_parse_timestamp(const char *s, size_t len, const char *fmt, int64_t offset_sec,
                               int64_t *ret_sec, uint32_t *ret_nsec)
{
    char buf[EMU_ROUTER_PARSER_TIME_MAX];
    struct tm tm;
    uint32_t nsec = 0;
    int64_t epoch = 0;
    int have_epoch = 0;
    if (!fmt || len == 0 || len >= sizeof(buf)) {
        return -EINVAL;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(&tm, 0, sizeof(tm));
    tm.tm_mday = 1;
    const char *in = buf, *f = fmt;
    while (*f) {
        const char *tok = f;
        while (*tok && !(tok[0] == '%' && (tok[1] == 'L' || tok[1] == 's'))) {
            tok += tok[0] == '%' && tok[1] ? 2 : 1;
        }
        in = strptime_piece(in, f, (size_t)(tok - f), &tm);
        if (!in) {
            return -EINVAL;
        }
        if (!*tok) {
            break;
        }
        if (tok[1] == 'L') {
            in += read_fraction(in, &nsec);
        }
        else {
            char *end;
            errno = 0;
            long long v = strtoll(in, &end, 10);
            if (errno || end == in) {
                return -EINVAL;
            }
            epoch = v;
            have_epoch = 1;
            in = end;
        }
        f = tok + 2;
    }
    if (have_epoch) {
        *ret_sec = epoch;
        *ret_nsec = nsec;
        return 0;
    }
    if (!has_year(fmt)) {
        time_t now = time(NULL);
        struct tm cur;
        gmtime_r(&now, &cur);
        tm.tm_year = cur.tm_year;
    }
    long gmtoff = tm.tm_gmtoff;
    tm.tm_isdst = 0;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 && tm.tm_year != 69) {
        return -EINVAL;
    }
    *ret_sec = (int64_t)t - (strstr(fmt, "%z") ? (int64_t)gmtoff : offset_sec);
    *ret_nsec = nsec;
    return 0;
}
