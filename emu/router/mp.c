/* SPDX-License-Identifier: Apache-2.0 */
/* MessagePack reading without unpacking: objects are sized by counting pending elements (no
 * recursion, so no depth limit is needed), and read in place through a bounds-checked cursor. */
#include "emu/router/mp.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/buf.h"

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* Decodes the header at p: its length, the payload bytes after it and the child objects.
 * Returns 0, -EAGAIN (header truncated) or -EBADMSG. */
static int head(const uint8_t *p, size_t len, size_t *hlen, uint64_t *payload, uint64_t *kids)
{
    static const uint8_t fixed[32] = {
        /* c0..df: extra header bytes (length fields / ext type) */
        0, 0, 0, 0, 1, 2, 4, 2, 3, 5, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 4, 2, 4, 2, 4,
    };
    static const uint8_t data[32] = {
        /* c0..df: fixed payload bytes */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 1, 2, 4, 8,
        1, 2, 4, 8, 1, 2, 4, 8, 16, 0, 0, 0, 0, 0, 0, 0,
    };
    if (len < 1) {
        return -EAGAIN;
    }
    uint8_t b = p[0];
    *payload = 0;
    *kids = 0;
    *hlen = 1;
    if (b <= 0x7f || b >= 0xe0) {
        return 0;
    }
    if (b <= 0x8f) {
        *kids = 2u * (b & 0x0fu);
        return 0;
    }
    if (b <= 0x9f) {
        *kids = b & 0x0fu;
        return 0;
    }
    if (b <= 0xbf) {
        *payload = b & 0x1fu;
        return 0;
    }
    if (b == 0xc1) {
        return -EBADMSG;
    }
    unsigned extra = fixed[b - 0xc0];
    *hlen = 1 + extra;
    *payload = data[b - 0xc0];
    if (len < *hlen) {
        return -EAGAIN;
    }
    switch (b) {
    case 0xc4: case 0xc5: case 0xc6: case 0xd9: case 0xda: case 0xdb:
        *payload = be(p + 1, extra);
        break;
    case 0xc7: case 0xc8: case 0xc9:
        *payload = be(p + 1, extra - 1);
        break;
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
        break; /* fixext: 1 type byte in the header, data[] bytes of payload */
    case 0xdc: case 0xdd:
        *kids = be(p + 1, extra);
        break;
    case 0xde: case 0xdf:
        *kids = 2u * be(p + 1, extra);
        break;
    default:
        break;
    }
    return 0;
}

ssize_t emu_mp_skip(const void *ptr, size_t len)
{
    const uint8_t *p = ptr;
    size_t off = 0;
    uint64_t pending = 1;
    while (pending > 0) {
        size_t hl;
        uint64_t pay, kids;
        int r = head(p + off, len - off, &hl, &pay, &kids);
        if (r < 0) {
            return r;
        }
        if (pay > len - off - hl || hl > len - off) {
            return -EAGAIN;
        }
        off += hl + (size_t)pay;
        pending = pending - 1 + kids;
        if (pending > len - off && pending > 0) {
            return -EAGAIN; /* each pending object needs at least one more byte */
        }
    }
    return (ssize_t)off;
}

enum emu_mp_kind emu_mp_peek(const struct emu_mp *m)
{
    if (m->off >= m->len) {
        return EMU_MP_INVALID;
    }
    uint8_t b = m->p[m->off];
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) {
        return EMU_MP_INT;
    }
    if (b <= 0x8f || b == 0xde || b == 0xdf) {
        return EMU_MP_MAP;
    }
    if (b <= 0x9f || b == 0xdc || b == 0xdd) {
        return EMU_MP_ARRAY;
    }
    if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) {
        return EMU_MP_STR;
    }
    switch (b) {
    case 0xc0:
        return EMU_MP_NIL;
    case 0xc2: case 0xc3:
        return EMU_MP_BOOL;
    case 0xc4: case 0xc5: case 0xc6:
        return EMU_MP_BIN;
    case 0xca: case 0xcb:
        return EMU_MP_FLOAT;
    case 0xc1:
        return EMU_MP_INVALID;
    default:
        return EMU_MP_EXT;
    }
}

int emu_mp_next(struct emu_mp *m, const uint8_t **ret_p, size_t *ret_len)
{
    ssize_t n = emu_mp_skip(m->p + m->off, m->len - m->off);
    if (n < 0) {
        return -EBADMSG;
    }
    if (ret_p) {
        *ret_p = m->p + m->off;
    }
    if (ret_len) {
        *ret_len = (size_t)n;
    }
    m->off += (size_t)n;
    return 0;
}

