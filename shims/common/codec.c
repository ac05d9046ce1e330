/* SPDX-License-Identifier: Apache-2.0 */
/* Pure text codecs of the shims: percent-encoding, query splitting, base64, hex, HTTP dates and
 * XML escaping. Everything works on explicit lengths and bounded buffers. */
#define _XOPEN_SOURCE 700 /* strptime */
#include "shims/common/codec.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu/base/err.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int shim_percent_decode(const char *s, size_t len, bool plus_is_space, struct emu_buf *out)
{
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && s[run] != '%' && !(plus_is_space && s[run] == '+')) {
            run++;
        }
        if (run > i) {
            int r = emu_buf_append(out, s + i, run - i);
            if (r < 0) {
                return r;
            }
            i = run;
            continue;
        }
        char c;
        if (s[i] == '+') {
            c = ' ';
            i++;
        }
        else {
            if (len - i < 3) {
                return EMU_EBADMSG;
            }
            int hi = hexval((unsigned char)s[i + 1]);
            int lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0) {
                return EMU_EBADMSG;
            }
            c = (char)(hi * 16 + lo);
            i += 3;
        }
        int r = emu_buf_append(out, &c, 1);
        if (r < 0) {
            return r;
        }
    }
    if (!out->data) {
        return emu_buf_append(out, "", 0);
    }
    return 0;
}

int shim_percent_encode(const char *s, size_t len, bool keep_slash, struct emu_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        int r;
        if (plain) {
            r = emu_buf_putc(out, (char)c);
        }
        else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            r = emu_buf_append(out, esc, 3);
        }
        if (r < 0) {
            return r;
        }
    }
    return out->data ? 0 : emu_buf_append(out, "", 0);
}

size_t shim_query_store_size(const char *query)
{
    /* Decoding never grows a string; each pair needs two NULs at most. */
    return strlen(query) * 2 + 2;
}

/* Decodes [s, s+len) into store at *pos, NUL-terminated; the result must hold no NUL. */
static int decode_into(const char *s, size_t len, char *store, size_t store_size, size_t *pos,
                       const char **ret)
{
    size_t start = *pos;
    size_t o = start;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        }
        else if (c == '%') {
            if (len - i < 3) {
                return EMU_EBADMSG;
            }
            int hi = hexval((unsigned char)s[i + 1]);
            int lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0) {
                return EMU_EBADMSG;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            return EMU_EBADMSG;
        }
        if (o + 1 >= store_size) {
            return EMU_E2BIG;
        }
        store[o++] = c;
    }
    if (o >= store_size) {
        return EMU_E2BIG;
    }
    store[o++] = '\0';
    *pos = o;
    *ret = store + start;
    return 0;
}

int shim_query_parse(const char *query, struct shim_kv *out, size_t max, char *store,
                     size_t store_size)
{
    size_t n = 0, pos = 0;
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            if (n >= max) {
                return EMU_E2BIG;
            }
            const char *eq = memchr(p, '=', len);
            size_t nlen = eq ? (size_t)(eq - p) : len;
            int r = decode_into(p, nlen, store, store_size, &pos, &out[n].name);
            if (r == 0) {
                const char *v = eq ? eq + 1 : p + len;
                size_t vlen = eq ? len - nlen - 1 : 0;
                r = decode_into(v, vlen, store, store_size, &pos, &out[n].value);
            }
            if (r < 0) {
                return r;
            }
            n++;
        }
        p += len;
        if (*p == '&') {
            p++;
        }
    }
    return (int)n;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(int c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

int shim_base64_decode(const char *s, size_t len, unsigned char *out, size_t out_size)
{
    if (len % 4 != 0) {
        return EMU_EBADMSG;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (s[i + (size_t)k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) {
                return EMU_EBADMSG;
            }
            v[k] = b64val((unsigned char)s[i + (size_t)k]);
            if (v[k] < 0) {
                return EMU_EBADMSG;
            }
        }
        unsigned triple = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
                          (unsigned)v[3];
        size_t n = (size_t)(3 - pad);
        if (o + n > out_size) {
            return EMU_E2BIG;
        }
        for (size_t k = 0; k < n; k++) {
            out[o++] = (unsigned char)(triple >> (16 - 8 * k));
        }
    }
    return (int)o;
}

int shim_base64_encode(const unsigned char *data, size_t len, char *out, size_t out_size)
{
    size_t need = (len + 2) / 3 * 4 + 1;
    if (need > out_size) {
        return EMU_E2BIG;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16;
        if (i + 1 < len) {
            v |= (unsigned)data[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= data[i + 2];
        }
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    return (int)o;
}

void shim_hex_encode(const unsigned char *data, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[data[i] >> 4];
        out[2 * i + 1] = hex[data[i] & 15];
    }
    out[2 * len] = '\0';
}

int shim_hex_decode(const char *s, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((unsigned char)s[2 * i]);
        int lo = hi < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
        if (lo < 0) {
            return EMU_EBADMSG;
        }
        out[i] = (unsigned char)(hi * 16 + lo);
    }
    return 0;
}

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void shim_http_date(int64_t epoch_ms, char out[40])
{
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void shim_iso8601(int64_t epoch_ms, char out[40])
{
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(epoch_ms % 1000));
}

int shim_http_date_parse(const char *s, int64_t *ret_epoch_s)
{
    static const char *const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT", /* RFC 1123 */
        "%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850 */
        "%a %b %d %H:%M:%S %Y",      /* asctime */
    };
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        const char *end = strptime(s, formats[i], &tm);
        if (end && *end == '\0') {
            *ret_epoch_s = (int64_t)timegm(&tm);
            return 0;
        }
    }
    return EMU_EINVAL;
}

int shim_xml_escape(const char *s, size_t len, struct emu_buf *out)
{
    int r = 0;
    for (size_t i = 0; i < len && r == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&':
            r = emu_buf_puts(out, "&amp;");
            break;
        case '<':
            r = emu_buf_puts(out, "&lt;");
            break;
        case '>':
            r = emu_buf_puts(out, "&gt;");
            break;
        case '"':
            r = emu_buf_puts(out, "&quot;");
            break;
        case '\'':
            r = emu_buf_puts(out, "&apos;");
            break;
        default:
            if (c < 0x20) {
                r = emu_buf_printf(out, "&#x%X;", c);
            }
            else {
                r = emu_buf_putc(out, (char)c);
            }
        }
    }
    if (r == 0 && !out->data) {
        r = emu_buf_append(out, "", 0);
    }
    return r;
}
