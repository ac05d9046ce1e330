/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded growable buffer (curl dynbuf style). */
#include "emu/base/buf.h"

#include <stdio.h>
#include <string.h>

#include "emu/base/err.h"
#include "emu/base/mem.h"

void emu_buf_init(struct emu_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void emu_buf_done(struct emu_buf *b)
{
    emu_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

static int reserve(struct emu_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra) {
        return EMU_E2BIG;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    }
    if (cap > b->max + 1) {
        cap = b->max + 1;
    }
    char *p = emu_realloc(b->data, cap);
    if (!p) {
        return EMU_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int emu_buf_append(struct emu_buf *b, const void *data, size_t len)
{
    int r = reserve(b, len);
    if (r < 0) {
        return r;
    }
    if (len) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int emu_buf_puts(struct emu_buf *b, const char *s)
{
    return emu_buf_append(b, s, strlen(s));
}

int emu_buf_putc(struct emu_buf *b, char c)
{
    return emu_buf_append(b, &c, 1);
}

int emu_buf_vprintf(struct emu_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        return EMU_EINVAL;
    }
    int r = reserve(b, (size_t)n);
    if (r < 0) {
        return r;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int emu_buf_printf(struct emu_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = emu_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

int emu_buf_put_utf8(struct emu_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    }
    else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    else if (cp <= 0x10FFFF) {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    else {
        return EMU_EINVAL;
    }
    return emu_buf_append(b, u, n);
}

char *emu_buf_steal(struct emu_buf *b)
{
    char *p = b->data;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