static int container(struct emu_mp *m, enum emu_mp_kind want, uint32_t *ret_n)
{
    size_t hl;
    uint64_t pay, kids;
    if (emu_mp_peek(m) != want || head(m->p + m->off, m->len - m->off, &hl, &pay, &kids) < 0) {
        return -EBADMSG;
    }
    m->off += hl;
    *ret_n = (uint32_t)(want == EMU_MP_MAP ? kids / 2 : kids);
    return 0;
}

int emu_mp_read_array(struct emu_mp *m, uint32_t *ret_n)
{
    return container(m, EMU_MP_ARRAY, ret_n);
}

int emu_mp_read_map(struct emu_mp *m, uint32_t *ret_n)
{
    return container(m, EMU_MP_MAP, ret_n);
}

int emu_mp_read_strbin(struct emu_mp *m, const char **ret_s, uint32_t *ret_len)
{
    size_t hl;
    uint64_t pay, kids;
    enum emu_mp_kind k = emu_mp_peek(m);
    if ((k != EMU_MP_STR && k != EMU_MP_BIN) ||
        head(m->p + m->off, m->len - m->off, &hl, &pay, &kids) < 0 ||
        hl > m->len - m->off || pay > m->len - m->off - hl) {
        return -EBADMSG;
    }
    *ret_s = (const char *)m->p + m->off + hl;
    *ret_len = (uint32_t)pay;
    m->off += hl + (size_t)pay;
    return 0;
}

int emu_mp_read_str(struct emu_mp *m, const char **ret_s, uint32_t *ret_len)
{
    if (emu_mp_peek(m) != EMU_MP_STR) {
        return -EBADMSG;
    }
    return emu_mp_read_strbin(m, ret_s, ret_len);
}

int emu_mp_read_uint(struct emu_mp *m, uint64_t *ret)
{
    if (m->off >= m->len) {
        return -EBADMSG;
    }
    uint8_t b = m->p[m->off];
    if (b <= 0x7f) {
        *ret = b;
        m->off++;
        return 0;
    }
    if (b >= 0xcc && b <= 0xcf) {
        unsigned n = 1u << (b - 0xcc);
        if (m->len - m->off < 1 + n) {
            return -EBADMSG;
        }
        *ret = be(m->p + m->off + 1, n);
        m->off += 1 + n;
        return 0;
    }
    return -EBADMSG;
}

int emu_mp_read_time(struct emu_mp *m, int64_t *ret_sec, uint32_t *ret_nsec)
{
    const uint8_t *p = m->p + m->off;
    size_t left = m->len - m->off;
    if (left < 1) {
        return -EBADMSG;
    }
    if (p[0] == 0xd7 && left >= 10 && p[1] == 0x00) {
        *ret_sec = (int64_t)be(p + 2, 4);
        *ret_nsec = (uint32_t)be(p + 6, 4);
        if (*ret_nsec > 999999999u) {
            return -EBADMSG;
        }
        m->off += 10;
        return 0;
    }
    if (p[0] == 0xc7 && left >= 11 && p[1] == 8 && p[2] == 0x00) {
        *ret_sec = (int64_t)be(p + 3, 4);
        *ret_nsec = (uint32_t)be(p + 7, 4);
        if (*ret_nsec > 999999999u) {
            return -EBADMSG;
        }
        m->off += 11;
        return 0;
    }
    if ((p[0] == 0xca && left >= 5) || (p[0] == 0xcb && left >= 9)) {
        double d;
        if (p[0] == 0xca) {
            uint32_t u = (uint32_t)be(p + 1, 4);
            float f;
            memcpy(&f, &u, sizeof(f));
            d = f;
        }
        else {
            uint64_t u = be(p + 1, 8);
            memcpy(&d, &u, sizeof(d));
        }
        if (!(d >= 0 && d < 9.2e18)) {
            return -EBADMSG;
        }
        *ret_sec = (int64_t)d;
        *ret_nsec = (uint32_t)((d - (double)*ret_sec) * 1e9);
        m->off += p[0] == 0xca ? 5 : 9;
        return 0;
    }
    uint64_t u;
    if (emu_mp_read_uint(m, &u) == 0) {
        *ret_sec = (int64_t)(u > INT64_MAX ? INT64_MAX : u);
        *ret_nsec = 0;
        return 0;
    }
    if (p[0] >= 0xe0 || (p[0] >= 0xd0 && p[0] <= 0xd3)) {
        return -EBADMSG; /* negative times are not events */
    }
    return -EBADMSG;
}

