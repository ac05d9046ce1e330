/* SPDX-License-Identifier: Apache-2.0 */
/* Block-chained bump allocator. */
#include "emu/base/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emu/base/mem.h"

#define ARENA_BLOCK_MIN 8192

struct emu_arena_block {
    struct emu_arena_block *next;
    size_t size;
    size_t off;
    alignas(max_align_t) unsigned char data[];
};

void emu_arena_init(struct emu_arena *a, size_t limit)
{
    a->head = NULL;
    a->used = 0;
    a->limit = limit;
}

void emu_arena_done(struct emu_arena *a)
{
    struct emu_arena_block *b = a->head;
    while (b) {
        struct emu_arena_block *next = b->next;
        emu_free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *emu_arena_alloc(struct emu_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0) {
        size = align;
    }
    if (a->limit && (size > a->limit || a->used > a->limit - size)) {
        return NULL;
    }
    struct emu_arena_block *b = a->head;
    if (!b || b->size - b->off < size) {
        size_t bsize = size > ARENA_BLOCK_MIN ? size : ARENA_BLOCK_MIN;
        if (bsize > SIZE_MAX - sizeof(*b)) {
            return NULL;
        }
        b = emu_malloc(sizeof(*b) + bsize);
        if (!b) {
            return NULL;
        }
        b->size = bsize;
        b->off = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->off;
    b->off += size;
    a->used += size;
    memset(p, 0, size);
    return p;
}

char *emu_arena_strndup(struct emu_arena *a, const char *s, size_t n)
{
    char *p = emu_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *emu_arena_strdup(struct emu_arena *a, const char *s)
{
    return emu_arena_strndup(a, s, strlen(s));
}

char *emu_arena_printf(struct emu_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return NULL;
    }
    char *p = emu_arena_alloc(a, (size_t)n + 1);
    if (!p) {
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
