/* SPDX-License-Identifier: Apache-2.0 */
/* JSON the way the Go CloudWatch plugin (name `cloudwatch`) writes a record: Go's encoding/json
 * rules through jsoniter's standard-library mode, i.e. map keys sorted bytewise at every level,
 * '<' '>' '&' U+2028 U+2029 escaped as \u00XX / \u20XX, other control characters as \u00XX
 * (except \n \r \t \b \f), invalid UTF-8 as \ufffd, byte strings as text. Pure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"
#include "emu/router/mp.h"
#include "emu/router/plugins/out_cloudwatch_logs/cw.h"

#define MAX_DEPTH 64
#define MAX_KEYS 65536

struct kv {
    const char *k;
    uint32_t kl;
    const uint8_t *v;
    size_t vl;
};

/* Length of the UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                         : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || n > left || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4)) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    if ((n == 3 && c == 0xE0 && p[1] < 0xA0) || (n == 3 && c == 0xED && p[1] >= 0xA0) ||
        (n == 4 && c == 0xF0 && p[1] < 0x90) || (n == 4 && c == 0xF4 && p[1] >= 0x90)) {
        return 0; /* overlong, surrogate or past U+10FFFF */
    }
    return n;
}

int cw_go_json_string(struct emu_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    int r = emu_buf_putc(out, '"');
    for (size_t i = 0; r == 0 && i < len;) {
        unsigned c = p[i];
        if (c >= 0x80) {
            size_t n = utf8_len(p + i, len - i);
            if (n == 0) {
                r = emu_buf_puts(out, "\\ufffd");
                i++;
            }
            else if (n == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] & 0xFE) == 0xA8) {
                r = emu_buf_printf(out, "\\u202%c", p[i + 2] == 0xA8 ? '8' : '9');
                i += 3;
            }
            else {
                r = emu_buf_append(out, p + i, n);
                i += n;
            }
            continue;
        }
        i++;
        switch (c) {
        case '"': r = emu_buf_puts(out, "\\\""); break;
        case '\\': r = emu_buf_puts(out, "\\\\"); break;
        case '\n': r = emu_buf_puts(out, "\\n"); break;
        case '\r': r = emu_buf_puts(out, "\\r"); break;
        case '\t': r = emu_buf_puts(out, "\\t"); break;
        case '\b': r = emu_buf_puts(out, "\\b"); break;
        case '\f': r = emu_buf_puts(out, "\\f"); break;
        default:
            if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                r = emu_buf_printf(out, "\\u00%02x", c);
            }
            else {
                r = emu_buf_putc(out, (char)c);
            }
        }
    }
    return r ? r : emu_buf_putc(out, '"');
}

static int cmp_kv(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    uint32_t n = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

/* Go's float formatting: shortest round-trip digits, 'f' form for 1e-6 <= |v| < 1e21. */
static int put_float(struct emu_buf *out, double v)
{
    char tmp[64];
    int p = 1;
    if (!isfinite(v)) {
        return emu_buf_puts(out, "null"); /* Go refuses these; a record cannot carry them */
    }
    for (; p < 17; p++) {
        snprintf(tmp, sizeof(tmp), "%.*g", p, v);
        if (strtod(tmp, NULL) == v) {
            break;
        }
    }
    double a = fabs(v);
    if (a == 0 || (a >= 1e-6 && a < 1e21)) {
        int exp10 = a == 0 ? 0 : (int)floor(log10(a));
        int decimals = p - 1 - exp10;
        snprintf(tmp, sizeof(tmp), "%.*f", decimals > 0 ? decimals : 0, v);
        return emu_buf_puts(out, tmp);
    }
    int n = snprintf(tmp, sizeof(tmp), "%.*e", p - 1, v);
    /* Go cleans "e-07" up to "e-7" (but keeps "e+21"). */
    if (n >= 4 && tmp[n - 4] == 'e' && tmp[n - 3] == '-' && tmp[n - 2] == '0') {
        tmp[n - 2] = tmp[n - 1];
        tmp[n - 1] = '\0';
    }
    return emu_buf_puts(out, tmp);
}

static int value(struct emu_mp *m, struct emu_buf *out, int depth)
{
    const char *s;
    uint32_t n;
    const uint8_t *p;
    size_t pl;
    if (depth > MAX_DEPTH) {
        return EMU_EBADMSG;
    }
    switch (emu_mp_peek(m)) {
    case EMU_MP_STR:
    case EMU_MP_BIN:
        if (emu_mp_read_strbin(m, &s, &n) < 0) {
            return EMU_EBADMSG;
        }
        return cw_go_json_string(out, s, n);
    case EMU_MP_ARRAY: {
        if (emu_mp_read_array(m, &n) < 0) {
            return EMU_EBADMSG;
        }
        int r = emu_buf_putc(out, '[');
        for (uint32_t i = 0; r == 0 && i < n; i++) {
            r = i ? emu_buf_putc(out, ',') : 0;
            r = r ? r : value(m, out, depth + 1);
        }
        return r ? r : emu_buf_putc(out, ']');
    }
    case EMU_MP_MAP: {
        if (emu_mp_read_map(m, &n) < 0 || n > MAX_KEYS) {
            return EMU_EBADMSG;
        }
        struct kv *kv = emu_calloc(n ? n : 1, sizeof(*kv));
        int r = kv ? 0 : EMU_ENOMEM;
        uint32_t k = 0;
        for (uint32_t i = 0; r == 0 && i < n; i++) {
            if (emu_mp_read_strbin(m, &kv[k].k, &kv[k].kl) < 0) {
                /* Go drops keys that are not strings; skip key and value. */
                r = emu_mp_next(m, &p, &pl) < 0 || emu_mp_next(m, &p, &pl) < 0 ? EMU_EBADMSG : 0;
                continue;
            }
            r = emu_mp_next(m, &kv[k].v, &kv[k].vl) < 0 ? EMU_EBADMSG : 0;
            k++;
        }
        if (r == 0) {
            qsort(kv, k, sizeof(*kv), cmp_kv);
            r = emu_buf_putc(out, '{');
        }
        for (uint32_t i = 0; r == 0 && i < k; i++) {
            struct emu_mp vm = {.p = kv[i].v, .len = kv[i].vl};
            r = i ? emu_buf_putc(out, ',') : 0;
            r = r ? r : cw_go_json_string(out, kv[i].k, kv[i].kl);
            r = r ? r : emu_buf_putc(out, ':');
            r = r ? r : value(&vm, out, depth + 1);
        }
        emu_free(kv);
        return r ? r : emu_buf_putc(out, '}');
    }
    default:
        break;
    }
    /* Scalars: print with the common printer, floats in Go's form, ext as null. */
    if (emu_mp_next(m, &p, &pl) < 0) {
        return EMU_EBADMSG;
    }
    if (p[0] == 0xca || p[0] == 0xcb) {
        double v;
        if (p[0] == 0xca) {
            uint32_t u = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
            float f;
            memcpy(&f, &u, 4);
            v = f;
        }
        else {
            uint64_t u = 0;
            for (int i = 1; i <= 8; i++) {
                u = u << 8 | p[i];
            }
            memcpy(&v, &u, 8);
        }
        return put_float(out, v);
    }
    return emu_mp_to_json(p, pl, out);
}

int cw_go_json(const uint8_t *rec, size_t len, struct emu_buf *out)
{
    struct emu_mp m = {.p = rec, .len = len};
    return value(&m, out, 0);
}
