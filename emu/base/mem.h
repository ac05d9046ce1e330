/* SPDX-License-Identifier: Apache-2.0 */
/* The one allocator every file of the tree uses, so tests can count allocations and inject
 * failures (EMU_TORTURE style) in one place. */
#ifndef EMU_BASE_MEM_H
#define EMU_BASE_MEM_H

#include <stddef.h>

/* Like malloc/calloc/realloc/free/strdup; return NULL on failure, never abort. */
void *emu_malloc(size_t size);
void *emu_calloc(size_t n, size_t size);
void *emu_realloc(void *ptr, size_t size);
void emu_free(void *ptr);
char *emu_strdup(const char *s);
char *emu_strndup(const char *s, size_t n);

/* Number of live allocations made through this allocator (for leak checks in tests). */
long emu_mem_outstanding(void);

/* Makes the Nth allocation from now fail (1 = the next one); 0 disables injection. */
void emu_mem_fail_after(long n);

/* In a LeakSanitizer build, checks for leaks now as the end-of-process check would (a report on
 * stderr, the exit code of the sanitizer's `exitcode` when it finds one); elsewhere nothing. For
 * processes that end with _exit(), where the sanitizer's atexit check never runs. */
void emu_mem_leak_check(void);

#endif