int emu_mp_read_event(struct emu_mp *m, int64_t *sec, uint32_t *nsec, const uint8_t **rec,
                      size_t *rec_len)
{
    uint32_t n;
    size_t save = m->off;
    if (emu_mp_read_array(m, &n) < 0 || n != 2 || emu_mp_read_time(m, sec, nsec) < 0 ||
        emu_mp_peek(m) != EMU_MP_MAP || emu_mp_next(m, rec, rec_len) < 0) {
        m->off = save;
        return -EBADMSG;
    }
    return 0;
}

/* Writers. */

static int put_be(struct emu_buf *b, uint8_t tag, uint64_t v, unsigned n)
{
    uint8_t tmp[9];
    tmp[0] = tag;
    for (unsigned i = 0; i < n; i++) {
        tmp[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
    return emu_buf_append(b, tmp, 1 + n);
}

int emu_mp_put_array(struct emu_buf *b, uint32_t n)
{
    if (n < 16) {
        return emu_buf_putc(b, (char)(0x90 | n));
    }
    return n < 65536 ? put_be(b, 0xdc, n, 2) : put_be(b, 0xdd, n, 4);
}

int emu_mp_put_map(struct emu_buf *b, uint32_t n)
{
    if (n < 16) {
        return emu_buf_putc(b, (char)(0x80 | n));
    }
    return n < 65536 ? put_be(b, 0xde, n, 2) : put_be(b, 0xdf, n, 4);
}

int emu_mp_put_str(struct emu_buf *b, const char *s, size_t len)
{
    int r;
    if (len > UINT32_MAX) {
        return -E2BIG;
    }
    if (len < 32) {
        r = emu_buf_putc(b, (char)(0xa0 | len));
    }
    else if (len < 256) {
        r = put_be(b, 0xd9, len, 1);
    }
    else if (len < 65536) {
        r = put_be(b, 0xda, len, 2);
    }
    else {
        r = put_be(b, 0xdb, len, 4);
    }
    return r < 0 ? r : emu_buf_append(b, s, len);
}

int emu_mp_put_int(struct emu_buf *b, int64_t v)
{
    if (v >= 0 && v < 128) {
        return emu_buf_putc(b, (char)v);
    }
    if (v >= -32 && v < 0) {
        return emu_buf_putc(b, (char)(0xe0 | (v + 32)));
    }
    if (v >= 0) {
        return put_be(b, 0xcf, (uint64_t)v, 8);
    }
    return put_be(b, 0xd3, (uint64_t)v, 8);
}

int emu_mp_put_double(struct emu_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    return put_be(b, 0xcb, u, 8);
}

int emu_mp_put_bool(struct emu_buf *b, int v)
{
    return emu_buf_putc(b, (char)(v ? 0xc3 : 0xc2));
}

int emu_mp_put_nil(struct emu_buf *b)
{
    return emu_buf_putc(b, (char)0xc0);
}

int emu_mp_put_eventtime(struct emu_buf *b, int64_t sec, uint32_t nsec)
{
    uint8_t t[10] = {0xd7, 0x00};
    for (int i = 0; i < 4; i++) {
        t[2 + i] = (uint8_t)((uint64_t)sec >> (24 - 8 * i));
        t[6 + i] = (uint8_t)(nsec >> (24 - 8 * i));
    }
    return emu_buf_append(b, t, sizeof(t));
}

int emu_mp_put_event(struct emu_buf *b, int64_t sec, uint32_t nsec, const void *rec,
                     size_t rec_len)
{
    size_t save = b->len;
    int r = emu_buf_putc(b, (char)0x92);
    if (r == 0) {
        r = emu_mp_put_eventtime(b, sec, nsec);
    }
    if (r == 0) {
        r = emu_buf_append(b, rec, rec_len);
    }
    if (r < 0 && b->data) {
        b->len = save;
        b->data[save] = '\0';
    }
    return r;
}

int64_t emu_mp_time_ms(int64_t sec, uint32_t nsec)
{
    if (sec > INT64_MAX / 1000 - 1) {
        return INT64_MAX;
    }
    if (sec < INT64_MIN / 1000 + 1) {
        return INT64_MIN;
    }
    return sec * 1000 + (int64_t)(nsec / 1000000u);
}
