/* SPDX-License-Identifier: Apache-2.0 */
/* Counting allocator with failure injection; the only file allowed to call malloc and free. */
#include "emu/base/mem.h"

#include <stdlib.h>
#include <string.h>

static long outstanding;
static long fail_countdown;

static int should_fail(void)
{
    if (fail_countdown > 0 && --fail_countdown == 0) {
        return 1;
    }
    return 0;
}

void *emu_malloc(size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    if (p) {
        outstanding++;
    }
    return p;
}

void *emu_calloc(size_t n, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p) {
        outstanding++;
    }
    return p;
}

void *emu_realloc(void *ptr, size_t size)
{
    if (!ptr) {
        return emu_malloc(size);
    }
    if (should_fail()) {
        return NULL;
    }
    return realloc(ptr, size ? size : 1);
}

void emu_free(void *ptr)
{
    if (ptr) {
        outstanding--;
        free(ptr);
    }
}

char *emu_strndup(const char *s, size_t n)
{
    char *p = emu_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *emu_strdup(const char *s)
{
    return emu_strndup(s, strlen(s));
}

long emu_mem_outstanding(void)
{
    return outstanding;
}

void emu_mem_fail_after(long n)
{
    fail_countdown = n;
}

/* Defined by the ASan/LSan runtime when linked in; a weak reference is NULL otherwise. */
extern void __lsan_do_leak_check(void) __attribute__((weak));

void emu_mem_leak_check(void)
{
    if (__lsan_do_leak_check) {
        __lsan_do_leak_check();
    }
}
